//! `tools/list`: a caller sees only the tools it could call.

use rmcp::model::{CacheScope, ListToolsResult, Tool};

use crate::audit::EventKind;
use crate::identity::Caller;
use crate::pipeline::{Decision, Pipeline, Who};

impl Pipeline {
    pub(crate) fn visible_tools(&self, caller: &Caller) -> Vec<Tool> {
        self.tools
            .iter()
            .filter(|t| self.authorize(caller, t).is_ok())
            .map(|t| t.tool.clone())
            .collect()
    }

    pub(crate) fn list(&self, caller: &Caller) -> ListToolsResult {
        let tools = self.visible_tools(caller);
        self.record(EventKind::ToolsList, Who::Caller(caller))
            .decision(Decision::Allowed)
            .reason(format_args!(
                "{} of {} tools visible",
                tools.len(),
                self.tools.len()
            ))
            .append();
        let mut result = ListToolsResult::with_all_items(tools);
        // What is listed depends on who asks: never cache it for others.
        result.cache_scope = Some(CacheScope::Private);
        result
    }
}
