//! Structure checks for provider tokens: JWT headers, GitHub/npm CRC-32 checksums, Slack and
//! Stripe token shapes, PEM blocks, Discord bot tokens, HTTP Basic credentials.

use super::base64_text;
use super::crc32::crc32;
use super::generic::is_placeholder;

/// Base62 alphabet of GitHub-style token checksums.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_value(text: &[u8]) -> Option<u64> {
    text.iter().try_fold(0u64, |acc, &b| {
        let digit = BASE62.iter().position(|&x| x == b)? as u64;
        Some(acc * 62 + digit)
    })
}

/// A 4-character prefix, 30 random characters and 6 base62 characters of their CRC-32.
fn prefixed_crc32_token(v: &str, prefixes: &[&str]) -> bool {
    let b = v.as_bytes();
    if b.len() != 40 || !prefixes.iter().any(|p| v.starts_with(p)) {
        return false;
    }
    let (body, check) = (&b[4..34], &b[34..]);
    body.iter().all(u8::is_ascii_alphanumeric)
        && base62_value(check) == Some(u64::from(crc32(body)))
}

/// `github_token_checksum`: classic GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) carry
/// the CRC-32 of their 30 random characters as the last 6 base62 characters.
pub(super) fn github_token_checksum(value: &str) -> bool {
    prefixed_crc32_token(value, &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])
}

/// `npm_token_checksum`: npm access tokens (`npm_`) use the same CRC-32 scheme as GitHub.
pub(super) fn npm_token_checksum(value: &str) -> bool {
    prefixed_crc32_token(value, &["npm_"])
}

/// Number of distinct bytes in `b`.
fn distinct(b: &[u8]) -> usize {
    let mut seen = [false; 256];
    b.iter()
        .filter(|&&x| !std::mem::replace(&mut seen[x as usize], true))
        .count()
}

/// `github_fine_grained`: `github_pat_` + 22 alphanumerics + `_` + 59 alphanumerics, random
/// enough to be a real token.
pub(super) fn github_fine_grained(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("github_pat_") else {
        return false;
    };
    let b = rest.as_bytes();
    b.len() == 82
        && b[22] == b'_'
        && b[..22]
            .iter()
            .chain(&b[23..])
            .all(u8::is_ascii_alphanumeric)
        && distinct(b) >= 20
}

/// `slack_token`: `xox?-` or `xapp-`, dash-separated alphanumeric segments, at least one numeric
/// id segment and a random final segment of 24 or more characters (legacy bot tokens have just
/// the two).
pub(super) fn slack_token(value: &str) -> bool {
    let v = value;
    let prefix_ok = [
        "xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxr-", "xoxs-", "xoxe-", "xapp-",
    ]
    .iter()
    .any(|p| v.starts_with(p))
        || v.starts_with("xoxe.xox");
    if !prefix_ok {
        return false;
    }
    let mut segments = v.split('-').skip(1);
    let mut numeric = false;
    let mut last = "";
    let mut count = 0;
    for s in &mut segments {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        numeric |= s.len() >= 6 && s.bytes().all(|b| b.is_ascii_digit());
        last = s;
        count += 1;
    }
    count >= 2 && numeric && last.len() >= 24 && distinct(last.as_bytes()) >= 10
}

/// `stripe_secret_key`: a secret (`sk_`) or restricted (`rk_`) key in live or test mode, never a
/// publishable key (`pk_`), with a random body of 24 or more characters.
pub(super) fn stripe_secret_key(value: &str) -> bool {
    let v = value;
    let Some(rest) = v.strip_prefix("sk_").or_else(|| v.strip_prefix("rk_")) else {
        return false;
    };
    let Some(body) = rest
        .strip_prefix("live_")
        .or_else(|| rest.strip_prefix("test_"))
    else {
        return false;
    };
    body.len() >= 24
        && body.bytes().all(|b| b.is_ascii_alphanumeric())
        && distinct(body.as_bytes()) >= 12
        && !is_placeholder(body)
}

/// `pem_block`: `-----BEGIN X-----` and `-----END X-----` name the same type and enclose at
/// least 64 base64 characters.
pub(super) fn pem_block(value: &str) -> bool {
    let v = value.trim();
    let Some(after_begin) = v.strip_prefix("-----BEGIN ") else {
        return false;
    };
    let Some((label, rest)) = after_begin.split_once("-----") else {
        return false;
    };
    let Some(body_and_end) = rest.strip_suffix("-----") else {
        return false;
    };
    let Some((body, end_label)) = body_and_end.rsplit_once("-----END ") else {
        return false;
    };
    if label != end_label || label.is_empty() {
        return false;
    }
    let base64 = body
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .count();
    base64 >= 64 && !body.contains("...") && !body.contains('<')
}

/// `jwt_structure`: three (JWS) or five (JWE) base64url parts; the header decodes to a JSON
/// object naming `alg`; for a JWS the payload decodes to a JSON object.
pub(super) fn jwt_structure(value: &str) -> bool {
    let mut parts = value.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let rest = parts.count();
    if rest != 1 && rest != 3 {
        return false;
    }
    let mut buf = [0u8; 768];
    let Some(h) = base64_text::decode(header, &mut buf) else {
        return false;
    };
    let h = h.trim_ascii();
    let header_ok = h.first() == Some(&b'{')
        && h.last() == Some(&b'}')
        && h.windows(5).any(|w| w == b"\"alg\"");
    if !header_ok {
        return false;
    }
    if rest == 3 {
        return true;
    }
    // Decode just the first 8 characters (6 bytes) of the payload.
    if !payload.is_ascii() {
        return false;
    }
    let head = &payload[..payload.len().min(8) / 4 * 4];
    let mut small = [0u8; 6];
    matches!(
        base64_text::decode(head, &mut small).map(<[u8]>::trim_ascii_start),
        Some([b'{', ..])
    )
}

/// `discord_bot_token`: the first part is the base64 of the bot's numeric user id (17–20 digits).
pub(super) fn discord_bot_token(value: &str) -> bool {
    let Some((id, _)) = value.split_once('.') else {
        return false;
    };
    let mut buf = [0u8; 32];
    match base64_text::decode(id, &mut buf) {
        Some(d) => (17..=20).contains(&d.len()) && d.iter().all(u8::is_ascii_digit),
        None => false,
    }
}

/// `basic_auth_credentials`: base64 of `user:password` in printable text, with a real password.
pub(super) fn basic_auth_credentials(value: &str) -> bool {
    let mut buf = [0u8; 384];
    let Some(d) = base64_text::decode(value.trim(), &mut buf) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(d) else {
        return false;
    };
    if text.chars().any(char::is_control) {
        return false;
    }
    match text.split_once(':') {
        Some((user, password)) => !user.is_empty() && !is_placeholder(password),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid GitHub-style token from a prefix and 30 body characters.
    fn with_checksum(prefix: &str, body: &str) -> String {
        let mut n = u64::from(crc32(body.as_bytes()));
        let mut check = [b'0'; 6];
        for slot in check.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        format!("{prefix}{body}{}", std::str::from_utf8(&check).unwrap())
    }

    #[test]
    fn github_and_npm_checksums() {
        let gh = with_checksum("ghp_", "Zq8VLmP0xWc7TbNa1Rk4Ys2Ud6Fh9J");
        assert_eq!(gh.len(), 40);
        assert!(github_token_checksum(&gh));
        let mut broken = gh.clone().into_bytes();
        broken[10] = if broken[10] == b'a' { b'b' } else { b'a' };
        assert!(!github_token_checksum(
            std::str::from_utf8(&broken).unwrap()
        ));
        assert!(!github_token_checksum(
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
        ));
        let npm = with_checksum("npm_", "Zq8VLmP0xWc7TbNa1Rk4Ys2Ud6Fh9J");
        assert!(npm_token_checksum(&npm));
        assert!(!github_token_checksum(&npm));
    }

    #[test]
    fn fine_grained_shape() {
        let t = "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";
        assert!(github_fine_grained(t));
        assert!(!github_fine_grained(&t[..t.len() - 1]));
        assert!(!github_fine_grained(&t.replace('_', "-")));
    }

    #[test]
    fn slack_shapes() {
        assert!(slack_token(
            "xoxb-2481937465-5829301746382-Qm7Vt2Lp9Xc4Rz8Nw1Bk6Hd3"
        ));
        assert!(slack_token(
            "xapp-1-A04QW9R7TZP-5038127364915-9f3c1e7a2b8d4c6e0f5a9b1c3d7e2f4a6b8c0d1e3f5a7b9c2d4e6f8a0b1c3d5e"
        ));
        assert!(slack_token("xoxb-153445930147-Qm7Vt2Lp9Xc4Rz8Nw1Bk6Hd3"));
        assert!(!slack_token("xoxb-your-bot-token-here"));
        assert!(!slack_token("xoxb-2481937465-5829301746382-short"));
        assert!(!slack_token(
            "xoxq-2481937465-5829301746382-Qm7Vt2Lp9Xc4Rz8Nw1Bk6Hd3"
        ));
    }

    #[test]
    fn stripe_secret_not_publishable() {
        assert!(stripe_secret_key(
            "sk_live_51Hq8ZtLm3Vx9Rk2Pb7Wc4Nd6Yf1Ga0Ju5"
        ));
        assert!(stripe_secret_key(
            "rk_test_51Hq8ZtLm3Vx9Rk2Pb7Wc4Nd6Yf1Ga0Ju5"
        ));
        assert!(!stripe_secret_key(
            "pk_live_51Hq8ZtLm3Vx9Rk2Pb7Wc4Nd6Yf1Ga0Ju5"
        ));
        assert!(!stripe_secret_key("sk_live_xxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!stripe_secret_key(
            "sk_prod_51Hq8ZtLm3Vx9Rk2Pb7Wc4Nd6Yf1Ga0Ju5"
        ));
    }

    #[test]
    fn pem_types_must_match() {
        let body = "MIIEowIBAAKCAQEAq8Vz3LmP0xWc7TbNa1Rk4Ys2Ud6Fh9Jg3Lw5Ep8Tq0Mn2Bv4Cx6Zz9Ya1Xb3Wc5Vd7Ue9\n";
        let good = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----");
        assert!(pem_block(&good));
        let mismatched =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----");
        assert!(!pem_block(&mismatched));
        let elided = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----";
        assert!(!pem_block(elided));
    }

    #[test]
    fn jwt_header_and_payload() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"42"} . signature
        let jwt =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";
        assert!(jwt_structure(jwt));
        // Header without alg: {"typ":"JWT"}
        assert!(!jwt_structure("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI0MiJ9.c2ln"));
        assert!(!jwt_structure(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9"
        ));
        assert!(!jwt_structure(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bm90LWpzb24.c2ln"
        ));
    }

    #[test]
    fn discord_first_part_is_a_user_id() {
        // base64("412345678901234567")
        assert!(discord_bot_token(
            "NDEyMzQ1Njc4OTAxMjM0NTY3.GxYz12.q8Vz3LmP0xWc7TbNa1Rk4Ys2Ud6Fh9Jg3Lw"
        ));
        assert!(!discord_bot_token(
            "bm90LWFuLWlkLWF0LWFsbA.GxYz12.q8Vz3LmP0xWc7TbNa1Rk4Ys2Ud6Fh9Jg3Lw"
        ));
    }

    #[test]
    fn basic_auth_needs_user_and_real_password() {
        assert!(basic_auth_credentials("YWxpY2U6UzNjcjN0LVBhNTU=")); // alice:S3cr3t-Pa55
        assert!(!basic_auth_credentials("dXNlcjpwYXNzd29yZA==")); // user:password
        assert!(!basic_auth_credentials("bm9jb2xvbmhlcmU=")); // nocolonhere
        assert!(!basic_auth_credentials("not base64!"));
    }
}
