//! `fer-emulator --listen ADDR [--username OID --password PASS] [--state FILE]`: the FER 2.0 Vitrina
//! and gateway emulator as a program. Prints its base URL and the credentials in force, then serves
//! until Ctrl-C. The flags are [`fer_emulator::cli::EmulatorArgs`], shared with `fer emulator`.

use std::process::ExitCode;

use clap::Parser;
use fer_emulator::Emulator;
use fer_emulator::cli::{EmulatorArgs, banner};

/// A local double of the FER 2.0 Vitrina («Витрина данных "Запись к врачу"») and gateway.
#[derive(Debug, Parser)]
#[command(name = "fer-emulator", version, about)]
struct Program {
    #[command(flatten)]
    emulator: EmulatorArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout carries the start-up lines scripts read.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "fer_emulator=info".into()),
        )
        .init();
    let program = Program::parse();
    let emulator = match Emulator::spawn(program.emulator.config()).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("fer-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Listening before the banner says the emulator is ready: a SIGTERM right after it stops it.
    let stop = fer_emulator::cli::shutdown_signal();
    println!("{}", banner(&emulator));
    stop.await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
