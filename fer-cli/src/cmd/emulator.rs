//! `fer emulator`: the local Vitrina and gateway of `fer-emulator`, until Ctrl-C.

use std::io::Write;

use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::Oid;

use crate::Verdict;
use crate::cli::EmulatorArgs;
use crate::error::CliError;

/// Runs `fer emulator`: prints the base URL and the credentials in force, then serves.
pub async fn run(args: &EmulatorArgs) -> Result<Verdict, CliError> {
    let mut config =
        EmulatorConfig { listen: args.listen, state_file: args.state.clone(), ..EmulatorConfig::default() };
    if let Some(username) = &args.username {
        config.username = Oid::parse(username).map_err(|e| CliError::Usage(format!("--username: {e}")))?;
    }
    if let Some(password) = &args.password {
        config.password = password.clone();
    }
    let handle = Emulator::spawn(config).await.map_err(|e| CliError::Remote(e.to_string()))?;
    // Written without panicking when nobody reads stdout any more (a closed pipe).
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "fer emulator listening on {}", handle.base_url());
    let _ = writeln!(out, "username {}  password {}", handle.username(), handle.password());
    let _ = writeln!(out, "press Ctrl-C to stop");
    drop(out);
    tokio::signal::ctrl_c().await.map_err(|e| CliError::Remote(format!("cannot wait for Ctrl-C: {e}")))?;
    handle.shutdown().await;
    Ok(Verdict::Fine)
}
