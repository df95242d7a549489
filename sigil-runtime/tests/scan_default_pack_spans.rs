//! Spans the embedded default pack reports through the engine, where the pack's own self-test
//! (which only asks for a hit of the rule) cannot tell a right span from a wrong one.

use sigil_runtime::scan::Scanner;
use sigil_runtime::vault::DataKind;

fn phones(text: &str) -> Vec<&str> {
    let scanner = Scanner::default_pack().expect("default pack compiles");
    scanner
        .scan_text(text.as_bytes())
        .into_iter()
        .filter(|h| h.kind == DataKind::Phone)
        .map(|h| &text[h.span])
        .collect()
}

#[test]
fn a_phone_number_followed_by_a_date_is_found_without_the_date() {
    assert_eq!(
        phones("phone: +447791560582 2026-01-15 was the last call"),
        vec!["+447791560582"]
    );
    assert_eq!(
        phones("call me at +33 6 47 68 35 02 2026-02-03T10:00"),
        vec!["+33 6 47 68 35 02"]
    );
    assert_eq!(
        phones("Tel. +49 151 38249351 2026-07-15 (office)"),
        vec!["+49 151 38249351"]
    );
    assert_eq!(
        phones("{\"text\":\"Tel. +49 151 12345678. Thanks\"}"),
        vec!["+49 151 12345678"]
    );
}

#[test]
fn phone_numbers_one_separator_apart_are_each_found() {
    assert_eq!(
        phones("+33612345678,+447791560582;+4915198765432"),
        vec!["+33612345678", "+447791560582", "+4915198765432"]
    );
}

#[test]
fn a_plus_inside_a_word_or_an_offset_is_not_a_phone_number() {
    assert!(phones("UTC+01:00 and a1+4477915605821 and x_+447791560582").is_empty());
}
