//! One escaped line: every character that could hide, reorder or fake text made visible.
//!
//! Used for whatever a human reads to decide (the confirmation) and for client text that reaches
//! a log. After escaping, a value cannot start a new line, cannot reorder what follows it (bidi
//! overrides), cannot hide characters (zero-width, tags) and cannot close its own quotes.

use std::fmt::Write as _;

/// Appends `text` to `out` on one line, escaped: `\\`, `\"`, `\n`, `\r`, `\t`, and `\u{..}` for
/// every other control, bidi, zero-width, line-separator, tag or otherwise invisible character.
/// The quote and backslash escapes let a value sit between quotes (the confirmation).
pub(crate) fn escape_visible(text: &str, out: &mut String) {
    escape(text, out, true);
}

/// `text` on one visible line for a log: as [`escape_visible`], but quotes and backslashes stay
/// as they are (a log line holds no quoted values to close; the log's own format escapes them).
pub fn visible_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape(text, &mut out, false);
    out
}

fn escape(text: &str, out: &mut String, quoted: bool) {
    for c in text.chars() {
        match c {
            '\\' if quoted => out.push_str("\\\\"),
            '"' if quoted => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "\\u{{{:04X}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// `text` escaped by [`escape_visible`], as a new string.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_visible(text, &mut out);
    out
}

/// Characters a reader cannot see, or that change how the text around them reads: controls
/// (ANSI escapes start with one), bidi, zero-width, tag and private-use characters. The one rule
/// for the confirmation, logs, and `sigil proxy`'s lint of tool descriptions.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                  // soft hyphen
            | '\u{034F}'                // combining grapheme joiner
            | '\u{061C}'                // Arabic letter mark
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'   // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'   // Mongolian variation selectors and vowel separator
            | '\u{200B}'..='\u{200F}'   // zero-width space, (non-)joiner, LRM, RLM
            | '\u{2028}' | '\u{2029}'   // line and paragraph separators
            | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
            | '\u{FE00}'..='\u{FE0F}'   // variation selectors
            | '\u{FEFF}'                // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotations
            | '\u{1D173}'..='\u{1D17A}' // musical formatting
            | '\u{E0000}'..='\u{E0FFF}' // tags and variation selectors supplement
        )
        || is_private_or_unassigned_plane(c)
}

/// Private-use characters render as nothing or as anything the font likes.
fn is_private_or_unassigned_plane(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_quotes_and_controls_cannot_make_a_new_line() {
        let s = visible("DE89\nto_iban: \"DE00\"\r\t\u{7}\u{1b}[31m\u{85}");
        assert!(
            !s.contains('\n') && !s.contains('\r') && !s.contains('\u{85}'),
            "{s}"
        );
        assert_eq!(
            s,
            "DE89\\nto_iban: \\\"DE00\\\"\\r\\t\\u{0007}\\u{001B}[31m\\u{0085}"
        );
    }

    #[test]
    fn bidi_zero_width_and_tags_are_spelled_out() {
        for c in [
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{200B}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{2028}',
            '\u{E0041}',
            '\u{061C}',
            '\u{00AD}',
            '\u{FE0F}',
        ] {
            let s = visible(&format!("a{c}b"));
            assert_eq!(s, format!("a\\u{{{:04X}}}b", u32::from(c)));
        }
    }

    #[test]
    fn log_lines_keep_quotes_but_not_line_breaks() {
        assert_eq!(
            visible_line("identity \"x\"\nforged: 1\u{202E}"),
            "identity \"x\"\\nforged: 1\\u{202E}"
        );
    }

    #[test]
    fn ordinary_text_in_any_script_is_kept() {
        let t = "Überweisung an José, 東京, Ελλάδα, عربى 100 €";
        assert_eq!(visible(t), t);
    }
}
