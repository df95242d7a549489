//! Scanning a stream in chunks, with spans exact in the whole stream and memory bounded.
//!
//! Each chunk is scanned whole, but only the hits that start in its *region* are reported. The
//! region ends [`OVERLAP`] bytes before the chunk does, on a line start where one is near, and
//! the next chunk starts [`OVERLAP`] bytes before that end, again on a line start. So every hit
//! the engine can find (its search windows are capped at 64 KiB either side of a keyword) is
//! found whole in exactly one chunk, with the context before it, and reported once. Regions
//! tile the stream: each byte is in exactly one, which is what `sigil redact` writes.
//!
//! JSON Lines stay exact: chunks start on line starts, so each record is parsed as the
//! document it is. A pretty-printed JSON document larger than one chunk is parsed from each
//! chunk's first line, and scanned as text where that stops making sense.

use std::io::{self, Read};

use sigil_runtime::scan::{Hit, Scanner};

/// The bytes scanned at once (and the most read beyond them).
pub(crate) const CHUNK: usize = 8 << 20;
/// How far a region ends before its chunk does, and how far the next chunk reaches back.
pub(crate) const OVERLAP: usize = 192 << 10;
/// How far from the ideal cut a line start is looked for.
const LINE_SLACK: usize = 64 << 10;
/// The head of a walked file that is looked at for a NUL byte (then it is binary and skipped).
const BINARY_HEAD: usize = 8192;

/// One part of the stream, with the hits that start in it (spans relative to `bytes`; a hit
/// may end past the region's nominal cut, never past `bytes`).
pub(crate) struct Region<'b> {
    /// The region's first byte's offset in the stream.
    pub(crate) offset: u64,
    /// The region's bytes.
    pub(crate) bytes: &'b [u8],
    /// The hits that start in it, sorted, spans relative to `bytes`.
    pub(crate) hits: Vec<Hit>,
}

/// How a stream is cut: [`CHUNK`] and [`OVERLAP`], or smaller in tests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cuts {
    /// The bytes scanned at once, beyond the overlap.
    pub(crate) chunk: usize,
    /// How far a region ends before its chunk does.
    pub(crate) overlap: usize,
}

impl Default for Cuts {
    fn default() -> Self {
        Self {
            chunk: CHUNK,
            overlap: OVERLAP,
        }
    }
}

/// What came of a stream.
pub(crate) enum Outcome {
    /// Scanned to the end.
    Scanned,
    /// A walked file whose head holds a NUL byte: skipped.
    Binary,
}

/// Scans `reader` to its end, handing each region to `each` in order. With `skip_binary`, a
/// stream whose first 8 KiB hold a NUL byte is not scanned. `progress` is told how many bytes
/// have been read so far, after each chunk.
pub(crate) fn scan_stream(
    scanner: &Scanner,
    cuts: Cuts,
    reader: &mut dyn Read,
    skip_binary: bool,
    progress: &mut dyn FnMut(u64),
    each: &mut dyn FnMut(Region<'_>) -> io::Result<()>,
) -> io::Result<Outcome> {
    let Cuts { chunk, overlap } = cuts;
    let mut buf: Vec<u8> = Vec::with_capacity(chunk + overlap);
    // The stream offset of buf[0], and of the first byte not yet reported.
    let mut base: u64 = 0;
    let mut report_from: u64 = 0;
    let mut json: Option<bool> = None;
    loop {
        let eof = fill(reader, &mut buf, chunk + overlap)?;
        progress(base + buf.len() as u64);
        if base == 0 && skip_binary && buf[..buf.len().min(BINARY_HEAD)].contains(&0) {
            return Ok(Outcome::Binary);
        }
        let is_json = *json.get_or_insert_with(|| looks_like_json(&buf));
        let hits = if is_json {
            scanner.scan_json(&buf)
        } else {
            scanner.scan_text(&buf)
        };
        let from = (report_from - base) as usize;
        let cut = if eof {
            buf.len()
        } else {
            line_start_near(&buf, buf.len() - overlap).max(from)
        };
        let mut region_hits: Vec<Hit> = hits
            .into_iter()
            .filter(|h| h.span.start >= from && h.span.start < cut)
            .collect();
        let end = region_hits
            .iter()
            .map(|h| h.span.end)
            .max()
            .unwrap_or(cut)
            .max(cut);
        for h in &mut region_hits {
            h.span = h.span.start - from..h.span.end - from;
        }
        each(Region {
            offset: report_from,
            bytes: &buf[from..end],
            hits: region_hits,
        })?;
        if eof {
            return Ok(Outcome::Scanned);
        }
        report_from = base + end as u64;
        let keep_from = line_start_near(&buf, end.saturating_sub(overlap)).min(end);
        buf.drain(..keep_from);
        base += keep_from as u64;
    }
}

/// Reads until `buf` holds `want` bytes or the stream ends; whether it ended. (Into spare
/// capacity: nothing is zeroed first, which for a pipe's small reads cost a memset of the
/// whole chunk per read.)
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let missing = want.saturating_sub(buf.len()) as u64;
    reader.take(missing).read_to_end(buf)?;
    Ok(buf.len() < want)
}

/// JSON (first non-space byte `{` or `[`, which covers JSON Lines) is scanned decoded;
/// anything else as plain text.
fn looks_like_json(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// The start of the line that holds `at`, if it is at most [`LINE_SLACK`] bytes back; else
/// `at` itself.
fn line_start_near(buf: &[u8], at: usize) -> usize {
    let low = at.saturating_sub(LINE_SLACK);
    match memchr::memrchr(b'\n', &buf[low..at]) {
        Some(i) => low + i + 1,
        None => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call, as pipes do.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = out.len().min(self.step).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Small cuts, so that the tests cross many of them quickly; the overlap still exceeds
    /// every planted hit and its context.
    const TEST: Cuts = Cuts {
        chunk: 256 << 10,
        overlap: 16 << 10,
    };

    fn streamed(scanner: &Scanner, data: &[u8], step: usize) -> (Vec<(u64, u64, String)>, usize) {
        let mut found = Vec::new();
        let mut covered = 0usize;
        let mut reader = Trickle { data, step };
        scan_stream(scanner, TEST, &mut reader, false, &mut |_| {}, &mut |r| {
            assert_eq!(r.offset as usize, covered, "regions tile the stream");
            covered += r.bytes.len();
            for h in r.hits {
                let start = r.offset + h.span.start as u64;
                found.push((start, r.offset + h.span.end as u64, h.rule.to_string()));
            }
            Ok(())
        })
        .unwrap();
        (found, covered)
    }

    fn whole(scanner: &Scanner, data: &[u8]) -> Vec<(u64, u64, String)> {
        let hits = if looks_like_json(data) {
            scanner.scan_json(data)
        } else {
            scanner.scan_text(data)
        };
        hits.into_iter()
            .map(|h| (h.span.start as u64, h.span.end as u64, h.rule.to_string()))
            .collect()
    }

    /// A fresh-looking AWS access key ID, different for every `n`.
    fn aws_key_id(n: u32) -> String {
        const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let tail: String = (0..16)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                BASE32[(x % 32) as usize] as char
            })
            .collect();
        format!("AKIA{tail}")
    }

    /// Secrets planted every few hundred KiB, some right at the cuts a chunk would make.
    fn planted(json: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut n = 0u32;
        while out.len() < 3 * TEST.chunk {
            n += 1;
            let filler = "lorem ipsum dolor sit amet ".repeat(1 + (n as usize * 7919) % 900);
            let secret = aws_key_id(n);
            let line = if json {
                format!("{{\"note\":\"{filler}\",\"key\":\"{secret}\"}}\n")
            } else {
                format!("{filler}\naws key {secret} here\n")
            };
            out.extend_from_slice(line.as_bytes());
        }
        out
    }

    #[test]
    fn a_stream_in_chunks_reports_what_one_scan_reports() {
        let scanner = Scanner::default_pack().unwrap();
        for json in [false, true] {
            let data = planted(json);
            let expected = whole(&scanner, &data);
            assert!(expected.len() > 20, "{}", expected.len());
            for step in [TEST.chunk, 65_537, 4096] {
                let (found, covered) = streamed(&scanner, &data, step);
                assert_eq!(covered, data.len());
                assert_eq!(found, expected, "json {json}, step {step}");
            }
        }
    }

    #[test]
    fn a_secret_across_every_cut_is_found_once() {
        let scanner = Scanner::default_pack().unwrap();
        let secret = aws_key_id(7);
        let secret = secret.as_bytes();
        // A long line with no newline near the cut: the secret straddles the nominal cut.
        for shift in [0usize, 5, 10, 19, 20] {
            let mut data = vec![b'x'; TEST.chunk + TEST.overlap];
            data.push(b' ');
            let at = TEST.chunk - shift - 1;
            data[at - 1] = b' ';
            data[at..at + secret.len()].copy_from_slice(secret);
            data[at + secret.len()] = b' ';
            let (found, _) = streamed(&scanner, &data, TEST.chunk);
            let aws: Vec<_> = found.iter().filter(|f| f.0 == at as u64).collect();
            assert_eq!(aws.len(), 1, "shift {shift}: {found:?}");
        }
    }

    #[test]
    fn a_binary_head_is_skipped_only_when_asked() {
        let scanner = Scanner::default_pack().unwrap();
        let data = format!("\0\0 {} \n", aws_key_id(3)).into_bytes();
        let data = &data[..];
        let mut reader: &[u8] = data;
        let outcome = scan_stream(&scanner, TEST, &mut reader, true, &mut |_| {}, &mut |_| {
            Ok(())
        });
        assert!(matches!(outcome.unwrap(), Outcome::Binary));
        let (found, _) = streamed(&scanner, data, 7);
        assert_eq!(found.len(), 1);
    }
}
