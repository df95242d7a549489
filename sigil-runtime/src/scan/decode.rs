//! Decoding layers: secrets as they travel, inside base64 (standard and URL-safe), hex, and
//! percent- or form-encoding.
//!
//! Runs of each encoding above a minimum length are decoded. Decoded bytes that read as text
//! are scanned with the same pack (so placeholders and validators see the decoded value) and
//! decoded again, up to [`MAX_DEPTH`] layers. Each hit is reported at the span of the outermost
//! encoded run in the original input, with the encoding that found it.
//!
//! Bounded by construction: every decoding is shorter than its run, so at depth `d` at most
//! `d` times the input is decoded; decoded bytes that are not text are neither scanned nor
//! decoded further.

use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use super::hit::Hit;

/// How many layers are decoded (gitleaks' `--max-decode-depth` default is 5; each layer here
/// also scans, so 2 keeps the work at most twice the input).
pub const MAX_DEPTH: u8 = 2;

/// The shortest base64 run decoded: 20 characters, 15 bytes.
const MIN_BASE64: usize = 20;
/// The shortest hex run decoded: 32 digits, 16 bytes.
const MIN_HEX: usize = 32;
/// The shortest percent- or form-encoded run decoded.
const MIN_PERCENT: usize = 8;

/// The encoding a value was found inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Encoding {
    /// Base64, standard alphabet (`+` and `/`), padded or not.
    Base64,
    /// Base64, URL-safe alphabet (`-` and `_`), padded or not.
    Base64Url,
    /// Hexadecimal digits, two per byte.
    Hex,
    /// Percent-encoding (`%20`) or form encoding (`+` for a space).
    Percent,
    /// Not an encoding: hidden by zero-width or bidi characters, or written in fullwidth
    /// forms; found in the normalised text (see `scan::normalize`).
    Normalized,
}

impl Encoding {
    /// `base64`, `base64url`, `hex` or `percent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::Base64Url => "base64url",
            Self::Hex => "hex",
            Self::Percent => "percent",
            Self::Normalized => "normalized",
        }
    }
}

/// A run of one encoding in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) span: Range<usize>,
    pub(crate) encoding: Encoding,
}

/// Hits found by decoding `input` (see the module docs), each at its run's span. `scan` is the
/// plain scan of the same pack.
pub(crate) fn decoded_hits(input: &[u8], depth: u8, scan: &dyn Fn(&[u8]) -> Vec<Hit>) -> Vec<Hit> {
    if depth == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for run in runs(input) {
        let Some(decoded) = decode(&input[run.span.clone()], run.encoding) else {
            continue;
        };
        if !reads_as_text(&decoded) {
            continue;
        }
        let mut inner = scan(&decoded);
        inner.extend(decoded_hits(&decoded, depth - 1, scan));
        // One hit per run: the run is what a redaction replaces. The most severe finding
        // names it.
        if let Some(best) = inner.into_iter().max_by_key(|h| (h.severity, h.category)) {
            out.push(Hit {
                span: run.span.clone(),
                encoding: Some(run.encoding),
                ..best
            });
        }
    }
    out
}

/// Every run worth decoding, in order of start; runs of different encodings may overlap.
pub(crate) fn runs(input: &[u8]) -> Vec<Run> {
    let mut out = base64_and_hex_runs(input);
    out.extend(percent_runs(input));
    out.sort_by_key(|r| (r.span.start, std::cmp::Reverse(r.span.end)));
    out
}

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn base64_and_hex_runs(input: &[u8]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        if !is_base64_byte(input[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < input.len() && is_base64_byte(input[i]) {
            i += 1;
        }
        let body = &input[start..i];
        let mut end = i;
        while end < input.len() && end - i < 2 && input[end] == b'=' {
            end += 1;
        }
        let encoding = if body.len() >= MIN_HEX
            && body.len().is_multiple_of(2)
            && body.iter().all(u8::is_ascii_hexdigit)
        {
            Some(Encoding::Hex)
        } else if body.len() < MIN_BASE64 {
            None
        } else {
            let standard = body.iter().any(|b| matches!(b, b'+' | b'/'));
            let url = body.iter().any(|b| matches!(b, b'-' | b'_'));
            match (standard, url) {
                (true, true) => None,
                (false, true) => Some(Encoding::Base64Url),
                _ => Some(Encoding::Base64),
            }
        };
        if let Some(encoding) = encoding {
            out.push(Run {
                span: start..end,
                encoding,
            });
        }
        i = end.max(i);
    }
    out
}

/// A byte that may sit inside a URL or form value: printable ASCII but space, quotes, angle
/// brackets and the backslash (which would be JSON's escapes).
fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')
}

fn percent_runs(input: &[u8]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < input.len() {
        if !is_url_byte(input[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < input.len() && is_url_byte(input[i]) {
            i += 1;
        }
        let run = &input[start..i];
        let escaped = run
            .windows(3)
            .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
        if run.len() >= MIN_PERCENT && (escaped || run.contains(&b'+')) {
            out.push(Run {
                span: start..i,
                encoding: Encoding::Percent,
            });
        }
    }
    out
}

/// The bytes `run` encodes, or `None` when it is not valid in its encoding.
pub(crate) fn decode(run: &[u8], encoding: Encoding) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Base64 | Encoding::Base64Url => {
            let body = run
                .strip_suffix(b"==")
                .or_else(|| run.strip_suffix(b"="))
                .unwrap_or(run);
            let engine = if encoding == Encoding::Base64 {
                &STANDARD_NO_PAD
            } else {
                &URL_SAFE_NO_PAD
            };
            // A length of 1 mod 4 is never valid; cut the last character off rather than give
            // up, as the run may have picked up one letter of the text after it.
            let body = if body.len() % 4 == 1 {
                &body[..body.len() - 1]
            } else {
                body
            };
            engine.decode(body).ok()
        }
        Encoding::Hex => run
            .chunks_exact(2)
            .map(|pair| Some(hex_value(pair[0])? << 4 | hex_value(pair[1])?))
            .collect(),
        Encoding::Normalized => None,
        Encoding::Percent => {
            let mut out = Vec::with_capacity(run.len());
            let mut i = 0;
            while i < run.len() {
                match run[i] {
                    b'%' if i + 2 < run.len() => {
                        match (hex_value(run[i + 1]), hex_value(run[i + 2])) {
                            (Some(h), Some(l)) => {
                                out.push(h << 4 | l);
                                i += 3;
                                continue;
                            }
                            _ => out.push(b'%'),
                        }
                    }
                    b'+' => out.push(b' '),
                    b => out.push(b),
                }
                i += 1;
            }
            Some(out)
        }
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether decoded bytes are text worth scanning: UTF-8 with no control characters but tab
/// and line ends. Random bytes (a hash, an image, a key that is only bytes) almost never are.
fn reads_as_text(decoded: &[u8]) -> bool {
    !decoded.is_empty()
        && std::str::from_utf8(decoded).is_ok()
        && decoded
            .iter()
            .all(|&b| b >= 0x20 && b != 0x7f || matches!(b, b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(input: &str) -> Vec<(String, Encoding)> {
        runs(input.as_bytes())
            .into_iter()
            .map(|r| (input[r.span].to_owned(), r.encoding))
            .collect()
    }

    #[test]
    fn runs_are_found_by_shape_and_length() {
        let b64 = "QUtJQVozTUhRWDdSVEI0TFdLUE4=";
        assert_eq!(
            run_of(&format!("x {b64} y")),
            [(b64.to_owned(), Encoding::Base64)]
        );
        let url = "c2tfbGl2ZV9hYmNkZWZnaGlqa2xtbm9w-_";
        assert_eq!(run_of(url), [(url.to_owned(), Encoding::Base64Url)]);
        let hex = "414b49415a334d48515837525442344c574b504e";
        assert_eq!(run_of(hex), [(hex.to_owned(), Encoding::Hex)]);
        let form = "iban=DE49+2822+0000+0000+0000+00";
        assert!(run_of(form).contains(&(form.to_owned(), Encoding::Percent)));
        assert!(run_of("short QUtJQQ== and a=b").is_empty());
    }

    #[test]
    fn decoding_is_exact_and_refuses_what_is_not_valid() {
        assert_eq!(decode(b"c2lnaWw=", Encoding::Base64).unwrap(), b"sigil");
        assert_eq!(decode(b"c2lnaWw", Encoding::Base64).unwrap(), b"sigil");
        assert_eq!(decode(b"_-8", Encoding::Base64Url).unwrap(), [0xff, 0xef]);
        assert_eq!(decode(b"7369676967", Encoding::Hex).unwrap(), b"sigig");
        assert_eq!(decode(b"a%20b+c%2", Encoding::Percent).unwrap(), b"a b c%2");
        assert_eq!(decode(b"%zz%41", Encoding::Percent).unwrap(), b"%zzA");
        assert!(decode(b"abc!", Encoding::Base64).is_none());
    }

    #[test]
    fn only_text_is_scanned_further() {
        assert!(reads_as_text(b"AKIA key\n"));
        assert!(!reads_as_text(&[0x00, 0x41]));
        assert!(!reads_as_text(&[0xff, 0xfe, 0x41]));
        assert!(!reads_as_text(b""));
    }
}
