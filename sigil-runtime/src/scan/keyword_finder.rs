//! Every occurrence of every rule keyword (ASCII case-insensitive), found with hashed
//! n-gram filters instead of an automaton.
//!
//! A keyword automaton of some 400 keywords has thousands of states; its transition table
//! does not fit in L1 and each byte's step waits on the previous one, so it runs at 3-4 ns
//! per byte. Here each text position costs a few independent instructions: the four bytes
//! there, case-folded, are hashed to one of 65 536 bits (an 8 KiB table that stays in
//! L1), their first three to another, and only where a bit is set are the keywords with that
//! hash compared.
//!
//! Each keyword of four or more bytes is filed under its rarest 4-gram (by the typical
//! frequency of its bytes in English text and JSON, see [`byte_frequency`]), not its first:
//! `routing` under `outi` rather than `rout`, so that common words stop the pass less
//! often. Keywords of three bytes are filed whole in the trigram table; keywords of one or
//! two bytes are looked up by their first byte (or found with memchr, see
//! [`KeywordFinder::short_firsts`]).
//!
//! Work per text position is bounded by the number of keywords filed under one hash (a few
//! in the default pack; a pack of many keywords sharing their rarest four bytes pays for
//! each of them wherever those bytes occur), so a scan stays linear in the text.

/// Bits of the n-gram hashes.
const HASH_BITS: u32 = 16;
const HASH_WORDS: usize = 1 << (HASH_BITS - 6);

/// One keyword and the rules that list it.
struct Keyword {
    /// ASCII-lowercased.
    bytes: Vec<u8>,
    rules: Vec<usize>,
    /// Where in it the n-gram it is filed under starts.
    filed_at: usize,
}

/// Roughly how often a byte occurs in English prose and JSON, per thousand bytes (ASCII
/// letters counted in lower case). Only the order matters.
fn byte_frequency(b: u8) -> u32 {
    match b.to_ascii_lowercase() {
        b' ' => 180,
        b'e' => 100,
        b't' => 75,
        b'a' | b'o' => 65,
        b'i' | b'n' | b's' | b'h' | b'r' => 55,
        b'"' => 45,
        b'd' | b'l' => 35,
        b'c' | b'u' | b'm' | b'g' => 24,
        b'w' | b'f' | b'y' | b'p' | b':' | b',' => 18,
        b'0'..=b'9' | b'.' | b'b' => 12,
        b'v' | b'/' | b'-' | b'\\' | b'\n' => 8,
        b'k' | b'_' | b'{' | b'}' | b'[' | b']' | b'=' => 5,
        b'j' | b'x' | b'q' | b'z' => 1,
        _ => 2,
    }
}

/// Where in `kw` its rarest 4-gram starts.
fn rarest_quadgram(kw: &[u8]) -> usize {
    (0..=kw.len().saturating_sub(4))
        .min_by_key(|&i| {
            kw[i..]
                .iter()
                .take(4)
                .map(|&b| u64::from(byte_frequency(b)))
                .product::<u64>()
        })
        .unwrap_or(0)
}

/// Folds ASCII case (and, harmlessly for a filter, some punctuation into other
/// punctuation) by setting bit 5 of every byte: one instruction for four bytes.
const FOLD: u32 = 0x2020_2020;

/// Hash of four bytes (the first in the high byte), case folded.
fn hash4(x: u32) -> u32 {
    (x | FOLD).wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)
}

/// Hash of the first three bytes of `x` (the high 24 bits), case folded.
fn hash3(x: u32) -> u32 {
    ((x | FOLD) >> 8).wrapping_mul(0x85EB_CA6B) >> (32 - HASH_BITS)
}

/// Where the filter's tables sit in its one array: the 4-gram bits, the trigram bits, then
/// the 256 bits of first bytes of short keywords.
const BITS4: usize = 0;
const BITS3: usize = HASH_WORDS;
const SHORT: usize = 2 * HASH_WORDS;
const TABLE_WORDS: usize = 2 * HASH_WORDS + 4;

fn has(table: &[u64; TABLE_WORDS], at: usize, h: u32) -> bool {
    table[at + (h >> 6) as usize] >> (h & 63) & 1 != 0
}

fn set(table: &mut [u64; TABLE_WORDS], at: usize, h: u32) {
    table[at + (h >> 6) as usize] |= 1 << (h & 63);
}

/// Four bytes from `b` (zero past its end), ASCII-lowercased, the first in the high byte.
fn gram(b: &[u8]) -> u32 {
    (0..4).fold(0, |x, j| {
        (x << 8) | u32::from(b.get(j).map_or(0, u8::to_ascii_lowercase))
    })
}

pub(crate) struct KeywordFinder {
    keywords: Vec<Keyword>,
    /// At [`BITS4`], a set bit: some keyword of 4+ bytes is filed under a 4-gram with this
    /// hash; at [`BITS3`]: some keyword of 3 bytes has this hash; at [`SHORT`]: a keyword of
    /// 1 or 2 bytes starts with this byte (either case).
    table: Box<[u64; TABLE_WORDS]>,
    /// `(hash, keyword)` of the keywords of 4+ bytes, sorted.
    by_hash4: Buckets,
    /// `(hash, keyword)` of the keywords of 3 bytes, sorted.
    by_hash3: Buckets,
    /// Keywords of 1 or 2 bytes.
    short: Vec<usize>,
    /// See [`KeywordFinder::short_firsts`].
    short_by_memchr: Option<Vec<u8>>,
}

/// Keywords by hash: a small open-addressing table (it stays in L1), each slot a hash and
/// the range of its keywords in `ids`.
struct Buckets {
    /// `(hash, start, end)`; `start == end` marks an empty slot.
    slots: Vec<(u32, u32, u32)>,
    ids: Vec<usize>,
}

impl Buckets {
    fn new(mut pairs: Vec<(u32, usize)>) -> Self {
        pairs.sort_unstable();
        let size = (2 * pairs.len()).next_power_of_two().max(16);
        let mut slots = vec![(0, 0, 0); size];
        let ids: Vec<usize> = pairs.iter().map(|&(_, id)| id).collect();
        let mut from = 0;
        while from < pairs.len() {
            let h = pairs[from].0;
            let to = from + pairs[from..].iter().take_while(|p| p.0 == h).count();
            let mut at = h as usize & (size - 1);
            while slots[at].1 != slots[at].2 {
                at = (at + 1) & (size - 1);
            }
            // At most 2^32 keywords: the pack loader could never hold more.
            slots[at] = (h, from as u32, to as u32);
            from = to;
        }
        Self { slots, ids }
    }

    /// The keywords filed under hash `h`.
    fn get(&self, h: u32) -> &[usize] {
        let mask = self.slots.len() - 1;
        let mut at = h as usize & mask;
        loop {
            let (k, start, end) = self.slots[at];
            if start == end {
                return &[];
            }
            if k == h {
                return &self.ids[start as usize..end as usize];
            }
            at = (at + 1) & mask;
        }
    }
}

/// The tables of a [`KeywordFinder`] that the per-byte loop reads.
#[derive(Clone, Copy)]
pub(crate) struct Filter<'a> {
    table: &'a [u64; TABLE_WORDS],
}

impl Filter<'_> {
    /// Whether a keyword may be reported at a position whose first byte is `first` and
    /// whose four bytes (zero past the end of the text) are `x`; short keywords count only
    /// when `SHORT_TOO` (not when memchr finds them).
    #[inline(always)]
    pub(crate) fn candidate<const SHORT_TOO: bool>(self, x: u32, first: u8) -> bool {
        let long = has(self.table, BITS4, hash4(x)) | has(self.table, BITS3, hash3(x));
        if SHORT_TOO {
            long | has(self.table, SHORT, u32::from(first))
        } else {
            long
        }
    }
}

/// A keyword occurrence: `rules` list the keyword found at `start..end`.
pub(crate) struct KeywordAt<'a> {
    pub(crate) rules: &'a [usize],
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl KeywordFinder {
    /// `keywords`: `(keyword, rule)` pairs (a keyword may repeat for several rules; empty
    /// keywords are ignored).
    pub(crate) fn new(pairs: &[(String, usize)]) -> Self {
        let mut keywords: Vec<Keyword> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (kw, rule) in pairs {
            if kw.is_empty() {
                continue;
            }
            let bytes = kw.as_bytes().to_ascii_lowercase();
            let id = *index.entry(bytes.clone()).or_insert_with(|| {
                let filed_at = rarest_quadgram(&bytes);
                keywords.push(Keyword {
                    bytes,
                    rules: Vec::new(),
                    filed_at,
                });
                keywords.len() - 1
            });
            if !keywords[id].rules.contains(rule) {
                keywords[id].rules.push(*rule);
            }
        }
        let mut table = Box::new([0u64; TABLE_WORDS]);
        let mut by_hash4 = Vec::new();
        let mut by_hash3 = Vec::new();
        let mut short = Vec::new();
        for (id, kw) in keywords.iter().enumerate() {
            let x = gram(&kw.bytes[kw.filed_at..]);
            match kw.bytes.len() {
                4.. => {
                    set(&mut table, BITS4, hash4(x));
                    by_hash4.push((hash4(x), id));
                }
                3 => {
                    set(&mut table, BITS3, hash3(x));
                    by_hash3.push((hash3(x), id));
                }
                _ => {
                    let b = kw.bytes[0];
                    set(&mut table, SHORT, u32::from(b));
                    set(&mut table, SHORT, u32::from(b.to_ascii_uppercase()));
                    short.push(id);
                }
            }
        }
        let by_hash4 = Buckets::new(by_hash4);
        let by_hash3 = Buckets::new(by_hash3);
        // Short keywords go to a memchr pass when their first bytes fit one `memchr3` and
        // their rules have no other keywords (so each rule's events stay in order).
        let mut firsts: Vec<u8> = short
            .iter()
            .flat_map(|&id| {
                let b = keywords[id].bytes[0];
                [b, b.to_ascii_uppercase()]
            })
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        let short_rules_only_short = short.iter().all(|&id| {
            keywords[id].rules.iter().all(|r| {
                keywords
                    .iter()
                    .all(|k| k.bytes.len() < 3 || !k.rules.contains(r))
            })
        });
        let short_by_memchr = (!short.is_empty() && firsts.len() <= 3 && short_rules_only_short)
            .then(|| {
                table[SHORT..].iter_mut().for_each(|w| *w = 0);
                firsts
            });
        Self {
            keywords,
            table,
            by_hash4,
            by_hash3,
            short,
            short_by_memchr,
        }
    }

    /// When the short keywords are found with memchr rather than in the per-byte loop: the
    /// (at most three) bytes they start with.
    pub(crate) fn short_firsts(&self) -> Option<&[u8]> {
        self.short_by_memchr.as_deref()
    }

    /// Reports the short keywords starting at `i`.
    #[inline(never)]
    pub(crate) fn short_at<'s>(&'s self, text: &[u8], i: usize, f: &mut impl FnMut(KeywordAt<'s>)) {
        for &id in &self.short {
            let kw = &self.keywords[id];
            if let Some(there) = text.get(i..i + kw.bytes.len())
                && there.eq_ignore_ascii_case(&kw.bytes)
            {
                f(KeywordAt {
                    rules: &kw.rules,
                    start: i,
                    end: i + kw.bytes.len(),
                });
            }
        }
    }

    /// The tables that decide where a keyword may be reported.
    pub(crate) fn filter(&self) -> Filter<'_> {
        Filter { table: &self.table }
    }

    /// Reports the keywords whose filing n-gram starts at `i` (the position's
    /// bytes are `x`), and the short keywords starting at `i`: in order of start, give or
    /// take a keyword's length.
    #[inline(never)]
    pub(crate) fn at<'s>(
        &'s self,
        text: &[u8],
        i: usize,
        x: u32,
        f: &mut impl FnMut(KeywordAt<'s>),
    ) {
        let mut report = |id: usize, start: Option<usize>| {
            let kw = &self.keywords[id];
            if let Some(start) = start
                && let Some(there) = text.get(start..start + kw.bytes.len())
                && there.eq_ignore_ascii_case(&kw.bytes)
            {
                f(KeywordAt {
                    rules: &kw.rules,
                    start,
                    end: start + kw.bytes.len(),
                });
            }
        };
        for (bits, table, h) in [
            (BITS4, &self.by_hash4, hash4(x)),
            (BITS3, &self.by_hash3, hash3(x)),
        ] {
            if has(&self.table, bits, h) {
                for &id in table.get(h) {
                    report(id, i.checked_sub(self.keywords[id].filed_at));
                }
            }
        }
        if has(&self.table, SHORT, u32::from(text[i])) {
            for &id in &self.short {
                report(id, Some(i));
            }
        }
    }

    /// Calls `f` for every keyword occurrence (the plain loop; the trigger pass runs the same
    /// steps fused with its other work).
    #[cfg(test)]
    fn for_each<'s>(&'s self, text: &[u8], mut f: impl FnMut(KeywordAt<'s>)) {
        for i in 0..text.len() {
            let x = gram(&text[i..]);
            if self.filter().candidate::<true>(x, text[i]) {
                self.at(text, i, x, &mut f);
            }
            if self
                .short_by_memchr
                .as_ref()
                .is_some_and(|b| b.contains(&text[i]))
            {
                self.short_at(text, i, &mut f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(keywords: &[&str], text: &str) -> Vec<(usize, usize, Vec<usize>)> {
        let pairs: Vec<(String, usize)> = keywords
            .iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i))
            .collect();
        let finder = KeywordFinder::new(&pairs);
        let mut out = Vec::new();
        finder.for_each(text.as_bytes(), |k| {
            out.push((k.start, k.end, k.rules.to_vec()))
        });
        out
    }

    #[test]
    fn finds_overlapping_keywords_in_any_case_at_the_edges() {
        let got = found(
            &["token", "token:", "ken", "@", "q~"],
            "TOKEN: x@y Q~ ToKen",
        );
        assert_eq!(
            got,
            vec![
                (0, 5, vec![0]),
                (0, 6, vec![1]),
                (2, 5, vec![2]),
                (8, 9, vec![3]),
                (11, 13, vec![4]),
                (14, 19, vec![0]),
                (16, 19, vec![2]),
            ]
        );
        assert_eq!(found(&["@"], "@"), vec![(0, 1, vec![0])]);
        assert_eq!(found(&["abc"], "ab"), vec![]);
    }

    #[test]
    fn buckets_keep_colliding_hashes_apart() {
        // 16 slots: hashes 3, 19 and 35 all start probing at slot 3.
        let b = Buckets::new(vec![(19, 7), (3, 1), (35, 2), (3, 4), (4, 9)]);
        assert_eq!(b.get(3), &[1, 4]);
        assert_eq!(b.get(19), &[7]);
        assert_eq!(b.get(35), &[2]);
        assert_eq!(b.get(4), &[9]);
        assert!(b.get(51).is_empty() && b.get(0).is_empty());
    }

    #[test]
    fn a_keyword_listed_by_several_rules_is_reported_once_with_all() {
        let pairs = vec![
            ("pass".to_owned(), 3),
            ("PASS".to_owned(), 7),
            ("pass".to_owned(), 3),
        ];
        let finder = KeywordFinder::new(&pairs);
        let mut out = Vec::new();
        finder.for_each(b"a pass", |k| out.push(k.rules.to_vec()));
        assert_eq!(out, vec![vec![3, 7]]);
    }
}
