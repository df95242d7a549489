//! The tamper-evident audit trail.
