//! The decoding layers, driven with valid encodings: arbitrary bytes are wrapped once or twice
//! in base64 (standard or URL-safe), hex or percent encoding and set between words, so the
//! decoders see long well-formed runs that random input almost never holds. No panic; hits
//! satisfy the shared span rules; a hit found inside an encoding lies within the encoded text;
//! and a scan at depth 0 finds nothing the layered scan lacks at the same span.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use libfuzzer_sys::fuzz_target;
use sigil_runtime::scan::Scanner;

mod hit_spans;

/// One layer of encoding, chosen by `how`.
fn encode(how: u8, data: &[u8]) -> Vec<u8> {
    match how % 4 {
        0 => STANDARD.encode(data).into_bytes(),
        1 => URL_SAFE_NO_PAD.encode(data).into_bytes(),
        2 => data.iter().flat_map(|b| format!("{b:02x}").into_bytes()).collect(),
        _ => data
            .iter()
            .flat_map(|&b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => vec![b],
                b' ' if how & 4 != 0 => vec![b'+'],
                _ => format!("%{b:02X}").into_bytes(),
            })
            .collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let mut inner = encode(how, rest);
    if how & 8 != 0 {
        inner = encode(how >> 4, &inner);
    }
    let mut text = b"payload: ".to_vec();
    let start = text.len();
    text.extend_from_slice(&inner);
    let end = text.len();
    text.extend_from_slice(b" end\n");

    let scanner = Scanner::default_pack().expect("default pack");
    let hits = scanner.scan_text(&text);
    hit_spans::check(&text, &hits);
    for h in &hits {
        if h.encoding.is_some() {
            assert!(
                h.span.start >= start.saturating_sub(1) && h.span.end <= end + 1,
                "a decoded hit {:?} outside the encoded run {start}..{end}",
                h.span
            );
        }
    }
    let plain = scanner.with_decode_depth(0).scan_text(&text);
    hit_spans::check(&text, &plain);
    for p in &plain {
        assert!(
            hits.iter().any(|h| h.span.start <= p.span.start && p.span.end <= h.span.end),
            "a plain hit {:?} lost by the decoding layers",
            p.span
        );
    }
});
