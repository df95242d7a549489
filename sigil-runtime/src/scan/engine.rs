//! The compiled rule set and the scan of one byte string.
//!
//! 1. One pass over the text finds every keyword (ASCII case-insensitive) and every place
//!    where a keyword-less rule may match (see `trigger_pass.rs`).
//! 2. A rule whose matches begin at most a few bytes before their keyword (most rules; see
//!    `keyword_lead.rs`) is searched anchored there, once the bytes at the start and after
//!    the keyword fit what the pattern allows (see `class_prefix.rs`): a search that fails
//!    stops as soon as the pattern cannot match, usually a few bytes on, and no start
//!    position is searched twice. A keyword-less rule is searched anchored where its run of
//!    byte classes starts.
//! 3. Other rules get a window around each keyword; a rule's windows arrive in order and
//!    overlapping ones are merged, so its regex runs over every byte at most once: work is
//!    linear in the text for any input.
//! 4. Matches are validated, checked against the allow list, and overlaps resolved.
//!
//! Raw JSON with escapes is decoded whole first (a copy eight bytes at a time) and scanned as
//! text; hits map back to raw spans through the recorded escapes (see `json_spans.rs`).

use std::ops::Range;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::meta;
use regex_automata::util::captures::Captures;
use regex_automata::util::pool::Pool;

use super::compiled_rule::{CompiledRule, MAX_ANCHORED_TRIES, parse_pattern};
use super::error::ScanError;
use super::hit::Hit;
use super::json_spans::{Escape, decode_from, raw_span};
use super::keyword_finder::FollowOf;
use super::overlap::{Found, resolve};
use super::pack::Pack;
use super::trigger_pass::{Event, TriggerPass};

type ScratchFn = Box<dyn Fn() -> Scratch + Send + Sync + UnwindSafe + RefUnwindSafe>;

pub(crate) struct Engine {
    rules: Arc<[CompiledRule]>,
    triggers: TriggerPass,
    allow: Option<meta::Regex>,
    scratch: Pool<Scratch, ScratchFn>,
}

/// Per-scan working memory, reused across scans through a pool.
struct Scratch {
    /// For each windowed rule, the window waiting to be run (merged with any overlapping
    /// successor).
    pending: Vec<Option<Range<usize>>>,
    /// For each anchored rule, its last match (starts inside it are not searched).
    covered: Vec<Range<usize>>,
    /// For each anchored rule, how many bytes its anchored searches may have read in this
    /// scan (counting the most each can read); past the scan's budget it is searched in
    /// windows.
    used: Vec<usize>,
    /// The rules whose `used` and `covered` entries this scan (or the last) changed: only
    /// those are reset, at the start of the next scan (so a scan that panicked leaves
    /// nothing stale), instead of 293 entries of each per scan.
    touched: Vec<usize>,
    /// For each rule, its regex cache and capture slots, made the first time the rule runs.
    searchers: Vec<Option<(meta::Cache, Captures)>>,
    /// Anchored searches waiting to be run, rule by rule (see [`DEFER`]).
    deferred: Vec<Deferred>,
    found: Vec<Found>,
    /// Escapes of the JSON being scanned.
    escapes: Vec<Escape>,
    /// The JSON being scanned, decoded.
    decoded: Vec<u8>,
}

impl Scratch {
    /// Takes `cost` from rule `r`'s budget for this scan, if it has that much left.
    fn spend(&mut self, r: usize, cost: usize, budget: usize) -> bool {
        let used = self.used[r];
        if cost > budget.saturating_sub(used) {
            return false;
        }
        if used == 0 {
            self.touched.push(r);
        }
        // A cost of 0 still marks the rule touched once: `covered` may change.
        self.used[r] = used + cost.max(1);
        true
    }
}

/// An anchored search to run.
#[derive(Clone)]
struct Deferred {
    rule: usize,
    at: usize,
}

/// Anchored searches are collected during the trigger pass and run rule by rule, up to this
/// many at a time: a rule's lazy DFA, captures and validators stay in the CPU caches from
/// one of its searches to the next, instead of being evicted by 300 other rules and the text
/// in between (on the bench corpus a match cost about 2 µs cold). Per rule the order of
/// positions is kept, which is what skipping starts inside the last match needs.
const DEFER: usize = 4096;

/// Per byte of text, how many bytes a rule's anchored searches may read in a scan...
const ANCHORED_WORK_PER_BYTE: usize = 4;
/// ... plus this many.
const ANCHORED_WORK_FREE: usize = 1 << 16;
/// Escape lists above this many entries are not kept between scans.
const KEEP_ESCAPES: usize = 1 << 16;
/// Decoded text above this size is not kept between scans. Above `sigil scan`'s chunks (8 MiB
/// and an overlap), so that a stream reuses one buffer instead of faulting in a fresh one per
/// chunk (half of the page faults of a whole `sigil scan` of a JSONL file before).
const KEEP_DECODED: usize = 16 << 20;

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
                rules.push(CompiledRule::compile(
                    rule,
                    pack.origin(),
                    pack.is_embedded_default(),
                )?);
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
        // Each keyword with its rule and what may follow it in that rule's matches: an
        // occurrence followed by something else is no event at all (`nif` in
        // `significantly`, `server` in `server tests`).
        // (Asked when the keyword first occurs: see `compiled_rule.rs` on what is lazy.)
        let mut pairs = Vec::new();
        for (index, pack_rule) in packs.iter().flat_map(|p| p.rules()).enumerate() {
            for kw in &pack_rule.keywords {
                pairs.push((kw.clone(), index));
            }
        }
        let rules: Arc<[CompiledRule]> = rules.into();
        let follow: FollowOf = {
            let rules = rules.clone();
            Arc::new(move |keyword, rule| rules[rule].following(keyword))
        };
        let keyword_less: Vec<_> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.keyword_less)
            .map(|(i, r)| (i, &r.analysis().hir))
            .collect();
        let triggers = TriggerPass::build(&pairs, follow, &keyword_less)?;
        let rule_count = rules.len();
        let make: ScratchFn = Box::new(move || Scratch {
            pending: vec![None; rule_count],
            covered: vec![0..0; rule_count],
            used: vec![0; rule_count],
            touched: Vec::new(),
            searchers: (0..rule_count).map(|_| None).collect(),
            deferred: Vec::new(),
            found: Vec::new(),
            escapes: Vec::new(),
            decoded: Vec::new(),
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

    /// How many rules have been analysed so far (see `compiled_rule.rs`).
    #[cfg(test)]
    pub(crate) fn analysed(&self) -> usize {
        self.rules.iter().filter(|r| r.is_analysed()).count()
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
        let mut escapes = std::mem::take(&mut scratch.escapes);
        let mut decoded = std::mem::take(&mut scratch.decoded);
        escapes.clear();
        decode_from(raw, 0, 0, usize::MAX, &mut decoded, Some(&mut escapes));
        let mut hits = self.scan_text_in(scratch, &decoded);
        for hit in &mut hits {
            hit.span = raw_span(raw, &escapes, hit.span.clone());
        }
        if escapes.capacity() <= KEEP_ESCAPES {
            scratch.escapes = escapes;
        }
        if decoded.capacity() <= KEEP_DECODED {
            scratch.decoded = decoded;
        }
        hits
    }

    fn scan_text_in(&self, scratch: &mut Scratch, text: &[u8]) -> Vec<Hit> {
        scratch.found.clear();
        for r in scratch.touched.drain(..) {
            scratch.covered[r] = 0..0;
            scratch.used[r] = 0;
        }
        let len = text.len();
        // Anchored searches read at most `fwd` bytes each; a window search reads each byte
        // once. Allowing each rule a few times the text keeps the scan linear.
        let budget = len
            .saturating_mul(ANCHORED_WORK_PER_BYTE)
            .saturating_add(ANCHORED_WORK_FREE);
        self.triggers.for_each(text, |event| match event {
            Event::Keyword { rule, start, end }
                if self.rules[rule].analysis().offsets.is_some() =>
            {
                // The gates read a few bytes around the keyword, which are in the CPU cache
                // now: only starts that pass them wait for a search, and only those are
                // charged to the rule's budget (past it, a window).
                let r = &self.rules[rule];
                let a = r.analysis();
                let offsets = a.offsets.as_deref().unwrap_or_default();
                let afters = a.afters(&text[start..end]);
                let mut starts = [0usize; MAX_ANCHORED_TRIES];
                let mut n = 0;
                for (index, &o) in offsets.iter().enumerate().rev() {
                    let Some(at) = start.checked_sub(o) else {
                        continue;
                    };
                    if r.may_start_at(text, at)
                        && CompiledRule::may_follow(afters, text, end, index)
                        && let Some(slot) = starts.get_mut(n)
                    {
                        *slot = at;
                        n += 1;
                    }
                }
                if scratch.spend(rule, n.saturating_mul(a.fwd), budget) {
                    for &at in &starts[..n] {
                        self.defer(scratch, text, Deferred { rule, at });
                    }
                } else {
                    let (r, window) = self.window(event, len);
                    self.push_window(scratch, text, r, window);
                }
            }
            // A keyword-less rule's match starts where its class sequence does: one
            // anchored search there rather than a window.
            Event::PrefixEnd {
                rule,
                end,
                prefix_max,
            } if prefix_max > 0 && scratch.spend(rule, self.rules[rule].analysis().fwd, budget) => {
                let at = end - prefix_max;
                self.defer(scratch, text, Deferred { rule, at });
            }
            event => {
                let (r, window) = self.window(event, len);
                self.push_window(scratch, text, r, window);
            }
        });
        self.run_deferred(scratch, text);
        for r in 0..self.rules.len() {
            self.flush(scratch, text, r);
        }
        self.resolved(scratch)
    }

    fn defer(&self, scratch: &mut Scratch, text: &[u8], search: Deferred) {
        scratch.deferred.push(search);
        if scratch.deferred.len() >= DEFER {
            self.run_deferred(scratch, text);
        }
    }

    /// Runs the deferred anchored searches rule by rule (a stable sort keeps each rule's in
    /// order of position).
    fn run_deferred(&self, scratch: &mut Scratch, text: &[u8]) {
        let mut deferred = std::mem::take(&mut scratch.deferred);
        deferred.sort_by_key(|d| d.rule);
        for Deferred { rule, at } in deferred.drain(..) {
            self.anchored_at(scratch, text, rule, at);
        }
        scratch.deferred = deferred;
    }

    /// Searches rule `r` anchored at `at`, unless inside its last match.
    fn anchored_at(&self, scratch: &mut Scratch, text: &[u8], r: usize, at: usize) {
        let rule = &self.rules[r];
        if scratch.covered[r].contains(&at) {
            return;
        }
        let searcher = scratch.searchers[r].get_or_insert_with(|| {
            let regex = &rule.matcher().regex;
            (regex.create_cache(), regex.create_captures())
        });
        let found = &mut scratch.found;
        // One search's reading was charged to the rule's budget with its event; a walk over
        // several sequences may read more, charged here (past the budget, the rule's next
        // keywords get windows).
        let mut extra = 0;
        let allow = self.allow.as_ref();
        let end = rule.run_anchored(text, at, searcher, allow, &mut extra, |span| {
            found.push(Found { rule: r, span });
        });
        scratch.used[r] = scratch.used[r].saturating_add(extra);
        if let Some(end) = end {
            scratch.covered[r] = at..end;
        }
    }

    /// The rule an event triggers and the window its matches must lie in.
    fn window(&self, event: Event, len: usize) -> (usize, Range<usize>) {
        match event {
            Event::Keyword { rule, start, end } => {
                let r = self.rules[rule].analysis();
                let from = match r.lead {
                    Some(lead) => start.saturating_sub(lead),
                    None => end.saturating_sub(r.back),
                };
                (rule, from..start.saturating_add(r.fwd).min(len))
            }
            Event::PrefixEnd {
                rule,
                end,
                prefix_max,
            } => {
                // The match starts where the prefix does and reaches at most `fwd` beyond.
                let r = self.rules[rule].analysis();
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
                    encoding: None,
                }
            })
            .collect()
    }

    fn push_window(&self, scratch: &mut Scratch, text: &[u8], r: usize, window: Range<usize>) {
        match &mut scratch.pending[r] {
            // Windows of one rule arrive in order of keyword start; one from a shorter
            // keyword may begin a little before the pending one.
            Some(p) if window.start <= p.end => {
                p.start = p.start.min(window.start);
                p.end = p.end.max(window.end);
            }
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
        let (cache, caps) = scratch.searchers[r].get_or_insert_with(|| {
            let regex = &rule.matcher().regex;
            (regex.create_cache(), regex.create_captures())
        });
        let found = &mut scratch.found;
        rule.run(text, window, cache, caps, self.allow.as_ref(), |span| {
            found.push(Found { rule: r, span });
        });
    }
}
