//! `WWW-Authenticate: Bearer ...` challenges (RFC 6750 §3, RFC 9728 §5.1, RFC 9470 §3).

use std::fmt;

use crate::basics::TrustLevel;
use crate::identity::oidc::{TokenError, eidas_acr_for};

/// A Bearer challenge and the HTTP status it goes with. `Display` gives the header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerChallenge(Box<Parts>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parts {
    status: u16,
    error: Option<&'static str>,
    description: Option<String>,
    scopes: Vec<String>,
    acr_values: Vec<String>,
    max_age: Option<u64>,
    resource_metadata: String,
}

impl BearerChallenge {
    fn new(status: u16, error: Option<&'static str>, resource_metadata: &str) -> Self {
        Self(Box::new(Parts {
            status,
            error,
            description: None,
            scopes: Vec::new(),
            acr_values: Vec::new(),
            max_age: None,
            resource_metadata: resource_metadata.to_owned(),
        }))
    }

    /// 401 for a request without a token: `Bearer resource_metadata="..."`.
    pub fn missing_token(resource_metadata: &str) -> Self {
        Self::new(401, None, resource_metadata)
    }

    /// 401 for a refused token: `Bearer error="invalid_token", error_description="..."`. The
    /// description is the error's fixed text, which never contains the token. A
    /// [`TokenError::Missing`] gives the plain [`BearerChallenge::missing_token`].
    pub fn invalid_token(resource_metadata: &str, error: &TokenError) -> Self {
        if *error == TokenError::Missing {
            return Self::missing_token(resource_metadata);
        }
        let mut challenge = Self::new(401, Some("invalid_token"), resource_metadata);
        challenge.0.description = Some(error.to_string());
        challenge
    }

    /// 403 for a token without the scopes a tool needs: `error="insufficient_scope"` with `scope`
    /// listing every scope needed (not only the missing ones), so one new token is enough.
    pub fn insufficient_scope<S: Into<String>>(
        resource_metadata: &str,
        needed: impl IntoIterator<Item = S>,
    ) -> Self {
        Self::new(403, Some("insufficient_scope"), resource_metadata).with_scopes(needed)
    }

    /// 401 RFC 9470 step-up: the caller's authentication is too weak for the tool, ask for the
    /// eIDAS level of `required` in `acr_values`.
    pub fn step_up(resource_metadata: &str, required: TrustLevel) -> Self {
        let mut challenge = Self::new(
            401,
            Some("insufficient_user_authentication"),
            resource_metadata,
        );
        challenge.0.description = Some(format!(
            "authentication at trust level {required} is required"
        ));
        challenge.0.acr_values = eidas_acr_for(required)
            .map(str::to_owned)
            .into_iter()
            .collect();
        challenge
    }

    /// Adds scopes to the `scope` parameter (duplicates dropped, order kept).
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        for scope in scopes {
            let scope = scope.into();
            if !self.0.scopes.contains(&scope) {
                self.0.scopes.push(scope);
            }
        }
        self
    }

    /// Replaces `acr_values` (RFC 9470), e.g. with values of the issuer's own `acr_map`.
    pub fn with_acr_values<S: Into<String>>(mut self, acr: impl IntoIterator<Item = S>) -> Self {
        self.0.acr_values = acr.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `max_age` (RFC 9470): the authentication must be at most this many seconds old.
    pub fn with_max_age(mut self, seconds: u64) -> Self {
        self.0.max_age = Some(seconds);
        self
    }

    /// 401 or 403.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The `error` code, if any.
    pub fn error(&self) -> Option<&'static str> {
        self.0.error
    }
}

impl fmt::Display for BearerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(error) = self.0.error {
            params.push(("error", error.to_owned()));
        }
        if let Some(description) = &self.0.description {
            params.push(("error_description", description.clone()));
        }
        params.push(("resource_metadata", self.0.resource_metadata.clone()));
        if !self.0.scopes.is_empty() {
            params.push(("scope", self.0.scopes.join(" ")));
        }
        if !self.0.acr_values.is_empty() {
            params.push(("acr_values", self.0.acr_values.join(" ")));
        }
        if let Some(max_age) = self.0.max_age {
            params.push(("max_age", max_age.to_string()));
        }
        f.write_str("Bearer ")?;
        for (i, (name, value)) in params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}=\"{}\"", Quoted(value))?;
        }
        Ok(())
    }
}

/// The inside of an RFC 9110 quoted-string: `"` and `\` escaped; control characters and
/// non-ASCII (which cannot be in a header value) replaced by `?`.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                ' ' | '\t' | '!'..='~' => f.write_char(c)?,
                _ => f.write_char('?')?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://mcp.example.eu/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn missing_token_points_at_the_metadata() {
        let c = BearerChallenge::missing_token(URL).with_scopes(["bank:read", "bank:read"]);
        assert_eq!(c.status(), 401);
        assert_eq!(
            c.to_string(),
            format!(r#"Bearer resource_metadata="{URL}", scope="bank:read""#)
        );
    }

    #[test]
    fn a_refused_token_says_why_without_the_token() {
        let c = BearerChallenge::invalid_token(URL, &TokenError::Expired);
        assert_eq!(c.status(), 401);
        assert_eq!(
            c.to_string(),
            format!(
                r#"Bearer error="invalid_token", error_description="token has expired", resource_metadata="{URL}""#
            )
        );
        let c = BearerChallenge::invalid_token(URL, &TokenError::Missing);
        assert_eq!(c, BearerChallenge::missing_token(URL));
    }

    #[test]
    fn insufficient_scope_lists_all_needed_scopes() {
        let c = BearerChallenge::insufficient_scope(URL, ["bank:read", "bank:transfer"]);
        assert_eq!(c.status(), 403);
        assert_eq!(
            c.to_string(),
            format!(
                r#"Bearer error="insufficient_scope", resource_metadata="{URL}", scope="bank:read bank:transfer""#
            )
        );
    }

    #[test]
    fn step_up_asks_for_the_eidas_level() {
        let c = BearerChallenge::step_up(URL, TrustLevel::High).with_max_age(300);
        assert_eq!(c.status(), 401);
        assert_eq!(c.error(), Some("insufficient_user_authentication"));
        assert_eq!(
            c.to_string(),
            format!(
                concat!(
                    r#"Bearer error="insufficient_user_authentication", "#,
                    r#"error_description="authentication at trust level high is required", "#,
                    r#"resource_metadata="{}", "#,
                    r#"acr_values="http://eidas.europa.eu/LoA/high", max_age="300""#
                ),
                URL
            )
        );
        let custom =
            BearerChallenge::step_up(URL, TrustLevel::Medium).with_acr_values(["urn:a", "urn:b"]);
        assert!(custom.to_string().contains(r#"acr_values="urn:a urn:b""#));
    }

    #[test]
    fn values_are_quoted_safely() {
        let c = BearerChallenge::missing_token("https://h/\"x\\y\r\nSet-Cookie: a=b\u{e9}");
        assert_eq!(
            c.to_string(),
            r#"Bearer resource_metadata="https://h/\"x\\y??Set-Cookie: a=b?""#
        );
    }
}
