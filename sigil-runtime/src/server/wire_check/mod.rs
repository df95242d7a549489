//! The wire check: what one JSON-RPC message must be, as raw bytes, before rmcp reads it.
//!
//! rmcp drops unparsable input on stdio without an answer, answers it over HTTP with `415` and
//! plain text, and turns a known method with ill-typed params into "method not found" (its
//! `ClientRequest` is an untagged enum that falls back to `CustomRequest`). [`check`] answers
//! each case as JSON-RPC 2.0 says, before any handling:
//!
//! | the message | code | `id` |
//! |---|---|---|
//! | not UTF-8, not JSON, nested deeper than [`MAX_DEPTH`] | `-32700` | `null` |
//! | a batch (array), not an object, `jsonrpc` not `"2.0"`, a bad `id` or `method`, a duplicate key outside `params` | `-32600` | `null` |
//! | a duplicate key inside `params`; keys differing only in case in an object of `params.arguments`; `params` not an object; `initialize`, `tools/call` or `tools/list` params rmcp cannot read | `-32602` | the request's |
//!
//! A well-formed notification is never answered (JSON-RPC 2.0 §4.1), even when refused.
//! Whether an `initialize` comes too late, or a message is too long, is the transport's business
//! (it knows the session and its limits): [`Refused::already_initialized`] (`-32600`, the
//! request's id), [`Refused::too_large`] (`-32600`, `id: null`).
//!
//! Nothing of the payload goes into a refusal: its length, and the parse error's line and column.

mod record;
mod strict_json;

use std::collections::HashSet;
use std::fmt;

use rmcp::model::{CallToolRequestParams, InitializeRequestParams, PaginatedRequestParams};
use serde_json::{Value, json};

pub(crate) use record::{RefusalRecorder, Transport};
pub(crate) use strict_json::MAX_DEPTH;
use strict_json::{Parsed, Place};

/// The standard JSON-RPC codes a refusal carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// `-32700`: the bytes are not one JSON value SIGIL will read.
    Parse,
    /// `-32600`: JSON, but not a JSON-RPC 2.0 message (or not one allowed here).
    InvalidRequest,
    /// `-32602`: a request whose params its method cannot take.
    InvalidParams,
}

impl Code {
    /// The JSON-RPC error code.
    pub(crate) fn number(self) -> i32 {
        match self {
            Self::Parse => -32700,
            Self::InvalidRequest => -32600,
            Self::InvalidParams => -32602,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Parse => "Parse error",
            Self::InvalidRequest => "Invalid Request",
            Self::InvalidParams => "Invalid params",
        }
    }
}

/// What was wrong with a message; holds none of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Not UTF-8 from this byte on.
    InvalidUtf8 { at: usize },
    /// Not JSON: the parse stopped here.
    Syntax { line: usize, column: usize },
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep { line: usize, column: usize },
    /// A JSON array: MCP has no batches since 2025-06-18, and rmcp reads none.
    Batch,
    /// JSON-RPC envelope rule broken (a fixed text naming the rule).
    Envelope(&'static str),
    /// A key appears twice in one object.
    DuplicateKey(Place),
    /// Two keys of one object in `params.arguments` differ only in case.
    CaseCollidingKeys,
    /// `params` is not an object.
    ParamsNotAnObject,
    /// The params do not fit this method.
    ParamsShape(&'static str),
    /// `initialize` on a session that is already initialized.
    AlreadyInitialized,
    /// Longer than the transport reads (stdio: rmcp's line limit, 16 MiB).
    TooLarge,
}

impl Fault {
    /// The code of this fault.
    pub(crate) fn code(&self) -> Code {
        match self {
            Self::InvalidUtf8 { .. } | Self::Syntax { .. } | Self::TooDeep { .. } => Code::Parse,
            Self::Batch
            | Self::Envelope(_)
            | Self::DuplicateKey(Place::Envelope)
            | Self::AlreadyInitialized
            | Self::TooLarge => Code::InvalidRequest,
            Self::DuplicateKey(Place::Params | Place::Arguments)
            | Self::CaseCollidingKeys
            | Self::ParamsNotAnObject
            | Self::ParamsShape(_) => Code::InvalidParams,
        }
    }

    /// The `error.data.reason` of the answer, and the audit record's category.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::Syntax { .. } => "invalid_json",
            Self::TooDeep { .. } => "too_deep",
            Self::Batch => "batch_unsupported",
            Self::Envelope(_) => "invalid_envelope",
            Self::DuplicateKey(_) => "duplicate_key",
            Self::CaseCollidingKeys => "case_colliding_keys",
            Self::ParamsNotAnObject | Self::ParamsShape(_) => "invalid_params",
            Self::AlreadyInitialized => "already_initialized",
            Self::TooLarge => "too_large",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUtf8 { at } => write!(f, "not UTF-8 at byte {at}"),
            Self::Syntax { line, column } => write!(f, "not JSON at line {line} column {column}"),
            Self::TooDeep { line, column } => write!(
                f,
                "nested deeper than {MAX_DEPTH} levels at line {line} column {column}"
            ),
            Self::Batch => f.write_str("batches are not supported"),
            Self::Envelope(rule) => f.write_str(rule),
            Self::DuplicateKey(Place::Envelope) => f.write_str("a key appears twice"),
            Self::DuplicateKey(Place::Params) => f.write_str("a key appears twice in params"),
            Self::DuplicateKey(Place::Arguments) => {
                f.write_str("a key appears twice in params.arguments")
            }
            Self::CaseCollidingKeys => {
                f.write_str("two keys in params.arguments differ only in case")
            }
            Self::ParamsNotAnObject => f.write_str("params must be an object"),
            Self::ParamsShape(expected) => f.write_str(expected),
            Self::AlreadyInitialized => f.write_str("the session is already initialized"),
            Self::TooLarge => f.write_str("the message is too large"),
        }
    }
}

/// A message that passed, and what the transports need to know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Passed {
    /// A request; `initialize` says whether it opens a session, `id` is its id.
    Request { initialize: bool, id: Value },
    /// A notification.
    Notification,
    /// A response or error answering a request of the server's (elicitation).
    Response,
}

/// A refused message: why, and how to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// What was wrong.
    pub(crate) fault: Fault,
    /// The request's id when it could be read, else `null`.
    pub(crate) id: Value,
    /// A well-formed notification: JSON-RPC gives it no answer.
    pub(crate) notification: bool,
    /// The message's length in bytes.
    pub(crate) len: usize,
}

impl Refused {
    /// The refusal of an `initialize` on a live session (request `id`, `len` bytes long).
    pub(crate) fn already_initialized(id: Value, len: usize) -> Self {
        Self {
            fault: Fault::AlreadyInitialized,
            id,
            notification: false,
            len,
        }
    }

    /// The refusal of a message of `len` bytes, longer than the transport reads.
    pub(crate) fn too_large(len: usize) -> Self {
        Self {
            fault: Fault::TooLarge,
            id: Value::Null,
            notification: false,
            len,
        }
    }

    /// The JSON-RPC error response answering it, one line of JSON (no newline).
    pub(crate) fn response(&self) -> Vec<u8> {
        let code = self.fault.code();
        let answer = json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": {
                "code": code.number(),
                "message": format!("{}: {}", code.title(), self.fault),
                "data": {"reason": self.fault.reason()},
            },
        });
        answer.to_string().into_bytes()
    }

    /// What the audit record says: the category, the fault, the length; never the content.
    pub(crate) fn audit_reason(&self) -> String {
        format!(
            "{} ({}): {}; {} bytes",
            self.fault.reason(),
            self.fault.code().number(),
            self.fault,
            self.len
        )
    }
}

/// Checks one raw JSON-RPC message (a stdio line without its newline, an HTTP body).
pub(crate) fn check(bytes: &[u8]) -> Result<Passed, Refused> {
    let len = bytes.len();
    let refuse = |fault: Fault, id: &Value, notification: bool| Refused {
        fault,
        id: id.clone(),
        notification,
        len,
    };
    // rmcp skips a UTF-8 byte order mark (RFC 8259 §8.1 allows it).
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(text) {
        let at = e.valid_up_to() + (len - text.len());
        return Err(refuse(Fault::InvalidUtf8 { at }, &Value::Null, false));
    }
    let (message, duplicate) = match strict_json::parse(text) {
        Parsed::Json { value, duplicate } => (value, duplicate),
        Parsed::TooDeep { line, column } => {
            return Err(refuse(Fault::TooDeep { line, column }, &Value::Null, false));
        }
        Parsed::Syntax { line, column } => {
            return Err(refuse(Fault::Syntax { line, column }, &Value::Null, false));
        }
    };
    let envelope = |rule| refuse(Fault::Envelope(rule), &Value::Null, false);
    let object = match message {
        Value::Object(object) => object,
        Value::Array(_) => return Err(refuse(Fault::Batch, &Value::Null, false)),
        _ => return Err(envelope("a message must be an object")),
    };
    if duplicate == Some(Place::Envelope) {
        return Err(refuse(
            Fault::DuplicateKey(Place::Envelope),
            &Value::Null,
            false,
        ));
    }
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(envelope("jsonrpc must be \"2.0\""));
    }
    let id = match object.get("id") {
        None => None,
        Some(id @ Value::String(_)) => Some(id.clone()),
        Some(id) if id.as_i64().is_some() => Some(id.clone()),
        Some(_) => return Err(envelope("id must be a string or an integer")),
    };
    let answers = object.contains_key("result") || object.contains_key("error");
    let method = match object.get("method") {
        Some(Value::String(method)) if !answers => method.as_str(),
        Some(Value::String(_)) => {
            return Err(envelope("a request has no result or error"));
        }
        Some(_) => return Err(envelope("method must be a string")),
        None => {
            return match id {
                Some(_) if object.contains_key("result") != object.contains_key("error") => {
                    Ok(Passed::Response)
                }
                Some(_) => Err(envelope("a response has either result or error")),
                None => Err(envelope("a message needs a method or an id")),
            };
        }
    };
    let notification = id.is_none();
    let id = id.unwrap_or(Value::Null);
    let invalid = |fault| refuse(fault, &id, notification);
    if let Some(place) = duplicate {
        return Err(invalid(Fault::DuplicateKey(place)));
    }
    let params = match object.get("params") {
        None | Some(Value::Null) => None,
        Some(params @ Value::Object(_)) => Some(params),
        Some(_) => return Err(invalid(Fault::ParamsNotAnObject)),
    };
    if let Some(arguments) = params.and_then(|p| p.get("arguments"))
        && has_case_colliding_keys(arguments)
    {
        return Err(invalid(Fault::CaseCollidingKeys));
    }
    if !notification && let Err(expected) = params_fit(method, params) {
        return Err(invalid(Fault::ParamsShape(expected)));
    }
    Ok(if notification {
        Passed::Notification
    } else {
        Passed::Request {
            initialize: method == "initialize",
            id,
        }
    })
}

/// Whether `params` fit `method`, for the methods SIGIL serves, read with rmcp's own types (so
/// what passes here is what rmcp will read); other methods are rmcp's to answer.
fn params_fit(method: &str, params: Option<&Value>) -> Result<(), &'static str> {
    fn reads<T: serde::de::DeserializeOwned>(params: Option<&Value>) -> bool {
        params.is_some_and(|p| T::deserialize(p).is_ok())
    }
    match method {
        "initialize" if !reads::<InitializeRequestParams>(params) => Err(
            "initialize needs params {protocolVersion: string, capabilities: object, clientInfo: {name, version}}",
        ),
        "tools/call" if !reads::<CallToolRequestParams>(params) => {
            Err("tools/call needs params {name: string, arguments?: object}")
        }
        "tools/list" if params.is_some() && !reads::<PaginatedRequestParams>(params) => {
            Err("tools/list takes params {cursor?: string}")
        }
        _ => Ok(()),
    }
}

/// Whether any object in `value` has two keys that are equal once lowercased.
fn has_case_colliding_keys(value: &Value) -> bool {
    match value {
        Value::Object(members) => {
            let mut seen = HashSet::with_capacity(members.len());
            members.keys().any(|k| !seen.insert(k.to_lowercase()))
                || members.values().any(has_case_colliding_keys)
        }
        Value::Array(items) => items.iter().any(has_case_colliding_keys),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
