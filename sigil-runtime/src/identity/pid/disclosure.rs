//! SD-JWT disclosures (RFC 9901 §4.2) and putting them back into the signed payload (§7.1).
//!
//! Each disclosure must be referenced exactly once: by its digest in an object's `_sd` array (an
//! object-property disclosure `[salt, name, value]`) or in an array element `{"...": digest}` (an
//! array-element disclosure `[salt, value]`). Digests without a disclosure are decoys and are
//! dropped. A digest seen twice, a disclosure sent twice or never referenced, a claim named `_sd`
//! or `...`, and a disclosed name that already exists in its object are all refused.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::error::PidError;

/// Deepest nesting of objects and arrays processed in a payload.
const MAX_DEPTH: usize = 32;

/// One decoded disclosure.
enum Disclosed {
    Property { name: String, value: Value },
    Element { value: Value },
}

/// `base64url(sha-256(ascii))`: the digest of a disclosure, and of the presentation for `sd_hash`.
pub(crate) fn sha256_b64url(ascii: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(ascii.as_bytes()))
}

/// The disclosures of a presentation, keyed by digest, each to be used once.
pub(crate) struct Disclosures {
    by_digest: HashMap<String, Disclosed>,
}

impl Disclosures {
    /// Decodes every disclosure; refuses broken ones and duplicates.
    pub(crate) fn parse<'a>(encoded: impl IntoIterator<Item = &'a str>) -> Result<Self, PidError> {
        let mut by_digest = HashMap::new();
        for text in encoded {
            let digest = sha256_b64url(text);
            let bytes = URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| PidError::Malformed("a disclosure is not base64url"))?;
            let Ok(Value::Array(mut parts)) = serde_json::from_slice::<Value>(&bytes) else {
                return Err(PidError::Malformed("a disclosure is not a JSON array"));
            };
            if !parts.first().is_some_and(Value::is_string) {
                return Err(PidError::Malformed("a disclosure has no salt"));
            }
            let disclosed = match parts.len() {
                3 => {
                    let value = parts.pop().unwrap_or(Value::Null);
                    let Some(Value::String(name)) = parts.pop() else {
                        return Err(PidError::Malformed(
                            "a disclosure's claim name is not a string",
                        ));
                    };
                    if name == "_sd" || name == "..." {
                        return Err(PidError::BadDisclosure("claim name `_sd` or `...`"));
                    }
                    Disclosed::Property { name, value }
                }
                2 => Disclosed::Element {
                    value: parts.pop().unwrap_or(Value::Null),
                },
                _ => return Err(PidError::Malformed("a disclosure has 2 or 3 elements")),
            };
            if by_digest.insert(digest, disclosed).is_some() {
                return Err(PidError::DuplicateDisclosure);
            }
        }
        Ok(Self { by_digest })
    }

    /// Replaces every digest in `payload` by its disclosure, removes `_sd` (and decoys), and
    /// checks that every disclosure was used exactly once.
    pub(crate) fn apply(mut self, payload: &mut Map<String, Value>) -> Result<(), PidError> {
        let mut seen = HashSet::new();
        self.object(payload, &mut seen, 0)?;
        if self.by_digest.is_empty() {
            Ok(())
        } else {
            Err(PidError::UnreferencedDisclosure)
        }
    }

    fn object(
        &mut self,
        object: &mut Map<String, Value>,
        seen: &mut HashSet<String>,
        depth: usize,
    ) -> Result<(), PidError> {
        if depth > MAX_DEPTH {
            return Err(PidError::Malformed("the payload is nested too deeply"));
        }
        // Plain claims first (disclosed values are processed when they are inserted).
        for value in object.values_mut() {
            self.value(value, seen, depth + 1)?;
        }
        let digests = match object.remove("_sd") {
            None => return Ok(()),
            Some(Value::Array(digests)) => digests,
            Some(_) => return Err(PidError::InvalidClaim("_sd")),
        };
        for digest in digests {
            let Value::String(digest) = digest else {
                return Err(PidError::InvalidClaim("_sd"));
            };
            if !seen.insert(digest.clone()) {
                return Err(PidError::DuplicateDigest);
            }
            match self.by_digest.remove(&digest) {
                None => {} // a decoy
                Some(Disclosed::Element { .. }) => {
                    return Err(PidError::BadDisclosure(
                        "an array-element disclosure is referenced from an object",
                    ));
                }
                Some(Disclosed::Property { name, mut value }) => {
                    if object.contains_key(&name) {
                        return Err(PidError::BadDisclosure(
                            "a disclosed claim overrides a claim of the credential",
                        ));
                    }
                    self.value(&mut value, seen, depth + 1)?;
                    object.insert(name, value);
                }
            }
        }
        Ok(())
    }

    fn value(
        &mut self,
        value: &mut Value,
        seen: &mut HashSet<String>,
        depth: usize,
    ) -> Result<(), PidError> {
        match value {
            Value::Object(object) => self.object(object, seen, depth),
            Value::Array(items) => self.array(items, seen, depth),
            _ => Ok(()),
        }
    }

    fn array(
        &mut self,
        items: &mut Vec<Value>,
        seen: &mut HashSet<String>,
        depth: usize,
    ) -> Result<(), PidError> {
        if depth > MAX_DEPTH {
            return Err(PidError::Malformed("the payload is nested too deeply"));
        }
        let mut out = Vec::with_capacity(items.len());
        for mut item in std::mem::take(items) {
            let digest = match &item {
                Value::Object(o) if o.contains_key("...") => {
                    if o.len() != 1 {
                        return Err(PidError::InvalidClaim("..."));
                    }
                    match o.get("...") {
                        Some(Value::String(d)) => Some(d.clone()),
                        _ => return Err(PidError::InvalidClaim("...")),
                    }
                }
                _ => None,
            };
            let Some(digest) = digest else {
                self.value(&mut item, seen, depth + 1)?;
                out.push(item);
                continue;
            };
            if !seen.insert(digest.clone()) {
                return Err(PidError::DuplicateDigest);
            }
            match self.by_digest.remove(&digest) {
                None => {} // a decoy element: dropped
                Some(Disclosed::Property { .. }) => {
                    return Err(PidError::BadDisclosure(
                        "an object-property disclosure is referenced from an array",
                    ));
                }
                Some(Disclosed::Element { mut value }) => {
                    self.value(&mut value, seen, depth + 1)?;
                    out.push(value);
                }
            }
        }
        *items = out;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn disclose(parts: &Value) -> String {
        URL_SAFE_NO_PAD.encode(parts.to_string())
    }

    fn apply(payload: Value, disclosures: &[String]) -> Result<Value, PidError> {
        let Value::Object(mut map) = payload else {
            panic!("object expected")
        };
        Disclosures::parse(disclosures.iter().map(String::as_str))?.apply(&mut map)?;
        Ok(Value::Object(map))
    }

    #[test]
    fn nested_and_array_disclosures_are_restored_and_decoys_dropped() {
        let street = disclose(&json!(["s1", "street", "Main St 1"]));
        let de = disclose(&json!(["s2", "DE"]));
        let address = disclose(&json!(["s3", "address", {"_sd": [sha256_b64url(&street)]}]));
        let payload = json!({
            "_sd": [sha256_b64url(&address), "decoy-digest"],
            "nationalities": [{"...": sha256_b64url(&de)}, {"...": "decoy"}, "FR"],
        });
        let out = apply(payload, &[street, de, address]).unwrap();
        assert_eq!(
            out,
            json!({"address": {"street": "Main St 1"}, "nationalities": ["DE", "FR"]})
        );
    }

    #[test]
    fn misuse_of_digests_and_disclosures_is_refused() {
        let a = disclose(&json!(["s", "a", 1]));
        let e = disclose(&json!(["s", 1]));
        let d = sha256_b64url(&a);
        let de = sha256_b64url(&e);
        let sd = |v: Value| json!({ "_sd": v });
        let cases = [
            (
                sd(json!([d])),
                vec![a.clone(), a.clone()],
                PidError::DuplicateDisclosure,
            ),
            (
                sd(json!([])),
                vec![a.clone()],
                PidError::UnreferencedDisclosure,
            ),
            (
                sd(json!([d, d])),
                vec![a.clone()],
                PidError::DuplicateDigest,
            ),
            (
                json!({"_sd": [d], "x": {"_sd": [d]}}),
                vec![a.clone()],
                PidError::DuplicateDigest,
            ),
            (
                json!({"_sd": [d], "a": 2}),
                vec![a.clone()],
                PidError::BadDisclosure("a disclosed claim overrides a claim of the credential"),
            ),
            (
                sd(json!([de])),
                vec![e.clone()],
                PidError::BadDisclosure("an array-element disclosure is referenced from an object"),
            ),
            (
                json!({"x": [{"...": d}]}),
                vec![a.clone()],
                PidError::BadDisclosure(
                    "an object-property disclosure is referenced from an array",
                ),
            ),
            (
                sd(json!([])),
                vec![disclose(&json!(["s", "_sd", 1]))],
                PidError::BadDisclosure("claim name `_sd` or `...`"),
            ),
            (
                sd(json!([])),
                vec![disclose(&json!(["s", "...", 1]))],
                PidError::BadDisclosure("claim name `_sd` or `...`"),
            ),
            (sd(json!("x")), vec![], PidError::InvalidClaim("_sd")),
            (
                json!({"x": [{"...": d, "y": 1}]}),
                vec![],
                PidError::InvalidClaim("..."),
            ),
        ];
        for (payload, disclosures, expected) in cases {
            assert_eq!(
                apply(payload.clone(), &disclosures),
                Err(expected),
                "{payload}"
            );
        }
    }

    #[test]
    fn broken_disclosures_are_malformed_never_a_panic() {
        for text in [
            "@@".to_owned(),
            disclose(&json!({"a": 1})),
            disclose(&json!([1, "a", 2])),
            disclose(&json!(["s"])),
            disclose(&json!(["s", 7, 1])),
            disclose(&json!(["s", "a", 1, 2])),
            URL_SAFE_NO_PAD.encode("not json"),
        ] {
            assert!(
                matches!(
                    Disclosures::parse([text.as_str()]),
                    Err(PidError::Malformed(_))
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut v = json!(1);
        for _ in 0..40 {
            v = json!({ "n": v });
        }
        assert!(matches!(apply(v, &[]), Err(PidError::Malformed(_))));
    }
}
