//! Scanning of arguments and results for secrets, financial data and PII.

mod hit;

pub use hit::{Category, Hit, Severity};
