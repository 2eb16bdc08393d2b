//! `fer emulator`: the local Vitrina and gateway of `fer-emulator`, until SIGINT or SIGTERM, with the same
//! flags as the `fer-emulator` program ([`fer_emulator::cli::EmulatorArgs`]).

use std::io::Write;

use fer_emulator::Emulator;
use fer_emulator::cli::{EmulatorArgs, banner};

use crate::Verdict;
use crate::error::CliError;

/// Runs `fer emulator`: prints the base URL and the credentials in force, then serves.
pub async fn run(args: &EmulatorArgs) -> Result<Verdict, CliError> {
    let handle = Emulator::spawn(args.config()).await?;
    // Listening before the banner says the emulator is ready: a SIGTERM right after it stops it.
    let stop = fer_emulator::cli::shutdown_signal();
    // Written without panicking when nobody reads stdout any more (a closed pipe).
    let _ = writeln!(std::io::stdout().lock(), "{}", banner(&handle));
    stop.await;
    handle.shutdown().await;
    Ok(Verdict::Fine)
}
