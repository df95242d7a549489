//! The confirmation message: what the human is asked to approve, with no secret in it.

use serde_json::{Map, Value};

const MAX_VALUE_CHARS: usize = 80;
const MAX_PREVIEW_CHARS: usize = 1200;

/// One line per argument, values shortened; `redact` masks what the scanner finds.
pub(crate) fn confirmation_message(
    tool: &str,
    risk: &str,
    args: &Map<String, Value>,
    redact: &dyn Fn(&str) -> String,
) -> String {
    let mut out = format!("Allow the {risk}-risk tool `{tool}` to run with these arguments?\n");
    if args.is_empty() {
        out.push_str("  (no arguments)\n");
    }
    for (k, v) in args {
        let shown = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let shown = redact(&shown);
        let mut short: String = shown.chars().take(MAX_VALUE_CHARS).collect();
        if shown.chars().count() > MAX_VALUE_CHARS {
            short.push('…');
        }
        out.push_str(&format!("  {k}: {short}\n"));
        if out.chars().count() > MAX_PREVIEW_CHARS {
            out.push_str("  …\n");
            break;
        }
    }
    out.push_str("Set `approve` to true to run it once; anything else refuses.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_arguments_and_masks_through_redact() {
        let args = json!({"to_iban": "DE89370400440532013000", "amount_cents": 5})
            .as_object()
            .unwrap()
            .clone();
        let m = confirmation_message("transfer_funds", "high", &args, &|s: &str| {
            s.replace("DE89370400440532013000", "[IBAN]")
        });
        assert!(m.contains("amount_cents: 5"));
        assert!(m.contains("to_iban: [IBAN]"));
        assert!(!m.contains("DE89"));
    }
}
