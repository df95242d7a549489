//! JSON-aware scanning: undo the escapes of JSON string values (and keys) so that a token
//! after `\n` or spelled `\u0041KIA...` is seen, and map hits on the decoded text back to byte
//! spans of the raw JSON.
//!
//! The whole document is decoded as one text: structure outside strings is kept verbatim, so
//! `"password": "..."` still reads as a key next to its value. There is no parse tree and no
//! recursion, so nesting depth costs nothing. Text with no backslash at all is scanned in place
//! with no copy. An invalid or truncated escape (invalid JSON) is kept verbatim and scanned as
//! plain text.

use std::ops::Range;

/// One escape sequence: `raw_len` bytes at `raw` in the input became `len` bytes at `at` in
/// the decoded text.
#[derive(Debug, Clone, Copy)]
struct Escape {
    at: usize,
    raw: usize,
    len: u8,
    raw_len: u8,
}

/// Reusable buffers for the decoded text and for mapping positions back to the raw input.
#[derive(Default)]
pub(crate) struct Decoded {
    text: Vec<u8>,
    escapes: Vec<Escape>,
}

/// Buffers above this size are not kept between scans.
const KEEP_CAPACITY: usize = 4 << 20;

impl Decoded {
    /// Decodes the string escapes of `raw` into `self`. Returns `false` (and decodes nothing)
    /// when `raw` has no backslash: then it is its own decoded text, scanned in place.
    ///
    /// Only backslashes are looked for (with memchr): in JSON a backslash occurs only inside
    /// strings, where it always starts an escape, so no tracking of string boundaries is
    /// needed. A backslash that does not start a valid escape (invalid JSON) is kept verbatim.
    pub(crate) fn decode(&mut self, raw: &[u8]) -> bool {
        self.text.clear();
        self.escapes.clear();
        let Some(first) = memchr::memchr(b'\\', raw) else {
            return false;
        };
        let out = &mut self.text;
        out.reserve(raw.len());
        let mut i = 0;
        let mut j = first;
        loop {
            out.extend_from_slice(&raw[i..j]);
            match raw.get(j + 1).copied().and_then(simple_escape) {
                Some(b) => {
                    self.escapes.push(Escape {
                        at: out.len(),
                        raw: j,
                        len: 1,
                        raw_len: 2,
                    });
                    out.push(b);
                    i = j + 2;
                }
                None => match decode_escape(&raw[j..]) {
                    Some((bytes, n, raw_len)) => {
                        self.escapes.push(Escape {
                            at: out.len(),
                            raw: j,
                            len: n,
                            raw_len,
                        });
                        out.extend_from_slice(&bytes[..usize::from(n)]);
                        i = j + usize::from(raw_len);
                    }
                    None => {
                        out.push(b'\\');
                        i = j + 1;
                    }
                },
            }
            // Escapes are often close together (`\"`, `\n` in text): look a few bytes ahead
            // by hand before paying for a memchr call.
            let near = raw[i..].iter().take(16).position(|&b| b == b'\\');
            match near.or_else(|| {
                raw.get(i + 16..)
                    .and_then(|rest| memchr::memchr(b'\\', rest))
                    .map(|p| p + 16)
            }) {
                Some(rel) => j = i + rel,
                None => break,
            }
        }
        out.extend_from_slice(&raw[i..]);
        true
    }

    /// The decoded text of the last [`Decoded::decode`] that returned `true`.
    pub(crate) fn text(&self) -> &[u8] {
        &self.text
    }

    /// Empties the buffers, giving back memory beyond a few megabytes.
    pub(crate) fn release(&mut self) {
        self.text.clear();
        self.escapes.clear();
        if self.text.capacity() > KEEP_CAPACITY {
            self.text = Vec::new();
        }
        if self.escapes.capacity() * std::mem::size_of::<Escape>() > KEEP_CAPACITY {
            self.escapes = Vec::new();
        }
    }
}

/// Decodes the escape at the start of `s` (which starts with a backslash): the UTF-8 bytes,
/// how many of them, and how many raw bytes the escape took. `None` when invalid or cut off.
fn decode_escape(s: &[u8]) -> Option<([u8; 4], u8, u8)> {
    let simple = |b: u8| Some(([b, 0, 0, 0], 1, 2));
    match *s.get(1)? {
        b'"' => simple(b'"'),
        b'\\' => simple(b'\\'),
        b'/' => simple(b'/'),
        b'b' => simple(0x08),
        b'f' => simple(0x0c),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'u' => {
            let hi = hex4(s.get(2..6)?)?;
            let (c, raw_len) = if (0xD800..0xDC00).contains(&hi) {
                match s.get(6..8) {
                    Some(b"\\u") => match hex4(s.get(8..12).unwrap_or(&[]))
                        .filter(|lo| (0xDC00..0xE000).contains(lo))
                    {
                        Some(lo) => {
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            (char::from_u32(c).unwrap_or('\u{FFFD}'), 12)
                        }
                        None => ('\u{FFFD}', 6),
                    },
                    _ => ('\u{FFFD}', 6),
                }
            } else {
                (char::from_u32(hi).unwrap_or('\u{FFFD}'), 6)
            };
            let mut buf = [0u8; 4];
            let n = c.encode_utf8(&mut buf).len();
            Some((buf, n as u8, raw_len))
        }
        _ => None,
    }
}

/// The byte a two-character escape stands for.
fn simple_escape(b: u8) -> Option<u8> {
    Some(match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

fn hex4(s: &[u8]) -> Option<u32> {
    if s.len() != 4 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

impl Decoded {
    /// Maps a span of the decoded text to the raw input. A span edge inside the output of an
    /// escape widens to cover the whole escape.
    pub(crate) fn raw_span(&self, span: Range<usize>) -> Range<usize> {
        if self.escapes.is_empty() {
            return span;
        }
        self.raw_start(span.start)..self.raw_end(span.end)
    }

    fn raw_start(&self, x: usize) -> usize {
        // Last escape starting at or before x.
        let i = self.escapes.partition_point(|e| e.at <= x);
        if i == 0 {
            return x;
        }
        let e = self.escapes[i - 1];
        let out_end = e.at + usize::from(e.len);
        if x < out_end {
            e.raw
        } else {
            e.raw + usize::from(e.raw_len) + (x - out_end)
        }
    }

    fn raw_end(&self, x: usize) -> usize {
        // Last escape starting strictly before x.
        let i = self.escapes.partition_point(|e| e.at < x);
        if i == 0 {
            return x;
        }
        let e = self.escapes[i - 1];
        let out_end = e.at + usize::from(e.len);
        e.raw + usize::from(e.raw_len) + x.saturating_sub(out_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_backslash_is_not_copied() {
        let raw = br#"{"a":"b"}"#;
        assert!(!Decoded::default().decode(raw));
    }

    fn decode(raw: &[u8]) -> Decoded {
        let mut d = Decoded::default();
        assert!(d.decode(raw));
        d
    }

    #[test]
    fn escapes_decode_and_map_back() {
        let raw = br#"{"k":"x\nAB\u0043\/\ud83d\ude00z"}"#;
        let d = decode(raw);
        assert_eq!(d.text(), "{\"k\":\"x\nABC/\u{1F600}z\"}".as_bytes());
        let text = d.text();
        let find = |needle: &[u8]| {
            let s = text
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap();
            s..s + needle.len()
        };
        // "ABC" in decoded covers `AB\u0043` in raw.
        let span = d.raw_span(find(b"ABC"));
        assert_eq!(&raw[span], br"AB\u0043");
        let span = d.raw_span(find("\u{1F600}z".as_bytes()));
        assert_eq!(&raw[span], br"\ud83d\ude00z");
        let span = d.raw_span(find(b"\nAB"));
        assert_eq!(&raw[span], br"\nAB");
    }

    #[test]
    fn bad_escapes_stay_verbatim_and_decoding_goes_on() {
        let raw = br#""a\qb\n\\n""#;
        let d = decode(raw);
        assert_eq!(d.text(), b"\"a\\qb\n\\n\"");
    }

    #[test]
    fn truncated_escapes_do_not_panic() {
        for raw in [
            &br#""\u12"#[..],
            br#""\ud800\u"#,
            br#""\"#,
            br#""\ud800\udc0"#,
        ] {
            let d = decode(raw);
            let n = d.text.len();
            let span = d.raw_span(0..n);
            assert!(span.end <= raw.len());
        }
    }
}
