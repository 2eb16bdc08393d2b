//! Test support shared by every fer-rs crate (a dev-dependency, never published): one loader for the
//! spec's fixtures under `fixtures/`, gzip helpers for request and answer bodies, and the paths of
//! the workspace for the policy tests in this crate's `tests/`.
//!
//! ```
//! let body = fer_testkit::fixture::bytes(fer_testkit::Doc::Vitrina, "booking_request.json");
//! assert!(body.starts_with(b"{"));
//! let gz = fer_testkit::gzip::members(&[b"{\"data\":", b"[]}"]);
//! assert_eq!(fer_testkit::gzip::gunzip(&gz), b"{\"data\":[]}");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::PathBuf;

/// The workspace's root folder (the one with the root `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("fer-testkit lives in the workspace root").to_owned()
}

/// One of the five spec documents whose examples are kept under `fixtures/spec/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// The regional portal's «Запись на прием РПГУ».
    PortalEntry,
    /// The regional portal's «Создание записи на прием к врачу».
    PortalVisit,
    /// The local MIS's appointments call.
    PortalAppointment,
    /// The regional portal's deprecated ticket session.
    PortalTickets,
    /// The Vitrina integration profile.
    Vitrina,
}

impl Doc {
    /// The folder of the document's fixtures, below `fixtures/spec/`.
    pub const fn folder(self) -> &'static str {
        match self {
            Doc::PortalEntry => "000",
            Doc::PortalVisit => "001",
            Doc::PortalAppointment => "002",
            Doc::PortalTickets => "003",
            Doc::Vitrina => "004",
        }
    }
}

/// The spec's examples, one file per example (`fixtures/spec/README.md` says how they were cut).
pub mod fixture {
    use super::*;

    /// The path of a fixture file.
    pub fn path(doc: Doc, name: &str) -> PathBuf {
        workspace_root().join("fixtures/spec").join(doc.folder()).join(name)
    }

    /// The path of `rel` below `fixtures/spec/`, e.g. `004/booking_request.json` or a document's
    /// folder `001`.
    pub fn spec_path(rel: &str) -> PathBuf {
        workspace_root().join("fixtures/spec").join(rel)
    }

    /// The folder of a fuzz target's saved inputs, `fixtures/fuzz/<target>` (replayed by every
    /// crate's `fuzz_regressions` tests).
    pub fn fuzz_corpus(target: &str) -> PathBuf {
        workspace_root().join("fixtures/fuzz").join(target)
    }

    /// A fixture's bytes; panics with the path when it is missing (a test set-up error).
    pub fn bytes(doc: Doc, name: &str) -> Vec<u8> {
        let path = path(doc, name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
    }

    /// A fixture as text.
    pub fn text(doc: Doc, name: &str) -> String {
        String::from_utf8(bytes(doc, name)).unwrap_or_else(|e| panic!("fixture {name} is not UTF-8: {e}"))
    }

    /// A fixture parsed as JSON.
    pub fn json(doc: Doc, name: &str) -> serde_json::Value {
        serde_json::from_slice(&bytes(doc, name)).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
    }

    /// The names of a document's `.json` fixtures, sorted.
    pub fn json_names(doc: Doc) -> Vec<String> {
        let dir = workspace_root().join("fixtures/spec").join(doc.folder());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        names
    }
}

/// gzip bodies as peers send them.
pub mod gzip {
    use std::io::{Read, Write};

    use flate2::Compression;
    use flate2::read::MultiGzDecoder;
    use flate2::write::GzEncoder;

    /// `data` as one gzip member.
    pub fn gzip(data: &[u8]) -> Vec<u8> {
        members(&[data])
    }

    /// The parts one after the other, each its own gzip member (RFC 1952 allows a file of several
    /// members; a reader must return their concatenation).
    pub fn members(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in parts {
            let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
            encoder.write_all(part).expect("writing to a Vec");
            out.extend(encoder.finish().expect("writing to a Vec"));
        }
        out
    }

    /// Every member of a gzip body, inflated and concatenated; panics on a corrupt body.
    pub fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        MultiGzDecoder::new(data).read_to_end(&mut out).expect("a valid gzip body");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_has_fixtures_that_parse() {
        for doc in [Doc::PortalEntry, Doc::PortalVisit, Doc::PortalAppointment, Doc::PortalTickets, Doc::Vitrina] {
            let names = fixture::json_names(doc);
            assert!(!names.is_empty(), "{doc:?}");
            for name in names {
                fixture::json(doc, &name);
            }
        }
    }

    #[test]
    fn two_members_read_as_one_body() {
        let body = gzip::members(&[b"ab", b"", b"cd"]);
        assert_eq!(gzip::gunzip(&body), b"abcd");
        assert_eq!(gzip::gunzip(&gzip::gzip(b"x")), b"x");
    }
}

/// A log sink for tests that search what was logged: an in-memory buffer that a `tracing`
/// subscriber writes into (`.with_writer(move || buffer.clone())`), shared by its clones.
#[derive(Clone, Default)]
pub struct LogBuffer(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything written so far, as text.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub mod postgres;

/// Child processes of the tests (the `fer` and `fer-emulator` programs).
pub mod process {
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    /// Sends SIGTERM to `child` and waits (at most 30 s, a hang guard, not a timing assertion)
    /// for its exit code; `None` when a signal ended it. Kills it and panics if it does not stop.
    pub async fn terminate(child: &mut Child) -> Option<i32> {
        let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(sent.success(), "kill -TERM {} failed", child.id());
        let limit = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("the child can be waited for") {
                return status.code();
            }
            if Instant::now() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("process {} still running 30 s after SIGTERM", child.id());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
