//! Generation and normalisation: what we advertise is what clients accept and what we enforce.
//!
//! - numeric `format`s (`uint64`, `int32`, `double`, ...) are dropped: Ajv in strict mode rejects
//!   unknown formats; schemars already adds `minimum: 0` for unsigned types;
//! - `type: ["T", "null"]` becomes `type: "T"`, and `anyOf: [S, {type: null}]` becomes `S`: the
//!   field stays optional (not in `required`) but an explicit `null` is refused, which matches
//!   what we advertise (MCP Inspector `--strict` flags type arrays);
//! - subschemas are inlined; `$schema` is dropped.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

const NUMERIC_FORMATS: &[&str] = &[
    "int", "uint", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "int128", "uint128", "float", "double", "uint", "isize", "usize",
];

/// The normalised JSON Schema of `T`, as an object.
pub fn schema_for<T: JsonSchema>() -> Map<String, Value> {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let root = generator.into_root_schema_for::<T>();
    let mut value = root.to_value();
    normalize(&mut value);
    match value {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("allOf".into(), Value::Array(vec![other]));
            map
        }
    }
}

/// Normalises a schema in place (see the module docs).
pub fn normalize(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    map.remove("$schema");
    if let Some(Value::String(f)) = map.get("format")
        && NUMERIC_FORMATS.contains(&f.as_str())
    {
        map.remove("format");
    }
    if let Some(Value::Array(types)) = map.get("type") {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        match non_null.len() {
            0 => {}
            1 => {
                map.insert(
                    "type".into(),
                    non_null.into_iter().next().unwrap_or(Value::Null),
                );
            }
            _ => {
                map.insert("type".into(), Value::Array(non_null));
            }
        }
    }
    if let Some(Value::Array(any)) = map.get("anyOf") {
        let non_null: Vec<Value> = any.iter().filter(|s| !is_null_schema(s)).cloned().collect();
        if non_null.len() == 1 && non_null.len() < any.len() {
            map.remove("anyOf");
            if let Some(Value::Object(inner)) = non_null.into_iter().next() {
                for (k, v) in inner {
                    map.entry(k).or_insert(v);
                }
            }
        }
    }
    // `"default": null` is what schemars writes for an `Option` field; after removing null it
    // would advertise a default the schema refuses.
    if map.get("default") == Some(&Value::Null) {
        map.remove("default");
    }
    for key in ["properties", "$defs", "definitions", "patternProperties"] {
        if let Some(Value::Object(children)) = map.get_mut(key) {
            children.values_mut().for_each(normalize);
        }
    }
    for key in ["items", "additionalProperties", "not", "contains"] {
        if let Some(child) = map.get_mut(key) {
            normalize(child);
        }
    }
    for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            children.iter_mut().for_each(normalize);
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.get("const") == Some(&Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct Inner {
        x: u8,
    }

    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct T {
        amount: u64,
        memo: Option<String>,
        inner: Option<Inner>,
    }

    #[test]
    fn no_numeric_formats_no_type_arrays_no_null() {
        let s = Value::Object(schema_for::<T>());
        let text = s.to_string();
        assert!(!text.contains("uint64"), "{text}");
        assert!(!text.contains("uint8"), "{text}");
        assert!(!text.contains("\"null\""), "{text}");
        assert!(!text.contains("$ref"), "{text}");
        assert_eq!(s["properties"]["amount"]["minimum"], json!(0));
        assert_eq!(s["properties"]["memo"]["type"], json!("string"));
        assert_eq!(s["properties"]["inner"]["type"], json!("object"));
        assert_eq!(s["required"], json!(["amount"]));
    }
}
