//! Splitting a compact JWS into its header, payload and signature, before any trust is placed in it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::bearer::MAX_TOKEN_LEN;
use super::config::SigningAlg;
use super::error::TokenError;
use super::jwk::VerifyKey;

/// The protected header fields we look at.
#[derive(Debug)]
pub(crate) struct JoseHeader {
    pub(crate) alg: String,
    pub(crate) typ: Option<String>,
    pub(crate) kid: Option<String>,
}

/// A compact JWS, decoded but not verified.
pub(crate) struct UnverifiedJws<'a> {
    /// `base64url(header) . base64url(payload)`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    /// The third segment, still base64url and unchecked: a broken one fails verification.
    pub(crate) signature: &'a str,
    pub(crate) header: JoseHeader,
    pub(crate) claims: Map<String, Value>,
}

impl UnverifiedJws<'_> {
    /// Whether the signature verifies under `key` with `alg` (a malformed signature does
    /// not).
    pub(crate) fn signature_verifies(&self, key: &VerifyKey, alg: SigningAlg) -> bool {
        jsonwebtoken::crypto::verify(
            self.signature,
            self.signing_input.as_bytes(),
            &key.key,
            alg.jwt_algorithm(),
        )
        .unwrap_or(false)
    }
}

impl std::fmt::Debug for UnverifiedJws<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnverifiedJws")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

pub(crate) fn parse(token: &str) -> Result<UnverifiedJws<'_>, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLarge);
    }
    let mut segments = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(TokenError::Malformed("a JWS has three segments"));
    };
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];

    let header = decode_json(header_b64, "header is not base64url JSON")?;
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.clone(),
        _ => return Err(TokenError::Malformed("header lacks alg")),
    };
    if header.contains_key("crit") {
        return Err(TokenError::Malformed("unsupported crit header"));
    }
    let typ = match header.get("typ") {
        None => None,
        Some(Value::String(typ)) => Some(typ.clone()),
        Some(_) => return Err(TokenError::Malformed("header typ is not a string")),
    };
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(TokenError::Malformed("header kid is not a string")),
    };
    let claims = decode_json(payload_b64, "payload is not base64url JSON")?;
    Ok(UnverifiedJws {
        signing_input,
        signature,
        header: JoseHeader { alg, typ, kid },
        claims,
    })
}

fn decode_json(segment: &str, what: &'static str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed(what))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(TokenError::Malformed(what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn splits_a_well_formed_token() {
        let token = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#),
            b64(r#"{"iss":"https://i"}"#),
            b64("sig")
        );
        let jws = parse(&token).unwrap();
        assert_eq!(jws.header.alg, "ES256");
        assert_eq!(jws.header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(jws.header.kid.as_deref(), Some("k1"));
        assert_eq!(jws.claims["iss"], "https://i");
        assert_eq!(jws.signing_input.matches('.').count(), 1);
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        let header = b64(r#"{"alg":"ES256"}"#);
        let payload = b64("{}");
        let cases = [
            String::new(),
            "a".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            format!("{header}.@@.{payload}"),
            format!("{}.{payload}.{payload}", b64("[1,2]")),
            format!("{}.{payload}.{payload}", b64(r#"{"alg":7}"#)),
            format!(
                "{}.{payload}.{payload}",
                b64(r#"{"alg":"ES256","crit":["b64"]}"#)
            ),
            format!("{header}.{}.{payload}", b64("not json")),
            format!("{header}=.{payload}.{payload}"),
            "\u{0}.\u{0}.\u{0}".into(),
            "é.é.é".into(),
        ];
        for case in cases {
            assert!(
                matches!(parse(&case), Err(TokenError::Malformed(_))),
                "{case:?}"
            );
        }
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(parse(&huge).unwrap_err(), TokenError::TooLarge);
    }
}
