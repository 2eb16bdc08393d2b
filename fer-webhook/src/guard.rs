//! Running the vendor's code so that a panic becomes an error instead of taking the connection (or
//! the server) down. The future runs on the caller's task (no spawn, no thread hop): dropping the
//! caller (deadline passed, client gone) drops, and so cancels, the vendor's future with it.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

/// Why the vendor's future produced no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GuardError {
    /// It panicked.
    Panicked,
}

/// Polls `future` on the current task and catches a panic raised while polling it. The panic
/// payload is not logged: it may hold patient data.
pub(crate) async fn run<F: Future>(future: F) -> Result<F::Output, GuardError> {
    AssertUnwindSafe(future).catch_unwind().await.map_err(|_| GuardError::Panicked)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn value_and_panic() {
        assert_eq!(run(async { 7 }).await, Ok(7));
        let panicking = async {
            if true {
                panic!("vendor bug");
            }
            1
        };
        assert_eq!(run(panicking).await, Err(GuardError::Panicked));
    }

    #[tokio::test]
    async fn a_panic_after_an_await_is_caught_too() {
        let panicking = async {
            tokio::task::yield_now().await;
            if true {
                panic!("vendor bug after a yield");
            }
            1
        };
        assert_eq!(run(panicking).await, Err(GuardError::Panicked));
        assert_eq!(run(async { "still running" }).await, Ok("still running"));
    }

    #[tokio::test]
    async fn dropping_the_caller_cancels_the_future() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let slow = async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            flag.store(true, Ordering::SeqCst);
        };
        assert!(tokio::time::timeout(Duration::from_millis(20), run(slow)).await.is_err());
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!finished.load(Ordering::SeqCst), "the dropped future must not finish");
    }

    #[tokio::test]
    async fn runs_on_the_callers_task() {
        // A future that is not Send can be guarded: proof that nothing is spawned.
        let local = std::rc::Rc::new(5);
        let value = run(async move { *local }).await;
        assert_eq!(value, Ok(5));
    }
}
