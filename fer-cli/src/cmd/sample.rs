//! `fer sample`: a realistic, valid sample region, one `{"data": [...]}` file per table.

use std::path::Path;

use fer_model::{BatchRef, Table};
use fer_sample::RegionSpec;
use fer_validate::Dataset;
use serde::Serialize;

use crate::Verdict;
use crate::cli::SampleArgs;
use crate::error::CliError;

/// Runs `fer sample`. The schedule starts tomorrow (local date), so that it can be booked.
pub fn run(args: &SampleArgs) -> Result<Verdict, CliError> {
    let organisation = args.org.clone();
    let spec = RegionSpec {
        organisation,
        mos: args.mos,
        slots_per_day: args.slots,
        days: args.days,
        seed: args.seed,
        first_day: chrono::Local::now().date_naive() + chrono::Duration::days(1),
        ..RegionSpec::default()
    };
    // A spec out of range is refused before anything is written (exit 2, the field and its bound).
    let region = fer_sample::generate(&spec)?;
    write_dataset(&args.out, &region)?;
    eprintln!(
        "wrote {} subdivisions, {} resources, {} slots, {} books, {} referrals to {}",
        region.mo.len(),
        region.resource.len(),
        region.slot.len(),
        region.book.len(),
        region.referral.len(),
        args.out.display()
    );
    Ok(Verdict::Fine)
}

/// Writes every table of `d` as `<dir>/<table>.json`.
pub fn write_dataset(dir: &Path, d: &Dataset) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::Io { path: dir.to_owned(), source })?;
    for table in Table::LOAD_ORDER {
        fer_model::with_record_type!(table, R => write(dir, table, d.records::<R>()))?;
    }
    Ok(())
}

fn write<T: Serialize>(dir: &Path, table: Table, records: &[T]) -> Result<(), CliError> {
    let path = dir.join(format!("{}.json", table.as_str()));
    let text = serde_json::to_string_pretty(&BatchRef::new(records))
        .map_err(|source| CliError::Encode { path: path.clone(), source })?;
    std::fs::write(&path, text).map_err(|source| CliError::Io { path, source })
}
