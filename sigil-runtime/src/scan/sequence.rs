//! Patterns that are a plain sequence of byte classes, matched without an automaton.
//!
//! Most provider-token rules read `\b(?P<secret>ghp_[A-Za-z0-9]{36})\b`: literal bytes,
//! classes repeated a bounded or unbounded number of times, and look-around assertions, one
//! after the other. Where such a pattern cannot need backtracking, a match at a given start is
//! found by walking the steps once, each repetition taking as many bytes as it can. The walk
//! reads a few 32-byte class tables, where the rule's lazy DFA would read one transition
//! table row per byte of the match: on a server those rows are rarely still in the CPU caches
//! when the rule's next match comes (see `engine.rs`), and the capture search after the DFA
//! costs as much again.
//!
//! **When the greedy walk is exact.** The regex is leftmost-first: a greedy repetition tries
//! its longest run first and gives bytes back only when the rest of the pattern fails. A
//! repetition that may vary (`{m,n}` with `m < n`) whose class has no byte in common with the
//! classes of the steps after it, up to and including the first one that must read a byte,
//! never gets to: giving a byte back leaves a byte of its own class next, which that step
//! cannot read and the optional steps before it do not take. When no step after it must read
//! a byte, the pattern ends on optional steps and assertions: then the repetition must take at
//! least one byte, and each assertion there must be false between two bytes of its class
//! (`\b` after word bytes, `$` anywhere but at the end, `(?m:$)` if its class has no `\n`), so
//! that no shorter run can end a match either. A pattern that does not qualify (lazy
//! repetitions, groups repeated more than eight times, other assertions, too many sequences)
//! is left to its regex. Alternations, optional groups and groups repeated up to eight times are expanded into
//! several sequences (see [`Sequence::of`]). Property tests check the walk against the regex
//! on random patterns of these shapes and on the default pack's rules (184 of its 293 rules
//! are sequences).

use std::ops::Range;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use super::class_prefix::ByteSet;

/// A pattern as one or more sequences of steps, tried in the regex's order of preference.
pub(crate) struct Sequence {
    alternatives: Vec<Linear>,
}

/// One sequence of steps, with the steps of its reported group.
struct Linear {
    steps: Vec<Step>,
    /// Steps `group.start..group.end` make the reported span (all of them for the whole
    /// match).
    group: Range<usize>,
}

/// Most sequences a pattern is expanded to.
const MAX_ALTERNATIVES: usize = 128;
/// Largest count a repeated group is expanded to.
const MAX_GROUP_REPEAT: u32 = 8;

/// Steps being collected, with the reported group's steps once seen.
#[derive(Clone, Default)]
struct Partial {
    steps: Vec<Step>,
    marks: Option<Range<usize>>,
}

impl Partial {
    /// This followed by `next`.
    fn then(&self, next: &Partial) -> Partial {
        let offset = self.steps.len();
        let mut steps = self.steps.clone();
        steps.extend(next.steps.iter().cloned());
        let marks = self
            .marks
            .clone()
            .or_else(|| next.marks.clone().map(|m| m.start + offset..m.end + offset));
        Partial { steps, marks }
    }
}

/// Every `a` followed by every `b`, in the regex's order of preference (the first of `a`
/// with each of `b`, then the second...), or `None` past [`MAX_ALTERNATIVES`].
fn product(a: &[Partial], b: &[Partial]) -> Option<Vec<Partial>> {
    if a.len().saturating_mul(b.len()) > MAX_ALTERNATIVES {
        return None;
    }
    Some(a.iter().flat_map(|x| b.iter().map(|y| x.then(y))).collect())
}

#[derive(Clone)]
enum Step {
    /// Between `min` and `max` bytes of `set`, as many as there are.
    Bytes {
        set: ByteSet,
        min: usize,
        max: usize,
    },
    /// An assertion at the current position.
    Look(Look),
    /// One byte of `set`, or the end of the text (`(?:[^...]|$)`).
    ByteOrEnd(ByteSet),
}

impl Step {
    /// The bytes the step may read, and whether it must read one (or end the text).
    fn reads(&self) -> Option<(&ByteSet, bool)> {
        match self {
            Step::Bytes { set, min, .. } => Some((set, *min > 0)),
            Step::ByteOrEnd(set) => Some((set, true)),
            Step::Look(_) => None,
        }
    }
}

impl Sequence {
    /// The pattern `hir` as sequences, reporting capture group `group` (0: the whole match),
    /// when it is made of them and the greedy walk of each, in order, finds what the regex
    /// finds.
    ///
    /// Alternations, optional groups and groups repeated up to eight times are expanded into
    /// sequences in the order the regex prefers them (`(?:a|b)c` is `ac`, then `bc`; a greedy
    /// `x?` is `x`, then nothing). When no sequence can match other than by its greedy walk,
    /// the regex's match is that of the first sequence whose walk succeeds: it tries the
    /// sequences' paths in that order, and the others fail.
    pub(crate) fn of(hir: &Hir, group: usize) -> Option<Sequence> {
        let mut alternatives = Vec::new();
        for partial in flatten(hir, group)? {
            let group = match partial.marks {
                _ if group == 0 => 0..partial.steps.len(),
                Some(m) => m,
                None => return None,
            };
            let linear = Linear {
                steps: partial.steps,
                group,
            };
            if !linear.greedy_is_exact() {
                return None;
            }
            alternatives.push(linear);
        }
        Some(Sequence { alternatives })
    }

    /// The match starting at `at` and ending by `end` (bytes up to `end` are read; the
    /// assertions see all of `text`), as (whole match, reported span).
    ///
    /// Adds to `work` the bytes and steps the walks looked at.
    pub(crate) fn find_at(
        &self,
        text: &[u8],
        at: usize,
        end: usize,
        work: &mut usize,
    ) -> Option<(Range<usize>, Range<usize>)> {
        self.alternatives
            .iter()
            .find_map(|linear| linear.find_at(text, at, end, work))
    }
}

impl Linear {
    /// Whether no repetition ever has to give bytes back (see the module docs).
    fn greedy_is_exact(&self) -> bool {
        self.steps.iter().enumerate().all(|(i, step)| {
            let Step::Bytes { set, min, max } = step else {
                return true;
            };
            if min == max {
                return true;
            }
            for (other, must) in self.steps[i + 1..].iter().filter_map(Step::reads) {
                if !other.is_disjoint(set) {
                    return false;
                }
                if must {
                    return true;
                }
            }
            // Only optional steps and assertions follow: a shorter run would end the match
            // with a byte of `set` on both sides of each assertion.
            *min > 0
                && self.steps[i + 1..].iter().all(|s| match s {
                    Step::Look(look) => never_between(*look, set),
                    _ => true,
                })
        })
    }

    /// [`Sequence::find_at`] for this sequence.
    fn find_at(
        &self,
        text: &[u8],
        at: usize,
        end: usize,
        work: &mut usize,
    ) -> Option<(Range<usize>, Range<usize>)> {
        let end = end.min(text.len());
        let mut pos = at;
        // The position before each step, kept for the group's edges.
        let mut reported = at..at;
        for (i, step) in self.steps.iter().enumerate() {
            if i == self.group.start {
                reported.start = pos;
            }
            if i == self.group.end {
                reported.end = pos;
            }
            match step {
                Step::Bytes { set, min, max } => {
                    let limit = end.min(pos.saturating_add(*max)).max(pos);
                    let run = text[pos..limit]
                        .iter()
                        .position(|&b| !set.contains(b))
                        .unwrap_or(limit - pos);
                    *work += run + 1;
                    if run < *min {
                        return None;
                    }
                    pos += run;
                }
                Step::Look(look) => {
                    *work += 1;
                    if !holds(*look, text, pos) {
                        return None;
                    }
                }
                Step::ByteOrEnd(set) => {
                    *work += 1;
                    if pos < end && set.contains(text[pos]) {
                        pos += 1;
                    } else if pos != text.len() {
                        return None;
                    }
                }
            }
        }
        if self.group.start == self.steps.len() {
            reported.start = pos;
        }
        if self.group.end == self.steps.len() {
            reported.end = pos;
        }
        Some((at..pos, reported))
    }
}

/// The sequences `hir` expands to, in the regex's order of preference, with the steps of
/// capture group `group` marked where they are.
fn flatten(hir: &Hir, group: usize) -> Option<Vec<Partial>> {
    let one = |step: Step| {
        Some(vec![Partial {
            steps: vec![step],
            marks: None,
        }])
    };
    match hir.kind() {
        HirKind::Empty => Some(vec![Partial::default()]),
        HirKind::Literal(literal) => Some(vec![Partial {
            steps: literal
                .0
                .iter()
                .map(|&b| Step::Bytes {
                    set: ByteSet::of_range(b, b),
                    min: 1,
                    max: 1,
                })
                .collect(),
            marks: None,
        }]),
        HirKind::Class(_) => one(Step::Bytes {
            set: one_byte(hir)?,
            min: 1,
            max: 1,
        }),
        HirKind::Look(look) => {
            supported(*look).then_some(())?;
            one(Step::Look(*look))
        }
        HirKind::Repetition(rep) => {
            if !rep.greedy {
                return None;
            }
            if let Some(set) = one_byte(&rep.sub) {
                let max = rep.max.map_or(usize::MAX, |m| m as usize);
                if max == 0 {
                    return Some(vec![Partial::default()]);
                }
                return one(Step::Bytes {
                    set,
                    min: rep.min as usize,
                    max,
                });
            }
            // A group repeated up to eight times: each count, the most first.
            let max = rep.max.filter(|&m| m <= MAX_GROUP_REPEAT)?;
            let sub = flatten(&rep.sub, group)?;
            // The regex reports a repeated group's last round; left to it.
            if sub.iter().any(|p| p.marks.is_some()) {
                return None;
            }
            let mut counts = Vec::new();
            for count in (rep.min..=max).rev() {
                let mut repeated = vec![Partial::default()];
                for _ in 0..count {
                    repeated = product(&repeated, &sub)?;
                }
                counts.extend(repeated);
                if counts.len() > MAX_ALTERNATIVES {
                    return None;
                }
            }
            Some(counts)
        }
        HirKind::Capture(capture) => {
            let mut sub = flatten(&capture.sub, group)?;
            if capture.index as usize == group {
                for partial in &mut sub {
                    partial.marks = Some(0..partial.steps.len());
                }
            }
            Some(sub)
        }
        HirKind::Concat(subs) => {
            let mut all = vec![Partial::default()];
            for sub in subs {
                all = product(&all, &flatten(sub, group)?)?;
            }
            Some(all)
        }
        HirKind::Alternation(subs) => match subs.as_slice() {
            [byte, end]
                if matches!(end.kind(), HirKind::Look(Look::End)) && one_byte(byte).is_some() =>
            {
                one(Step::ByteOrEnd(one_byte(byte)?))
            }
            _ => {
                let mut all = Vec::new();
                for sub in subs {
                    all.extend(flatten(sub, group)?);
                    if all.len() > MAX_ALTERNATIVES {
                        return None;
                    }
                }
                Some(all)
            }
        },
    }
}

/// The bytes of a pattern that reads exactly one byte: a class or a one-byte literal.
fn one_byte(hir: &Hir) -> Option<ByteSet> {
    let mut set = ByteSet::default();
    match hir.kind() {
        HirKind::Literal(literal) if literal.0.len() == 1 => {
            set = ByteSet::of_range(literal.0[0], literal.0[0]);
        }
        HirKind::Class(Class::Bytes(class)) => {
            for r in class.ranges() {
                set.add_range(r.start(), r.end());
            }
        }
        // A Unicode class stands for one byte only when all of it is ASCII.
        HirKind::Class(Class::Unicode(class)) => {
            for r in class.ranges() {
                let (start, end) = (u8::try_from(r.start()).ok()?, u8::try_from(r.end()).ok()?);
                if end > 0x7f {
                    return None;
                }
                set.add_range(start, end);
            }
        }
        _ => return None,
    }
    Some(set)
}

fn supported(look: Look) -> bool {
    matches!(
        look,
        Look::Start
            | Look::End
            | Look::StartLF
            | Look::EndLF
            | Look::WordAscii
            | Look::WordAsciiNegate
    )
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `look` holds at `pos` of `text`, as the regex crate has it.
fn holds(look: Look, text: &[u8], pos: usize) -> bool {
    let before = pos.checked_sub(1).map(|p| text[p]);
    let after = text.get(pos).copied();
    let word = |b: Option<u8>| b.is_some_and(is_word);
    match look {
        Look::Start => pos == 0,
        Look::End => pos == text.len(),
        Look::StartLF => before.is_none_or(|b| b == b'\n'),
        Look::EndLF => after.is_none_or(|b| b == b'\n'),
        Look::WordAscii => word(before) != word(after),
        Look::WordAsciiNegate => word(before) == word(after),
        _ => false,
    }
}

/// Whether `look` is false wherever the bytes on both sides are in `set`.
fn never_between(look: Look, set: &ByteSet) -> bool {
    let words = (0..=255u8).filter(|&b| set.contains(b)).map(is_word);
    match look {
        Look::Start | Look::End => true,
        Look::StartLF | Look::EndLF => !set.contains(b'\n'),
        Look::WordAscii => {
            let mut words = words;
            match words.next() {
                Some(first) => words.all(|w| w == first),
                None => true,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::compiled_rule::parse_pattern;
    use regex_automata::meta;
    use regex_automata::{Anchored, Input};

    /// The regex's anchored match at `at` (range ending at `end`): whole match and group.
    fn by_regex(
        re: &meta::Regex,
        group: usize,
        text: &[u8],
        at: usize,
        end: usize,
    ) -> Option<(Range<usize>, Range<usize>)> {
        let mut caps = re.create_captures();
        let input = Input::new(text).range(at..end).anchored(Anchored::Yes);
        re.search_captures(&input, &mut caps);
        let whole = caps.get_match()?.range();
        let reported = caps.get_group(group).map(|s| s.range());
        Some((whole.clone(), reported.unwrap_or(whole)))
    }

    fn compare(pattern: &str, group: usize, text: &[u8]) -> bool {
        let hir = parse_pattern(pattern).unwrap();
        let Some(seq) = Sequence::of(&hir, group) else {
            return false;
        };
        let re = meta::Builder::new().build_from_hir(&hir).unwrap();
        for at in 0..=text.len() {
            for end in [text.len(), (at + 3).min(text.len())] {
                let ours = seq.find_at(text, at, end, &mut 0);
                let theirs = by_regex(&re, group, text, at, end);
                assert_eq!(
                    ours,
                    theirs,
                    "pattern {pattern:?} text {:?} at {at} end {end}",
                    String::from_utf8_lossy(text)
                );
            }
        }
        true
    }

    #[test]
    fn token_shapes_are_sequences_and_match_as_the_regex_does() {
        let text = b"x ghp_abcdefghij0123456789ABCDEFGHIJabcdefgh ghp_short.ghp_abcdefghij0123456789ABCDEFGHIJabcd";
        assert!(compare(
            r"(?-u)(?-u:\b)(?P<secret>ghp_[A-Za-z0-9]{36})(?-u:\b)",
            1,
            text
        ));
        assert!(compare(
            r"(?-u)(?-u:\b)(?P<secret>ghp_[A-Za-z0-9]{30,})(?:[^A-Za-z0-9_-]|$)",
            1,
            text
        ));
        assert!(compare(r"(?i-u:GHP_)[a-z]{2,}", 0, text));
    }

    #[test]
    fn patterns_that_may_backtrack_are_left_to_the_regex_and_others_are_sequences() {
        let left_to_the_regex = [
            // Overlapping classes: `[a-z]{1,5}` may have to leave a byte to `a`.
            r"[a-z]{1,5}a",
            // ... also through an optional step.
            r"[a-z]{1,5}[0-9]?a",
            // A shorter run could end the match where `\B` holds.
            r"(?-u)x[a-z]{1,5}\B",
            // A run that may be empty, then an assertion.
            r"(?-u)x[a-z]{0,5}\b",
            // ... also in one branch of an alternation.
            r"(?:[a-z]{1,3}|b)a",
            // Lazy repetitions, groups repeated many times, Unicode classes.
            r"x[a-z]{1,5}?",
            r"(?:ab){2,9}",
            r"\w{3}",
        ];
        let sequences = [
            r"[a-z]{1,5}[0-9]",
            r"[a-z]{1,5}[0-9]?-",
            r"(?-u)x[a-z]{1,5}\b",
            r"(?-u)x[a-z]{3}\w",
            // Alternations, optional and repeated groups: expanded into sequences.
            r"(?:ab|cd)x",
            r"(?:ab){2}",
            r"(?-u)\b(?:AKIA|ASIA|A3T[A-Z0-9])[A-Z2-7]{16}\b",
            r"[2-6][0-9]{3}(?:[ -][0-9]{4}){3}(?:[0-9]{3})?",
        ];
        let is = |p: &str| Sequence::of(&parse_pattern(p).unwrap(), 0).is_some();
        for p in left_to_the_regex {
            assert!(!is(p), "{p} is walked");
        }
        // The reported group repeated: the regex reports its last round.
        let repeated = parse_pattern(r"(?:(?P<secret>[a-z])1){2}").unwrap();
        assert!(Sequence::of(&repeated, 1).is_none());
        assert!(compare(r"(?:(?P<secret>[a-z])1){2}", 0, b"a1b1"));
        for p in sequences {
            assert!(is(p), "{p} is left to the regex");
        }
    }

    #[test]
    fn every_default_pack_sequence_matches_its_examples_as_the_regex_does() {
        let pack = crate::scan::Pack::embedded_default().unwrap();
        let mut sequences = 0;
        for rule in pack.rules() {
            let hir = parse_pattern(&rule.pattern).unwrap();
            let re = meta::Builder::new().build_from_hir(&hir).unwrap();
            let info = re.group_info();
            let group = info
                .to_index(regex_automata::PatternID::ZERO, "secret")
                .unwrap_or(usize::from(
                    info.group_len(regex_automata::PatternID::ZERO) > 1,
                ));
            let Some(seq) = Sequence::of(&hir, group) else {
                continue;
            };
            sequences += 1;
            for text in rule.examples.iter().chain(&rule.negative) {
                let text = text.as_bytes();
                for at in 0..=text.len() {
                    assert_eq!(
                        seq.find_at(text, at, text.len(), &mut 0),
                        by_regex(&re, group, text, at, text.len()),
                        "rule {} text {text:?} at {at}",
                        rule.id
                    );
                }
            }
        }
        // Most provider-token rules are sequences.
        assert!(sequences > 100, "only {sequences} sequences");
    }

    /// Pieces of random patterns: literal bytes, classes, repetitions, assertions.
    fn piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let one_of = |items: &'static [&'static str]| {
            proptest::sample::select(items).prop_map(str::to_owned)
        };
        let atom = one_of(&["a", "-", "[a-c]", "[0-9a]", "[^a]", "[ \\n]", "[_b]"]);
        let look = one_of(&[r"\b", r"\B", "$", "^", "(?m:$)", "(?m:^)", "(?:[^a-c]|$)"]);
        let branches = one_of(&[
            "(?:a|b-)",
            "(?:ab|a)",
            "(?:[0-9]a)?",
            "(?:a[0-9]){1,2}",
            "(?:[a-c]{1,3}|_)",
            "(?:-|[ \\n]{2})",
        ]);
        prop_oneof![
            1 => branches,
            3 => (atom.clone(), 0..4u32, 0..4u32, any::<bool>()).prop_map(|(a, m, extra, open)| {
                if open {
                    format!("{a}{{{m},}}")
                } else {
                    format!("{a}{{{m},{}}}", m + extra)
                }
            }),
            2 => atom,
            1 => look,
            1 => Just("(?P<secret>".to_owned()),
            1 => Just(")".to_owned()),
        ]
    }

    proptest::proptest! {
        /// On random patterns of the shapes above (with alternations, optional and repeated
        /// groups), the walk finds what the regex finds at every start, or the pattern is
        /// left to the regex.
        #[test]
        fn random_sequences_match_as_the_regex_does(
            pieces in proptest::collection::vec(piece(), 1..7),
            text in proptest::collection::vec(
                proptest::sample::select(b"aab-c0_ \n9xz".to_vec()), 0..24),
        ) {
            // Balance the group parentheses; patterns that do not parse are skipped.
            let mut pattern = String::from("(?-u)");
            let mut open = false;
            for p in &pieces {
                match p.as_str() {
                    "(?P<secret>" if open => {}
                    ")" if !open => {}
                    "(?P<secret>" => { open = true; pattern.push_str(p); }
                    ")" => { open = false; pattern.push_str(p); }
                    _ => pattern.push_str(p),
                }
            }
            if open {
                pattern.push(')');
            }
            let Ok(hir) = parse_pattern(&pattern) else { return Ok(()); };
            if hir.properties().minimum_len() == Some(0) {
                return Ok(());
            }
            let group = usize::from(pattern.contains("(?P<secret>"));
            compare(&pattern, group, &text);
        }
    }
}
