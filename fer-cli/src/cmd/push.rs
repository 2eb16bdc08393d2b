//! `fer push`: validate, then upload in load order with fer-client, and account for every record.

use std::collections::HashSet;
use std::time::Duration;

use fer_client::{DatasetReport, OutcomeKind, VitrinaClient, VitrinaClientBuilder};
use fer_model::{Guid, Record, Table};
use fer_validate::Dataset;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::cli::{Connection, Format, PushArgs};
use crate::cmd::validate::{dataset_of, validate_folder};
use crate::error::CliError;
use crate::input::{read_dataset_folder, read_table_file};
use crate::{Verdict, output};

/// Runs `fer push`.
///
/// Every file is validated first (the same diagnostics as `fer validate`). Records with errors are
/// not sent and count as invalid; the others are uploaded with [`VitrinaClient::upload_dataset`],
/// which sends the tables in load order and withholds the children of a parent that was not accepted.
/// Exit 0 only when every record of every file was accepted.
pub async fn run(args: &PushArgs, format: Format) -> Result<Verdict, CliError> {
    let files = if args.path.is_dir() {
        if args.table.is_some() {
            return Err(CliError::Usage("--table names the table of a single file, not of a folder".into()));
        }
        read_dataset_folder(&args.path)?
    } else {
        vec![read_table_file(&args.path, args.table)?]
    };
    let found = validate_folder(&files);
    let errors: Vec<_> = found.iter().filter(|(_, d)| d.severity == fer_validate::Severity::Error).cloned().collect();
    let mut dataset = dataset_of(&files);
    // Records refused by the checks are not in the dataset; their children must not go either
    // (the client takes a reference it cannot resolve for a row already on the Vitrina, a delta).
    let refused: HashSet<Guid> = errors.iter().filter_map(|(_, d)| d.record_id.as_deref()?.parse().ok()).collect();
    let withheld = withhold_children(&mut dataset, refused);

    if args.dry_run {
        if format == Format::Human {
            output::diagnostics(format, &errors);
            for table in Table::LOAD_ORDER {
                let n = files.iter().filter(|f| f.table == table).count();
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

    let total: usize = Table::LOAD_ORDER.iter().map(|t| dataset.len(*t)).sum();
    let bar = progress_bar(total as u64, format);
    let ticker = bar.clone();
    let client = builder(&args.connection)?
        .on_progress(move |p| {
            ticker.set_message(p.table.as_str());
            ticker.inc(p.settled as u64);
        })
        .build()?;
    let report = client.upload_dataset(&dataset).await;
    bar.finish_and_clear();
    let report = report?;

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

/// Removes from `dataset` every record that names a refused record as its parent, in load order
/// (so a grandchild follows its child), and returns them by table and id.
fn withhold_children(dataset: &mut Dataset, mut refused: HashSet<Guid>) -> Vec<(Table, Guid)> {
    fn withhold<R: Record>(rows: &mut Vec<R>, refused: &mut HashSet<Guid>, out: &mut Vec<(Table, Guid)>) {
        rows.retain(|row| {
            let orphan = row.parents().iter().any(|p| refused.contains(&p.id));
            if orphan {
                refused.insert(row.id());
                out.push((R::TABLE, row.id()));
            }
            !orphan
        });
    }
    let mut out = Vec::new();
    if refused.is_empty() {
        return out;
    }
    for table in Table::LOAD_ORDER {
        fer_model::with_record_type!(table, R => withhold(dataset.records_mut::<R>(), &mut refused, &mut out));
    }
    out
}

/// A bar of `total` records on stderr for people; nothing for machines.
fn progress_bar(total: u64, format: Format) -> ProgressBar {
    if format == Format::Json {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{spinner} {msg:>20} [{bar:40}] {pos}/{len} records ({per_sec}, {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bar = ProgressBar::new(total).with_style(style);
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
