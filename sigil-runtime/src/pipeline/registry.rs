//! Registered tools: spec (after config), the advertised rmcp `Tool`, compiled schema, handler.

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{MetaObject, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use crate::envelope::META_PREFIX;
use crate::schema::{CompiledSchema, SchemaError};
use crate::tool::{ErasedHandler, ToolSpec};

/// One tool as the pipeline runs it.
pub(crate) struct Registered {
    pub(crate) spec: ToolSpec,
    pub(crate) tool: Tool,
    pub(crate) schema: CompiledSchema,
    /// The top-level arguments the input schema declares, in declaration order.
    pub(crate) fields: Vec<String>,
    /// Whether arguments outside `fields` are refused (`additionalProperties: false`).
    pub(crate) closed: bool,
    pub(crate) handler: ErasedHandler,
}

fn empty_object_schema() -> Map<String, Value> {
    let Value::Object(m) = json!({"type": "object", "properties": {}}) else {
        unreachable!()
    };
    m
}

/// Builds the advertised tool. Fails when the schema cannot be enforced or the hints
/// contradict the risk.
pub(crate) fn register(
    spec: ToolSpec,
    input: Option<Map<String, Value>>,
    output: Option<Map<String, Value>>,
    handler: ErasedHandler,
) -> Result<Registered, String> {
    let name = spec.name().to_owned();
    if name.is_empty()
        || name.len() > 128
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    {
        return Err(format!(
            "tool `{name}`: a tool name is 1 to 128 of A-Z a-z 0-9 _ - ."
        ));
    }
    if let Some(why) = spec
        .risk
        .contradiction(spec.hints.read_only, spec.hints.destructive)
    {
        return Err(format!(
            "tool `{name}`: annotations contradict risk `{}`: {why}",
            spec.risk
        ));
    }
    let mut input = input.unwrap_or_else(empty_object_schema);
    let mut v = Value::Object(std::mem::take(&mut input));
    crate::schema::normalize(&mut v);
    let Value::Object(mut input) = v else {
        unreachable!()
    };
    if input.get("type").and_then(Value::as_str) != Some("object") {
        return Err(format!(
            "tool `{name}`: the input schema must describe an object"
        ));
    }
    input.entry("properties").or_insert_with(|| json!({}));
    let schema =
        CompiledSchema::compile(&input).map_err(|e: SchemaError| format!("tool `{name}`: {e}"))?;
    let fields: Vec<String> = input
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let closed = input.get("additionalProperties") == Some(&Value::Bool(false));

    let (ro_default, destructive_default) = spec.risk.default_hints();
    let mut annotations = ToolAnnotations::new()
        .read_only(spec.hints.read_only.unwrap_or(ro_default))
        .destructive(spec.hints.destructive.unwrap_or(destructive_default));
    if let Some(i) = spec.hints.idempotent {
        annotations = annotations.idempotent(i);
    }
    if let Some(o) = spec.hints.open_world {
        annotations = annotations.open_world(o);
    }
    if let Some(t) = &spec.title {
        annotations.title = Some(t.clone());
    }
    let mut meta = Map::new();
    meta.insert(format!("{META_PREFIX}risk"), json!(spec.risk.as_str()));
    meta.insert(
        format!("{META_PREFIX}trust"),
        json!(spec.required_trust().as_str()),
    );
    meta.insert(format!("{META_PREFIX}confirm"), json!(spec.needs_confirm()));
    if !spec.scopes.is_empty() {
        meta.insert(format!("{META_PREFIX}scopes"), json!(spec.scopes));
    }
    let mut tool = Tool::new_with_raw(
        Cow::Owned(name),
        Some(Cow::Owned(spec.description.clone())),
        Arc::new(input),
    )
    .with_annotations(annotations)
    .with_meta(MetaObject(meta));
    if let Some(t) = &spec.title {
        tool = tool.with_title(t.clone());
    }
    if let Some(mut out) = output {
        let mut v = Value::Object(std::mem::take(&mut out));
        crate::schema::normalize(&mut v);
        // MCP requires an object output schema; anything else is described in text only.
        if let Value::Object(out) = v
            && out.get("type").and_then(Value::as_str) == Some("object")
        {
            tool = tool.with_raw_output_schema(Arc::new(out));
        }
    }
    Ok(Registered {
        spec,
        tool,
        schema,
        fields,
        closed,
        handler,
    })
}
