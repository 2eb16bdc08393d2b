//! The stop signal of every server fer-rs runs.

use std::future::Future;

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what `kill`, systemd and container runtimes send);
/// elsewhere than on Unix, on Ctrl-C. fer-webhook's servers (`fer_webhook::serve_with_shutdown` and
/// the axum adapter's serve), the emulator and the `fer` commands that serve all stop on it.
///
/// On Unix the handlers are installed when this is called, not when the future is first polled:
/// call it before the server announces that it is ready (prints its address, answers a request),
/// so that a supervisor's SIGTERM right after that stops it cleanly instead of killing the process
/// (the signal's default action). Call it within a tokio runtime. If a handler cannot be installed
/// it is logged and only the other signal stops the server.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    installed()
}

/// SIGINT and SIGTERM, installed now.
#[cfg(unix)]
fn installed() -> impl Future<Output = ()> + Send + 'static {
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let install = |kind: SignalKind, name: &'static str| match signal(kind) {
            Ok(signal) => Some(signal),
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for {name}");
                None
            }
        };
        let recv = |signal: Option<Signal>| async move {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let interrupt = recv(install(SignalKind::interrupt(), "SIGINT"));
        let terminate = recv(install(SignalKind::terminate(), "SIGTERM"));
        async move {
            tokio::select! {
                () = interrupt => tracing::info!("SIGINT received: shutting down"),
                () = terminate => tracing::info!("SIGTERM received: shutting down"),
            }
        }
    }
}

/// Ctrl-C, the one stop signal there is elsewhere.
#[cfg(not(unix))]
fn installed() -> impl Future<Output = ()> + Send + 'static {
    async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C received: shutting down");
    }
}
