//! Contact data: e-mail addresses and telephone numbers.
//!
//! Decision: addresses at the reserved documentation domains (`example.com`, `example.org`,
//! `example.net`, and the `.example`, `.test`, `.invalid`, `.localhost` TLDs, RFC 2606) are not
//! personal data and are not hits; neither are `git@host` remotes nor retina asset names such as
//! `logo@2x.png`.

use super::phone_country_codes;

/// File extensions that look like TLDs after an `@` in asset names (`icon@2x.png`).
const FILE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "js", "mjs", "cjs",
    "css", "map", "json", "html", "htm", "txt", "md", "lock", "yaml", "yml", "toml", "xml", "pdf",
];

/// Second-level domains reserved for documentation.
const RESERVED_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];

/// Top-level domains reserved for testing and documentation.
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid", "localhost", "local"];

fn ends_with_label_ci(domain: &str, suffix: &str) -> bool {
    domain.len() >= suffix.len()
        && domain.as_bytes()[domain.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
        && (domain.len() == suffix.len()
            || domain.as_bytes()[domain.len() - suffix.len() - 1] == b'.')
}

/// `email_domain`: a plausible local part and a domain of valid labels ending in an alphabetic
/// TLD (or an IDN `xn--` one), not a reserved documentation domain.
pub(super) fn email_domain(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    if local.is_empty()
        || local.len() > 64
        || domain.len() > 253
        || local.eq_ignore_ascii_case("git")
    {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    let mut labels = 0;
    let mut tld = "";
    for label in domain.split('.') {
        let b = label.as_bytes();
        if b.is_empty()
            || b.len() > 63
            || b[0] == b'-'
            || b[b.len() - 1] == b'-'
            || !b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        {
            return false;
        }
        labels += 1;
        tld = label;
    }
    let tld_ok =
        (tld.len() >= 2 && tld.len() <= 24 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
            || (tld.len() > 4 && tld.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"));
    labels >= 2
        && tld_ok
        && !FILE_EXTENSIONS.iter().any(|e| tld.eq_ignore_ascii_case(e))
        && !RESERVED_DOMAINS
            .iter()
            .any(|d| ends_with_label_ci(domain, d))
        && !RESERVED_TLDS.iter().any(|t| ends_with_label_ci(domain, t))
}

/// Digits of a phone-shaped value (separators ` -.()/` allowed), at most 20.
fn phone_digits(s: &str) -> Option<([u8; 20], usize)> {
    let mut out = [0u8; 20];
    let mut n = 0;
    for &b in s.as_bytes() {
        match b {
            b'0'..=b'9' => {
                if n == out.len() {
                    return None;
                }
                out[n] = b - b'0';
                n += 1;
            }
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            _ => return None,
        }
    }
    Some((out, n))
}

/// Fictional and filler national numbers: NANP 555-01XX, one repeated digit.
fn is_fictional(country_len: usize, national: &[u8]) -> bool {
    let nanp_fiction = country_len == 1
        && national.len() == 10
        && national[3..7] == [5, 5, 5, 0]
        && national[7] == 1;
    nanp_fiction || national.windows(2).all(|w| w[0] == w[1])
}

/// `phone_e164`: `+` or `00`, a known country code, and a national number of a length that
/// country uses (NANP: area code and exchange start with 2–9; 555-01XX is fiction).
pub(super) fn phone_e164(value: &str) -> bool {
    let v = value.trim();
    let rest = if let Some(r) = v.strip_prefix('+') {
        r
    } else if let Some(r) = v.strip_prefix("00") {
        r
    } else {
        return false;
    };
    let Some((d, n)) = phone_digits(rest) else {
        return false;
    };
    let d = &d[..n];
    if !(7..=15).contains(&n) || d[0] == 0 {
        return false;
    }
    let Some((cc_len, min, max)) = phone_country_codes::lookup(d) else {
        return false;
    };
    let national = &d[cc_len..];
    if !(usize::from(min)..=usize::from(max)).contains(&national.len()) {
        return false;
    }
    if cc_len == 1 && d[0] == 1 && (national[0] < 2 || national[3] < 2) {
        return false;
    }
    !is_fictional(cc_len, national)
}

/// `phone_national`: a number in national format (7–15 digits, a leading `+` read as E.164),
/// not a date, not a run of one digit, not an ascending sequence. Rules pair it with a context
/// keyword (`phone`, `tel`, `mobile`, ...) because a bare digit string is ambiguous.
pub(super) fn phone_national(value: &str) -> bool {
    let v = value.trim();
    if v.starts_with('+') {
        return phone_e164(value);
    }
    let Some((d, n)) = phone_digits(v) else {
        return false;
    };
    let d = &d[..n];
    if !(7..=15).contains(&n) || d.windows(2).all(|w| w[0] == w[1]) {
        return false;
    }
    let ascending = d.windows(2).all(|w| w[1] == (w[0] + 1) % 10);
    let b = v.as_bytes();
    let date_like =
        b.len() == 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    !ascending && !date_like
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_with_real_domains_pass() {
        assert!(email_domain("jane.doe@acme-corp.io"));
        assert!(email_domain("ops+alerts@mail.bank.co.uk"));
        assert!(email_domain("x@xn--bcher-kva.de"));
    }

    #[test]
    fn reserved_files_and_malformed_addresses_fail() {
        assert!(!email_domain("jane@example.com"));
        assert!(!email_domain("jane@mail.example.org"));
        assert!(!email_domain("jane@service.test"));
        assert!(!email_domain("git@github.com"));
        assert!(!email_domain("logo@2x.png"));
        assert!(!email_domain("pkg@1.2.3"));
        assert!(!email_domain("user@localhost"));
        assert!(!email_domain("user@-bad.com"));
        assert!(!email_domain(".user@acme.io"));
    }

    #[test]
    fn e164_numbers_need_a_country_and_its_length() {
        assert!(phone_e164("+44 20 7946 0321"));
        assert!(phone_e164("+49 30 901820"));
        assert!(phone_e164("+1 (415) 867-5309"));
        assert!(phone_e164("0033 6 12 34 56 78"));
        assert!(!phone_e164("+44 20 7946"));
        assert!(!phone_e164("+1 (415) 555-0123"));
        assert!(!phone_e164("+1 (115) 867-5309"));
        assert!(!phone_e164("+280 1234 5678"));
        assert!(!phone_e164("+33 1111 11111"));
        assert!(!phone_e164("44 20 7946 0321"));
    }

    #[test]
    fn national_numbers_refuse_dates_and_sequences() {
        assert!(phone_national("030 901820"));
        assert!(phone_national("(415) 867-5309"));
        assert!(!phone_national("2024-05-01"));
        assert!(!phone_national("1234567890"));
        assert!(!phone_national("0000000"));
        assert!(!phone_national("12345"));
    }
}
