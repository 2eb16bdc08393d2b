//! Prints the figures of `BENCHMARKS.md` (markdown) from criterion's saved estimates.
//!
//! `cargo run -p fer-benches --bin report [-- CRITERION_DIR]`; the folder defaults to
//! `$CARGO_TARGET_DIR/criterion`, else `target/criterion` of the workspace.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os().nth(1).map(PathBuf::from).unwrap_or_else(fer_benches::report::criterion_dir);
    let loaded = fer_benches::report::load(&dir).and_then(|all| Ok((all, fer_benches::report::load_paired(&dir)?)));
    match loaded {
        Ok((all, _)) if all.is_empty() => {
            eprintln!("no criterion results under {}: run `benches/run.sh` first", dir.display());
            ExitCode::FAILURE
        }
        Ok((all, paired)) => {
            print!(
                "{}\n{}",
                fer_benches::report::render(&all, &paired),
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
