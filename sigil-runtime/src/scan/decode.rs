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

use super::encoding::Encoding;
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
/// How many characters of a base64 or hex run are decoded first, to see whether it is text.
const PROBE: usize = 16;
/// The shortest decoded text scanned: shorter than any value a rule finds.
const MIN_DECODED: usize = 8;
/// Between two decoded values in the buffer of one layer: a NUL between line ends, which no
/// rule matches across and no run contains.
const SEPARATOR: &[u8] = b"\n\0\n";

/// A run of one encoding in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) span: Range<usize>,
    pub(crate) encoding: Encoding,
}

/// Hits found by decoding `input` (see the module docs), each at its run's span. `scan` is the
/// plain scan of the same pack.
///
/// All runs of one layer are decoded into one buffer, separated by bytes no rule and no run
/// crosses, and scanned at once: small decoded values (a form field, a timestamp with a `+`)
/// would otherwise each pay a whole scan's set-up.
pub(crate) fn decoded_hits(input: &[u8], depth: u8, scan: &dyn Fn(&[u8]) -> Vec<Hit>) -> Vec<Hit> {
    if depth == 0 {
        return Vec::new();
    }
    let mut buf = Vec::new();
    let mut segments: Vec<(Range<usize>, Run)> = Vec::new();
    for run in runs(input) {
        let encoded = &input[run.span.clone()];
        // Every base64 or hex run is tried on its first 16 characters first: random bytes, a
        // hash, an image or a UUID are not text from their first bytes on, and are then not
        // decoded whole (most long runs in real traffic are such).
        if run.encoding != Encoding::Percent
            && !decode(&encoded[..PROBE], run.encoding).is_some_and(|d| starts_as_text(&d))
        {
            continue;
        }
        let Some(decoded) = decode(encoded, run.encoding) else {
            continue;
        };
        if decoded.len() < MIN_DECODED || !reads_as_text(&decoded) {
            continue;
        }
        if !buf.is_empty() {
            buf.extend_from_slice(SEPARATOR);
        }
        let start = buf.len();
        buf.extend_from_slice(&decoded);
        segments.push((start..buf.len(), run));
    }
    if segments.is_empty() {
        return Vec::new();
    }
    let mut inner = scan(&buf);
    inner.extend(decoded_hits(&buf, depth - 1, scan));
    // One hit per run: the run is what a redaction replaces. The most severe finding names it.
    let mut best: Vec<Option<Hit>> = vec![None; segments.len()];
    for hit in inner {
        let i = segments.partition_point(|(seg, _)| seg.end <= hit.span.start);
        let Some((seg, _)) = segments.get(i) else {
            continue;
        };
        if seg.start > hit.span.start || hit.span.end > seg.end {
            continue;
        }
        let better = best[i]
            .as_ref()
            .is_none_or(|b| (hit.severity, hit.category) > (b.severity, b.category));
        if better {
            best[i] = Some(hit);
        }
    }
    segments
        .into_iter()
        .zip(best)
        .filter_map(|((_, run), hit)| {
            hit.map(|hit| Hit {
                span: run.span,
                encoding: Some(run.encoding),
                ..hit
            })
        })
        .collect()
}

/// Every run worth decoding, in order of start; runs of different encodings may overlap.
pub(crate) fn runs(input: &[u8]) -> Vec<Run> {
    let mut out = base64_and_hex_runs(input);
    out.extend(percent_runs(input));
    out.sort_by_key(|r| (r.span.start, std::cmp::Reverse(r.span.end)));
    out
}

/// What each byte is, for the run search: in either base64 alphabet, a hex digit, one of the
/// standard alphabet's own (`+` `/`), one of the URL-safe alphabet's own (`-` `_`). A table,
/// as the search asks it of most bytes.
const IN_BASE64: u8 = 1;
const NOT_HEX: u8 = 2;
const STANDARD_ONLY: u8 = 4;
const URL_ONLY: u8 = 8;
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => IN_BASE64,
            b'g'..=b'z' | b'G'..=b'Z' => IN_BASE64 | NOT_HEX,
            b'+' | b'/' => IN_BASE64 | NOT_HEX | STANDARD_ONLY,
            b'-' | b'_' => IN_BASE64 | NOT_HEX | URL_ONLY,
            _ => 0,
        };
        b += 1;
    }
    table
};

fn is_base64_byte(b: u8) -> bool {
    CLASS[usize::from(b)] & IN_BASE64 != 0
}

/// Runs of base64 (and hex, a subset of its alphabet) at least [`MIN_BASE64`] long.
///
/// Most text is short words, so the search looks [`MIN_BASE64`] - 1 bytes ahead first: when that
/// byte is not in the alphabet, no long run can start before it, and the search jumps past it.
fn base64_and_hex_runs(input: &[u8]) -> Vec<Run> {
    let mut out = Vec::new();
    let reach = MIN_BASE64 - 1;
    let mut i = 0;
    while i + reach < input.len() {
        if !is_base64_byte(input[i + reach]) {
            i += reach + 1;
            continue;
        }
        // input[i + reach] is in a run; find where that run starts (not before i) and ends.
        let mut start = i + reach;
        while start > i && is_base64_byte(input[start - 1]) {
            start -= 1;
        }
        // One pass over the run finds its end and what its bytes are.
        let mut seen = input[start..=i + reach]
            .iter()
            .fold(0, |acc, &b| acc | CLASS[usize::from(b)]);
        let mut end = i + reach + 1;
        while let Some(&b) = input.get(end) {
            let class = CLASS[usize::from(b)];
            if class & IN_BASE64 == 0 {
                break;
            }
            seen |= class;
            end += 1;
        }
        if end - start >= MIN_BASE64 && (start == 0 || !is_base64_byte(input[start - 1])) {
            push_base64_run(input, start, end, seen, &mut out);
        }
        i = end;
    }
    out
}

/// Classifies the alphabet run `input[start..end]` (whose bytes' classes OR to `seen`; the
/// padding after it is included) and keeps it.
fn push_base64_run(input: &[u8], start: usize, end: usize, seen: u8, out: &mut Vec<Run>) {
    let len = end - start;
    let mut padded = end;
    while padded < input.len() && padded - end < 2 && input[padded] == b'=' {
        padded += 1;
    }
    let encoding = if len >= MIN_HEX && len.is_multiple_of(2) && seen & NOT_HEX == 0 {
        Some(Encoding::Hex)
    } else {
        match (seen & STANDARD_ONLY != 0, seen & URL_ONLY != 0) {
            (true, true) => None,
            (false, true) => Some(Encoding::Base64Url),
            _ => Some(Encoding::Base64),
        }
    };
    if let Some(encoding) = encoding {
        out.push(Run {
            span: start..padded,
            encoding,
        });
    }
}

/// A byte that may sit inside a URL or form value: printable ASCII but space, quotes, angle
/// brackets and the backslash (which would be JSON's escapes).
fn is_url_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')
}

/// Percent- or form-encoded runs: found from their `%` and `+` bytes (rare in most text, and
/// found with `memchr`), widened to the URL characters around them.
fn percent_runs(input: &[u8]) -> Vec<Run> {
    let mut out = Vec::new();
    // Where the last run looked at ends: its other `%` and `+` bytes are skipped.
    let mut covered = 0;
    for at in memchr::memchr2_iter(b'%', b'+', input) {
        if at < covered {
            continue;
        }
        let mut start = at;
        while start > 0 && is_url_byte(input[start - 1]) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < input.len() && is_url_byte(input[end]) {
            end += 1;
        }
        covered = end;
        let run = &input[start..end];
        let escaped = run
            .windows(3)
            .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
        // A `+` alone means a space only in a form (`key=a+b`); elsewhere it is a timestamp's
        // offset, a sum or base64.
        let form = run.contains(&b'+') && run.contains(&b'=');
        if run.len() >= MIN_PERCENT && (escaped || form) {
            out.push(Run {
                span: start..end,
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

/// [`reads_as_text`] for the first bytes of a longer text: a UTF-8 sequence cut at the end
/// is allowed.
fn starts_as_text(decoded: &[u8]) -> bool {
    let valid = match std::str::from_utf8(decoded) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    };
    valid
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
