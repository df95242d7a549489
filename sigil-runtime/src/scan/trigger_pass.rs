//! The trigger pass over the text: it reports, per rule and in order of position, where a
//! rule must run. Keywords (ASCII case-insensitive) are found with a shift-or filter over
//! hashed byte pairs (see `keyword_finder.rs`); keyword-less rules are looked for through the
//! byte classes of their first bytes (see `class_prefix.rs`). Nothing else of the text is
//! looked at again.
//!
//! (Before, one lazy DFA held every keyword and another the keyword-less rules' prefixes:
//! thousands of states whose transitions did not fit in L1, each byte's step waiting on the
//! last, 3-4 ns per byte. Both passes here do a few independent instructions per byte.)

use regex_syntax::hir::Hir;

use super::class_prefix::{ClassEnd, ClassLanes, class_prefix};
use super::error::ScanError;
use super::keyword_finder::{BLOCK, KeywordAt, KeywordFinder, Reach};

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
    /// `keywords`: `(keyword, rule)` pairs; `keyword_less`: `(rule, pattern)` pairs.
    pub(crate) fn build(
        keywords: &[(String, usize)],
        keyword_less: &[(usize, &Hir)],
    ) -> Result<Self, ScanError> {
        let mut sequences = Vec::with_capacity(keyword_less.len());
        for (rule, hir) in keyword_less {
            sequences.push((*rule, class_prefix(hir)?));
        }
        Ok(Self {
            keywords: KeywordFinder::new(keywords),
            classes: ClassLanes::new(&sequences),
        })
    }

    /// Calls `f` for every keyword occurrence (once per rule listing it; in order of end,
    /// so of start give or take a keyword's length, except that one-byte keywords come in a
    /// pass of their own) and every place where a keyword-less rule may match (in order of
    /// end per rule).
    ///
    /// One loop does the keyword filter and the first shift-and automaton: the filter's
    /// instructions are independent from byte to byte and fill the time the automaton's
    /// chain of dependent steps leaves idle.
    pub(crate) fn for_each(&self, text: &[u8], mut f: impl FnMut(Event)) {
        let finder = &self.keywords;
        let (lane, rest) = self.classes.lanes();
        let f = &mut f;
        let on = |spot| match spot {
            Spot::ClassEnds { first, state } => {
                lane.replay(state, text, first, &mut |c| class_event(c, &mut *f));
            }
            Spot::Keywords { first, state } => {
                for k in 0..BLOCK {
                    let open = !(state >> (8 * k)) as u8;
                    if open != 0 {
                        finder
                            .ending_at(text, first + k, open, &mut |k| keyword_events(k, &mut *f));
                    }
                }
            }
        };
        positions(text, lane.tables(), finder.reach(), on);
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
        for lane in rest {
            lane.for_each(text, &mut |c| class_event(c, &mut *f));
        }
    }
}

/// Out of the loop's line: what the loop calls is kept out of its registers.
#[cold]
#[inline(never)]
fn stop(on: &mut impl FnMut(Spot), spot: Spot) {
    on(spot);
}

/// What the per-byte loop stops for.
enum Spot {
    /// The shift-and automaton, in `state` before the block of positions from `first`, ends
    /// a class sequence in that block.
    ClassEnds { first: usize, state: u64 },
    /// The keyword filter's result for the block of positions from `first`: byte `k` of
    /// `state` has a 0 bit for each bucket that may have a keyword ending at `first + k`.
    Keywords { first: usize, state: u64 },
}

/// The per-byte loop: steps the shift-and automaton `(masks, starts, ends)` and the keyword
/// filter `reach`, and calls `on` where either has something. Not inlined, so that the
/// tables it reads are parameters the compiler keeps in registers.
#[inline(never)]
fn positions(
    text: &[u8],
    (masks, starts, ends): (&[u64; 256], u64, u64),
    reach: Reach<'_>,
    mut on: impl FnMut(Spot),
) {
    let lane = (masks, starts, ends);
    let mut d = 0u64;
    // The reach words of the last block, shifted to the next one.
    let mut carry = 0u64;
    let mut prev = 0u8;
    let (blocks, tail) = text.as_chunks::<BLOCK>();
    for (index, block) in blocks.iter().enumerate() {
        let first = index * BLOCK;
        let d_before = d;
        let (reached, ended) = step_block(block, &mut prev, &mut d, reach, lane);
        carry = report(&mut on, first, d_before, ended, reached, carry, 0);
    }
    if !tail.is_empty() {
        let first = blocks.len() * BLOCK;
        let d_before = d;
        let (reached, ended) = step_block(tail, &mut prev, &mut d, reach, lane);
        // Positions past the end are closed.
        let past = u64::MAX << (8 * tail.len());
        report(&mut on, first, d_before, ended, reached, carry, past);
    }
}

/// Steps the keyword filter and the shift-and automaton over the (at most [`BLOCK`]) `bytes`
/// of a block; returns the block's reach words, each shifted to its place (byte `j` of a
/// position's word speaks of the position `j` further on: in this block or, past its end,
/// in the next), and the end bits the automaton reached.
#[inline(always)]
fn step_block(
    bytes: &[u8],
    prev: &mut u8,
    d: &mut u64,
    reach: Reach<'_>,
    (masks, starts, ends): (&[u64; 256], u64, u64),
) -> (u128, u64) {
    let mut reached = 0u128;
    let mut ended = 0;
    for (k, &b) in bytes.iter().enumerate() {
        reached |= u128::from(reach.at(*prev, b)) << (8 * k);
        *prev = b;
        *d = ((*d << 1) | starts) & masks[usize::from(b)];
        ended |= *d & ends;
    }
    (reached, ended)
}

/// Stops for what a block found (`closed`: positions of the block that are past the text);
/// returns the carry into the next block.
#[inline(always)]
fn report(
    on: &mut impl FnMut(Spot),
    first: usize,
    d_before: u64,
    ended: u64,
    reached: u128,
    carry: u64,
    closed: u64,
) -> u64 {
    if ended != 0 {
        stop(
            on,
            Spot::ClassEnds {
                first,
                state: d_before,
            },
        );
    }
    let state = reached as u64 | carry | closed;
    if state != u64::MAX {
        stop(on, Spot::Keywords { first, state });
    }
    (reached >> 64) as u64
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

    fn keyword_events_of(keywords: &[(&str, usize)], text: &str) -> Vec<(usize, usize, usize)> {
        let pairs: Vec<(String, usize)> =
            keywords.iter().map(|&(k, r)| (k.to_owned(), r)).collect();
        let pass = TriggerPass::build(&pairs, &[]).unwrap();
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
