//! Errors of starting and running an emulator.

use std::path::PathBuf;

/// Why an emulator could not start, or could not keep its state.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// A setting of [`EmulatorConfig`](crate::EmulatorConfig) cannot work
    /// ([`EmulatorConfig::validate`](crate::EmulatorConfig::validate)).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
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
    /// Another emulator owns the state file (its lock file exists and its process runs).
    #[error("state file lock {} is held{}: another emulator uses this state file", path.display(), pid.map(|p| format!(" by process {p}")).unwrap_or_default())]
    StateLocked {
        /// The lock file.
        path: PathBuf,
        /// The pid written in it, if readable.
        pid: Option<u32>,
    },
    /// The state file is not JSON of the emulator's state layout.
    #[error("state file {} is not readable: {source}", path.display())]
    StateJson {
        /// The file.
        path: PathBuf,
        /// Where and why it does not parse.
        #[source]
        source: serde_json::Error,
    },
    /// The store could not be written as JSON to the state file.
    #[error("state file {}: the store cannot be written as JSON: {source}", path.display())]
    StateEncode {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The state file is not a state file of this emulator (another layout version).
    #[error("state file {} is not readable: {reason}", path.display())]
    StateFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client used to call webhooks could not be built.
    #[error("cannot build the webhook client: {0}")]
    Client(#[source] reqwest::Error),
    /// The server stopped with an error.
    #[error("server error: {0}")]
    Server(String),
}
