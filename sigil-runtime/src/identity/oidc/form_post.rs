//! POSTing an OAuth form (token, introspection endpoints) and reading its JSON answer.
//!
//! The form may hold credentials (a token to introspect, a client secret, an authorization code):
//! nothing of the request or of a failed answer's body reaches an error; errors are fixed texts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// Largest answer accepted.
const MAX_ANSWER: usize = 64 * 1024;

/// How a confidential client authenticates (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the form-encoded id and secret. The default.
    #[default]
    Basic,
    /// `client_secret_post`: `client_id` and `client_secret` in the form.
    Post,
}

/// A client secret: `Debug` does not show it, memory is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(Zeroizing<String>);

impl ClientSecret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(..)")
    }
}

/// The client making the request: a confidential one (id, secret, how to send them) or a
/// public one (`client_id` in the form, no secret).
pub(crate) enum FormClient<'a> {
    Confidential {
        id: &'a str,
        secret: &'a ClientSecret,
        auth: ClientAuth,
    },
    Public {
        id: &'a str,
    },
}

/// The answer of a form POST: its HTTP status and the JSON object it carried (empty when the
/// body was not a JSON object).
pub(crate) struct FormAnswer {
    pub(crate) status: u16,
    pub(crate) json: Map<String, Value>,
}

/// POSTs `fields` to `url` as `application/x-www-form-urlencoded`, authenticating as `client`.
pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    client: &FormClient<'_>,
    fields: &[(&str, &str)],
) -> Result<FormAnswer, &'static str> {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    let mut request = http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json");
    match client {
        FormClient::Confidential {
            id,
            secret,
            auth: ClientAuth::Basic,
        } => {
            let pair = Zeroizing::new(format!(
                "{}:{}",
                form_encode(id),
                form_encode(secret.expose())
            ));
            let value = Zeroizing::new(format!("Basic {}", STANDARD.encode(pair.as_bytes())));
            request = request.header(reqwest::header::AUTHORIZATION, value.as_str());
        }
        FormClient::Confidential {
            id,
            secret,
            auth: ClientAuth::Post,
        } => {
            form.push(("client_id", id));
            form.push(("client_secret", secret.expose()));
        }
        FormClient::Public { id } => form.push(("client_id", id)),
    }
    let mut response = request
        .form(&form)
        .send()
        .await
        .map_err(|_| "request failed")?;
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER as u64)
    {
        return Err("answer too large");
    }
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| "reading the answer failed")?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err("answer too large");
        }
        body.extend_from_slice(&chunk);
    }
    let json = match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok(FormAnswer { status, json })
}

/// `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B).
pub(crate) fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_follows_rfc6749_appendix_b() {
        assert_eq!(form_encode("sigil-rs"), "sigil-rs");
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let s = ClientSecret::new("sekrit");
        assert_eq!(format!("{s:?}"), "ClientSecret(..)");
    }
}
