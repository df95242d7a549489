//! The kinds of value the vault holds. A tool may be allowed to receive some kinds in clear
//! (`reveal = [Iban]`).

use std::fmt;

/// What kind of value a vault record (and its pointer) holds.
///
/// The set is closed so that `reveal = [...]` can be checked at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DataKind {
    /// International Bank Account Number.
    Iban,
    /// Payment card number.
    Card,
    /// Bank Identifier Code.
    Bic,
    /// E-mail address.
    Email,
    /// Telephone number.
    Phone,
    /// National identity number (SSN, NINO, Steuer-ID, ...).
    NationalId,
    /// Cloud provider access key (AWS, GCP, Azure).
    CloudKey,
    /// API key or token of a service.
    ApiKey,
    /// Private key block (PEM, OpenSSH).
    PrivateKey,
    /// A password (in a URL, connection string, or key=value).
    Password,
    /// A JSON Web Token.
    Jwt,
    /// Any other secret.
    Secret,
}

impl DataKind {
    /// Every kind, in declaration order.
    pub const ALL: [DataKind; 12] = [
        Self::Iban,
        Self::Card,
        Self::Bic,
        Self::Email,
        Self::Phone,
        Self::NationalId,
        Self::CloudKey,
        Self::ApiKey,
        Self::PrivateKey,
        Self::Password,
        Self::Jwt,
        Self::Secret,
    ];

    /// The tag used inside pointers: `[SIGIL-VAULT: IBAN:<id>]`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Iban => "IBAN",
            Self::Card => "CARD",
            Self::Bic => "BIC",
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::NationalId => "NATIONAL_ID",
            Self::CloudKey => "CLOUD_KEY",
            Self::ApiKey => "API_KEY",
            Self::PrivateKey => "PRIVATE_KEY",
            Self::Password => "PASSWORD",
            Self::Jwt => "JWT",
            Self::Secret => "SECRET",
        }
    }

    /// The Rust-style name used in `reveal = [...]` and in rule packs (`Iban`, `CloudKey`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Iban => "Iban",
            Self::Card => "Card",
            Self::Bic => "Bic",
            Self::Email => "Email",
            Self::Phone => "Phone",
            Self::NationalId => "NationalId",
            Self::CloudKey => "CloudKey",
            Self::ApiKey => "ApiKey",
            Self::PrivateKey => "PrivateKey",
            Self::Password => "Password",
            Self::Jwt => "Jwt",
            Self::Secret => "Secret",
        }
    }

    /// Parses either the name (`Iban`) or the tag (`IBAN`).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s || k.tag() == s)
    }
}

impl fmt::Display for DataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}
