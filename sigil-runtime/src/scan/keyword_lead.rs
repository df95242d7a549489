//! How far before its keyword a rule's match can start, when the pattern says so.
//!
//! Most rules begin with their keyword (`ghp_...`, `(?-u:\b)xoxb-...`, `(?:^|[^A-Za-z0-9])
//! password...`). For such a rule every match has a keyword occurrence starting at most
//! `lead` bytes after the match's start. The engine then need not search a window around the
//! keyword: an anchored search from each of the `lead + 1` positions before it finds every
//! match, and an anchored search that fails stops as soon as the pattern can no longer match
//! (a few bytes after `password` when no `=` or `:` follows), instead of reading the whole
//! window.
//!
//! The lead is found by spelling out the pattern's possible beginnings (literal bytes, or
//! "any byte" for a one-byte class) and finding a keyword in each. When some beginning has
//! no keyword close enough, or the pattern has too many beginnings, there is no lead and the
//! rule is searched in windows.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The largest lead worth anchored searches (one search per position).
pub(crate) const MAX_LEAD: usize = 64;
/// Beginnings longer than this are not spelled further.
const MAX_SPELL: usize = 96;
/// More beginnings than this: give up.
const MAX_BEGINNINGS: usize = 2048;
/// Classes of more bytes than this are "any byte".
const MAX_CLASS_SPELL: usize = 4;
/// Bounded repetitions with more choices of count than this are cut after their minimum.
const MAX_REPEAT_CHOICES: u32 = 65;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// An ASCII-lowercased byte (the byte or its other case).
    Byte(u8),
    /// Any of several bytes.
    Any,
}

#[derive(Clone)]
struct Beginning {
    toks: Vec<Tok>,
    /// Whether more of the pattern is known to follow (and no keyword was found yet).
    open: bool,
}

/// The keywords, ASCII-lowercased.
struct Keywords(Vec<Vec<u8>>);

impl Keywords {
    /// Where the first keyword in `toks` starts.
    fn find(&self, toks: &[Tok]) -> Option<usize> {
        (0..toks.len()).find(|&i| {
            self.0.iter().any(|k| {
                !k.is_empty()
                    && toks.len() >= i + k.len()
                    && k.iter().zip(&toks[i..]).all(|(c, t)| *t == Tok::Byte(*c))
            })
        })
    }

    /// Whether `b` (ASCII-lowercased) is in some keyword.
    fn has_byte(&self, b: u8) -> bool {
        self.0.iter().any(|k| k.contains(&b))
    }

    /// Whether a keyword ends at the end of `toks`.
    fn ends(&self, toks: &[Tok]) -> bool {
        self.0.iter().any(|k| {
            !k.is_empty()
                && toks.len() >= k.len()
                && k.iter()
                    .zip(&toks[toks.len() - k.len()..])
                    .all(|(c, t)| *t == Tok::Byte(*c))
        })
    }
}

/// The offsets from a match's start at which a keyword (ASCII case-insensitive) begins, one
/// for each way the pattern can begin (the first keyword in it), ascending; `None` unless
/// every match has a keyword within [`MAX_LEAD`] bytes of its start.
pub(crate) fn keyword_offsets(hir: &Hir, keywords: &[String]) -> Option<Vec<usize>> {
    if keywords.is_empty() {
        return None;
    }
    let keywords = Keywords(
        keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase())
            .collect(),
    );
    let start = vec![Beginning {
        toks: Vec::new(),
        open: true,
    }];
    let mut offsets = Vec::new();
    for b in &spell(hir, start, &keywords)? {
        let at = keywords.find(&b.toks)?;
        if at > MAX_LEAD {
            return None;
        }
        offsets.push(at);
    }
    offsets.sort_unstable();
    offsets.dedup();
    Some(offsets)
}

/// Extends every open beginning with what `hir` can match.
fn spell(hir: &Hir, mut set: Vec<Beginning>, kw: &Keywords) -> Option<Vec<Beginning>> {
    if set.iter().all(|b| !b.open) {
        return Some(set);
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(set),
        HirKind::Literal(lit) => {
            for b in set.iter_mut().filter(|b| b.open) {
                for &byte in lit.0.iter() {
                    push(b, Tok::Byte(byte.to_ascii_lowercase()), kw);
                }
            }
            Some(set)
        }
        HirKind::Class(class) => {
            let (toks, wide) = class_toks(class, kw);
            let mut out = Vec::with_capacity(set.len());
            for b in set {
                if !b.open {
                    out.push(b);
                    continue;
                }
                if wide {
                    // A character of 2 to 4 bytes, unknown.
                    for n in 2..=4 {
                        let mut w = b.clone();
                        (0..n).for_each(|_| push(&mut w, Tok::Any, kw));
                        out.push(w);
                    }
                }
                for &t in &toks {
                    let mut b = b.clone();
                    push(&mut b, t, kw);
                    out.push(b);
                }
            }
            (out.len() <= MAX_BEGINNINGS).then_some(out)
        }
        HirKind::Capture(cap) => spell(&cap.sub, set, kw),
        HirKind::Concat(subs) => {
            for sub in subs {
                set = spell(sub, set, kw)?;
            }
            Some(set)
        }
        HirKind::Alternation(subs) => {
            let mut out = Vec::new();
            for sub in subs {
                out.extend(spell(sub, set.clone(), kw)?);
                if out.len() > MAX_BEGINNINGS {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Repetition(rep) => {
            let fixed = |set: Vec<Beginning>, n: u32| -> Option<Vec<Beginning>> {
                let mut set = set;
                for _ in 0..n {
                    set = spell(&rep.sub, set, kw)?;
                    if set.iter().all(|b| !b.open) {
                        break;
                    }
                }
                Some(set)
            };
            match rep.max {
                Some(max) if max - rep.min < MAX_REPEAT_CHOICES => {
                    let mut out = Vec::new();
                    for n in rep.min..=max {
                        out.extend(fixed(set.clone(), n)?);
                        if out.len() > MAX_BEGINNINGS {
                            return None;
                        }
                    }
                    Some(out)
                }
                _ => {
                    // Spell the minimum; what follows is unknown.
                    let mut out = fixed(set, rep.min)?;
                    out.iter_mut().for_each(|b| b.open = false);
                    Some(out)
                }
            }
        }
    }
}

fn push(b: &mut Beginning, tok: Tok, kw: &Keywords) {
    if b.open {
        b.toks.push(tok);
        if b.toks.len() >= MAX_SPELL || kw.ends(&b.toks) {
            b.open = false;
        }
    }
}

/// The one-byte matches of a class (each known byte up to ASCII case when there are at most
/// [`MAX_CLASS_SPELL`] of them, else "any byte"; none when it has no one-byte match), and
/// whether it also matches longer characters.
fn class_toks(class: &Class, kw: &Keywords) -> (Vec<Tok>, bool) {
    let mut bytes = Vec::new();
    let mut wide = false;
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                bytes.extend(r.start()..=r.end());
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                if r.start().is_ascii() {
                    bytes.extend(r.start() as u8..=(r.end().min('\x7f') as u8));
                }
                wide |= !r.end().is_ascii();
            }
        }
    }
    let mut lower: Vec<u8> = bytes.iter().map(u8::to_ascii_lowercase).collect();
    lower.sort_unstable();
    lower.dedup();
    // A byte in no keyword is spelled "any byte": no keyword is found through it either way,
    // and `[ \t]{1,24}` stays one beginning per count instead of 2^24.
    let (known, other): (Vec<u8>, Vec<u8>) = lower.into_iter().partition(|&b| kw.has_byte(b));
    let toks = if known.len() + usize::from(!other.is_empty()) <= MAX_CLASS_SPELL {
        let any = (!other.is_empty()).then_some(Tok::Any);
        known.into_iter().map(Tok::Byte).chain(any).collect()
    } else {
        vec![Tok::Any]
    };
    (toks, wide)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::compiled_rule::parse_pattern;

    /// The largest offset.
    fn lead(pattern: &str, keywords: &[&str]) -> Option<usize> {
        let hir = parse_pattern(pattern).unwrap();
        let kws: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        keyword_offsets(&hir, &kws).and_then(|o| o.last().copied())
    }

    #[test]
    fn offsets_are_those_of_each_beginning() {
        let hir = parse_pattern(r"(?-u:\b|_)(?i-u:pass|pwd)=").unwrap();
        let kws = vec!["pass".to_owned(), "pwd".to_owned()];
        assert_eq!(keyword_offsets(&hir, &kws), Some(vec![0, 1]));
        let hir = parse_pattern(r"sk-[a-z]{20}T3Blbk").unwrap();
        let kws = vec!["t3blbk".to_owned()];
        assert_eq!(keyword_offsets(&hir, &kws), Some(vec![23]));
    }

    #[test]
    fn bytes_in_no_keyword_are_one_beginning() {
        // 24 counts of spaces or tabs, after a newline or at the start: 48 beginnings, not
        // 2^24 (which would be too many, and the rule searched in windows).
        let hir = parse_pattern(r"(?:^|\n)[ \t]{1,24}(?i-u:token):[ ]*[a-z]{20,}").unwrap();
        let kws = vec!["token:".to_owned()];
        assert_eq!(keyword_offsets(&hir, &kws), Some((1..=25).collect()));
        // A class byte that is in a keyword is still spelled: `t` begins `token:`.
        let hir = parse_pattern(r"[tT]oken:").unwrap();
        assert_eq!(keyword_offsets(&hir, &kws), Some(vec![0]));
    }

    #[test]
    fn keyword_first_patterns_have_a_lead() {
        assert_eq!(lead(r"(?-u:\b)ghp_[A-Za-z0-9]{36}", &["ghp_"]), Some(0));
        assert_eq!(
            lead(
                r"(?-u:^|[^A-Za-z0-9])(?i-u:password|pwd)[ \t]{0,3}=",
                &["pass", "pwd"]
            ),
            Some(1)
        );
        assert_eq!(
            lead(r"(?i-u:bearer)[ ]+[A-Za-z]{20,}", &["bearer"]),
            Some(0)
        );
        assert_eq!(
            lead(
                r"(?i-u:api[_.-]?key|access[_.-]?key)",
                &[
                    "api_key",
                    "apikey",
                    "api.key",
                    "api-key",
                    "access_key",
                    "accesskey",
                    "access.key",
                    "access-key"
                ]
            ),
            Some(0)
        );
        assert_eq!(lead(r"[\t ]{0,3}token=x", &["token"]), Some(3));
        assert_eq!(
            lead(
                r"(?i-u:_authToken)[\t\n\r ]{0,3}=[\t\n\r ]{0,3}[A-Za-z]{16,}",
                &["_authtoken"]
            ),
            Some(0)
        );
        // A Unicode class before the keyword: one character of up to 4 bytes.
        assert_eq!(lead(r"(?:^|[^A-Za-z0-9])token=", &["token"]), Some(4));
    }

    #[test]
    fn patterns_whose_keyword_can_be_far_or_absent_have_none() {
        // A run of unknown length before the keyword.
        assert_eq!(
            lead(r"[A-Za-z0-9_]{0,30}password=", &["password"]),
            Some(30)
        );
        assert_eq!(lead(r"[A-Za-z0-9_]{0,80}password=", &["password"]), None);
        assert_eq!(lead(r"[A-Za-z0-9_]*password=", &["password"]), None);
        // One branch without the keyword.
        assert_eq!(lead(r"(?:password|secret)=", &["password"]), None);
        // Unicode case folding: `s` also matches a two-byte character.
        assert_eq!(lead(r"(?i:password)=", &["password"]), None);
        assert_eq!(lead(r"(?i-u:password)=", &["password"]), Some(0));
        // A keyword that only starts past the limit.
        assert_eq!(lead(r"[0-9]{70}-token", &["token"]), None);
    }
}
