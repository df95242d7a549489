//! The keyword prefilter: one Aho-Corasick pass over the text finds every occurrence of every
//! rule keyword (ASCII case-insensitive); only the rules a keyword names run, and only in a
//! window around it.

use aho_corasick::{AhoCorasick, MatchKind};

use super::error::ScanError;

pub(crate) struct KeywordPass {
    automaton: AhoCorasick,
    /// For each keyword (automaton pattern), the rules that listed it.
    rules_of: Vec<Vec<usize>>,
}

impl KeywordPass {
    /// Builds the pass from `(keyword, rule index)` pairs; `None` when there are no keywords.
    pub(crate) fn build(pairs: &[(String, usize)]) -> Result<Option<Self>, ScanError> {
        let mut keywords: Vec<&str> = Vec::new();
        let mut rules_of: Vec<Vec<usize>> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (kw, rule) in pairs {
            let id = *index.entry(kw.as_str()).or_insert_with(|| {
                keywords.push(kw);
                rules_of.push(Vec::new());
                keywords.len() - 1
            });
            if !rules_of[id].contains(rule) {
                rules_of[id].push(*rule);
            }
        }
        if keywords.is_empty() {
            return Ok(None);
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .map_err(|e| ScanError::Compile {
                reason: format!("keyword automaton: {e}"),
            })?;
        Ok(Some(Self {
            automaton,
            rules_of,
        }))
    }

    /// Calls `f(rule, keyword_start, keyword_end)` for every keyword occurrence and every rule
    /// that listed the keyword, in order of keyword end.
    pub(crate) fn for_each(&self, text: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        for m in self.automaton.find_overlapping_iter(text) {
            for &rule in &self.rules_of[m.pattern().as_usize()] {
                f(rule, m.start(), m.end());
            }
        }
    }
}
