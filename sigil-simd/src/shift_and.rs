//! Shift-and (bitap) over 64-bit states for sixteen parts of the text at once.
//!
//! The scanner looks for the rules without keywords (card numbers, IBANs, codice fiscale)
//! through the byte classes of their first bytes: a 64-bit state per position, one bit per
//! class of each rule's sequence, and per byte `state = ((state << 1) | starts) & mask[byte]`.
//! In scalar code each step waits on the one before (a shift, an or and an and), so the
//! runtime steps three parts of the text side by side, about a nanosecond a byte.
//!
//! Here each 64-bit lane of a vector holds the state of one part of the text, and a step is
//! done for eight parts by one shift, one table lookup and one `vpternlogq`. The bytes of the
//! eight parts are brought into the lanes 64 at a time: each part's next 64 bytes are turned
//! into class numbers (bytes with the same mask share a class; at most [`CLASSES`] of them,
//! so that `vpermi2q` looks up a class's mask in two registers), and the eight blocks are
//! transposed so that each register holds eight class numbers of each part.
//!
//! A part's state is first rebuilt from the 64 bytes before it (a 64-bit state remembers no
//! further back), and the kernel reports, for each 64-byte tile of the text in which some
//! state ends a sequence, the state before the tile: the caller steps that tile again in
//! scalar code to learn where. Tiles are the text's 64-byte blocks from its start, whatever
//! the parts.

use crate::ByteTable;

/// Distinct masks a [`ShiftAnd`] can hold, the empty one (bytes in no class) included.
pub const CLASSES: usize = 16;

/// Bytes of a tile (see [`ShiftAnd::run`]).
pub const TILE: usize = 64;

/// Parts of the text stepped side by side: two registers of eight lanes.
pub const PARTS: usize = 16;

/// A shift-and automaton of 64-bit states whose masks take at most [`CLASSES`] values.
#[derive(Clone)]
pub struct ShiftAnd {
    /// The class of each byte; class 0 has the empty mask.
    class_of: ByteTable,
    /// Each class's mask.
    masks: [u64; CLASSES],
    starts: u64,
    ends: u64,
}

impl ShiftAnd {
    /// The automaton stepping `state = ((state << 1) | starts) & masks[byte]` and reporting
    /// the states that have a bit of `ends`; `None` if `masks` holds more than
    /// [`CLASSES`] distinct values (the empty one counted whether or not it is there).
    pub fn new(masks: &[u64; 256], starts: u64, ends: u64) -> Option<Self> {
        let mut classes = [0u64; CLASSES];
        let mut used = 1;
        let mut class_of = [0u8; 256];
        for (b, &mask) in masks.iter().enumerate() {
            let class = match classes[..used].iter().position(|&m| m == mask) {
                Some(class) => class,
                None if used < CLASSES => {
                    classes[used] = mask;
                    used += 1;
                    used - 1
                }
                None => return None,
            };
            class_of[b] = class as u8;
        }
        Some(ShiftAnd {
            class_of: ByteTable(class_of),
            masks: classes,
            starts,
            ends,
        })
    }

    /// The state after `b` from state `d`.
    #[inline]
    pub fn step(&self, d: u64, b: u8) -> u64 {
        ((d << 1) | self.starts) & self.masks[usize::from(self.class_of.0[usize::from(b)])]
    }

    /// Calls `on(tile, state)` for each 64-byte tile `text[tile..tile + 64]` (`tile` a
    /// multiple of [`TILE`]; the last tile may be shorter) in which a state after one of its
    /// bytes has a bit of `ends`, with the state before the tile's first byte (the text
    /// starts in state 0). Tiles come in no particular order. Returns `false`, having called
    /// nothing, on a CPU without AVX-512 (F, BW, VBMI); then use [`ShiftAnd::run_scalar`] or
    /// scalar code of your own.
    pub fn run(&self, text: &[u8], on: &mut impl FnMut(usize, u64)) -> bool {
        #[cfg(target_arch = "x86_64")]
        if crate::avx512_vbmi() {
            // SAFETY: the CPU has the features `run` is compiled for (checked just above).
            unsafe { avx512::run(self, text, on) };
            return true;
        }
        let _ = (text, on);
        false
    }

    /// What [`ShiftAnd::run`] reports, in order of tile (the reference of the tests).
    pub fn run_scalar(&self, text: &[u8], on: &mut impl FnMut(usize, u64)) {
        let mut d = 0;
        for (t, tile) in text.chunks(TILE).enumerate() {
            let before = d;
            let mut any = 0;
            for &b in tile {
                d = self.step(d, b);
                any |= d;
            }
            if any & self.ends != 0 {
                on(t * TILE, before);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_maskz_mov_epi8, _mm512_permutex2var_epi64, _mm512_set1_epi64,
        _mm512_setzero_si512, _mm512_slli_epi64, _mm512_srli_epi64, _mm512_ternarylogic_epi64,
        _mm512_test_epi64_mask, _mm512_unpackhi_epi64, _mm512_unpacklo_epi64,
    };

    use super::{PARTS, ShiftAnd, TILE};
    use crate::LoadedTable;
    use crate::block::{load, store};

    /// Registers of eight parts each.
    const GROUPS: usize = PARTS / 8;

    /// The class numbers of `text[at..at + 64]`, where `at` may be before the text or the
    /// tile run past its end: class 0 (the empty mask) there.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn classes(table: &LoadedTable, text: &[u8], at: isize) -> __m512i {
        if let Some(bytes) = usize::try_from(at)
            .ok()
            .and_then(|at| text.get(at..at + TILE))
        {
            return table.look_up(load(bytes.try_into().expect("64")));
        }
        if at <= -(TILE as isize) || at >= text.len() as isize {
            return _mm512_setzero_si512();
        }
        let mut buffer = [0u8; TILE];
        let mut inside = 0u64;
        for (k, slot) in buffer.iter_mut().enumerate() {
            let p = at + k as isize;
            if let Some(&b) = usize::try_from(p).ok().and_then(|p| text.get(p)) {
                *slot = b;
                inside |= 1 << k;
            }
        }
        _mm512_maskz_mov_epi8(inside, table.look_up(load(&buffer)))
    }

    /// Eight rows of eight 64-bit words transposed: word `k` of row `s` becomes word `s` of
    /// row `k`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn transpose(r: [__m512i; 8]) -> [__m512i; 8] {
        let index = |words: [u64; 8]| {
            let mut bytes = [0u8; 64];
            for (k, w) in words.iter().enumerate() {
                bytes[8 * k..8 * k + 8].copy_from_slice(&w.to_le_bytes());
            }
            load(&bytes)
        };
        // Pairs of rows: words 0, 2, 4, 6 (and 1, 3, 5, 7) of two rows, interleaved.
        let a: [__m512i; 8] = std::array::from_fn(|i| {
            let (x, y) = (r[i & !1], r[i | 1]);
            if i % 2 == 0 {
                _mm512_unpacklo_epi64(x, y)
            } else {
                _mm512_unpackhi_epi64(x, y)
            }
        });
        // Quads of rows: a[0] and a[2] hold words 0, 2, 4, 6 of rows 0-1 and 2-3, in pairs;
        // words 0 and 4 of rows 0-3 go to one register, 2 and 6 to another.
        let low = index([0, 1, 8, 9, 4, 5, 12, 13]);
        let high = index([2, 3, 10, 11, 6, 7, 14, 15]);
        let b: [__m512i; 8] = std::array::from_fn(|i| {
            // b[0]: words 0, 4 of rows 0-3; b[1]: 1, 5; b[2]: 2, 6; b[3]: 3, 7; b[4..]: the
            // same of rows 4-7.
            let quad = 4 * (i / 4);
            let parity = i % 2;
            let (x, y) = (a[quad + parity], a[quad + 2 + parity]);
            let pick = if i % 4 < 2 { low } else { high };
            _mm512_permutex2var_epi64(x, pick, y)
        });
        let first = index([0, 1, 2, 3, 8, 9, 10, 11]);
        let second = index([4, 5, 6, 7, 12, 13, 14, 15]);
        // q[k]: word k of rows 0-3 from b[of k], then of rows 4-7 from b[4 + of k].
        std::array::from_fn(|k| {
            let from = k % 4;
            let pick = if k < 4 { first } else { second };
            _mm512_permutex2var_epi64(b[from], pick, b[4 + from])
        })
    }

    /// See [`ShiftAnd::run`].
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn run(automaton: &ShiftAnd, text: &[u8], on: &mut impl FnMut(usize, u64)) {
        if text.is_empty() {
            return;
        }
        let table = &LoadedTable::new(&automaton.class_of.0);
        let mask_words = |from: usize| {
            let mut bytes = [0u8; 64];
            for (k, m) in automaton.masks[from..from + 8].iter().enumerate() {
                bytes[8 * k..8 * k + 8].copy_from_slice(&m.to_le_bytes());
            }
            load(&bytes)
        };
        let (masks_low, masks_high) = (mask_words(0), mask_words(8));
        let starts = _mm512_set1_epi64(automaton.starts as i64);
        let ends = _mm512_set1_epi64(automaton.ends as i64);
        // Parts of whole tiles; together they cover the text, the last ones past its end.
        let tiles = text.len().div_ceil(TILE * PARTS);
        let part = tiles * TILE;
        let mut state = [_mm512_setzero_si512(); GROUPS];
        // Tile -1 of each part rebuilds its state from the 64 bytes before it.
        for t in -1..tiles as isize {
            // q[word][g]: the classes of bytes 8 * word.. of each part of group g.
            let mut q = [[_mm512_setzero_si512(); GROUPS]; 8];
            #[expect(clippy::needless_range_loop, reason = "`g` also places the parts")]
            for g in 0..GROUPS {
                let mut rows = [_mm512_setzero_si512(); 8];
                for (s, row) in rows.iter_mut().enumerate() {
                    let at = ((8 * g + s) * part) as isize + t * TILE as isize;
                    *row = classes(table, text, at);
                }
                for (word, v) in transpose(rows).into_iter().enumerate() {
                    q[word][g] = v;
                }
            }
            let before = state;
            let mut any = [_mm512_setzero_si512(); GROUPS];
            let mut even = [_mm512_setzero_si512(); GROUPS];
            for words in &q {
                for k in 0..8 {
                    for g in 0..GROUPS {
                        // `vpermi2q` reads the low four bits of each index word: the class of
                        // byte `8 * word + k` of each part.
                        let word = words[g];
                        let index = match k {
                            0 => word,
                            1 => _mm512_srli_epi64::<8>(word),
                            2 => _mm512_srli_epi64::<16>(word),
                            3 => _mm512_srli_epi64::<24>(word),
                            4 => _mm512_srli_epi64::<32>(word),
                            5 => _mm512_srli_epi64::<40>(word),
                            6 => _mm512_srli_epi64::<48>(word),
                            _ => _mm512_srli_epi64::<56>(word),
                        };
                        let mask = _mm512_permutex2var_epi64(masks_low, index, masks_high);
                        // (state << 1 | starts) & mask
                        state[g] = _mm512_ternarylogic_epi64::<0xA8>(
                            _mm512_slli_epi64::<1>(state[g]),
                            starts,
                            mask,
                        );
                        // The states of two steps ORed in at once.
                        if k % 2 == 0 {
                            even[g] = state[g];
                        } else {
                            any[g] = _mm512_ternarylogic_epi64::<0xFE>(any[g], even[g], state[g]);
                        }
                    }
                }
            }
            if t < 0 {
                continue;
            }
            for g in 0..GROUPS {
                let mut hit = _mm512_test_epi64_mask(any[g], ends);
                if hit == 0 {
                    continue;
                }
                let states = store(before[g]);
                while hit != 0 {
                    let s = hit.trailing_zeros() as usize;
                    hit &= hit - 1;
                    let tile = (8 * g + s) * part + t as usize * TILE;
                    if tile < text.len() {
                        let word = states[8 * s..8 * s + 8].try_into().expect("8");
                        on(tile, u64::from_le_bytes(word));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The automaton of `sequences` of byte sets, one after another in the state's bits.
    fn automaton(sequences: &[Vec<&[u8]>]) -> Option<ShiftAnd> {
        let mut masks = [0u64; 256];
        let (mut starts, mut ends, mut used) = (0u64, 0u64, 0);
        for seq in sequences {
            starts |= 1 << used;
            for (j, set) in seq.iter().enumerate() {
                for &b in *set {
                    masks[usize::from(b)] |= 1 << (used + j);
                }
            }
            used += seq.len();
            ends |= 1 << (used - 1);
        }
        ShiftAnd::new(&masks, starts, ends)
    }

    fn reported(a: &ShiftAnd, text: &[u8], simd: bool) -> Vec<(usize, u64)> {
        let mut out = Vec::new();
        if simd {
            assert!(a.run(text, &mut |t, d| out.push((t, d))));
            out.sort_unstable();
        } else {
            a.run_scalar(text, &mut |t, d| out.push((t, d)));
        }
        out
    }

    #[test]
    fn a_tile_is_reported_where_a_sequence_ends_with_the_state_before_it() {
        let digits: &[u8] = b"0123456789";
        let a = automaton(&[vec![digits; 4]]).unwrap();
        let mut text = vec![b'x'; 300];
        // Ends at 66, in the second tile, having started in the first.
        text[63..67].copy_from_slice(b"1234");
        let got = reported(&a, &text, false);
        assert_eq!(got, vec![(64, 0b1)]);
        if crate::avx512_vbmi() {
            assert_eq!(reported(&a, &text, true), got);
        }
    }

    #[test]
    fn more_than_sixteen_distinct_masks_are_refused() {
        let sets: Vec<Vec<u8>> = (0..16u8).map(|i| vec![b'a' + i]).collect();
        let fifteen: Vec<&[u8]> = sets[..15].iter().map(Vec::as_slice).collect();
        assert!(automaton(&[fifteen]).is_some());
        let sixteen: Vec<&[u8]> = sets.iter().map(Vec::as_slice).collect();
        assert!(automaton(&[sixteen]).is_none());
    }

    proptest::proptest! {
        /// The AVX-512 kernel reports what the scalar reference does: tiles and states, at
        /// part edges, at the start and end of the text, for sequences up to 64 bits.
        #[test]
        fn vector_kernel_matches_the_scalar_one(
            lengths in proptest::collection::vec(1usize..20, 1..5),
            picks in proptest::collection::vec(0usize..6, 64),
            text in proptest::collection::vec(
                proptest::sample::select(b"0123abcAB -\x00\xff".to_vec()), 0..5000),
        ) {
            if !crate::avx512_vbmi() {
                return Ok(());
            }
            let sets: [&[u8]; 6] = [b"0123", b"01", b"abc", b"aAB", b" -", b"\x00\xff3"];
            let mut sequences = Vec::new();
            let mut used = 0;
            let mut pick = picks.iter();
            for &len in &lengths {
                if used + len > 64 {
                    break;
                }
                sequences.push((0..len).map(|_| sets[*pick.next().unwrap_or(&0)]).collect());
                used += len;
            }
            let Some(a) = automaton(&sequences) else {
                return Ok(());
            };
            proptest::prop_assert_eq!(reported(&a, &text, true), reported(&a, &text, false));
        }
    }
}
