//! One rule, compiled: its regex, which capture group it reports, and how far from a
//! keyword (or a keyword-less match end) its matches can reach.
//!
//! Two parts are built when first needed for the rules of the embedded default pack (a test
//! compiles every one of them): its [`Analysis`] (the parsed pattern, keyword offsets, windows
//! and what may follow each keyword, read off the pattern's NFA), on the rule's first keyword
//! event, and its [`Matcher`] (the regex, the class sequence and the start gates), on its first
//! search. A scan of a small input then builds only the rules whose keywords it holds, where
//! analysing the default pack's 293 rules took most of a start's CPU time. Any other pack's
//! rules are compiled whole at build time, so that a pattern that does not compile is refused
//! then.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use regex_automata::meta;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input, PatternID};
use regex_syntax::hir::Hir;

use super::class_prefix::{
    After, ByteSet, Following, Walk, class_prefix_inside, class_prefix_of, classes_after,
};
use super::error::ScanError;
use super::hit::{Category, Severity};
use super::keyword_lead::keyword_offsets;
use super::pack::Rule;
use super::sequence::Sequence;
use super::validators::Validator;
use crate::basics::DataKind;

/// How far before a keyword a match of an unbounded pattern may start.
const UNBOUNDED_BACK: usize = 512;
/// How far after a keyword a match of an unbounded pattern may end (a PEM block fits).
const UNBOUNDED_FWD: usize = 16 * 1024;
/// No window reaches further than this from its anchor, whatever the pattern says.
const WINDOW_CAP: usize = 64 * 1024;
/// A rule is searched anchored when a keyword gives at most this many start positions (the
/// gates then let through a few; each is charged to the rule's budget).
pub(crate) const MAX_ANCHORED_TRIES: usize = 32;

pub(crate) struct CompiledRule {
    pub(crate) id: Arc<str>,
    pub(crate) category: Category,
    pub(crate) severity: Severity,
    pub(crate) kind: DataKind,
    pub(crate) priority: i32,
    /// The regex and what searches need besides, built when first needed (see the module
    /// documentation).
    matcher: OnceLock<Matcher>,
    /// The pattern read for keyword offsets, windows and follow sets, also when first needed.
    analysis: OnceLock<Analysis>,
    pattern: Arc<str>,
    /// ASCII-lowercased keywords of the rule.
    keywords: Vec<Box<[u8]>>,
    validators: Vec<Validator>,
    pub(crate) keyword_less: bool,
}

/// What the pattern says of where a rule's matches lie.
pub(crate) struct Analysis {
    /// Offsets from a match's start where its keyword begins (see `keyword_lead.rs`), when
    /// there are few: the rule is searched anchored at a keyword's start minus each.
    pub(crate) offsets: Option<Vec<usize>>,
    /// The largest such offset, if known: windows start no further before a keyword.
    pub(crate) lead: Option<usize>,
    /// For anchored rules, per keyword (ASCII-lowercased) and per offset in `offsets`, what
    /// may follow the keyword in a match starting that far before it (see `class_prefix.rs`):
    /// a start whose keyword is followed by bytes that do not fit is not searched.
    follow: Vec<(Box<[u8]>, Vec<After>)>,
    /// Bytes before the anchor where a match may start.
    pub(crate) back: usize,
    /// Bytes after the anchor's start where a match may end.
    pub(crate) fwd: usize,
    /// The parsed pattern, kept for building the keyword-less automaton and the matcher.
    pub(crate) hir: Hir,
}

impl Analysis {
    /// Reads `pattern` for a rule listing `keywords` (ASCII-lowercased).
    fn of(pattern: &str, keywords: &[Box<[u8]>]) -> Result<Self, String> {
        let hir = parse_pattern(pattern)?;
        let props = hir.properties();
        if props.minimum_len() == Some(0) {
            return Err("pattern can match the empty string".into());
        }
        let max_len = props.maximum_len();
        let keyword_strs: Vec<String> = keywords
            .iter()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect();
        let offsets = keyword_offsets(&hir, &keyword_strs);
        let lead = offsets.as_ref().and_then(|o| o.last().copied());
        let offsets = offsets.filter(|o| o.len() <= MAX_ANCHORED_TRIES);
        let follow = match &offsets {
            Some(offsets) => {
                let walk = Walk::new(&hir).map_err(|e| e.to_string())?;
                keywords
                    .iter()
                    .map(|kw| {
                        let after = offsets
                            .iter()
                            .map(|&o| classes_after(&walk, o, kw))
                            .collect();
                        (kw.clone(), after)
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        Ok(Self {
            offsets,
            lead,
            follow,
            back: max_len.unwrap_or(UNBOUNDED_BACK).min(WINDOW_CAP),
            fwd: max_len.unwrap_or(UNBOUNDED_FWD).min(WINDOW_CAP),
            hir,
        })
    }

    /// What may follow `keyword` (ASCII case-insensitive) per keyword offset, if the rule
    /// lists it.
    pub(crate) fn afters(&self, keyword: &[u8]) -> Option<&[After]> {
        self.follow
            .iter()
            .find(|(kw, _)| kw.len() == keyword.len() && keyword.eq_ignore_ascii_case(kw))
            .map(|(_, after)| after.as_slice())
    }
}

/// What a search of one rule needs.
pub(crate) struct Matcher {
    pub(crate) regex: meta::Regex,
    /// Capture group index whose span is reported (0: the whole match, found without a
    /// capture search).
    report_group: usize,
    /// The pattern as a plain sequence of classes, when it is one (see `sequence.rs`):
    /// anchored searches then walk it instead of running the regex.
    sequence: Option<Sequence>,
    /// For anchored rules, the byte classes of a match's first bytes (see
    /// `class_prefix.rs`): a start whose bytes do not fit is not searched.
    gate: Vec<ByteSet>,
    /// The same for a match at the start of the text, where `^` may hold.
    gate_at_start: Vec<ByteSet>,
}

impl Matcher {
    /// Compiles the regex of `hir`, and the gates of a rule searched anchored.
    fn build(hir: &Hir, anchored: bool) -> Result<Self, String> {
        let regex = meta::Builder::new()
            .configure(meta::Config::new().nfa_size_limit(Some(8 << 20)))
            .build_many_from_hir(&[hir])
            .map_err(|e| match e.size_limit() {
                Some(limit) => format!(
                    "pattern is too large once compiled (over {limit} bytes): shorten \
                     bounded repetitions of large classes, or make classes ASCII with \
                     (?-u:...)"
                ),
                None => format!("pattern does not compile: {e}"),
            })?;
        let info = regex.group_info();
        let secret = info.to_index(PatternID::ZERO, "secret");
        let groups = info.group_len(PatternID::ZERO);
        // A pattern that is one `secret` group reports its whole match: no capture search.
        let report_group = match secret {
            Some(_) if secret_is_whole(hir) => 0,
            Some(i) => i,
            None if groups > 1 => 1,
            None => 0,
        };
        let (gate, gate_at_start) = if anchored {
            let walk = Walk::new(hir).map_err(|e| e.to_string())?;
            (class_prefix_inside(hir, &walk), class_prefix_of(hir, &walk))
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Self {
            regex,
            report_group,
            sequence: Sequence::of(hir, report_group),
            gate,
            gate_at_start,
        })
    }
}

/// Parses a pattern the way every rule is parsed: the `regex` crate's syntax and defaults
/// (Unicode classes unless `(?-u)`), matched on bytes (so `(?-u:...)` classes may match bytes
/// that are not UTF-8).
pub(crate) fn parse_pattern(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .nest_limit(200)
        .build()
        .parse(pattern)
        .map_err(|e| format!("pattern does not compile: {e}"))
}

impl CompiledRule {
    /// Compiles `rule`; with `lazy` (the embedded default pack only), its analysis and matcher
    /// are left for first use.
    pub(crate) fn compile(rule: &Rule, origin: &str, lazy: bool) -> Result<Self, ScanError> {
        let bad = |reason: String| ScanError::InvalidRule {
            origin: origin.to_owned(),
            rule: rule.id.to_string(),
            reason,
        };
        let keywords: Vec<Box<[u8]>> = rule
            .keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase().into_boxed_slice())
            .collect();
        let keyword_less = rule.keywords.is_empty();
        // Keyword-less rules are needed whole at build time, for the trigger pass's lanes.
        let (analysis, matcher) = if lazy && !keyword_less {
            (OnceLock::new(), OnceLock::new())
        } else {
            let analysis = Analysis::of(&rule.pattern, &keywords).map_err(&bad)?;
            let matcher = if lazy {
                OnceLock::new()
            } else {
                OnceLock::from(
                    Matcher::build(&analysis.hir, analysis.offsets.is_some()).map_err(&bad)?,
                )
            };
            (OnceLock::from(analysis), matcher)
        };
        Ok(Self {
            id: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            kind: rule.kind,
            priority: rule.priority,
            matcher,
            analysis,
            pattern: Arc::from(rule.pattern.as_str()),
            keywords,
            validators: rule.validators.clone(),
            keyword_less,
        })
    }

    /// Whether the analysis has been made (at build time, or by a use since).
    #[cfg(test)]
    pub(crate) fn is_analysed(&self) -> bool {
        self.analysis.get().is_some()
    }

    /// The analysis, made now if it was left for first use.
    pub(crate) fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| {
            Analysis::of(&self.pattern, &self.keywords)
                .expect("every rule of the embedded default pack compiles (its tests check)")
        })
    }

    /// The matcher, built now if it was left for first use.
    pub(crate) fn matcher(&self) -> &Matcher {
        self.matcher.get_or_init(|| {
            let a = self.analysis();
            Matcher::build(&a.hir, a.offsets.is_some())
                .expect("every rule of the embedded default pack compiles (its tests check)")
        })
    }

    /// Runs the rule's regex over `window` of `text` (look-around sees the text outside it) and
    /// calls `found` with the reported span of every match that passes the validators and the
    /// allow list.
    pub(crate) fn run(
        &self,
        text: &[u8],
        window: Range<usize>,
        cache: &mut meta::Cache,
        caps: &mut Captures,
        allow: Option<&meta::Regex>,
        mut found: impl FnMut(Range<usize>),
    ) {
        let m = self.matcher();
        let mut at = window.start;
        while at < window.end {
            let input = Input::new(text).range(at..window.end);
            let (whole, span) = if m.report_group == 0 {
                let Some(found) = m.regex.search_with(cache, &input) else {
                    break;
                };
                (found.span(), found.span())
            } else {
                m.regex.search_captures_with(cache, &input, caps);
                let Some(whole) = caps.get_match().map(|c| c.span()) else {
                    break;
                };
                (whole, caps.get_group(m.report_group).unwrap_or(whole))
            };
            let span = char_aligned(text, span.range());
            if !span.is_empty() && self.accept(text, span.clone(), allow) {
                found(span);
            }
            at = whole.end.max(at + 1);
        }
    }

    /// Whether a match may start at `at`: the bytes there fit the classes of a match's first
    /// bytes (and there are enough of them). One table test per byte, most often only one
    /// or two before the answer is no: far cheaper than starting a regex search.
    pub(crate) fn may_start_at(&self, text: &[u8], at: usize) -> bool {
        let m = self.matcher();
        let gate = if at == 0 { &m.gate_at_start } else { &m.gate };
        match text.get(at..at + gate.len()) {
            Some(bytes) => bytes.iter().zip(gate).all(|(&b, c)| c.contains(b)),
            None => false,
        }
    }

    /// Whether a match may start `offsets[offset]` bytes before a keyword that ends at `end`
    /// of `text`: the bytes after the keyword fit what may follow it there (`afters`, what
    /// [`CompiledRule::afters`] says of the keyword; keywords the rule does not list pass).
    pub(crate) fn may_follow(
        afters: Option<&[After]>,
        text: &[u8],
        end: usize,
        offset: usize,
    ) -> bool {
        match afters.and_then(|a| a.get(offset)) {
            Some(After::Fits(follow)) => follow.allows(text.get(end..).unwrap_or_default()),
            Some(After::NoMatch) => false,
            Some(After::Anything) | None => true,
        }
    }

    /// What may follow `keyword` (ASCII-lowercased) where it is part of a match: what
    /// [`CompiledRule::may_follow`] lets through at any of the keyword offsets. Anything for
    /// a rule searched in windows, and for a keyword the rule does not list.
    pub(crate) fn following(&self, keyword: &[u8]) -> Following {
        let analysis = self.analysis();
        if analysis.offsets.is_none() {
            return Following::Anything;
        }
        let Some(after) = analysis.afters(keyword) else {
            return Following::Anything;
        };
        after
            .iter()
            .fold(Following::OneOf(Vec::new()), |all, after| match after {
                After::Fits(follow) => all.or(Following::OneOf(vec![follow.clone()])),
                After::Anything => Following::Anything,
                After::NoMatch => all,
            })
    }

    /// Searches for a match starting at `at`, calls `found` as [`CompiledRule::run`] does,
    /// and returns the end of the match, if any (whether or not it was accepted). Adds to
    /// `extra` what the search read beyond `fwd` bytes (a walk over several sequences may).
    pub(crate) fn run_anchored(
        &self,
        text: &[u8],
        at: usize,
        (cache, caps): &mut (meta::Cache, Captures),
        allow: Option<&meta::Regex>,
        extra: &mut usize,
        found: impl FnOnce(Range<usize>),
    ) -> Option<usize> {
        let m = self.matcher();
        let fwd = self.analysis().fwd;
        let end = at.saturating_add(fwd).min(text.len());
        let (whole, reported) = match &m.sequence {
            Some(sequence) => {
                let mut work = 0;
                let walked = sequence.find_at(text, at, end, &mut work);
                *extra += work.saturating_sub(fwd);
                walked?
            }
            None => {
                let input = Input::new(text).range(at..end).anchored(Anchored::Yes);
                if m.report_group == 0 {
                    let whole = m.regex.search_with(cache, &input)?.range();
                    (whole.clone(), whole)
                } else {
                    m.regex.search_captures_with(cache, &input, caps);
                    let whole = caps.get_match()?.range();
                    let group = caps.get_group(m.report_group);
                    (whole.clone(), group.map_or(whole, |s| s.range()))
                }
            }
        };
        let span = char_aligned(text, reported);
        if !span.is_empty() && self.accept(text, span.clone(), allow) {
            found(span);
        }
        Some(whole.end)
    }

    fn accept(&self, text: &[u8], span: Range<usize>, allow: Option<&meta::Regex>) -> bool {
        if let Some(allow) = allow
            && allow.is_match(&text[span.clone()])
        {
            return false;
        }
        if self.validators.is_empty() {
            return true;
        }
        let value = &text[span];
        // Valid UTF-8 (nearly always) is checked a word at a time and not copied.
        let value = match std::str::from_utf8(value) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(value),
        };
        self.validators.iter().all(|v| v.check(&value))
    }
}

/// Whether the pattern is a `secret` group between zero-width assertions only, so that the
/// group's span is the match's.
fn secret_is_whole(hir: &Hir) -> bool {
    use regex_syntax::hir::HirKind;
    let is_secret =
        |h: &Hir| matches!(h.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("secret"));
    match hir.kind() {
        HirKind::Capture(_) => is_secret(hir),
        HirKind::Concat(subs) => {
            subs.iter().filter(|h| is_secret(h)).count() == 1
                && subs
                    .iter()
                    .all(|h| is_secret(h) || matches!(h.kind(), HirKind::Look(_)))
        }
        _ => false,
    }
}

/// Widens a span so that, in UTF-8 text, it starts and ends on character boundaries (byte
/// classes can stop inside a multi-byte character). A no-op on ASCII.
fn char_aligned(text: &[u8], span: Range<usize>) -> Range<usize> {
    let continuation = |i: usize| text.get(i).is_some_and(|&b| b & 0b1100_0000 == 0b1000_0000);
    let mut start = span.start;
    for _ in 0..3 {
        if start > 0 && continuation(start) {
            start -= 1;
        }
    }
    let mut end = span.end;
    for _ in 0..3 {
        if continuation(end) {
            end += 1;
        }
    }
    start..end
}
