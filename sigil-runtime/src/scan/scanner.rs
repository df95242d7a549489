//! The public scanner and its builder.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::decode;
use super::encoding::Encoding;
use super::engine::Engine;
use super::error::ScanError;
use super::hit::Hit;
use super::normalize;
use super::pack::Pack;
use super::pack_signature::{PackPublicKey, read_verified};

/// The default rule pack, embedded in the crate.
pub const DEFAULT_PACK_TOML: &str = include_str!("packs/default.toml");

const DEFAULT_ORIGIN: &str = "<embedded default>";

/// A compiled set of rules. Compile once, share everywhere: cloning is an `Arc` clone, and
/// scanning takes `&self` from any number of threads.
///
/// Scanning never fails and never panics on any input; time and memory are linear in the input.
#[derive(Clone)]
pub struct Scanner {
    engine: Arc<Engine>,
    decode_depth: u8,
}

impl fmt::Debug for Scanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.engine.rule_count())
            .finish_non_exhaustive()
    }
}

impl Scanner {
    /// Starts a scanner made of the packs that are added to the builder (none by default).
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder { packs: Vec::new() }
    }

    /// The scanner for the embedded default pack, compiled on first use and shared after.
    pub fn default_pack() -> Result<Scanner, ScanError> {
        static DEFAULT: OnceLock<Option<Scanner>> = OnceLock::new();
        let build = || Scanner::builder().default_pack()?.build();
        match DEFAULT.get_or_init(|| build().ok()) {
            Some(s) => Ok(s.clone()),
            // Only reachable with a broken embedded pack; rebuild to report why.
            None => build(),
        }
    }

    /// The same rules, decoding at most `depth` layers (default [`MAX_DEPTH`](crate::scan::MAX_DEPTH),
    /// capped there; 0 finds values in the clear only, as gitleaks' `--max-decode-depth=0`).
    pub fn with_decode_depth(&self, depth: u8) -> Scanner {
        Scanner {
            engine: self.engine.clone(),
            decode_depth: depth.min(decode::MAX_DEPTH),
        }
    }

    /// Number of rules compiled in.
    pub fn rule_count(&self) -> usize {
        self.engine.rule_count()
    }

    /// Scans plain bytes (need not be UTF-8), in the clear and inside base64, hex and percent
    /// encoding (see [`Encoding`](crate::scan::Encoding)). Hits are sorted by start and do
    /// not overlap.
    pub fn scan_text(&self, text: &[u8]) -> Vec<Hit> {
        self.with_decoded(text, self.engine.scan(text), &|t| self.engine.scan(t))
    }

    /// Scans raw JSON (or JSON Lines): string values and keys are scanned decoded, and each
    /// hit's span is a byte span of `raw` (covering whole escape sequences). Invalid or
    /// truncated JSON is scanned as plain text from the point where it stops making sense.
    pub fn scan_json(&self, raw: &[u8]) -> Vec<Hit> {
        self.with_decoded(raw, self.engine.scan_json(raw), &|t| {
            self.engine.scan_json(t)
        })
    }

    /// `plain` (the hits of `same_scan` on `input`), what `same_scan` finds in the normalised
    /// input (see `scan::normalize`), and what decoding `input` finds (see `scan::decode`),
    /// without overlaps: a hit in the clear wins over the others at the same place.
    fn with_decoded(
        &self,
        input: &[u8],
        plain: Vec<Hit>,
        same_scan: &dyn Fn(&[u8]) -> Vec<Hit>,
    ) -> Vec<Hit> {
        let mut found = Vec::new();
        if let Some(n) = normalize::normalize(input) {
            for hit in same_scan(&n.bytes) {
                let span = n.original(hit.span.clone());
                // Same length: the same bytes, already found in the clear.
                if span.len() != hit.span.len() {
                    found.push(Hit {
                        span,
                        encoding: Some(Encoding::Normalized),
                        ..hit
                    });
                }
            }
        }
        if self.decode_depth > 0 {
            let scan = |bytes: &[u8]| self.engine.scan(bytes);
            found.extend(decode::decoded_hits(input, self.decode_depth, &scan));
        }
        if found.is_empty() {
            return plain;
        }
        let mut all = plain;
        for hit in found {
            if !all
                .iter()
                .any(|h| h.span.start < hit.span.end && hit.span.start < h.span.end)
            {
                all.push(hit);
            }
        }
        all.sort_by_key(|h| h.span.start);
        all
    }

    /// [`Scanner::scan_json`] on a string.
    pub fn scan_json_str(&self, raw: &str) -> Vec<Hit> {
        self.scan_json(raw.as_bytes())
    }
}

/// Collects rule packs, then compiles them into a [`Scanner`].
#[derive(Debug)]
pub struct ScannerBuilder {
    packs: Vec<Pack>,
}

impl ScannerBuilder {
    /// Adds the embedded default pack.
    pub fn default_pack(self) -> Result<Self, ScanError> {
        Ok(self.pack(Pack::embedded_default()?))
    }

    /// Adds a parsed pack.
    pub fn pack(mut self, pack: Pack) -> Self {
        self.packs.push(pack);
        self
    }

    /// Adds a pack from TOML text.
    pub fn pack_toml(self, toml_text: &str) -> Result<Self, ScanError> {
        self.pack_toml_named(toml_text, "<string>")
    }

    fn pack_toml_named(self, toml_text: &str, origin: &str) -> Result<Self, ScanError> {
        Ok(self.pack(Pack::parse(toml_text, origin)?))
    }

    /// Adds a pack from a file (unsigned packs are accepted; see
    /// [`ScannerBuilder::pack_file_signed`]).
    pub fn pack_file(self, path: impl AsRef<Path>) -> Result<Self, ScanError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ScanError::Io {
            path: path.to_owned(),
            source,
        })?;
        self.pack_toml_named(&text, &path.display().to_string())
    }

    /// Adds a pack from a file after checking its `<pack>.sig` sidecar against `trusted`.
    /// A missing, malformed or failing signature refuses the pack.
    pub fn pack_file_signed(
        self,
        path: impl AsRef<Path>,
        trusted: &PackPublicKey,
    ) -> Result<Self, ScanError> {
        let path = path.as_ref();
        let bytes = read_verified(path, trusted)?;
        let text = String::from_utf8(bytes).map_err(|_| ScanError::PackSyntax {
            origin: path.display().to_string(),
            message: "pack is not UTF-8".into(),
        })?;
        self.pack_toml_named(&text, &path.display().to_string())
    }

    /// Compiles every rule of every pack into one scanner. Rule ids must be unique across
    /// packs.
    pub fn build(self) -> Result<Scanner, ScanError> {
        Ok(Scanner {
            engine: Arc::new(Engine::compile(&self.packs)?),
            decode_depth: decode::MAX_DEPTH,
        })
    }
}

impl Pack {
    /// The embedded default pack, parsed.
    pub fn embedded_default() -> Result<Pack, ScanError> {
        Ok(Pack::parse(DEFAULT_PACK_TOML, DEFAULT_ORIGIN)?.embedded())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + std::panic::UnwindSafe>() {}

    #[test]
    fn scanner_is_shareable_across_threads() {
        assert_send_sync::<Scanner>();
    }

    #[test]
    fn the_default_pack_reads_a_pattern_only_when_its_keyword_first_occurs() {
        let scanner = Scanner::builder().default_pack().unwrap().build().unwrap();
        // At build time only the keyword-less rules (the trigger pass needs their classes).
        let at_start = scanner.engine.analysed();
        assert!(at_start < 10, "{at_start} rules analysed at build time");
        assert!(scanner.scan_text(b"hello world 42").is_empty());
        assert_eq!(scanner.engine.analysed(), at_start);
        let hits = scanner.scan_text(b"key AKIAZ3MHQX7RTB4LWKPN");
        assert_eq!(hits.len(), 1);
        let after = scanner.engine.analysed();
        assert!(
            after > at_start && after < at_start + 10,
            "{after} rules analysed after one key"
        );
    }

    #[test]
    fn every_rule_of_the_embedded_default_pack_compiles_eagerly() {
        // What makes leaving their analyses and matchers for first use safe.
        let pack = Pack::embedded_default().unwrap();
        assert!(pack.is_embedded_default());
        for rule in pack.rules() {
            super::super::compiled_rule::CompiledRule::compile(rule, pack.origin(), false)
                .unwrap_or_else(|e| panic!("{}: {e}", rule.id));
        }
        let copy = Pack::parse(DEFAULT_PACK_TOML, "copy").unwrap();
        assert!(
            !copy.is_embedded_default(),
            "only the embedded pack is compiled lazily"
        );
    }

    #[test]
    fn embedded_default_pack_passes_its_self_test() {
        let pack = Pack::embedded_default().unwrap();
        let failures = pack.self_test().unwrap();
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
