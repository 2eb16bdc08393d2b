//! `fer push`: validate, then upload in load order with fer-client while the files are read, and
//! account for every record.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use fer_client::{DatasetReport, OutcomeKind, VitrinaClient, VitrinaClientBuilder};
use fer_model::{Guid, Record, Table};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::cli::{Connection, Format, PushArgs};
use crate::cmd::validate::{stream_file, stream_folder};
use crate::error::CliError;
use crate::input::{list_dataset_folder, record_chunks, table_of};
use crate::{Verdict, output};

/// Records read and sent at a time: what `fer push` holds of a file besides the report.
const CHUNK: usize = 20_000;

/// Runs `fer push`.
///
/// Every file is validated first, record by record (the same diagnostics as `fer validate`, the
/// cross-table rules from compact indexes). Then each file is read again record by record and
/// sent in chunks while it is read, the tables in load order ([`fer_client::DatasetUpload`]):
/// memory for the chunks in flight and the report, never for a whole file. Records with errors
/// are not sent and count as invalid; the children of a record that was not sent or not accepted
/// are withheld. Exit 0 only when every record of every file was accepted.
pub async fn run(args: &PushArgs, format: Format) -> Result<Verdict, CliError> {
    let (files, found) = if args.path.is_dir() {
        if args.table.is_some() {
            return Err(CliError::Usage("--table names the table of a single file, not of a folder".into()));
        }
        (list_dataset_folder(&args.path)?, stream_folder(&args.path)?)
    } else {
        let table = args.table.map_or_else(|| table_of(&args.path), Ok)?;
        let found = stream_file(&args.path, table, |form, file| fer_validate::validate_reader(table, form, file))?;
        (vec![(args.path.clone(), table)], found)
    };
    let errors: Vec<_> = found.into_iter().filter(|(_, d)| d.severity == fer_validate::Severity::Error).collect();
    // Records refused by the checks are not sent; their children must not go either (the client
    // takes a reference it cannot resolve for a row already on the Vitrina, a delta).
    let refused: HashSet<Guid> = errors.iter().filter_map(|(_, d)| d.record_id.as_deref()?.parse().ok()).collect();

    if args.dry_run {
        if format == Format::Human {
            output::diagnostics(format, &errors);
            for table in Table::LOAD_ORDER {
                let n = files.iter().filter(|(_, t)| *t == table).count();
                if n > 0 {
                    say!("{table}: would send the valid records of {n} file(s)");
                }
            }
            say!("dry run: {} error(s); nothing was sent", errors.len());
        } else {
            output::json(&json!({"dry_run": true, "diagnostics": errors.iter().map(|(_, d)| d).collect::<Vec<_>>()}));
        }
        return Ok(if errors.is_empty() { Verdict::Fine } else { Verdict::Wrong });
    }

    let bar = progress_bar(format);
    let ticker = bar.clone();
    let client = builder(&args.connection)?
        .on_progress(move |p| {
            ticker.set_message(p.table.as_str());
            ticker.inc(p.settled as u64);
        })
        .build()?;
    let sent = send_files(&client, &files, refused).await;
    bar.finish_and_clear();
    let (report, withheld) = sent?;

    match format {
        Format::Human => {
            output::diagnostics(format, &errors);
            say!("{report:#}");
            if !withheld.is_empty() {
                say!("withheld {} record(s) whose parent was refused by the checks", withheld.len());
            }
        }
        Format::Json => output::json(&report_json(&report, errors.len(), &withheld)),
    }
    let unparsed = errors.iter().any(|(_, d)| d.record_id.is_none());
    Ok(if report.all_accepted() && !unparsed && withheld.is_empty() { Verdict::Fine } else { Verdict::Wrong })
}

/// Reads and sends every file in load order, chunk by chunk, leaving out the `refused` records
/// and every record that names one of them (or a record left out so) as its parent; returns the
/// report and the records left out for their parent, by table and id.
async fn send_files(
    client: &VitrinaClient,
    files: &[(PathBuf, Table)],
    mut refused: HashSet<Guid>,
) -> Result<(DatasetReport, Vec<(Table, Guid)>), CliError> {
    let mut upload = client.dataset_upload();
    let mut withheld = Vec::new();
    for table in Table::LOAD_ORDER {
        for (path, _) in files.iter().filter(|(_, t)| *t == table) {
            fer_model::with_record_type!(table, R => {
                let mut chunks = record_chunks::<R>(path.clone(), CHUNK);
                while let Some(chunk) = chunks.recv().await {
                    let mut rows = chunk?;
                    rows.retain(|row| {
                        let id = row.id();
                        if refused.contains(&id) {
                            return false;
                        }
                        let orphan = row.parents().iter().any(|p| refused.contains(&p.id));
                        if orphan {
                            refused.insert(id);
                            withheld.push((table, id));
                        }
                        !orphan
                    });
                    upload.send(&rows, HashMap::new()).await?;
                }
            });
        }
    }
    Ok((upload.finish(), withheld))
}

/// A counter of the records settled on stderr for people (the files are read while they are
/// sent, so the total is not known up front); nothing for machines.
fn progress_bar(format: Format) -> ProgressBar {
    if format == Format::Json {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{spinner} {msg:>20} {pos} records settled ({per_sec})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bar = ProgressBar::no_length().with_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A client builder for `connection`, with the password read from the named environment variable.
pub fn builder(connection: &Connection) -> Result<VitrinaClientBuilder, CliError> {
    let password = std::env::var(&connection.password_env).map_err(|_| {
        CliError::Usage(format!("the environment variable {} (--password-env) is not set", connection.password_env))
    })?;
    let username = connection.username.clone();
    Ok(VitrinaClient::builder().base_url(connection.url.clone()).credentials(username, password))
}

/// A client for `connection` (see [`builder`]).
pub fn connect(connection: &Connection) -> Result<VitrinaClient, CliError> {
    Ok(builder(connection)?.build()?)
}

fn report_json(report: &DatasetReport, invalid_files_errors: usize, withheld: &[(Table, Guid)]) -> Value {
    let mut counts: serde_json::Map<String, Value> =
        OutcomeKind::ALL.iter().map(|k| (k.as_str().to_owned(), json!(report.count(*k)))).collect();
    let skipped = report.count(OutcomeKind::Skipped) + withheld.len();
    counts.insert(OutcomeKind::Skipped.as_str().to_owned(), json!(skipped));
    let tables: Vec<Value> = report
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            let not_accepted: Vec<Value> = t
                .not_accepted()
                .map(|(id, o)| json!({"id": id.to_string(), "outcome": o.kind().as_str(), "detail": o.to_string()}))
                .collect();
            json!({
                "table": t.table().as_str(),
                "records": t.len(),
                "accepted": t.count(OutcomeKind::Accepted),
                "not_accepted": not_accepted,
            })
        })
        .collect();
    let withheld: Vec<Value> =
        withheld.iter().map(|(table, id)| json!({"table": table.as_str(), "id": id.to_string()})).collect();
    json!({
        "records": report.len() + withheld.len(),
        "counts": counts,
        "validation_errors": invalid_files_errors,
        "tables": tables,
        "withheld": withheld,
    })
}
