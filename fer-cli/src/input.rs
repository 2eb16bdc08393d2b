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

    #[test]
    fn ndjson_becomes_one_batch() {
        let body = ndjson_to_batch(b"{\"id\":1}\n\n  {\"id\":2}  \n");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["data"].as_array().unwrap().len(), 2);
        assert_eq!(ndjson_to_batch(b""), b"{\"data\":[\n\n]}");
    }
}
