//! The canonical record: one JSON object per line, keys in a fixed order, no insignificant
//! whitespace, absent optional fields omitted. The exact rules are in `docs/src/audit-format.md`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::timestamp::is_record_time;

/// One sealed record, as read back from a log line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Position in the chain, from 0, across rotated files.
    pub seq: u64,
    /// The log id (32 lowercase hex digits); present in record 0 only.
    #[serde(default)]
    pub log: Option<String>,
    /// When the record was sealed, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub time: String,
    /// The MAC key epoch that sealed it.
    pub epoch: u64,
    /// The event's wire name (`EventKind::as_str`).
    pub event: String,
    /// The canonical principal.
    pub principal: String,
    /// The tool concerned.
    #[serde(default)]
    pub tool: Option<String>,
    /// The decision.
    #[serde(default)]
    pub decision: Option<String>,
    /// Why, in words.
    #[serde(default)]
    pub reason: Option<String>,
    /// Rule ids and hit counts, sorted by id.
    #[serde(default)]
    pub rules: Option<BTreeMap<String, u64>>,
    /// Hex SHA-256 of the canonical arguments.
    #[serde(default)]
    pub args_digest: Option<String>,
    /// The session id.
    #[serde(default)]
    pub session: Option<String>,
    /// The replica that wrote the record, when the server is one of several.
    #[serde(default)]
    pub replica: Option<String>,
    /// Hex SHA-256 leaf hash of the previous line (or the genesis value for record 0).
    pub prev: String,
    /// Hex HMAC-SHA-256 of the record without `mac`, under the epoch's key.
    pub mac: String,
}

/// The fields of a record before its MAC, borrowed; what the writer encodes.
pub(crate) struct RecordFields<'a> {
    pub(crate) seq: u64,
    pub(crate) log: Option<&'a str>,
    pub(crate) time_millis: u64,
    pub(crate) epoch: u64,
    pub(crate) event: &'a str,
    pub(crate) principal: &'a str,
    pub(crate) tool: Option<&'a str>,
    pub(crate) decision: Option<&'a str>,
    pub(crate) reason: Option<&'a str>,
    /// Sorted by id, ids unique.
    pub(crate) rules: &'a [(String, u64)],
    pub(crate) args_digest: Option<&'a str>,
    pub(crate) session: Option<&'a str>,
    pub(crate) replica: Option<&'a str>,
    pub(crate) prev: &'a [u8; 32],
}

impl RecordFields<'_> {
    /// Appends the canonical record without `mac` and without the closing brace:
    /// `{"seq":..,...,"prev":"..."`. The MAC input is this followed by `}`.
    pub(crate) fn encode_body(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"seq\":");
        push_u64(self.seq, out);
        if let Some(log) = self.log {
            push_key_str("log", log, out);
        }
        out.extend_from_slice(b",\"time\":\"");
        super::timestamp::format_millis(self.time_millis, out);
        out.extend_from_slice(b"\",\"epoch\":");
        push_u64(self.epoch, out);
        push_key_str("event", self.event, out);
        push_key_str("principal", self.principal, out);
        push_opt("tool", self.tool, out);
        push_opt("decision", self.decision, out);
        push_opt("reason", self.reason, out);
        push_rules(self.rules.iter().map(|(id, n)| (id.as_str(), *n)), out);
        push_opt("args_digest", self.args_digest, out);
        push_opt("session", self.session, out);
        push_opt("replica", self.replica, out);
        out.extend_from_slice(b",\"prev\":\"");
        push_hex(self.prev, out);
        out.push(b'"');
    }
}

impl Record {
    /// Parses one line (without its newline). `None` when it is not a record in canonical form.
    pub fn parse_canonical(line: &[u8], scratch: &mut Vec<u8>) -> Option<Record> {
        RecordRef::parse_canonical(line, scratch).map(RecordRef::into_owned)
    }

    /// The MAC input length: the line up to the `,"mac":` member, which is then followed by `}`.
    pub(crate) fn mac_input_len(line: &[u8]) -> usize {
        // A canonical line ends with `,"mac":"<64 hex>"}`: 8 + 64 + 2 bytes.
        line.len().saturating_sub(74)
    }
}

/// A record parsed without copying its strings (they borrow from the line unless escaped).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordRef<'a> {
    pub(crate) seq: u64,
    #[serde(default, borrow)]
    pub(crate) log: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time: Cow<'a, str>,
    pub(crate) epoch: u64,
    #[serde(borrow)]
    pub(crate) event: Cow<'a, str>,
    #[serde(borrow)]
    principal: Cow<'a, str>,
    #[serde(default, borrow)]
    tool: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    decision: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    reason: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    rules: Option<BTreeMap<Cow<'a, str>, u64>>,
    #[serde(default, borrow)]
    args_digest: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    session: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    replica: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) prev: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) mac: Cow<'a, str>,
}

impl<'a> RecordRef<'a> {
    /// Parses one line and checks that it is byte for byte the canonical encoding.
    pub(crate) fn parse_canonical(line: &'a [u8], scratch: &mut Vec<u8>) -> Option<Self> {
        let record: RecordRef<'a> = serde_json::from_slice(line).ok()?;
        scratch.clear();
        record.encode_body(scratch)?;
        scratch.extend_from_slice(b",\"mac\":\"");
        scratch.extend_from_slice(record.mac.as_bytes());
        scratch.extend_from_slice(b"\"}");
        (scratch.as_slice() == line).then_some(record)
    }

    fn encode_body(&self, out: &mut Vec<u8>) -> Option<()> {
        if !is_record_time(&self.time) || !is_hex64(&self.prev) || !is_hex64(&self.mac) {
            return None;
        }
        if matches!(&self.rules, Some(r) if r.is_empty()) {
            return None;
        }
        out.extend_from_slice(b"{\"seq\":");
        push_u64(self.seq, out);
        if let Some(log) = &self.log {
            push_key_str("log", log, out);
        }
        push_key_str("time", &self.time, out);
        out.extend_from_slice(b",\"epoch\":");
        push_u64(self.epoch, out);
        push_key_str("event", &self.event, out);
        push_key_str("principal", &self.principal, out);
        for (key, value) in [
            ("tool", &self.tool),
            ("decision", &self.decision),
            ("reason", &self.reason),
        ] {
            if let Some(value) = value {
                push_key_str(key, value, out);
            }
        }
        if let Some(rules) = &self.rules {
            let mut first = true;
            for (id, count) in rules {
                out.extend_from_slice(if first { b",\"rules\":{" } else { b"," });
                first = false;
                push_str(id, out);
                out.push(b':');
                push_u64(*count, out);
            }
            out.push(b'}');
        }
        for (key, value) in [
            ("args_digest", &self.args_digest),
            ("session", &self.session),
            ("replica", &self.replica),
        ] {
            if let Some(value) = value {
                push_key_str(key, value, out);
            }
        }
        push_key_str("prev", &self.prev, out);
        Some(())
    }

    fn into_owned(self) -> Record {
        let own = |c: Cow<'a, str>| c.into_owned();
        Record {
            seq: self.seq,
            log: self.log.map(own),
            time: own(self.time),
            epoch: self.epoch,
            event: own(self.event),
            principal: own(self.principal),
            tool: self.tool.map(own),
            decision: self.decision.map(own),
            reason: self.reason.map(own),
            rules: self
                .rules
                .map(|r| r.into_iter().map(|(k, v)| (own(k), v)).collect()),
            args_digest: self.args_digest.map(own),
            session: self.session.map(own),
            replica: self.replica.map(own),
            prev: own(self.prev),
            mac: own(self.mac),
        }
    }
}

fn push_rules<'a>(rules: impl Iterator<Item = (&'a str, u64)>, out: &mut Vec<u8>) {
    let mut first = true;
    for (id, count) in rules {
        out.extend_from_slice(if first { b",\"rules\":{" } else { b"," });
        first = false;
        push_str(id, out);
        out.push(b':');
        push_u64(count, out);
    }
    if !first {
        out.push(b'}');
    }
}

fn push_opt(key: &str, value: Option<&str>, out: &mut Vec<u8>) {
    if let Some(value) = value {
        push_key_str(key, value, out);
    }
}

fn push_key_str(key: &str, value: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    push_str(value, out);
}

/// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00xx`
/// (lowercase hex), every other character as its UTF-8 bytes.
pub(crate) fn push_str(value: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = value.as_bytes();
    let Some(first) = first_escape(bytes) else {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    };
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            push_hex(&[b], out);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The first byte that needs escaping (`"`, `\\` or below 0x20), eight bytes at a time.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut chunks = bytes.chunks_exact(8);
    for (n, chunk) in chunks.by_ref().enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // Bytes below 0x20: subtracting 0x20 borrows into the high bit for them (bytes >= 0x80
        // are excluded by `!x`).
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        if control
            | has_zero(x ^ (ONES * u64::from(b'"')))
            | has_zero(x ^ (ONES * u64::from(b'\\')))
            != 0
            && let Some(i) = chunk
                .iter()
                .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        {
            return Some(n * 8 + i);
        }
    }
    let tail = chunks.remainder();
    let offset = bytes.len() - tail.len();
    tail.iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|i| offset + i)
}

pub(crate) fn push_u64(value: u64, out: &mut Vec<u8>) {
    let mut buf = itoa_buffer();
    out.extend_from_slice(format_u64(value, &mut buf));
}

fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

fn format_u64(mut value: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
        if value == 0 {
            return &buf[i..];
        }
    }
}

/// Lowercase hex.
pub(crate) fn push_hex(bytes: &[u8], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
}

/// Lowercase hex as a `String`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    push_hex(bytes, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Decodes lowercase or uppercase hex into exactly `N` bytes.
pub(crate) fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let b = text.as_bytes();
    if b.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = [0u8; N];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

fn is_hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(rules: &'a [(String, u64)], prev: &'a [u8; 32]) -> RecordFields<'a> {
        RecordFields {
            seq: 7,
            log: None,
            time_millis: 1_764_100_247_009,
            epoch: 2,
            event: "call_refused",
            principal: "oidc:https://id.example#alice",
            tool: Some("transfer"),
            decision: Some("refused"),
            reason: Some("trust \"low\"\n< high"),
            rules,
            args_digest: None,
            session: Some("s1"),
            replica: None,
            prev,
        }
    }

    #[test]
    fn encodes_fixed_order_and_omits_absent_fields() {
        let rules = vec![("aws_key".to_owned(), 2), ("iban".to_owned(), 1)];
        let mut out = Vec::new();
        fields(&rules, &[0xab; 32]).encode_body(&mut out);
        let expected = format!(
            "{{\"seq\":7,\"time\":\"2025-11-25T19:50:47.009Z\",\"epoch\":2,\"event\":\"call_refused\",\
             \"principal\":\"oidc:https://id.example#alice\",\"tool\":\"transfer\",\"decision\":\"refused\",\
             \"reason\":\"trust \\\"low\\\"\\n< high\",\"rules\":{{\"aws_key\":2,\"iban\":1}},\"session\":\"s1\",\
             \"prev\":\"{}\"",
            "ab".repeat(32)
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn parse_accepts_only_the_canonical_form() {
        let mut body = Vec::new();
        fields(&[], &[1; 32]).encode_body(&mut body);
        let line = [
            body.as_slice(),
            b",\"mac\":\"",
            "cd".repeat(32).as_bytes(),
            b"\"}",
        ]
        .concat();
        let mut scratch = Vec::new();
        let record = Record::parse_canonical(&line, &mut scratch).expect("canonical");
        assert_eq!(record.seq, 7);
        assert_eq!(record.reason.as_deref(), Some("trust \"low\"\n< high"));
        assert_eq!(Record::mac_input_len(&line), body.len());
        let spaced = String::from_utf8(line.clone())
            .unwrap()
            .replacen(",", ", ", 1);
        assert!(Record::parse_canonical(spaced.as_bytes(), &mut scratch).is_none());
        let nulled = String::from_utf8(line)
            .unwrap()
            .replacen("}", ",\"tool\":null}", 1);
        assert!(Record::parse_canonical(nulled.as_bytes(), &mut scratch).is_none());
    }

    #[test]
    fn the_fast_escape_scan_agrees_with_the_byte_loop() {
        for len in 0..40 {
            for pos in 0..len {
                for special in [0u8, 0x1f, b'"', b'\\', 0x20, 0x7f, 0xc3] {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = special;
                    let naive = bytes
                        .iter()
                        .position(|&b| b < 0x20 || b == b'"' || b == b'\\');
                    assert_eq!(
                        first_escape(&bytes),
                        naive,
                        "len {len} pos {pos} byte {special:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn control_characters_escape_as_lowercase_u00() {
        let mut out = Vec::new();
        push_str("a\u{1}\u{7f}é/", &mut out);
        assert_eq!(out, "\"a\\u0001\u{7f}é/\"".as_bytes());
    }
}
