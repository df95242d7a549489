//! The SIMD kernel against plain code, on any bytes: JSON decoding (what the kernel decodes
//! equals a byte-by-byte reading up to where it stops, and it stops where it says). On a CPU
//! without AVX-512 the kernel declines and only that is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_simd::json::{Stop, decode_simple_escapes, decode_simple_escapes_scalar};

fuzz_target!(|data: &[u8]| {
    // Decoding.
    let (mut out, mut escapes) = (Vec::new(), Vec::new());
    let stop = decode_simple_escapes(data, 0, &mut out, usize::MAX, &mut |batch| {
        escapes.extend(batch.each())
    });
    let (want, want_escapes, end) = decode_simple_escapes_scalar(data);
    let at = match stop {
        Stop::Escape(at) => {
            assert_eq!(at, end, "stopped at an escape elsewhere");
            at
        }
        Stop::Rest(at) => at,
    };
    assert!(at <= end);
    assert_eq!(out.len(), at - escapes.len());
    assert_eq!(out[..], want[..out.len()]);
    let before: Vec<_> = want_escapes.into_iter().take_while(|&(r, _)| r < at).collect();
    assert_eq!(escapes, before);
});
