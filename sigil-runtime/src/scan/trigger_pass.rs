//! The trigger pass over the text: it reports, per rule and in order of position, where a
//! rule must run. Keywords (ASCII case-insensitive) are found with a hashed trigram filter
//! (see `keyword_finder.rs`); keyword-less rules are looked for through the byte classes of
//! their first bytes (see `class_prefix.rs`). Nothing else of the text is looked at again.
//!
//! (Before, one lazy DFA held every keyword and another the keyword-less rules' prefixes:
//! thousands of states whose transitions did not fit in L1, each byte's step waiting on the
//! last, 3-4 ns per byte. Both passes here do a few independent instructions per byte.)

use regex_syntax::hir::Hir;

use super::class_prefix::{ClassEnd, ClassLanes, class_prefix};
use super::error::ScanError;
use super::keyword_finder::{Filter, KeywordAt, KeywordFinder};

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

    /// Calls `f` for every keyword occurrence (once per rule listing it; in order of start,
    /// give or take a keyword's length) and every place where a keyword-less rule may match
    /// (in order of end per rule).
    ///
    /// One loop does the keyword filter and the first shift-and automaton: the filter's
    /// instructions are independent from byte to byte and fill the time the automaton's
    /// chain of dependent steps leaves idle.
    pub(crate) fn for_each(&self, text: &[u8], mut f: impl FnMut(Event)) {
        let finder = &self.keywords;
        let (lane, rest) = self.classes.lanes();
        let f = &mut f;
        let on = |spot| match spot {
            Spot::ClassEnd { end, state } => {
                lane.report(state, end, &mut |c| class_event(c, &mut *f));
            }
            Spot::Keyword { at, gram } => {
                finder.at(text, at, gram, &mut |k| keyword_events(k, &mut *f));
            }
        };
        match finder.short_firsts() {
            None => positions::<true>(text, lane.tables(), finder.filter(), on),
            Some(firsts) => {
                positions::<false>(text, lane.tables(), finder.filter(), on);
                let mut short = |i: usize| {
                    finder.short_at(text, i, &mut |k| keyword_events(k, &mut *f));
                };
                match *firsts {
                    [a] => memchr::memchr_iter(a, text).for_each(&mut short),
                    [a, b] => memchr::memchr2_iter(a, b, text).for_each(&mut short),
                    [a, b, c] => memchr::memchr3_iter(a, b, c, text).for_each(&mut short),
                    _ => {}
                }
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
    /// The shift-and automaton, in `state`, ends a class sequence at `end`.
    ClassEnd { end: usize, state: u64 },
    /// A keyword may be reported at `at`, whose four bytes are `gram`.
    Keyword { at: usize, gram: u32 },
}

/// The per-byte loop: steps the shift-and automaton `(masks, starts, ends)` and tests the
/// keyword filter at each position (short keywords too when `SHORT_TOO`), and calls `on`
/// where either has something. Not
/// inlined, so that the tables it reads are parameters the compiler keeps in registers.
#[inline(never)]
fn positions<const SHORT_TOO: bool>(
    text: &[u8],
    (masks, starts, ends): (&[u64; 256], u64, u64),
    filter: Filter<'_>,
    mut on: impl FnMut(Spot),
) {
    // At position i, `x` holds text[i..i + 4] (zero past the end); the filter folds case.
    let mut x = (0..3).fold(0, |x, j| {
        (x << 8) | text.get(j).map_or(0, |&b| u32::from(b))
    });
    let mut d = 0u64;
    let ahead = text.get(3..).unwrap_or_default();
    for (i, (&b, &next)) in text.iter().zip(ahead).enumerate() {
        x = (x << 8) | u32::from(next);
        d = ((d << 1) | starts) & masks[usize::from(b)];
        if d & ends != 0 {
            stop(
                &mut on,
                Spot::ClassEnd {
                    end: i + 1,
                    state: d,
                },
            );
        }
        if filter.candidate::<SHORT_TOO>(x, b) {
            stop(&mut on, Spot::Keyword { at: i, gram: x });
        }
    }
    for (i, &b) in text.iter().enumerate().skip(ahead.len()) {
        x <<= 8;
        d = ((d << 1) | starts) & masks[usize::from(b)];
        if d & ends != 0 {
            stop(
                &mut on,
                Spot::ClassEnd {
                    end: i + 1,
                    state: d,
                },
            );
        }
        if filter.candidate::<SHORT_TOO>(x, b) {
            stop(&mut on, Spot::Keyword { at: i, gram: x });
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
    fn short_keywords_are_found_by_memchr_or_in_the_loop_alike() {
        let text = "a@b +1 Q~x $2$ TOKEN@";
        // '@' and '+' only: a memchr pass.
        assert_eq!(
            keyword_events_of(&[("@", 0), ("+", 1), ("token", 2)], text),
            vec![(0, 1, 2), (0, 20, 21), (1, 4, 5), (2, 15, 20)]
        );
        // Five first bytes: in the loop.
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
        // A rule with a short and a long keyword: in the loop, in order.
        assert_eq!(
            keyword_events_of(&[("@", 0), ("token", 0)], text),
            vec![(0, 1, 2), (0, 15, 20), (0, 20, 21)]
        );
    }
}
