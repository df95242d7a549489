//! A JSON parser that sees what `serde_json::Value` hides: duplicate keys, and nesting deeper
//! than [`MAX_DEPTH`].
//!
//! serde_json keeps the last of two equal keys; other parsers keep the first. A gateway and a
//! server that disagree on which one counts can be made to check one value and run another
//! (CVE-2026-27896). So a message with a duplicate key is refused rather than interpreted: this
//! parser records where the first duplicate was (the envelope, `params`, or `params.arguments`)
//! and keeps parsing, so the caller still learns the message's `id`.
//!
//! Depth is checked while parsing, so 10,000 nested arrays cost 64 steps, not a deep recursion.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The deepest nesting of arrays and objects accepted: the top-level object is level 1, so a
/// `tools/call` leaves 62 levels to its arguments. serde_json's own limit is 128.
pub(crate) const MAX_DEPTH: usize = 64;

/// Where in a JSON-RPC message a value sits, as far as the wire check cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// The message object itself, or anything outside `params`.
    Envelope,
    /// Inside `params`, outside `params.arguments`.
    Params,
    /// Inside `params.arguments`.
    Arguments,
}

/// What a strict parse found.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Well-formed JSON; `duplicate` is where the first duplicate key was, if any.
    Json {
        value: Value,
        duplicate: Option<Place>,
    },
    /// Nested deeper than [`MAX_DEPTH`], noticed at this line and column.
    TooDeep { line: usize, column: usize },
    /// Not JSON: the parse stopped at this line and column.
    Syntax { line: usize, column: usize },
}

/// Parses `bytes` (valid UTF-8 is the caller's business: serde_json reports it as syntax).
pub(crate) fn parse(bytes: &[u8]) -> Parsed {
    let faults = Faults::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let node = Node {
        depth: 0,
        place: Place::Envelope,
        faults: &faults,
    };
    let parsed = node.deserialize(&mut de).and_then(|value| {
        de.end()?;
        Ok(value)
    });
    match parsed {
        Ok(value) => Parsed::Json {
            value,
            duplicate: faults.duplicate.get(),
        },
        Err(e) if faults.too_deep.get() => Parsed::TooDeep {
            line: e.line(),
            column: e.column(),
        },
        Err(e) => Parsed::Syntax {
            line: e.line(),
            column: e.column(),
        },
    }
}

#[derive(Default)]
struct Faults {
    duplicate: Cell<Option<Place>>,
    too_deep: Cell<bool>,
}

/// One value being parsed: how deep it is and where.
#[derive(Clone, Copy)]
struct Node<'a> {
    depth: usize,
    place: Place,
    faults: &'a Faults,
}

impl Node<'_> {
    /// The node for a member `key` of this object.
    fn member(self, key: &str) -> Self {
        let place = match (self.place, self.depth, key) {
            (Place::Envelope, 0, "params") => Place::Params,
            (Place::Params, 1, "arguments") => Place::Arguments,
            (place, _, _) => place,
        };
        Node {
            depth: self.depth + 1,
            place,
            faults: self.faults,
        }
    }

    fn element(self) -> Self {
        Node {
            depth: self.depth + 1,
            ..self
        }
    }

    /// Refuses to open a container at this depth.
    fn enter<E: de::Error>(self) -> Result<(), E> {
        if self.depth >= MAX_DEPTH {
            self.faults.too_deep.set(true);
            return Err(E::custom("nesting too deep"));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so this is never `Null` for parsed input.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.element())? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.member(&key))?;
            if members.contains_key(&key) {
                if self.faults.duplicate.get().is_none() {
                    self.faults.duplicate.set(Some(self.place));
                }
            } else {
                members.insert(key, value);
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_arrays(n: usize) -> String {
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn well_formed_json_parses_to_the_same_value_as_serde_json() {
        let text = r#"{"a":[1,-2,3.5,18446744073709551615,true,null,"\u00e9"],"b":{"c":{}}}"#;
        let Parsed::Json { value, duplicate } = parse(text.as_bytes()) else {
            panic!("not parsed");
        };
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(duplicate, None);
    }

    #[test]
    fn a_duplicate_key_is_located_in_the_envelope_params_or_arguments() {
        let place = |text: &str| match parse(text.as_bytes()) {
            Parsed::Json { duplicate, .. } => duplicate,
            other => panic!("{other:?}"),
        };
        assert_eq!(place(r#"{"id":1,"id":2}"#), Some(Place::Envelope));
        assert_eq!(
            place(r#"{"params":{"name":"a","name":"b"}}"#),
            Some(Place::Params)
        );
        assert_eq!(
            place(r#"{"params":{"arguments":{"to":"a","to":"b"}}}"#),
            Some(Place::Arguments)
        );
        assert_eq!(
            place(r#"{"params":{"arguments":{"x":[{"k":1,"k":2}]}}}"#),
            Some(Place::Arguments)
        );
        // `arguments` below the top of `params` is not the tool's arguments.
        assert_eq!(
            place(r#"{"params":{"_meta":{"arguments":{"k":1,"k":2}}}}"#),
            Some(Place::Params)
        );
        // The same key in sibling objects is no duplicate.
        assert_eq!(place(r#"{"a":{"k":1},"b":{"k":1}}"#), None);
    }

    #[test]
    fn nesting_is_limited_to_max_depth() {
        assert!(matches!(
            parse(nested_arrays(MAX_DEPTH).as_bytes()),
            Parsed::Json { .. }
        ));
        assert!(matches!(
            parse(nested_arrays(MAX_DEPTH + 1).as_bytes()),
            Parsed::TooDeep { line: 1, .. }
        ));
        assert!(matches!(
            parse(nested_arrays(10_000).as_bytes()),
            Parsed::TooDeep { .. }
        ));
    }

    #[test]
    fn broken_json_reports_where_it_broke() {
        assert!(matches!(
            parse(b"{\"a\":\n  tru}"),
            Parsed::Syntax { line: 2, .. }
        ));
        assert!(matches!(parse(b"{} {}"), Parsed::Syntax { .. }));
        assert!(matches!(parse(b""), Parsed::Syntax { .. }));
    }
}
