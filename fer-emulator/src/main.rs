//! `fer-emulator --listen ADDR [--username OID --password PASS] [--state FILE]`: the FER 2.0 Vitrina
//! and gateway emulator as a program. Prints its base URL and the credentials in force, then serves
//! until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fer_emulator::{DEFAULT_PASSWORD, DEFAULT_USERNAME, Emulator, EmulatorConfig, Faults};
use fer_model::Oid;

/// A local double of the FER 2.0 Vitrina («Витрина данных "Запись к врачу"») and gateway.
#[derive(Debug, Parser)]
#[command(name = "fer-emulator", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:2100", env = "FER_EMULATOR_LISTEN")]
    listen: SocketAddr,
    /// MO OID accepted as username by POST /auth.svc.
    #[arg(long, default_value = DEFAULT_USERNAME, env = "FER_EMULATOR_USERNAME")]
    username: Oid,
    /// Password accepted by POST /auth.svc.
    #[arg(long, default_value = DEFAULT_PASSWORD, env = "FER_EMULATOR_PASSWORD", hide_env_values = true)]
    password: String,
    /// Keep the store in this JSON file (rewritten atomically after every change).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime_secs: u64,
    /// Fault injection: share of Vitrina answers replaced by 503 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    unavailable_ratio: f64,
    /// Fault injection: delay added to every Vitrina answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fault injection: share of new connections closed without an answer (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    drop_ratio: f64,
    /// Fault injection: seed of the generator that draws the faults.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
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
    let args = Args::parse();
    for (name, ratio) in [("--unavailable-ratio", args.unavailable_ratio), ("--drop-ratio", args.drop_ratio)] {
        if !(0.0..=1.0).contains(&ratio) {
            eprintln!("fer-emulator: {name} must be between 0 and 1, not {ratio}");
            return ExitCode::FAILURE;
        }
    }
    let config = EmulatorConfig {
        listen: args.listen,
        username: args.username,
        password: args.password,
        token_lifetime: Duration::from_secs(args.token_lifetime_secs),
        state_file: args.state,
        faults: Faults {
            unavailable_ratio: args.unavailable_ratio,
            latency: Duration::from_millis(args.latency_ms),
            drop_ratio: args.drop_ratio,
            token_lifetime_override: None,
            seed: args.fault_seed,
        },
        ..EmulatorConfig::default()
    };
    let emulator = match Emulator::spawn(config).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("fer-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("fer-emulator serving at {}", emulator.base_url());
    println!("  username: {}", emulator.username());
    println!("  password: {}", emulator.password());
    if !emulator.faults().is_off() {
        println!("  faults:   {:?}", emulator.faults());
    }
    println!("Press Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("fer-emulator: cannot wait for Ctrl-C: {e}");
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
