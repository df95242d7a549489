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

/// The normalised form of `input`, and where its bytes came from; `None` when there is
/// nothing to normalise (the common case, found in one pass).
pub(crate) struct Normalized {
    pub(crate) bytes: Vec<u8>,
    /// Where the byte-for-byte correspondence with the input changes, in order of `at`: from
    /// normalised byte `at`, bytes come one for one from input byte `from` on, except that a
    /// folded character (`folded` its input length) is one byte for several. One entry per
    /// character normalised, not per byte: a copy the size of the input is all it costs.
    breaks: Vec<Break>,
}

#[derive(Clone, Copy)]
struct Break {
    at: usize,
    from: usize,
    folded: usize,
}

impl Normalized {
    /// The span in the original input of the normalised span `span` (non-empty).
    pub(crate) fn original(&self, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
        self.source(span.start).start..self.source(span.end - 1).end
    }

    /// The input bytes that normalised byte `p` came from.
    fn source(&self, p: usize) -> std::ops::Range<usize> {
        let k = self.breaks.partition_point(|b| b.at <= p);
        let Some(b) = k.checked_sub(1).map(|k| self.breaks[k]) else {
            return p..p + 1;
        };
        match b.folded {
            n if n > 0 && p == b.at => b.from..b.from + n,
            _ => {
                let from = b.from + (p - b.at);
                from..from + 1
            }
        }
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
        breaks: Vec::new(),
    };
    out.bytes.extend_from_slice(&input[..first]);
    let mut i = first;
    let mut copied = i;
    while i < input.len() {
        let Some(u) = (input[i] >= 0xC2).then(|| unit(&input[i..])).flatten() else {
            i += 1;
            continue;
        };
        out.bytes.extend_from_slice(&input[copied..i]);
        match u {
            Unit::Drop(len) => i += len,
            Unit::Fold(len, ascii) => {
                out.breaks.push(Break {
                    at: out.bytes.len(),
                    from: i,
                    folded: len,
                });
                out.bytes.push(ascii);
                i += len;
            }
        }
        out.breaks.push(Break {
            at: out.bytes.len(),
            from: i,
            folded: 0,
        });
        copied = i;
    }
    out.bytes.extend_from_slice(&input[copied..]);
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

    /// The per-byte map the breaks stand for: each normalised byte's source, walked one by one.
    fn per_byte(input: &[u8]) -> Vec<std::ops::Range<usize>> {
        let mut map = Vec::new();
        let mut i = 0;
        while i < input.len() {
            match (input[i] >= 0xC2).then(|| unit(&input[i..])).flatten() {
                Some(Unit::Drop(len)) => i += len,
                Some(Unit::Fold(len, _)) => {
                    map.push(i..i + len);
                    i += len;
                }
                None => {
                    map.push(i..i + 1);
                    i += 1;
                }
            }
        }
        map
    }

    proptest::proptest! {
        #[test]
        fn every_byte_maps_back_to_the_character_it_came_from(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "Z", "9", " ", "\u{200b}", "\u{ad}", "\u{202e}", "\u{feff}", "\u{ff21}",
                "\u{ff5e}", "\u{3000}", "\u{e9}", "\u{20ac}",
            ]), 0..60),
        ) {
            let input = parts.concat();
            let map = per_byte(input.as_bytes());
            match normalize(input.as_bytes()) {
                None => proptest::prop_assert_eq!(map.len(), input.len()),
                Some(n) => {
                    proptest::prop_assert_eq!(n.bytes.len(), map.len());
                    for (p, want) in map.iter().enumerate() {
                        proptest::prop_assert_eq!(n.original(p..p + 1), want.clone());
                    }
                }
            }
        }
    }
}
