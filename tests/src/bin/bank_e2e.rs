//! `bank-e2e`: the `bank` example's tools behind every option the end-to-end tests drive (the
//! Python MCP SDK and the MCP Inspector in `tests/python`). The example a person reads is
//! `examples/src/bin/bank.rs`; this one is wiring.
//!
//! ```text
//! cargo run -p sigil-tests --bin bank-e2e                          # stdio
//! cargo run -p sigil-tests --bin bank-e2e -- --http 127.0.0.1:8080 # Streamable HTTP at /mcp
//! cargo run -p sigil-tests --bin bank-e2e -- --trust high          # the local user's trust
//! cargo run -p sigil-tests --bin bank-e2e -- --http 127.0.0.1:8080 \
//!     --oidc-issuer https://login.example.eu                      # bearer tokens required
//! cargo run -p sigil-tests --bin bank-e2e -- --http 127.0.0.1:8443 \
//!     --tls-cert server.pem --tls-key server.key \
//!     --mtls-ca qualified-cas.pem                                 # HTTPS, client certificates
//! cargo run -p sigil-tests --bin bank-e2e -- --http 127.0.0.1:8080 \
//!     --pid-issuer-key pid-issuer.pem                             # PID step-up to High
//! ```
//!
//! Without OIDC the caller is local: the operator chooses the local user's trust with `--trust`
//! or `SIGIL_TRUST` (default `low`).
//!
//! With `--http ADDR --oidc-issuer URL` bank is an OAuth 2.1 resource server: every request to
//! `/mcp` needs a JWT access token from that issuer whose audience is `--resource` (default
//! `http://ADDR/mcp`); without one the reply is 401 with `WWW-Authenticate: Bearer
//! resource_metadata=...`, and the RFC 9728 metadata is served under
//! `/.well-known/oauth-protected-resource`. The caller is the token's `oidc:<iss>#<sub>`, its
//! trust comes from the token's eIDAS `acr`; tokens without an end user (client credentials)
//! are capped at `--oidc-service-trust` (default `low`). Scopes a tool needs come from
//! `sigil.toml` (`[tools.NAME] scopes = [...]`), and are advertised in the metadata. The issuers
//! may be given in `sigil.toml` instead (`[[oidc.issuers]] issuer = "..."`, see
//! `sigil_runtime::config`), with several issuers, `acr` tables and algorithm lists.
//!
//! With `--tls-cert FILE --tls-key FILE` (PEM; the key file must be mode `0600` or stricter) bank
//! serves HTTPS instead of HTTP. `--mtls-ca FILE` (PEM, one or more CA certificates of qualified
//! trust service providers) and/or `--mtls-ca-nonqualified FILE` (other CAs) make a client
//! certificate chaining to one of them mandatory: the caller is `eidas:qc:<C>:<serialNumber>`,
//! High only for a certificate with `QcCompliance` and `QcSSCD` under a `--mtls-ca` anchor (see
//! `docs/src/identity-qualified-certs.md` for the table). With `--oidc-issuer` too, both are required
//! and the token decides.
//!
//! With `--pid-issuer-key FILE` (HTTP only; PEM public key, JWK or JWK Set; repeatable) a call
//! whose trust is too low is answered with an MCP URL elicitation (`-32042`) to present an EU
//! Digital Identity Wallet PID (SD-JWT VC) signed by one of those keys; the wallet posts it to
//! `/pid/response` (OpenID4VP `direct_post`), and the session is then `eidas:pid:<CC>:<id>` at
//! trust High. `--pid-base-url` sets the URL wallets reach the server at (default
//! `http://ADDR`).
//!
//! With `--oidc-issuer URL --resource URL` on stdio, the session's caller comes from an access
//! token handed over in `SIGIL_ACCESS_TOKEN` (or in the 0600 file named by
//! `SIGIL_ACCESS_TOKEN_FILE`), verified exactly as over HTTP with `--resource` as the audience.
//! A missing or refused token stops bank before it serves anything; once the token expires,
//! every call is refused.
//!
//! With `--oidc-issuer URL --oidc-login --oidc-client-id ID` on stdio, the session is the human
//! who logged in with `sigil login --issuer URL --client-id ID` (the ID token in the 0600 login
//! file is verified again): `oidc:<iss>#<sub>`, trust from the login's `acr`, until the ID
//! token expires.
//!
//! `--oidc-introspection-client ID` (with the secret in `SIGIL_INTROSPECTION_SECRET`) also
//! accepts opaque access tokens, checked by RFC 7662 introspection at the issuer as client `ID`.
//!
//! Every result is scanned: the IBAN, the AWS key and the e-mail addresses in `read_email` reach
//! the client as vault pointers; `transfer_funds` (`reveal = [Iban]`) receives the IBAN behind a
//! pointer in clear, for the caller who owns it.
//!
//! Every decision goes to a tamper-evident audit log: `--audit-log PATH`, by default
//! `$XDG_DATA_HOME/sigil/audit.jsonl` (else `~/.local/share/sigil/audit.jsonl`), with its keys
//! created beside it on first run (mode 0600) and signed checkpoints in `PATH.checkpoints`.
//! `sigil audit verify PATH` checks it with those keys.
//!
//! With `--state redis://HOST:PORT --keys DIR` bank is one replica of several: rate limits,
//! spent approvals and vault records live in Redis, and the vault, `requestState` and audit keys
//! come from the key directory `DIR` that `sigil keygen --out DIR` made (every replica reads the
//! same one). Each replica writes its own audit chain (`--audit-log`), signed with those keys.
//! `--keys DIR` alone takes the keys from `DIR` and keeps the state in memory. `--replica NAME`
//! names the replica in every audit record.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use sigil::ToolOutput;
use sigil::audit::{AuditConfig, AuditKeys, AuditLog, default_key_dir, default_log_path};
use sigil::config::SigilConfig;
use sigil::identity::oidc::{
    EnvToken, IntrospectionConfig, IssuerConfig, LoginConfig, LoginStore, OidcConfig, OidcVerifier,
    SessionIdentity, session_from_login,
};
use sigil::identity::pid::{IssuerTrustList, PidConfig, PidStepUp, PidVerifier, RESPONSE_PATH};
use sigil::identity::qualified_cert::{AnchorKind, TrustAnchors};
use sigil::identity::resource_server::ResourceServer;
use sigil::prelude::*;
use sigil::scan::Scanner;
use sigil::server::{HttpsConfig, KeyDir, SigilServer, ToolDef};
use sigil::state::{MemoryState, RedisOptions, RedisState, SharedState};
use sigil::tool::ToolSpec;
use sigil::vault::{MasterKey, Vault};
use sigil_examples::Bank;

/// The bank's in-memory state.
struct Options {
    http: Option<SocketAddr>,
    trust: TrustLevel,
    config: Option<PathBuf>,
    audit_log: Option<PathBuf>,
    oidc_issuer: Option<String>,
    resource: Option<String>,
    service_trust: TrustLevel,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    mtls_ca: Option<PathBuf>,
    mtls_ca_nonqualified: Option<PathBuf>,
    pid_keys: Vec<PathBuf>,
    pid_base_url: Option<String>,
    oidc_login: bool,
    oidc_client_id: Option<String>,
    introspection_client: Option<String>,
    quiet: bool,
    deploy_tool: bool,
    state: Option<String>,
    keys: Option<PathBuf>,
    replica: Option<String>,
}

const USAGE: &str =
    "usage: bank-e2e [--http ADDR] [--trust low|medium|high] [--config sigil.toml] [--audit-log PATH] [--quiet]
            [--deploy-tool]  (adds `read_deploy_config`: deploy credentials as structured content)
            [--oidc-issuer URL [--resource URL] [--oidc-service-trust low|medium|high]
             [--oidc-introspection-client ID]]
            [--oidc-issuer URL --oidc-login --oidc-client-id ID]  (stdio, after `sigil login`)
            [--tls-cert FILE --tls-key FILE [--mtls-ca FILE] [--mtls-ca-nonqualified FILE]]
            [--pid-issuer-key FILE ... [--pid-base-url URL]]
            [--state redis://HOST:PORT --keys DIR [--replica NAME]]  (one replica of several)";

fn parse_options() -> Result<Options, String> {
    let mut opts = Options {
        http: None,
        trust: TrustLevel::Low,
        config: None,
        audit_log: None,
        oidc_issuer: None,
        resource: None,
        service_trust: TrustLevel::Low,
        tls_cert: None,
        tls_key: None,
        mtls_ca: None,
        mtls_ca_nonqualified: None,
        pid_keys: Vec::new(),
        pid_base_url: None,
        oidc_login: false,
        oidc_client_id: None,
        introspection_client: None,
        quiet: false,
        deploy_tool: false,
        state: None,
        keys: None,
        replica: None,
    };
    if let Ok(t) = std::env::var("SIGIL_TRUST") {
        opts.trust = parse_trust(&t)?;
    }
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--http" => {
                let v = value("--http")?;
                opts.http =
                    Some(v.parse().map_err(|_| {
                        format!("--http: `{v}` is not an address like 127.0.0.1:8080")
                    })?);
            }
            "--trust" => opts.trust = parse_trust(&value("--trust")?)?,
            "--config" => opts.config = Some(PathBuf::from(value("--config")?)),
            "--audit-log" => opts.audit_log = Some(PathBuf::from(value("--audit-log")?)),
            "--oidc-issuer" => opts.oidc_issuer = Some(value("--oidc-issuer")?),
            "--resource" => opts.resource = Some(value("--resource")?),
            "--oidc-service-trust" => {
                opts.service_trust = parse_trust(&value("--oidc-service-trust")?)?;
            }
            "--tls-cert" => opts.tls_cert = Some(PathBuf::from(value("--tls-cert")?)),
            "--tls-key" => opts.tls_key = Some(PathBuf::from(value("--tls-key")?)),
            "--mtls-ca" => opts.mtls_ca = Some(PathBuf::from(value("--mtls-ca")?)),
            "--mtls-ca-nonqualified" => {
                opts.mtls_ca_nonqualified = Some(PathBuf::from(value("--mtls-ca-nonqualified")?));
            }
            "--pid-issuer-key" => opts
                .pid_keys
                .push(PathBuf::from(value("--pid-issuer-key")?)),
            "--pid-base-url" => opts.pid_base_url = Some(value("--pid-base-url")?),
            "--oidc-login" => opts.oidc_login = true,
            "--quiet" => opts.quiet = true,
            "--deploy-tool" => opts.deploy_tool = true,
            "--state" => opts.state = Some(value("--state")?),
            "--keys" => opts.keys = Some(PathBuf::from(value("--keys")?)),
            "--replica" => opts.replica = Some(value("--replica")?),
            "--oidc-introspection-client" => {
                opts.introspection_client = Some(value("--oidc-introspection-client")?);
            }
            "--oidc-client-id" => opts.oidc_client_id = Some(value("--oidc-client-id")?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if opts.oidc_login
        && (opts.http.is_some() || opts.oidc_issuer.is_none() || opts.oidc_client_id.is_none())
    {
        return Err(format!(
            "--oidc-login is for stdio and needs --oidc-issuer and --oidc-client-id\n{USAGE}"
        ));
    }
    if opts.oidc_client_id.is_some() && !opts.oidc_login {
        return Err(format!("--oidc-client-id needs --oidc-login\n{USAGE}"));
    }
    if opts.http.is_none()
        && opts.oidc_issuer.is_some()
        && !opts.oidc_login
        && opts.resource.is_none()
    {
        return Err(format!(
            "--oidc-issuer on stdio needs --resource URL (the audience the token must carry)\n{USAGE}"
        ));
    }
    if opts.introspection_client.is_some() && (opts.oidc_issuer.is_none() || opts.oidc_login) {
        return Err(format!(
            "--oidc-introspection-client needs --oidc-issuer (and no --oidc-login)\n{USAGE}"
        ));
    }
    if opts.tls_cert.is_some() != opts.tls_key.is_some() {
        return Err(format!("--tls-cert and --tls-key go together\n{USAGE}"));
    }
    if opts.tls_cert.is_some() && opts.http.is_none() {
        return Err(format!("--tls-cert needs --http\n{USAGE}"));
    }
    if (opts.mtls_ca.is_some() || opts.mtls_ca_nonqualified.is_some()) && opts.tls_cert.is_none() {
        return Err(format!(
            "--mtls-ca and --mtls-ca-nonqualified need --tls-cert and --tls-key\n{USAGE}"
        ));
    }
    if opts.state.is_some() && opts.keys.is_none() {
        return Err(format!(
            "--state needs --keys DIR: replicas share their keys (sigil keygen --out DIR)\n{USAGE}"
        ));
    }
    if opts.http.is_none() && !opts.pid_keys.is_empty() {
        return Err(format!(
            "--pid-issuer-key needs --http (wallets post to it)\n{USAGE}"
        ));
    }
    Ok(opts)
}

/// Discovers the issuers and builds the resource server; the issuers come from the flags or
/// from `[oidc]` in `sigil.toml` (not both). The scopes it advertises are every scope
/// `sigil.toml` gives a tool.
async fn resource_server(
    opts: &Options,
    addr: SocketAddr,
    config: &SigilConfig,
) -> Result<ResourceServer, String> {
    let scheme = if opts.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    let own = format!("{scheme}://{addr}/mcp");
    let (resource, oidc) = match (&opts.oidc_issuer, &config.oidc) {
        (Some(_), Some(_)) => {
            return Err(
                "the issuer is given twice: use --oidc-issuer or [oidc] in sigil.toml, not both"
                    .into(),
            );
        }
        (Some(issuer), None) => {
            let resource = opts.resource.clone().unwrap_or(own);
            let issuer = issuer_config(opts, issuer, &resource)?;
            (resource, OidcConfig::new(vec![issuer]))
        }
        (None, Some(section)) => {
            let resource = opts
                .resource
                .clone()
                .unwrap_or_else(|| section.resource_or(&own));
            let oidc = section.to_config(&resource).map_err(|e| e.to_string())?;
            (resource, oidc)
        }
        (None, None) => return Err("no OIDC issuer configured".into()),
    };
    let verifier = OidcVerifier::discover(oidc)
        .await
        .map_err(|e| format!("OIDC issuer: {e}"))?;
    let mut scopes: Vec<String> = config
        .tools
        .values()
        .flat_map(|t| t.scopes.iter().cloned())
        .collect();
    scopes.sort();
    scopes.dedup();
    ResourceServer::new(Arc::new(verifier), &resource, scopes)
        .map_err(|e| format!("--resource: {e}"))
}

/// The PID step-up trusting the issuer keys in `opts.pid_keys` (PEM, JWK or JWK Set files).
fn pid_step_up(opts: &Options, addr: SocketAddr) -> Result<PidStepUp, String> {
    let mut trust = IssuerTrustList::new();
    for path in &opts.pid_keys {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--pid-issuer-key {}: {e}", path.display()))?;
        let added = if text.trim_start().starts_with("-----BEGIN") {
            trust.add_pem(&text, None, None)
        } else if text.contains("\"keys\"") {
            trust.add_jwks(text.as_bytes(), None)
        } else {
            // A single JWK: a set of one.
            trust.add_jwks(format!("{{\"keys\":[{text}]}}").as_bytes(), None)
        };
        added.map_err(|e| format!("--pid-issuer-key {}: {e}", path.display()))?;
    }
    let base = opts.pid_base_url.clone().unwrap_or_else(|| {
        let scheme = if opts.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{addr}")
    });
    let client_id = format!("redirect_uri:{}{RESPONSE_PATH}", base.trim_end_matches('/'));
    let verifier =
        PidVerifier::new(PidConfig::new(trust, client_id)).map_err(|e| format!("PID: {e}"))?;
    Ok(PidStepUp::new(verifier, base))
}

/// The one trusted issuer: `resource` as audience, the service trust, and RFC 7662
/// introspection of opaque tokens when `--oidc-introspection-client` is given (its secret from
/// `SIGIL_INTROSPECTION_SECRET`).
fn issuer_config(opts: &Options, issuer: &str, resource: &str) -> Result<IssuerConfig, String> {
    let config = IssuerConfig::new(issuer, resource).with_service_trust(opts.service_trust);
    let Some(client) = &opts.introspection_client else {
        return Ok(config);
    };
    let secret = std::env::var("SIGIL_INTROSPECTION_SECRET").map_err(|_| {
        "--oidc-introspection-client needs the client secret in SIGIL_INTROSPECTION_SECRET"
            .to_owned()
    })?;
    Ok(config.with_introspection(IntrospectionConfig::new(client, secret)))
}

/// stdio with `--oidc-issuer`: the login stored by `sigil login` (`--oidc-login`), or the access
/// token in `SIGIL_ACCESS_TOKEN` (or the file named by `SIGIL_ACCESS_TOKEN_FILE`), verified as
/// the HTTP resource server would verify it.
async fn stdio_session(opts: &Options, issuer: &str) -> Result<SessionIdentity, String> {
    if let (true, Some(client_id)) = (opts.oidc_login, &opts.oidc_client_id) {
        let config = LoginConfig::new(issuer, client_id);
        let store = LoginStore::default_location().map_err(|e| e.to_string())?;
        return session_from_login(&config, &store)
            .await
            .map_err(|e| e.to_string());
    }
    let resource = opts.resource.clone().unwrap_or_default();
    let oidc = OidcConfig::new(vec![issuer_config(opts, issuer, &resource)?]);
    let token = EnvToken::from_env().map_err(|e| e.to_string())?;
    let verifier = OidcVerifier::discover(oidc)
        .await
        .map_err(|e| format!("OIDC issuer: {e}"))?;
    token.verify(&verifier).await.map_err(|e| e.to_string())
}

/// Opens the audit log; its keys come from `--keys DIR`, else from the default key directory
/// (created 0600 on first run). With `--replica NAME`, every record names the replica.
fn open_audit(
    path: Option<&std::path::Path>,
    key_dir: Option<&std::path::Path>,
    replica: Option<&str>,
) -> Result<Arc<AuditLog>, Box<dyn std::error::Error>> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => default_log_path()?,
    };
    let keys = match key_dir {
        Some(dir) => AuditKeys::load_from(dir)?,
        None => AuditKeys::load_or_create_in(&default_key_dir()?)?,
    };
    let config = match replica {
        Some(name) => AuditConfig::default().replica(name)?,
        None => AuditConfig::default(),
    };
    Ok(Arc::new(AuditLog::open(&path, keys, config)?))
}

/// The HTTPS configuration of `--tls-cert`/`--tls-key`, with client certificates under the
/// anchors of `--mtls-ca` (qualified) and `--mtls-ca-nonqualified` if given.
fn https_config(opts: &Options) -> Result<Option<HttpsConfig>, String> {
    let (Some(cert), Some(key)) = (&opts.tls_cert, &opts.tls_key) else {
        return Ok(None);
    };
    let tls = HttpsConfig::from_pem_files(cert, key).map_err(|e| e.to_string())?;
    let mut anchors = TrustAnchors::new();
    for (path, kind) in [
        (&opts.mtls_ca, AnchorKind::Qualified),
        (&opts.mtls_ca_nonqualified, AnchorKind::NotQualified),
    ] {
        if let Some(path) = path {
            let pem = std::fs::read(path)
                .map_err(|e| format!("mtls: cannot read {}: {e}", path.display()))?;
            anchors
                .add_pem(&pem, kind)
                .map_err(|e| format!("mtls: {}: {e}", path.display()))?;
        }
    }
    if anchors.is_empty() {
        return Ok(Some(tls));
    }
    tls.client_auth(&anchors)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// `--state URL` (Redis) and `--keys DIR`: the state and keys this replica shares with others.
fn shared_state(opts: &Options) -> Result<Option<(SharedState, KeyDir)>, String> {
    let Some(dir) = &opts.keys else {
        return Ok(None);
    };
    let keys = KeyDir::open(dir).map_err(|e| format!("--keys: {e}"))?;
    let state: SharedState = match &opts.state {
        Some(url) => Arc::new(
            RedisState::connect(url, RedisOptions::default())
                .map_err(|e| format!("--state: {e}"))?,
        ),
        None => Arc::new(MemoryState::new()),
    };
    Ok(Some((state, keys)))
}

fn parse_trust(s: &str) -> Result<TrustLevel, String> {
    match TrustLevel::parse(s) {
        Some(t) if t != TrustLevel::Unauthenticated => Ok(t),
        _ => Err(format!("trust `{s}`: use low, medium or high")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // stderr gets colour only on a terminal. rmcp's own WARN lines repeat a refused request's
    // raw error message (client text): SIGIL logs each refusal once, scanned, so rmcp is kept
    // to errors unless RUST_LOG names rmcp itself.
    let mut filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into());
    if !filter.contains("rmcp") {
        filter.push_str(",rmcp=error");
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&filter)
                .unwrap_or_else(|_| "warn,rmcp=error".into()),
        )
        .init();
    let opts = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bank: {e}");
            return ExitCode::from(2);
        }
    };
    let config = match &opts.config {
        Some(p) => match SigilConfig::load(p) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("bank: {e}");
                return ExitCode::from(2);
            }
        },
        None => SigilConfig::default(),
    };
    let audit = match open_audit(
        opts.audit_log.as_deref(),
        opts.keys.as_deref(),
        opts.replica.as_deref(),
    ) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bank: audit log: {e}");
            return ExitCode::from(2);
        }
    };
    // Results are scanned; what leaks is encrypted into the vault under a key kept in the data
    // directory (created 0600 on first run) and replaced by pointers.
    let scanning = MasterKey::load_or_create_default()
        .map_err(|e| e.to_string())
        .and_then(|key| {
            Scanner::default_pack()
                .map(|s| (s, Arc::new(Vault::in_memory(key))))
                .map_err(|e| e.to_string())
        });
    let (scanner, vault) = match scanning {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bank: scanner or vault: {e}");
            return ExitCode::from(2);
        }
    };
    let https = match https_config(&opts) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("bank: {e}");
            return ExitCode::from(2);
        }
    };
    let client_certificates = opts.mtls_ca.is_some() || opts.mtls_ca_nonqualified.is_some();
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    let bank = Bank::new();
    let mut builder = SigilServer::for_service(bank);
    if opts.deploy_tool {
        builder = builder.tool(
            ToolDef::new(ToolSpec::new(
                "read_deploy_config",
                "The deploy credentials, as structured content.",
                Risk::Low,
            )),
            |_call| async { Ok(ToolOutput::structured(deploy_config())) },
        );
    }
    if opts.http.is_none() && config.oidc.is_some() {
        eprintln!(
            "bank: [oidc] in sigil.toml is for --http; on stdio use --oidc-issuer with SIGIL_ACCESS_TOKEN or --oidc-login"
        );
        return ExitCode::from(2);
    }
    let oidc_wanted = opts.oidc_issuer.is_some() || config.oidc.is_some();
    if opts.resource.is_some() && !oidc_wanted {
        eprintln!("bank: --resource needs --oidc-issuer or [oidc] in sigil.toml\n{USAGE}");
        return ExitCode::from(2);
    }
    builder = match (opts.http, &opts.oidc_issuer) {
        (Some(addr), _) if oidc_wanted => match resource_server(&opts, addr, &config).await {
            // Callers are whoever their tokens say; nobody is the local user.
            Ok(rs) => builder.oidc(rs).default_caller(Caller::anonymous()),
            Err(e) => {
                eprintln!("bank: {e}");
                return ExitCode::from(2);
            }
        },
        (None, Some(issuer)) => match stdio_session(&opts, issuer).await {
            // The session is whoever the verified token (or login) says, until it expires.
            Ok(session) => {
                eprintln!(
                    "bank: stdio session of {} at trust {}",
                    session.caller().principal(),
                    session.caller().trust()
                );
                builder.identity(session)
            }
            Err(e) => {
                eprintln!("bank: {e}");
                return ExitCode::from(2);
            }
        },
        // Callers are whoever their certificates say.
        _ if client_certificates => builder.default_caller(Caller::anonymous()),
        _ => builder.default_caller(Caller::local(user, opts.trust)),
    };
    if let (false, Some(addr)) = (opts.pid_keys.is_empty(), opts.http) {
        match pid_step_up(&opts, addr) {
            Ok(step_up) => builder = builder.pid_step_up(step_up),
            Err(e) => {
                eprintln!("bank: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match shared_state(&opts) {
        // With a key directory, the default vault: sealed under its keys, in the shared state.
        Ok(Some((state, keys))) => builder = builder.state(state).keys(keys),
        Ok(None) => builder = builder.scanning(scanner, vault),
        Err(e) => {
            eprintln!("bank: {e}");
            return ExitCode::from(2);
        }
    }
    let server = match builder
        .config(config)
        .quiet(opts.quiet)
        .audit(audit)
        .build()
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bank: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match (opts.http, https) {
        (Some(addr), Some(https)) => {
            let mode = if client_certificates {
                "client certificates required"
            } else {
                "no client certificates"
            };
            if !opts.quiet {
                eprintln!("bank: client certificates: {mode}");
            }
            server.serve_https_on(addr, https).await
        }
        (Some(addr), None) => {
            if let (Some(rs), false) = (server.resource_server(), opts.quiet) {
                eprintln!(
                    "bank: bearer tokens required; metadata at {}",
                    rs.metadata_url()
                );
            }
            server.serve_http_on(addr).await
        }
        (None, _) => server.serve_stdio().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bank: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What `read_deploy_config` returns: a secret that only its key marks as one (40 characters of
/// the base64 alphabet), beside the same value under an ordinary key.
fn deploy_config() -> serde_json::Value {
    const SECRET: &str = "q8Zt3Vn0Lw5Rk2Yp7Hs9Jd4Mf6Gb1Xc/Ua+Ee0Ti";
    serde_json::json!({
        "deploy": {"aws_secret_access_key": SECRET, "region": "eu-central-1"},
        "checksum": SECRET,
    })
}
