//! The scanner engine with a small pack of its own: keywords, keyword-less rules, reported
//! groups, validators, allow list, overlap resolution, pack errors, and bounded work.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sigil_runtime::scan::{
    Category, Pack, ScanError, Scanner, SelfTestProblem, Severity, redact, redact_bytes,
};
use sigil_runtime::vault::DataKind;

const TEST_PACK: &str = r#"
[pack]
name = "engine-test"
version = "1"

[[allow]]
pattern = 'PLACEHOLDER'

[[rule]]
id = "test-token"
name = "Test token"
category = "credential"
severity = "critical"
kind = "ApiKey"
keywords = ["tok_"]
pattern = '''\btok_(?P<secret>[a-z0-9]{12})\b'''
priority = 10
examples = ["x tok_abcdef123456 y"]
negative = ["tok_abc"]

[[rule]]
id = "test-generic-word"
name = "Any long lowercase word after tok"
category = "secret"
severity = "low"
kind = "Secret"
keywords = ["tok"]
pattern = '''\b(tok[a-z0-9_]{10,40})\b'''

[[rule]]
id = "test-number"
name = "Twelve digits, Luhn"
category = "financial"
severity = "high"
kind = "Card"
pattern = '''\b[0-9]{12}\b'''
validator = ["luhn", "entropy>=2.0"]

[[rule]]
id = "test-upper"
name = "Shouted word"
category = "pii"
severity = "medium"
kind = "Secret"
pattern = '''\b(?-i:[A-Z]{10,11})\b'''
examples = ["ABCDEFGHIJ"]
"#;

fn scanner() -> Scanner {
    Scanner::builder()
        .pack_toml(TEST_PACK)
        .unwrap()
        .build()
        .unwrap()
}

fn found(text: &str) -> Vec<(String, String)> {
    scanner()
        .scan_text(text.as_bytes())
        .into_iter()
        .map(|h| (h.rule.to_string(), text[h.span].to_owned()))
        .collect()
}

fn pair(rule: &str, text: &str) -> (String, String) {
    (rule.to_owned(), text.to_owned())
}

#[test]
fn the_secret_group_is_reported_and_carries_the_rules_metadata() {
    let hits = scanner().scan_text(b"auth: tok_abcdef123456;");
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(&*h.rule, "test-token");
    assert_eq!(h.category, Category::Credential);
    assert_eq!(h.severity, Severity::Critical);
    assert_eq!(h.kind, DataKind::ApiKey);
    assert_eq!(h.span, 10..22);
}

#[test]
fn keywords_match_case_insensitively_but_patterns_keep_their_case() {
    assert_eq!(found("TOK_abcdef123456"), vec![]);
    assert_eq!(
        found("TOKabcdefghijkl"),
        vec![],
        "keyword found, pattern is lowercase"
    );
    assert_eq!(
        found("tokabcdefghijkl"),
        vec![pair("test-generic-word", "tokabcdefghijkl")]
    );
}

#[test]
fn overlapping_hits_resolve_to_the_higher_priority_rule() {
    // Both rules match around `tok_...`; the specific one has priority 10.
    assert_eq!(
        found("tok_abcdef123456"),
        vec![pair("test-token", "abcdef123456")]
    );
}

#[test]
fn keyword_less_rules_run_with_all_their_validators() {
    // 79927398713 is a well-known Luhn-valid number; padded to twelve digits.
    assert_eq!(
        found("n=079927398713."),
        vec![pair("test-number", "079927398713")]
    );
    assert_eq!(found("n=079927398714."), vec![], "fails Luhn");
    assert_eq!(found("n=000000000000."), vec![], "fails entropy");
    assert_eq!(found("n=0799273987130"), vec![], "thirteen digits");
}

#[test]
fn the_allow_list_suppresses_placeholder_values() {
    assert_eq!(found("PLACEHOLDER"), vec![]);
    assert_eq!(
        found("PLACEHOLDEX"),
        vec![pair("test-upper", "PLACEHOLDEX")]
    );
}

#[test]
fn many_hits_come_back_sorted_and_disjoint() {
    let text = "tok_aaaaaaaaaaa1 ABCDEFGHIJ 079927398713 tok_bbbbbbbbbbb2\n".repeat(50);
    let hits = scanner().scan_text(text.as_bytes());
    assert_eq!(hits.len(), 200);
    for w in hits.windows(2) {
        assert!(w[0].span.end <= w[1].span.start);
    }
}

/// Anchored searches are run rule by rule in batches of a few thousand: thousands of hits of
/// several rules in one text, interleaved, all come back, in order.
#[test]
fn thousands_of_interleaved_hits_past_a_batch_are_all_found() {
    let line = "tok_aaaaaaaaaaa1 ABCDEFGHIJ 079927398713 tok_bbbbbbbbbbb2\n";
    let text = line.repeat(3000);
    let hits = scanner().scan_text(text.as_bytes());
    assert_eq!(hits.len(), 12_000);
    for w in hits.windows(2) {
        assert!(w[0].span.end <= w[1].span.start);
    }
    for (i, h) in hits.iter().enumerate() {
        let rule = ["test-token", "test-upper", "test-number", "test-token"][i % 4];
        assert_eq!(&*h.rule, rule, "hit {i}");
        assert_eq!(h.span.start / line.len(), i / 4, "hit {i}");
    }
}

#[test]
fn a_scan_finds_what_it_finds_whatever_the_scan_before_left_behind() {
    // One scanner, one thread: the scans share their working memory. The first leaves a
    // match of `test-token` at 2..18; the second has one starting inside that span (a start
    // inside a rule's last match is skipped within a scan, never across scans); a long scan
    // in between changes nothing either.
    let scanner = scanner();
    let first = "x tok_abcdef123456 y";
    let second = "abcd tok_zyxwvu987654 more";
    let many = "tok_abcdef123456 ".repeat(5_000);
    for text in [first, second, many.as_str(), second] {
        let hits = scanner.scan_text(text.as_bytes());
        let tokens = hits.iter().filter(|h| &*h.rule == "test-token").count();
        assert_eq!(tokens, text.matches("tok_").count(), "in {:.40}", text);
    }
}

#[test]
fn invalid_utf8_is_scanned_as_bytes() {
    let text = b"\xff\xfe tok_abcdef123456 \xc3\x28 079927398713 \xf0\x9f";
    let hits = scanner().scan_text(text);
    let got: Vec<&[u8]> = hits.iter().map(|h| &text[h.span.clone()]).collect();
    assert_eq!(got, vec![&b"abcdef123456"[..], b"079927398713"]);
}

#[test]
fn redaction_replaces_each_span() {
    let text = "a tok_abcdef123456 b ABCDEFGHIJ c";
    let hits = scanner().scan_text(text.as_bytes());
    let out = redact(text, &hits, |h| format!("[{}]", h.kind.tag()));
    assert_eq!(out, "a tok_[API_KEY] b [SECRET] c");
    let bytes = redact_bytes(
        b"\xff ABCDEFGHIJ",
        &scanner().scan_text(b"\xff ABCDEFGHIJ"),
        |_| "R".into(),
    );
    assert_eq!(bytes, b"\xff R");
}

#[test]
fn self_test_reports_examples_that_fail() {
    let broken = TEST_PACK.replace(
        r#"examples = ["ABCDEFGHIJ"]"#,
        r#"examples = ["abcdefghij"]
negative = ["ABCDEFGHIJK"]"#,
    );
    let pack = Pack::parse(&broken, "broken").unwrap();
    let failures = pack.self_test().unwrap();
    let problems: Vec<_> = failures
        .iter()
        .map(|f| (f.rule.as_str(), f.index, f.problem))
        .collect();
    assert_eq!(
        problems,
        vec![
            ("test-upper", 0, SelfTestProblem::ExampleMissed),
            ("test-upper", 0, SelfTestProblem::NegativeHit),
        ]
    );
    assert!(
        Pack::parse(TEST_PACK, "ok")
            .unwrap()
            .self_test()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn pack_errors_name_the_rule_and_the_problem() {
    let with = |field: &str, value: &str| {
        let text = TEST_PACK.replacen(
            &format!("{field} = \"credential\""),
            &format!("{field} = {value}"),
            1,
        );
        match Scanner::builder().pack_toml(&text).and_then(|b| b.build()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("pack with {field} = {value} accepted"),
        }
    };
    assert!(with("category", "\"bogus\"").contains("rule `test-token`: category `bogus`"));
    let bad_regex = TEST_PACK.replace(r"[a-z0-9]{12})\b", r"[a-z0-9]{12}\b");
    let err = Scanner::builder()
        .pack_toml(&bad_regex)
        .and_then(|b| b.build())
        .unwrap_err();
    assert!(matches!(err, ScanError::InvalidRule { ref rule, .. } if rule == "test-token"));
    let empty = TEST_PACK.replace(r"\b[0-9]{12}\b", r"[0-9]*");
    let err = Scanner::builder()
        .pack_toml(&empty)
        .and_then(|b| b.build())
        .unwrap_err();
    assert!(err.to_string().contains("empty string"), "{err}");
    let unknown_field = TEST_PACK.replace("priority = 10", "priorty = 10");
    assert!(matches!(
        Pack::parse(&unknown_field, "typo"),
        Err(ScanError::PackSyntax { .. })
    ));
    let bad_kind = TEST_PACK.replace("kind = \"Card\"", "kind = \"Wallet\"");
    assert!(
        Pack::parse(&bad_kind, "k")
            .unwrap_err()
            .to_string()
            .contains("`Wallet` is not a vault kind")
    );
    let bad_validator = TEST_PACK.replace("\"luhn\"", "\"luhnn\"");
    assert!(
        Pack::parse(&bad_validator, "v")
            .unwrap_err()
            .to_string()
            .contains("luhnn")
    );
}

#[test]
fn a_rule_id_defined_in_two_packs_is_refused() {
    let err = Scanner::builder()
        .pack_toml(TEST_PACK)
        .unwrap()
        .pack_toml(TEST_PACK)
        .unwrap()
        .build()
        .unwrap_err();
    assert!(matches!(err, ScanError::DuplicateRule { .. }));
}

#[test]
fn user_packs_add_to_the_default_pack() {
    let scanner = Scanner::builder()
        .default_pack()
        .unwrap()
        .pack_toml(TEST_PACK)
        .unwrap()
        .build()
        .unwrap();
    let text = b"AKIAQWERTYUIOPASDFGH tok_abcdef123456";
    let rules: Vec<String> = scanner
        .scan_text(text)
        .iter()
        .map(|h| h.rule.to_string())
        .collect();
    assert_eq!(rules, vec!["aws-access-key-id", "test-token"]);
}

#[test]
fn one_scanner_serves_many_threads() {
    let scanner = Arc::new(scanner());
    let text = "tok_abcdef123456 079927398713 ".repeat(100);
    let expected = scanner.scan_text(text.as_bytes());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = Arc::clone(&scanner);
            let t = text.clone();
            std::thread::spawn(move || s.scan_text(t.as_bytes()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), expected);
    }
}

#[test]
fn millions_of_near_matches_take_linear_time() {
    // Every position is a keyword hit or a digit run that fails its validator; `token:=`
    // starts the generic `token` rules, walked as 64 sequences each, a few of which read the
    // 60 bytes after it.
    let scanner = Scanner::default_pack().unwrap();
    let unit = "tok_ AKIA ghp_ xoxb- eyJ :// @ password= 4556737586899856 DE89370400440532013001 +4 \
         api_token:=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u{1}";
    let small = unit.repeat(2_000);
    let large = unit.repeat(8_000);
    let time = |text: &str| {
        let start = Instant::now();
        let hits = scanner.scan_text(text.as_bytes());
        (start.elapsed(), hits.len())
    };
    let (t_small, _) = time(&small);
    let (t_large, hits) = time(&large);
    // IBAN-shaped values have no checksum in this engine-only test; what matters is the time.
    assert!(hits <= 8_000 * 2);
    assert!(
        t_large < t_small * 12 + Duration::from_millis(200),
        "4x the input took {t_large:?} vs {t_small:?}"
    );
    let (t_json, _) = {
        let json = format!("{{\"a\":\"{}\"}}", unit.replace('"', "\\\"").repeat(8_000));
        let start = Instant::now();
        let h = scanner.scan_json(json.as_bytes());
        (start.elapsed(), h.len())
    };
    assert!(t_json < Duration::from_secs(20), "{t_json:?}");
}

#[test]
fn unterminated_private_key_blocks_are_bounded() {
    // Thousands of BEGIN lines and no END: each opens a 16 KB window; windows merge, so the
    // block rule's regex still runs over each byte once.
    let block = format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n", "QUJD".repeat(100));
    let text = block.repeat(5_000);
    let start = Instant::now();
    let hits = Scanner::default_pack().unwrap().scan_text(text.as_bytes());
    assert!(hits.is_empty());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn unicode_patterns_and_unicode_word_boundaries_work_on_non_ascii_text() {
    let pack = r#"
[pack]
name = "unicode"
version = "1"

[[rule]]
id = "fr-secu"
name = "French social security number after its label"
category = "pii"
severity = "high"
kind = "NationalId"
keywords = ["curit"]
pattern = '''s[ée]curit[ée] sociale (?P<secret>\d{13})\b'''

[[rule]]
id = "greek-key"
name = "A keyword-less rule with Unicode word boundaries"
category = "secret"
severity = "low"
kind = "Secret"
pattern = '''\bκλειδί\d{4}\b'''
"#;
    let scanner = Scanner::builder().pack_toml(pack).unwrap().build().unwrap();
    let text = "numéro de sécurité sociale 1234567890123 — κλειδί1234 — xκλειδί9999";
    let got: Vec<(String, &str)> = scanner
        .scan_text(text.as_bytes())
        .iter()
        .map(|h| (h.rule.to_string(), &text[h.span.clone()]))
        .collect();
    assert_eq!(
        got,
        vec![
            ("fr-secu".to_owned(), "1234567890123"),
            ("greek-key".to_owned(), "κλειδί1234")
        ]
    );
}

/// A pack of one rule, `pass=` followed by an 8-character value, written so that the engine
/// searches it anchored at its keyword (`(?i-u:...)`, ASCII) or, with Unicode case folding
/// (`(?i:...)`, where `s` may be a two-byte character), in windows around it.
fn pass_rule(case_flags: &str) -> Scanner {
    let pack = format!(
        r#"
[pack]
name = "anchored"
version = "1"

[[rule]]
id = "pass-value"
name = "pass= value"
category = "secret"
severity = "high"
kind = "Password"
keywords = ["pass"]
pattern = '''(?:(?-u:\b)|_)(?{case_flags}:pass)[ \t]{{0,2}}=(?P<secret>[A-Za-z0-9]{{8}})'''
"#
    );
    Scanner::builder()
        .pack_toml(&pack)
        .and_then(|b| b.build())
        .expect("pack compiles")
}

#[test]
fn anchored_searches_at_keywords_find_what_window_searches_find() {
    let anchored = pass_rule("i-u");
    let windowed = pass_rule("i");
    let spans = |s: &Scanner, text: &str| -> Vec<std::ops::Range<usize>> {
        s.scan_text(text.as_bytes())
            .into_iter()
            .map(|h| h.span)
            .collect()
    };
    // At the very start, after `_`, back to back, and not inside a word.
    let text = "pass=abcdefgh _PASS =ijklmnop pass=qrstuvwxpass=yzabcdef bypass=ghijklmn";
    let expected = vec![5..13, 21..29, 35..43];
    assert_eq!(spans(&anchored, text), expected);
    assert_eq!(spans(&windowed, text), expected);
    const PIECES: &[&str] = &[
        "pass", "PASS", "_", "=", " ", "  =", "abcd", "efgh1234", "by", "\n", "pas", "s=", "pass=",
        "_pass =", "abcdefgh",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut hits = 0;
    for _ in 0..5_000 {
        let n = (next() % 12) as usize + 1;
        let text: String = (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let a = spans(&anchored, &text);
        assert_eq!(a, spans(&windowed, &text), "text {text:?}");
        hits += a.len();
    }
    assert!(hits > 200, "{hits}");
}

#[test]
fn back_to_back_keywords_of_an_unbounded_rule_cost_a_bounded_multiple_of_the_text() {
    // A BEGIN line every 36 bytes and never an END: each could start a 16 KiB search (450x
    // the text in all), but the work per rule is capped at a few times the text.
    let scanner = Scanner::default_pack().unwrap();
    let time = |unit: &str| {
        let text = unit.repeat(20_000);
        let start = Instant::now();
        let hits = scanner.scan_text(text.as_bytes());
        assert!(hits.is_empty());
        start.elapsed()
    };
    let prose = time("lorem ipsum dolor sit amet, sed do.\n");
    let begins = time("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    assert!(
        begins < prose * 40 + Duration::from_millis(100),
        "BEGIN lines took {begins:?}, prose of the same length {prose:?}"
    );
}
