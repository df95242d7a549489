//! The test rig of the identity tests: a real OpenID provider (`tests/oidc/provider.mjs`, the npm
//! package `oidc-provider`) on a free loopback port, signing with a key this process generated,
//! plus a forger that signs arbitrary tokens with that key or an attacker's.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use sigil_runtime::identity::TrustLevel;
use sigil_runtime::identity::oidc::{IssuerConfig, OidcConfig};

/// The resource URI (audience) of the MCP server under test.
pub const RESOURCE: &str = "http://127.0.0.1:8650/mcp";
/// A second resource the provider serves, for genuine wrong-audience tokens.
pub const OTHER_RESOURCE: &str = "http://127.0.0.1/other";

/// The `kid` of the shared provider's key.
pub const KID: &str = "provider-key-1";

/// One provider per test binary for the tests that do not restart it, with the key it signs
/// with. It exits when the test process does (its stdin closes).
pub fn shared() -> &'static (Provider, TestKey) {
    static SHARED: OnceLock<(Provider, TestKey)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let key = TestKey::generate(KID);
        (Provider::start(free_port(), &key), key)
    })
}

/// The policy of the tests: one issuer, this resource, client-credentials tokens up to High.
pub fn config(issuer: &str) -> OidcConfig {
    OidcConfig::new(vec![
        IssuerConfig::new(issuer, RESOURCE).with_service_trust(TrustLevel::High),
    ])
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An ES256 key with a `kid`.
pub struct TestKey {
    pub kid: String,
    secret: p256::SecretKey,
}

impl TestKey {
    pub fn generate(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            secret: p256::SecretKey::random(&mut rand_core::OsRng),
        }
    }

    /// The private JWK the provider signs with.
    pub fn private_jwk(&self) -> Value {
        let mut jwk: Value = serde_json::from_str(&self.secret.to_jwk_string()).unwrap();
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!("ES256");
        jwk["use"] = json!("sig");
        jwk
    }

    /// The public key as the JWKS publishes it, serialised.
    pub fn public_jwk_json(&self) -> String {
        self.secret.public_key().to_jwk_string()
    }

    pub fn public_pem(&self) -> String {
        self.secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap()
    }

    fn encoding_key(&self) -> EncodingKey {
        EncodingKey::from_ec_der(self.secret.to_pkcs8_der().unwrap().as_bytes())
    }

    /// Signs `header.claims` with this key (ES256), whatever the header says.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        sign_with(&self.encoding_key(), Algorithm::ES256, header, claims)
    }
}

/// Signs `header.claims` with `key` under `alg`.
pub fn sign_with(key: &EncodingKey, alg: Algorithm, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

/// The compact token with its payload replaced and the signature kept.
pub fn with_payload(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], b64(claims.to_string()), parts[2])
}

/// The decoded payload of a compact token.
pub fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The compact token with one bit of its signature flipped.
pub fn flip_signature_bit(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut raw = URL_SAFE_NO_PAD.decode(signature).unwrap();
    raw[7] ^= 0x01;
    format!("{input}.{}", b64(raw))
}

fn oidc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scratch_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sigil-identity-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `oidc-provider`, killed on drop (and exiting by itself if this process dies, as its
/// stdin closes).
pub struct Provider {
    child: Child,
    pub port: u16,
    pub issuer: String,
    dir: PathBuf,
}

impl Provider {
    /// Starts the provider on `port`, signing with `key`, and waits until discovery answers.
    pub fn start(port: u16, key: &TestKey) -> Self {
        let dir = oidc_dir();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "{}/node_modules is missing: run `npm ci --prefix tests/oidc` (Node >= 20) first",
            dir.display()
        );
        let scratch = scratch_dir();
        let jwks_file = scratch.join("jwks.json");
        std::fs::write(
            &jwks_file,
            json!({ "keys": [key.private_jwk()] }).to_string(),
        )
        .unwrap();
        let log = std::fs::File::create(scratch.join("provider.log")).unwrap();
        let child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_RESOURCE", RESOURCE)
            .env("OIDC_OTHER_RESOURCE", OTHER_RESOURCE)
            .env("OIDC_JWKS_FILE", &jwks_file)
            .env("OIDC_EXIT_ON_STDIN_EOF", "1")
            .stdin(Stdio::piped())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("`node` must be on PATH to run the OpenID provider");
        let mut provider = Self {
            child,
            port,
            issuer: format!("http://127.0.0.1:{port}"),
            dir: scratch,
        };
        provider.wait_ready();
        provider
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("provider.log")).unwrap_or_default()
    }

    /// Polls the discovery document (plain HTTP/1.0 over a socket, no runtime needed).
    fn wait_ready(&mut self) {
        use std::io::{Read, Write};
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the OpenID provider exited ({status}):\n{}", self.log());
            }
            if let Ok(mut socket) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let request = "GET /.well-known/openid-configuration HTTP/1.0\r\n\r\n";
                let mut answer = String::new();
                if socket.write_all(request.as_bytes()).is_ok()
                    && socket.read_to_string(&mut answer).is_ok()
                    && answer.starts_with("HTTP/1.1 200")
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the OpenID provider did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the provider and waits for it to be gone.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A client-credentials access token for `client` (see provider.mjs for the clients).
    pub async fn client_credentials(&self, client: &str, scope: &str, resource: &str) -> String {
        let body = form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", &format!("secret-{client}")),
            ("scope", scope),
            ("resource", resource),
        ]);
        let answer = self.post_token(body).await;
        answer["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Runs the authorization-code flow for `alice` at `acr` (none if `None`) with plain HTTP
    /// requests and returns (access token, ID token).
    pub async fn authorization_code(&self, acr: Option<&str>) -> (String, String) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut params = vec![
            ("client_id", "app"),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1/callback"),
            ("scope", "openid bank:read"),
            ("nonce", "n-0S6_WzA2Mj"),
            ("resource", RESOURCE),
        ];
        if let Some(acr) = acr {
            params.push(("acr_values", acr));
        }
        let mut url = format!("{}/auth?{}", self.issuer, form(&params));
        let mut cookies: Vec<(String, String)> = Vec::new();
        let code = 'flow: {
            for _ in 0..10 {
                let cookie_header: Vec<String> =
                    cookies.iter().map(|(n, v)| format!("{n}={v}")).collect();
                let response = http
                    .get(&url)
                    .header("cookie", cookie_header.join("; "))
                    .send()
                    .await
                    .unwrap();
                for set in response.headers().get_all("set-cookie") {
                    let pair = set.to_str().unwrap().split(';').next().unwrap();
                    let (name, value) = pair.split_once('=').unwrap();
                    cookies.retain(|(n, _)| n != name);
                    cookies.push((name.to_owned(), value.to_owned()));
                }
                let location = response
                    .headers()
                    .get("location")
                    .unwrap_or_else(|| panic!("no redirect from {url}: {}", response.status()))
                    .to_str()
                    .unwrap()
                    .to_owned();
                if let Some(query) = location.strip_prefix("http://127.0.0.1/callback?") {
                    let code = query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("code="))
                        .unwrap_or_else(|| panic!("no code in {location}"));
                    break 'flow code.to_owned();
                }
                url = if location.starts_with('/') {
                    format!("{}{location}", self.issuer)
                } else {
                    location
                };
            }
            panic!("the authorization-code flow did not finish");
        };
        let body = form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", "app"),
            ("client_secret", "secret-app"),
            ("redirect_uri", "http://127.0.0.1/callback"),
            ("resource", RESOURCE),
        ]);
        let answer = self.post_token(body).await;
        (
            answer["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            answer["id_token"].as_str().expect("id_token").to_owned(),
        )
    }

    async fn post_token(&self, body: String) -> Value {
        let response = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert!(
            status.is_success(),
            "token endpoint said {status}: {answer}"
        );
        answer
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `application/x-www-form-urlencoded`.
fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
