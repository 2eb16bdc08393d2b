//! `fer validate`: every rule of fer-validate on files or a dataset folder.

use fer_validate::DatasetExt as _;
use std::collections::HashSet;

use fer_validate::{Dataset, Diagnostic, Severity, validate_raw};
use serde::de::DeserializeOwned;

use crate::cli::{Format, ValidateArgs};
use crate::error::CliError;
use crate::input::{TableFile, read_dataset_folder, read_table_file};
use crate::{Verdict, output};

/// Runs `fer validate`.
pub fn run(args: &ValidateArgs, format: Format) -> Result<Verdict, CliError> {
    let found = match args.paths.as_slice() {
        [dir] if dir.is_dir() => validate_folder(&read_dataset_folder(dir)?),
        paths => {
            let mut found = Vec::new();
            for path in paths {
                if path.is_dir() {
                    return Err(CliError::Usage(format!(
                        "{}: a dataset folder must be the only path given",
                        path.display()
                    )));
                }
                found.extend(validate_file(&read_table_file(path, args.table)?));
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

/// Every diagnostic of one file, labelled with its path.
fn validate_file(file: &TableFile) -> Vec<(String, Diagnostic)> {
    let label = file.path.display().to_string();
    validate_raw(file.table, &file.body).diagnostics.into_iter().map(|d| (label.clone(), d)).collect()
}

/// Every file's own diagnostics, then the cross-table ones of the dataset they make together
/// (those already reported for the same record and rule are not repeated).
pub fn validate_folder(files: &[TableFile]) -> Vec<(String, Diagnostic)> {
    let mut found: Vec<(String, Diagnostic)> = files.iter().flat_map(validate_file).collect();
    let seen: HashSet<(String, Option<String>, &str)> =
        found.iter().map(|(_, d)| (d.table.as_str().to_owned(), d.record_id.clone(), d.code.as_str())).collect();
    let cross: Vec<(String, Diagnostic)> = dataset_of(files)
        .validate()
        .diagnostics
        .into_iter()
        .filter(|d| !seen.contains(&(d.table.as_str().to_owned(), d.record_id.clone(), d.code.as_str())))
        .map(|d| ("dataset".to_owned(), d))
        .collect();
    found.extend(cross);
    found
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
