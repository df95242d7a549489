//! The embedded default rule pack is well-formed and precise: every rule compiles, every
//! example is found by its rule (validators included), no negative is, keywords are present in
//! every match, and a corpus of look-alikes (UUIDs, hashes, versions, placeholders, test cards)
//! hits no rule at all.
//!
//! This checker is self-contained (it does not use the engine's pack loader) so that the pack can
//! be validated on its own.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use regex::bytes::Regex;
use serde::Deserialize;
use sigil_runtime::scan::validators::{self, Validator};
use sigil_runtime::vault::DataKind;

const DEFAULT_PACK: &str = include_str!("../src/scan/packs/default.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: PackMeta,
    rule: Vec<RuleDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackMeta {
    name: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    name: String,
    category: String,
    severity: String,
    kind: String,
    keywords: Vec<String>,
    pattern: String,
    validator: Option<OneOrMany>,
    priority: Option<i32>,
    examples: Vec<String>,
    negative: Vec<String>,
}

/// A rule ready to run: compiled regex and parsed validators.
struct Compiled {
    id: String,
    keywords: Vec<String>,
    regex: Regex,
    validators: Vec<Validator>,
    priority: i32,
}

/// One validated match: the reported span and the whole match.
struct Found {
    span: Range<usize>,
    whole: Range<usize>,
}

fn load() -> PackFile {
    toml::from_str(DEFAULT_PACK).expect("default.toml parses")
}

fn compile(rules: &[RuleDef]) -> (Vec<Compiled>, Vec<String>) {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for r in rules {
        // Default size limits: the engine must be able to compile every rule as written.
        let regex = match Regex::new(&r.pattern) {
            Ok(re) => re,
            Err(e) => {
                errors.push(format!("{}: pattern does not compile: {e}", r.id));
                continue;
            }
        };
        let specs: Vec<&str> = match &r.validator {
            None => Vec::new(),
            Some(OneOrMany::One(s)) => vec![s.as_str()],
            Some(OneOrMany::Many(v)) => v.iter().map(String::as_str).collect(),
        };
        let mut parsed = Vec::new();
        for spec in specs {
            match Validator::parse(spec) {
                Ok(v) => parsed.push(v),
                Err(e) => errors.push(format!("{}: {e}", r.id)),
            }
        }
        out.push(Compiled {
            id: r.id.clone(),
            keywords: r.keywords.clone(),
            regex,
            validators: parsed,
            priority: r.priority.unwrap_or(0),
        });
    }
    (out, errors)
}

/// Every validated hit of `rule` in `text`, as the engine reports them.
fn hits(rule: &Compiled, text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    // Bytes, as the engine matches: `(?-u)` classes may match inside a multi-byte character.
    for caps in rule.regex.captures_iter(text.as_bytes()) {
        let whole = caps.get(0).expect("group 0 always matches");
        let value = caps.name("secret").or_else(|| caps.get(1)).unwrap_or(whole);
        let value_text = String::from_utf8_lossy(value.as_bytes());
        if rule.validators.iter().all(|v| v.check(&value_text)) {
            found.push(Found {
                span: value.range(),
                whole: whole.range(),
            });
        }
    }
    found
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

#[test]
fn pack_header_and_rule_metadata_are_valid() {
    let pack = load();
    assert_eq!(pack.pack.name, "sigil-default");
    assert!(!pack.pack.version.is_empty());
    assert!(
        pack.rule.len() >= 180,
        "only {} rules in the default pack",
        pack.rule.len()
    );
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    for r in &pack.rule {
        if !ids.insert(r.id.as_str()) {
            errors.push(format!("{}: duplicate id", r.id));
        }
        let kebab = !r.id.is_empty()
            && r.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !r.id.starts_with('-')
            && !r.id.ends_with('-')
            && !r.id.contains("--");
        if !kebab {
            errors.push(format!("{}: id is not kebab-case", r.id));
        }
        if r.name.trim().is_empty() {
            errors.push(format!("{}: empty name", r.id));
        }
        if !["credential", "secret", "financial", "pii"].contains(&r.category.as_str()) {
            errors.push(format!("{}: unknown category {}", r.id, r.category));
        }
        if !["low", "medium", "high", "critical"].contains(&r.severity.as_str()) {
            errors.push(format!("{}: unknown severity {}", r.id, r.severity));
        }
        if DataKind::parse(&r.kind).is_none() {
            errors.push(format!("{}: unknown kind {}", r.id, r.kind));
        }
        for k in &r.keywords {
            if k.is_empty() || !k.is_ascii() || k.to_ascii_lowercase() != *k {
                errors.push(format!("{}: keyword {k:?} is not lowercase ASCII", r.id));
            }
        }
        if r.examples.is_empty() || r.negative.is_empty() {
            errors.push(format!("{}: needs examples and negatives", r.id));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn keyword_less_rules_are_few() {
    let pack = load();
    let keywordless: Vec<&str> = pack
        .rule
        .iter()
        .filter(|r| r.keywords.is_empty())
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        keywordless.len() <= 4,
        "keyword-less rules: {keywordless:?}"
    );
}

#[test]
fn at_least_35_validators_are_registered_and_the_pack_uses_them() {
    let names: BTreeSet<&str> = validators::names().collect();
    assert!(names.len() >= 35, "only {} validators", names.len());
    let pack = load();
    let mut used = BTreeSet::new();
    for r in &pack.rule {
        match &r.validator {
            Some(OneOrMany::One(s)) => {
                used.insert(s.clone());
            }
            Some(OneOrMany::Many(v)) => used.extend(v.iter().cloned()),
            None => {}
        }
    }
    assert!(
        used.len() >= 35,
        "the pack uses only {} validator specs",
        used.len()
    );
}

#[test]
fn every_example_hits_its_rule_and_no_negative_does() {
    let pack = load();
    let (compiled, mut errors) = compile(&pack.rule);
    for (def, rule) in pack.rule.iter().zip(&compiled) {
        for ex in &def.examples {
            let found = hits(rule, ex);
            if found.is_empty() {
                errors.push(format!("{}: example not found: {ex:?}", def.id));
            }
            for f in &found {
                let whole = ex[f.whole.clone()].to_ascii_lowercase();
                if !rule.keywords.is_empty() && !rule.keywords.iter().any(|k| whole.contains(k)) {
                    errors.push(format!(
                        "{}: match {:?} contains none of the keywords",
                        def.id,
                        &ex[f.whole.clone()]
                    ));
                }
            }
        }
        for neg in &def.negative {
            if !hits(rule, neg).is_empty() {
                errors.push(format!("{}: negative hit: {neg:?}", def.id));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn examples_are_found_inside_surrounding_text() {
    let pack = load();
    let (compiled, errors) = compile(&pack.rule);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut problems = Vec::new();
    for (def, rule) in pack.rule.iter().zip(&compiled) {
        for ex in &def.examples {
            let wrapped = [
                format!("before text\n{ex}\nafter text"),
                format!("{{\"note\": \"{ex}\"}}"),
                format!("(see: {ex} )"),
                format!("{ex}\r\n"),
            ];
            for w in &wrapped {
                if hits(rule, w).is_empty() {
                    problems.push(format!("{}: not found in {w:?}", def.id));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The engine skips regex searches where cheap gates say no match can be (byte classes at a
/// match's start and after its keyword, see `class_prefix.rs`); here every hit a plain run of
/// the rule's regex finds in an example, in several surroundings and as JSON, is also covered
/// by a hit of the engine with the whole default pack.
#[test]
fn the_engine_finds_what_each_rule_alone_finds_in_its_examples() {
    let pack = load();
    let (compiled, errors) = compile(&pack.rule);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let scanner = sigil_runtime::scan::Scanner::default_pack().expect("default pack compiles");
    let mut problems = Vec::new();
    for (def, rule) in pack.rule.iter().zip(&compiled) {
        for ex in &def.examples {
            let texts = [
                ex.clone(),
                format!("before text\n{ex}\nafter text"),
                format!("(see: {ex} )"),
                format!("{ex} {ex}"),
            ];
            for text in &texts {
                let engine = scanner.scan_text(text.as_bytes());
                for want in hits(rule, text) {
                    if !engine.iter().any(|h| overlaps(&h.span, &want.span)) {
                        problems.push(format!("{}: {text:?} at {:?}", def.id, want.span));
                    }
                }
            }
            // The same as a JSON string value: the engine decodes it first.
            let json = serde_json::to_string(&serde_json::json!({ "note": ex })).expect("json");
            if !hits(rule, ex).is_empty() && scanner.scan_json(json.as_bytes()).is_empty() {
                problems.push(format!("{}: nothing found in {json:?}", def.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn examples_are_not_contested_by_an_equal_or_higher_priority_rule() {
    let pack = load();
    let (compiled, errors) = compile(&pack.rule);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut problems = Vec::new();
    for (def, rule) in pack.rule.iter().zip(&compiled) {
        for ex in &def.examples {
            for own in hits(rule, ex) {
                // A rule of higher or equal priority overlapping the example would win, or leave
                // the outcome to the engine's tie-break.
                let rivals = compiled
                    .iter()
                    .filter(|o| o.priority >= rule.priority && o.id != rule.id);
                for other in rivals {
                    if hits(other, ex).iter().any(|h| overlaps(&h.span, &own.span)) {
                        problems.push(format!(
                            "{}: example {ex:?} is contested by rule {} (priority {} >= {})",
                            def.id, other.id, other.priority, rule.priority
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Values that look like secrets or personal data but are not: none may hit any rule.
const LOOK_ALIKES: &[&str] = &[
    // UUIDs and hashes.
    "request_id: 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "{\"id\": \"7d444840-9dc0-11d1-b245-5ffdce74fad2\", \"status\": \"ok\"}",
    "commit da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "md5 d41d8cd98f00b204e9800998ecf8427e",
    "\"integrity\": \"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==\"",
    "image: ghcr.io/acme/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    // Versions and dates.
    "version = \"1.2.3\"",
    "\"version\": \"v2.0.0-beta.1\"",
    "released 2024-05-01T10:00:00Z",
    "date: 01/05/2024",
    // URLs without a password, and documentation values.
    "https://api.github.com/repos/acme/app/pulls?page=2",
    "postgres://db.internal:5432/app",
    "see https://user@example.com/path",
    "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    // Placeholders.
    "GITHUB_TOKEN=${GITHUB_TOKEN}",
    "api_key: <your-api-key>",
    "password = \"changeme\"",
    "token: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    "SLACK_TOKEN=xoxb-your-token-here",
    // Publishable keys are meant to be public.
    "STRIPE_PUBLISHABLE_KEY=pk_live_51Hq8ZtLm3Vx9Rk2Pb7Wc4Nd6Yf1Ga0Ju5",
    "pk_test_51Hq8ZtLm3Vx9Rk2Pb7Wc4Nd6Yf1Ga0Ju5Qe",
    // Test card numbers and checksum failures.
    "card 4111 1111 1111 1111 exp 12/30",
    "4242424242424242",
    "5555555555554444",
    "IBAN DE89 3704 0044 0532 0130 01",
    "ssn: 123-45-6789",
    // Ordinary text and numbers.
    "The quick brown fox jumps over the lazy dog.",
    "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\",\"arguments\":{\"path\":\"/etc/hosts\"}}}",
    "timestamp 1700000000000 and count 1234567890",
    "progressToken: 17",
    "\"nextCursor\": \"eyJwYWdlIjoyfQ\"",
    "mail me at jane@example.com or git@github.com:acme/app.git",
    "icon@2x.png",
    // Everyday developer text that looks busy but holds nothing secret.
    "checksum = \"a3c9f1e0b4d2c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b\"",
    "\"resolved\": \"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz\"",
    "password = os.environ[\"DB_PASSWORD\"]",
    "password = getpass.getpass()",
    "def login(username: str, password: str) -> Token:",
    "const token = await getAccessToken(client);",
    "\"password_min_length\": 12, \"password_policy\": \"strong\"",
    "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256",
    "Authorization: Bearer {{token}}",
    "api_key = settings.API_KEY",
    "secret: ${{ secrets.DEPLOY_KEY }}",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTESMBAGA1UEChMJQmFsdGltb3Jl\n-----END CERTIFICATE-----",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Z2dhZ2UtY29tYmluYXRpb24tMTIzNDU2Nzg5MA deploy@ci",
    "Merge pull request #4821 from acme/feature/login-form",
    "call me maybe at extension 4821",
    "price: 4999.00 EUR, qty 12, order 2024-05-01",
    "ISBN 978-3-16-148410-0",
    "Tel: +1 (415) 555-0123",
    "latitude 48.8583701, longitude 2.2944813",
    "The server listens on 0.0.0.0:8080 and 127.0.0.1:5432",
    "git clone https://github.com/acme/app.git",
    "docker pull postgres:16.2-alpine",
    "SELECT * FROM users WHERE email LIKE '%@%';",
    "@Override public String toString()",
    "npm install @modelcontextprotocol/sdk@1.12.0",
];

#[test]
fn look_alikes_hit_no_rule() {
    let pack = load();
    let (compiled, errors) = compile(&pack.rule);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut problems = Vec::new();
    for text in LOOK_ALIKES {
        for rule in &compiled {
            for f in hits(rule, text) {
                problems.push(format!(
                    "{} hits {:?} in {text:?}",
                    rule.id,
                    &text[f.span.clone()]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
