//! `sigil.toml`: optional configuration that may tighten what the code declares, never loosen
//! it. A loosening key is spelled `dangerous_...`. Invalid configuration is an error at start-up
//! that names the key.
//!
//! ```toml
//! [confirm]
//! timeout_secs = 120
//!
//! [scan]                    # vault (default) or block, per category
//! credential = "vault"
//! pii = "block"
//!
//! [http]
//! allowed_hosts = ["localhost", "127.0.0.1"]
//! allowed_origins = []
//! max_body_bytes = 1048576
//! max_sessions = 1000
//! max_sessions_per_address = 64
//! max_sessions_per_principal = 64
//! session_idle_secs = 300
//!
//! [tools.transfer_funds]
//! trust = "high"            # raise the required trust
//! scopes = ["bank:transfer"] # add scopes
//! rate = "5/min"             # a stricter rate limit
//! confirm = true             # require confirmation
//! disabled = false           # hide and refuse the tool
//!
//! [[oidc.issuers]]           # bearer tokens on HTTP (see `config::oidc`)
//! issuer = "https://login.example.eu"
//!
//! [state]                    # several replicas: shared state (feature `redis`) and keys
//! url = "redis://127.0.0.1:6379"
//! keys = "/etc/sigil/keys"   # from `sigil keygen --out DIR`; required with `url`
//! replica = "bank-0"         # in every audit record; default with `url`: the host name
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

mod oidc;

pub use oidc::{IssuerSection, OidcSection};

use crate::basics::TrustLevel;
use crate::policy::Rate;
use crate::tool::ToolSpec;

/// A configuration error, naming the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted key (`tools.transfer_funds.trust`), or the file.
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sigil.toml: `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The parsed configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigilConfig {
    /// Confirmation settings.
    #[serde(default)]
    pub confirm: ConfirmConfig,
    /// HTTP transport settings.
    #[serde(default)]
    pub http: HttpConfig,
    /// What to do with what the scanner finds, per category.
    #[serde(default)]
    pub scan: ScanConfig,
    /// Per-tool tightening.
    #[serde(default)]
    pub tools: BTreeMap<String, ToolConfig>,
    /// The OAuth resource server (bearer tokens on HTTP), if any.
    pub oidc: Option<OidcSection>,
    /// Shared state for several replicas, and the key directory they share.
    #[serde(default)]
    pub state: StateSection,
}

/// `[state]`: where replicas share state, and the key directory they read.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSection {
    /// `redis://[user:password@]host:port[/db]` or `rediss://…`; none: state in memory.
    pub url: Option<String>,
    /// The key directory (`sigil keygen --out DIR`). Required with `url`.
    pub keys: Option<std::path::PathBuf>,
    /// This replica's name in every audit record. Default with `url`: the host name.
    pub replica: Option<String>,
    /// For a `rediss://` URL: a PEM file of the CA certificates to trust instead of the
    /// system's.
    pub ca: Option<std::path::PathBuf>,
}

impl fmt::Debug for StateSection {
    /// The URL may hold a password: it is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateSection")
            .field("url", &self.url.as_ref().map(|_| "<set>"))
            .field("keys", &self.keys)
            .field("replica", &self.replica)
            .field("ca", &self.ca)
            .finish()
    }
}

/// What happens to a value the scanner finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanAction {
    /// Encrypt it into the vault and replace it by a pointer (results); record it (arguments).
    Vault,
    /// Refuse the call.
    Block,
}

/// `[scan]`: the action per category. Every default is `vault`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Credentials (API keys, tokens, private keys).
    #[serde(default = "vault")]
    pub credential: ScanAction,
    /// Other secrets.
    #[serde(default = "vault")]
    pub secret: ScanAction,
    /// Financial data.
    #[serde(default = "vault")]
    pub financial: ScanAction,
    /// Personal data.
    #[serde(default = "vault")]
    pub pii: ScanAction,
}

fn vault() -> ScanAction {
    ScanAction::Vault
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self {
            credential: vault(),
            secret: vault(),
            financial: vault(),
            pii: vault(),
        }
    }
}

impl ScanConfig {
    /// The action for `category`.
    pub fn action(&self, category: crate::scan::Category) -> ScanAction {
        use crate::scan::Category;
        match category {
            Category::Credential => self.credential,
            Category::Secret => self.secret,
            Category::Financial => self.financial,
            Category::Pii => self.pii,
        }
    }
}

/// `[confirm]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmConfig {
    /// How long a confirmation (or its sealed state) stays valid. 5..=3600, default 120.
    #[serde(default = "default_confirm_timeout")]
    pub timeout_secs: u64,
}

fn default_confirm_timeout() -> u64 {
    120
}

impl Default for ConfirmConfig {
    fn default() -> Self {
        Self {
            timeout_secs: default_confirm_timeout(),
        }
    }
}

/// `[http]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Accepted `Host` values. Default: loopback names only.
    #[serde(default = "default_hosts")]
    pub allowed_hosts: Vec<String>,
    /// Accepted browser `Origin`s (with scheme), besides the server's own origin (which always
    /// passes). Default: none, and other present Origins are refused.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body. Default 1 MiB.
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    /// Most Streamable HTTP sessions open at once; over it `initialize` gets `503`. Default 1000.
    #[serde(default = "default_max_sessions")]
    pub max_sessions: usize,
    /// Most sessions open at once from one client address (an IPv6 client: its /64). Default 64.
    #[serde(default = "default_max_sessions_per_client")]
    pub max_sessions_per_address: usize,
    /// Most sessions open at once for one verified principal (bearer token or client
    /// certificate). Default 64.
    #[serde(default = "default_max_sessions_per_client")]
    pub max_sessions_per_principal: usize,
    /// A session without any traffic for this long is closed and its memory released.
    /// Default 300.
    #[serde(default = "default_session_idle")]
    pub session_idle_secs: u64,
}

fn default_hosts() -> Vec<String> {
    vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
}

fn default_body() -> usize {
    1 << 20
}

fn default_max_sessions() -> usize {
    1000
}

fn default_max_sessions_per_client() -> usize {
    64
}

fn default_session_idle() -> u64 {
    300
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            allowed_hosts: default_hosts(),
            allowed_origins: Vec::new(),
            max_body_bytes: default_body(),
            max_sessions: default_max_sessions(),
            max_sessions_per_address: default_max_sessions_per_client(),
            max_sessions_per_principal: default_max_sessions_per_client(),
            session_idle_secs: default_session_idle(),
        }
    }
}

impl HttpConfig {
    /// The session limits are usable: every cap at least 1, and the idle time long enough for a
    /// pending confirmation (a session closed while the human decides loses the call).
    fn check_sessions(&self, confirm_timeout_secs: u64) -> Result<(), ConfigError> {
        let error = |key: &str, message: String| ConfigError {
            key: format!("http.{key}"),
            message,
        };
        for (key, value) in [
            ("max_sessions", self.max_sessions),
            ("max_sessions_per_address", self.max_sessions_per_address),
            (
                "max_sessions_per_principal",
                self.max_sessions_per_principal,
            ),
        ] {
            if !(1..=1_000_000).contains(&value) {
                return Err(error(key, "must be between 1 and 1000000".into()));
            }
        }
        if !(1..=86_400).contains(&self.session_idle_secs) {
            return Err(error(
                "session_idle_secs",
                "must be between 1 and 86400".into(),
            ));
        }
        if self.session_idle_secs < confirm_timeout_secs {
            return Err(error(
                "session_idle_secs",
                format!(
                    "must be at least confirm.timeout_secs ({confirm_timeout_secs}): a session closed while a confirmation waits loses the call"
                ),
            ));
        }
        Ok(())
    }
}

/// `[tools.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolConfig {
    /// Hide and refuse the tool.
    #[serde(default)]
    pub disabled: bool,
    /// Raise the required trust (`low`, `medium`, `high`).
    pub trust: Option<String>,
    /// Add required scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A stricter rate limit.
    pub rate: Option<String>,
    /// Require confirmation (`true` only; see `dangerous_skip_confirm`).
    pub confirm: Option<bool>,
    /// Lower the required trust below what the code declares. Dangerous.
    pub dangerous_trust: Option<String>,
    /// Replace the rate limit with a looser one. Dangerous.
    pub dangerous_rate: Option<String>,
    /// Skip the confirmation the code declares (or `Critical` implies). Dangerous.
    #[serde(default)]
    pub dangerous_skip_confirm: bool,
}

impl SigilConfig {
    /// Parses TOML text. `origin` names the source in errors.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError {
            key: e.span().map_or_else(
                || "sigil.toml".into(),
                |s| text.get(s).unwrap_or("sigil.toml").trim().to_owned(),
            ),
            message: e.message().to_owned(),
        })?;
        if !(5..=3600).contains(&config.confirm.timeout_secs) {
            return Err(ConfigError {
                key: "confirm.timeout_secs".into(),
                message: "must be between 5 and 3600".into(),
            });
        }
        if config.http.max_body_bytes < 1024 {
            return Err(ConfigError {
                key: "http.max_body_bytes".into(),
                message: "must be at least 1024".into(),
            });
        }
        config.http.check_sessions(config.confirm.timeout_secs)?;
        Ok(config)
    }

    /// Reads and parses a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            key: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text)
    }

    /// Applies the per-tool settings to `specs`, refusing loosening without `dangerous_`.
    /// Returns the names of disabled tools.
    pub(crate) fn apply(&self, specs: &mut [ToolSpec]) -> Result<Vec<String>, ConfigError> {
        let mut disabled = Vec::new();
        for (name, tc) in &self.tools {
            let key = |k: &str| format!("tools.{name}.{k}");
            let Some(spec) = specs.iter_mut().find(|s| s.name == *name) else {
                let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
                return Err(ConfigError {
                    key: format!("tools.{name}"),
                    message: format!("no such tool; tools are: {}", known.join(", ")),
                });
            };
            let parse_trust = |k: &str, v: &str| {
                TrustLevel::parse(v)
                    .filter(|t| *t != TrustLevel::Unauthenticated)
                    .ok_or_else(|| ConfigError {
                        key: key(k),
                        message: format!("`{v}` is not a trust level; use low, medium or high"),
                    })
            };
            if let Some(t) = &tc.trust {
                let t = parse_trust("trust", t)?;
                if t < spec.required_trust() {
                    return Err(ConfigError {
                        key: key("trust"),
                        message: format!(
                            "`{t}` is lower than the `{}` the code requires; config may only raise it (use `dangerous_trust` to lower)",
                            spec.required_trust()
                        ),
                    });
                }
                spec.trust = Some(t);
            }
            if let Some(t) = &tc.dangerous_trust {
                let t = parse_trust("dangerous_trust", t)?;
                spec.trust = Some(t);
                spec.risk_floor_overridden = true;
                tracing::warn!(tool = %name, trust = %t, "dangerous_trust lowers the required trust");
            }
            spec.scopes.extend(tc.scopes.iter().cloned());
            let parse_rate = |k: &str, v: &str| {
                Rate::parse(v).map_err(|e| ConfigError {
                    key: key(k),
                    message: e.to_string(),
                })
            };
            if let Some(r) = &tc.rate {
                let r = parse_rate("rate", r)?;
                if let Some(old) = spec.rate
                    && r.per_second() > old.per_second()
                {
                    return Err(ConfigError {
                        key: key("rate"),
                        message: format!(
                            "`{r}` is looser than the `{old}` the code declares (use `dangerous_rate` to loosen)"
                        ),
                    });
                }
                spec.rate = Some(r);
            }
            if let Some(r) = &tc.dangerous_rate {
                spec.rate = Some(parse_rate("dangerous_rate", r)?);
                tracing::warn!(tool = %name, "dangerous_rate loosens the rate limit");
            }
            match tc.confirm {
                Some(true) => spec.confirm = true,
                Some(false) if spec.needs_confirm() => {
                    return Err(ConfigError {
                        key: key("confirm"),
                        message: "the code requires confirmation; config may only add it (use `dangerous_skip_confirm` to remove)".into(),
                    });
                }
                _ => {}
            }
            if tc.dangerous_skip_confirm {
                spec.confirm = false;
                spec.skip_confirm = true;
                tracing::warn!(tool = %name, "dangerous_skip_confirm removes the confirmation");
            }
            if tc.disabled {
                disabled.push(name.clone());
            }
        }
        Ok(disabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::Risk;

    fn specs() -> Vec<ToolSpec> {
        vec![ToolSpec::new("t", "d", Risk::High).rate(Rate::parse("10/min").unwrap())]
    }

    #[test]
    fn tightening_applies() {
        let c = SigilConfig::parse("[tools.t]\nscopes=[\"a\"]\nrate=\"1/min\"\nconfirm=true\n")
            .unwrap();
        let mut s = specs();
        c.apply(&mut s).unwrap();
        assert!(s[0].needs_confirm());
        assert_eq!(s[0].required_scopes(), ["a"]);
    }

    #[test]
    fn loosening_is_refused_with_the_key() {
        for (text, key) in [
            ("[tools.t]\ntrust=\"low\"\n", "tools.t.trust"),
            ("[tools.t]\nrate=\"100/min\"\n", "tools.t.rate"),
            ("[tools.nope]\ndisabled=true\n", "tools.nope"),
        ] {
            let c = SigilConfig::parse(text).unwrap();
            let e = c.apply(&mut specs()).unwrap_err();
            assert_eq!(e.key, key, "{text}");
        }
        let e = SigilConfig::parse("[tools.t]\ntrsut=\"high\"\n").unwrap_err();
        assert!(e.to_string().contains("trsut"), "{e}");
    }

    #[test]
    fn session_limits_are_read_and_unusable_ones_name_their_key() {
        let c = SigilConfig::parse(
            "[http]\nmax_sessions=10\nmax_sessions_per_address=2\nsession_idle_secs=600\n",
        )
        .unwrap();
        assert_eq!(c.http.max_sessions, 10);
        assert_eq!(c.http.max_sessions_per_address, 2);
        assert_eq!(c.http.max_sessions_per_principal, 64);
        assert_eq!(c.http.session_idle_secs, 600);
        for (text, key) in [
            ("[http]\nmax_sessions=0\n", "http.max_sessions"),
            (
                "[http]\nmax_sessions_per_address=0\n",
                "http.max_sessions_per_address",
            ),
            ("[http]\nsession_idle_secs=0\n", "http.session_idle_secs"),
            (
                "[confirm]\ntimeout_secs=600\n[http]\nsession_idle_secs=300\n",
                "http.session_idle_secs",
            ),
        ] {
            assert_eq!(SigilConfig::parse(text).unwrap_err().key, key, "{text}");
        }
    }

    #[test]
    fn dangerous_keys_loosen() {
        let c =
            SigilConfig::parse("[tools.t]\ndangerous_trust=\"low\"\ndangerous_skip_confirm=true\n")
                .unwrap();
        let mut s = specs();
        c.apply(&mut s).unwrap();
        assert_eq!(s[0].required_trust(), TrustLevel::Low);
    }
}
