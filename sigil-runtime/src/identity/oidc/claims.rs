//! Claim checks of RFC 9068 access tokens: times, audience, and the fields we hand on.

use serde_json::{Map, Value};

use super::error::TokenError;
use crate::identity::jwt_times::check_validity;

/// The claims of a token whose signature has verified, after the time and audience checks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckedClaims {
    pub(crate) subject: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) expires_at: u64,
    pub(crate) scopes: Vec<String>,
    pub(crate) acr: Option<String>,
    pub(crate) amr: Option<Vec<String>>,
    /// `gty` (grant type), as some providers set it (`client-credentials`).
    pub(crate) grant_type: Option<String>,
}

/// Checks `exp` (required), `nbf`, `iat`, `aud` (must contain `resource`), and reads the rest.
///
/// `now` and `leeway` are in seconds since the Unix epoch / seconds.
pub(crate) fn check(
    claims: &Map<String, Value>,
    resource: &str,
    now: u64,
    leeway: u64,
) -> Result<CheckedClaims, TokenError> {
    let exp = check_validity(claims, now, leeway)?;
    let audience_ok = match claims.get("aud") {
        None => return Err(TokenError::MissingClaim("aud")),
        Some(Value::String(aud)) => aud == resource,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(resource)),
        Some(_) => return Err(TokenError::InvalidClaim("aud")),
    };
    if !audience_ok {
        return Err(TokenError::WrongAudience);
    }
    Ok(CheckedClaims {
        subject: string(claims, "sub")?,
        client_id: string(claims, "client_id")?,
        expires_at: exp,
        scopes: scopes(claims)?,
        acr: string(claims, "acr")?,
        amr: string_list(claims, "amr")?,
        grant_type: string(claims, "gty")?,
    })
}

fn string(claims: &Map<String, Value>, name: &'static str) -> Result<Option<String>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TokenError::InvalidClaim(name)),
    }
}

fn string_list(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<Vec<String>>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or(TokenError::InvalidClaim(name))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(TokenError::InvalidClaim(name)),
    }
}

/// `scope` (RFC 9068: space-separated string), or `scp` (a list, or a string, as some providers
/// issue). Duplicates removed, order kept.
fn scopes(claims: &Map<String, Value>) -> Result<Vec<String>, TokenError> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    match claims.get("scope") {
        None => {}
        Some(Value::String(s)) => s.split_ascii_whitespace().for_each(&mut push),
        Some(_) => return Err(TokenError::InvalidClaim("scope")),
    }
    match claims.get("scp") {
        None => {}
        Some(Value::String(s)) => s.split_ascii_whitespace().for_each(&mut push),
        Some(Value::Array(items)) => {
            for item in items {
                push(item.as_str().ok_or(TokenError::InvalidClaim("scp"))?);
            }
        }
        Some(_) => return Err(TokenError::InvalidClaim("scp")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;
    const R: &str = "https://mcp.example.eu/mcp";

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn base() -> Value {
        json!({"sub":"alice","aud":R,"exp":NOW + 300,"iat":NOW,"nbf":NOW,
               "scope":"bank:read bank:transfer bank:read","client_id":"app"})
    }

    fn with(key: &str, value: Value) -> Map<String, Value> {
        let mut c = claims(base());
        c.insert(key.into(), value);
        c
    }

    #[test]
    fn a_valid_token_yields_its_claims() {
        let c = check(&claims(base()), R, NOW, 30).unwrap();
        assert_eq!(c.subject.as_deref(), Some("alice"));
        assert_eq!(c.client_id.as_deref(), Some("app"));
        assert_eq!(c.scopes, ["bank:read", "bank:transfer"]);
        assert_eq!(c.expires_at, NOW + 300);
    }

    #[test]
    fn expiry_honours_the_leeway_exactly() {
        let c = with("exp", json!(NOW - 30));
        assert_eq!(check(&c, R, NOW, 30), Err(TokenError::Expired));
        let c = with("exp", json!(NOW - 29));
        assert!(check(&c, R, NOW, 30).is_ok());
        let mut c = claims(base());
        c.remove("exp");
        assert_eq!(check(&c, R, NOW, 30), Err(TokenError::MissingClaim("exp")));
        let c = with("exp", json!("tomorrow"));
        assert_eq!(check(&c, R, NOW, 30), Err(TokenError::InvalidClaim("exp")));
        let c = with("exp", json!(-1));
        assert_eq!(check(&c, R, NOW, 30), Err(TokenError::InvalidClaim("exp")));
        let c = with("exp", json!((NOW + 10) as f64 + 0.5));
        assert!(check(&c, R, NOW, 0).is_ok());
    }

    #[test]
    fn not_before_and_issued_at_in_the_future_are_refused() {
        let c = with("nbf", json!(NOW + 31));
        assert_eq!(check(&c, R, NOW, 30), Err(TokenError::NotYetValid));
        let c = with("nbf", json!(NOW + 30));
        assert!(check(&c, R, NOW, 30).is_ok());
        let c = with("iat", json!(NOW + 120));
        assert_eq!(check(&c, R, NOW, 30), Err(TokenError::IssuedInFuture));
    }

    #[test]
    fn audience_must_contain_the_resource_exactly() {
        assert!(check(&with("aud", json!(["other", R])), R, NOW, 0).is_ok());
        for bad in [
            json!("https://mcp.example.eu/mcp/"),
            json!(["other"]),
            json!([]),
        ] {
            assert_eq!(
                check(&with("aud", bad), R, NOW, 0),
                Err(TokenError::WrongAudience)
            );
        }
        assert_eq!(
            check(&with("aud", json!(7)), R, NOW, 0),
            Err(TokenError::InvalidClaim("aud"))
        );
        let mut c = claims(base());
        c.remove("aud");
        assert_eq!(check(&c, R, NOW, 0), Err(TokenError::MissingClaim("aud")));
    }

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let mut c = claims(base());
        c.remove("scope");
        c.insert("scp".into(), json!(["a", "b"]));
        assert_eq!(check(&c, R, NOW, 0).unwrap().scopes, ["a", "b"]);
        let c = with("scope", json!(["a"]));
        assert_eq!(check(&c, R, NOW, 0), Err(TokenError::InvalidClaim("scope")));
    }
}
