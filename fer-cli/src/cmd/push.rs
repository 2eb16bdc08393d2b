//! `fer push`: validate, then upload in load order with fer-client, and account for every record.

use std::time::Duration;

use fer_client::{DatasetReport, OutcomeKind, VitrinaClient, VitrinaClientBuilder};
use fer_model::Table;
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
    let dataset = dataset_of(&files);

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
        .build()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let report = client.upload_dataset(&dataset).await;
    bar.finish_and_clear();
    let report = report.map_err(|e| CliError::remote(&e))?;

    match format {
        Format::Human => {
            output::diagnostics(format, &errors);
            say!("{report:#}");
        }
        Format::Json => output::json(&report_json(&report, errors.len())),
    }
    let unparsed = errors.iter().any(|(_, d)| d.record_id.is_none());
    Ok(if report.all_accepted() && !unparsed { Verdict::Fine } else { Verdict::Wrong })
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
    builder(connection)?.build().map_err(|e| CliError::Usage(e.to_string()))
}

fn report_json(report: &DatasetReport, invalid_files_errors: usize) -> Value {
    let counts: serde_json::Map<String, Value> =
        OutcomeKind::ALL.iter().map(|k| (k.as_str().to_owned(), json!(report.count(*k)))).collect();
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
    json!({"records": report.len(), "counts": counts, "validation_errors": invalid_files_errors, "tables": tables})
}
