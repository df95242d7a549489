//! The encodings a value can be found inside, named in a hit.

/// The encoding a value was found inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Encoding {
    /// Base64, standard alphabet (`+` and `/`), padded or not.
    Base64,
    /// Base64, URL-safe alphabet (`-` and `_`), padded or not.
    Base64Url,
    /// Hexadecimal digits, two per byte.
    Hex,
    /// Percent-encoding (`%20`) or form encoding (`+` for a space).
    Percent,
    /// Not an encoding: hidden by zero-width or bidi characters, or written in fullwidth
    /// forms; found in the normalised text (see `scan::normalize`).
    Normalized,
}

impl Encoding {
    /// `base64`, `base64url`, `hex` or `percent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base64 => "base64",
            Self::Base64Url => "base64url",
            Self::Hex => "hex",
            Self::Percent => "percent",
            Self::Normalized => "normalized",
        }
    }
}
