//! The shared state store on Redis 7 (or Valkey), for several replicas of one server.
//!
//! The `redis` crate's Tokio connection manager holds one multiplexed connection and reconnects
//! by itself. It runs on a small runtime of its own, so the seam's callers (the vault, the rate
//! limiter, the confirmation gate) stay synchronous whatever runtime they are on: a call waits
//! for its one round trip, and on a multi-threaded runtime it hands its worker to other tasks
//! while it waits (`block_in_place`). Every operation is bounded by the answer timeout; a store
//! that does not answer in time is [`StateError::Unavailable`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ConnectionAddr, RedisResult, Script};
use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

use super::{StateError, StateStore, check_size};

/// The rate-limit bucket, decided inside Redis in one round trip. The clock is the server's
/// (`TIME`), so replicas whose clocks differ still share one bucket. Tokens refill continuously:
/// `capacity` over `per_ms`. The key expires once the bucket would be full again.
const TAKE_TOKEN: &str = r"
local cap = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = cap
  at = now
end
local elapsed = now - at
if elapsed < 0 then elapsed = 0 end
tokens = math.min(cap, tokens + elapsed * cap / per)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(per * (cap - tokens) / cap) + 1000)
return taken
";

/// How long to wait for Redis, and whom to trust over TLS.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// To connect (and to reconnect, per attempt). Default 2 s.
    pub connect_timeout: Duration,
    /// For one answer. Default 1 s.
    pub answer_timeout: Duration,
    /// For `rediss://`: a PEM file of the CA certificates to trust instead of the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(2),
            answer_timeout: Duration::from_secs(1),
            ca_file: None,
        }
    }
}

/// State on a Redis server shared by every replica. Cheap to share in an `Arc`.
pub struct RedisState {
    conn: ConnectionManager,
    runtime: Option<Runtime>,
    take_token: Arc<Script>,
    answer_timeout: Duration,
    /// `redis://host:port/db`, without user or password.
    display: String,
}

impl std::fmt::Debug for RedisState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisState")
            .field("server", &self.display)
            .finish_non_exhaustive()
    }
}

impl RedisState {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host:port[/db]`, or
    /// `rediss://` for TLS) and checks that it answers. Credentials in the URL are used for
    /// `AUTH` and never appear in an error, a log or [`StateStore::describe`].
    pub fn connect(url: &str, options: RedisOptions) -> Result<Self, StateError> {
        // The parser's message may quote the URL, and the URL may hold a password.
        let not_a_url = |e: redis::RedisError| {
            StateError::Config(format!(
                "not a Redis URL like redis://127.0.0.1:6379 ({:?})",
                e.kind()
            ))
        };
        let client = match &options.ca_file {
            None => Client::open(url).map_err(not_a_url)?,
            Some(path) => {
                if !url.starts_with("rediss://") {
                    return Err(StateError::Config(
                        "a CA file is for rediss:// (TLS) URLs".to_owned(),
                    ));
                }
                let pem = std::fs::read(path)
                    .map_err(|e| StateError::Config(format!("CA file {}: {e}", path.display())))?;
                let certificates = redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                };
                Client::build_with_tls(url, certificates).map_err(not_a_url)?
            }
        };
        let info = client.get_connection_info();
        let display = display(info.addr(), info.redis_settings().db());
        if matches!(info.addr(), ConnectionAddr::TcpTls { .. }) {
            // The one provider rule (the application's, else ring), installed for the redis
            // crate, which asks the process default. Already installed: nothing changes.
            let _ = rustls::crypto::CryptoProvider::install_default(
                crate::basics::tls_provider().as_ref().clone(),
            );
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sigil-state")
            .enable_all()
            .build()
            .map_err(|e| StateError::Config(format!("cannot start the state runtime: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.answer_timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connecting = async move {
            let mut conn = ConnectionManager::new_with_config(client, config).await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await?;
            RedisResult::Ok(conn)
        };
        let wait = options.connect_timeout * 3;
        let conn = wait_for(runtime.handle(), connecting, wait)
            .map_err(|why| unavailable(&display, &why))?;
        let answer_timeout = options.answer_timeout;
        Ok(Self {
            conn,
            runtime: Some(runtime),
            take_token: Arc::new(Script::new(TAKE_TOKEN)),
            answer_timeout,
            display,
        })
    }

    /// Runs one round trip on the state runtime and waits for it.
    fn run<T, F>(&self, op: impl FnOnce(ConnectionManager) -> F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: Future<Output = RedisResult<T>> + Send + 'static,
    {
        let Some(runtime) = &self.runtime else {
            return Err(unavailable(&self.display, "the store was shut down"));
        };
        wait_for(runtime.handle(), op(self.conn.clone()), self.answer_timeout)
            .map_err(|why| unavailable(&self.display, &why))
    }
}

impl Drop for RedisState {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics; this never blocks.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Runs `fut` on `handle` and waits up to `limit` for it, without blocking other tasks of the
/// caller's runtime where that runtime can move them.
fn wait_for<T: Send + 'static>(
    handle: &Handle,
    fut: impl Future<Output = RedisResult<T>> + Send + 'static,
    limit: Duration,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = tx.send(tokio::time::timeout(limit, fut).await);
    });
    // A margin over the inner timeout, so that the inner one is what normally fires.
    let wait = || rx.recv_timeout(limit + Duration::from_millis(250));
    let got = match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    };
    match got {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(e))) => Err(describe_error(&e)),
        Ok(Err(_)) | Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

/// The error's kind and the server's code or the I/O cause: the redis crate's messages carry
/// no credentials, but never the URL either.
fn describe_error(e: &redis::RedisError) -> String {
    if e.is_timeout() {
        return "no answer in time".to_owned();
    }
    if e.is_connection_refusal() {
        return "connection refused".to_owned();
    }
    if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
        return format!("connection lost ({:?})", e.kind());
    }
    match e.code() {
        Some(code) => format!("the server said {code}"),
        None => format!("{:?}", e.kind()),
    }
}

fn unavailable(display: &str, why: &str) -> StateError {
    StateError::Unavailable {
        what: format!("{display}: {why}"),
    }
}

fn display(addr: &ConnectionAddr, db: i64) -> String {
    match addr {
        ConnectionAddr::Tcp(host, port) => format!("redis://{host}:{port}/{db}"),
        ConnectionAddr::TcpTls { host, port, .. } => format!("rediss://{host}:{port}/{db}"),
        ConnectionAddr::Unix(path) => format!("redis+unix://{}?db={db}", path.display()),
        _ => format!("redis ({db})"),
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl StateStore for RedisState {
    fn put(&self, entries: &[(&str, &[u8])], ttl: Duration) -> Result<(), StateError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (key, value) in entries {
            check_size(value)?;
            pipe.cmd("SET")
                .arg(*key)
                .arg(*value)
                .arg("PX")
                .arg(millis(ttl))
                .ignore();
        }
        self.run(move |mut conn| async move { pipe.query_async::<()>(&mut conn).await })
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        let cmd = redis::cmd("GET").arg(key).to_owned();
        self.run(move |mut conn| async move { cmd.query_async::<Option<Vec<u8>>>(&mut conn).await })
    }

    fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StateError> {
        check_size(value)?;
        let cmd = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .to_owned();
        self.run(move |mut conn| async move {
            let set: Option<String> = cmd.query_async(&mut conn).await?;
            Ok(set.is_some())
        })
    }

    fn take_token(&self, key: &str, capacity: u32, per: Duration) -> Result<bool, StateError> {
        let script = self.take_token.clone();
        let key = key.to_owned();
        let (capacity, per) = (capacity.max(1), millis(per));
        self.run(move |mut conn| async move {
            let taken: i64 = script
                .key(key)
                .arg(capacity)
                .arg(per)
                .invoke_async(&mut conn)
                .await?;
            Ok(taken == 1)
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        self.display.clone()
    }
}
