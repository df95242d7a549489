//! Enforcing the advertised schema on arguments, before any tool runs.
//!
//! Supports the subset of JSON Schema 2020-12 that schemars emits and tools need: `type`,
//! `enum`, `const`, `properties`, `required`, `additionalProperties`, numeric bounds,
//! `multipleOf`, string lengths, `pattern`, `items`/`prefixItems`, array bounds, `uniqueItems`,
//! `anyOf`/`oneOf`/`allOf`/`not`, and local `$ref`s. Annotation keywords are ignored. Any other
//! assertion keyword is refused when the tool is registered (fail closed), never silently
//! skipped at call time.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::exact_number;

const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$defs",
    "definitions",
    "contentEncoding",
    "contentMediaType",
];

const MAX_DEPTH: usize = 64;

/// A schema that cannot be enforced. Names the keyword and where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer to the offending keyword.
    pub at: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema at `{}`: {}", self.at, self.message)
    }
}

impl std::error::Error for SchemaError {}

/// Why an instance does not satisfy the schema. Holds the path and the rule, not the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the arguments (`/amount_cents`).
    pub path: String,
    /// The rule broken (`must be >= 1`).
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "arguments"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

#[derive(Debug)]
enum Node {
    Bool(bool),
    Schema(Box<Rules>),
    Ref(String),
}

#[derive(Debug, Default)]
struct Rules {
    types: Option<Vec<String>>,
    enumeration: Option<Vec<Value>>,
    constant: Option<Value>,
    properties: BTreeMap<String, Node>,
    required: Vec<String>,
    additional: Option<Node>,
    minimum: Option<Number>,
    maximum: Option<Number>,
    exclusive_minimum: Option<Number>,
    exclusive_maximum: Option<Number>,
    multiple_of: Option<f64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<regex::Regex>,
    items: Option<Node>,
    prefix_items: Vec<Node>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
    min_properties: Option<u64>,
    max_properties: Option<u64>,
    any_of: Vec<Node>,
    one_of: Vec<Node>,
    all_of: Vec<Node>,
    not: Option<Node>,
}

/// A schema compiled once at registration and checked on every call.
#[derive(Debug, Clone)]
pub struct CompiledSchema {
    root: Arc<Node>,
    defs: Arc<BTreeMap<String, Node>>,
}

impl CompiledSchema {
    /// Compiles `schema`, refusing keywords it cannot enforce.
    pub fn compile(schema: &Map<String, Value>) -> Result<Self, SchemaError> {
        let mut defs = BTreeMap::new();
        for key in ["$defs", "definitions"] {
            if let Some(Value::Object(d)) = schema.get(key) {
                for (name, s) in d {
                    let at = format!("/{key}/{name}");
                    defs.insert(format!("#/{key}/{name}"), compile_node(s, &at, 0)?);
                }
            }
        }
        let root = compile_node(&Value::Object(schema.clone()), "", 0)?;
        Ok(Self {
            root: Arc::new(root),
            defs: Arc::new(defs),
        })
    }

    /// Checks `instance`, returning the first few violations (empty = valid).
    pub fn validate(&self, instance: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(&self.root, instance, &mut String::new(), &mut out, 0);
        out.truncate(8);
        out
    }

    fn check(
        &self,
        node: &Node,
        v: &Value,
        path: &mut String,
        out: &mut Vec<Violation>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            out.push(Violation {
                path: path.clone(),
                message: "nested too deeply".into(),
            });
            return;
        }
        let rules = match node {
            Node::Bool(true) => return,
            Node::Bool(false) => {
                out.push(Violation {
                    path: path.clone(),
                    message: "is not allowed".into(),
                });
                return;
            }
            Node::Ref(r) => match self.defs.get(r) {
                Some(n) => return self.check(n, v, path, out, depth + 1),
                None => {
                    out.push(Violation {
                        path: path.clone(),
                        message: format!("unresolvable reference {r}"),
                    });
                    return;
                }
            },
            Node::Schema(r) => r,
        };
        let fail = |out: &mut Vec<Violation>, path: &String, m: String| {
            out.push(Violation {
                path: path.clone(),
                message: m,
            })
        };

        if let Some(types) = &rules.types
            && !types.iter().any(|t| type_matches(t, v))
        {
            fail(out, path, format!("must be of type {}", types.join(" or ")));
            return;
        }
        if let Some(e) = &rules.enumeration
            && !e.contains(v)
        {
            let allowed: Vec<String> = e.iter().map(Value::to_string).collect();
            fail(out, path, format!("must be one of {}", allowed.join(", ")));
        }
        if let Some(c) = &rules.constant
            && c != v
        {
            fail(out, path, format!("must be {c}"));
        }
        match v {
            Value::Number(n) => {
                // Exact comparisons: through `f64`, 2^64 would pass `maximum: u64::MAX`.
                let is = |bound: &Option<Number>, ok: &[Ordering]| {
                    bound.as_ref().is_none_or(|m| {
                        exact_number::compare(n, m).is_some_and(|o| ok.contains(&o))
                    })
                };
                use Ordering::{Equal, Greater, Less};
                if !is(&rules.minimum, &[Greater, Equal]) {
                    fail(out, path, format!("must be >= {}", show(&rules.minimum)));
                }
                if !is(&rules.maximum, &[Less, Equal]) {
                    fail(out, path, format!("must be <= {}", show(&rules.maximum)));
                }
                if !is(&rules.exclusive_minimum, &[Greater]) {
                    fail(
                        out,
                        path,
                        format!("must be > {}", show(&rules.exclusive_minimum)),
                    );
                }
                if !is(&rules.exclusive_maximum, &[Less]) {
                    fail(
                        out,
                        path,
                        format!("must be < {}", show(&rules.exclusive_maximum)),
                    );
                }
                let x = n.as_f64().unwrap_or_default(); // JSON numbers are finite
                if let Some(m) = rules.multiple_of
                    && ((x / m).fract().abs() > 1e-9)
                {
                    fail(out, path, format!("must be a multiple of {m}"));
                }
            }
            Value::String(s) => {
                let len = s.chars().count() as u64;
                if let Some(m) = rules.min_length
                    && len < m
                {
                    fail(out, path, format!("must be at least {m} characters"));
                }
                if let Some(m) = rules.max_length
                    && len > m
                {
                    fail(out, path, format!("must be at most {m} characters"));
                }
                if let Some(p) = &rules.pattern
                    && !p.is_match(s)
                {
                    fail(out, path, format!("must match the pattern {}", p.as_str()));
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if let Some(m) = rules.min_items
                    && n < m
                {
                    fail(out, path, format!("must have at least {m} items"));
                }
                if let Some(m) = rules.max_items
                    && n > m
                {
                    fail(out, path, format!("must have at most {m} items"));
                }
                if rules.unique_items {
                    for (i, a) in items.iter().enumerate() {
                        if items[..i].contains(a) {
                            fail(out, path, "items must be unique".into());
                            break;
                        }
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    let child = rules.prefix_items.get(i).or(rules
                        .items
                        .as_ref()
                        .filter(|_| i >= rules.prefix_items.len()));
                    if let Some(child) = child {
                        let len = path.len();
                        path.push_str(&format!("/{i}"));
                        self.check(child, item, path, out, depth + 1);
                        path.truncate(len);
                    }
                }
            }
            Value::Object(obj) => {
                let n = obj.len() as u64;
                if let Some(m) = rules.min_properties
                    && n < m
                {
                    fail(out, path, format!("must have at least {m} properties"));
                }
                if let Some(m) = rules.max_properties
                    && n > m
                {
                    fail(out, path, format!("must have at most {m} properties"));
                }
                for r in &rules.required {
                    if !obj.contains_key(r) {
                        fail(out, path, format!("missing required property `{r}`"));
                    }
                }
                for (k, child) in obj {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    if let Some(s) = rules.properties.get(k) {
                        self.check(s, child, path, out, depth + 1);
                    } else if let Some(a) = &rules.additional {
                        if matches!(a, Node::Bool(false)) {
                            fail(out, path, "is not an accepted property".into());
                        } else {
                            self.check(a, child, path, out, depth + 1);
                        }
                    }
                    path.truncate(len);
                }
            }
            _ => {}
        }
        for s in &rules.all_of {
            self.check(s, v, path, out, depth + 1);
        }
        if !rules.any_of.is_empty() && !rules.any_of.iter().any(|s| self.passes(s, v, depth)) {
            fail(
                out,
                path,
                "must match at least one of the allowed shapes".into(),
            );
        }
        if !rules.one_of.is_empty()
            && rules
                .one_of
                .iter()
                .filter(|s| self.passes(s, v, depth))
                .count()
                != 1
        {
            fail(
                out,
                path,
                "must match exactly one of the allowed shapes".into(),
            );
        }
        if let Some(n) = &rules.not
            && self.passes(n, v, depth)
        {
            fail(out, path, "matches a shape that is not allowed".into());
        }
    }

    fn passes(&self, node: &Node, v: &Value, depth: usize) -> bool {
        let mut out = Vec::new();
        self.check(node, v, &mut String::new(), &mut out, depth + 1);
        out.is_empty()
    }
}

fn show(bound: &Option<Number>) -> String {
    bound.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        // As serde_json reads it into a Rust integer: `1.0` and `1e30` are floats, and no Rust
        // integer type accepts them, so they are refused here, before any confirmation.
        "integer" => matches!(v, Value::Number(n) if n.is_i64() || n.is_u64()),
        _ => false,
    }
}

fn compile_node(v: &Value, at: &str, depth: usize) -> Result<Node, SchemaError> {
    let err = |k: &str, m: &str| SchemaError {
        at: format!("{at}/{k}"),
        message: m.to_owned(),
    };
    if depth > MAX_DEPTH {
        return Err(SchemaError {
            at: at.to_owned(),
            message: "nested too deeply".into(),
        });
    }
    let map = match v {
        Value::Bool(b) => return Ok(Node::Bool(*b)),
        Value::Object(m) => m,
        _ => {
            return Err(SchemaError {
                at: at.to_owned(),
                message: "a schema must be an object or a boolean".into(),
            });
        }
    };
    if let Some(r) = map.get("$ref") {
        let r = r.as_str().ok_or_else(|| err("$ref", "must be a string"))?;
        if !r.starts_with("#/") {
            return Err(err(
                "$ref",
                "only local references (`#/$defs/...`) are supported",
            ));
        }
        return Ok(Node::Ref(r.to_owned()));
    }
    let mut rules = Rules::default();
    let num = |k: &str, x: &Value| x.as_f64().ok_or_else(|| err(k, "must be a number"));
    let bound = |k: &str, x: &Value| match x {
        Value::Number(n) => Ok(n.clone()),
        _ => Err(err(k, "must be a number")),
    };
    let uint = |k: &str, x: &Value| {
        x.as_u64()
            .ok_or_else(|| err(k, "must be a non-negative integer"))
    };
    let sub = |k: &str, x: &Value| compile_node(x, &format!("{at}/{k}"), depth + 1);
    let list = |k: &str, x: &Value| -> Result<Vec<Node>, SchemaError> {
        let arr = x.as_array().ok_or_else(|| err(k, "must be an array"))?;
        arr.iter()
            .enumerate()
            .map(|(i, s)| compile_node(s, &format!("{at}/{k}/{i}"), depth + 1))
            .collect()
    };
    for (k, x) in map {
        match k.as_str() {
            "type" => {
                rules.types = Some(match x {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                    _ => return Err(err(k, "must be a string or an array of strings")),
                });
            }
            "enum" => {
                rules.enumeration = Some(
                    x.as_array()
                        .ok_or_else(|| err(k, "must be an array"))?
                        .clone(),
                )
            }
            "const" => rules.constant = Some(x.clone()),
            "properties" => {
                let props = x.as_object().ok_or_else(|| err(k, "must be an object"))?;
                for (name, s) in props {
                    rules.properties.insert(
                        name.clone(),
                        compile_node(s, &format!("{at}/properties/{name}"), depth + 1)?,
                    );
                }
            }
            "required" => {
                rules.required = x
                    .as_array()
                    .ok_or_else(|| err(k, "must be an array"))?
                    .iter()
                    .map(|s| {
                        s.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| err(k, "must hold strings"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "additionalProperties" => rules.additional = Some(sub(k, x)?),
            "minimum" => rules.minimum = Some(bound(k, x)?),
            "maximum" => rules.maximum = Some(bound(k, x)?),
            "exclusiveMinimum" => rules.exclusive_minimum = Some(bound(k, x)?),
            "exclusiveMaximum" => rules.exclusive_maximum = Some(bound(k, x)?),
            "multipleOf" => rules.multiple_of = Some(num(k, x)?).filter(|m| *m > 0.0),
            "minLength" => rules.min_length = Some(uint(k, x)?),
            "maxLength" => rules.max_length = Some(uint(k, x)?),
            "pattern" => {
                let p = x.as_str().ok_or_else(|| err(k, "must be a string"))?;
                rules.pattern = Some(
                    regex::Regex::new(p)
                        .map_err(|e| err(k, &format!("not a supported regex: {e}")))?,
                );
            }
            "items" => rules.items = Some(sub(k, x)?),
            "prefixItems" => rules.prefix_items = list(k, x)?,
            "minItems" => rules.min_items = Some(uint(k, x)?),
            "maxItems" => rules.max_items = Some(uint(k, x)?),
            "uniqueItems" => rules.unique_items = x.as_bool().unwrap_or(false),
            "minProperties" => rules.min_properties = Some(uint(k, x)?),
            "maxProperties" => rules.max_properties = Some(uint(k, x)?),
            "anyOf" => rules.any_of = list(k, x)?,
            "oneOf" => rules.one_of = list(k, x)?,
            "allOf" => rules.all_of = list(k, x)?,
            "not" => rules.not = Some(sub(k, x)?),
            other if ANNOTATIONS.contains(&other) => {}
            other => {
                return Err(err(
                    other,
                    "keyword not supported by sigil's argument validator; remove it or express it with supported keywords",
                ));
            }
        }
    }
    Ok(Node::Schema(Box::new(rules)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn compile(v: Value) -> CompiledSchema {
        CompiledSchema::compile(v.as_object().unwrap()).unwrap()
    }

    #[test]
    fn enforces_minimum_required_and_types() {
        let s = compile(json!({
            "type": "object",
            "properties": {"amount_cents": {"type": "integer", "minimum": 1}, "memo": {"type": "string", "maxLength": 3}},
            "required": ["amount_cents"]
        }));
        assert!(s.validate(&json!({"amount_cents": 5})).is_empty());
        let v = s.validate(&json!({"amount_cents": 0}));
        assert_eq!(v[0].path, "/amount_cents");
        assert!(v[0].message.contains(">= 1"));
        assert!(!s.validate(&json!({})).is_empty());
        assert!(!s.validate(&json!({"amount_cents": "5"})).is_empty());
        assert!(!s.validate(&json!({"amount_cents": 1.5})).is_empty());
        assert!(
            !s.validate(&json!({"amount_cents": 1, "memo": "toolong"}))
                .is_empty()
        );
        assert!(
            !s.validate(&json!({"amount_cents": 1, "memo": null}))
                .is_empty()
        );
    }

    #[test]
    fn refuses_unknown_assertion_keywords_at_compile_time() {
        let e = CompiledSchema::compile(
            json!({"type": "object", "dependentRequired": {}})
                .as_object()
                .unwrap(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("dependentRequired"));
    }

    #[test]
    fn additional_properties_false_and_refs() {
        let s = compile(json!({
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/Pos"}},
            "additionalProperties": false,
            "$defs": {"Pos": {"type": "integer", "exclusiveMinimum": 0}}
        }));
        assert!(s.validate(&json!({"a": 1})).is_empty());
        assert!(!s.validate(&json!({"a": 0})).is_empty());
        assert!(!s.validate(&json!({"b": 1})).is_empty());
    }
}
