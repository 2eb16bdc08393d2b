//! `fer validate`: every rule of fer-validate on files or a dataset folder.
//!
//! Files are read record by record (`fer_validate::validate_reader`, `DatasetReader`): memory
//! holds a buffer of the file and the ids and keys the batch and cross-table rules need, never a
//! whole file or its tree.

use fer_validate::DatasetExt as _;
use std::collections::HashSet;
use std::path::Path;

use fer_model::Table;
use fer_validate::{BodyForm, Dataset, DatasetReader, Diagnostic, Report, Severity, StreamError, validate_raw};
use serde::de::DeserializeOwned;

use crate::cli::{Format, ValidateArgs};
use crate::error::CliError;
use crate::input::{TableFile, is_ndjson, list_dataset_folder, table_of};
use crate::{Verdict, output};

/// Runs `fer validate`.
pub fn run(args: &ValidateArgs, format: Format) -> Result<Verdict, CliError> {
    let found = match args.paths.as_slice() {
        [dir] if dir.is_dir() => stream_folder(dir)?,
        paths => {
            let mut found = Vec::new();
            for path in paths {
                if path.is_dir() {
                    return Err(CliError::Usage(format!(
                        "{}: a dataset folder must be the only path given",
                        path.display()
                    )));
                }
                let table = args.table.map_or_else(|| table_of(path), Ok)?;
                found.extend(stream_file(path, table, |form, file| fer_validate::validate_reader(table, form, file))?);
            }
            found
        }
    };
    output::diagnostics(format, &found);
    let errors = found.iter().filter(|(_, d)| d.severity == Severity::Error).count();
    if format == Format::Human {
        eprintln!("{errors} error(s), {} warning(s)", found.len() - errors);
    }
    Ok(if errors > 0 { Verdict::Wrong } else { Verdict::Fine })
}

/// Every diagnostic of one file read record by record by `check`, labelled with its path; a file
/// that is not JSON gives the malformed-JSON finding, as `validate_raw` would.
pub fn stream_file(
    path: &Path,
    table: Table,
    check: impl FnOnce(BodyForm, std::fs::File) -> Result<Report, StreamError>,
) -> Result<Vec<(String, Diagnostic)>, CliError> {
    let file = std::fs::File::open(path).map_err(|source| CliError::Io { path: path.to_owned(), source })?;
    let form = if is_ndjson(path) { BodyForm::Ndjson } else { BodyForm::Json };
    let diagnostics = match check(form, file) {
        Ok(report) => report.diagnostics,
        Err(StreamError::Io { source }) => return Err(CliError::Io { path: path.to_owned(), source }),
        Err(e) => vec![e.diagnostic(table)],
    };
    let label = path.display().to_string();
    Ok(diagnostics.into_iter().map(|d| (label.clone(), d)).collect())
}

/// A dataset folder read file by file in load order: every file's own diagnostics, then the
/// cross-table ones (those already reported for the same record and rule are not repeated).
pub fn stream_folder(dir: &Path) -> Result<Vec<(String, Diagnostic)>, CliError> {
    let mut dataset = DatasetReader::new();
    let mut found = Vec::new();
    for (path, table) in list_dataset_folder(dir)? {
        found.extend(stream_file(&path, table, |form, file| dataset.read_table(table, form, file))?);
    }
    Ok(with_cross(found, dataset.cross_table()))
}

/// `found` followed by the cross-table diagnostics not already reported for the same record and
/// rule, labelled `dataset`.
fn with_cross(mut found: Vec<(String, Diagnostic)>, cross: Report) -> Vec<(String, Diagnostic)> {
    let seen: HashSet<(String, Option<String>, &str)> =
        found.iter().map(|(_, d)| (d.table.as_str().to_owned(), d.record_id.clone(), d.code.as_str())).collect();
    let cross: Vec<(String, Diagnostic)> = cross
        .diagnostics
        .into_iter()
        .filter(|d| !seen.contains(&(d.table.as_str().to_owned(), d.record_id.clone(), d.code.as_str())))
        .map(|d| ("dataset".to_owned(), d))
        .collect();
    found.extend(cross);
    found
}

/// Every diagnostic of one file, labelled with its path.
fn validate_file(file: &TableFile) -> Vec<(String, Diagnostic)> {
    let label = file.path.display().to_string();
    validate_raw(file.table, &file.body).diagnostics.into_iter().map(|d| (label.clone(), d)).collect()
}

/// Every file's own diagnostics, then the cross-table ones of the dataset they make together
/// (those already reported for the same record and rule are not repeated).
pub fn validate_folder(files: &[TableFile]) -> Vec<(String, Diagnostic)> {
    let found: Vec<(String, Diagnostic)> = files.iter().flat_map(validate_file).collect();
    with_cross(found, dataset_of(files).validate())
}

/// The records of every file that parse (the others are reported by [`validate_raw`]).
pub fn dataset_of(files: &[TableFile]) -> Dataset {
    let mut d = Dataset::default();
    for f in files {
        fer_model::with_record_type!(f.table, R => d.records_mut::<R>().extend(records::<R>(&f.body)));
    }
    d
}

/// The records of a `{"data": [...]}` body (or a bare array) that parse as `T`.
pub fn records<T: DeserializeOwned>(body: &[u8]) -> Vec<T> {
    let items = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut o)) => match o.remove("data") {
            Some(serde_json::Value::Array(items)) => items,
            _ => Vec::new(),
        },
        Ok(serde_json::Value::Array(items)) => items,
        _ => Vec::new(),
    };
    items.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect()
}
