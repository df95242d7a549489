//! Scanning of arguments and results for secrets, financial data and PII.

mod hit;
pub mod validators;

pub use hit::{Category, Hit, Severity};
