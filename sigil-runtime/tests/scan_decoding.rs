//! Secrets as they really travel: inside base64 (both alphabets), hex, and percent or form
//! encoding, found at the span of the encoded run and named by the encoding that hid them.
//! Decoys of the same shapes stay clean.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use sigil_runtime::scan::{Encoding, Hit, Scanner};

const AWS: &str = "AKIAZ3MHQX7RTB4LWKPN";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";

fn scanner() -> Scanner {
    Scanner::default_pack().expect("the default pack compiles")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn percent(text: &str, space: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b' ' => space.to_owned(),
            b if b.is_ascii_alphanumeric() => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The one hit in `text`, which must cover exactly `encoded`.
fn the_hit(text: &str, encoded: &str) -> Hit {
    let hits = scanner().scan_text(text.as_bytes());
    assert_eq!(hits.len(), 1, "{text}: {hits:?}");
    let at = text.find(encoded).unwrap();
    assert_eq!(hits[0].span, at..at + encoded.len(), "{text}: {hits:?}");
    hits[0].clone()
}

#[test]
fn an_aws_key_inside_base64_is_found_at_the_run() {
    let encoded = STANDARD.encode(format!("aws access key: {AWS}"));
    let hit = the_hit(&format!("payload {encoded} end"), &encoded);
    assert_eq!(hit.encoding, Some(Encoding::Base64));
    assert_eq!(&*hit.rule, "aws-access-key-id");
}

#[test]
fn url_safe_base64_and_hex_are_decoded_too() {
    let encoded = URL_SAFE_NO_PAD.encode(format!("{AWS}\u{3fe}\u{3ff}"));
    assert!(encoded.contains(['-', '_']), "{encoded}");
    let hit = the_hit(&format!("t={encoded}"), &encoded);
    assert_eq!(hit.encoding, Some(Encoding::Base64Url));
    let encoded = hex(AWS.as_bytes());
    let hit = the_hit(&format!("id: {encoded}"), &encoded);
    assert_eq!(hit.encoding, Some(Encoding::Hex));
}

#[test]
fn ibans_in_form_and_percent_encoding_are_found() {
    let form = format!("iban={}", percent(IBAN, "+"));
    let hit = the_hit(
        &format!("POST body: {form}&amount=5"),
        &format!("{form}&amount=5"),
    );
    assert_eq!(hit.encoding, Some(Encoding::Percent));
    assert_eq!(hit.category.as_str(), "financial");
    let pct = percent(IBAN, "%20");
    let hit = the_hit(&format!("to: {pct}"), &pct);
    assert_eq!(hit.encoding, Some(Encoding::Percent));
}

#[test]
fn two_layers_deep_is_still_found_and_named_by_the_outer_one() {
    let inner = format!("to={}", percent(IBAN, "+"));
    let encoded = STANDARD.encode(&inner);
    let hit = the_hit(&format!("blob {encoded}"), &encoded);
    assert_eq!(hit.encoding, Some(Encoding::Base64));
}

#[test]
fn decoys_of_the_same_shapes_stay_clean() {
    let decoys = [
        // random bytes as base64, a SHA-256 as hex, ordinary text as base64
        "tO8TfNNfysl9/8CpdbmpUxEcY8nqlElz3MLKDvI9".to_owned(),
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881".to_owned(),
        STANDARD.encode("hello there, this is an ordinary sentence"),
        // an ordinary query string, form-encoded prose
        "https://example.eu/search?q=rent+due+friday&page=2&lang=de".to_owned(),
        // a placeholder, base64-encoded
        STANDARD.encode("AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}"),
        // identifiers that happen to be long
        "internationalization_configuration_manager".to_owned(),
    ];
    for decoy in decoys {
        let hits = scanner().scan_text(decoy.as_bytes());
        assert!(hits.is_empty(), "{decoy}: {hits:?}");
    }
}

#[test]
fn a_secret_in_the_clear_keeps_its_exact_span() {
    let text = format!(
        "key {AWS} and {}",
        STANDARD.encode("nothing here at all, really")
    );
    let hits = scanner().scan_text(text.as_bytes());
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].encoding, None);
    assert_eq!(&text[hits[0].span.clone()], AWS);
}

#[test]
fn json_strings_holding_encoded_secrets_are_found_in_the_raw_text() {
    let encoded = STANDARD.encode(format!("aws access key: {AWS}"));
    let raw = format!(r#"{{"attachment":{{"data":"{encoded}"}}}}"#);
    let hits = scanner().scan_json(raw.as_bytes());
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(&raw[hits[0].span.clone()], encoded);
    assert_eq!(hits[0].encoding, Some(Encoding::Base64));
}

#[test]
fn a_huge_binary_run_is_not_scanned_as_text() {
    // 1 MiB of base64 that decodes to binary: skipped, and quickly enough to finish at all.
    let binary: Vec<u8> = (0..786_432u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let encoded = STANDARD.encode(&binary);
    assert!(scanner().scan_text(encoded.as_bytes()).is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A planted key, encoded any supported way, with any text around it, is found: the hit
    /// covers the encoded run, or (form encoding, which leaves the key's own characters as
    /// they are) the key in the clear inside it.
    #[test]
    fn a_planted_key_is_found_however_it_is_encoded(
        prefix in "[a-z ]{0,12}",
        way in 0..4usize,
        before in "[a-z]{0,6}",
    ) {
        let plain = format!("{before} {AWS}");
        let encoded = match way {
            0 => STANDARD.encode(&plain),
            1 => URL_SAFE_NO_PAD.encode(&plain),
            2 => hex(plain.as_bytes()),
            _ => format!("k={}", percent(&format!("{plain} x"), "+")),
        };
        let text = format!("{prefix} {encoded} ;");
        let hits = scanner().scan_text(text.as_bytes());
        let at = text.find(&encoded).unwrap();
        let end = at + encoded.len();
        let found = if way == 3 {
            hits.iter().any(|h| at <= h.span.start && h.span.end <= end)
        } else {
            hits.iter().any(|h| h.span == (at..end))
        };
        prop_assert!(found, "{text}: {hits:?}");
    }
}

#[test]
fn a_key_split_by_a_zero_width_character_is_found_at_its_span() {
    for invisible in [
        "\u{200b}", "\u{200d}", "\u{2060}", "\u{feff}", "\u{202e}", "\u{ad}",
    ] {
        let hidden = format!("AKIAZ3MHQX{invisible}7RTB4LWKPN");
        let hit = the_hit(&format!("access key: {hidden} ok"), &hidden);
        assert_eq!(hit.encoding, Some(Encoding::Normalized), "{invisible:?}");
        assert_eq!(&*hit.rule, "aws-access-key-id");
    }
}

#[test]
fn an_iban_in_fullwidth_digits_is_found_at_its_span() {
    let fullwidth: String = "DE89 3704 0044 0532 0130 00"
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xff01).unwrap(),
            ' ' => '\u{3000}',
            c => c,
        })
        .collect();
    let hit = the_hit(&format!("IBAN: {fullwidth}."), &fullwidth);
    assert_eq!(hit.encoding, Some(Encoding::Normalized));
    assert_eq!(hit.category.as_str(), "financial");
}

#[test]
fn invisible_characters_and_fullwidth_in_prose_stay_clean() {
    for decoy in [
        "zero\u{200b}width joiners in\u{200d} ordinary\u{2060} prose",
        "\u{ff28}\u{ff45}\u{ff4c}\u{ff4c}\u{ff4f} \u{ff37}\u{ff4f}\u{ff52}\u{ff4c}\u{ff44} 2026",
        "right-to-left \u{202e}override\u{202c} in a file name.txt",
    ] {
        let hits = scanner().scan_text(decoy.as_bytes());
        assert!(hits.is_empty(), "{decoy}: {hits:?}");
    }
}

#[test]
fn a_key_deep_inside_a_long_base64_document_is_found() {
    let document = format!(
        "{} access key: {AWS}\n",
        "lorem ipsum dolor sit amet. ".repeat(40)
    );
    let encoded = STANDARD.encode(&document);
    assert!(encoded.len() > 1000);
    let hit = the_hit(&format!("{{\"file\":\"{encoded}\"}}"), &encoded);
    assert_eq!(hit.encoding, Some(Encoding::Base64));
}
