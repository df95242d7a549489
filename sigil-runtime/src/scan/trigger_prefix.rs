//! What of a keyword-less rule's pattern goes into the trigger automaton: a short prefix.
//!
//! A whole pattern with long bounded repetitions (`[A-Z0-9]{11,30}`) makes the one automaton
//! of all triggers track many overlapping partial matches at once: its states multiply and
//! the lazy DFA spends its time building them. The trigger only has to say where a rule
//! *may* match, so it gets a prefix of the pattern, at most [`PREFIX_BUDGET`] bytes long at
//! its shortest, that matches at the start of every match of the pattern. The rule's own
//! regex then runs in a window from the prefix's earliest possible start to the longest
//! match after it.

use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};

/// How many bytes (counted by minimum length) a trigger prefix may take.
const PREFIX_BUDGET: usize = 16;

/// A pattern that matches, at the start of every match of `hir`, a prefix of that match; and
/// holds no Unicode word-boundary assertion (a lazy DFA gives up on those on non-ASCII text;
/// removing an assertion only makes the trigger match more often).
pub(crate) fn trigger_prefix(hir: &Hir) -> Hir {
    prefix(hir, PREFIX_BUDGET).0
}

/// The prefix within `budget` bytes, and whether it is the whole of `hir`.
fn prefix(hir: &Hir, budget: usize) -> (Hir, bool) {
    match hir.kind() {
        HirKind::Empty => (hir.clone(), true),
        HirKind::Look(look) => (without_unicode_look(*look, hir), true),
        HirKind::Literal(lit) => {
            if lit.0.len() <= budget {
                (hir.clone(), true)
            } else {
                (Hir::literal(lit.0[..budget.max(1)].to_vec()), false)
            }
        }
        HirKind::Class(_) => (hir.clone(), true),
        HirKind::Capture(Capture { sub, .. }) => prefix(sub, budget),
        HirKind::Concat(subs) => {
            let mut parts = Vec::new();
            let mut left = budget;
            for sub in subs {
                if left == 0 {
                    return (Hir::concat(parts), false);
                }
                let (p, whole) = prefix(sub, left);
                left = left.saturating_sub(p.properties().minimum_len().unwrap_or(0));
                parts.push(p);
                if !whole {
                    return (Hir::concat(parts), false);
                }
            }
            (Hir::concat(parts), true)
        }
        HirKind::Alternation(subs) => {
            let mut whole = true;
            let alts = subs
                .iter()
                .map(|sub| {
                    let (p, w) = prefix(sub, budget);
                    whole &= w;
                    p
                })
                .collect();
            (Hir::alternation(alts), whole)
        }
        HirKind::Repetition(rep) => {
            let unit = rep.sub.properties().minimum_len().unwrap_or(0).max(1);
            let fits = u32::try_from(budget / unit).unwrap_or(u32::MAX);
            let (sub, sub_whole) = prefix(&rep.sub, budget);
            if rep.min == 0 || fits == 0 {
                // The match may skip it (or it does not fit): the prefix ends before it.
                return (Hir::empty(), false);
            }
            if !sub_whole {
                return (sub, false);
            }
            let k = rep.min.min(fits);
            let whole = k == rep.min && rep.max == Some(rep.min);
            let rep = Repetition {
                min: k,
                max: Some(k),
                greedy: rep.greedy,
                sub: Box::new(sub),
            };
            (Hir::repetition(rep), whole)
        }
    }
}

fn without_unicode_look(look: Look, hir: &Hir) -> Hir {
    match look {
        Look::WordUnicode
        | Look::WordUnicodeNegate
        | Look::WordStartUnicode
        | Look::WordEndUnicode
        | Look::WordStartHalfUnicode
        | Look::WordEndHalfUnicode => Hir::empty(),
        _ => hir.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::compiled_rule::parse_pattern;

    fn prefix_of(pattern: &str) -> String {
        trigger_prefix(&parse_pattern(pattern).unwrap()).to_string()
    }

    #[test]
    fn long_repetitions_are_cut_to_the_budget() {
        let p = parse_pattern(r"(?-u:\b)[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30})(?-u:\b)").unwrap();
        let t = trigger_prefix(&p);
        // 2 + 2 + the repetition's minimum 11; the 12..30 tail is left to the rule's regex.
        assert_eq!(t.properties().maximum_len(), Some(15));
        assert_eq!(t.properties().minimum_len(), Some(15));
        let p = parse_pattern(r"[a-z]{4}[0-9]{20,40}").unwrap();
        let t = trigger_prefix(&p);
        assert_eq!(t.properties().maximum_len(), Some(PREFIX_BUDGET));
    }

    #[test]
    fn short_patterns_stay_whole_and_unicode_boundaries_go() {
        assert_eq!(
            prefix_of(r"(?-u:\b)ab(?-u:\b)"),
            parse_pattern(r"(?-u:\b)ab(?-u:\b)").unwrap().to_string()
        );
        assert_eq!(
            prefix_of(r"\bab\b"),
            parse_pattern("ab").unwrap().to_string()
        );
    }

    #[test]
    fn an_optional_part_ends_the_prefix() {
        let t = trigger_prefix(&parse_pattern(r"x(?:abc)?yz").unwrap());
        assert_eq!(t.properties().maximum_len(), Some(1));
    }
}
