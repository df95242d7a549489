//! JSON scanning and span mapping: any bytes, no panic; raw spans in bounds, sorted, disjoint,
//! on character boundaries when the input is UTF-8, never starting or ending inside an escape
//! sequence; and a JSON document wrapping the input as a string finds what plain text finds.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod hit_spans;
#[path = "../../sigil-runtime/tests/json_escape_support/mod.rs"]
mod json_escape_support;

use hit_spans::check;
use sigil_runtime::scan::Scanner;

fuzz_target!(|data: &[u8]| {
    let scanner = Scanner::default_pack().expect("default pack");
    let hits = scanner.scan_json(data);
    check(data, &hits);
    // Escaping a text into a JSON string must not change what is found in it: same rules,
    // and each raw span decodes back to the plain-text hit's bytes.
    if let Ok(text) = std::str::from_utf8(data) {
        let plain = scanner.scan_text(data);
        let wrapped = json_escape_support::json_string(text);
        let json_hits = scanner.scan_json(wrapped.as_bytes());
        check(wrapped.as_bytes(), &json_hits);
        let plain_rules: Vec<&str> = plain.iter().map(|h| &*h.rule).collect();
        let json_rules: Vec<&str> = json_hits.iter().map(|h| &*h.rule).collect();
        assert_eq!(plain_rules, json_rules, "text {text:?}");
        for (p, j) in plain.iter().zip(&json_hits) {
            let raw = &wrapped[j.span.clone()];
            let decoded: serde_json::Value =
                serde_json::from_str(&format!("\"{raw}\"")).expect("span covers whole escapes");
            assert_eq!(decoded.as_str().unwrap(), &text[p.span.clone()]);
        }
    }
});
