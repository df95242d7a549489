//! The RFC 9728 Protected Resource Metadata document.

use serde_json::{Value, json};

/// The JSON served at the resource's well-known metadata URL (RFC 9728 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResourceMetadata {
    resource: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
    resource_name: Option<String>,
}

impl ProtectedResourceMetadata {
    /// Metadata for `resource`, this server's canonical URI (the `aud` tokens must carry).
    pub fn new(resource: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            resource_name: None,
        }
    }

    /// Adds an authorization server (issuer identifier) that clients may get tokens from.
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        if !self.authorization_servers.contains(&issuer) {
            self.authorization_servers.push(issuer);
        }
        self
    }

    /// Adds scopes to `scopes_supported` (duplicates dropped, order kept).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        for scope in scopes {
            let scope = scope.into();
            if !self.scopes_supported.contains(&scope) {
                self.scopes_supported.push(scope);
            }
        }
        self
    }

    /// Sets the human-readable `resource_name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// The document. Bearer tokens are accepted in the `Authorization` header only.
    pub fn to_json(&self) -> Value {
        let mut doc = json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "bearer_methods_supported": ["header"],
        });
        if !self.scopes_supported.is_empty() {
            doc["scopes_supported"] = json!(self.scopes_supported);
        }
        if let Some(name) = &self.resource_name {
            doc["resource_name"] = json!(name);
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_has_the_rfc_9728_fields() {
        let doc = ProtectedResourceMetadata::new("https://mcp.example.eu/mcp")
            .authorization_server("https://a.example.eu")
            .authorization_server("https://b.example.eu")
            .authorization_server("https://a.example.eu")
            .scopes(["bank:read", "bank:transfer", "bank:read"])
            .name("Bank")
            .to_json();
        assert_eq!(
            doc,
            json!({
                "resource": "https://mcp.example.eu/mcp",
                "authorization_servers": ["https://a.example.eu", "https://b.example.eu"],
                "scopes_supported": ["bank:read", "bank:transfer"],
                "bearer_methods_supported": ["header"],
                "resource_name": "Bank",
            })
        );
    }

    #[test]
    fn optional_fields_are_left_out_when_empty() {
        let doc = ProtectedResourceMetadata::new("https://r").to_json();
        assert!(doc.get("scopes_supported").is_none());
        assert!(doc.get("resource_name").is_none());
    }
}
