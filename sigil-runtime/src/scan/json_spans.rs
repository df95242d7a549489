//! JSON-aware scanning: undo the escapes of JSON string values (and keys) so that a token
//! after `\n` or spelled `\u0041KIA...` is seen, and map hits on the decoded text back to byte
//! spans of the raw JSON.
//!
//! The whole document is read as one decoded text: structure outside strings is kept verbatim,
//! so `"password": "..."` still reads as a key next to its value. There is no parse tree and
//! no recursion, so nesting depth costs nothing. Only backslashes are looked for:
//! in JSON a backslash occurs only inside strings, where it always starts an escape, so string
//! boundaries need no tracking. A backslash that does not start a valid escape (invalid or
//! truncated JSON) is kept verbatim, and the text around it is scanned as plain text.
//!
//! Raw JSON with escapes is decoded whole once with [`decode_from`] (eight bytes at a time;
//! each escape recorded as an [`Escape`]), scanned as text, and hit spans mapped back with
//! [`raw_span`]. (An AVX-512 decoder, 64 bytes at a time, saved under 10% of a whole
//! `sigil scan` on three of four external corpora and was removed with the `sigil-simd`
//! crate: see docs/src/scan-packs.md.)

use std::ops::Range;

/// Escapes, recorded in order: two-byte escapes (`\n`, `\"`, ...) a run at a time (the
/// first's raw and decoded positions, and bit `k` for each escape whose backslash is at
/// `raw + k`: the `n`-th of them, from 0, is decoded at `at + k - n`, since each takes two raw
/// bytes and leaves one), or one `\u` escape (`starts` 0), whose raw length and decoded length
/// are read again from the raw text when a hit is mapped. One record per run of up to 64 raw
/// bytes instead of one per escape: tool output has an escape every 20 bytes or so, and the
/// records were more bytes to write than the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Escape {
    pub(crate) raw: usize,
    pub(crate) at: usize,
    pub(crate) starts: u64,
}

/// One escape: `raw_len` bytes at `raw` in the input became `len` bytes at `at` in the
/// decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct One {
    at: usize,
    raw: usize,
    len: usize,
    raw_len: usize,
}

impl Escape {
    /// A `\u` escape at `raw`, decoded at `at`.
    fn unicode(raw: usize, at: usize) -> Self {
        Escape { raw, at, starts: 0 }
    }

    /// Its escapes, in order.
    fn each(self, text: &[u8]) -> impl Iterator<Item = One> {
        let unicode = (self.starts == 0).then(|| {
            // Recorded escapes are valid; were one not, it would map as one byte.
            let (len, raw_len) = escape_at(text, self.raw).map_or((1, 1), |(_, n, r)| (n, r));
            One {
                at: self.at,
                raw: self.raw,
                len: usize::from(len),
                raw_len: usize::from(raw_len),
            }
        });
        let (raw, at) = (self.raw, self.at);
        let mut left = self.starts;
        let mut n = 0;
        let run = std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            let k = left.trailing_zeros() as usize;
            left &= left - 1;
            n += 1;
            Some(One {
                at: at + k - (n - 1),
                raw: raw + k,
                len: 1,
                raw_len: 2,
            })
        });
        unicode.into_iter().chain(run)
    }
}

/// Records the two-byte escape whose backslash is at `raw`, decoded at `at`: into the last
/// record's run when it is a run that began fewer than 64 raw bytes before (nothing but plain
/// bytes, kept backslashes and two-byte escapes come between escapes of a run, so their
/// decoded positions follow from their raw ones), else as a new run.
fn push_two_byte(escapes: &mut Vec<Escape>, raw: usize, at: usize) {
    if let Some(last) = escapes.last_mut()
        && last.starts != 0
        && raw - last.raw < 64
    {
        last.starts |= 1 << (raw - last.raw);
        return;
    }
    escapes.push(Escape { raw, at, starts: 1 });
}

/// Decodes the escape at `raw[j..]` (a backslash): the decoded bytes, how many, and how many
/// raw bytes the escape took; `None` when it is not a valid escape (the backslash is then
/// kept as it is).
pub(crate) fn escape_at(raw: &[u8], j: usize) -> Option<([u8; 4], u8, u8)> {
    match raw.get(j + 1).copied().and_then(simple_escape) {
        Some(b) => Some(([b, 0, 0, 0], 1, 2)),
        None => decode_escape(&raw[j..]),
    }
}

/// Decodes `raw` from `from` (which must not be inside an escape sequence) into `out` until
/// `out` holds at least `want` bytes or the input ends. Records the escapes (with decoded
/// positions counted from `base`, the decoded position of `from`) when `escapes` is given.
pub(crate) fn decode_from(
    raw: &[u8],
    from: usize,
    base: usize,
    want: usize,
    out: &mut Vec<u8>,
    mut escapes: Option<&mut Vec<Escape>>,
) {
    out.clear();
    // The decoded text is never longer than the raw: one allocation, no copies on growth.
    out.reserve(raw.len().saturating_sub(from).min(want.saturating_add(4)));
    let mut i = from;
    // Eight bytes at a time while they fit: copy them whole, and where one is a backslash keep
    // those before it and decode the escape. Escapes come every few dozen bytes in tool
    // output (`\n`, `\"`): a memchr and a copy call per escape cost more than the bytes.
    while out.len().saturating_add(BLOCK_BYTES) <= want
        && let Some(chunk) = raw.get(i..i + BLOCK_BYTES)
    {
        let mut word = [0u8; BLOCK_BYTES];
        word.copy_from_slice(chunk);
        let kept = out.len();
        out.extend_from_slice(&word);
        let Some(k) = first_backslash(u64::from_le_bytes(word)) else {
            i += BLOCK_BYTES;
            continue;
        };
        out.truncate(kept + k);
        let j = i + k;
        // The common two-byte escapes (`\"`, `\n`, ...) here; `\u` and bad ones apart.
        match raw.get(j + 1).copied().and_then(simple_escape) {
            Some(b) => {
                if let Some(esc) = escapes.as_deref_mut() {
                    push_two_byte(esc, j, base + out.len());
                }
                out.push(b);
                i = j + 2;
            }
            None => i = decode_one(raw, j, base, out, escapes.as_deref_mut()),
        }
    }
    while i < raw.len() && out.len() < want {
        let Some(j) = memchr::memchr(b'\\', &raw[i..]).map(|p| i + p) else {
            let take = (want - out.len()).min(raw.len() - i);
            out.extend_from_slice(&raw[i..i + take]);
            return;
        };
        let take = (want - out.len()).min(j - i);
        out.extend_from_slice(&raw[i..i + take]);
        if i + take < j {
            return;
        }
        i = decode_one(raw, j, base, out, escapes.as_deref_mut());
    }
}

/// Bytes [`decode_from`] copies at a time.
const BLOCK_BYTES: usize = 8;

/// Where the first backslash among the eight bytes of `w` (the first in the low byte) is.
fn first_backslash(w: u64) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = w ^ (ONES * u64::from(b'\\'));
    // The lowest byte of `x` that is zero sets its high bit here (higher ones may be wrong,
    // which does not matter for the lowest).
    let zero = x.wrapping_sub(ONES) & !x & (ONES << 7);
    (zero != 0).then(|| (zero.trailing_zeros() / 8) as usize)
}

/// Decodes the backslash at `raw[j]` into `out` (kept as it is when it starts no valid
/// escape), records the escape, and returns where the raw text goes on.
fn decode_one(
    raw: &[u8],
    j: usize,
    base: usize,
    out: &mut Vec<u8>,
    escapes: Option<&mut Vec<Escape>>,
) -> usize {
    match escape_at(raw, j) {
        Some((bytes, n, raw_len)) => {
            if let Some(esc) = escapes {
                match raw_len {
                    2 => push_two_byte(esc, j, base + out.len()),
                    _ => esc.push(Escape::unicode(j, base + out.len())),
                }
            }
            out.extend_from_slice(&bytes[..usize::from(n)]);
            j + usize::from(raw_len)
        }
        None => {
            out.push(b'\\');
            j + 1
        }
    }
}

/// The last escape decoded at or before `x` (before it, if `strictly`), of the input `raw`.
fn last_escape(raw: &[u8], escapes: &[Escape], x: usize, strictly: bool) -> Option<One> {
    let before = |at: usize| if strictly { at < x } else { at <= x };
    let i = escapes.partition_point(|e| before(e.at));
    let record = escapes.get(i.checked_sub(1)?)?;
    record.each(raw).take_while(|one| before(one.at)).last()
}

/// For a decoded position `x` of the input `raw` (at or before the last recorded escape's
/// end), the raw position to decode from and the decoded position that raw position stands
/// for (`x`, or the start of the escape whose output `x` is inside).
pub(crate) fn locate(raw: &[u8], escapes: &[Escape], x: usize) -> (usize, usize) {
    match last_escape(raw, escapes, x, false) {
        None => (x, x),
        Some(e) if x < e.at + e.len => (e.raw, e.at),
        Some(e) => (e.raw + e.raw_len + (x - e.at - e.len), x),
    }
}

/// Maps a span of the text decoded from `raw` to `raw`. A span edge inside the output of an
/// escape widens to cover the whole escape.
pub(crate) fn raw_span(raw: &[u8], escapes: &[Escape], span: Range<usize>) -> Range<usize> {
    if escapes.is_empty() {
        return span;
    }
    locate(raw, escapes, span.start).0..raw_end(raw, escapes, span.end)
}

fn raw_end(raw: &[u8], escapes: &[Escape], x: usize) -> usize {
    match last_escape(raw, escapes, x, true) {
        None => x,
        Some(e) => e.raw + e.raw_len + x.saturating_sub(e.at + e.len),
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

fn hex4(s: &[u8]) -> Option<u32> {
    if s.len() != 4 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &b| {
        let d = (b as char).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Decoded {
        raw: Vec<u8>,
        text: Vec<u8>,
        escapes: Vec<Escape>,
    }

    impl Decoded {
        fn text(&self) -> &[u8] {
            &self.text
        }
        fn raw_span(&self, span: Range<usize>) -> Range<usize> {
            raw_span(&self.raw, &self.escapes, span)
        }
    }

    fn decode(raw: &[u8]) -> Decoded {
        let mut d = Decoded {
            raw: raw.to_vec(),
            text: Vec::new(),
            escapes: Vec::new(),
        };
        decode_from(raw, 0, 0, usize::MAX, &mut d.text, Some(&mut d.escapes));
        d
    }

    #[test]
    fn decoding_from_the_middle_stops_at_the_wanted_length() {
        let raw = br#"ab\ncd\u0041ef"#;
        let whole = decode(raw);
        // Decoded: a b \n c d A e f; start at decoded 3 ("c"), want 4 bytes.
        let (from, base) = locate(raw, &whole.escapes, 3);
        assert_eq!((from, base), (4, 3));
        let mut out = Vec::new();
        decode_from(raw, from, base, 4, &mut out, None);
        assert_eq!(out, b"cdAe");
        // A position inside an escape's output snaps to the escape.
        assert_eq!(locate(raw, &whole.escapes, 2), (2, 2));
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

    proptest::proptest! {
        /// The word-at-a-time copy decodes exactly as a
        /// byte-by-byte reading does, escapes at any place in a block or word, across them,
        /// and cut off at the end.
        #[test]
        fn decoding_word_by_word_matches_byte_by_byte(
            raw in proptest::collection::vec(
                proptest::sample::select(br#"ab\\"n/u0d8Ae"#.to_vec()), 0..400),
        ) {
            let d = decode(&raw);
            let (mut text, mut escapes) = (Vec::new(), Vec::new());
            let mut i = 0;
            while i < raw.len() {
                match (raw[i], escape_at(&raw, i)) {
                    (b'\\', Some((bytes, n, raw_len))) => {
                        escapes.push((text.len(), i, n, raw_len));
                        text.extend_from_slice(&bytes[..usize::from(n)]);
                        i += usize::from(raw_len);
                    }
                    (b, _) => {
                        text.push(b);
                        i += 1;
                    }
                }
            }
            {
                proptest::prop_assert_eq!(&d.text, &text);
                let got: Vec<_> = d
                    .escapes
                    .iter()
                    .flat_map(|e| e.each(&raw))
                    .map(|e| (e.at, e.raw, e.len as u8, e.raw_len as u8))
                    .collect();
                proptest::prop_assert_eq!(&got, &escapes);
            }
        }
    }

    proptest::proptest! {
        /// Mapping through records of runs of escapes finds what a walk over every escape
        /// finds, for every span of the decoded text (long texts: escapes are recorded in
        /// runs of up to 64 bytes).
        #[test]
        fn spans_map_through_runs_as_through_each_escape(
            raw in proptest::collection::vec(
                proptest::sample::select(br#"ab\\"n/u0d8Ae"#.to_vec()), 0..300),
            cuts in proptest::collection::vec((0usize..300, 0usize..300), 20),
        ) {
            let d = decode(&raw);
            let all: Vec<One> = d.escapes.iter().flat_map(|e| e.each(&raw)).collect();
            let start = |x: usize| match all.iter().rev().find(|e| e.at <= x) {
                None => x,
                Some(e) if x < e.at + e.len => e.raw,
                Some(e) => e.raw + e.raw_len + (x - e.at - e.len),
            };
            let end = |x: usize| match all.iter().rev().find(|e| e.at < x) {
                None => x,
                Some(e) => e.raw + e.raw_len + x.saturating_sub(e.at + e.len),
            };
            let n = d.text.len();
            for (a, b) in cuts {
                let (a, b) = (a.min(n), b.min(n));
                let span = a.min(b)..a.max(b);
                proptest::prop_assert_eq!(d.raw_span(span.clone()), start(span.start)..end(span.end));
            }
        }
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
