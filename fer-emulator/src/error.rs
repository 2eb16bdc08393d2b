//! Errors of starting and running an emulator.

use std::path::PathBuf;

/// Why an emulator could not start, or could not keep its state.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// The state file could not be read or written.
    #[error("state file {}: {source}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a state file of this emulator.
    #[error("state file {} is not readable: {reason}", path.display())]
    StateFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client used to call webhooks could not be built.
    #[error("cannot build the webhook client: {0}")]
    Client(String),
    /// The server stopped with an error.
    #[error("server error: {0}")]
    Server(String),
}
