//! Every occurrence of every rule keyword (ASCII case-insensitive), found with a shift-or
//! filter over hashed byte pairs, eight positions at a time, instead of an automaton.
//!
//! A keyword automaton of some 400 keywords has thousands of states; its transition table
//! does not fit in L1 and each byte's step waits on the previous one (3-4 ns per byte).
//! Hashing the n-grams at every position instead costs two multiplications and two table
//! tests per byte. Here each position costs one hash of the two bytes ending there and one
//! load, with nothing carried from one position to the next but an OR.
//!
//! The filter (the published idea of Hyperscan's FDR, written for 64-bit words): keywords of
//! two or more bytes are put in eight buckets by length. For each hashed pair of bytes (a
//! *domain*, [`DOMAIN_BITS`] bits), the reach word holds, in byte `j`, a 0 bit for each bucket
//! one of whose keywords has that pair ending `j` bytes before its last byte (`j < 8`).
//! ORing the reach words of eight positions, each shifted by its place in the block, gives
//! for every position a byte whose 0 bits are the buckets that may have a keyword ending
//! there: every pair of the keyword's last eight agrees. Only there are the keywords whose
//! last pair has that domain compared with the text.
//!
//! Buckets hold keywords of similar length, since a bucket constrains no more pairs than its
//! shortest keyword has. One-byte keywords are looked for apart (with memchr when they start
//! with at most three distinct bytes, see [`KeywordFinder::singles`]).
//!
//! (An AVX-512 version of this filter, 64 positions at a time, saved 7-9% of a whole
//! `sigil scan` on external corpora, under the 10% that `unsafe` code must earn here, and was
//! removed: see docs/src/scan-packs.md.)
//!
//! Work per text position is one hash and one load, plus, where the filter lets a position
//! through, one comparison per keyword whose last pair has that position's domain (a few in
//! the default pack; a pack of many keywords ending alike pays for each wherever they end):
//! a scan stays linear in the text.

use std::sync::{Arc, OnceLock};

use super::class_prefix::{ByteSet, Following};

/// Bits of a pair's domain: 2048 reach words, 16 KiB, which stay in L1.
const DOMAIN_BITS: u32 = 11;
const DOMAINS: usize = 1 << DOMAIN_BITS;
/// Positions per block: the bytes of a reach word.
pub(crate) const BLOCK: usize = 8;
/// Buckets: the bits of a reach word's byte.
const BUCKETS: usize = 8;

/// The domain of the pair `prev`, `b` (ASCII case folded, along with some punctuation, which
/// is harmless in a filter): a 16-bit multiplicative hash, so that [`domains`] is a loop the
/// compiler turns into 16-bit vector multiplications.
#[inline(always)]
fn domain(prev: u8, b: u8) -> usize {
    usize::from(pair_domain(u16::from(prev) << 8 | u16::from(b)))
}

#[inline(always)]
fn pair_domain(pair: u16) -> u16 {
    (pair | 0x2020).wrapping_mul(0x9E37) >> (16 - DOMAIN_BITS)
}

/// Writes the domain of each position `from..from + out.len()` of `text` (which must be in
/// it) to `out`. Computed apart from the loop that reads them, eight or sixteen positions per
/// instruction: there it would be four instructions per byte.
pub(crate) fn domains(text: &[u8], from: usize, out: &mut [u16]) {
    let Some(bytes) = text.get(from..from + out.len()) else {
        return;
    };
    let prev = from.checked_sub(1).map_or(0, |p| text[p]);
    let Some((first, rest)) = out.split_first_mut() else {
        return;
    };
    *first = pair_domain(u16::from(prev) << 8 | u16::from(bytes[0]));
    for (o, w) in rest.iter_mut().zip(bytes.windows(2)) {
        *o = pair_domain(u16::from(w[0]) << 8 | u16::from(w[1]));
    }
}

/// What may follow a keyword (ASCII-lowercased) in the matches of a rule that lists it. The
/// finder asks the first time the keyword occurs, since the answer is read off the rule's
/// pattern, which the rules of the default pack read only when first needed.
pub(crate) type FollowOf =
    Arc<dyn Fn(&[u8], usize) -> Following + Send + Sync + std::panic::RefUnwindSafe>;

/// One keyword and the rules that list it.
struct Keyword {
    /// ASCII-lowercased.
    bytes: Vec<u8>,
    rules: Vec<usize>,
    bucket: usize,
    /// What may follow it, once first asked.
    gate: OnceLock<Gate>,
}

/// What may follow a keyword in a match of one of its rules: an occurrence followed by
/// something else is not reported (one at the end of the text is).
struct Gate {
    next: Following,
    /// The bytes `next` allows first and second after it, tested before `next`.
    first_two: [ByteSet; 2],
}

impl Keyword {
    /// Whether an occurrence ending before `text[end]` may be part of a match.
    fn may_be_followed_by(&self, text: &[u8], end: usize, follow: &FollowOf) -> bool {
        let gate = self.gate.get_or_init(|| {
            let next = self
                .rules
                .iter()
                .fold(Following::OneOf(Vec::new()), |all, &r| {
                    all.or(follow(&self.bytes, r))
                });
            Gate {
                first_two: next.first_two(),
                next,
            }
        });
        let after = text.get(end..).unwrap_or_default();
        after
            .iter()
            .zip(&gate.first_two)
            .all(|(&b, set)| set.contains(b))
            && gate.next.allows(after)
    }
}

/// A keyword as [`KeywordFinder::ending_at`] compares it: its last (up to) eight bytes in
/// one word, so that most comparisons are one `and` and one `cmp`, with no pointer to follow.
#[derive(Clone, Copy)]
struct Ending {
    /// The keyword's last bytes, ASCII-lowercased, in the high bytes (its last byte highest),
    /// as [`last_eight`] places the text's.
    tail: u64,
    /// The bytes of `tail` that are the keyword's.
    mask: u64,
    len: usize,
    bucket: u8,
    id: u32,
}

/// The eight bytes of `text` that end at `e` (inclusive) as a little-endian word, so `text[e]`
/// is the highest byte (zero bytes stand for what is before the text), ASCII-lowercased.
#[inline(always)]
fn last_eight(text: &[u8], e: usize) -> u64 {
    if let Some(Ok(word)) = e.checked_sub(7).map(|from| text[from..=e].try_into()) {
        return ascii_lowercase(u64::from_le_bytes(word));
    }
    let mut w = [0u8; 8];
    let from = (e + 1).saturating_sub(8);
    w[8 - (e + 1 - from)..].copy_from_slice(&text[from..=e]);
    ascii_lowercase(u64::from_le_bytes(w))
}

/// ASCII-lowercases the eight bytes of `x` at once.
#[inline(always)]
fn ascii_lowercase(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let low7 = x & !HIGH;
    // High bit of each byte: at least `A`, and (separately) past `Z`; only ASCII bytes count.
    let from_a = low7 + ONES * (0x80 - u64::from(b'A'));
    let past_z = low7 + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = from_a & !past_z & !x & HIGH;
    x | (upper >> 2)
}

/// The reach words the per-byte loop reads.
#[derive(Clone, Copy)]
pub(crate) struct Reach<'a> {
    words: &'a [u64; DOMAINS],
}

impl Reach<'_> {
    /// The reach word of the position holding `b` after `prev` (`0` before the text).
    #[inline(always)]
    pub(crate) fn at(self, prev: u8, b: u8) -> u64 {
        self.words[domain(prev, b)]
    }

    /// The reach word of a position of domain `d` (see [`domains`]).
    #[inline(always)]
    pub(crate) fn of_domain(self, d: u16) -> u64 {
        self.words[usize::from(d) % DOMAINS]
    }
}

/// A keyword occurrence: `rules` list the keyword found at `start..end`.
pub(crate) struct KeywordAt<'a> {
    pub(crate) rules: &'a [usize],
    pub(crate) start: usize,
    pub(crate) end: usize,
}

pub(crate) struct KeywordFinder {
    keywords: Vec<Keyword>,
    follow: FollowOf,
    reach: Box<[u64; DOMAINS]>,
    /// Keywords of two or more bytes by the domain of their last pair: those of domain `v`
    /// are `by_end[by_end_from[v]..by_end_from[v + 1]]`.
    by_end_from: Vec<u32>,
    by_end: Vec<Ending>,
    /// One-byte keywords.
    singles: Vec<usize>,
    /// Their bytes in either case.
    single_bytes: Vec<u8>,
}

impl KeywordFinder {
    /// `keywords`: `(keyword, rule)` pairs (a keyword may repeat for several rules; empty
    /// keywords are ignored); `follow` says what may follow each.
    pub(crate) fn new(pairs: &[(String, usize)], follow: FollowOf) -> Self {
        let mut keywords: Vec<Keyword> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (kw, rule) in pairs {
            if kw.is_empty() {
                continue;
            }
            let bytes = kw.as_bytes().to_ascii_lowercase();
            let id = *index.entry(bytes.clone()).or_insert_with(|| {
                keywords.push(Keyword {
                    bytes,
                    rules: Vec::new(),
                    bucket: 0,
                    gate: OnceLock::new(),
                });
                keywords.len() - 1
            });
            let keyword = &mut keywords[id];
            if !keyword.rules.contains(rule) {
                keyword.rules.push(*rule);
            }
        }
        // Buckets by length. A short keyword constrains few pairs, so its bucket lets many
        // positions through: short keywords share a bucket with fewer others. Each keyword
        // weighs 2^(8 - pairs it constrains) and the buckets, in order of length, weigh
        // about the same.
        let mut long: Vec<usize> = (0..keywords.len())
            .filter(|&id| keywords[id].bytes.len() >= 2)
            .collect();
        long.sort_by_key(|&id| keywords[id].bytes.len());
        let weight = |len: usize| 1u64 << ((BLOCK - (len - 1).min(BLOCK)) / 2);
        let total: u64 = long
            .iter()
            .map(|&id| weight(keywords[id].bytes.len()))
            .sum();
        let mut shortest = [usize::MAX; BUCKETS];
        let mut before = 0u64;
        for &id in &long {
            let bucket = ((before * BUCKETS as u64) / total.max(1)) as usize;
            before += weight(keywords[id].bytes.len());
            keywords[id].bucket = bucket;
            shortest[bucket] = shortest[bucket].min(keywords[id].bytes.len());
        }
        let mut reach = Box::new([u64::MAX; DOMAINS]);
        // A bucket says nothing about pairs further back than its shortest keyword reaches.
        let mut free = u64::MAX;
        for (bucket, &len) in shortest.iter().enumerate() {
            for j in 0..BLOCK {
                if len == usize::MAX || j + 1 >= len {
                    free &= !(1 << (8 * j + bucket));
                }
            }
        }
        reach.iter_mut().for_each(|w| *w &= free);
        let mut ends: Vec<(usize, Ending)> = Vec::new();
        for &id in &long {
            let kw = &keywords[id];
            let b = &kw.bytes;
            let last = b.len() - 1;
            for j in 0..BLOCK.min(last) {
                let v = domain(b[last - 1 - j], b[last - j]);
                reach[v] &= !(1 << (8 * j + kw.bucket));
            }
            let n = b.len().min(8);
            let mut tail = [0u8; 8];
            tail[8 - n..].copy_from_slice(&b[b.len() - n..]);
            let ending = Ending {
                tail: u64::from_le_bytes(tail),
                mask: u64::MAX << (8 * (8 - n)),
                len: b.len(),
                bucket: kw.bucket as u8,
                // At most 2^32 keywords: the pack loader could never hold more.
                id: id as u32,
            };
            ends.push((domain(b[last - 1], b[last]), ending));
        }
        ends.sort_by_key(|&(v, e)| (v, e.id));
        let mut by_end_from = vec![0u32; DOMAINS + 1];
        for &(v, _) in &ends {
            by_end_from[v + 1] += 1;
        }
        for v in 0..DOMAINS {
            by_end_from[v + 1] += by_end_from[v];
        }
        let by_end = ends.iter().map(|&(_, e)| e).collect();
        let singles: Vec<usize> = (0..keywords.len())
            .filter(|&id| keywords[id].bytes.len() == 1)
            .collect();
        let mut single_bytes: Vec<u8> = singles
            .iter()
            .flat_map(|&id| {
                let b = keywords[id].bytes[0];
                [b, b.to_ascii_uppercase()]
            })
            .collect();
        single_bytes.sort_unstable();
        single_bytes.dedup();
        Self {
            keywords,
            follow,
            reach,
            by_end_from,
            by_end,
            singles,
            single_bytes,
        }
    }

    /// The reach words.
    pub(crate) fn reach(&self) -> Reach<'_> {
        Reach { words: &self.reach }
    }

    /// The bytes (in either case) one-byte keywords are: memchr finds them when there are
    /// at most three.
    pub(crate) fn singles(&self) -> &[u8] {
        &self.single_bytes
    }

    /// Reports the one-byte keywords at `i`.
    #[inline(never)]
    pub(crate) fn single_at<'s>(
        &'s self,
        text: &[u8],
        i: usize,
        f: &mut impl FnMut(KeywordAt<'s>),
    ) {
        for &id in &self.singles {
            let kw = &self.keywords[id];
            if text[i].eq_ignore_ascii_case(&kw.bytes[0])
                && kw.may_be_followed_by(text, i + 1, &self.follow)
            {
                f(KeywordAt {
                    rules: &kw.rules,
                    start: i,
                    end: i + 1,
                });
            }
        }
    }

    /// Reports the keywords of two or more bytes that end at `e` (inclusive) and are in one
    /// of `buckets` (a bit per bucket).
    #[inline(never)]
    pub(crate) fn ending_at<'s>(
        &'s self,
        text: &[u8],
        e: usize,
        buckets: u8,
        f: &mut impl FnMut(KeywordAt<'s>),
    ) {
        let prev = e.checked_sub(1).map_or(0, |p| text[p]);
        let v = domain(prev, text[e]);
        let endings = &self.by_end[self.by_end_from[v] as usize..self.by_end_from[v + 1] as usize];
        let last = last_eight(text, e);
        for ending in endings {
            if buckets >> ending.bucket & 1 == 0 || last & ending.mask != ending.tail {
                continue;
            }
            let Some(start) = (e + 1).checked_sub(ending.len) else {
                continue;
            };
            let kw = &self.keywords[ending.id as usize];
            // The last eight bytes matched; the rest, if any, byte by byte.
            let head = ending.len.saturating_sub(8);
            if text[start..start + head].eq_ignore_ascii_case(&kw.bytes[..head])
                && kw.may_be_followed_by(text, e + 1, &self.follow)
            {
                f(KeywordAt {
                    rules: &kw.rules,
                    start,
                    end: e + 1,
                });
            }
        }
    }
}

/// `(keyword, rule, what may follow it)` as the finder takes them: the pairs, and a
/// [`FollowOf`] that answers from the list.
#[cfg(test)]
pub(crate) fn fixed_follow(
    triples: &[(String, usize, Following)],
) -> (Vec<(String, usize)>, FollowOf) {
    let pairs = triples.iter().map(|(k, r, _)| (k.clone(), *r)).collect();
    let table: Vec<(Vec<u8>, usize, Following)> = triples
        .iter()
        .map(|(k, r, f)| (k.as_bytes().to_ascii_lowercase(), *r, f.clone()))
        .collect();
    let follow: FollowOf = Arc::new(move |kw, rule| {
        table
            .iter()
            .filter(|(k, r, _)| k == kw && *r == rule)
            .fold(Following::OneOf(Vec::new()), |all, (_, _, f)| {
                all.or(f.clone())
            })
    });
    (pairs, follow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::class_prefix::Follow;
    use crate::scan::trigger_pass::{Event, TriggerPass};
    use proptest::prelude::*;

    /// Every occurrence as the trigger pass reports it (the real per-byte loop), with the
    /// rules (here: the keywords' indexes) that list it.
    fn found(keywords: &[&str], text: &[u8]) -> Vec<(usize, usize, Vec<usize>)> {
        let pairs: Vec<(String, usize, Following)> = keywords
            .iter()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i, Following::Anything))
            .collect();
        events(&pairs, text)
    }

    fn events(
        pairs: &[(String, usize, Following)],
        text: &[u8],
    ) -> Vec<(usize, usize, Vec<usize>)> {
        let (pairs, follow) = fixed_follow(pairs);
        let pass = TriggerPass::build(&pairs, follow, &[]).expect("no keyword-less rule");
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        pass.for_each(text, |e| {
            if let Event::Keyword { rule, start, end } = e {
                spans.push((start, end, rule));
            }
        });
        spans.sort_unstable();
        let mut out: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (start, end, rule) in spans {
            match out.last_mut() {
                Some((s, e, rules)) if (*s, *e) == (start, end) => rules.push(rule),
                _ => out.push((start, end, vec![rule])),
            }
        }
        out
    }

    /// Every occurrence, the slow way.
    fn naive(keywords: &[&str], text: &[u8]) -> Vec<(usize, usize, Vec<usize>)> {
        let mut out = Vec::new();
        for start in 0..text.len() {
            for (i, kw) in keywords.iter().enumerate() {
                let end = start + kw.len();
                if !kw.is_empty()
                    && text
                        .get(start..end)
                        .is_some_and(|t| t.eq_ignore_ascii_case(kw.as_bytes()))
                {
                    out.push((start, end, vec![i]));
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The spans found: naive lists a keyword given twice once per listing, the finder once
    /// with both rules.
    fn pos(found: Vec<(usize, usize, Vec<usize>)>) -> Vec<(usize, usize)> {
        let mut p: Vec<(usize, usize)> = found.into_iter().map(|(s, e, _)| (s, e)).collect();
        p.dedup();
        p
    }

    #[test]
    fn finds_overlapping_keywords_in_any_case_at_the_edges() {
        let got = found(
            &["token", "token:", "ken", "@", "q~"],
            b"TOKEN: x@y Q~ ToKen",
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
        assert_eq!(found(&["@"], b"@"), vec![(0, 1, vec![0])]);
        assert_eq!(found(&["abc"], b"ab"), vec![]);
        // Keywords ending in the first bytes, and across block edges.
        assert_eq!(found(&["ab"], b"ab"), vec![(0, 2, vec![0])]);
        assert_eq!(
            found(&["password"], b"1234567password"),
            vec![(7, 15, vec![0])]
        );
    }

    #[test]
    fn eight_bytes_are_lowercased_at_once_and_only_ascii_letters() {
        let all: Vec<u8> = (0..=255u8).collect();
        for chunk in all.chunks(8) {
            let x = u64::from_le_bytes(chunk.try_into().unwrap());
            let want: Vec<u8> = chunk.iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(ascii_lowercase(x).to_le_bytes().to_vec(), want);
        }
        assert_eq!(last_eight(b"xAbC", 3).to_le_bytes(), *b"\0\0\0\0xabc");
    }

    #[test]
    fn a_keyword_listed_by_several_rules_is_reported_once_with_all() {
        let pairs = vec![
            ("pass".to_owned(), 3, Following::Anything),
            ("PASS".to_owned(), 7, Following::Anything),
            ("pass".to_owned(), 3, Following::Anything),
        ];
        assert_eq!(events(&pairs, b"a pass"), vec![(2, 6, vec![3, 7])]);
    }

    #[test]
    fn an_occurrence_followed_by_a_byte_no_rule_allows_is_not_reported() {
        // Rule 3 allows `w` or a space after `pass`, rule 7 `=`: together, any of the three.
        let first = |bytes: &[u8]| Following::OneOf(vec![Follow::first_byte_in(bytes)]);
        let pairs = vec![
            ("pass".to_owned(), 3, first(b"w ")),
            ("pass".to_owned(), 7, first(b"=")),
            ("@".to_owned(), 9, first(b"x")),
        ];
        let text = b"passed pass= PASSword pass @y @x pass";
        assert_eq!(
            events(&pairs, text),
            vec![
                (7, 11, vec![3, 7]),
                (13, 17, vec![3, 7]),
                (22, 26, vec![3, 7]),
                (30, 31, vec![9]),
                // At the end of the text nothing follows: reported.
                (33, 37, vec![3, 7]),
            ]
        );
    }

    #[test]
    fn the_default_pack_keywords_are_all_found_in_filler() {
        let pack =
            crate::scan::Pack::parse(crate::scan::DEFAULT_PACK_TOML, "default").expect("pack");
        let keywords: Vec<String> = pack
            .rules()
            .iter()
            .flat_map(|r| r.keywords.iter().cloned())
            .collect();
        let refs: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let mut text = Vec::new();
        for (i, kw) in refs.iter().enumerate() {
            text.extend_from_slice(&b"some filler, \"quoted\": 12 "[..(i % 23) + 3]);
            if i % 2 == 0 {
                text.extend_from_slice(kw.to_ascii_uppercase().as_bytes());
            } else {
                text.extend_from_slice(kw.as_bytes());
            }
        }
        assert_eq!(pos(found(&refs, &text)), pos(naive(&refs, &text)));
    }

    proptest! {
        #[test]
        fn finds_what_a_naive_search_finds(
            keywords in proptest::collection::vec("[a-cA-C_~]{1,12}", 1..40),
            text in proptest::collection::vec(
                proptest::sample::select(b"abcABC_~ x".to_vec()), 0..5000),
        ) {
            let refs: Vec<&str> = keywords.iter().map(String::as_str).collect();
            prop_assert_eq!(pos(found(&refs, &text)), pos(naive(&refs, &text)));
        }
    }
}
