//! Undoing the two-byte escapes of JSON strings 64 bytes at a time.
//!
//! Tool output is JSON whose strings hold other JSON and text: an escape (`\"`, `\n`) every
//! 20 bytes or so. Decoding a byte or a word at a time then branches on each escape, and the
//! branch is mispredicted about as often as it is taken. Here a block of 64 bytes is read
//! into one AVX-512 register; its backslashes become a 64-bit mask; the escaped bytes are
//! translated with one table lookup (`vpermi2b`) and the backslashes dropped with one
//! compress (`vpcompressb`). The only branch per escape is the loop that reports it.

/// Why [`decode_simple_escapes`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// At this raw position there is a backslash that does not start a two-byte escape (a
    /// `\u` escape or an invalid one): everything before it is decoded.
    Escape(usize),
    /// At this raw position fewer than 64 bytes are left, or `out` would pass `want`, or the
    /// CPU lacks the instructions: everything before it is decoded; the rest is the
    /// caller's.
    Rest(usize),
}

/// A block's two-byte escapes, reported together. Each escape takes two raw bytes and
/// leaves one, so the `n`-th of them (from 0), at bit `k`, is decoded at `at + k - n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escapes {
    /// Raw position of the first escape's backslash.
    pub raw: usize,
    /// Decoded position of the first escape's byte.
    pub at: usize,
    /// Bit `k` for each escape whose backslash is at `raw + k` (bit 0 for the first).
    pub starts: u64,
}

impl Escapes {
    /// Each escape as (raw position of its backslash, decoded position).
    pub fn each(self) -> impl Iterator<Item = (usize, usize)> {
        let mut left = self.starts;
        let mut n = 0;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            let k = left.trailing_zeros() as usize;
            left &= left - 1;
            n += 1;
            Some((self.raw + k, self.at + k - (n - 1)))
        })
    }
}

/// Decodes `raw` from `from` (which must not be inside an escape) into `out` (appended),
/// 64 bytes at a time: bytes are copied, and each two-byte escape (`\"`, `\\`, `\/`, `\b`,
/// `\f`, `\n`, `\r`, `\t`) becomes the byte it stands for, reported with `escape` a block
/// at a time (see [`Escapes`]). Stops before a backslash that starts anything else, before
/// the last 64 bytes, or before `out` would hold more than `want` bytes (see [`Stop`]).
///
/// On a CPU without AVX-512 (F, BW, VBMI, VBMI2) it decodes nothing and returns
/// `Stop::Rest(from)`.
pub fn decode_simple_escapes(
    raw: &[u8],
    from: usize,
    out: &mut Vec<u8>,
    want: usize,
    escape: &mut impl FnMut(Escapes),
) -> Stop {
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has the features `decode` is compiled for (checked just above).
        return unsafe { avx512::decode(raw, from, out, want, escape) };
    }
    let _ = (raw, out, want, escape);
    Stop::Rest(from)
}

/// Whether [`decode_simple_escapes`] decodes anything on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return avx512::available();
    #[cfg(not(target_arch = "x86_64"))]
    return false;
}

/// What [`decode_simple_escapes`] decodes, a byte at a time, from the start of `raw` and with
/// no block limits (the reference of the tests and the fuzz target): the decoded bytes, the
/// escapes as (raw position, decoded position), and where it stopped (at a backslash that
/// starts no two-byte escape, or at the end).
pub fn decode_simple_escapes_scalar(raw: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>, usize) {
    let table = translation();
    let (mut out, mut escapes, mut i) = (Vec::new(), Vec::new(), 0);
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        match raw
            .get(i + 1)
            .filter(|&&b| b < 128)
            .map(|&b| table[usize::from(b)])
        {
            Some(b) if b != 0 => {
                escapes.push((i, out.len()));
                out.push(b);
                i += 2;
            }
            _ => break,
        }
    }
    (out, escapes, i)
}

/// The byte a two-byte escape stands for, by the byte after the backslash; 0 where that is
/// no two-byte escape (no escape stands for 0).
const fn translation() -> [u8; 128] {
    let mut table = [0u8; 128];
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[b'/' as usize] = b'/';
    table[b'b' as usize] = 0x08;
    table[b'f' as usize] = 0x0c;
    table[b'n' as usize] = b'\n';
    table[b'r' as usize] = b'\r';
    table[b't' as usize] = b'\t';
    table
}

/// Of the backslashes in `backslashes` (bit `i` for byte `i` of a block that starts outside
/// any escape), those that start an escape: in a run of backslashes, the first, third, ...
fn escape_starts(backslashes: u64) -> u64 {
    if backslashes & (backslashes << 1) == 0 {
        return backslashes;
    }
    let (mut left, mut starts) = (backslashes, 0u64);
    while left != 0 {
        let start = left & left.wrapping_neg();
        starts |= start;
        // The backslash and the byte it escapes.
        left &= !(start | start << 1);
    }
    starts
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        _mm512_cmpeq_epi8_mask, _mm512_mask_mov_epi8, _mm512_maskz_compress_epi8,
        _mm512_movepi8_mask, _mm512_permutex2var_epi8, _mm512_set1_epi8, _mm512_storeu_si512,
        _mm512_test_epi8_mask,
    };

    use super::{Escapes, Stop, escape_starts, translation};
    use crate::block::load;

    pub(super) fn available() -> bool {
        crate::avx512_vbmi(crate::Kernel::Json)
            && std::arch::is_x86_feature_detected!("avx512vbmi2")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
    }

    /// See [`super::decode_simple_escapes`].
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,avx512vbmi2,popcnt,bmi1")]
    pub(super) fn decode(
        raw: &[u8],
        from: usize,
        out: &mut Vec<u8>,
        want: usize,
        escape: &mut impl FnMut(Escapes),
    ) -> Stop {
        const TABLE: [u8; 128] = translation();
        let low = load(TABLE[..64].try_into().expect("64 bytes"));
        let high = load(TABLE[64..].try_into().expect("64 bytes"));
        let backslash = _mm512_set1_epi8(b'\\' as i8);
        // Each block adds at most as many bytes as it reads, and a store writes 64: with this
        // much room no store needs to grow `out`.
        out.reserve(raw.len().saturating_sub(from).saturating_add(64));
        let mut i = from;
        while let Some(block) = raw.get(i..i.saturating_add(64))
            && out.len().saturating_add(64) <= want
        {
            let v = load(block.try_into().expect("64 bytes"));
            let backslashes = _mm512_cmpeq_epi8_mask(v, backslash);
            let starts = escape_starts(backslashes);
            // The escaped bytes, translated; 0 where a byte after a backslash is no
            // two-byte escape, or not ASCII (the table has 128 entries).
            let escaped = starts << 1;
            let translated = _mm512_permutex2var_epi8(low, v, high);
            let simple = _mm512_test_epi8_mask(translated, translated) & !_mm512_movepi8_mask(v);
            // Decode up to the first escape that is no two-byte one, and leave a backslash
            // in the last byte (its escaped byte is in the next block) to the next block.
            let hard = (escaped & !simple) >> 1;
            let len = if hard != 0 {
                hard.trailing_zeros()
            } else if starts >> 63 != 0 {
                63
            } else {
                64
            };
            let inside = if len == 64 {
                u64::MAX
            } else {
                (1u64 << len) - 1
            };
            let starts = starts & inside;
            let keep = !starts & inside;
            let bytes = _mm512_mask_mov_epi8(v, escaped & inside, translated);
            let packed = _mm512_maskz_compress_epi8(keep, bytes);
            let at = out.len();
            if starts != 0 {
                let first = starts.trailing_zeros() as usize;
                escape(Escapes {
                    raw: i + first,
                    at: at + first,
                    starts: starts >> first,
                });
            }
            let spare: &mut [std::mem::MaybeUninit<u8>; 64] = (&mut out.spare_capacity_mut()[..64])
                .try_into()
                .expect("room reserved above");
            // SAFETY: `spare` is 64 writable bytes; the store has no alignment requirement.
            unsafe { _mm512_storeu_si512(spare.as_mut_ptr().cast(), packed) };
            // SAFETY: the store above initialised the 64 bytes past `at`, within the capacity,
            // and `keep` has at most 64 bits set.
            unsafe { out.set_len(at + keep.count_ones() as usize) };
            i += len as usize;
            if hard != 0 {
                return Stop::Escape(i);
            }
        }
        Stop::Rest(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(raw: &[u8]) -> (Vec<u8>, Vec<(usize, usize)>, Stop) {
        let (mut out, mut escapes) = (Vec::new(), Vec::new());
        let stop = decode_simple_escapes(raw, 0, &mut out, usize::MAX, &mut |batch| {
            escapes.extend(batch.each())
        });
        (out, escapes, stop)
    }

    #[test]
    fn escapes_become_their_bytes_and_are_reported() {
        if !available() {
            eprintln!("no AVX-512 VBMI2 on this CPU: the kernel is not exercised");
            return;
        }
        let mut raw =
            br#"{"text":"line one\nline \"two\"\\ and a path C:\\dir\/file\ttab"} padding padding"#
                .to_vec();
        raw.truncate(96);
        let (out, escapes, stop) = decoded(&raw);
        let (want, want_escapes, end) = decode_simple_escapes_scalar(&raw);
        // Decoded in whole blocks: the last bytes are the caller's.
        let Stop::Rest(at) = stop else {
            panic!("stopped at an escape: {stop:?}");
        };
        assert!(at >= 33 && raw.len() - at < 64 + 1, "stopped at {at}");
        let n = out.len();
        assert_eq!(out, want[..n]);
        assert_eq!(escapes, want_escapes[..escapes.len()]);
        assert!(end >= at);
    }

    #[test]
    fn a_unicode_escape_stops_the_kernel_at_its_backslash() {
        if !available() {
            eprintln!("no AVX-512 VBMI2 on this CPU: the kernel is not exercised");
            return;
        }
        let mut raw = b"ab\\ncd".to_vec();
        raw.extend_from_slice(b"\\u0041");
        raw.resize(100, b'x');
        let (out, escapes, stop) = decoded(&raw);
        assert_eq!(stop, Stop::Escape(6));
        assert_eq!(out, b"ab\ncd");
        assert_eq!(escapes, vec![(2, 2)]);
    }

    proptest::proptest! {
        /// The kernel decodes what a byte-by-byte reading does, for escapes and runs of
        /// backslashes anywhere in or across blocks, and stops where it says.
        #[test]
        fn kernel_matches_byte_by_byte(
            raw in proptest::collection::vec(
                proptest::sample::select(b"ab\\\\\"n/tux\xc3\xe9".to_vec()), 0..400),
            from in 0usize..80,
        ) {
            if !available() {
                return Ok(());
            }
            let from = from.min(raw.len());
            // Start outside any escape: after an even run of backslashes.
            let run = raw[..from].iter().rev().take_while(|&&b| b == b'\\').count();
            let from = from - run % 2;
            let (mut out, mut escapes) = (b"prefix".to_vec(), Vec::new());
            let stop = decode_simple_escapes(&raw, from, &mut out, usize::MAX, &mut |batch| {
                escapes.extend(batch.each())
            });
            let (want, want_escapes, end) = decode_simple_escapes_scalar(&raw[from..]);
            let at = match stop {
                Stop::Escape(at) => {
                    proptest::prop_assert_eq!(at, from + end);
                    at
                }
                Stop::Rest(at) => {
                    proptest::prop_assert!(raw.len() - at < 64 || raw.len() < from + 64);
                    at
                }
            };
            // Everything before `at` is decoded, as the reference has it.
            let n = out.len() - 6;
            proptest::prop_assert!(at <= from + end);
            proptest::prop_assert_eq!(n, at - from - escapes.len());
            proptest::prop_assert_eq!(&out[6..], &want[..n]);
            let shifted: Vec<_> = want_escapes
                .iter()
                .map(|&(r, o)| (r + from, o + 6))
                .take_while(|&(r, _)| r < at)
                .collect();
            proptest::prop_assert_eq!(escapes, shifted);
        }
    }
}
