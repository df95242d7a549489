//! Where a hit of [`Scanner::scan_json`](crate::scan::Scanner::scan_json) lies in a document:
//! the pieces of string and number tokens that its span covers, so that a caller can replace
//! exactly those pieces (by vault pointers) and parse the document again.
//!
//! A hit can cover more than one token: a private key split over the strings of an array, or
//! a key-anchored rule's match. Structure between tokens (`","`, `:`) is never a piece. A piece
//! of a string starts and ends on whole characters and whole escapes, so it decodes on its own;
//! a number is always a whole token (a card number sent as a JSON number).

use std::ops::Range;

/// A part of one token covered by a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPiece {
    /// Bytes of the raw document: inside a string's quotes, or a whole number.
    pub raw: Range<usize>,
    /// What those bytes say: the string piece decoded, or the number's digits.
    pub text: String,
    /// The piece is a whole number token; replacing it by a string changes its type.
    pub number: bool,
}

/// The pieces of the tokens of `raw` (a JSON document) that `span` covers, in order. `raw` that
/// is not JSON yields the pieces of the tokens it has up to where it stops being JSON.
pub fn json_pieces(raw: &str, span: Range<usize>) -> Vec<JsonPiece> {
    let b = raw.as_bytes();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < b.len() && i < span.end {
        match b[i] {
            b'"' => {
                let inner = i + 1;
                let (end, units) = string_units(b, inner);
                if let Some(piece) = string_piece(raw, &units, &span) {
                    pieces.push(piece);
                }
                i = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                if start < span.end && span.start < i {
                    pieces.push(JsonPiece {
                        raw: start..i,
                        text: raw[start..i].to_owned(),
                        number: true,
                    });
                }
            }
            _ => i += 1,
        }
    }
    pieces
}

/// The units (whole characters or whole escapes) of the string whose content starts at
/// `inner`, as byte ranges, and the index of its closing quote (or the end of `b`).
fn string_units(b: &[u8], inner: usize) -> (usize, Vec<Range<usize>>) {
    let mut units = Vec::new();
    let mut i = inner;
    while i < b.len() && b[i] != b'"' {
        let len = match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'u') => 6,
            b'\\' => 2,
            c if c < 0x80 => 1,
            c if c >= 0xF0 => 4,
            c if c >= 0xE0 => 3,
            _ => 2,
        };
        let end = (i + len).min(b.len());
        units.push(i..end);
        i = end;
    }
    (i, units)
}

fn string_piece(raw: &str, units: &[Range<usize>], span: &Range<usize>) -> Option<JsonPiece> {
    let first = units.iter().position(|u| u.end > span.start)?;
    let last = units.iter().rposition(|u| u.start < span.end)?;
    if first > last {
        return None;
    }
    let range = units[first].start..units[last].end;
    let fragment = raw.get(range.clone())?;
    let text = serde_json::from_str::<String>(&format!("\"{fragment}\"")).ok()?;
    Some(JsonPiece {
        raw: range,
        text,
        number: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(raw: &str, span: Range<usize>) -> Vec<(String, bool)> {
        json_pieces(raw, span)
            .into_iter()
            .map(|p| (p.text, p.number))
            .collect()
    }

    #[test]
    fn a_span_inside_a_string_is_one_piece_decoded() {
        let raw = r#"{"a":"x\nAKIA\u0041B"}"#;
        let at = raw.find("AKIA").unwrap();
        assert_eq!(texts(raw, at..at + 11), [("AKIAAB".to_owned(), false)]);
    }

    #[test]
    fn a_span_cutting_an_escape_is_widened_to_the_whole_escape() {
        let raw = r#"["ab\u0041cd"]"#;
        let at = raw.find("u0041").unwrap();
        let p = &json_pieces(raw, at..at + 2)[0];
        assert_eq!(&raw[p.raw.clone()], r"\u0041");
        assert_eq!(p.text, "A");
    }

    #[test]
    fn a_span_over_several_strings_gives_a_piece_of_each_and_none_of_the_structure() {
        let raw = r#"["-----BEGIN","body","END-----"]"#;
        let pieces = texts(raw, 2..raw.len() - 2);
        assert_eq!(
            pieces,
            [
                ("-----BEGIN".to_owned(), false),
                ("body".to_owned(), false),
                ("END-----".to_owned(), false)
            ]
        );
    }

    #[test]
    fn a_number_is_a_whole_token() {
        let raw = r#"{"card":4111111111111111,"n":1}"#;
        let at = raw.find("4111").unwrap();
        assert_eq!(
            texts(raw, at + 2..at + 6),
            [("4111111111111111".to_owned(), true)]
        );
    }

    #[test]
    fn keys_are_strings_too_and_multibyte_characters_stay_whole() {
        let raw = r#"{"é-AKIA":1}"#;
        let at = raw.find('é').unwrap();
        assert_eq!(texts(raw, at + 1..at + 4), [("é-A".to_owned(), false)]);
    }

    #[test]
    fn truncated_json_yields_what_it_has() {
        let raw = r#"{"a":"AKIA"#;
        assert_eq!(texts(raw, 6..10), [("AKIA".to_owned(), false)]);
        assert!(json_pieces("", 0..5).is_empty());
    }

    fn value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let text = proptest::collection::vec(
            proptest::sample::select(vec![
                "a",
                "AKIA",
                "\n",
                "\"",
                "\\",
                "\u{1}",
                "\u{e9}",
                "\u{20ac}",
                "\u{1f600}",
                " ",
                ":",
                ",",
                "{",
                "]",
            ]),
            0..8,
        )
        .prop_map(|parts| parts.concat());
        let leaf = prop_oneof![
            text.clone().prop_map(serde_json::Value::String),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            any::<bool>().prop_map(serde_json::Value::Bool),
            Just(serde_json::Value::Null),
        ];
        leaf.prop_recursive(4, 32, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::vec((text.clone(), inner), 0..6)
                    .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever span a hit has, replacing its pieces by a pointer leaves JSON that parses
        /// (what the pipeline's guard relies on), and each string piece is the decoded text of
        /// its raw bytes.
        #[test]
        fn replacing_the_pieces_of_any_span_leaves_valid_json(
            doc in value(),
            a in 0usize..4096,
            b in 0usize..4096,
        ) {
            let raw = doc.to_string();
            let (a, b) = (a.min(raw.len()), b.min(raw.len()));
            let span = a.min(b)..a.max(b);
            let mut out = String::new();
            let mut at = 0;
            for p in json_pieces(&raw, span) {
                proptest::prop_assert!(p.raw.start >= at);
                if !p.number {
                    let decoded: String =
                        serde_json::from_str(&format!("\"{}\"", &raw[p.raw.clone()])).unwrap();
                    proptest::prop_assert_eq!(&decoded, &p.text);
                }
                out.push_str(&raw[at..p.raw.start]);
                out.push_str(if p.number { "\"P\"" } else { "P" });
                at = p.raw.end;
            }
            out.push_str(&raw[at..]);
            proptest::prop_assert!(
                serde_json::from_str::<serde_json::Value>(&out).is_ok(),
                "{} became {}", raw, out
            );
        }
    }
}
