//! `sigil login --issuer URL --client-id ID [...]`: logs the user in at an OpenID provider for
//! local (stdio) servers: authorization code with PKCE on a loopback redirect (RFC 8252), or with
//! `--device` the device authorization grant (RFC 8628). Prints the URL to open (and the code to
//! confirm) on stderr, waits for the login, verifies the ID token and stores the tokens in a 0600
//! file in the data directory. Tokens are never printed.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use sigil_runtime::identity::TrustLevel;
use sigil_runtime::identity::oidc::{
    LoginConfig, LoginStore, login_in_browser, login_with_device_code,
};

/// Log in at an OpenID provider for local (stdio) servers.
#[derive(Debug, Parser)]
#[command(name = "sigil login", bin_name = "sigil login")]
pub(crate) struct Args {
    /// The OpenID provider (issuer identifier, https:// or loopback http://)
    #[arg(long, value_name = "URL")]
    issuer: String,
    /// The public (native) client registered at the provider for this tool
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// Scopes to ask for besides `openid` (space-separated, or repeat the flag)
    #[arg(long, value_name = "SCOPES")]
    scope: Vec<String>,
    /// RFC 8707 resource indicator for the access token (e.g. the server's resource URI)
    #[arg(long, value_name = "URL")]
    resource: Option<String>,
    /// Authentication context to ask for, e.g. http://eidas.europa.eu/LoA/high
    #[arg(long, value_name = "ACR")]
    acr_values: Option<String>,
    /// Hint of who logs in (e.g. an e-mail address)
    #[arg(long, value_name = "HINT")]
    login_hint: Option<String>,
    /// How many seconds to wait for the browser to come back
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    timeout: u64,
    /// Use the device authorization grant: open the printed URL on any device and confirm the
    /// code (for a terminal whose machine has no browser)
    #[arg(long)]
    device: bool,
    /// Directory of stored logins [default: $XDG_DATA_HOME/sigil/logins or ~/.local/share/sigil/logins]
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
}

pub(crate) fn run(args: Vec<OsString>) -> ExitCode {
    let args: Args = match super::parse(args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let store = match args
        .store
        .clone()
        .map_or_else(LoginStore::default_location, |d| Ok(LoginStore::at(d)))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sigil login: {e}");
            return ExitCode::from(2);
        }
    };
    let mut config = LoginConfig::new(&args.issuer, &args.client_id)
        .with_scopes(args.scope.iter().flat_map(|s| s.split_ascii_whitespace()))
        .with_timeout(Duration::from_secs(args.timeout));
    if let Some(r) = &args.resource {
        config = config.with_resource(r);
    }
    if let Some(a) = &args.acr_values {
        config = config.with_acr_values(a);
    }
    if let Some(h) = &args.login_hint {
        config = config.with_login_hint(h);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sigil login: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let done = if args.device {
        runtime.block_on(login_with_device_code(&config, &store, |prompt| {
            eprintln!(
                "Open {} on any device and confirm the code {} (valid {} s).",
                prompt.verification_uri,
                prompt.user_code,
                prompt.expires_in.as_secs()
            );
            if let Some(complete) = &prompt.verification_uri_complete {
                eprintln!("Or open this URL, which carries the code:\n{complete}");
            }
        }))
    } else {
        runtime.block_on(login_in_browser(&config, &store, |url| {
            eprintln!("Open this URL in a browser to log in:\n{url}");
        }))
    };
    match done {
        Ok(done) => {
            let left = done
                .expires_at
                .duration_since(std::time::SystemTime::now())
                .map_or(0, |d| d.as_secs());
            eprintln!(
                "logged in as {} (trust {}{}); login valid for {left} s, saved to {}",
                done.principal,
                done.trust,
                if done.trust == TrustLevel::Low && args.acr_values.is_none() {
                    ", ask for more with --acr-values"
                } else {
                    ""
                },
                done.path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sigil login: {e}");
            ExitCode::from(1)
        }
    }
}
