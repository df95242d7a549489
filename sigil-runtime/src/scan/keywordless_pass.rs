//! Keyword-less rules: one lazy-DFA pass over the text with every keyword-less pattern at once
//! reports where each pattern's matches end; only those rules then run, in a window before
//! each end.

use std::sync::Arc;

use regex_automata::hybrid::dfa::{Cache, DFA, OverlappingState};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchError, MatchKind};
use regex_syntax::hir::Hir;

use super::error::ScanError;

pub(crate) struct KeywordlessPass {
    dfa: Arc<DFA>,
    /// For each DFA pattern, the rule index.
    rule_of: Vec<usize>,
}

impl KeywordlessPass {
    pub(crate) fn build(rules: &[(usize, &Hir)]) -> Result<Option<Self>, ScanError> {
        if rules.is_empty() {
            return Ok(None);
        }
        let hirs: Vec<&Hir> = rules.iter().map(|(_, h)| *h).collect();
        let compile_err = |e: String| ScanError::Compile {
            reason: format!("keyword-less automaton: {e}"),
        };
        let nfa = thompson::Compiler::new()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                thompson::Config::new()
                    .which_captures(thompson::WhichCaptures::None)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .build_many_from_hir(&hirs)
            .map_err(|e| compile_err(e.to_string()))?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .unicode_word_boundary(true)
                    .cache_capacity(4 << 20),
            )
            .build_from_nfa(nfa)
            .map_err(|e| compile_err(e.to_string()))?;
        Ok(Some(Self {
            dfa: Arc::new(dfa),
            rule_of: rules.iter().map(|(r, _)| *r).collect(),
        }))
    }

    pub(crate) fn dfa(&self) -> Arc<DFA> {
        Arc::clone(&self.dfa)
    }

    /// Calls `f(rule, match_end)` for every end of every keyword-less pattern's matches, in
    /// order of end. Errors when the lazy DFA gives up (a Unicode word boundary on non-ASCII
    /// text); the caller then falls back to running those rules over the whole text.
    pub(crate) fn for_each_end(
        &self,
        cache: &mut Cache,
        text: &[u8],
        mut f: impl FnMut(usize, usize),
    ) -> Result<(), MatchError> {
        let input = Input::new(text);
        let mut state = OverlappingState::start();
        loop {
            self.dfa
                .try_search_overlapping_fwd(cache, &input, &mut state)?;
            match state.get_match() {
                Some(m) => f(self.rule_of[m.pattern().as_usize()], m.offset()),
                None => return Ok(()),
            }
        }
    }

    /// The rules this pass covers.
    pub(crate) fn rules(&self) -> impl Iterator<Item = usize> + '_ {
        let mut seen: Vec<usize> = self.rule_of.clone();
        seen.dedup();
        seen.into_iter()
    }
}
