//! Scanning of arguments and results for secrets, financial data and PII.
//!
//! A [`Scanner`] is compiled once from rule packs (the embedded default pack and any others)
//! and shared (`Send + Sync`, cheap to clone). It scans plain bytes ([`Scanner::scan_text`]) or
//! raw JSON ([`Scanner::scan_json`]), where string escapes are undone before scanning and hits
//! are mapped back to byte spans of the raw text.
//!
//! ```
//! use sigil_runtime::scan::Scanner;
//!
//! let scanner = Scanner::default_pack()?;
//! let raw = br#"{"text":"key:\nAKIAQWERTYUIOPASDFGH"}"#;
//! let hits = scanner.scan_json(raw);
//! assert_eq!(hits.len(), 1);
//! assert_eq!(&raw[hits[0].span.clone()], b"AKIAQWERTYUIOPASDFGH");
//! # Ok::<(), sigil_runtime::scan::ScanError>(())
//! ```

mod class_prefix;
mod compiled_rule;
mod decode;
mod encoding;
mod engine;
mod error;
mod hit;
mod json_pieces;
mod json_spans;
mod keyword_finder;
mod keyword_lead;
mod lanes;
mod normalize;
mod overlap;
mod pack;
mod pack_self_test;
mod pack_signature;
mod redact;
mod scanner;
mod sequence;
mod trigger_pass;
pub mod validators;

pub use decode::MAX_DEPTH;
pub use encoding::Encoding;
pub use error::ScanError;
pub use hit::{Category, Hit, Severity};
pub use json_pieces::{JsonPiece, json_pieces};
pub use pack::{Pack, Rule};
pub use pack_self_test::{SelfTestFailure, SelfTestProblem};
pub use pack_signature::{PackPublicKey, PackSigningKey, SIGNATURE_SUFFIX, sign_pack, verify_pack};
pub use redact::{redact, redact_bytes};
pub use scanner::{DEFAULT_PACK_TOML, Scanner, ScannerBuilder};
