//! An in-memory audit sink: for tests and for servers that configure no log yet.

use std::sync::Mutex;

use crate::audit::{AuditError, AuditEvent, AuditId, AuditSink};

/// Keeps every event in memory, in order. Cloning shares nothing; wrap in `Arc` to share.
#[derive(Debug, Default)]
pub struct MemoryAudit {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemoryAudit {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every event so far.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl AuditSink for MemoryAudit {
    fn append(&self, event: AuditEvent) -> Result<AuditId, AuditError> {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        events.push(event);
        Ok(AuditId(events.len() as u64))
    }

    fn durable(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        "in memory only (Dangerous::MemoryAudit): lost when the process exits".to_owned()
    }
}
