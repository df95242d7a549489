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

use regex_automata::meta;
use regex_automata::util::captures::Captures;
use regex_automata::util::pool::Pool;

use super::compiled_rule::{CompiledRule, parse_pattern};
use super::error::ScanError;
use super::hit::Hit;
use super::json_spans::{Escape, decode_from, locate, raw_span};
use super::overlap::{Found, resolve};
use super::pack::Pack;
use super::trigger_pass::{Event, TriggerCache, TriggerPass};

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
    dfa_cache: Option<TriggerCache>,
    found: Vec<Found>,
    /// Escapes of the JSON being scanned.
    escapes: Vec<Escape>,
    /// A window of JSON, decoded.
    window: Vec<u8>,
}

/// Decoded text kept before a JSON window: validators see 64 bytes before a match.
const CONTEXT_BEFORE: usize = 64;
/// Decoded text kept after a JSON window, for look-ahead (`\b`).
const CONTEXT_AFTER: usize = 8;
/// Escape lists above this many entries are not kept between scans.
const KEEP_ESCAPES: usize = 1 << 16;
/// Window buffers above this size are not kept between scans.
const KEEP_WINDOW: usize = 1 << 20;

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
        let make_cache = triggers.as_ref().map(TriggerPass::cache_maker);
        let make: ScratchFn = Box::new(move || Scratch {
            pending: vec![None; rule_count],
            caps: (0..rule_count).map(|_| None).collect(),
            dfa_cache: make_cache.as_ref().map(|make| make()),
            found: Vec::new(),
            escapes: Vec::new(),
            window: Vec::new(),
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
        self.scan_text_in(&mut guard, text)
    }

    /// Scans raw JSON decoded (see `json_spans.rs`); spans are of `raw`.
    pub(crate) fn scan_json(&self, raw: &[u8]) -> Vec<Hit> {
        if memchr::memchr(b'\\', raw).is_none() {
            // No escapes: the raw text is its own decoded text.
            return self.scan(raw);
        }
        let mut guard = self.scratch.get();
        let scratch = &mut *guard;
        scratch.found.clear();
        let mut escapes = std::mem::take(&mut scratch.escapes);
        escapes.clear();
        let mut complete = true;
        if let Some(triggers) = &self.triggers {
            let mut cache = scratch.dfa_cache.take();
            if let Some(cache) = cache.as_mut() {
                complete = triggers
                    .for_each_json(cache, raw, &mut escapes, |event, escapes| {
                        let (r, window) = self.window(event, raw.len());
                        self.push_window(scratch, Source::Json { raw, escapes }, r, window);
                    })
                    .is_ok();
            }
            scratch.dfa_cache = cache;
        }
        let mut hits = if complete {
            let source = Source::Json {
                raw,
                escapes: &escapes,
            };
            for r in 0..self.rules.len() {
                self.flush(scratch, source, r);
            }
            self.resolved(scratch)
        } else {
            // The lazy DFA gave up: decode the whole text and scan it the slow way.
            scratch.pending.iter_mut().for_each(|p| *p = None);
            escapes.clear();
            let mut decoded = Vec::new();
            decode_from(raw, 0, 0, usize::MAX, &mut decoded, Some(&mut escapes));
            self.scan_text_in(scratch, &decoded)
        };
        for hit in &mut hits {
            hit.span = raw_span(&escapes, hit.span.clone());
        }
        escapes.clear();
        if escapes.capacity() > KEEP_ESCAPES {
            escapes = Vec::new();
        }
        scratch.escapes = escapes;
        if scratch.window.capacity() > KEEP_WINDOW {
            scratch.window = Vec::new();
        }
        hits
    }

    fn scan_text_in(&self, scratch: &mut Scratch, text: &[u8]) -> Vec<Hit> {
        scratch.found.clear();
        let len = text.len();
        let source = Source::Text(text);
        if let Some(triggers) = &self.triggers {
            let mut cache = scratch.dfa_cache.take();
            let outcome = match cache.as_mut() {
                Some(cache) => triggers.for_each(cache, text, |event| {
                    let (r, window) = self.window(event, len);
                    self.push_window(scratch, source, r, window);
                }),
                None => Ok(()),
            };
            scratch.dfa_cache = cache;
            if outcome.is_err() {
                // The lazy DFA gave up (only possible with Unicode word boundaries on
                // non-ASCII text): run every rule over the whole text instead.
                for r in 0..self.rules.len() {
                    self.flush(scratch, source, r);
                    scratch.pending[r] = Some(0..len);
                }
            }
        }
        for r in 0..self.rules.len() {
            self.flush(scratch, source, r);
        }
        self.resolved(scratch)
    }

    /// The rule an event triggers and the window its matches must lie in.
    fn window(&self, event: Event, len: usize) -> (usize, Range<usize>) {
        match event {
            Event::Keyword { rule, start, end } => {
                let r = &self.rules[rule];
                let from = end.saturating_sub(r.back);
                (rule, from..start.saturating_add(r.fwd).min(len))
            }
            Event::PrefixEnd {
                rule,
                end,
                prefix_max,
            } => {
                // The match starts where the prefix does and reaches at most `fwd` beyond.
                let r = &self.rules[rule];
                let from = end.saturating_sub(prefix_max.min(r.back));
                (rule, from..end.saturating_add(r.fwd).min(len))
            }
        }
    }

    /// Resolves overlaps among the findings and makes them hits.
    fn resolved(&self, scratch: &mut Scratch) -> Vec<Hit> {
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

    fn push_window(
        &self,
        scratch: &mut Scratch,
        source: Source<'_>,
        r: usize,
        window: Range<usize>,
    ) {
        match &mut scratch.pending[r] {
            Some(p) if window.start <= p.end => p.end = p.end.max(window.end),
            slot => {
                if let Some(done) = slot.replace(window) {
                    self.run(scratch, source, r, done);
                }
            }
        }
    }

    fn flush(&self, scratch: &mut Scratch, source: Source<'_>, r: usize) {
        if let Some(done) = scratch.pending[r].take() {
            self.run(scratch, source, r, done);
        }
    }

    fn run(&self, scratch: &mut Scratch, source: Source<'_>, r: usize, window: Range<usize>) {
        let rule = &self.rules[r];
        let caps = scratch.caps[r].get_or_insert_with(|| rule.regex.create_captures());
        let found = &mut scratch.found;
        let allow = self.allow.as_ref();
        match source {
            Source::Text(text) => rule.run(text, window, caps, allow, |span| {
                found.push(Found { rule: r, span });
            }),
            Source::Json { raw, escapes } => {
                // Decode just the window, with context for look-around and validators.
                let (from, base) = locate(escapes, window.start.saturating_sub(CONTEXT_BEFORE));
                let want = window.end.saturating_add(CONTEXT_AFTER) - base;
                decode_from(raw, from, base, want, &mut scratch.window, None);
                let local = &scratch.window;
                let start = (window.start - base).min(local.len());
                let end = (window.end - base).min(local.len());
                rule.run(local, start..end, caps, allow, |span| {
                    found.push(Found {
                        rule: r,
                        span: span.start + base..span.end + base,
                    });
                });
            }
        }
    }
}

/// What a window's positions refer to.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Plain text, scanned as it is.
    Text(&'a [u8]),
    /// Raw JSON; positions are in its decoded text, described by the escapes seen so far.
    Json {
        raw: &'a [u8],
        escapes: &'a [Escape],
    },
}
