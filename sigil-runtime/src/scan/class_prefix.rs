//! Where a keyword-less rule may match, found without an automaton: the byte classes of the
//! first bytes of its matches, position by position, run through a shift-and pass.
//!
//! Every match of a pattern is at least its minimum length long, so for each of its first
//! `k` positions (up to that length, at most [`MAX_CLASS_PREFIX`]) the set of bytes a match
//! can have there is known from the pattern: [`class_prefix`] collects it by walking the
//! pattern's NFA `k` steps while ignoring which byte was read (look-around assertions are
//! passed as if they held, but for `^`/`\A` after the first byte, and before it too for
//! [`class_prefix_inside`]). Such a class sequence over-approximates the pattern, so a text
//! position where it does not match cannot begin a match.
//!
//! `lanes.rs` packs the class sequences of all keyword-less rules into 64-bit lanes and finds
//! every position where one ends with the shift-and (bitap) algorithm. Card numbers
//! (`[2-6][0-9]{11,}` and spaced forms), IBANs and codice fiscale are thus looked for at
//! several GB/s, and their regexes run only after a run of bytes that fits.
//!
//! The same walk tells what may follow a keyword in a match ([`classes_after`]), for the
//! keyword finder's and the anchored searches' gates.

use regex_automata::nfa::thompson::{self, NFA, State};
use regex_automata::util::look::Look;
use regex_automata::util::primitives::StateID;
use regex_syntax::hir::Hir;

use super::error::ScanError;

/// The longest class sequence kept per rule (longer ones are cut: still sound, less
/// selective).
pub(crate) const MAX_CLASS_PREFIX: usize = 16;

/// A 256-bit byte set.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    /// The set of `bytes`.
    #[cfg(test)]
    pub(crate) fn of(bytes: &[u8]) -> ByteSet {
        let mut set = ByteSet::default();
        bytes.iter().for_each(|&b| set.add_range(b, b));
        set
    }

    /// The bytes `start..=end`.
    pub(crate) fn of_range(start: u8, end: u8) -> ByteSet {
        let mut set = ByteSet::default();
        set.add_range(start, end);
        set
    }

    pub(crate) fn add_range(&mut self, start: u8, end: u8) {
        for b in start..=end {
            self.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
    }

    pub(crate) fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 != 0
    }

    /// Every byte.
    pub(crate) fn all() -> ByteSet {
        ByteSet([u64::MAX; 4])
    }

    /// The bytes in either set.
    pub(crate) fn union(&self, other: &ByteSet) -> ByteSet {
        ByteSet(std::array::from_fn(|i| self.0[i] | other.0[i]))
    }

    /// Whether no byte is in both sets.
    pub(crate) fn is_disjoint(&self, other: &ByteSet) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & b == 0)
    }
}

/// The byte classes of the first positions of every match of `hir` (at most
/// [`MAX_CLASS_PREFIX`], and no more than its minimum length).
pub(crate) fn class_prefix(hir: &Hir) -> Result<Vec<ByteSet>, ScanError> {
    Ok(class_prefix_of(hir, &Walk::new(hir)?))
}

/// [`class_prefix`] with the pattern's walk already made.
pub(crate) fn class_prefix_of(hir: &Hir, walk: &Walk) -> Vec<ByteSet> {
    class_prefix_from(hir, walk, walk.start())
}

/// [`class_prefix_of`] for matches that do not start at the start of the text (where `^`
/// and `\A` cannot hold): `(?:^|\n)[ ]+key` can then only start at a newline.
pub(crate) fn class_prefix_inside(hir: &Hir, walk: &Walk) -> Vec<ByteSet> {
    class_prefix_from(hir, walk, walk.start_inside())
}

fn class_prefix_from(hir: &Hir, walk: &Walk, start: States) -> Vec<ByteSet> {
    let min = hir.properties().minimum_len().unwrap_or(0);
    let mut current = start.ids;
    let mut classes = Vec::new();
    while classes.len() < min.min(MAX_CLASS_PREFIX) {
        if current.is_empty() {
            // No match gets this far: no byte fits.
            classes.push(ByteSet::default());
            break;
        }
        let (class, next) = walk.step(&current, None);
        classes.push(class);
        current = next.ids;
    }
    classes
}

/// How many bytes after a keyword [`classes_after`] describes, at most.
pub(crate) const MAX_CLASSES_AFTER: usize = 8;

/// What may follow a keyword in a match: the first byte's groups (bytes that lead the
/// pattern's NFA to the same states), each with the byte classes of the bytes after it.
#[derive(Clone)]
pub(crate) struct Follow {
    groups: Vec<(ByteSet, Vec<ByteSet>)>,
}

impl Follow {
    /// What allows exactly the bytes of `first` as the first byte after the keyword.
    #[cfg(test)]
    pub(crate) fn first_byte_in(first: &[u8]) -> Follow {
        Follow {
            groups: vec![(ByteSet::of(first), Vec::new())],
        }
    }

    /// Whether `bytes` (those after the keyword; fewer at the end of the text) fit.
    pub(crate) fn allows(&self, bytes: &[u8]) -> bool {
        let Some((&first, rest)) = bytes.split_first() else {
            return true;
        };
        self.groups.iter().any(|(group, classes)| {
            group.contains(first) && rest.iter().zip(classes).all(|(&b, c)| c.contains(b))
        })
    }
}

/// What may follow a keyword in a match that starts a given distance before it.
pub(crate) enum After {
    /// No match can start there.
    NoMatch,
    /// Anything: a match may end with the keyword.
    Anything,
    /// Bytes that fit.
    Fits(Follow),
}

/// What may follow a keyword in the matches of all the rules that list it, at any of their
/// keyword offsets: what [`After`] says, gathered.
#[derive(Clone, Default)]
pub(crate) enum Following {
    /// Anything (a rule searched in windows, or a match may end with the keyword).
    #[default]
    Anything,
    /// Bytes that fit one of these (none: the keyword is never part of a match).
    OneOf(Vec<Follow>),
}

impl Following {
    /// What fits either.
    pub(crate) fn or(self, other: Following) -> Following {
        match (self, other) {
            (Following::OneOf(mut a), Following::OneOf(b)) => {
                a.extend(b);
                Following::OneOf(a)
            }
            _ => Following::Anything,
        }
    }

    /// The bytes that may be first after the keyword, and second: a quick test before
    /// [`Following::allows`] (most occurrences that fail, fail there).
    pub(crate) fn first_two(&self) -> [ByteSet; 2] {
        let Following::OneOf(follows) = self else {
            return [ByteSet::all(); 2];
        };
        let mut sets = [ByteSet::default(); 2];
        for (group, classes) in follows.iter().flat_map(|f| &f.groups) {
            sets[0] = sets[0].union(group);
            sets[1] = sets[1].union(classes.first().unwrap_or(&ByteSet::all()));
        }
        sets
    }

    /// Whether `bytes` (those after the keyword; fewer at the end of the text) may follow.
    pub(crate) fn allows(&self, bytes: &[u8]) -> bool {
        match self {
            Following::Anything => true,
            Following::OneOf(follows) => follows.iter().any(|f| f.allows(bytes)),
        }
    }
}

/// For matches of `hir` that start `lead` bytes before an occurrence of `keyword` (ASCII
/// case-insensitive), what may follow the keyword. The lead bytes are taken to be any
/// bytes, so this over-approximates; but unlike [`class_prefix`] it follows only the
/// branches that can read the keyword there, and after the first byte only those that can
/// read that byte: `pass` followed by `ed` is told apart from `pwd` followed by a secret, and
/// `server` followed by ` r` from `server =x`.
pub(crate) fn classes_after(walk: &Walk, lead: usize, keyword: &[u8]) -> After {
    let mut states = walk.start();
    let mut reads = std::iter::repeat_n(None, lead).chain(keyword.iter().map(|&b| {
        let mut set = ByteSet::default();
        set.add_range(b.to_ascii_lowercase(), b.to_ascii_lowercase());
        set.add_range(b.to_ascii_uppercase(), b.to_ascii_uppercase());
        Some(set)
    }));
    loop {
        if states.can_match {
            // A match may end here: nothing after it is required.
            return After::Anything;
        }
        let Some(read) = reads.next() else { break };
        states = walk.step(&states.ids, read.as_ref()).1;
    }
    if states.ids.is_empty() {
        return After::NoMatch;
    }
    let mut groups = Vec::new();
    for (group, mut after) in walk.groups(&states.ids) {
        let mut classes = Vec::new();
        while !after.can_match && classes.len() + 1 < MAX_CLASSES_AFTER && !after.ids.is_empty() {
            let (class, next) = walk.step(&after.ids, None);
            classes.push(class);
            after = next;
        }
        groups.push((group, classes));
    }
    After::Fits(Follow { groups })
}

/// A pattern's NFA, walked a byte at a time with look-around assumed to hold.
pub(crate) struct Walk {
    nfa: NFA,
}

/// The NFA states a walk is in.
pub(crate) struct States {
    /// Those that read a byte, sorted.
    ids: Vec<StateID>,
    /// Whether a match state is reached.
    can_match: bool,
}

impl Walk {
    pub(crate) fn new(hir: &Hir) -> Result<Self, ScanError> {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(thompson::WhichCaptures::None)
                    .nfa_size_limit(Some(16 << 20)),
            )
            .build_from_hir(hir)
            .map_err(|e| ScanError::Compile {
                reason: format!("pattern prefix: {e}"),
            })?;
        Ok(Self { nfa })
    }

    /// The states a match starts in, anywhere (assertions assumed to hold).
    fn start(&self) -> States {
        self.closure([self.nfa.start_anchored()], true)
    }

    /// The states a match starts in away from the start of the text.
    fn start_inside(&self) -> States {
        self.closure([self.nfa.start_anchored()], false)
    }

    /// Reads one byte from `states`: of the bytes in `only` (any byte when `None`). Returns
    /// the class of bytes that can be read and the states after.
    fn step(&self, states: &[StateID], only: Option<&ByteSet>) -> (ByteSet, States) {
        let mut class = ByteSet::default();
        let mut next = Vec::new();
        let mut read = |start: u8, end: u8, to: StateID| {
            let mut any = false;
            for b in start..=end {
                if only.is_none_or(|o| o.contains(b)) {
                    class.add_range(b, b);
                    any = true;
                }
            }
            if any {
                next.push(to);
            }
        };
        for &id in states {
            match self.nfa.state(id) {
                State::ByteRange { trans } => read(trans.start, trans.end, trans.next),
                State::Sparse(sparse) => {
                    for t in sparse.transitions.iter() {
                        read(t.start, t.end, t.next);
                    }
                }
                State::Dense(dense) => {
                    for (b, &to) in (0..=255u8).zip(dense.transitions.iter()) {
                        if to != StateID::ZERO {
                            read(b, b, to);
                        }
                    }
                }
                _ => {}
            }
        }
        (class, self.closure(next, false))
    }

    /// The bytes that `states` can read, grouped by the states each leads to: `(bytes,
    /// states after)`.
    fn groups(&self, states: &[StateID]) -> Vec<(ByteSet, States)> {
        let mut by_next: Vec<(Vec<StateID>, ByteSet)> = Vec::new();
        for b in 0..=255u8 {
            let mut next = Vec::new();
            for &id in states {
                match self.nfa.state(id) {
                    State::ByteRange { trans } if trans.matches_byte(b) => next.push(trans.next),
                    State::Sparse(sparse) => next.extend(sparse.matches_byte(b)),
                    State::Dense(dense) => next.extend(dense.matches_byte(b)),
                    _ => {}
                }
            }
            if next.is_empty() {
                continue;
            }
            next.sort_unstable();
            next.dedup();
            match by_next.iter_mut().find(|(n, _)| *n == next) {
                Some((_, bytes)) => bytes.add_range(b, b),
                None => {
                    let mut bytes = ByteSet::default();
                    bytes.add_range(b, b);
                    by_next.push((next, bytes));
                }
            }
        }
        by_next
            .into_iter()
            .map(|(next, bytes)| (bytes, self.closure(next, false)))
            .collect()
    }

    /// The states reachable from `ids` without reading a byte (assertions assumed to hold,
    /// but for `^`/`\A` away from the start of the text: after a byte, or if not
    /// `at_start`).
    fn closure(&self, ids: impl IntoIterator<Item = StateID>, at_start: bool) -> States {
        let nfa = &self.nfa;
        let mut seen = vec![false; nfa.states().len()];
        let mut stack: Vec<StateID> = ids.into_iter().collect();
        let mut out = Vec::new();
        let mut can_match = false;
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id.as_usize()], true) {
                continue;
            }
            match nfa.state(id) {
                State::Look { look, .. } if *look == Look::Start && !at_start => {}
                State::Look { next, .. } | State::Capture { next, .. } => stack.push(*next),
                State::Union { alternates } => stack.extend(alternates.iter().copied()),
                State::BinaryUnion { alt1, alt2 } => stack.extend([*alt1, *alt2]),
                State::ByteRange { .. } | State::Sparse(_) | State::Dense(_) => out.push(id),
                State::Match { .. } => can_match = true,
                State::Fail => {}
            }
        }
        out.sort_unstable();
        States {
            ids: out,
            can_match,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::compiled_rule::parse_pattern;

    #[test]
    fn away_from_the_start_of_the_text_a_start_assertion_fails() {
        let hir = parse_pattern(r"(?:^|\n)[ \t]{1,24}token:").unwrap();
        let walk = Walk::new(&hir).unwrap();
        let anywhere = class_prefix_of(&hir, &walk);
        let inside = class_prefix_inside(&hir, &walk);
        assert!(anywhere[0].contains(b' ') && anywhere[0].contains(b'\n'));
        assert!(!inside[0].contains(b' ') && inside[0].contains(b'\n'));
        // Only at the start of the text, then nowhere else.
        let hir = parse_pattern(r"\Aab").unwrap();
        let walk = Walk::new(&hir).unwrap();
        assert!(class_prefix_of(&hir, &walk)[0].contains(b'a'));
        assert!(class_prefix_inside(&hir, &walk) == vec![ByteSet::default()]);
    }

    #[test]
    fn classes_follow_every_branch_up_to_the_minimum_length() {
        let c = class_prefix(&parse_pattern(r"(?-u:\b)(?:[2-6][0-9]{3}|3[47]x)").unwrap()).unwrap();
        assert_eq!(c.len(), 3);
        assert!(c[0].contains(b'2') && c[0].contains(b'6') && !c[0].contains(b'7'));
        assert!(c[1].contains(b'0') && !c[1].contains(b'x'));
        assert!(c[2].contains(b'x') && c[2].contains(b'9'));
    }

    #[test]
    fn what_follows_a_keyword_depends_on_the_branch_and_the_first_byte() {
        let hir = parse_pattern(
            r"(?i)(?:\b|_)(?:pass|pwd)[ \t]{0,2}[=:]x|passphrase=y|server ?=[^;]{1,9};",
        )
        .unwrap();
        let walk = Walk::new(&hir).unwrap();
        let follow = |lead, kw: &str| match classes_after(&walk, lead, kw.as_bytes()) {
            After::Fits(f) => f,
            _ => panic!("{kw} at {lead} should have a follow"),
        };
        // After `pass` at the match start: a blank, `=`, `:`, or `phrase` going on; the
        // `pwd` branch, whose value may be anything, is not mixed in.
        let pass = follow(0, "pass");
        for ok in ["=x", " :x", "\t=", "phrase=y", "PHRASE"] {
            assert!(pass.allows(ok.as_bytes()), "{ok}");
        }
        for no in ["ed", "\"", " r", "=y", "phrase=x", ""] {
            assert_eq!(pass.allows(no.as_bytes()), no.is_empty(), "{no}");
        }
        // After `_pass` (one byte of lead): only the first branch.
        assert!(!follow(1, "pass").allows(b"phrase=y"));
        // After `server`: the byte after the blank depends on the blank having been read.
        let server = follow(0, "server");
        assert!(server.allows(b" =a;") && server.allows(b"=a;"));
        assert!(!server.allows(b" r") && !server.allows(b"s"));
        // A keyword that cannot sit there: no match.
        assert!(matches!(classes_after(&walk, 3, b"pass"), After::NoMatch));
        assert!(matches!(classes_after(&walk, 0, b"token"), After::NoMatch));
    }
}
