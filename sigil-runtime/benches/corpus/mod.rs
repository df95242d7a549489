//! A deterministic corpus of MCP JSON-RPC traffic (one message per line, 100 B to 1 MB) with
//! planted fake secrets and near-miss decoys, and the ground truth for them.
//!
//! Every value is generated here from a seeded PRNG; none is real. Spans in the ground truth
//! are byte spans of the raw line (so they cover JSON escapes, e.g. `\/` or `\u00e9`).

mod checksums;
mod decoys;
mod filler;
mod rng;
mod values;

use std::io::Write;
use std::path::Path;

use sigil_runtime::vault::DataKind;

pub(crate) use decoys::DECOYS;
pub(crate) use rng::Rng;
pub(crate) use values::SECRETS;

/// One planted value in a message.
#[derive(Debug, Clone)]
pub(crate) struct Planted {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) label: &'static str,
    /// The kind a correct scanner reports; `None` for a decoy.
    pub(crate) kind: Option<DataKind>,
}

pub(crate) struct Message {
    pub(crate) raw: String,
    pub(crate) planted: Vec<Planted>,
}

/// Messages adding up to about `total_bytes`: most small, some medium, a few up to 1 MB.
/// With `plants`, about one filler piece in twenty is followed by a planted secret and one in
/// twenty by a decoy (a value every 1-2 KB, far denser than real traffic); without, the
/// same traffic carries none.
pub(crate) fn generate(seed: u64, total_bytes: usize, plants: bool) -> Vec<Message> {
    let mut r = Rng::new(seed);
    let mut out = Vec::new();
    let mut size = 0;
    while size < total_bytes {
        let target = match r.below(100) {
            0..70 => log_uniform(&mut r, 100, 2_048),
            70..95 => log_uniform(&mut r, 2_048, 65_536),
            _ => log_uniform(&mut r, 65_536, 1 << 20),
        };
        let m = message(&mut r, target, plants);
        size += m.raw.len() + 1;
        out.push(m);
    }
    out
}

/// `count` messages of about `size` bytes each.
pub(crate) fn messages_of_size(seed: u64, size: usize, count: usize) -> Vec<Message> {
    let mut r = Rng::new(seed);
    (0..count).map(|_| message(&mut r, size, true)).collect()
}

fn log_uniform(r: &mut Rng, lo: usize, hi: usize) -> usize {
    let x = (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ((lo as f64).ln() + x * ((hi as f64).ln() - (lo as f64).ln())).exp() as usize
}

/// Writes `corpus.jsonl` and `truth.jsonl` (one planted value per line, spans relative to
/// the message line, `kind` null for decoys) into `dir`.
pub(crate) fn write(messages: &[Message], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut corpus = std::io::BufWriter::new(std::fs::File::create(dir.join("corpus.jsonl"))?);
    let mut truth = std::io::BufWriter::new(std::fs::File::create(dir.join("truth.jsonl"))?);
    let mut offset = 0;
    for (line, m) in messages.iter().enumerate() {
        corpus.write_all(m.raw.as_bytes())?;
        corpus.write_all(b"\n")?;
        for p in &m.planted {
            let kind = p
                .kind
                .map_or("null".to_owned(), |k| format!("\"{}\"", k.name()));
            writeln!(
                truth,
                r#"{{"line":{},"start":{},"end":{},"file_start":{},"label":"{}","kind":{kind}}}"#,
                line + 1,
                p.start,
                p.end,
                offset + p.start,
                p.label
            )?;
        }
        offset += m.raw.len() + 1;
    }
    corpus.flush()?;
    truth.flush()
}

/// Builds one JSON-RPC line while tracking where planted values land in the raw text.
struct Builder {
    raw: String,
    planted: Vec<Planted>,
    escape_slash: bool,
    ascii_only: bool,
    /// Chance of a planted secret (and of a decoy) after a filler piece.
    plant_chance: f64,
}

impl Builder {
    fn raw(&mut self, s: &str) {
        self.raw.push_str(s);
    }

    /// Appends `s` escaped as JSON string content.
    fn escaped(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '"' => self.raw.push_str("\\\""),
                '\\' => self.raw.push_str("\\\\"),
                '\n' => self.raw.push_str("\\n"),
                '\t' => self.raw.push_str("\\t"),
                '\r' => self.raw.push_str("\\r"),
                '/' if self.escape_slash => self.raw.push_str("\\/"),
                c if (c as u32) < 0x20 || (self.ascii_only && !c.is_ascii()) => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        self.raw.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => self.raw.push(c),
            }
        }
    }

    fn plant(&mut self, parts: values::Parts, label: &'static str, kind: Option<DataKind>) {
        let (before, value, after) = parts;
        self.escaped(&before);
        let start = self.raw.len();
        self.escaped(&value);
        let end = self.raw.len();
        self.escaped(&after);
        self.planted.push(Planted {
            start,
            end,
            label,
            kind,
        });
    }

    /// Filler pieces with planted values until the raw text reaches `target` bytes.
    fn body(&mut self, r: &mut Rng, target: usize) {
        while self.raw.len() < target {
            let piece = match r.below(20) {
                0..10 => filler::prose(r),
                10..15 => filler::log_line(r),
                15..18 => filler::code(r),
                _ => filler::json_payload(r) + "\n",
            };
            self.escaped(&piece);
            if r.chance(self.plant_chance) {
                let s = r.pick(SECRETS);
                let parts = (s.make)(r);
                self.plant(parts, s.label, Some(s.kind));
                self.escaped(r.pick::<&str>(&[" ", "\n", ". ", "\n\n"]));
            }
            if r.chance(self.plant_chance) {
                let d = r.pick(DECOYS);
                let parts = (d.make)(r);
                self.plant(parts, d.label, None);
                self.escaped(r.pick::<&str>(&[" ", "\n", ". "]));
            }
        }
    }
}

fn message(r: &mut Rng, target: usize, plants: bool) -> Message {
    let mut b = Builder {
        raw: String::with_capacity(target + 256),
        planted: Vec::new(),
        escape_slash: r.chance(0.2),
        ascii_only: r.chance(0.3),
        plant_chance: if plants { 0.05 } else { 0.0 },
    };
    let id = r.below(1_000_000);
    if r.chance(0.3) {
        // A tools/call request: an argument may carry a value.
        b.raw(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{}","arguments":{{"#,
            r.pick(&["send_email", "transfer_funds", "query_db", "read_file", "search"])
        ));
        if plants && r.chance(0.3) {
            let s = r.pick(SECRETS);
            b.raw(r#""value":""#);
            let (_, value, _) = (s.make)(r);
            b.plant((String::new(), value, String::new()), s.label, Some(s.kind));
            b.raw(r#"","#);
        }
        b.raw(r#""text":""#);
        b.body(r, target.saturating_sub(6));
        b.raw(r#""}}}"#);
    } else {
        b.raw(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":[{{"type":"text","text":""#
        ));
        b.body(r, target.saturating_sub(20));
        b.raw(r#""}],"isError":false}}"#);
    }
    Message {
        raw: b.raw,
        planted: b.planted,
    }
}
