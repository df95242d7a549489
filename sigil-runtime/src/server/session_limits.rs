//! Caps on open Streamable HTTP sessions: in total, per client address and per verified
//! principal.
//!
//! Every session rmcp keeps open holds a worker task, its channels and caches, so without a cap
//! anyone who can reach `/mcp` grows the server's memory with unauthenticated `initialize`
//! requests. A session takes a slot before it is created and gives it back when it ends (the
//! client's `DELETE`, the idle timeout, the server stopping); a request that finds no slot is
//! refused and no session is created.
//!
//! The address of an IPv6 client is its /64: one host is usually handed a whole /64, so a single
//! IPv6 address would cost an attacker nothing to change.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::HttpConfig;

/// Who opens a session, as far as the caps are concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Client {
    /// The peer address (IPv6: its /64), when the server knows it.
    pub(crate) address: Option<IpAddr>,
    /// The verified principal, when a front door established one.
    pub(crate) principal: Option<String>,
}

impl Client {
    /// A client at `address` (IPv6 reduced to its /64), with an optional verified principal.
    pub(crate) fn new(address: Option<IpAddr>, principal: Option<String>) -> Self {
        Self {
            address: address.map(address_key),
            principal,
        }
    }
}

/// The per-address key: IPv4 as is (also when mapped into IPv6), IPv6 as its /64.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(
                u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
            )),
        },
    }
}

/// Which cap refused a new session, and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The server has this many sessions open.
    Total(usize),
    /// The client's address has this many open.
    Address(usize),
    /// The client's principal has this many open.
    Principal(usize),
}

impl Refused {
    /// What the client and the audit trail are told.
    pub(crate) fn reason(self) -> String {
        match self {
            Self::Total(n) => format!("the server has {n} open sessions, its limit"),
            Self::Address(n) => format!("this address has {n} open sessions, its limit"),
            Self::Principal(n) => format!("this caller has {n} open sessions, its limit"),
        }
    }
}

/// The open sessions and what they count against.
#[derive(Debug)]
pub(crate) struct SessionTable {
    total: usize,
    per_address: usize,
    per_principal: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Slots taken: open sessions and sessions being created.
    taken: usize,
    by_address: HashMap<IpAddr, usize>,
    by_principal: HashMap<String, usize>,
    open: HashMap<String, Open>,
}

#[derive(Debug)]
struct Open {
    client: Client,
    /// The protocol version the session negotiated, once `initialize` was answered.
    version: Option<String>,
}

impl SessionTable {
    /// A table with the caps of `http`.
    pub(crate) fn new(http: &HttpConfig) -> Arc<Self> {
        Arc::new(Self {
            total: http.max_sessions,
            per_address: http.max_sessions_per_address,
            per_principal: http.max_sessions_per_principal,
            state: Mutex::new(State::default()),
        })
    }

    /// Takes a slot for a session `client` is about to open, or says which cap is full.
    pub(crate) fn reserve(self: &Arc<Self>, client: Client) -> Result<Slot, Refused> {
        let mut state = self.lock();
        if state.taken >= self.total {
            return Err(Refused::Total(self.total));
        }
        if let Some(address) = client.address
            && state.by_address.get(&address).copied().unwrap_or(0) >= self.per_address
        {
            return Err(Refused::Address(self.per_address));
        }
        if let Some(principal) = &client.principal
            && state.by_principal.get(principal).copied().unwrap_or(0) >= self.per_principal
        {
            return Err(Refused::Principal(self.per_principal));
        }
        state.taken += 1;
        if let Some(address) = client.address {
            *state.by_address.entry(address).or_insert(0) += 1;
        }
        if let Some(principal) = &client.principal {
            *state.by_principal.entry(principal.clone()).or_insert(0) += 1;
        }
        Ok(Slot {
            table: self.clone(),
            client: Some(client),
        })
    }

    /// Records the protocol version session `id` negotiated.
    pub(crate) fn set_version(&self, id: &str, version: String) {
        if let Some(open) = self.lock().open.get_mut(id) {
            open.version = Some(version);
        }
    }

    /// `None` if `id` is not open; else the version it negotiated, if known yet.
    pub(crate) fn version(&self, id: &str) -> Option<Option<String>> {
        self.lock().open.get(id).map(|open| open.version.clone())
    }

    /// Session `id` ended: gives its slot back. Closing twice is harmless.
    pub(crate) fn close(&self, id: &str) {
        let mut state = self.lock();
        if let Some(open) = state.open.remove(id) {
            state.release(&open.client);
        }
    }

    /// How many slots are taken (open sessions and sessions being created).
    #[cfg(test)]
    fn taken(&self) -> usize {
        self.lock().taken
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update below leaves the counts consistent before it can panic (map operations
        // and additions only); recover the table rather than failing every later request.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    fn release(&mut self, client: &Client) {
        self.taken = self.taken.saturating_sub(1);
        if let Some(address) = client.address {
            decrement(&mut self.by_address, &address);
        }
        if let Some(principal) = &client.principal {
            decrement(&mut self.by_principal, principal);
        }
    }
}

/// Lowers a count, dropping the entry at zero so the maps shrink with the sessions.
fn decrement<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = counts.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(key);
        }
    }
}

/// A taken slot: it becomes an open session with [`Slot::open`], or is given back when dropped
/// (the session could not be created).
#[derive(Debug)]
pub(crate) struct Slot {
    table: Arc<SessionTable>,
    client: Option<Client>,
}

impl Slot {
    /// The session was created as `id`; it keeps the slot until [`SessionTable::close`].
    pub(crate) fn open(mut self, id: &str) {
        if let Some(client) = self.client.take() {
            self.table.lock().open.insert(
                id.to_owned(),
                Open {
                    client,
                    version: None,
                },
            );
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.table.lock().release(&client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(total: usize, per_address: usize, per_principal: usize) -> Arc<SessionTable> {
        SessionTable::new(&HttpConfig {
            max_sessions: total,
            max_sessions_per_address: per_address,
            max_sessions_per_principal: per_principal,
            ..HttpConfig::default()
        })
    }

    fn at(address: &str, principal: Option<&str>) -> Client {
        Client::new(Some(address.parse().unwrap()), principal.map(str::to_owned))
    }

    #[test]
    fn each_cap_refuses_and_a_closed_session_frees_its_slot() {
        let t = table(3, 2, 2);
        t.reserve(at("10.0.0.1", None)).unwrap().open("a");
        t.reserve(at("10.0.0.1", None)).unwrap().open("b");
        assert_eq!(
            t.reserve(at("10.0.0.1", None)).unwrap_err(),
            Refused::Address(2)
        );
        t.reserve(at("10.0.0.2", None)).unwrap().open("c");
        assert_eq!(
            t.reserve(at("10.0.0.3", None)).unwrap_err(),
            Refused::Total(3)
        );
        t.close("a");
        t.close("a");
        assert_eq!(t.taken(), 2);
        t.reserve(at("10.0.0.1", None)).unwrap().open("d");
        assert!(t.version("d").is_some() && t.version("a").is_none());
    }

    #[test]
    fn a_principal_is_capped_across_addresses() {
        let t = table(100, 100, 2);
        t.reserve(at("10.0.0.1", Some("oidc:idp#alice")))
            .unwrap()
            .open("a");
        t.reserve(at("10.0.0.2", Some("oidc:idp#alice")))
            .unwrap()
            .open("b");
        assert_eq!(
            t.reserve(at("10.0.0.3", Some("oidc:idp#alice")))
                .unwrap_err(),
            Refused::Principal(2)
        );
        t.reserve(at("10.0.0.3", Some("oidc:idp#bob"))).unwrap();
    }

    #[test]
    fn a_slot_not_opened_is_given_back_and_the_maps_shrink() {
        let t = table(1, 1, 1);
        drop(t.reserve(at("10.0.0.1", Some("p"))).unwrap());
        assert_eq!(t.taken(), 0);
        t.reserve(at("10.0.0.1", Some("p"))).unwrap().open("a");
        t.set_version("a", "2025-06-18".into());
        assert_eq!(t.version("a"), Some(Some("2025-06-18".into())));
        t.close("a");
        let state = t.lock();
        assert!(state.by_address.is_empty() && state.by_principal.is_empty());
        assert!(state.open.is_empty());
    }

    #[test]
    fn an_ipv6_client_counts_as_its_slash_64() {
        let t = table(100, 1, 100);
        t.reserve(at("2001:db8:1:2::1", None)).unwrap().open("a");
        assert_eq!(
            t.reserve(at("2001:db8:1:2:ffff::9", None)).unwrap_err(),
            Refused::Address(1)
        );
        t.reserve(at("2001:db8:1:3::1", None)).unwrap();
        t.reserve(at("::ffff:10.0.0.1", None)).unwrap().open("b");
        assert_eq!(
            t.reserve(at("10.0.0.1", None)).unwrap_err(),
            Refused::Address(1)
        );
    }
}
