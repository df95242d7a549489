//! The confirmation message: exactly what the tool will receive, as a human can check it.
//!
//! The rules (see the threat model page, "What the human approves"):
//! - every argument the tool will receive, in the order the tool declares them, one per line;
//!   a declared argument the call leaves out is listed as `(not given)`;
//! - nothing is cut: a message longer than [`MAX_PREVIEW_CHARS`] refuses the call instead;
//! - each value on one escaped line (see `confirm::visible`): a newline in a memo cannot write a
//!   fake `to_iban:` line, a bidi override cannot reorder digits; strings are quoted, so padding
//!   shows;
//! - `mask` decides what is shown of sensitive values (the guard shows the kinds the tool
//!   receives in clear in full, and masks others so that two different values never look alike).

use serde_json::{Map, Value};

use super::visible::escape_visible;

/// The longest confirmation message sent. Past it the call is refused, never shortened: a
/// shortened message would ask the human to approve something they cannot see.
pub const MAX_PREVIEW_CHARS: usize = 4096;

/// The confirmation would not fit in [`MAX_PREVIEW_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewTooLong {
    /// How long it would have been, in characters.
    pub chars: usize,
}

/// The call as the human sees it (the Inspector's approval page renders calls with it too). `declared` lists the tool's arguments in declaration order;
/// arguments outside it (only a schema that opts out of `additionalProperties: false` lets them
/// through) follow in key order, marked as undeclared.
pub fn confirmation_message(
    tool: &str,
    risk: &str,
    declared: &[String],
    args: &Map<String, Value>,
    mask: &dyn Fn(&str) -> String,
) -> Result<String, PreviewTooLong> {
    let mut out =
        format!("Allow the {risk}-risk tool `{tool}` to run once with exactly these arguments?\n");
    if declared.is_empty() && args.is_empty() {
        out.push_str("  (no arguments)\n");
    }
    for name in declared {
        line(&mut out, name, args.get(name), "", mask);
    }
    let mut extra: Vec<&String> = args.keys().filter(|k| !declared.contains(k)).collect();
    extra.sort();
    for name in extra {
        line(&mut out, name, args.get(name), " (undeclared)", mask);
    }
    out.push_str("Set `approve` to true to run it once; anything else refuses.");
    let chars = out.chars().count();
    if chars > MAX_PREVIEW_CHARS {
        return Err(PreviewTooLong { chars });
    }
    Ok(out)
}

fn line(
    out: &mut String,
    name: &str,
    value: Option<&Value>,
    note: &str,
    mask: &dyn Fn(&str) -> String,
) {
    out.push_str("  ");
    escape_visible(name, out);
    out.push_str(note);
    out.push_str(": ");
    match value {
        None => out.push_str("(not given)"),
        Some(Value::String(s)) => {
            out.push('"');
            escape_visible(&mask(s), out);
            out.push('"');
        }
        // Numbers, booleans, null, arrays and objects as compact JSON, masked and escaped too.
        Some(other) => escape_visible(&mask(&other.to_string()), out),
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn fields(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn same(s: &str) -> String {
        s.to_owned()
    }

    #[test]
    fn lists_every_argument_in_declaration_order_in_full() {
        let args = obj(
            json!({"to_iban": "DE89370400440532013000", "amount_cents": 99999,
            "memo": "rent"}),
        );
        let m = confirmation_message(
            "transfer_funds",
            "high",
            &fields(&["to_iban", "amount_cents", "memo"]),
            &args,
            &same,
        )
        .unwrap();
        let lines: Vec<&str> = m.lines().collect();
        assert_eq!(lines[1], "  to_iban: \"DE89370400440532013000\"");
        assert_eq!(lines[2], "  amount_cents: 99999");
        assert_eq!(lines[3], "  memo: \"rent\"");
    }

    #[test]
    fn a_newline_in_a_value_cannot_fake_a_line() {
        let args = obj(json!({"to_iban": "DE00ATTACKER", "amount_cents": 1,
            "memo": "rent\n  to_iban: \"DE89370400440532013000\""}));
        let m = confirmation_message(
            "t",
            "high",
            &fields(&["to_iban", "amount_cents", "memo"]),
            &args,
            &same,
        )
        .unwrap();
        assert_eq!(
            m.lines()
                .filter(|l| l.trim_start().starts_with("to_iban"))
                .count(),
            1
        );
        assert!(
            m.contains("memo: \"rent\\n  to_iban: \\\"DE89370400440532013000\\\"\""),
            "{m}"
        );
    }

    #[test]
    fn long_values_are_never_cut_and_too_long_refuses() {
        let long = "x".repeat(2000);
        let args = obj(json!({"memo": long}));
        let m = confirmation_message("t", "high", &fields(&["memo"]), &args, &same).unwrap();
        assert!(m.contains(&long));
        let args = obj(json!({"memo": "x".repeat(MAX_PREVIEW_CHARS)}));
        let err = confirmation_message("t", "high", &fields(&["memo"]), &args, &same).unwrap_err();
        assert!(err.chars > MAX_PREVIEW_CHARS);
    }

    #[test]
    fn missing_and_undeclared_arguments_are_shown_as_such() {
        let args = obj(json!({"zz": 1, "a": "b\u{202E}c"}));
        let m = confirmation_message("t", "low", &fields(&["memo", "a"]), &args, &same).unwrap();
        assert!(m.contains("  memo: (not given)\n"), "{m}");
        assert!(m.contains("  a: \"b\\u{202E}c\"\n"), "{m}");
        assert!(m.contains("  zz (undeclared): 1\n"), "{m}");
    }

    #[test]
    fn masking_applies_to_strings_and_to_nested_json() {
        let args = obj(json!({"s": "secret", "n": {"k": "secret"}}));
        let mask = |s: &str| s.replace("secret", "[MASKED]");
        let m = confirmation_message("t", "low", &fields(&["s", "n"]), &args, &mask).unwrap();
        assert!(!m.contains("secret"), "{m}");
        assert!(m.contains("  s: \"[MASKED]\""), "{m}");
        assert!(m.contains("  n: {\\\"k\\\":\\\"[MASKED]\\\"}"), "{m}");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::*;
    use crate::confirm::visible;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<String>().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn shown(v: &Value) -> String {
        match v {
            Value::String(s) => format!("\"{}\"", visible(s)),
            other => visible(&other.to_string()),
        }
    }

    proptest! {
        /// For any arguments: every argument's full value is in the message, on its own line,
        /// and nothing in a value can start a line of its own.
        #[test]
        fn every_argument_is_on_its_own_line_in_full(
            args in prop::collection::btree_map(any::<String>(), value(), 0..6),
            declare_first in 0usize..6,
        ) {
            let args: Map<String, Value> = args.into_iter().collect();
            let declared: Vec<String> = args.keys().take(declare_first).cloned().collect();
            let same = |s: &str| s.to_owned();
            match confirmation_message("t", "high", &declared, &args, &same) {
                Ok(m) => {
                    let lines: Vec<&str> = m.lines().collect();
                    // Nothing hidden anywhere: every character but the line breaks reads as itself.
                    for c in m.chars().filter(|c| !matches!(c, '\n' | '"' | '\\')) {
                        prop_assert_eq!(visible(&c.to_string()), c.to_string());
                    }
                    let expected = 2 + args.len() + usize::from(args.is_empty());
                    prop_assert_eq!(lines.len(), expected, "{}", m);
                    for (k, v) in &args {
                        let note = if declared.contains(k) { "" } else { " (undeclared)" };
                        let line = format!("  {}{note}: {}", visible(k), shown(v));
                        prop_assert!(lines.contains(&line.as_str()), "{} missing in {}", line, m);
                    }
                }
                Err(e) => prop_assert!(e.chars > MAX_PREVIEW_CHARS),
            }
        }
    }
}
