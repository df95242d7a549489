//! JSON scanning and span mapping: any bytes, no panic; raw spans in bounds, sorted, disjoint,
//! on character boundaries when the input is UTF-8, never starting or ending inside an escape
//! sequence; and a JSON document wrapping the input as a string finds what plain text finds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_runtime::scan::{Hit, Scanner};

fn check(data: &[u8], hits: &[Hit]) {
    let text = std::str::from_utf8(data).ok();
    let mut last_end = 0;
    for h in hits {
        assert!(h.span.start < h.span.end, "empty span {:?}", h.span);
        assert!(h.span.end <= data.len(), "span {:?} beyond {}", h.span, data.len());
        assert!(h.span.start >= last_end, "overlapping or unsorted hits");
        last_end = h.span.end;
        if let Some(t) = text {
            assert!(t.is_char_boundary(h.span.start) && t.is_char_boundary(h.span.end));
        }
    }
}

/// JSON-escapes `s` the way serde_json does, plus `\/` and `\u` for non-ASCII.
fn escape(s: &str) -> String {
    let mut out = String::from("{\"k\":\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '/' => out.push_str("\\/"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push_str("\"}");
    out
}

fuzz_target!(|data: &[u8]| {
    let scanner = Scanner::default_pack().expect("default pack");
    let hits = scanner.scan_json(data);
    check(data, &hits);
    // Escaping a text into a JSON string must not change what is found in it: same rules,
    // and each raw span decodes back to the plain-text hit's bytes.
    if let Ok(text) = std::str::from_utf8(data) {
        let plain = scanner.scan_text(data);
        let wrapped = escape(text);
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
