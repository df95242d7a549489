//! The trigger pass over the text: it reports, per rule and in order of position, where a
//! rule must run. Keywords (ASCII case-insensitive) are found with a shift-or filter over
//! hashed byte pairs (see `keyword_finder.rs`); keyword-less rules are looked for through the
//! byte classes of their first bytes (see `class_prefix.rs`). Nothing else of the text is
//! looked at again.
//!
//! (Before, one lazy DFA held every keyword and another the keyword-less rules' prefixes:
//! thousands of states whose transitions did not fit in L1, each byte's step waiting on the
//! last, 3-4 ns per byte. Both passes here do a few independent instructions per byte. They
//! were one loop until the pair hashes were computed apart, a chunk at a time: the filter
//! then takes about a third of a nanosecond per byte, and the shift-and step, a chain of
//! three dependent instructions, was the loop's bound.)

use regex_syntax::hir::Hir;

use super::class_prefix::class_prefix;
use super::error::ScanError;
use super::keyword_finder::{self, BLOCK, FollowOf, KeywordAt, KeywordFinder, Reach};
use super::lanes::{ClassEnd, ClassLanes};

/// Where a rule must run.
pub(crate) enum Event {
    Keyword {
        rule: usize,
        start: usize,
        end: usize,
    },
    /// A keyword-less rule's first `prefix_max` bytes may be those ending at `end`.
    PrefixEnd {
        rule: usize,
        end: usize,
        prefix_max: usize,
    },
}

pub(crate) struct TriggerPass {
    keywords: KeywordFinder,
    classes: ClassLanes,
}

impl TriggerPass {
    /// `keywords`: `(keyword, rule)` and what may follow each (`follow`); `keyword_less`:
    /// `(rule, pattern)` pairs.
    pub(crate) fn build(
        keywords: &[(String, usize)],
        follow: FollowOf,
        keyword_less: &[(usize, &Hir)],
    ) -> Result<Self, ScanError> {
        let mut sequences = Vec::with_capacity(keyword_less.len());
        for (rule, hir) in keyword_less {
            sequences.push((*rule, class_prefix(hir)?));
        }
        Ok(Self {
            keywords: KeywordFinder::new(keywords, follow),
            classes: ClassLanes::new(&sequences),
        })
    }

    /// Calls `f` for every keyword occurrence (once per rule listing it; in order of end,
    /// so of start give or take a keyword's length, except that one-byte keywords come in a
    /// pass of their own) and every place where a keyword-less rule may match (in order of
    /// end per rule).
    pub(crate) fn for_each(&self, text: &[u8], mut f: impl FnMut(Event)) {
        let finder = &self.keywords;
        let f = &mut f;
        let mut candidate = |e: usize, open: u8| {
            finder.ending_at(text, e, open, &mut |k| keyword_events(k, &mut *f));
        };
        positions(text, finder.reach(), |first, state| {
            for k in 0..BLOCK {
                let open = !(state >> (8 * k)) as u8;
                if open != 0 {
                    candidate(first + k, open);
                }
            }
        });
        let mut single = |i: usize| {
            finder.single_at(text, i, &mut |k| keyword_events(k, &mut *f));
        };
        match *finder.singles() {
            [] => {}
            [a] => memchr::memchr_iter(a, text).for_each(&mut single),
            [a, b] => memchr::memchr2_iter(a, b, text).for_each(&mut single),
            [a, b, c] => memchr::memchr3_iter(a, b, c, text).for_each(&mut single),
            ref bytes => {
                let mut set = [false; 256];
                bytes.iter().for_each(|&b| set[usize::from(b)] = true);
                (0..text.len())
                    .filter(|&i| set[usize::from(text[i])])
                    .for_each(&mut single);
            }
        }
        for lane in self.classes.lanes() {
            lane.for_each(text, &mut |c| class_event(c, &mut *f));
        }
    }
}

/// Positions per chunk whose domains are computed at once (on the stack, 4 KiB).
const CHUNK: usize = 2048;

/// Out of the loop's line: what the loop calls is kept out of its registers.
#[cold]
#[inline(never)]
fn stop(on: &mut impl FnMut(usize, u64), first: usize, state: u64) {
    on(first, state);
}

/// The keyword filter over `text`: calls `on(first, state)` for each block of positions from
/// `first` where byte `k` of `state` has a 0 bit for each bucket that may have a keyword
/// ending at `first + k`. Not inlined, so that the table it reads stays in a register.
///
/// Per position: one domain, computed a chunk at a time apart (see `domains`), one load, a
/// shift and an or. Nothing is carried from one position to the next but the or.
#[inline(never)]
fn positions(text: &[u8], reach: Reach<'_>, mut on: impl FnMut(usize, u64)) {
    // The reach words of the last block, shifted to the next one.
    let mut carry = 0u64;
    let mut domains = [0u16; CHUNK];
    let whole = text.len() / BLOCK * BLOCK;
    for from in (0..whole).step_by(CHUNK) {
        let n = CHUNK.min(whole - from);
        let chunk = &mut domains[..n];
        keyword_finder::domains(text, from, chunk);
        let (blocks, _) = chunk.as_chunks::<BLOCK>();
        for (index, block) in blocks.iter().enumerate() {
            // Two words of four domains each, taken apart with shifts: the compiler would
            // otherwise load the block into a vector register and extract each lane.
            let w = [
                u64::from(block[0])
                    | u64::from(block[1]) << 16
                    | u64::from(block[2]) << 32
                    | u64::from(block[3]) << 48,
                u64::from(block[4])
                    | u64::from(block[5]) << 16
                    | u64::from(block[6]) << 32
                    | u64::from(block[7]) << 48,
            ];
            let mut reached = 0u128;
            for k in 0..BLOCK {
                let d = (w[k / 4] >> (16 * (k % 4))) as u16;
                reached |= u128::from(reach.of_domain(d)) << (8 * k);
            }
            let state = reached as u64 | carry;
            if state != u64::MAX {
                stop(&mut on, from + index * BLOCK, state);
            }
            carry = (reached >> 64) as u64;
        }
    }
    let tail = &text[whole..];
    if !tail.is_empty() {
        let mut prev = whole.checked_sub(1).map_or(0, |p| text[p]);
        let mut reached = 0u128;
        for (k, &b) in tail.iter().enumerate() {
            reached |= u128::from(reach.at(prev, b)) << (8 * k);
            prev = b;
        }
        // Positions past the end are closed.
        let state = reached as u64 | carry | u64::MAX << (8 * tail.len());
        if state != u64::MAX {
            stop(&mut on, whole, state);
        }
    }
}

fn keyword_events(k: KeywordAt<'_>, f: &mut impl FnMut(Event)) {
    for &rule in k.rules {
        f(Event::Keyword {
            rule,
            start: k.start,
            end: k.end,
        });
    }
}

fn class_event(c: ClassEnd, f: &mut impl FnMut(Event)) {
    f(Event::PrefixEnd {
        rule: c.rule,
        end: c.end,
        prefix_max: c.len,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::class_prefix::Following;

    fn keyword_events_of(keywords: &[(&str, usize)], text: &str) -> Vec<(usize, usize, usize)> {
        let triples: Vec<(String, usize, Following)> = keywords
            .iter()
            .map(|&(k, r)| (k.to_owned(), r, Following::Anything))
            .collect();
        let (pairs, follow) = crate::scan::keyword_finder::fixed_follow(&triples);
        let pass = TriggerPass::build(&pairs, follow, &[]).unwrap();
        let mut out = Vec::new();
        pass.for_each(text.as_bytes(), |e| {
            if let Event::Keyword { rule, start, end } = e {
                out.push((rule, start, end));
            }
        });
        out.sort_unstable();
        out
    }

    #[test]
    fn one_byte_keywords_are_found_by_memchr_or_a_byte_set_alike() {
        let text = "a@b +1 Q~x $2$ TOKEN@";
        // One-byte keywords '@' and '+': a memchr pass.
        assert_eq!(
            keyword_events_of(&[("@", 0), ("+", 1), ("token", 2)], text),
            vec![(0, 1, 2), (0, 20, 21), (1, 4, 5), (2, 15, 20)]
        );
        // Two-byte keywords too: in the filter.
        assert_eq!(
            keyword_events_of(
                &[("@", 0), ("+", 1), ("q~", 2), ("$2", 3), ("token", 4)],
                text
            ),
            vec![
                (0, 1, 2),
                (0, 20, 21),
                (1, 4, 5),
                (2, 7, 9),
                (3, 11, 13),
                (4, 15, 20)
            ]
        );
        // Four one-byte keywords: a byte set.
        assert_eq!(
            keyword_events_of(&[("@", 0), ("+", 1), ("$", 2), ("~", 3)], text),
            vec![
                (0, 1, 2),
                (0, 20, 21),
                (1, 4, 5),
                (2, 11, 12),
                (2, 13, 14),
                (3, 8, 9)
            ]
        );
        // A rule with a one-byte and a long keyword.
        assert_eq!(
            keyword_events_of(&[("@", 0), ("token", 0)], text),
            vec![(0, 1, 2), (0, 15, 20), (0, 20, 21)]
        );
    }
}
