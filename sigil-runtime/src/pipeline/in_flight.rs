//! Calls that are running, so a server that is asked to stop can let them finish first.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// A count of running calls, and a signal when it falls to zero.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    running: AtomicUsize,
    idle: Notify,
}

/// One running call; dropping it (the call returned, or was dropped) ends it.
#[derive(Debug)]
pub(crate) struct Running<'a>(&'a InFlight);

impl InFlight {
    /// Counts a call as running until the returned guard is dropped.
    pub(crate) fn enter(&self) -> Running<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        Running(self)
    }

    /// How many calls are running.
    pub(crate) fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Waits until no call is running, at most `bound`; `false` if some still were.
    pub(crate) async fn drained(&self, bound: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            // Registered before the count is read, so a call ending in between is not missed.
            idle.as_mut().enable();
            if self.running() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.running() == 0;
            }
        }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn waits_for_running_calls_within_the_bound() {
        let calls = Arc::new(InFlight::default());
        assert!(calls.drained(Duration::from_millis(1)).await);
        let c = calls.clone();
        let (started, go) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _running = c.enter();
            started.send(()).unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
        });
        go.await.unwrap();
        assert_eq!(calls.running(), 1);
        assert!(
            !calls.drained(Duration::from_millis(1)).await,
            "one is still running"
        );
        assert!(calls.drained(Duration::from_secs(10)).await);
        task.await.unwrap();
        assert_eq!(calls.running(), 0);
    }
}
