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
    /// Something on the command line does not make sense.
    #[error("{0}")]
    Usage(String),
    /// The Vitrina or the emulator could not be reached or answered with an error.
    #[error("{0}")]
    Remote(String),
}

impl CliError {
    /// [`CliError::Remote`] with the whole cause chain of `error` (`transport error: client error
    /// (Connect): tcp connect error: Connection refused`), not only its first line.
    pub fn remote(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut text = error.to_string();
        let mut cause = error.source();
        while let Some(e) = cause {
            let line = e.to_string();
            if !text.contains(&line) {
                text.push_str(": ");
                text.push_str(&line);
            }
            cause = e.source();
        }
        CliError::Remote(text)
    }
}
