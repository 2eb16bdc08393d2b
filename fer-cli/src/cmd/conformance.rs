//! `fer conformance`: reads the arguments, runs [`fer_emulator::conformance`] against the webhook and
//! prints its report (a table, or with `--format json` the array of checks). Exit 1 when a check
//! failed.

use fer_emulator::conformance::Conformance;
use serde_json::Value;

use crate::cli::{ConformanceArgs, Format};
use crate::error::CliError;
use crate::{Verdict, output};

/// Runs `fer conformance`.
pub async fn run(args: &ConformanceArgs, format: Format) -> Result<Verdict, CliError> {
    let mut run = Conformance::new(&args.webhook).slot(args.slot);
    if let Some(path) = &args.request {
        let text = std::fs::read(path).map_err(|source| CliError::Io { path: path.clone(), source })?;
        let request: Value =
            serde_json::from_slice(&text).map_err(|source| CliError::NotJson { path: path.clone(), source })?;
        run = run.request(request);
    }
    let report = run.run().await?;
    match format {
        Format::Json => output::json(&report.checks),
        Format::Human => say!("{report}"),
    }
    Ok(if report.passed() { Verdict::Fine } else { Verdict::Wrong })
}
