//! The tamper-evident audit trail.

mod event;

pub use event::{AuditEvent, AuditId, AuditSink, AuditSinkError, EventKind};
