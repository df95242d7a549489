//! The tamper-evident audit trail.

mod event;
mod memory;

pub use event::{AuditEvent, AuditId, AuditSink, AuditSinkError, EventKind};
pub use memory::MemoryAudit;
