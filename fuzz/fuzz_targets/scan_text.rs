//! Plain-text scanning: any bytes, no panic; hits in bounds, sorted, disjoint, and on
//! character boundaries when the input is UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_runtime::scan::{Hit, Scanner, redact};

mod hit_spans;

/// The shared checks, and redacting with the hits must not panic.
fn check(data: &[u8], hits: &[Hit]) {
    hit_spans::check(data, hits);
    let text = std::str::from_utf8(data).ok();
    if let Some(t) = text {
        let _ = redact(t, hits, |h| h.kind.tag().to_owned());
    }
}

fuzz_target!(|data: &[u8]| {
    let scanner = Scanner::default_pack().expect("default pack");
    let hits = scanner.scan_text(data);
    check(data, &hits);
});
