//! A keyword filter over hashed byte pairs, 64 text positions at a time.
//!
//! The scanner's keyword filter (the published idea of Hyperscan's FDR) puts its keywords in
//! eight buckets. For a byte pair (the byte before a position and the byte at it) and a
//! distance `j`, a table says which buckets have a keyword with that pair ending `j` bytes
//! before the keyword's last byte. A position can end a keyword of a bucket only if all the
//! pairs before it agree (up to [`DISTANCES`] of them, fewer for short keywords).
//!
//! The scalar filter in the runtime looks up one 64-bit word per position in a table of 2,048
//! hashed pairs. AVX-512 cannot look up such a table a vector at a time: gathers are slower
//! than scalar loads on the CPUs measured. `vpermi2b` looks up 128 bytes, though, so here each
//! pair is hashed to 8 bits twice, with two multipliers, and each distance has one 256-byte
//! table per hash: two `vpermi2b` and a blend per lookup, 64 positions per instruction. One
//! 8-bit hash lets about five times as many positions through as the 11-bit one; the two
//! together, about as many.

/// Distances back from a keyword's last byte that the filter checks: keywords' last seven
/// bytes. (The runtime's scalar filter checks eight distances; on the default pack the last
/// two let no fewer positions through here, and each costs two lookups per hash.)
pub const DISTANCES: usize = 6;

/// Multipliers of the two pair hashes.
const MULTIPLIERS: [u16; 2] = [0x9E37, 0x6A4B];

/// The hash `h` (0 or 1) of the pair `prev`, `b`: ASCII letters folded to lower case (with
/// some punctuation, harmless in a filter), a 16-bit multiplication, its high byte.
pub fn pair_hash(h: usize, prev: u8, b: u8) -> u8 {
    let pair = (u16::from(prev) | u16::from(b) << 8) | 0x2020;
    (pair.wrapping_mul(MULTIPLIERS[h]) >> 8) as u8
}

/// The filter's tables: for each hash, distance and hashed pair, a byte with a 1 bit for each
/// bucket that cannot have a keyword there.
#[derive(Clone)]
pub struct PairFilter {
    tables: Box<[[[u8; 256]; DISTANCES]; 2]>,
}

impl Default for PairFilter {
    fn default() -> Self {
        Self::new()
    }
}

impl PairFilter {
    /// A filter that lets no position through.
    pub fn new() -> Self {
        PairFilter {
            tables: Box::new([[[0xFF; 256]; DISTANCES]; 2]),
        }
    }

    /// A keyword of `bucket` (0 to 7) has the pair `prev`, `b` ending `j` bytes before its
    /// last byte (ignored for `j` of [`DISTANCES`] or more).
    pub fn allow(&mut self, j: usize, prev: u8, b: u8, bucket: usize) {
        if j >= DISTANCES {
            return;
        }
        for h in 0..2 {
            self.tables[h][j][usize::from(pair_hash(h, prev, b))] &= !(1 << bucket);
        }
    }

    /// `bucket` says nothing about the pairs `j` bytes back (its shortest keyword is shorter).
    pub fn allow_any(&mut self, j: usize, bucket: usize) {
        if j >= DISTANCES {
            return;
        }
        for table in self.tables.iter_mut() {
            table[j].iter_mut().for_each(|t| *t &= !(1 << bucket));
        }
    }

    /// Calls `on(position, buckets)` for each position of `text`, in order, where a keyword
    /// of one of `buckets` (a bit per bucket) may end, 64 positions at a time. Returns
    /// `false`, having called nothing, on a CPU without AVX-512 (F, BW, VBMI); then use
    /// [`PairFilter::run_scalar`] or a filter of your own.
    pub fn run(&self, text: &[u8], on: &mut impl FnMut(usize, u8)) -> bool {
        #[cfg(target_arch = "x86_64")]
        if crate::avx512_vbmi() {
            // SAFETY: the CPU has the features `run` is compiled for (checked just above).
            unsafe { avx512::run(&self.tables, text, on) };
            return true;
        }
        let _ = (text, on);
        false
    }

    /// What [`PairFilter::run`] reports, a position at a time (the reference of the tests).
    pub fn run_scalar(&self, text: &[u8], on: &mut impl FnMut(usize, u8)) {
        for p in 0..text.len() {
            let mut closed = 0u8;
            for j in 0..DISTANCES.min(p + 1) {
                let q = p - j;
                let prev = q.checked_sub(1).map_or(0, |r| text[r]);
                for h in 0..2 {
                    closed |= self.tables[h][j][usize::from(pair_hash(h, prev, text[q]))];
                }
            }
            if closed != 0xFF {
                on(p, !closed);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_cmpneq_epi8_mask, _mm512_mask_blend_epi8, _mm512_mullo_epi16,
        _mm512_or_si512, _mm512_permutex2var_epi8, _mm512_set1_epi8, _mm512_set1_epi16,
        _mm512_setzero_si512, _mm512_srli_epi16,
    };

    use super::{DISTANCES, MULTIPLIERS};
    use crate::LoadedTable;
    use crate::block::{load, store};

    /// For each position of a block, the bytes before it and at it as one 16-bit word:
    /// `before` holds the block's bytes from one before its first (`text[i - 1..i + 63]`),
    /// `at` from its first (`text[i..i + 64]`). Both hashes of each position, a byte each.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn hashes(before: __m512i, at: __m512i) -> [__m512i; 2] {
        let fold = _mm512_set1_epi8(0x20);
        let (before, at) = (_mm512_or_si512(before, fold), _mm512_or_si512(at, fold));
        // Words of `before` pair the bytes of the even positions with those before them; words
        // of `at`, those of the odd positions. The hash is a word's product's high byte.
        let odd = 0xAAAA_AAAA_AAAA_AAAA;
        MULTIPLIERS.map(|m| {
            let m = _mm512_set1_epi16(m as i16);
            let even = _mm512_srli_epi16::<8>(_mm512_mullo_epi16(before, m));
            _mm512_mask_blend_epi8(odd, even, _mm512_mullo_epi16(at, m))
        })
    }

    /// For each distance `j`, the index that moves a block's bytes `j` positions on, the
    /// last `j` of the block before in front (`vpermi2b` of the two).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn shifts() -> [__m512i; DISTANCES] {
        std::array::from_fn(|j| {
            // 64.. picks from the block, ..64 from the one before.
            load(&std::array::from_fn(|k| (64 + k - j) as u8))
        })
    }

    /// 64 bytes on a cache line of their own.
    #[derive(Clone, Copy)]
    #[repr(C, align(64))]
    struct Line([u8; 64]);

    /// Blocks of 64 positions filtered before their positions are reported.
    const CHUNK: usize = 32;

    /// See [`super::PairFilter::run`].
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn run(
        tables: &[[[u8; 256]; DISTANCES]; 2],
        text: &[u8],
        on: &mut impl FnMut(usize, u8),
    ) {
        let regs: [[LoadedTable; DISTANCES]; 2] =
            tables.map(|per_j| per_j.map(|t| LoadedTable::new(&t)));
        let shifts = shifts();
        let mut last = [_mm512_setzero_si512(); 2];
        let all = _mm512_set1_epi8(-1);
        // The blocks of a chunk are filtered first, with no branch on what they hold, then
        // their positions reported: a branch per block on whether it has one would be
        // mispredicted about every other block.
        // Aligned to cache lines: that also makes the compiler align this function's stack
        // frame, and so the table registers it spills (unaligned, every other run was about
        // a quarter slower, depending on where the stack happened to start).
        let mut closed_of = [Line([0u8; 64]); CHUNK];
        let mut open_of = [0u64; CHUNK];
        let mut i = 0;
        while i < text.len() {
            let chunk_start = i;
            let mut blocks = 0;
            while blocks < CHUNK && i < text.len() {
                // The block's bytes and the one before; past the text, zeros.
                let (before, at) = match text.get(i.wrapping_sub(1)..i + 64) {
                    Some(bytes) if i > 0 => (
                        load(bytes[..64].try_into().expect("64")),
                        load(bytes[1..].try_into().expect("64")),
                    ),
                    _ => {
                        let mut buffer = [0u8; 65];
                        let from = i.saturating_sub(1);
                        let end = text.len().min(i + 64);
                        buffer[1 - (i - from)..1 + end - i].copy_from_slice(&text[from..end]);
                        (
                            load(buffer[..64].try_into().expect("64")),
                            load(buffer[1..].try_into().expect("64")),
                        )
                    }
                };
                let now = hashes(before, at);
                let mut closed = _mm512_setzero_si512();
                for h in 0..2 {
                    for j in 0..DISTANCES {
                        // Positions before the text: no pair, no constraint.
                        let index = if j == 0 {
                            now[h]
                        } else {
                            _mm512_permutex2var_epi8(last[h], shifts[j], now[h])
                        };
                        let mut found = regs[h][j].look_up(index);
                        if i == 0 && j > 0 {
                            let lead = (1u64 << j) - 1;
                            found = _mm512_mask_blend_epi8(lead, found, _mm512_setzero_si512());
                        }
                        closed = _mm512_or_si512(closed, found);
                    }
                }
                last = now;
                let left = text.len() - i;
                let inside = if left < 64 {
                    (1u64 << left) - 1
                } else {
                    u64::MAX
                };
                open_of[blocks] = _mm512_cmpneq_epi8_mask(closed, all) & inside;
                closed_of[blocks] = Line(store(closed));
                blocks += 1;
                i += 64;
            }
            for (b, (&open, Line(closed))) in open_of[..blocks].iter().zip(&closed_of).enumerate() {
                let mut open = open;
                while open != 0 {
                    let k = open.trailing_zeros() as usize;
                    on(chunk_start + 64 * b + k, !closed[k]);
                    open &= open - 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter_of(keywords: &[&str]) -> PairFilter {
        let mut f = PairFilter::new();
        for (n, kw) in keywords.iter().enumerate() {
            let b = kw.as_bytes();
            let bucket = n % 8;
            for j in 0..8 {
                if j + 1 >= b.len() {
                    f.allow_any(j, bucket);
                } else {
                    let last = b.len() - 1;
                    f.allow(j, b[last - 1 - j], b[last - j], bucket);
                }
            }
        }
        f
    }

    fn reported(f: &PairFilter, text: &[u8], simd: bool) -> Vec<(usize, u8)> {
        let mut out = Vec::new();
        if simd {
            assert!(f.run(text, &mut |p, b| out.push((p, b))));
        } else {
            f.run_scalar(text, &mut |p, b| out.push((p, b)));
        }
        out
    }

    #[test]
    fn keywords_are_let_through_where_they_end_and_little_else() {
        let f = filter_of(&["password", "token", "akia", "ghp_"]);
        let text = b"a Password here, a TOKEN there; AKIA and ghp_ and nothing else at all here";
        let got = reported(&f, text, false);
        for (word, bucket) in [("Password", 0), ("TOKEN", 1), ("AKIA", 2), ("ghp_", 3)] {
            let end = text
                .windows(word.len())
                .position(|w| w == word.as_bytes())
                .unwrap()
                + word.len()
                - 1;
            assert!(
                got.iter().any(|&(p, b)| p == end && b >> bucket & 1 != 0),
                "{word} not let through: {got:?}"
            );
        }
        // Few other positions.
        assert!(got.len() < 12, "{got:?}");
        if crate::avx512_vbmi() {
            assert_eq!(reported(&f, text, true), got);
        }
    }

    proptest::proptest! {
        /// The AVX-512 filter reports what the scalar reference does, at block edges, at
        /// the start and end of the text, for keywords of any length.
        #[test]
        fn vector_filter_matches_the_scalar_one(
            keywords in proptest::collection::vec("[a-eA-E_:]{1,10}", 1..12),
            short in proptest::bool::ANY,
            text in proptest::collection::vec(
                proptest::sample::select(b"abcdexyzABCDE_: \x00\xff".to_vec()), 0..2500),
        ) {
            if !crate::avx512_vbmi() {
                return Ok(());
            }
            // Without keywords of one or two bytes, the buckets constrain every distance
            // but the first, and few positions pass: differences would show.
            let refs: Vec<&str> = keywords
                .iter()
                .map(String::as_str)
                .filter(|k| short || k.len() >= 3)
                .collect();
            let f = filter_of(&refs);
            let vector = reported(&f, &text, true);
            proptest::prop_assert_eq!(&vector, &reported(&f, &text, false));
        }
    }
}
