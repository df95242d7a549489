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
//! [`ClassLanes`] packs the class sequences of all keyword-less rules into 64-bit lanes and
//! finds every position where one ends with the shift-and (bitap) algorithm: per byte, one
//! table load, a shift, an or and an and. Each step waits on the last, so a lane steps
//! three parts of the text side by side (see [`Lane::for_each`]), or, where the CPU has
//! AVX-512, sixteen parts in vectors (the `sigil-simd` crate). Card numbers
//! (`[2-6][0-9]{11,}` and spaced forms), IBANs and codice fiscale are thus looked for at
//! about 3 GB/s, and their regexes run only after a run of bytes that fits.

use regex_automata::nfa::thompson::{self, NFA, State};
use regex_automata::util::look::Look;
use regex_automata::util::primitives::StateID;
use regex_syntax::hir::Hir;
use sigil_simd::shift_and::{PARTS, ShiftAnd, TILE};

use super::error::ScanError;
use super::keyword_finder::BLOCK;

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

/// A class sequence's last byte matched at `end - 1`.
pub(crate) struct ClassEnd {
    pub(crate) rule: usize,
    /// Exclusive end of the sequence in the text.
    pub(crate) end: usize,
    /// Length of the sequence (its start is `end - len`).
    pub(crate) len: usize,
}

/// One 64-bit shift-and automaton for several rules' class sequences.
pub(crate) struct Lane {
    /// For each byte, the sequence positions (bits) it may take.
    masks: Box<[u64; 256]>,
    /// The first bit of each sequence.
    starts: u64,
    /// The last bit of each sequence.
    ends: u64,
    /// `(last bit, rule, length)` of each sequence.
    rules: Vec<(u32, usize, usize)>,
    /// The same automaton for AVX-512 (see the `sigil-simd` crate), if its masks take few
    /// enough values.
    vector: Option<ShiftAnd>,
}

/// Shift-and automata for the class sequences of all keyword-less rules.
pub(crate) struct ClassLanes {
    lanes: Vec<Lane>,
}

impl ClassLanes {
    /// `rules`: `(rule, class sequence)` pairs; empty sequences are left out.
    pub(crate) fn new(rules: &[(usize, Vec<ByteSet>)]) -> Self {
        let mut lanes: Vec<Lane> = Vec::new();
        let mut used = 64;
        for (rule, classes) in rules {
            let k = classes.len();
            if k == 0 {
                continue;
            }
            if used + k > 64 {
                lanes.push(Lane::empty());
                used = 0;
            }
            let Some(lane) = lanes.last_mut() else {
                continue;
            };
            for (j, class) in classes.iter().enumerate() {
                let bit = 1u64 << (used + j);
                for b in 0..=255u8 {
                    if class.contains(b) {
                        lane.masks[usize::from(b)] |= bit;
                    }
                }
            }
            lane.starts |= 1 << used;
            let last = used + k - 1;
            lane.ends |= 1 << last;
            lane.rules.push((last as u32, *rule, k));
            used += k;
        }
        for lane in &mut lanes {
            lane.vector = ShiftAnd::new(&lane.masks, lane.starts, lane.ends);
        }
        Self { lanes }
    }

    /// The automata, each for several rules.
    pub(crate) fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// Calls `f` for every position where a rule's class sequence ends, in order of end per
    /// rule.
    #[cfg(test)]
    fn for_each(&self, text: &[u8], mut f: impl FnMut(ClassEnd)) {
        for lane in &self.lanes {
            lane.for_each(text, &mut f, true);
        }
    }
}

impl Lane {
    fn empty() -> Self {
        Lane {
            masks: Box::new([0; 256]),
            starts: 0,
            ends: 0,
            rules: Vec::new(),
            vector: None,
        }
    }

    /// Reports the sequences that state `d`, reached after the byte at `end - 1`, ends.
    #[inline(never)]
    fn report(&self, d: u64, end: usize, f: &mut impl FnMut(ClassEnd)) {
        for &(last, rule, len) in &self.rules {
            if d >> last & 1 != 0 {
                f(ClassEnd { rule, end, len });
            }
        }
    }

    /// Runs this automaton over `text`, reporting every sequence end in order of position.
    ///
    /// Each step waits on the last (a shift, an or, an and: three cycles a byte), so the
    /// text is cut in three parts stepped side by side, each with its own state: the chains
    /// overlap. A part's state is first rebuilt from the 64 bytes before it (a state
    /// remembers no further back than its 64 bits), without reporting.
    ///
    /// With `vector`, where the CPU has AVX-512 and the text is long enough, sixteen parts
    /// are stepped side by side in vectors instead (see the `sigil-simd` crate), and only
    /// the 64-byte tiles in which a sequence ends are stepped again here.
    pub(crate) fn for_each(&self, text: &[u8], f: &mut impl FnMut(ClassEnd), vector: bool) {
        if let Some(kernel) = self
            .vector
            .as_ref()
            .filter(|_| vector && text.len() >= VECTOR_MIN)
        {
            let mut tiles = Vec::new();
            if kernel.run(text, &mut |tile, state| tiles.push((tile, state))) {
                tiles.sort_unstable_by_key(|&(tile, _)| tile);
                for (tile, state) in tiles {
                    self.run(state, text, tile..text.len().min(tile + TILE), f);
                }
                return;
            }
        }
        let part = text.len() / 3;
        if part < 4 * WARM_UP {
            self.run(0, text, 0..text.len(), f);
            return;
        }
        let blocks = |s: usize| text[s * part..(s + 1) * part].as_chunks::<BLOCK>().0;
        let mut ended = Vec::new();
        self.step_parts(
            [blocks(0), blocks(1), blocks(2)],
            [0, self.state_at(text, part), self.state_at(text, 2 * part)],
            &mut ended,
        );
        // Per part, in order of position.
        ended.sort_by_key(|&(s, _, _)| s);
        let mut ended = ended.into_iter().peekable();
        for s in 0..3 {
            let base = s * part;
            while let Some((_, block, state)) = ended.next_if(|e| e.0 == s) {
                let at = base + block * BLOCK;
                self.run(state, text, at..at + BLOCK, f);
            }
            // The bytes of the part past its last whole block.
            let done = base + part / BLOCK * BLOCK;
            self.run(self.state_at(text, done), text, done..base + part, f);
        }
        self.run(self.state_at(text, 3 * part), text, 3 * part..text.len(), f);
    }

    /// Steps three parts of the same number of blocks side by side from states `d`; records
    /// `(part, block, state before it)` for each part of each block where some part ends a
    /// sequence (replaying one that ends none reports nothing).
    #[inline(never)]
    fn step_parts(
        &self,
        [a, b, c]: [&[[u8; BLOCK]]; 3],
        mut d: [u64; 3],
        ended: &mut Vec<(usize, usize, u64)>,
    ) {
        let step = |d: u64, b: u8| self.step(d, b);
        for (i, ((a, b), c)) in a.iter().zip(b).zip(c).enumerate() {
            let before = d;
            let mut any = 0;
            for k in 0..BLOCK {
                d = [step(d[0], a[k]), step(d[1], b[k]), step(d[2], c[k])];
                any |= d[0] | d[1] | d[2];
            }
            if any & self.ends != 0 {
                record(ended, i, before);
            }
        }
    }

    /// The state after reading `b` in state `d`.
    #[inline(always)]
    fn step(&self, d: u64, b: u8) -> u64 {
        ((d << 1) | self.starts) & self.masks[usize::from(b)]
    }

    /// The state before `text[at]`, rebuilt from the bytes before it.
    fn state_at(&self, text: &[u8], at: usize) -> u64 {
        text[at.saturating_sub(WARM_UP)..at]
            .iter()
            .fold(0, |d, &b| self.step(d, b))
    }

    /// Steps from state `d` over `range` of `text`, reporting the sequences ended there.
    fn run(
        &self,
        mut d: u64,
        text: &[u8],
        range: std::ops::Range<usize>,
        f: &mut impl FnMut(ClassEnd),
    ) {
        let start = range.start;
        for (i, &b) in text[range].iter().enumerate() {
            d = self.step(d, b);
            if d & self.ends != 0 {
                self.report(d, start + i + 1, f);
            }
        }
    }
}

/// Bytes a part's state is rebuilt from: as many as a state has bits.
const WARM_UP: usize = 64;

/// Texts shorter than this are stepped in scalar code: each of the vector kernel's parts
/// first steps 64 bytes before it.
const VECTOR_MIN: usize = 2 * PARTS * TILE;

/// Out of [`Lane::step_parts`]'s loop.
#[cold]
#[inline(never)]
fn record(ended: &mut Vec<(usize, usize, u64)>, block: usize, before: [u64; 3]) {
    for (part, state) in before.into_iter().enumerate() {
        ended.push((part, block, state));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::compiled_rule::parse_pattern;

    proptest::proptest! {
        /// Stepping the text in parts side by side, in scalar code or in vectors, finds what
        /// one pass from the start finds, at part edges too (texts long enough to be cut,
        /// sequences of 4 to 16 classes).
        #[test]
        fn parts_side_by_side_find_what_one_pass_finds(
            text in proptest::collection::vec(
                proptest::sample::select(b"0123456789 -ABZabz.".to_vec()), 0..6000),
        ) {
            let patterns = [
                r"[2-6][0-9]{11,18}",
                r"[A-Z]{2}[0-9]{2}[A-Z0-9 ]{10}",
                r"[a-z]{2}[0-9]{2}",
                r"[0-9]{3}-[0-9]{2}",
                r"[A-Za-z0-9. ]{16}",
            ];
            let rules: Vec<_> = patterns
                .iter()
                .enumerate()
                .map(|(i, p)| (i, class_prefix(&parse_pattern(p).unwrap()).unwrap()))
                .collect();
            for lane in ClassLanes::new(&rules).lanes() {
                let (mut parts, mut vector, mut one) = (Vec::new(), Vec::new(), Vec::new());
                lane.for_each(&text, &mut |e| parts.push((e.rule, e.end, e.len)), false);
                lane.for_each(&text, &mut |e| vector.push((e.rule, e.end, e.len)), true);
                lane.run(0, &text, 0..text.len(), &mut |e| one.push((e.rule, e.end, e.len)));
                proptest::prop_assert_eq!(&parts, &one);
                // Sixteen parts in vectors where the CPU has AVX-512 (else the same scalar
                // parts again): the masks here take few enough values.
                proptest::prop_assert!(lane.vector.is_some());
                proptest::prop_assert_eq!(&vector, &one);
            }
        }
    }

    fn ends(patterns: &[&str], text: &str) -> Vec<(usize, usize, usize)> {
        let rules: Vec<_> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| (i, class_prefix(&parse_pattern(p).unwrap()).unwrap()))
            .collect();
        let mut out = Vec::new();
        ClassLanes::new(&rules).for_each(text.as_bytes(), |e| out.push((e.rule, e.end, e.len)));
        out
    }

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

    #[test]
    fn every_match_start_is_reported_and_lanes_do_not_leak() {
        let card = r"[2-6][0-9]{11,18}";
        let iban = r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}";
        let text = "x 4111111111111111 y DE89370400440532013000 z";
        let got = ends(&[card, iban], text);
        // The card's 12 classes end 12 bytes after the `4` (a `1` cannot start them) and
        // after each 12 digits of the IBAN that begin with 2-6; the IBAN's 15 classes end
        // after its first 15 bytes; nothing ends in the prose.
        assert_eq!(
            got,
            vec![
                (0, 14, 12),
                (1, 36, 15),
                (0, 25 + 12, 12),
                (0, 28 + 12, 12),
                (0, 31 + 12, 12)
            ]
        );
        // Many rules: more than one lane.
        let many: Vec<&str> = std::iter::repeat_n(iban, 6).collect();
        let got = ends(&many, text);
        assert_eq!(
            (0..6).filter(|r| got.contains(&(*r, 21 + 15, 15))).count(),
            6
        );
    }
}
