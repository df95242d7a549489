//! A minimal, strict DER reader: just enough of X.690 to walk a certificate's subject and
//! extensions.
//!
//! Single-byte tags only (every tag in a certificate is), definite lengths only, minimal length
//! encoding required. Every read is bounds-checked: bad input is an error, never a panic.

use std::fmt;

/// `SEQUENCE` (constructed).
pub(crate) const SEQUENCE: u8 = 0x30;
/// `SET` (constructed).
pub(crate) const SET: u8 = 0x31;
/// `OBJECT IDENTIFIER`.
pub(crate) const OID: u8 = 0x06;
/// `BOOLEAN`.
pub(crate) const BOOLEAN: u8 = 0x01;
/// `INTEGER`.
pub(crate) const INTEGER: u8 = 0x02;
/// `OCTET STRING`.
pub(crate) const OCTET_STRING: u8 = 0x04;
/// `UTF8String`.
pub(crate) const UTF8_STRING: u8 = 0x0c;
/// `PrintableString`.
pub(crate) const PRINTABLE_STRING: u8 = 0x13;

/// Why bytes are not the DER that was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DerError {
    /// The input ends inside a tag, a length or a value.
    Truncated,
    /// A multi-byte (high-number) tag, which no certificate field uses.
    UnsupportedTag,
    /// An indefinite length (BER, not DER).
    IndefiniteLength,
    /// A length encoded in more bytes than needed (BER, not DER).
    NonMinimalLength,
    /// A length above what this reader accepts (16 MiB).
    TooLong,
    /// A different element than the one the structure requires here.
    UnexpectedTag {
        /// The tag the structure requires.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// Bytes left over after the last element of a structure.
    TrailingData,
    /// A `BOOLEAN` that is not exactly `00` or `ff`.
    BadBoolean,
    /// An `OBJECT IDENTIFIER` that is empty or ends inside a sub-identifier.
    BadOid,
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("truncated DER"),
            Self::UnsupportedTag => f.write_str("unsupported multi-byte DER tag"),
            Self::IndefiniteLength => f.write_str("indefinite length (BER, not DER)"),
            Self::NonMinimalLength => f.write_str("non-minimal length encoding (BER, not DER)"),
            Self::TooLong => f.write_str("element longer than 16 MiB"),
            Self::UnexpectedTag { expected, found } => {
                write!(f, "expected DER tag 0x{expected:02x}, found 0x{found:02x}")
            }
            Self::TrailingData => f.write_str("trailing data after the last element"),
            Self::BadBoolean => f.write_str("BOOLEAN is neither 00 nor ff"),
            Self::BadOid => f.write_str("malformed OBJECT IDENTIFIER"),
        }
    }
}

impl std::error::Error for DerError {}

/// The longest element accepted.
const MAX_LEN: usize = 16 << 20;

/// One element: its tag and its contents.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
}

/// Reads consecutive elements from a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    /// A reader over `input`.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// Whether every element has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element, whatever its tag.
    pub(crate) fn any(&mut self) -> Result<Tlv<'a>, DerError> {
        let (&tag, rest) = self.rest.split_first().ok_or(DerError::Truncated)?;
        if tag & 0x1f == 0x1f {
            return Err(DerError::UnsupportedTag);
        }
        let (&first, mut rest) = rest.split_first().ok_or(DerError::Truncated)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(DerError::IndefiniteLength);
        } else {
            let count = usize::from(first & 0x7f);
            if count > 3 {
                return Err(DerError::TooLong);
            }
            let (bytes, after) = rest.split_at_checked(count).ok_or(DerError::Truncated)?;
            rest = after;
            if bytes[0] == 0 {
                return Err(DerError::NonMinimalLength);
            }
            let len = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
            if len < 0x80 {
                return Err(DerError::NonMinimalLength);
            }
            len
        };
        if len > MAX_LEN {
            return Err(DerError::TooLong);
        }
        let (value, rest) = rest.split_at_checked(len).ok_or(DerError::Truncated)?;
        self.rest = rest;
        Ok(Tlv { tag, value })
    }

    /// The contents of the next element, which must have tag `tag`.
    pub(crate) fn expect(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let tlv = self.any()?;
        if tlv.tag != tag {
            return Err(DerError::UnexpectedTag {
                expected: tag,
                found: tlv.tag,
            });
        }
        Ok(tlv.value)
    }

    /// The contents of the next element if it has tag `tag`; nothing is consumed otherwise.
    pub(crate) fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The contents of an `OBJECT IDENTIFIER`, checked to be well formed.
    pub(crate) fn oid(&mut self) -> Result<&'a [u8], DerError> {
        let oid = self.expect(OID)?;
        match oid.last() {
            Some(last) if last & 0x80 == 0 => Ok(oid),
            _ => Err(DerError::BadOid),
        }
    }

    /// A `BOOLEAN`.
    pub(crate) fn boolean(&mut self) -> Result<bool, DerError> {
        match self.expect(BOOLEAN)? {
            [0x00] => Ok(false),
            [0xff] => Ok(true),
            _ => Err(DerError::BadBoolean),
        }
    }

    /// Checks that every element has been read.
    pub(crate) fn finish(&self) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerError::TrailingData)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        long.extend([0x05, 0x00]);
        let mut der = Der::new(&long);
        assert_eq!(der.expect(OCTET_STRING).unwrap().len(), 0x80);
        let null = der.any().unwrap();
        assert_eq!((null.tag, null.value.len()), (0x05, 0));
        assert!(der.is_empty());
        der.finish().unwrap();
    }

    #[test]
    fn refuses_ber_and_truncation() {
        let cases: &[(&[u8], DerError)] = &[
            (&[], DerError::Truncated),
            (&[0x30], DerError::Truncated),
            (&[0x30, 0x03, 0x01], DerError::Truncated),
            (&[0x30, 0x80, 0x00, 0x00], DerError::IndefiniteLength),
            (
                &[0x04, 0x81, 0x05, 1, 2, 3, 4, 5],
                DerError::NonMinimalLength,
            ),
            (&[0x04, 0x82, 0x00, 0x85], DerError::NonMinimalLength),
            (&[0x04, 0x84, 0x7f, 0xff, 0xff, 0xff], DerError::TooLong),
            (&[0x1f, 0x81, 0x01, 0x00], DerError::UnsupportedTag),
            (&[0x04, 0x82, 0xff, 0xff, 0x00], DerError::Truncated),
        ];
        for (input, error) in cases {
            assert_eq!(Der::new(input).any().unwrap_err(), *error, "{input:02x?}");
        }
    }

    #[test]
    fn checks_tags_booleans_oids_and_trailing_bytes() {
        let mut der = Der::new(&[0x02, 0x01, 0x01]);
        assert_eq!(
            der.expect(SEQUENCE).unwrap_err(),
            DerError::UnexpectedTag {
                expected: SEQUENCE,
                found: INTEGER
            }
        );
        assert_eq!(
            Der::new(&[0x01, 0x01, 0x01]).boolean().unwrap_err(),
            DerError::BadBoolean
        );
        assert!(Der::new(&[0x01, 0x01, 0xff]).boolean().unwrap());
        assert_eq!(Der::new(&[0x06, 0x00]).oid().unwrap_err(), DerError::BadOid);
        assert_eq!(
            Der::new(&[0x06, 0x02, 0x2b, 0x86]).oid().unwrap_err(),
            DerError::BadOid
        );
        let mut der = Der::new(&[0x05, 0x00, 0x05, 0x00]);
        der.any().unwrap();
        assert_eq!(der.finish().unwrap_err(), DerError::TrailingData);
        assert_eq!(der.optional(OID).unwrap(), None);
    }
}
