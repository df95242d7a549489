//! Pending presentation requests: each a random `state` and a random single-use `nonce`, bound
//! to whoever started it, expiring.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::PidError;

/// Most requests pending at once; beyond it, starting one fails until some expire.
const MAX_PENDING: usize = 10_000;

/// Who started a presentation request: the step-up it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestBinding {
    /// The MCP session (`Mcp-Session-Id`) that asked for the step-up, if any.
    pub session: Option<String>,
    /// The principal of that session when it asked (canonical form).
    pub principal: String,
}

/// One request waiting for the wallet's answer.
#[derive(Clone)]
pub struct PendingPresentation {
    /// Random, unguessable; names the request in URLs and in the wallet's `direct_post`.
    pub state: String,
    /// Random, single use; the key-binding JWT must carry it.
    pub nonce: String,
    /// Who asked.
    pub binding: RequestBinding,
    /// After this instant the request is gone.
    pub expires_at: Instant,
}

impl std::fmt::Debug for PendingPresentation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingPresentation")
            .field("binding", &self.binding)
            .finish_non_exhaustive()
    }
}

/// The pending requests of one verifier. Each `state` is answered once: [`take`](Self::take)
/// removes it, so its nonce can never verify a second presentation.
#[derive(Debug)]
pub struct PresentationRequests {
    ttl: Duration,
    pending: Mutex<HashMap<String, PendingPresentation>>,
}

impl PresentationRequests {
    /// Requests live `ttl` (e.g. 5 minutes) unless answered before.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a request for `binding`, or returns the one still pending for it: a client that
    /// retries before the human has answered keeps pointing them at the same request, and one
    /// session holds at most one pending request.
    pub fn start(&self, binding: RequestBinding) -> Result<PendingPresentation, PidError> {
        let now = Instant::now();
        let mut pending = self.lock();
        pending.retain(|_, p| p.expires_at > now);
        if let Some(existing) = pending.values().find(|p| p.binding == binding) {
            return Ok(existing.clone());
        }
        let request = PendingPresentation {
            state: random_token()?,
            nonce: random_token()?,
            binding,
            expires_at: now + self.ttl,
        };
        if pending.len() >= MAX_PENDING {
            return Err(PidError::Config("too many pending presentation requests"));
        }
        pending.insert(request.state.clone(), request.clone());
        Ok(request)
    }

    /// The request named `state`, if pending and not expired; it stays pending.
    pub fn get(&self, state: &str) -> Option<PendingPresentation> {
        let now = Instant::now();
        self.lock()
            .get(state)
            .filter(|p| p.expires_at > now)
            .cloned()
    }

    /// Removes and returns the request named `state`, if pending and not expired. A second call
    /// with the same `state` finds nothing.
    pub fn take(&self, state: &str) -> Option<PendingPresentation> {
        let now = Instant::now();
        self.lock().remove(state).filter(|p| p.expires_at > now)
    }

    /// How many requests are pending (expired ones included until the next `start`).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// `true` when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PendingPresentation>> {
        // A panic while holding the lock leaves a consistent map: keep using it.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// 256 random bits, base64url.
fn random_token() -> Result<String, PidError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| PidError::Config("the OS random generator failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> RequestBinding {
        RequestBinding {
            session: Some("s1".into()),
            principal: "anonymous".into(),
        }
    }

    #[test]
    fn a_state_is_answered_once() {
        let requests = PresentationRequests::new(Duration::from_secs(60));
        let r = requests.start(binding()).unwrap();
        assert_ne!(r.state, r.nonce);
        assert_eq!(r.state.len(), 43);
        assert_eq!(requests.get(&r.state).unwrap().nonce, r.nonce);
        // Asked again before it is answered: the same request.
        assert_eq!(requests.start(binding()).unwrap().state, r.state);
        let other = RequestBinding {
            session: Some("s2".into()),
            ..binding()
        };
        assert_ne!(requests.start(other).unwrap().state, r.state);
        assert_eq!(requests.take(&r.state).unwrap().binding, binding());
        assert!(requests.take(&r.state).is_none());
        assert!(requests.get(&r.state).is_none());
        assert!(requests.take("unknown").is_none());
    }

    #[test]
    fn expired_requests_are_gone() {
        let requests = PresentationRequests::new(Duration::ZERO);
        let r = requests.start(binding()).unwrap();
        assert!(requests.get(&r.state).is_none());
        assert!(requests.take(&r.state).is_none());
    }
}
