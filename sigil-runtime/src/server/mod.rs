//! The server: builder, rmcp handler and transports.

mod banner;
mod bounded_sessions;
mod builder;
mod dangerous;
mod error;
mod handler;
mod http_identity;
mod http_wire_check;
mod key_dir;
mod line_transport;
mod refusal_throttle;
mod same_origin;
mod session_admission;
mod session_limits;
mod shutdown;
mod sse_priming;
mod state_setup;
mod tls;
mod transport;
mod wire_check;

pub use banner::Served;
pub use builder::{SigilServerBuilder, ToolDef};
pub use dangerous::Dangerous;
pub use error::BuildError;
pub use handler::SigilServer;
pub use key_dir::{KeyDir, KeyDirError, REQUEST_STATE_KEY_PREFIX, VAULT_KEY_PREFIX};
pub use tls::HttpsConfig;
