//! Overlapping hits resolve to the most specific rule: higher priority first, then the longer
//! span, then the earlier start, then the rule listed first.

use std::collections::BTreeMap;
use std::ops::Range;

/// A raw finding before overlap resolution: rule index and span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) rule: usize,
    pub(crate) span: Range<usize>,
}

/// Keeps, among overlapping findings, the best one by `priority(rule)`, length, start, rule
/// order. Returns the kept findings sorted by start. O(n log n).
pub(crate) fn resolve(mut found: Vec<Found>, priority: impl Fn(usize) -> i32) -> Vec<Found> {
    if found.len() <= 1 {
        return found;
    }
    found.sort_by(|a, b| {
        priority(b.rule)
            .cmp(&priority(a.rule))
            .then(b.span.len().cmp(&a.span.len()))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.rule.cmp(&b.rule))
    });
    // Kept spans are disjoint, so ordering them by start also orders them by end.
    let mut kept: BTreeMap<usize, Found> = BTreeMap::new();
    for f in found {
        let clash_before = kept
            .range(..=f.span.start)
            .next_back()
            .is_some_and(|(_, k)| k.span.end > f.span.start);
        let clash_after = kept
            .range(f.span.start..)
            .next()
            .is_some_and(|(_, k)| k.span.start < f.span.end);
        if !clash_before && !clash_after {
            kept.insert(f.span.start, f);
        }
    }
    kept.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: usize, span: Range<usize>) -> Found {
        Found { rule, span }
    }

    #[test]
    fn higher_priority_wins_over_longer_span() {
        let prio = |r: usize| if r == 1 { 10 } else { 0 };
        let kept = resolve(vec![f(0, 0..30), f(1, 5..10)], prio);
        assert_eq!(kept, vec![f(1, 5..10)]);
    }

    #[test]
    fn longer_span_wins_at_equal_priority_and_disjoint_hits_stay() {
        let kept = resolve(vec![f(0, 5..10), f(1, 0..12), f(2, 12..14)], |_| 0);
        assert_eq!(kept, vec![f(1, 0..12), f(2, 12..14)]);
    }

    #[test]
    fn same_span_from_two_rules_is_reported_once() {
        let kept = resolve(vec![f(3, 4..9), f(2, 4..9)], |_| 0);
        assert_eq!(kept, vec![f(2, 4..9)]);
    }
}
