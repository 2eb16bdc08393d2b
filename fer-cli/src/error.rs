//! What can go wrong before the checked thing can even be judged (exit code 2).

use std::path::PathBuf;

/// A usage or I/O error: the command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file's name names no table and `--table` was not given.
    #[error(
        "{}: cannot tell the table from the name {name:?}; name the file after its table (slot.json, \
         slots.ndjson, ...) or pass --table",
        path.display()
    )]
    UnknownTable {
        /// The file.
        path: PathBuf,
        /// Its name without extension.
        name: String,
    },
    /// `fer sample` was asked for a region it cannot make valid (e.g. more slots a day than fit).
    #[error("cannot generate this region: {0}")]
    Sample(#[from] fer_sample::SpecError),
    /// A file that should hold JSON does not.
    #[error("{}: not JSON: {source}", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Where and why it does not parse.
        #[source]
        source: serde_json::Error,
    },
    /// Records could not be written as JSON.
    #[error("{}: cannot write JSON: {source}", path.display())]
    Encode {
        /// The file it was for.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// Something on the command line does not make sense.
    #[error("{0}")]
    Usage(String),
    /// The Vitrina or the emulator could not be reached or answered with an error, or the client
    /// could not be configured from the arguments.
    #[error("{0}")]
    Client(#[from] fer_client::Error),
    /// The emulator could not start (`fer emulator`).
    #[error("{0}")]
    Emulator(#[from] fer_emulator::EmulatorError),
    /// The webhook conformance run could not start (`fer conformance`).
    #[error("{0}")]
    Conformance(#[from] fer_emulator::conformance::ConformanceError),
    /// The operating system refused something the command needs (the async runtime, a signal).
    #[error("{what}: {source}")]
    System {
        /// What could not be done.
        what: &'static str,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// The store of `fer sync` could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Store {
        /// The store's file.
        path: PathBuf,
        /// Why.
        #[source]
        source: fer_sync::SyncError,
    },
}
