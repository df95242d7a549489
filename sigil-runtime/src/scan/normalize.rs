//! Normalisation before matching: values hidden by invisible characters or written in
//! compatibility forms.
//!
//! - Zero-width characters (U+200B..U+200D, U+2060, U+FEFF, the soft hyphen U+00AD) and bidi
//!   controls (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) are removed;
//! - fullwidth ASCII (U+FF01..U+FF5E) and the ideographic space (U+3000) fold to ASCII, as NFKC
//!   folds them.
//!
//! The normalised bytes keep, for each byte, the span of the original character it came from,
//! so a hit found in them is reported at its span in the input. Other NFKC compatibility forms
//! (ligatures, circled or superscript digits) are not folded.

/// The normalised form of `input` and, per normalised byte, the original span it came from;
/// `None` when there is nothing to normalise (the common case, found in one pass).
pub(crate) struct Normalized {
    pub(crate) bytes: Vec<u8>,
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Normalized {
    /// The span in the original input of the normalised span `span` (non-empty).
    pub(crate) fn original(&self, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.starts[span.start]..self.ends[span.end - 1]
    }
}

/// What one position of the input is.
enum Unit {
    /// Dropped: an invisible character of this many bytes.
    Drop(usize),
    /// Folded: a character of this many bytes that stands for this ASCII byte.
    Fold(usize, u8),
}

fn unit(rest: &[u8]) -> Option<Unit> {
    match *rest {
        [0xC2, 0xAD, ..] => Some(Unit::Drop(2)),
        [0xE2, 0x80, 0x8B..=0x8F | 0xAA..=0xAE, ..]
        | [0xE2, 0x81, 0xA0 | 0xA6..=0xA9, ..]
        | [0xEF, 0xBB, 0xBF, ..] => Some(Unit::Drop(3)),
        [0xEF, 0xBC, b @ 0x81..=0xBF, ..] => Some(Unit::Fold(3, 0x21 + (b - 0x81))),
        [0xEF, 0xBD, b @ 0x80..=0x9E, ..] => Some(Unit::Fold(3, 0x60 + (b - 0x80))),
        [0xE3, 0x80, 0x80, ..] => Some(Unit::Fold(3, b' ')),
        _ => None,
    }
}

/// Normalises `input` (see the module docs), or `None` if it has nothing to normalise.
pub(crate) fn normalize(input: &[u8]) -> Option<Normalized> {
    // Every character normalised starts with one of these four bytes; memchr finds them fast.
    let is_unit = |&i: &usize| unit(&input[i..]).is_some();
    let a = memchr::memchr3_iter(0xC2, 0xE2, 0xEF, input).find(is_unit);
    let b = memchr::memchr_iter(0xE3, input).find(is_unit);
    let first = a.into_iter().chain(b).min()?;
    let mut out = Normalized {
        bytes: Vec::with_capacity(input.len()),
        starts: Vec::with_capacity(input.len()),
        ends: Vec::with_capacity(input.len()),
    };
    out.bytes.extend_from_slice(&input[..first]);
    out.starts.extend(0..first);
    out.ends.extend(1..=first);
    let mut i = first;
    while i < input.len() {
        match (input[i] >= 0xC2).then(|| unit(&input[i..])).flatten() {
            Some(Unit::Drop(len)) => i += len,
            Some(Unit::Fold(len, ascii)) => {
                out.bytes.push(ascii);
                out.starts.push(i);
                out.ends.push(i + len);
                i += len;
            }
            None => {
                out.bytes.push(input[i]);
                out.starts.push(i);
                out.ends.push(i + 1);
                i += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_go_and_fullwidth_folds_with_spans_kept() {
        let input = "key AKIA\u{200b}Z3MH and \u{ff24}\u{ff25}89 end";
        let n = normalize(input.as_bytes()).unwrap();
        assert_eq!(
            std::str::from_utf8(&n.bytes).unwrap(),
            "key AKIAZ3MH and DE89 end"
        );
        // "AKIAZ3MH" in the normalised text is "AKIA\u{200b}Z3MH" in the input.
        let at = 4;
        assert_eq!(&input[n.original(at..at + 8)], "AKIA\u{200b}Z3MH");
        let de = "key AKIAZ3MH and ".len();
        assert_eq!(&input[n.original(de..de + 4)], "\u{ff24}\u{ff25}89");
    }

    #[test]
    fn plain_text_and_other_non_ascii_are_left_alone() {
        assert!(normalize(b"plain ascii").is_none());
        assert!(normalize("Gr\u{fc}\u{df}e, caf\u{e9} \u{20ac}".as_bytes()).is_none());
        assert!(
            normalize(&[0xff, 0xe2, 0x80]).is_none(),
            "truncated sequences are bytes"
        );
    }
}
