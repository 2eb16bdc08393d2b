//! The stop signal of every server fer-rs runs.

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what `kill`, systemd and container runtimes send);
/// elsewhere than on Unix, on Ctrl-C. fer-webhook's servers (`fer_webhook::serve_with_shutdown` and the axum
/// adapter's serve), the emulator and the `fer` commands that serve all stop on it. If a handler
/// cannot be installed it is logged and only the other signal stops the server.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received: shutting down"),
        () = terminate => tracing::info!("SIGTERM received: shutting down"),
    }
}
