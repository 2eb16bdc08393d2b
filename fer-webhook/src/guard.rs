//! Running the vendor's code on a task of its own: a panic becomes an error instead of taking the
//! connection (or the server) down, and dropping the caller (deadline passed, client gone) aborts
//! the task.

use std::future::Future;

use tokio::task::JoinHandle;

/// Why the vendor's future produced no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GuardError {
    /// It panicked.
    Panicked,
    /// Its task was cancelled (runtime shutting down).
    Cancelled,
}

/// Aborts the task when dropped before it finished.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `future` on a new tokio task and waits for it. The panic payload is not logged: it may
/// hold patient data.
pub(crate) async fn run<F>(future: F) -> Result<F::Output, GuardError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut task = AbortOnDrop(tokio::spawn(future));
    match (&mut task.0).await {
        Ok(value) => Ok(value),
        Err(e) if e.is_panic() => Err(GuardError::Panicked),
        Err(_) => Err(GuardError::Cancelled),
    }
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
    async fn dropping_the_caller_aborts_the_task() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let slow = async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            flag.store(true, Ordering::SeqCst);
        };
        assert!(tokio::time::timeout(Duration::from_millis(20), run(slow)).await.is_err());
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!finished.load(Ordering::SeqCst), "the aborted task must not finish");
    }
}
