//! JSON-aware scanning: escapes are undone before scanning and hits map back to raw spans.

mod json_escape_support;

use json_escape_support::json_string;
use sigil_runtime::scan::{Hit, Scanner};

fn scanner() -> Scanner {
    Scanner::default_pack().expect("default pack compiles")
}

fn spans<'a>(raw: &'a [u8], hits: &[Hit]) -> Vec<(&'a [u8], String)> {
    hits.iter()
        .map(|h| (&raw[h.span.clone()], h.rule.to_string()))
        .collect()
}

#[test]
fn token_after_escaped_newline_is_found_with_its_raw_span() {
    let raw = br#"{"text":"keys:\nAKIAQWERTYUIOPASDFGH\nend"}"#;
    // As plain text the `n` of `\n` glues onto the key, so a word-bounded rule misses it.
    assert!(scanner().scan_text(raw).is_empty());
    let hits = scanner().scan_json(raw);
    assert_eq!(
        spans(raw, &hits),
        vec![(&b"AKIAQWERTYUIOPASDFGH"[..], "aws-access-key-id".to_owned())]
    );
}

#[test]
fn unicode_escaped_token_maps_to_the_escape_sequence() {
    let raw = br#"{"k":"\u0041KIAQWERTYUIOPASDFGH"}"#;
    let hits = scanner().scan_json(raw);
    assert_eq!(spans(raw, &hits)[0].0, br"\u0041KIAQWERTYUIOPASDFGH");
}

#[test]
fn escaped_slashes_in_a_connection_string_are_decoded() {
    let raw = br#"{"dsn":"postgres:\/\/app:s3cr3tPassw0rd@db.internal\/app"}"#;
    let hits = scanner().scan_json(raw);
    assert_eq!(
        spans(raw, &hits),
        vec![(&b"s3cr3tPassw0rd"[..], "postgres-url-password".to_owned())]
    );
}

#[test]
fn escaped_quotes_delimit_a_password() {
    let raw = br#"{"cmd":"export PASSWORD=\"Tr0ub4dor&3xq!\" && run"}"#;
    let hits = scanner().scan_json(raw);
    assert_eq!(spans(raw, &hits)[0].0, b"Tr0ub4dor&3xq!");
}

#[test]
fn surrogate_pairs_before_and_inside_a_hit_keep_spans_exact() {
    let raw =
        br#"{"a":"\ud83d\ude00 AKIAQWERTYUIOPASDFGH","b":"password=\ud83d\ude00Tr0ub4dor&3"}"#;
    let hits = scanner().scan_json(raw);
    assert_eq!(
        spans(raw, &hits),
        vec![
            (&b"AKIAQWERTYUIOPASDFGH"[..], "aws-access-key-id".to_owned()),
            (
                &br"\ud83d\ude00Tr0ub4dor&3"[..],
                "generic-password-unquoted".to_owned()
            ),
        ]
    );
}

#[test]
fn keys_are_scanned_as_well_as_values() {
    let raw = br#"{"jane.doe@acme-corp.io":1}"#;
    let hits = scanner().scan_json(raw);
    assert_eq!(spans(raw, &hits)[0].0, b"jane.doe@acme-corp.io");
}

#[test]
fn json_lines_give_spans_in_the_whole_input() {
    let raw = b"{\"a\":\"AKIAQWERTYUIOPASDFGH\"}\n{\"b\":\"x\\nmail jane@acme-corp.io\"}\n";
    let hits = scanner().scan_json(raw);
    assert_eq!(
        spans(raw, &hits),
        vec![
            (&b"AKIAQWERTYUIOPASDFGH"[..], "aws-access-key-id".to_owned()),
            (&b"jane@acme-corp.io"[..], "email-address".to_owned()),
        ]
    );
}

#[test]
fn invalid_utf8_inside_strings_does_not_hide_hits() {
    let mut raw = b"{\"a\":\"\xff\xfe\\n AKIAQWERTYUIOPASDFGH \xc3\"}".to_vec();
    raw.extend_from_slice(b"\xe2\x82");
    let hits = scanner().scan_json(&raw);
    assert_eq!(spans(&raw, &hits)[0].0, b"AKIAQWERTYUIOPASDFGH");
}

#[test]
fn truncated_json_is_scanned_as_far_as_it_goes() {
    let scanner = scanner();
    let raw = br#"{"a":"x\nAKIAQWERTYUIOPASDFGH"#;
    assert_eq!(
        spans(raw, &scanner.scan_json(raw))[0].0,
        b"AKIAQWERTYUIOPASDFGH"
    );
    for raw in [
        &br#"{"a":"\u00"#[..],
        br#"{"a":"\ud83d\u"#,
        br#"{"a":"\"#,
        br#"["#,
        br#"""#,
    ] {
        assert!(scanner.scan_json(raw).is_empty());
    }
}

#[test]
fn an_invalid_escape_falls_back_to_plain_text_for_the_rest() {
    let raw = br#"{"path":"C:\Users\x", "k":"AKIAQWERTYUIOPASDFGH"}"#;
    let hits = scanner().scan_json(raw);
    assert_eq!(spans(raw, &hits)[0].0, b"AKIAQWERTYUIOPASDFGH");
}

#[test]
fn deeply_nested_json_is_no_problem() {
    let depth = 200_000;
    let mut raw = "[".repeat(depth).into_bytes();
    raw.extend_from_slice(br#""x\nAKIAQWERTYUIOPASDFGH""#);
    raw.extend_from_slice("]".repeat(depth).as_bytes());
    let hits = scanner().scan_json(&raw);
    assert_eq!(spans(&raw, &hits)[0].0, b"AKIAQWERTYUIOPASDFGH");
}

#[test]
fn scan_json_str_matches_scan_json() {
    let raw = r#"{"a":"\nAKIAQWERTYUIOPASDFGH"}"#;
    assert_eq!(
        scanner().scan_json_str(raw),
        scanner().scan_json(raw.as_bytes())
    );
}

#[test]
fn escaping_a_text_into_json_never_changes_what_is_found() {
    const PIECES: &[&str] = &[
        "AKIAQWERTYUIOPASDFGH",
        "jane.doe@example.org",
        "postgres://app:s3cr3tPassw0rd@db/x",
        "password=\"Tr0ub4dor&3xq!\"",
        "4556 7375 8689 9855",
        "DE89 3704 0044 0532 0130 00",
        "+4915112345678",
        "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ",
        "\n",
        "\"",
        "\\",
        "/",
        " ",
        "é",
        "😀",
        "\t",
        "plain words here",
        "AKIA",
        "@",
    ];
    let scanner = scanner();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut checked_hits = 0;
    for _ in 0..3_000 {
        let n = (next() % 8) as usize + 1;
        let text: String = (0..n)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let plain = scanner.scan_text(text.as_bytes());
        let raw = json_string(&text);
        let hits = scanner.scan_json(raw.as_bytes());
        let rules = |hs: &[Hit]| hs.iter().map(|h| h.rule.to_string()).collect::<Vec<_>>();
        assert_eq!(rules(&plain), rules(&hits), "text {text:?}");
        for (p, j) in plain.iter().zip(&hits) {
            let decoded: String = serde_json::from_str(&format!("\"{}\"", &raw[j.span.clone()]))
                .unwrap_or_else(|e| panic!("span {:?} of {raw:?} cuts an escape: {e}", j.span));
            assert_eq!(decoded, text[p.span.clone()], "text {text:?}");
            checked_hits += 1;
        }
    }
    assert!(checked_hits > 1_000, "{checked_hits}");
}
