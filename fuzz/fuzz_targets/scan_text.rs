//! Plain-text scanning: any bytes, no panic; hits in bounds, sorted, disjoint, and on
//! character boundaries when the input is UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_runtime::scan::{Hit, Scanner, redact};

pub fn check(data: &[u8], hits: &[Hit]) {
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
    if let Some(t) = text {
        let _ = redact(t, hits, |h| h.kind.tag().to_owned());
    }
}

fuzz_target!(|data: &[u8]| {
    let scanner = Scanner::default_pack().expect("default pack");
    let hits = scanner.scan_text(data);
    check(data, &hits);
});
