//! A strict single-pass reader of canonical record lines for the verifier's hot path: it accepts
//! exactly the canonical encoding (the same lines `Record::parse_canonical` accepts) and returns
//! only what the chain checks need, without allocating.

use std::borrow::Cow;

use super::record::from_hex;
use super::timestamp::is_record_time;

/// What the verifier needs from a canonical line.
pub(crate) struct Scanned<'a> {
    pub(crate) seq: u64,
    pub(crate) log: Option<&'a str>,
    pub(crate) epoch: u64,
    pub(crate) event: &'a [u8],
    pub(crate) prev: [u8; 32],
    pub(crate) mac: [u8; 32],
}

struct Cursor<'a> {
    line: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, literal: &[u8]) -> bool {
        let found = self.line[self.pos..].starts_with(literal);
        if found {
            self.pos += literal.len();
        }
        found
    }

    fn expect(&mut self, literal: &[u8]) -> Option<()> {
        self.eat(literal).then_some(())
    }

    /// A canonical unsigned integer.
    fn number(&mut self) -> Option<u64> {
        let digits = self.line[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let text = &self.line[self.pos..self.pos + digits];
        if digits == 0 || (digits > 1 && text[0] == b'0') {
            return None;
        }
        self.pos += digits;
        text.iter().try_fold(0u64, |acc, d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    }

    /// A canonically escaped string; returns its raw (still escaped) contents.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.expect(b"\"")?;
        let start = self.pos;
        loop {
            let rest = &self.line[self.pos..];
            let i = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            self.pos += i;
            match rest[i] {
                b'"' => {
                    self.pos += 1;
                    return Some(&self.line[start..self.pos - 1]);
                }
                b'\\' => self.escape()?,
                _ => return None,
            }
        }
    }

    fn escape(&mut self) -> Option<()> {
        let rest = &self.line[self.pos..];
        let len = match rest.get(1)? {
            b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
            b'u' => {
                let &[
                    b'0',
                    b'0',
                    hi @ (b'0' | b'1'),
                    lo @ (b'0'..=b'9' | b'a'..=b'f'),
                ] = rest.get(2..6)?
                else {
                    return None;
                };
                let low = if lo.is_ascii_digit() {
                    lo - b'0'
                } else {
                    lo - b'a' + 10
                };
                if matches!((hi - b'0') << 4 | low, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                    return None;
                }
                6
            }
            _ => return None,
        };
        self.pos += len;
        Some(())
    }

    fn hex64(&mut self) -> Option<[u8; 32]> {
        let text = self.line.get(self.pos..self.pos + 64)?;
        if !text.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        self.pos += 64;
        from_hex(std::str::from_utf8(text).ok()?)
    }
}

/// Reads a canonical line, or `None` when it is not one.
pub(crate) fn scan(line: &[u8]) -> Option<Scanned<'_>> {
    std::str::from_utf8(line).ok()?;
    let mut c = Cursor { line, pos: 0 };
    c.expect(b"{\"seq\":")?;
    let seq = c.number()?;
    let log = if c.eat(b",\"log\":") {
        Some(std::str::from_utf8(c.string()?).ok()?)
    } else {
        None
    };
    c.expect(b",\"time\":")?;
    if !is_record_time(std::str::from_utf8(c.string()?).ok()?) {
        return None;
    }
    c.expect(b",\"epoch\":")?;
    let epoch = c.number()?;
    c.expect(b",\"event\":")?;
    let event = c.string()?;
    c.expect(b",\"principal\":")?;
    c.string()?;
    for key in [&b",\"tool\":"[..], b",\"decision\":", b",\"reason\":"] {
        if c.eat(key) {
            c.string()?;
        }
    }
    if c.eat(b",\"rules\":{") {
        let mut previous: Option<Cow<'_, [u8]>> = None;
        loop {
            let raw = c.string()?;
            let id = if raw.contains(&b'\\') {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            };
            if previous.as_ref().is_some_and(|p| *p >= id) {
                return None;
            }
            previous = Some(id);
            c.expect(b":")?;
            c.number()?;
            if c.eat(b"}") {
                break;
            }
            c.expect(b",")?;
        }
    }
    for key in [
        &b",\"args_digest\":"[..],
        b",\"session\":",
        b",\"replica\":",
    ] {
        if c.eat(key) {
            c.string()?;
        }
    }
    c.expect(b",\"prev\":\"")?;
    let prev = c.hex64()?;
    c.expect(b"\",\"mac\":\"")?;
    let mac = c.hex64()?;
    c.expect(b"\"}")?;
    (c.pos == line.len()).then_some(Scanned {
        seq,
        log,
        epoch,
        event,
        prev,
        mac,
    })
}

/// Decodes a canonically escaped string's bytes (only rule ids need this, for their order).
fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let (byte, len) = match raw.get(i + 1) {
            Some(b'b') => (0x08, 2),
            Some(b'f') => (0x0c, 2),
            Some(b'n') => (b'\n', 2),
            Some(b'r') => (b'\r', 2),
            Some(b't') => (b'\t', 2),
            Some(b'u') => {
                let hex = raw
                    .get(i + 4..i + 6)
                    .and_then(|h| std::str::from_utf8(h).ok());
                (hex.and_then(from_hex::<1>).map_or(0, |b| b[0]), 6)
            }
            Some(&other) => (other, 2),
            None => (b'\\', 1),
        };
        out.push(byte);
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::RecordRef;

    const LINE: &str = concat!(
        r#"{"seq":3,"time":"2025-11-25T19:50:47.009Z","epoch":1,"event":"scan_interception","#,
        r#""principal":"oidc:https://id.example#a\"b\u001f","tool":"t","rules":{"aws":2,"iban":1},"#,
        r#""session":"s","prev":"0000000000000000000000000000000000000000000000000000000000000000","#,
        r#""mac":"1111111111111111111111111111111111111111111111111111111111111111"}"#
    );

    #[test]
    fn reads_a_canonical_line() {
        let s = scan(LINE.as_bytes()).expect("canonical");
        assert_eq!((s.seq, s.epoch, s.event), (3, 1, &b"scan_interception"[..]));
        assert_eq!(s.mac, [0x11; 32]);
    }

    /// The scanner and the serde reader accept exactly the same lines.
    #[test]
    fn agrees_with_the_serde_reader_on_every_single_byte_change() {
        let mut scratch = Vec::new();
        let base = LINE.as_bytes();
        let replacements = [
            b'"', b'\\', b'0', b'1', b'a', b'A', b'u', b',', b'}', b' ', 0x1f, 0x80,
        ];
        let mut accepted = 0;
        for pos in 0..base.len() {
            for &r in &replacements {
                let mut line = base.to_vec();
                line[pos] = r;
                let ours = scan(&line).is_some();
                let serde = RecordRef::parse_canonical(&line, &mut scratch).is_some();
                assert_eq!(
                    ours,
                    serde,
                    "at {pos} with {r:#x}: {}",
                    String::from_utf8_lossy(&line)
                );
                accepted += usize::from(ours);
            }
            let mut shorter = base.to_vec();
            shorter.remove(pos);
            let ours = scan(&shorter).is_some();
            assert_eq!(
                ours,
                RecordRef::parse_canonical(&shorter, &mut scratch).is_some(),
                "removed {pos}"
            );
        }
        assert!(
            accepted > 100,
            "value changes inside strings stay canonical: {accepted}"
        );
    }
}
