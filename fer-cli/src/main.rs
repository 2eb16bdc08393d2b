//! `fer`: the command line of fer-rs. Argument parsing and printing only; the work is done by the
//! libraries (fer-validate, fer-sample, fer-client, fer-sync, fer-emulator).
#![forbid(unsafe_code)]

/// `println!` that does not panic when stdout is closed (`fer validate dir/ | head`): the rest of
/// the output is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod cli;
mod cmd;
mod error;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// What a command found, when it could do its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// All is well: exit 0.
    Fine,
    /// The checked thing is wrong (invalid data, refused records, failed checks): exit 1.
    Wrong,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FER_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(&cli) {
        Ok(Verdict::Fine) => ExitCode::SUCCESS,
        Ok(Verdict::Wrong) => ExitCode::from(1),
        Err(e) => {
            eprintln!("fer: {}", fer_client::error_chain(&e));
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<Verdict, CliError> {
    match &cli.command {
        Command::Validate(args) => cmd::validate::run(args, cli.format),
        Command::Schema(command) => cmd::schema::run(command),
        Command::Sample(args) => cmd::sample::run(args),
        Command::Push(args) => runtime()?.block_on(cmd::push::run(args, cli.format)),
        Command::Sync(args) => runtime()?.block_on(cmd::sync::run(args, cli.format)),
        Command::Callback(command) => runtime()?.block_on(cmd::callback::run(command, cli.format)),
        Command::Emulator(args) => runtime()?.block_on(cmd::emulator::run(args)),
        Command::Conformance(args) => runtime()?.block_on(cmd::conformance::run(args, cli.format)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::System { what: "cannot start the async runtime", source })
}
