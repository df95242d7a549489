//! Shared by `tests/scan_json.rs` and the `scan_json` fuzz target: a text wrapped as the
//! string value of a one-key JSON object.

/// `{"k":"<s>"}` with `s` JSON-escaped: quotes, backslashes, control characters, `/` (as
/// `\/`, which JSON allows), and non-ASCII as `\u` escapes (surrogate pairs beyond the BMP).
pub(crate) fn json_string(s: &str) -> String {
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
