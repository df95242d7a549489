//! The SIMD kernels against plain code, on any bytes: JSON decoding (what the kernel decodes
//! equals a byte-by-byte reading up to where it stops, and it stops where it says) and the
//! keyword pair filter (the same positions and buckets as its scalar reference) and the
//! shift-and automaton (the same tiles and states as its scalar reference). On a CPU
//! without AVX-512 the kernels decline and only that is checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_simd::json::{Stop, decode_simple_escapes, decode_simple_escapes_scalar};
use sigil_simd::pairs::PairFilter;
use sigil_simd::shift_and::ShiftAnd;

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

    // The pair filter: keywords from the bytes before the first 0xff (split at 0x00), the
    // text after it.
    let (head, text) = match data.iter().position(|&b| b == 0xff) {
        Some(p) => (&data[..p], &data[p + 1..]),
        None => (&data[..0], data),
    };
    let mut filter = PairFilter::new();
    for (n, kw) in head.split(|&b| b == 0).filter(|k| k.len() >= 2).take(16).enumerate() {
        let last = kw.len() - 1;
        for j in 0..8 {
            if j + 1 >= kw.len() {
                filter.allow_any(j, n % 8);
            } else {
                filter.allow(j, kw[last - 1 - j], kw[last - j], n % 8);
            }
        }
    }
    let mut vector = Vec::new();
    if filter.run(text, &mut |p, b| vector.push((p, b))) {
        let mut scalar = Vec::new();
        filter.run_scalar(text, &mut |p, b| scalar.push((p, b)));
        assert_eq!(vector, scalar);
    }

    // The shift-and automaton: sequences of byte sets from the same head, one per piece
    // between zeros, each byte of a piece a set of the bytes near it (so that some match).
    let mut masks = [0u64; 256];
    let (mut starts, mut ends, mut used) = (0u64, 0u64, 0);
    for piece in head.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        if used + piece.len() > 64 {
            break;
        }
        starts |= 1 << used;
        for (j, &b) in piece.iter().enumerate() {
            for near in b & 0xf8..=b | 0x07 {
                masks[usize::from(near)] |= 1 << (used + j);
            }
        }
        used += piece.len();
        ends |= 1 << (used - 1);
    }
    if let Some(automaton) = ShiftAnd::new(&masks, starts, ends) {
        let mut vector = Vec::new();
        if automaton.run(text, &mut |t, d| vector.push((t, d))) {
            vector.sort_unstable();
            let mut scalar = Vec::new();
            automaton.run_scalar(text, &mut |t, d| scalar.push((t, d)));
            assert_eq!(vector, scalar);
        }
    }
});
