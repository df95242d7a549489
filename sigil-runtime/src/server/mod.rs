//! The server: builder, rmcp handler and transports.

mod bearer;
mod builder;
mod handler;
mod pid_routes;
mod transport;

pub use builder::{BuildError, SigilServerBuilder, ToolDef};
pub use handler::SigilServer;
