//! Prints the figures of `BENCHMARKS.md` (markdown) from criterion's saved estimates and the
//! interleaved webhook run's figures.
//!
//! `cargo run -p fer-benches --bin report [-- CRITERION_DIR]`; the folder defaults to
//! `$CARGO_TARGET_DIR/criterion`, else `target/criterion` of the workspace. The interleaved run is
//! read from [`Interleaved::path`].

use std::path::PathBuf;
use std::process::ExitCode;

use fer_benches::report::{self, Interleaved, ReportError};

fn main() -> ExitCode {
    let dir = std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(report::criterion_dir);
    let loaded = || -> Result<_, ReportError> { Ok((report::load(&dir)?, Interleaved::load(&Interleaved::path())?)) };
    match loaded() {
        Ok((all, _)) if all.is_empty() => {
            eprintln!("no criterion results under {}: run `benches/run.sh` first", dir.display());
            ExitCode::FAILURE
        }
        Ok((mut all, interleaved)) => {
            let paired = interleaved.as_ref().map(|run| run.paired.clone()).unwrap_or_default();
            all.extend(interleaved.iter().flat_map(Interleaved::measurements));
            all.sort_by(|a, b| (&a.group, &a.function).cmp(&(&b.group, &b.function)));
            print!(
                "{}\n{}",
                report::render(&all, &paired),
                report::gzip_sizes(&fer_benches::slot_batch_json(100_000, 1))
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
