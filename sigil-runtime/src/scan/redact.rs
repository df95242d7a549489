//! Replacing hits in the scanned text.

use super::hit::Hit;

/// Returns `text` with each hit's span replaced by `replacement(hit)`.
///
/// Hits are taken in order of start; a hit overlapping one already replaced is skipped. Spans
/// that do not fall on character boundaries are widened to the enclosing characters, and spans
/// beyond the text are clipped.
///
/// ```
/// use sigil_runtime::scan::{Scanner, redact};
/// let scanner = Scanner::default_pack().unwrap();
/// let text = "mail ops@acme-corp.io now";
/// let hits = scanner.scan_text(text.as_bytes());
/// let out = redact(text, &hits, |h| format!("[SIGIL-VAULT: {}:redacted]", h.kind.tag()));
/// assert_eq!(out, "mail [SIGIL-VAULT: EMAIL:redacted] now");
/// ```
pub fn redact(text: &str, hits: &[Hit], replacement: impl FnMut(&Hit) -> String) -> String {
    let widened = widen(text, hits);
    let bytes = redact_bytes(text.as_bytes(), &widened, replacement);
    // Only whole characters were replaced by whole strings.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Like [`redact`] on bytes that need not be UTF-8; spans are used as they are.
pub fn redact_bytes(
    text: &[u8],
    hits: &[Hit],
    mut replacement: impl FnMut(&Hit) -> String,
) -> Vec<u8> {
    let mut order: Vec<&Hit> = hits.iter().collect();
    order.sort_by_key(|h| (h.span.start, std::cmp::Reverse(h.span.end)));
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for hit in order {
        let start = hit.span.start.min(text.len());
        let end = hit.span.end.min(text.len());
        if start < at || start >= end {
            continue;
        }
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(replacement(hit).as_bytes());
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

fn widen(text: &str, hits: &[Hit]) -> Vec<Hit> {
    hits.iter()
        .map(|h| {
            let mut h = h.clone();
            let mut start = h.span.start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = h.span.end.min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            h.span = start..end;
            h
        })
        .collect()
}
