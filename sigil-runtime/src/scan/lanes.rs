//! The shift-and pass over the class sequences of the keyword-less rules (see
//! `class_prefix.rs` for how the sequences are read off the patterns): per byte, one table
//! load, a shift, an or and an and. Each step waits on the last, so a lane steps three parts
//! of the text side by side. (An AVX-512 kernel that stepped sixteen parts in vectors saved
//! 4-7% of a whole `sigil scan` on external corpora, under the 10% that `unsafe` code must
//! earn here, and was removed: see docs/src/scan-packs.md.)

use super::class_prefix::ByteSet;
use super::keyword_finder::BLOCK;

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
            lane.for_each(text, &mut f);
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
    pub(crate) fn for_each(&self, text: &[u8], f: &mut impl FnMut(ClassEnd)) {
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
    use crate::scan::class_prefix::class_prefix;
    use crate::scan::compiled_rule::parse_pattern;

    proptest::proptest! {
        /// Stepping the text in three parts side by side finds what one pass from the start
        /// finds, at part edges too (texts long enough to be cut,
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
                let (mut parts, mut one) = (Vec::new(), Vec::new());
                lane.for_each(&text, &mut |e| parts.push((e.rule, e.end, e.len)));
                lane.run(0, &text, 0..text.len(), &mut |e| one.push((e.rule, e.end, e.len)));
                proptest::prop_assert_eq!(&parts, &one);
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
