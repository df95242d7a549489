//! A real `redis-server` on a free loopback port, for the state seam's tests. The tests need
//! Debian's `redis-server` on `PATH` (`.ci/run` installs it); without it they fail and say so.

#![allow(dead_code, unreachable_pub)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`, killed when dropped.
pub struct RedisServer {
    pub port: u16,
    password: Option<String>,
    /// For a TLS-only server: the certificate and key files (PEM).
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
    child: Option<Child>,
}

impl RedisServer {
    /// A fresh server with nothing persisted.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// A fresh server that requires `password` (`requirepass`).
    pub fn start_with(password: Option<&str>) -> Self {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Self {
            port,
            password: password.map(str::to_owned),
            tls: None,
            child: None,
        };
        server.restart();
        server
    }

    /// A fresh server that speaks TLS only, with this certificate and key (PEM files).
    pub fn start_tls(cert: &std::path::Path, key: &std::path::Path) -> Self {
        let mut server = Self::start_with(None);
        server.tls = Some((cert.to_owned(), key.to_owned()));
        server.restart();
        server
    }

    /// `redis://127.0.0.1:PORT/0`, with the password if there is one.
    pub fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/0", self.port),
            None => format!("redis://127.0.0.1:{}/0", self.port),
        }
    }

    /// Stops the server (its data is gone: nothing is persisted).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        match &self.tls {
            None => cmd.args(["--port", &self.port.to_string()]),
            Some((cert, key)) => cmd
                .args(["--port", "0", "--tls-port", &self.port.to_string()])
                .arg("--tls-cert-file")
                .arg(cert)
                .arg("--tls-key-file")
                .arg(key)
                .args(["--tls-auth-clients", "no"]),
        };
        if let Some(p) = &self.password {
            cmd.args(["--requirepass", p]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH for the state tests (apt install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
