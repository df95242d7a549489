//! Taking the token out of an `Authorization` header (RFC 6750 §2.1).

use super::error::TokenError;

/// The largest token accepted, in bytes.
pub(crate) const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Returns the credential of an `Authorization: Bearer <token>` header value.
///
/// The scheme is matched case-insensitively; the token must be a non-empty RFC 6750 `b64token`
/// (letters, digits, `-._~+/`, then optional `=`), at most 16 KiB. Errors never echo the input.
pub fn bearer_token(authorization: &str) -> Result<&str, TokenError> {
    let authorization = authorization.trim();
    if authorization.is_empty() {
        return Err(TokenError::Missing);
    }
    let (scheme, rest) = authorization.split_once(' ').ok_or(TokenError::Malformed(
        "authorization header is not `Bearer <token>`",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(TokenError::Malformed("authorization scheme is not Bearer"));
    }
    let token = rest.trim_start_matches(' ');
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLarge);
    }
    let body = token.trim_end_matches('=');
    let b64token = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if !b64token {
        return Err(TokenError::Malformed("bearer credential is not a b64token"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_token_from_a_bearer_header() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(bearer_token("bearer   abc"), Ok("abc"));
        assert_eq!(bearer_token("BEARER a+b/c=="), Ok("a+b/c=="));
    }

    #[test]
    fn refuses_other_schemes_and_garbage() {
        assert_eq!(bearer_token(""), Err(TokenError::Missing));
        assert!(matches!(
            bearer_token("Basic dXNlcjpwdw=="),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token("Bearer"),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token("Bearer a b"),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token("Bearer \"x\""),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token("Bearer ===="),
            Err(TokenError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token("Bearer é"),
            Err(TokenError::Malformed(_))
        ));
        let huge = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert_eq!(bearer_token(&huge), Err(TokenError::TooLarge));
    }

    #[test]
    fn errors_do_not_echo_the_credential() {
        let err = bearer_token("Token sekrit-value").unwrap_err();
        assert!(!err.to_string().contains("sekrit"));
        assert!(!format!("{err:?}").contains("sekrit"));
    }
}
