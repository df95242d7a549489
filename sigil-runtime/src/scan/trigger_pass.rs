//! The trigger pass over the text: a lazy DFA holds every rule keyword (as an ASCII
//! case-insensitive literal) and reports, in order of position, where each ends; a second
//! one holds every keyword-less rule's trigger prefix. Each report names the rules to run and
//! where; nothing else of the text is looked at again.
//!
//! (One automaton for both is slower: the keyword-less prefixes, classes with counted
//! repetitions, multiply the states of the keyword automaton, and the lazy DFA then keeps
//! building states. Two passes over the text halve the scan's latency on the bench corpus.)

use std::sync::Arc;

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::{Input, MatchError, MatchKind};
use regex_syntax::hir::Hir;

use super::error::ScanError;
use super::trigger_prefix::trigger_prefix;

/// What one DFA pattern stands for.
enum Trigger {
    /// A keyword of this many bytes, listed by these rules.
    Keyword { len: usize, rules: Vec<usize> },
    /// The trigger prefix (see `trigger_prefix.rs`) of a keyword-less rule, and the longest
    /// match of that prefix.
    Rule { rule: usize, prefix_max: usize },
}

/// Where a rule must run.
pub(crate) enum Event {
    Keyword {
        rule: usize,
        start: usize,
        end: usize,
    },
    /// A keyword-less rule's trigger prefix ended at `end`; it is at most `prefix_max` long.
    PrefixEnd {
        rule: usize,
        end: usize,
        prefix_max: usize,
    },
}

pub(crate) struct TriggerPass {
    /// One automaton for the keywords and one for the keyword-less rules, each with the
    /// index in `triggers` of its first pattern.
    dfas: Vec<(Arc<DFA>, usize)>,
    triggers: Vec<Trigger>,
}

/// Working memory of the automata, one per scanning thread.
pub(crate) struct TriggerCache {
    caches: Vec<Cache>,
}

impl TriggerPass {
    /// `keywords`: `(keyword, rule)` pairs; `keyword_less`: `(rule, pattern)` pairs.
    pub(crate) fn build(
        keywords: &[(String, usize)],
        keyword_less: &[(usize, &Hir)],
    ) -> Result<Option<Self>, ScanError> {
        let mut triggers = Vec::new();
        let mut hirs: Vec<Hir> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (kw, rule) in keywords {
            let id = *index.entry(kw.as_str()).or_insert_with(|| {
                hirs.push(case_insensitive_literal(kw.as_bytes()));
                triggers.push(Trigger::Keyword {
                    len: kw.len(),
                    rules: Vec::new(),
                });
                triggers.len() - 1
            });
            if let Trigger::Keyword { rules, .. } = &mut triggers[id]
                && !rules.contains(rule)
            {
                rules.push(*rule);
            }
        }
        for (rule, hir) in keyword_less {
            let prefix = trigger_prefix(hir);
            let prefix_max = prefix.properties().maximum_len().unwrap_or(usize::MAX);
            hirs.push(prefix);
            triggers.push(Trigger::Rule {
                rule: *rule,
                prefix_max,
            });
        }
        if hirs.is_empty() {
            return Ok(None);
        }
        let compile_err = |e: String| ScanError::Compile {
            reason: format!("trigger automaton: {e}"),
        };
        let config = DFA::config()
            .match_kind(MatchKind::All)
            .unicode_word_boundary(true)
            .cache_capacity(8 << 20);
        // Two automata: keywords alone form a trie-like automaton with few states; the
        // keyword-less prefixes (classes and counted repetitions) multiply its states when
        // combined with it, and the lazy DFA then spends its time building states.
        let keyword_count = triggers
            .iter()
            .filter(|t| matches!(t, Trigger::Keyword { .. }))
            .count();
        let mut dfas = Vec::new();
        for (first, group) in [
            (0, &hirs[..keyword_count]),
            (keyword_count, &hirs[keyword_count..]),
        ] {
            if group.is_empty() {
                continue;
            }
            let nfa = thompson::Compiler::new()
                .configure(
                    thompson::Config::new()
                        .which_captures(thompson::WhichCaptures::None)
                        .nfa_size_limit(Some(64 << 20)),
                )
                .build_many_from_hir(group)
                .map_err(|e| compile_err(e.to_string()))?;
            let dfa = DFA::builder()
                .configure(config.clone())
                .build_from_nfa(nfa)
                .map_err(|e| compile_err(e.to_string()))?;
            dfas.push((Arc::new(dfa), first));
        }
        Ok(Some(Self { dfas, triggers }))
    }

    /// Makes the per-thread working memory for this pass.
    pub(crate) fn cache_maker(&self) -> impl Fn() -> TriggerCache + Send + Sync + 'static {
        let dfas: Vec<Arc<DFA>> = self.dfas.iter().map(|(d, _)| Arc::clone(d)).collect();
        move || TriggerCache {
            caches: dfas.iter().map(|d| d.create_cache()).collect(),
        }
    }

    /// Calls `f` for every keyword occurrence (once per rule listing it) and every end of a
    /// keyword-less rule's match, for each rule in order of end. Errors when the lazy DFA gives up (a
    /// Unicode word boundary on non-ASCII text); the caller then runs every rule over the
    /// whole text.
    pub(crate) fn for_each(
        &self,
        caches: &mut TriggerCache,
        text: &[u8],
        mut f: impl FnMut(Event),
    ) -> Result<(), MatchError> {
        for ((dfa, first), cache) in self.dfas.iter().zip(&mut caches.caches) {
            let sid = dfa.start_state_forward(cache, &Input::new(text))?;
            let (sid, _) = self.feed(dfa, *first, cache, sid, text, 0, &mut f)?;
            self.finish(dfa, *first, cache, sid, text.len(), &mut f)?;
        }
        Ok(())
    }

    /// Feeds `bytes` (which sit at position `base` of the text) to the automaton from state
    /// `sid` and returns the state after them and how many were fed (all of them). Reports
    /// every match on the way.
    ///
    /// An overlapping search written out over the lazy DFA's transition API, with a tight loop
    /// while no state of interest (match, unknown, dead, quit) is reached. Matches are delayed
    /// by one byte: entering a match state on the byte at `i` means matches ending at `i`.
    #[allow(clippy::too_many_arguments)]
    fn feed(
        &self,
        dfa: &DFA,
        first: usize,
        cache: &mut Cache,
        mut sid: LazyStateID,
        bytes: &[u8],
        base: usize,
        f: &mut impl FnMut(Event),
    ) -> Result<(LazyStateID, usize), MatchError> {
        let len = bytes.len();
        let mut at = 0;
        while at < len {
            let mut next;
            if sid.is_tagged() {
                next = dfa
                    .next_state(cache, sid, bytes[at])
                    .map_err(|_| MatchError::gave_up(base + at))?;
            } else {
                next = dfa.next_state_untagged(cache, sid, bytes[at]);
                while !next.is_tagged() {
                    sid = next;
                    at += 1;
                    if at == len {
                        return Ok((sid, len));
                    }
                    next = dfa.next_state_untagged(cache, sid, bytes[at]);
                }
                if next.is_unknown() {
                    next = dfa
                        .next_state(cache, sid, bytes[at])
                        .map_err(|_| MatchError::gave_up(base + at))?;
                }
            }
            if next.is_match() {
                self.report(dfa, first, cache, next, base + at, f);
            } else if next.is_quit() {
                return Err(MatchError::quit(bytes[at], base + at));
            }
            sid = next;
            at += 1;
        }
        Ok((sid, len))
    }

    /// Ends the text (of `len` bytes): reports matches that end at its very end.
    fn finish(
        &self,
        dfa: &DFA,
        first: usize,
        cache: &mut Cache,
        sid: LazyStateID,
        len: usize,
        f: &mut impl FnMut(Event),
    ) -> Result<(), MatchError> {
        let eoi = dfa
            .next_eoi_state(cache, sid)
            .map_err(|_| MatchError::gave_up(len))?;
        if eoi.is_match() {
            self.report(dfa, first, cache, eoi, len, f);
        }
        Ok(())
    }

    fn report(
        &self,
        dfa: &DFA,
        first: usize,
        cache: &Cache,
        sid: LazyStateID,
        end: usize,
        f: &mut impl FnMut(Event),
    ) {
        for i in 0..dfa.match_len(cache, sid) {
            let pattern = dfa.match_pattern(cache, sid, i);
            match &self.triggers[first + pattern.as_usize()] {
                Trigger::Keyword { len, rules } => {
                    for &rule in rules {
                        f(Event::Keyword {
                            rule,
                            start: end - len,
                            end,
                        });
                    }
                }
                Trigger::Rule { rule, prefix_max } => f(Event::PrefixEnd {
                    rule: *rule,
                    end,
                    prefix_max: *prefix_max,
                }),
            }
        }
    }
}

/// A literal matching `bytes` with ASCII letters in either case.
fn case_insensitive_literal(bytes: &[u8]) -> Hir {
    Hir::concat(
        bytes
            .iter()
            .map(|&b| {
                let lower = b.to_ascii_lowercase();
                let upper = b.to_ascii_uppercase();
                if lower == upper {
                    Hir::literal(vec![b])
                } else {
                    Hir::class(regex_syntax::hir::Class::Bytes(
                        regex_syntax::hir::ClassBytes::new([
                            regex_syntax::hir::ClassBytesRange::new(upper, upper),
                            regex_syntax::hir::ClassBytesRange::new(lower, lower),
                        ]),
                    ))
                }
            })
            .collect(),
    )
}
