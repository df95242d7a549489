//! Generation and normalisation: what we advertise is what clients accept and what we enforce.
//!
//! - integer `format`s (`uint64`, `int32`, ...) become the bounds of their Rust type
//!   (`minimum`/`maximum`, tightening what is there, never loosening it), so a number the type
//!   cannot hold is refused before a human is asked to confirm a call that could never run;
//! - numeric `format`s are then dropped: Ajv in strict mode rejects unknown formats;
//! - an object schema with `properties` and no `additionalProperties` gets
//!   `additionalProperties: false`: an argument the tool does not declare is refused, never
//!   silently ignored by serde (a schema that sets `additionalProperties` itself, as a map or
//!   `#[schemars(extend("additionalProperties" = true))]` does, keeps it: that is the opt-out);
//! - `type: ["T", "null"]` becomes `type: "T"`, and `anyOf: [S, {type: null}]` becomes `S`: the
//!   field stays optional (not in `required`) but an explicit `null` is refused, which matches
//!   what we advertise (MCP Inspector `--strict` flags type arrays);
//! - subschemas are inlined; `$schema` is dropped.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::exact_number;

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
        if let Some((min, max)) = integer_bounds(f) {
            tighten(map, "minimum", min, Ordering::Less);
            tighten(map, "maximum", max, Ordering::Greater);
        }
        map.remove("format");
    }
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
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

/// The range of the Rust integer type behind a schemars `format`. 128-bit types get the range a
/// JSON number can carry into them through serde_json (64 bits).
fn integer_bounds(format: &str) -> Option<(Number, Number)> {
    let signed = |min: i64, max: i64| Some((Number::from(min), Number::from(max)));
    let unsigned = |max: u64| Some((Number::from(0_u64), Number::from(max)));
    match format {
        "int8" => signed(i8::MIN.into(), i8::MAX.into()),
        "int16" => signed(i16::MIN.into(), i16::MAX.into()),
        "int32" => signed(i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" | "isize" | "int128" => signed(i64::MIN, i64::MAX),
        "uint8" => unsigned(u8::MAX.into()),
        "uint16" => unsigned(u16::MAX.into()),
        "uint32" => unsigned(u32::MAX.into()),
        "uint64" | "uint" | "usize" | "uint128" => unsigned(u64::MAX),
        _ => None,
    }
}

/// Sets `key` to `bound` unless the schema already has a bound at least as tight.
/// `looser` is the order in which an existing bound would be looser than `bound`.
fn tighten(map: &mut Map<String, Value>, key: &str, bound: Number, looser: Ordering) {
    let keep = match map.get(key) {
        Some(Value::Number(old)) => exact_number::compare(old, &bound) != Some(looser),
        _ => false,
    };
    if !keep {
        map.insert(key.into(), Value::Number(bound));
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
        assert_eq!(s["additionalProperties"], json!(false));
        assert_eq!(
            s["properties"]["inner"]["additionalProperties"],
            json!(false)
        );
    }

    #[allow(dead_code)]
    #[derive(schemars::JsonSchema)]
    struct Widths {
        a: u8,
        b: u16,
        c: u32,
        d: u64,
        e: usize,
        f: i8,
        g: i16,
        h: i32,
        i: i64,
        j: isize,
        k: std::num::NonZeroU32,
        l: std::num::NonZeroI64,
        #[schemars(range(min = 10, max = 20))]
        m: u8,
        #[schemars(range(min = -5))]
        n: u32,
        o: u128,
        p: i128,
    }

    #[test]
    fn every_integer_width_gets_the_bounds_of_its_type() {
        let s = Value::Object(schema_for::<Widths>());
        let bounds = |f: &str| {
            let p = &s["properties"][f];
            (p["minimum"].clone(), p["maximum"].clone())
        };
        assert_eq!(bounds("a"), (json!(0), json!(255)));
        assert_eq!(bounds("b"), (json!(0), json!(65535)));
        assert_eq!(bounds("c"), (json!(0), json!(u32::MAX)));
        assert_eq!(bounds("d"), (json!(0), json!(u64::MAX)));
        assert_eq!(bounds("e"), (json!(0), json!(u64::MAX)));
        assert_eq!(bounds("f"), (json!(-128), json!(127)));
        assert_eq!(bounds("g"), (json!(-32768), json!(32767)));
        assert_eq!(bounds("h"), (json!(i32::MIN), json!(i32::MAX)));
        assert_eq!(bounds("i"), (json!(i64::MIN), json!(i64::MAX)));
        assert_eq!(bounds("j"), (json!(i64::MIN), json!(i64::MAX)));
        assert_eq!(bounds("k"), (json!(1), json!(u32::MAX)));
        assert_eq!(bounds("l"), (json!(i64::MIN), json!(i64::MAX)));
        assert_eq!(s["properties"]["l"]["not"], json!({"const": 0}));
        // A declared range tighter than the type's is kept; a looser one is tightened.
        assert_eq!(bounds("m"), (json!(10), json!(20)));
        assert_eq!(bounds("n"), (json!(0), json!(u32::MAX)));
        assert_eq!(bounds("o"), (json!(0), json!(u64::MAX)));
        assert_eq!(bounds("p"), (json!(i64::MIN), json!(i64::MAX)));
        assert!(!s.to_string().contains("format"), "{s}");
    }

    #[test]
    fn numbers_the_type_cannot_hold_fail_validation() {
        let schema = crate::schema::CompiledSchema::compile(&schema_for::<Widths>()).unwrap();
        let ok = json!({"a": 255, "b": 0, "c": 4294967295u64, "d": u64::MAX, "e": 0, "f": -128,
            "g": 0, "h": 0, "i": i64::MIN, "j": 0, "k": 1, "l": -1, "m": 10, "n": 0, "o": 0, "p": 0});
        assert_eq!(schema.validate(&ok), vec![]);
        let two_pow_64: Value = serde_json::from_str("18446744073709551616").unwrap();
        let cases = [
            ("a", json!(256)),
            ("a", json!(-1)),
            ("a", json!(1.5)),
            ("a", json!(1.0)),
            ("c", json!(4294967296u64)),
            ("d", two_pow_64),
            ("d", json!(1e30)),
            ("d", json!(-1)),
            ("f", json!(128)),
            ("h", json!(2147483648u64)),
            ("i", json!(u64::MAX)),
            ("i", json!(-1e30)),
            ("k", json!(0)),
            ("l", json!(0)),
            ("m", json!(21)),
            ("n", json!(-1)),
        ];
        for (field, bad) in cases {
            let mut args = ok.clone();
            args[field] = bad.clone();
            let v = schema.validate(&args);
            assert!(!v.is_empty(), "{field} = {bad} passed");
            assert!(v.iter().all(|x| x.path == format!("/{field}")), "{v:?}");
        }
    }

    #[test]
    fn undeclared_arguments_are_refused_unless_the_schema_opts_out() {
        let closed = crate::schema::CompiledSchema::compile(&schema_for::<T>()).unwrap();
        let v = closed.validate(&json!({"amount": 1, "aaa_pad_1": "x"}));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].path, "/aaa_pad_1");
        let mut open = json!({"type": "object", "properties": {"a": {"type": "string"}},
            "additionalProperties": true});
        normalize(&mut open);
        assert_eq!(open["additionalProperties"], json!(true));
    }
}
