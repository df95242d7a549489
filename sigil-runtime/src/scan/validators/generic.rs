//! Generic filters for values without a checksum: placeholders, UUIDs, hashes, versions, dates,
//! file paths, character mix. They keep key=value and URL-password rules precise.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Whole values (compared case-insensitively) that are stand-ins, not secrets.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "changeme",
    "change_me",
    "admin",
    "root",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "redacted",
    "hidden",
    "masked",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "test",
    "testing",
    "guest",
    "default",
    "123456",
    "12345678",
    "123456789",
    "qwerty",
    "letmein",
    "foobar",
    "foo",
    "bar",
    "abc123",
    "password123",
    "secret123",
    "mysecret",
    "mypassword",
    "yourpassword",
    "string",
    "value",
    "required",
    "optional",
    "tbd",
];

/// Substrings (lowercase) that mark a value as an illustration or a reference to elsewhere.
const PLACEHOLDER_MARKS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourtoken",
    "yourkey",
    "yoursecret",
    "yourpass",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "%(",
    "xxxx",
    "****",
    "....",
    "redacted",
    "dummy",
    "sample",
    "insert",
    "replace",
    "todo",
    "fixme",
    "process.env",
    "os.environ",
    "getenv",
    "env(",
    "secretkeyref",
    "vault:",
    "lorem",
    "ipsum",
    "notreal",
    "not_real",
    "#{",
    // A value that names the field (`"Password:"`, `#add-password`) is a label, not a password.
    "password",
    "passwd",
    "@{",
    "!vault",
    "!secret",
    "!env",
    "not-a-real",
    "<none>",
    "•",
];

/// Whether `b` holds one of [`PLACEHOLDER_MARKS`] (ASCII case-insensitive): one automaton,
/// built once, rather than a substring search per mark per value.
fn has_placeholder_mark(b: &[u8]) -> bool {
    static MARKS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(PLACEHOLDER_MARKS)
            .ok()
    });
    match &*MARKS {
        Some(marks) => marks.is_match(b),
        // Unreachable with the marks above; without the automaton, search mark by mark.
        None => {
            let lower = b.to_ascii_lowercase();
            PLACEHOLDER_MARKS
                .iter()
                .any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some())
        }
    }
}

/// True when `s` looks like a stand-in rather than a real secret: a known filler word, an
/// illustration marker, a variable reference, runs of one character or ascending sequences.
pub(super) fn is_placeholder(s: &str) -> bool {
    let t = s.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let b = t.as_bytes();
    if b.is_empty() {
        return true;
    }
    if PLACEHOLDER_VALUES.iter().any(|p| t.eq_ignore_ascii_case(p)) {
        return true;
    }
    // `$VAR`, `${VAR}`, `%VAR%`: a reference to a value kept elsewhere.
    if matches!(b[0], b'$' | b'%') || has_placeholder_mark(b) {
        return true;
    }
    // A run of six identical bytes, or six ascending ones (`abcdef`, `123456`).
    let (mut same, mut ascending) = (1, 1);
    for w in b.windows(2) {
        same = if w[1] == w[0] { same + 1 } else { 1 };
        ascending = if w[1] == w[0].wrapping_add(1) && w[0].is_ascii_alphanumeric() {
            ascending + 1
        } else {
            1
        };
        if same >= 6 || ascending >= 6 {
            return true;
        }
    }
    // Eight or more bytes drawn from at most two distinct values.
    if b.len() >= 8 {
        let first = b[0];
        let other = b.iter().find(|&&x| x != first).copied();
        if b.iter().all(|&x| x == first || Some(x) == other) {
            return true;
        }
    }
    false
}

/// `not_placeholder`: see [`is_placeholder`].
pub(super) fn not_placeholder(value: &str) -> bool {
    !is_placeholder(value)
}

fn is_hex(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_hexdigit)
}

/// True when `b` is a UUID in its 8-4-4-4-12 form.
fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &x)| match i {
            8 | 13 | 18 | 23 => x == b'-',
            _ => x.is_ascii_hexdigit(),
        })
}

/// `not_uuid`: the value is not a UUID (8-4-4-4-12 hex, optionally in braces).
pub(super) fn not_uuid(value: &str) -> bool {
    let v = value.trim_matches(|x| x == '{' || x == '}');
    !is_uuid(v.as_bytes())
}

/// `not_hex_hash`: the value is not a bare hex digest (MD5, SHA-1, SHA-224/256/384/512) nor a
/// `sha256:`-style digest reference.
pub(super) fn not_hex_hash(value: &str) -> bool {
    let v = value;
    let body = v
        .split_once(':')
        .filter(|(algo, _)| (algo.len() <= 8 && algo.starts_with("sha")) || *algo == "md5")
        .map_or(v, |(_, rest)| rest);
    let b = body.as_bytes();
    !(matches!(b.len(), 32 | 40 | 56 | 64 | 96 | 128) && is_hex(b))
}

/// `not_sha_digest`: not a bare SHA-1/SHA-2 hex digest (40, 56, 64, 96 or 128 hex digits).
/// Unlike [`not_hex_hash`] it lets 32 hex digits through: assigned to a key name, an MD5-length
/// value is far more often an API key than a hash.
pub(super) fn not_sha_digest(value: &str) -> bool {
    let b = value.as_bytes();
    !(matches!(b.len(), 40 | 56 | 64 | 96 | 128) && is_hex(b))
}

/// `not_integrity_hash`: not a Subresource-Integrity / lockfile digest (`sha512-<base64>`).
pub(super) fn not_integrity_hash(value: &str) -> bool {
    let v = value.trim();
    !["sha1-", "sha256-", "sha384-", "sha512-"]
        .iter()
        .any(|p| v.len() > p.len() && v.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
}

/// `not_version`: not a version string (`1.2.3`, `v2.0.0-beta.1`, `10.4`).
pub(super) fn not_version(value: &str) -> bool {
    let v = value.strip_prefix(['v', 'V']).unwrap_or(value);
    let core = v.split(['-', '+']).next().unwrap_or("");
    let mut parts = 0;
    let shaped = core.split('.').all(|p| {
        parts += 1;
        !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
    });
    !(shaped && parts >= 2)
}

/// `not_date`: not a date or timestamp (`2024-05-01`, `2024-05-01T10:00:00Z`, `01/05/2024`).
pub(super) fn not_date(value: &str) -> bool {
    let b = value.trim().as_bytes();
    let iso = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/' | b'.')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
        && b[8..10].iter().all(u8::is_ascii_digit);
    let dmy = b.len() >= 10
        && b[..2].iter().all(u8::is_ascii_digit)
        && matches!(b[2], b'-' | b'/' | b'.')
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5] == b[2]
        && b[6..10].iter().all(u8::is_ascii_digit);
    !(iso || dmy)
}

/// `not_file_path`: not a file system path (`/etc/...`, `./x`, `~/x`, `C:\x`).
pub(super) fn not_file_path(value: &str) -> bool {
    let v = value;
    let b = v.as_bytes();
    let drive = b.len() > 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\';
    !(drive
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || (v.starts_with('/') && v[1..].contains('/')))
}

/// `not_code_reference`: not a dotted or `::` identifier path such as `settings.API_KEY`,
/// `os.environ` or `config::Secret` (a reference to a value, not the value).
pub(super) fn not_code_reference(value: &str) -> bool {
    let v = value;
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let mut segments = 0;
    let identifiers = v.split(['.', ':']).filter(|s| !s.is_empty()).all(|s| {
        segments += 1;
        let b = s.as_bytes();
        (b[0].is_ascii_alphabetic() || b[0] == b'_')
            && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'_')
    });
    let separated = v.contains('.') || v.contains("::");
    !(separated && identifiers && segments >= 2 && digits < 3)
}

/// `mixed_charset`: at least two of uppercase letters, lowercase letters and digits.
pub(super) fn mixed_charset(value: &str) -> bool {
    let b = value.as_bytes();
    let upper = b.iter().any(u8::is_ascii_uppercase) as u8;
    let lower = b.iter().any(u8::is_ascii_lowercase) as u8;
    let digit = b.iter().any(u8::is_ascii_digit) as u8;
    upper + lower + digit >= 2
}

/// `has_digit`: at least one ASCII digit.
pub(super) fn has_digit(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit())
}

/// `url_password_not_placeholder`: the password of a URL or connection string is a real value:
/// not a placeholder, not a variable reference, not a mask.
pub(super) fn url_password_not_placeholder(value: &str) -> bool {
    let p = value;
    !p.is_empty() && !is_placeholder(p) && !p.bytes().all(|b| b == b'*' || b == b'x' || b == b'X')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "xxxxxxxxxxxxxxxx",
            "${DB_PASSWORD}",
            "$TOKEN",
            "<your-token>",
            "changeme",
            "AKIAIOSFODNN7EXAMPLE",
            "%API_KEY%",
            "{{ secrets.token }}",
            "aaaaaaaaaaaaaaaa",
            "abcdefghij",
            "0123456789",
            "********",
            "password",
            "your_api_key_here",
            "ababababab",
            "process.env.TOKEN",
            "#add-password",
            "Password:",
            "!vault |",
            "",
            "  ",
        ] {
            assert!(!not_placeholder(p), "{p:?} should be a placeholder");
        }
    }

    #[test]
    fn real_looking_values_are_not_placeholders() {
        for p in [
            "q8Vz3LmP0xWc7TbN",
            "Tr0ub4dor&3",
            "hunter2-Kx9",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCY",
        ] {
            assert!(not_placeholder(p), "{p:?} should pass");
        }
    }

    #[test]
    fn uuids_and_hashes_are_refused() {
        assert!(!not_uuid("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        assert!(!not_uuid("{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"));
        assert!(not_uuid("3f2504e04f8911d39a0c0305e82c3301x"));
        assert!(!not_hex_hash("d41d8cd98f00b204e9800998ecf8427e"));
        assert!(!not_hex_hash("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(!not_hex_hash(
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(not_hex_hash("d41d8cd98f00b204e9800998ecf8427"));
        assert!(not_hex_hash("Zq41d8cd98f00b204e9800998ecf8427e"));
        assert!(!not_integrity_hash(
            "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
        ));
        assert!(not_integrity_hash("q8Vz3LmP0xWc7TbN"));
    }

    #[test]
    fn sha_digests_are_refused_but_md5_length_values_pass() {
        assert!(!not_sha_digest("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(!not_sha_digest(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(not_sha_digest("951bc382db9abad29c68634761dd6e19"));
    }

    #[test]
    fn versions_dates_and_paths_are_refused() {
        assert!(!not_version("1.2.3"));
        assert!(!not_version("v2.0.0-beta.1"));
        assert!(!not_version("10.4"));
        assert!(not_version("1.2.3a"));
        assert!(not_version("12345"));
        assert!(!not_date("2024-05-01"));
        assert!(!not_date("2024-05-01T10:00:00Z"));
        assert!(!not_date("01/05/2024"));
        assert!(not_date("20240501xyz"));
        assert!(!not_file_path("/etc/ssl/private.key"));
        assert!(!not_file_path("./secrets.json"));
        assert!(!not_file_path("C:\\keys\\id_rsa"));
        assert!(not_file_path("q8Vz3LmP/0xWc7TbN"));
    }

    #[test]
    fn code_references_are_refused() {
        assert!(!not_code_reference("settings.API_KEY"));
        assert!(!not_code_reference("config::Secret"));
        assert!(!not_code_reference("self.client.token"));
        assert!(not_code_reference("q8Vz3LmP0xWc7TbN"));
        assert!(not_code_reference("a1b2.c3d4e5.f6"));
        assert!(not_code_reference("Tr0ub4dor&3"));
    }

    #[test]
    fn charset_checks() {
        assert!(mixed_charset("abc123"));
        assert!(mixed_charset("ABCdef"));
        assert!(!mixed_charset("abcdefgh"));
        assert!(!mixed_charset("12345678"));
        assert!(has_digit("abc1"));
        assert!(!has_digit("abcd"));
    }

    #[test]
    fn url_passwords() {
        assert!(url_password_not_placeholder("s3cr3tPa55"));
        assert!(!url_password_not_placeholder("${PGPASSWORD}"));
        assert!(!url_password_not_placeholder("password"));
        assert!(!url_password_not_placeholder("xxx"));
        assert!(!url_password_not_placeholder(""));
    }
}
