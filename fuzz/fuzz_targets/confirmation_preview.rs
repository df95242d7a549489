//! The confirmation preview, for any arguments: every argument's full value is in the message on
//! a line of its own, no value can start a line or hide a character, and a message that would be
//! too long is refused rather than cut.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use sigil_runtime::confirm::{MAX_PREVIEW_CHARS, confirmation_message, visible};

fuzz_target!(|data: &[u8]| {
    // First byte: how many of the arguments are declared; the rest: a JSON object.
    let Some((&declare, json)) = data.split_first() else {
        return;
    };
    let Ok(Value::Object(args)) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    let args: Map<String, Value> = args;
    let declared: Vec<String> = args.keys().take(usize::from(declare)).cloned().collect();
    let same = |s: &str| s.to_owned();
    match confirmation_message("tool", "high", &declared, &args, &same) {
        Ok(m) => {
            assert!(m.chars().count() <= MAX_PREVIEW_CHARS);
            let lines: Vec<&str> = m.lines().collect();
            assert_eq!(lines.len(), 2 + args.len() + usize::from(args.is_empty()), "{m}");
            for (k, v) in &args {
                let note = if declared.contains(k) { "" } else { " (undeclared)" };
                let value = match v {
                    Value::String(s) => format!("\"{}\"", visible(s)),
                    other => visible(&other.to_string()),
                };
                let line = format!("  {}{note}: {value}", visible(k));
                assert!(lines.contains(&line.as_str()), "{line} missing");
            }
            for c in m.chars().filter(|c| !matches!(c, '\n' | '"' | '\\')) {
                assert_eq!(visible(&c.to_string()), c.to_string(), "hidden character {c:?}");
            }
        }
        Err(e) => assert!(e.chars > MAX_PREVIEW_CHARS),
    }
});
