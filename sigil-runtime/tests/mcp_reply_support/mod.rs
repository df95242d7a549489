//! Reading an MCP Streamable HTTP reply, shared by the HTTP identity tests.

use serde_json::Value;

/// The JSON-RPC response in a reply body: the body itself when it is JSON, else the first
/// SSE `data:` event that carries an `id`.
pub(crate) fn jsonrpc_message(body: &str) -> Option<Value> {
    serde_json::from_str(body).ok().or_else(|| {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|m| m.get("id").is_some())
    })
}
