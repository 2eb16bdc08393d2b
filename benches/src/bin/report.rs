//! Prints the figures of `BENCHMARKS.md` (markdown) from criterion's saved estimates.
//!
//! `cargo run -p fer-benches --bin report [-- CRITERION_DIR]`; the folder defaults to
//! `$CARGO_TARGET_DIR/criterion`, else `target/criterion` of the workspace.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
        target.join("criterion")
    });
    match fer_benches::report::load(&dir) {
        Ok(all) if all.is_empty() => {
            eprintln!("no criterion results under {}: run `benches/run.sh` first", dir.display());
            ExitCode::FAILURE
        }
        Ok(all) => {
            print!(
                "{}\n{}",
                fer_benches::report::render(&all),
                fer_benches::report::gzip_sizes(&fer_benches::slot_batch_json(100_000, 1))
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
