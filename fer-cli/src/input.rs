//! Reading table files: `{"data": [...]}` batches, bare JSON arrays and NDJSON, with the table
//! named by the flag or by the file's name; and dataset folders of such files.

use std::path::{Path, PathBuf};

use fer_model::Table;

use crate::error::CliError;

/// One table file, its records as a `{"data": [...]}` body ready for `fer_validate::validate_raw`.
#[derive(Debug)]
pub struct TableFile {
    /// Where it came from.
    pub path: PathBuf,
    /// Its table.
    pub table: Table,
    /// The body, as a `{"data": [...]}` batch (NDJSON lines are joined into one).
    pub body: Vec<u8>,
}

/// Reads `path` as a file of `table` (or of the table its name gives).
pub fn read_table_file(path: &Path, table: Option<Table>) -> Result<TableFile, CliError> {
    let table = table.map_or_else(|| table_of(path), Ok)?;
    let bytes = std::fs::read(path).map_err(|source| CliError::Io { path: path.to_owned(), source })?;
    let body = if is_ndjson(path) { ndjson_to_batch(&bytes) } else { bytes };
    Ok(TableFile { path: path.to_owned(), table, body })
}

/// The table a file's name gives: `slot.json`, `slots.ndjson`, `unaccessable_periods.json`, …
/// (case-insensitive, singular or plural).
pub fn table_of(path: &Path) -> Result<Table, CliError> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_ascii_lowercase();
    Table::from_wire(&stem)
        .or_else(|| stem.strip_suffix('s').and_then(Table::from_wire))
        .ok_or_else(|| CliError::UnknownTable { path: path.to_owned(), name: stem })
}

/// Every table file of a dataset folder, in load order; tables without a file are absent.
pub fn read_dataset_folder(dir: &Path) -> Result<Vec<TableFile>, CliError> {
    list_dataset_folder(dir)?.into_iter().map(|(path, table)| read_table_file(&path, Some(table))).collect()
}

/// The table files of a dataset folder and their tables, in load order, without reading them.
pub fn list_dataset_folder(dir: &Path) -> Result<Vec<(PathBuf, Table)>, CliError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CliError::Io { path: dir.to_owned(), source })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| CliError::Io { path: dir.to_owned(), source })?.path();
        let is_data = matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "ndjson" | "jsonl"));
        if path.is_file() && is_data {
            let table = table_of(&path)?;
            files.push((path, table));
        }
    }
    files.sort_by_key(|(_, table)| Table::LOAD_ORDER.iter().position(|t| t == table));
    Ok(files)
}

/// True for `.ndjson` and `.jsonl` files: one record per line.
pub fn is_ndjson(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("ndjson" | "jsonl"))
}

/// Joins NDJSON lines into one `{"data": [...]}` body, one record per line, so that pointers
/// `/data/<i>` count records (blank lines are skipped). A malformed line stays malformed in the
/// joined body and is reported by the validator.
fn ndjson_to_batch(bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(bytes.len() + 16);
    body.extend_from_slice(b"{\"data\":[\n");
    let mut first = true;
    for line in bytes.split(|b| *b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if !first {
            body.extend_from_slice(b",\n");
        }
        first = false;
        body.extend_from_slice(line);
    }
    body.extend_from_slice(b"\n]}");
    body
}

/// The records of a table file, read one at a time on a blocking thread and handed over in chunks
/// of `chunk` through a channel with room for one more: memory for about three chunks, whatever
/// the file's size. The file is `{"data": [...]}`, a JSON array, or NDJSON (`is_ndjson`).
/// Elements that do not read as `R` are left out (the validation that runs first reports them);
/// a file that is not JSON of those forms ends the stream with an error.
pub fn record_chunks<R>(path: PathBuf, chunk: usize) -> tokio::sync::mpsc::Receiver<Result<Vec<R>, CliError>>
where
    R: serde::de::DeserializeOwned + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let result =
            std::fs::File::open(&path).map_err(|source| CliError::Io { path: path.clone(), source }).and_then(|file| {
                let reader = std::io::BufReader::with_capacity(1 << 20, file);
                let mut sink = Chunks { chunk: chunk.max(1), rows: Vec::new(), tx: &tx };
                let read = if is_ndjson(&path) { sink.ndjson(reader) } else { sink.json(reader) };
                read.map_err(|e| CliError::Io { path: path.clone(), source: std::io::Error::other(e) })?;
                sink.flush();
                Ok(())
            });
        if let Err(e) = result {
            let _ = tx.blocking_send(Err(e));
        }
    });
    rx
}

/// Collects records into chunks and sends them; stops the reading (an error) once nobody listens.
struct Chunks<'a, R> {
    chunk: usize,
    rows: Vec<R>,
    tx: &'a tokio::sync::mpsc::Sender<Result<Vec<R>, CliError>>,
}

/// The reader stopped because the receiver is gone.
const STOPPED: &str = "the reader of the records stopped";

impl<R: serde::de::DeserializeOwned> Chunks<'_, R> {
    /// Takes one element; `false` when nobody listens any more.
    fn take(&mut self, raw: &serde_json::value::RawValue) -> bool {
        if let Ok(row) = serde_json::from_str::<R>(raw.get()) {
            self.rows.push(row);
            if self.rows.len() >= self.chunk {
                return self.flush();
            }
        }
        true
    }

    fn flush(&mut self) -> bool {
        if self.rows.is_empty() {
            return true;
        }
        self.tx.blocking_send(Ok(std::mem::take(&mut self.rows))).is_ok()
    }

    fn ndjson(&mut self, reader: impl std::io::Read) -> Result<(), serde_json::Error> {
        for raw in serde_json::Deserializer::from_reader(reader).into_iter::<Box<serde_json::value::RawValue>>() {
            if !self.take(&raw?) {
                return Err(serde::de::Error::custom(STOPPED));
            }
        }
        Ok(())
    }

    fn json(&mut self, reader: impl std::io::Read) -> Result<(), serde_json::Error> {
        use serde::Deserializer as _;
        let mut de = serde_json::Deserializer::from_reader(reader);
        (&mut de).deserialize_any(Body(self))?;
        de.end()
    }
}

/// `{"data": [...]}` or `[...]`, each element handed to [`Chunks::take`].
struct Body<'s, 'a, R>(&'s mut Chunks<'a, R>);

/// The elements of the array.
struct Elements<'s, 'a, R>(&'s mut Chunks<'a, R>);

impl<'de, R: serde::de::DeserializeOwned> serde::de::Visitor<'de> for Body<'_, '_, R> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a {\"data\": [...]} batch or a JSON array of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Elements(self.0).visit_seq(seq)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "data" {
                map.next_value_seed(Elements(&mut *self.0))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de, R: serde::de::DeserializeOwned> serde::de::DeserializeSeed<'de> for Elements<'_, '_, R> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: serde::de::DeserializeOwned> serde::de::Visitor<'de> for Elements<'_, '_, R> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of records")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            if !self.0.take(&raw) {
                return Err(serde::de::Error::custom(STOPPED));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_from_files() {
        for (name, table) in [
            ("slot.json", Table::Slot),
            ("dir/SLOTS.ndjson", Table::Slot),
            ("mo.json", Table::Mo),
            ("unaccessable_periods.json", Table::UnaccessablePeriod),
            ("profilecode_resource.jsonl", Table::ProfilecodeResource),
        ] {
            assert_eq!(table_of(Path::new(name)).unwrap(), table, "{name}");
        }
        assert!(matches!(table_of(Path::new("doctors.json")), Err(CliError::UnknownTable { .. })));
    }

    /// Every chunk of a file, in order.
    async fn chunks(name: &str, text: &str, chunk: usize) -> Vec<Vec<fer_model::Mo>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut rx = record_chunks::<fer_model::Mo>(path, chunk);
        let mut out = Vec::new();
        while let Some(c) = rx.recv().await {
            out.push(c.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn record_chunks_read_every_form_in_chunks_and_skip_what_does_not_read() {
        let batch = fer_testkit::fixture::json(fer_testkit::Doc::Vitrina, "mo_batch_duplicate_name.json");
        let mo = batch["data"][0].clone();
        let rows: Vec<serde_json::Value> = (0..5u128)
            .map(|n| {
                let mut r = mo.clone();
                r["id"] = serde_json::json!(fer_model::Guid::from_u128(n + 1).to_string());
                r
            })
            .collect();
        let wrapped = serde_json::json!({"before": [1, 2], "data": rows, "after": {"x": 1}}).to_string();
        let sizes = |c: &[Vec<fer_model::Mo>]| c.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(&chunks("mo.json", &wrapped, 2).await), [2, 2, 1]);
        let bare = serde_json::to_string(&rows).unwrap();
        assert_eq!(sizes(&chunks("mo.json", &bare, 10).await), [5]);
        let mut lines: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        lines.insert(2, r#"{"id": "not a mo"}"#.into());
        let read = chunks("mo.ndjson", &lines.join("\n"), 3).await;
        assert_eq!(sizes(&read), [3, 2], "the element that is not an MO is left out");
        assert_eq!(read[1][1].id, fer_model::Guid::from_u128(5));
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_batch_ends_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mo.json");
        std::fs::write(&path, "{\"data\": [").unwrap();
        let mut rx = record_chunks::<fer_model::Mo>(path, 10);
        assert!(matches!(rx.recv().await, Some(Err(CliError::Io { .. }))));
    }

    #[test]
    fn ndjson_becomes_one_batch() {
        let body = ndjson_to_batch(b"{\"id\":1}\n\n  {\"id\":2}  \n");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["data"].as_array().unwrap().len(), 2);
        assert_eq!(ndjson_to_batch(b""), b"{\"data\":[\n\n]}");
    }
}
