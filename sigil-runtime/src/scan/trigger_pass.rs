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
use super::keyword_finder::{KeywordAt, KeywordFinder};

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
        let lower = |b: u8| u32::from(b.to_ascii_lowercase());
        // At position i, `x` holds text[i..i + 4] lowercased (zero past the end).
        let mut x = (0..3).fold(0, |x, j| (x << 8) | text.get(j).map_or(0, |&b| lower(b)));
        let mut d = 0u64;
        let mut step = |i: usize, b: u8, next: u8, x: &mut u32, d: &mut u64| {
            *x = (*x << 8) | lower(next);
            *d = lane.step(*d, b);
            if lane.ends(*d) {
                lane.report(*d, i + 1, &mut |c| class_event(c, &mut f));
            }
            if finder.candidate(*x, b) {
                finder.at(text, i, *x, &mut |k| keyword_events(k, &mut f));
            }
        };
        let body = text.len().saturating_sub(3);
        for (i, (&b, &next)) in text.iter().zip(&text[3.min(text.len())..]).enumerate() {
            step(i, b, next, &mut x, &mut d);
        }
        for (i, &b) in text.iter().enumerate().skip(body) {
            step(i, b, 0, &mut x, &mut d);
        }
        for lane in rest {
            lane.for_each(text, &mut |c| class_event(c, &mut f));
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
