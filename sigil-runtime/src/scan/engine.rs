//! The compiled rule set and the scan of one byte string.
//!
//! 1. One lazy-DFA pass over the text finds every keyword (ASCII case-insensitive) and every
//!    end of a keyword-less rule's match. A keyword names rules and gives each a window around
//!    it; a match end gives its rule a window before it.
//! 2. (See `trigger_pass.rs` for why this is one DFA rather than Aho-Corasick plus a DFA.)
//! 3. A rule's windows arrive in order and overlapping ones are merged, so each rule's regex
//!    runs over every byte at most once: work is linear in the text for any input.
//! 4. Matches are validated, checked against the allow list, and overlaps resolved.

use std::ops::Range;
use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::Cache as DfaCache;
use regex_automata::meta;
use regex_automata::util::captures::Captures;
use regex_automata::util::pool::Pool;

use super::compiled_rule::{CompiledRule, parse_pattern};
use super::error::ScanError;
use super::hit::Hit;
use super::json_spans::Decoded;
use super::overlap::{Found, resolve};
use super::pack::Pack;
use super::trigger_pass::{Event, TriggerPass};

type ScratchFn = Box<dyn Fn() -> Scratch + Send + Sync + UnwindSafe + RefUnwindSafe>;

pub(crate) struct Engine {
    rules: Vec<CompiledRule>,
    triggers: Option<TriggerPass>,
    allow: Option<meta::Regex>,
    scratch: Pool<Scratch, ScratchFn>,
}

/// Per-scan working memory, reused across scans through a pool.
struct Scratch {
    /// For each rule, the window waiting to be run (merged with any overlapping successor).
    pending: Vec<Option<Range<usize>>>,
    /// For each rule, its capture slots, made the first time the rule runs.
    caps: Vec<Option<Captures>>,
    dfa_cache: Option<DfaCache>,
    found: Vec<Found>,
    json: Decoded,
}

impl Engine {
    pub(crate) fn compile(packs: &[Pack]) -> Result<Self, ScanError> {
        let mut rules = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut allow_hirs = Vec::new();
        for pack in packs {
            for rule in pack.rules() {
                if !seen.insert(rule.id.clone()) {
                    return Err(ScanError::DuplicateRule {
                        rule: rule.id.to_string(),
                    });
                }
                rules.push(CompiledRule::compile(rule, pack.origin())?);
            }
            for (index, pattern) in pack.allow_patterns().iter().enumerate() {
                let hir = parse_pattern(pattern).map_err(|reason| ScanError::InvalidAllow {
                    origin: pack.origin().to_owned(),
                    index,
                    reason,
                })?;
                allow_hirs.push(hir);
            }
        }
        let allow = if allow_hirs.is_empty() {
            None
        } else {
            let refs: Vec<_> = allow_hirs.iter().collect();
            Some(
                meta::Builder::new()
                    .build_many_from_hir(&refs)
                    .map_err(|e| ScanError::Compile {
                        reason: format!("allow list: {e}"),
                    })?,
            )
        };
        let mut pairs = Vec::new();
        for (index, pack_rule) in packs.iter().flat_map(|p| p.rules()).enumerate() {
            for kw in &pack_rule.keywords {
                pairs.push((kw.clone(), index));
            }
        }
        let keyword_less: Vec<_> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.keyword_less)
            .map(|(i, r)| (i, &r.hir))
            .collect();
        let triggers = TriggerPass::build(&pairs, &keyword_less)?;
        let rule_count = rules.len();
        let dfa = triggers.as_ref().map(TriggerPass::dfa);
        let make: ScratchFn = Box::new(move || Scratch {
            pending: vec![None; rule_count],
            caps: (0..rule_count).map(|_| None).collect(),
            dfa_cache: dfa.as_ref().map(|d| d.create_cache()),
            found: Vec::new(),
            json: Decoded::default(),
        });
        Ok(Self {
            rules,
            triggers,
            allow,
            scratch: Pool::new(make),
        })
    }

    pub(crate) fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Scans `text` and returns the resolved hits, sorted by start.
    pub(crate) fn scan(&self, text: &[u8]) -> Vec<Hit> {
        let mut guard = self.scratch.get();
        self.scan_in(&mut guard, text)
    }

    /// Scans raw JSON decoded (see `json_spans.rs`); spans are of `raw`.
    pub(crate) fn scan_json(&self, raw: &[u8]) -> Vec<Hit> {
        let mut guard = self.scratch.get();
        let scratch = &mut *guard;
        let mut json = std::mem::take(&mut scratch.json);
        let hits = if json.decode(raw) {
            let mut hits = self.scan_in(scratch, json.text());
            for hit in &mut hits {
                hit.span = json.raw_span(hit.span.clone());
            }
            hits
        } else {
            self.scan_in(scratch, raw)
        };
        json.release();
        scratch.json = json;
        hits
    }

    fn scan_in(&self, scratch: &mut Scratch, text: &[u8]) -> Vec<Hit> {
        scratch.found.clear();
        let len = text.len();
        if let Some(triggers) = &self.triggers {
            let mut cache = scratch.dfa_cache.take();
            let outcome = match cache.as_mut() {
                Some(cache) => triggers.for_each(cache, text, |event| {
                    let (r, window) = match event {
                        Event::Keyword { rule, start, end } => {
                            let rule_def = &self.rules[rule];
                            let from = end.saturating_sub(rule_def.back);
                            (rule, from..start.saturating_add(rule_def.fwd).min(len))
                        }
                        Event::MatchEnd { rule, end } => {
                            (rule, end.saturating_sub(self.rules[rule].back)..end)
                        }
                    };
                    self.push_window(scratch, text, r, window);
                }),
                None => Ok(()),
            };
            scratch.dfa_cache = cache;
            if outcome.is_err() {
                // The lazy DFA gave up (only possible with Unicode word boundaries on
                // non-ASCII text): run every rule over the whole text instead.
                for r in 0..self.rules.len() {
                    self.flush(scratch, text, r);
                    scratch.pending[r] = Some(0..len);
                }
            }
        }
        for r in 0..self.rules.len() {
            self.flush(scratch, text, r);
        }
        let found = std::mem::take(&mut scratch.found);
        let kept = resolve(found, |r| self.rules[r].priority);
        kept.into_iter()
            .map(|f| {
                let rule = &self.rules[f.rule];
                Hit {
                    rule: rule.id.clone(),
                    category: rule.category,
                    severity: rule.severity,
                    kind: rule.kind,
                    span: f.span,
                }
            })
            .collect()
    }

    fn push_window(&self, scratch: &mut Scratch, text: &[u8], r: usize, window: Range<usize>) {
        match &mut scratch.pending[r] {
            Some(p) if window.start <= p.end => p.end = p.end.max(window.end),
            slot => {
                if let Some(done) = slot.replace(window) {
                    self.run(scratch, text, r, done);
                }
            }
        }
    }

    fn flush(&self, scratch: &mut Scratch, text: &[u8], r: usize) {
        if let Some(done) = scratch.pending[r].take() {
            self.run(scratch, text, r, done);
        }
    }

    fn run(&self, scratch: &mut Scratch, text: &[u8], r: usize, window: Range<usize>) {
        let rule = &self.rules[r];
        let caps = scratch.caps[r].get_or_insert_with(|| rule.regex.create_captures());
        let found = &mut scratch.found;
        rule.run(text, window, caps, self.allow.as_ref(), |span| {
            found.push(Found { rule: r, span });
        });
    }
}
