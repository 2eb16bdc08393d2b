//! The state file (`--state FILE`): the whole store as one JSON document, rewritten atomically so
//! that a restart, or a crash in the middle of a write, loses nothing that was acknowledged.
//!
//! Tokens are not kept: after a restart clients authenticate again, as after a Vitrina restart.
//!
//! One emulator owns a state file: [`StateLock`] (a lock file `<state>.lock` created exclusively,
//! holding the owner's pid) stops a second one from sharing it, and the owner removes the
//! temporary files a crashed writer left ([`remove_leftovers`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CallbackKey, Store, Tables};
use crate::EmulatorError;

/// The version of the file's layout, checked on load.
const FORMAT: u32 = 1;

/// The JSON document of the state file, as read.
#[derive(Deserialize)]
struct Snapshot {
    /// Layout version ([`FORMAT`]).
    format: u32,
    /// The eight tables.
    tables: Tables,
    /// The registered webhooks.
    callbacks: Vec<CallbackEntry>,
}

/// The same document as written: borrows the store instead of cloning every table per write.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    format: u32,
    tables: &'a Tables,
    callbacks: Vec<CallbackEntryRef<'a>>,
}

/// One registered webhook.
#[derive(Deserialize)]
struct CallbackEntry {
    #[serde(flatten)]
    key: CallbackKey,
    address: String,
}

/// One registered webhook, as written.
#[derive(Serialize)]
struct CallbackEntryRef<'a> {
    #[serde(flatten)]
    key: &'a CallbackKey,
    address: &'a str,
}

/// Loads the store from `path`; a missing file is an empty store.
pub(crate) fn load(path: &Path) -> Result<Store, EmulatorError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Store::default()),
        Err(source) => return Err(EmulatorError::State { path: path.to_owned(), source }),
    };
    let snapshot: Snapshot =
        serde_json::from_slice(&bytes).map_err(|source| EmulatorError::StateJson { path: path.to_owned(), source })?;
    if snapshot.format != FORMAT {
        return Err(EmulatorError::StateFormat {
            path: path.to_owned(),
            reason: format!("layout version {} (this emulator reads {FORMAT})", snapshot.format),
        });
    }
    let mut tables = snapshot.tables;
    tables.reindex();
    Ok(Store { tables, callbacks: snapshot.callbacks.into_iter().map(|c| (c.key, c.address)).collect() })
}

/// What [`save`] needs of `store`, taken under the store's lock: each table's rows shared, not
/// copied ([`Tables::snapshot`]), and the webhooks (a few).
pub(crate) fn snapshot(store: &Store) -> Store {
    Store { tables: store.tables.snapshot(), callbacks: store.callbacks.clone() }
}

/// Writes the store to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over the old file.
pub(crate) fn save(store: &Store, path: &Path) -> Result<(), EmulatorError> {
    let snapshot = SnapshotRef {
        format: FORMAT,
        tables: &store.tables,
        callbacks: store.callbacks.iter().map(|(key, address)| CallbackEntryRef { key, address }).collect(),
    };
    let tmp = temp_path(path);
    let io = |source| EmulatorError::State { path: path.to_owned(), source };
    let file = std::fs::File::create(&tmp).map_err(io)?;
    // Streamed into the file (no copy of the whole document in memory), giving the processor
    // away now and then: a save runs beside the requests it must not hold up.
    let mut out = Yielding { inner: std::io::BufWriter::with_capacity(64 * 1024, file), since: 0 };
    let written = serde_json::to_writer(&mut out, &snapshot).map_err(|source| match source.io_error_kind() {
        Some(_) => io(std::io::Error::other(source)),
        None => EmulatorError::StateEncode { path: path.to_owned(), source },
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let file = out.inner.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)
}

/// The exclusive ownership of a state file: the lock file `<state>.lock`, created with
/// `create_new` (O_EXCL) and holding the owner's pid, removed when dropped. A lock file whose pid
/// is no longer running (on Linux, no `/proc/<pid>`) is stale and taken over.
#[derive(Debug)]
pub(crate) struct StateLock {
    path: PathBuf,
}

impl StateLock {
    /// Takes the lock of the state file `state`, or says who holds it.
    pub fn acquire(state: &Path) -> Result<StateLock, EmulatorError> {
        let path = sibling(state, ".lock");
        let io = |source| EmulatorError::State { path: path.clone(), source };
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    file.write_all(std::process::id().to_string().as_bytes()).map_err(io)?;
                    return Ok(StateLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default().trim().parse::<u32>().ok();
                    if holder.is_some_and(is_stale) {
                        tracing::warn!(lock = %path.display(), ?holder, "taking over a stale state lock");
                        std::fs::remove_file(&path).map_err(io)?;
                        continue;
                    }
                    return Err(EmulatorError::StateLocked { path: path.clone(), pid: holder });
                }
                Err(source) => return Err(io(source)),
            }
        }
        Err(EmulatorError::StateLocked { path, pid: None })
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// True when the process `pid` is known not to run: only Linux can tell (`/proc`), and our own
/// pid is never stale (another emulator of this process holds the file).
fn is_stale(pid: u32) -> bool {
    cfg!(target_os = "linux") && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes the temporary files of earlier writers of `state` (`<state>.tmp-<pid>`), left by a
/// crash between writing and renaming. Call it holding the [`StateLock`].
pub(crate) fn remove_leftovers(state: &Path) -> Result<(), EmulatorError> {
    let prefix = sibling(state, ".tmp-").file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = match state.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(EmulatorError::State { path: dir.to_owned(), source }),
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) && entry.file_type().is_ok_and(|t| t.is_file()) {
            tracing::info!(file = %entry.path().display(), "removing a leftover temporary state file");
            std::fs::remove_file(entry.path()).map_err(|source| EmulatorError::State { path: entry.path(), source })?;
        }
    }
    Ok(())
}

/// `<state><suffix>` in the same folder.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "state".into());
    name.push(suffix);
    path.with_file_name(name)
}

/// A writer that yields the processor after every [`YIELD_EVERY`] bytes.
struct Yielding<W> {
    inner: W,
    since: usize,
}

/// How many bytes of a state file are written between two yields.
const YIELD_EVERY: usize = 256 * 1024;

impl<W: Write> Write for Yielding<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.since += n;
        if self.since >= YIELD_EVERY {
            self.since = 0;
            std::thread::yield_now();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn temp_path(path: &Path) -> PathBuf {
    sibling(path, &format!(".tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_an_empty_store_and_a_round_trip_keeps_callbacks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path).unwrap().tables.count(fer_model::Table::Slot), 0);
        let mut store = Store::default();
        let key = CallbackKey { mo_oid: "1.2.643.5.1".parse().unwrap(), depart_oid: None };
        store.callbacks.insert(key.clone(), "http://127.0.0.1:1".into());
        save(&store, &path).unwrap();
        let back = load(&path).unwrap();
        assert_eq!(back.callbacks.get(&key).map(String::as_str), Some("http://127.0.0.1:1"));
        assert!(!temp_path(&path).exists());
    }

    #[test]
    fn the_unique_key_index_is_rebuilt_on_load() {
        use std::collections::BTreeMap;

        use crate::store::rules::upsert_batch;

        let slot = |id: &str| {
            serde_json::json!({"id": id, "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
                "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72", "tag_type": "EPGU", "tag_age": "ALL",
                "visit_time": "2024-03-28T05:00:00", "duration": 20, "status": "AVAILABLE",
                "create_ts": "2023-10-01T09:00:00"})
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut store = Store::default();
        let out = upsert_batch::<fer_model::Slot>(
            &mut store.tables,
            vec![slot("aaaaaaa1-5eff-49b8-9d07-ff2486162b3f")],
            BTreeMap::new(),
        );
        assert_eq!(out.accepted.len(), 1);
        save(&store, &path).unwrap();
        let mut back = load(&path).unwrap();
        let out = upsert_batch::<fer_model::Slot>(
            &mut back.tables,
            vec![slot("aaaaaaa2-5eff-49b8-9d07-ff2486162b3f")],
            BTreeMap::new(),
        );
        assert_eq!(out.refused.len(), 1, "the reloaded slot still holds its time");
        assert_eq!(out.refused[0].1.code, fer_model::ErrorCode::R330);
    }

    #[test]
    fn a_snapshot_shares_the_rows_and_keeps_its_content_while_the_store_changes() {
        use std::collections::BTreeMap;
        use std::sync::Arc;

        use crate::store::rules::upsert_batch;

        let slot = |id: &str, time: &str| {
            serde_json::json!({"id": id, "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
                "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72", "tag_type": "EPGU", "tag_age": "ALL",
                "visit_time": time, "duration": 20, "status": "AVAILABLE",
                "create_ts": "2023-10-01T09:00:00"})
        };
        let mut store = Store::default();
        let first = vec![slot("aaaaaaa1-5eff-49b8-9d07-ff2486162b3f", "2024-03-28T05:00:00")];
        assert_eq!(upsert_batch::<fer_model::Slot>(&mut store.tables, first, BTreeMap::new()).accepted.len(), 1);
        let taken = snapshot(&store);
        // Taken without copying a row: the snapshot holds the store's own table.
        assert!(Arc::ptr_eq(&taken.tables.slot, &store.tables.slot));
        let second = vec![slot("aaaaaaa2-5eff-49b8-9d07-ff2486162b3f", "2024-03-28T06:00:00")];
        assert_eq!(upsert_batch::<fer_model::Slot>(&mut store.tables, second, BTreeMap::new()).accepted.len(), 1);
        // The change copied the table instead of reaching into the snapshot being written.
        assert!(!Arc::ptr_eq(&taken.tables.slot, &store.tables.slot));
        assert_eq!((taken.tables.count(fer_model::Table::Slot), store.tables.count(fer_model::Table::Slot)), (1, 2));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        save(&taken, &path).unwrap();
        assert_eq!(load(&path).unwrap().tables.count(fer_model::Table::Slot), 1);
    }

    #[test]
    fn the_lock_is_exclusive_released_on_drop_and_leftovers_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let lock = StateLock::acquire(&path).unwrap();
        assert!(matches!(StateLock::acquire(&path), Err(EmulatorError::StateLocked { pid: Some(_), .. })));
        drop(lock);
        let _again = StateLock::acquire(&path).unwrap();
        std::fs::write(dir.path().join("state.json.tmp-999999"), b"{").unwrap();
        std::fs::write(dir.path().join("other.json.tmp-1"), b"{").unwrap();
        remove_leftovers(&path).unwrap();
        assert!(!dir.path().join("state.json.tmp-999999").exists());
        assert!(dir.path().join("other.json.tmp-1").exists());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{not json").unwrap();
        let err = load(&path).unwrap_err();
        assert!(err.to_string().contains("state.json"), "{err}");
    }
}
