//! Validators: checks a regex match must also pass to count as a hit (checksums, entropy,
//! structure). Named in rule packs by `validator = "luhn"`, `"entropy>=3.5"`, ...
//!
//! Every validator is allocation-free and linear in the length of the candidate: the regex has
//! already bounded the shape, the validator decides whether the match is real (a checksum holds,
//! a date exists, the value is not a placeholder). [`names`] lists every name a pack may use.

mod base64_text;
mod calendar;
mod checksum_financial;
mod contact;
mod crc32;
mod digits;
mod generic;
mod national_id_americas;
mod national_id_asia_pacific;
mod national_id_east_europe;
mod national_id_nordic;
mod national_id_south_europe;
mod national_id_west_europe;
mod phone_country_codes;
mod token_structure;

use std::fmt;

/// The signature every named check has: it sees the value a rule reports (the `secret`
/// capture group, or the whole match) in decoded text (JSON escapes undone), and nothing else.
type CheckFn = fn(&str) -> bool;

/// A named check without parameters, from the registry below.
#[derive(Clone, Copy)]
pub struct NamedCheck {
    name: &'static str,
    run: CheckFn,
}

impl NamedCheck {
    /// The name a rule pack uses for this check.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for NamedCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for NamedCheck {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A parsed validator spec.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Validator {
    /// Luhn checksum over the digits of the value.
    Luhn,
    /// Shannon entropy of the value, in bits per byte, at least this much.
    EntropyAtLeast(f64),
    /// The value is at least this many bytes long.
    MinLength(usize),
    /// One of the named checks listed by [`names`] (checksums, structure, placeholders).
    Named(NamedCheck),
}

/// Every parameterless check, by the name packs use. Families live in their own files.
const REGISTRY: &[(&str, CheckFn)] = &[
    // Financial.
    ("iban_mod97", checksum_financial::iban_mod97),
    ("bic", checksum_financial::bic),
    ("card_issuer_range", checksum_financial::card_issuer_range),
    (
        "card_not_test_number",
        checksum_financial::card_not_test_number,
    ),
    ("aba_routing", checksum_financial::aba_routing),
    // National identifiers: the Americas.
    ("us_ssn", national_id_americas::us_ssn),
    ("us_itin", national_id_americas::us_itin),
    ("ca_sin", national_id_americas::ca_sin),
    ("br_cpf", national_id_americas::br_cpf),
    ("br_cnpj", national_id_americas::br_cnpj),
    // Western Europe.
    ("uk_nino", national_id_west_europe::uk_nino),
    ("uk_nhs", national_id_west_europe::uk_nhs),
    ("ie_pps", national_id_west_europe::ie_pps),
    ("fr_nir", national_id_west_europe::fr_nir),
    (
        "be_national_number",
        national_id_west_europe::be_national_number,
    ),
    ("nl_bsn", national_id_west_europe::nl_bsn),
    ("de_steuer_id", national_id_west_europe::de_steuer_id),
    ("at_svnr", national_id_west_europe::at_svnr),
    ("ch_ahv", national_id_west_europe::ch_ahv),
    // Southern Europe.
    ("es_dni", national_id_south_europe::es_dni),
    ("es_nie", national_id_south_europe::es_nie),
    ("pt_nif", national_id_south_europe::pt_nif),
    (
        "it_codice_fiscale",
        national_id_south_europe::it_codice_fiscale,
    ),
    ("gr_amka", national_id_south_europe::gr_amka),
    ("hr_oib", national_id_south_europe::hr_oib),
    // Nordic countries.
    ("se_personnummer", national_id_nordic::se_personnummer),
    ("dk_cpr", national_id_nordic::dk_cpr),
    ("fi_hetu", national_id_nordic::fi_hetu),
    ("no_fodselsnummer", national_id_nordic::no_fodselsnummer),
    // Central and Eastern Europe.
    ("pl_pesel", national_id_east_europe::pl_pesel),
    ("cz_rodne_cislo", national_id_east_europe::cz_rodne_cislo),
    ("ro_cnp", national_id_east_europe::ro_cnp),
    ("ee_isikukood", national_id_east_europe::ee_isikukood),
    ("bg_egn", national_id_east_europe::bg_egn),
    // Asia-Pacific.
    ("in_aadhaar", national_id_asia_pacific::in_aadhaar),
    ("au_tfn", national_id_asia_pacific::au_tfn),
    // Token structure.
    ("jwt_structure", token_structure::jwt_structure),
    (
        "github_token_checksum",
        token_structure::github_token_checksum,
    ),
    ("github_fine_grained", token_structure::github_fine_grained),
    ("npm_token_checksum", token_structure::npm_token_checksum),
    ("slack_token", token_structure::slack_token),
    ("stripe_secret_key", token_structure::stripe_secret_key),
    ("pem_block", token_structure::pem_block),
    ("discord_bot_token", token_structure::discord_bot_token),
    (
        "basic_auth_credentials",
        token_structure::basic_auth_credentials,
    ),
    // Generic filters.
    ("not_placeholder", generic::not_placeholder),
    ("not_uuid", generic::not_uuid),
    ("not_hex_hash", generic::not_hex_hash),
    ("not_sha_digest", generic::not_sha_digest),
    ("not_integrity_hash", generic::not_integrity_hash),
    ("not_version", generic::not_version),
    ("not_date", generic::not_date),
    ("not_file_path", generic::not_file_path),
    ("not_code_reference", generic::not_code_reference),
    ("mixed_charset", generic::mixed_charset),
    ("has_digit", generic::has_digit),
    (
        "url_password_not_placeholder",
        generic::url_password_not_placeholder,
    ),
    // Contact data.
    ("email_domain", contact::email_domain),
    ("phone_e164", contact::phone_e164),
    ("phone_national", contact::phone_national),
];

/// Names of the parameterised validators, written with their parameter.
const PARAMETERISED: &[&str] = &["luhn", "entropy>=x", "min_length>=n"];

/// Every validator name a rule pack may use (parameterised ones written `entropy>=x`).
pub fn names() -> impl Iterator<Item = &'static str> {
    PARAMETERISED
        .iter()
        .copied()
        .chain(REGISTRY.iter().map(|(name, _)| *name))
}

impl Validator {
    /// Parses a spec as written in a rule pack. Errors name the spec.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        if spec == "luhn" {
            return Ok(Self::Luhn);
        }
        if let Some(x) = spec.strip_prefix("entropy>=") {
            return x
                .trim()
                .parse::<f64>()
                .map(Self::EntropyAtLeast)
                .map_err(|_| format!("validator `{spec}`: `{x}` is not a number"));
        }
        if let Some(x) = spec.strip_prefix("min_length>=") {
            return x
                .trim()
                .parse::<usize>()
                .map(Self::MinLength)
                .map_err(|_| format!("validator `{spec}`: `{x}` is not a whole number"));
        }
        REGISTRY
            .iter()
            .find(|(name, _)| *name == spec)
            .map(|&(name, run)| Self::Named(NamedCheck { name, run }))
            .ok_or_else(|| format!("unknown validator `{spec}`"))
    }

    /// True when `value` (what a rule reports, in decoded text) passes.
    pub fn check(&self, value: &str) -> bool {
        match self {
            Self::Luhn => checksum_financial::luhn_str(value),
            Self::EntropyAtLeast(min) => shannon_entropy(value.as_bytes()) >= *min,
            Self::MinLength(min) => value.len() >= *min,
            Self::Named(check) => (check.run)(value),
        }
    }
}

/// Shannon entropy in bits per byte.
///
/// Computed as `log2(n) - sum(c * log2(c)) / n` over the byte counts `c`, with `c * log2(c)`
/// looked up for the counts a value of up to 512 bytes can have: a validated value
/// costs one logarithm, not one per distinct byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    let weighted: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| match C_LOG2_C.get(c as usize) {
            Some(&v) => v,
            None => f64::from(c) * f64::from(c).log2(),
        })
        .sum();
    (n.log2() - weighted / n).max(0.0)
}

/// Counts up to this many have `c * log2(c)` tabulated.
const TABULATED: usize = 512;

/// `c * log2(c)` for `c` in `0..TABULATED` (0 for 0).
static C_LOG2_C: std::sync::LazyLock<[f64; TABULATED]> = std::sync::LazyLock::new(|| {
    let mut t = [0.0; TABULATED];
    for (c, v) in t.iter_mut().enumerate().skip(1) {
        *v = c as f64 * (c as f64).log2();
    }
    t
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_name_parses_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for name in names() {
            assert!(seen.insert(name), "duplicate validator name {name}");
            let spec = match name {
                "entropy>=x" => "entropy>=3.5",
                "min_length>=n" => "min_length>=20",
                other => other,
            };
            assert!(Validator::parse(spec).is_ok(), "{spec} does not parse");
        }
        assert!(seen.len() >= 35);
    }

    #[test]
    fn unknown_and_malformed_specs_are_refused_with_their_name() {
        let err = Validator::parse("no_such_check").unwrap_err();
        assert!(err.contains("no_such_check"));
        assert!(Validator::parse("entropy>=high").is_err());
        assert!(Validator::parse("min_length>=-1").is_err());
    }

    #[test]
    fn entropy_matches_the_textbook_formula() {
        let textbook = |b: &[u8]| -> f64 {
            let mut counts = [0u32; 256];
            b.iter().for_each(|&x| counts[x as usize] += 1);
            let n = b.len() as f64;
            counts
                .iter()
                .filter(|&&c| c > 0)
                .map(|&c| -(f64::from(c) / n) * (f64::from(c) / n).log2())
                .sum()
        };
        let long = vec![b'a'; 700];
        for v in [
            &b"q8Vz3LmP0xWc7TbN"[..],
            b"aaaaaaaaaaaaaaab",
            b"a",
            b"abcdefghijklmnopqrstuvwxyz0123456789",
            &long,
        ] {
            assert!((shannon_entropy(v) - textbook(v)).abs() < 1e-9, "{v:?}");
        }
        assert_eq!(shannon_entropy(b""), 0.0);
    }

    #[test]
    fn entropy_and_length_thresholds_apply_to_the_value() {
        let v = Validator::parse("entropy>=3.0").unwrap();
        assert!(v.check("q8Vz3LmP0xWc7TbN"));
        assert!(!v.check("aaaaaaaaaaaaaaab"));
        let m = Validator::parse("min_length>=4").unwrap();
        assert!(m.check("abcd"));
        assert!(!m.check("abc"));
    }

    /// A small deterministic generator (xorshift) so the robustness test is reproducible.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn no_validator_panics_on_arbitrary_text() {
        const PIECES: &[&str] = &[
            "0",
            "7",
            "9",
            "A",
            "Z",
            "x",
            "-",
            ".",
            "/",
            ":",
            "@",
            "+",
            "_",
            " ",
            "=",
            "é",
            "ø",
            "€",
            "😀",
            "ghp_",
            "sk_live_",
            "-----BEGIN ",
            "-----END ",
            "PRIVATE KEY",
            "-----",
            "eyJ",
            "xoxb-",
            "2A",
            "DE",
            "+44",
            "756",
            "\n",
            "\"",
            "{",
            "}",
            "sha512-",
            "${",
        ];
        let specs: Vec<&str> = names()
            .map(|n| match n {
                "entropy>=x" => "entropy>=3.0",
                "min_length>=n" => "min_length>=8",
                other => other,
            })
            .collect();
        let validators: Vec<Validator> =
            specs.iter().map(|s| Validator::parse(s).unwrap()).collect();
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..3000 {
            let len = (next(&mut state) % 24) as usize;
            let text: String = (0..len)
                .map(|_| PIECES[(next(&mut state) % PIECES.len() as u64) as usize])
                .collect();
            for v in &validators {
                let _ = v.check(&text);
            }
        }
        // Multibyte text at every length a validator slices at: no panic, and no checksum or
        // structure check accepts it (only the negative filters may let it through).
        for n in 1..=40 {
            let text = "é".repeat(n);
            for v in &validators {
                let filter = match v {
                    Validator::EntropyAtLeast(_) | Validator::MinLength(_) => true,
                    Validator::Named(c) => c.name().contains("not_"),
                    _ => false,
                };
                assert!(filter || !v.check(&text), "{v:?} accepted {text:?}");
            }
        }
    }

    #[test]
    fn named_checks_compare_by_name() {
        assert_eq!(Validator::parse("bic"), Validator::parse(" bic "));
        assert_ne!(Validator::parse("bic"), Validator::parse("iban_mod97"));
        assert_eq!(
            format!("{:?}", Validator::parse("bic").unwrap()),
            "Named(bic)"
        );
    }
}
