//! The flags of the emulator as a program, defined once for the `fer-emulator` binary and the
//! `fer emulator` subcommand (enabled by the `bin` feature, which also brings `clap`).
//!
//! `fer-emulator --listen ADDR [--username OID --password PASS] [--state FILE] [--console ADDR]`,
//! plus the token lifetime and the fault injection of [`Faults`]. Every flag is parsed by clap into its type (an
//! [`Oid`] for `--username`, a ratio between 0 and 1 for the fault shares): bad input is refused
//! before start-up with exit code 2 and a message naming the flag.
//!
//! ```
//! use clap::Parser;
//! use fer_emulator::cli::EmulatorArgs;
//!
//! #[derive(Parser)]
//! struct Program {
//!     #[command(flatten)]
//!     emulator: EmulatorArgs,
//! }
//! let program = Program::try_parse_from(["x", "--listen", "127.0.0.1:0", "--password", "pw"]).unwrap();
//! let config = program.emulator.config();
//! assert_eq!((config.listen.port(), config.password.as_str()), (0, "pw"));
//! assert!(Program::try_parse_from(["x", "--username", "not an oid"]).is_err());
//! assert!(Program::try_parse_from(["x", "--drop-ratio", "3"]).is_err());
//! assert!(!config.strict);
//! let strict = Program::try_parse_from(["x", "--strict"]).unwrap();
//! assert!(strict.emulator.config().strict);
//! assert_eq!(config.console, None); // the web console is off unless asked
//! let console = Program::try_parse_from(["x", "--console", "127.0.0.1:0"]).unwrap();
//! assert_eq!(console.emulator.config().console.map(|a| a.port()), Some(0));
//! ```

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use fer_model::Oid;

use crate::{DEFAULT_PASSWORD, DEFAULT_USERNAME, EmulatorConfig, EmulatorHandle, Faults};

/// What the program and `fer emulator` wait for before [`EmulatorHandle::shutdown`]: SIGINT or
/// SIGTERM (the one signal of every fer-rs server, `fer_http::shutdown_signal`).
pub use fer_http::shutdown_signal;

/// The emulator's command-line flags (a clap [`Args`](clap::Args): flatten it into a parser).
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:2100", env = "FER_EMULATOR_LISTEN")]
    pub listen: SocketAddr,
    /// MO OID accepted as username by POST /auth.svc.
    #[arg(long, default_value = DEFAULT_USERNAME, env = "FER_EMULATOR_USERNAME")]
    pub username: Oid,
    /// Password accepted by POST /auth.svc.
    #[arg(long, default_value = DEFAULT_PASSWORD, env = "FER_EMULATOR_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Keep the store in this JSON file (rewritten atomically after every change).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Lifetime of issued tokens, in seconds (at most 366 days).
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(..=crate::MAX_TOKEN_LIFETIME.as_secs()))]
    pub token_lifetime_secs: u64,
    /// On SIGINT or SIGTERM, how long answers in progress may take before the program exits
    /// anyway, in milliseconds.
    #[arg(long, default_value_t = crate::DEFAULT_SHUTDOWN_GRACE.as_millis() as u64)]
    pub shutdown_grace_ms: u64,
    /// Key of the /sandbox/ control routes, sent as the X-Sandbox-Key header (or use a Vitrina
    /// token). Required when --listen is not a loopback address.
    #[arg(long, env = "FER_EMULATOR_SANDBOX_KEY", hide_env_values = true)]
    pub sandbox_key: Option<String>,
    /// Fault injection: share of Vitrina answers replaced by 503 (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = ratio)]
    pub unavailable_ratio: f64,
    /// Fault injection: delay added to every Vitrina answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault injection: share of Vitrina requests whose connection is closed without an answer
    /// (0 to 1); never a /sandbox/ request.
    #[arg(long, default_value_t = 0.0, value_parser = ratio)]
    pub drop_ratio: f64,
    /// Fault injection: seed of the generator that draws the faults.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// The strict profile: refuse every record fer-validate calls wrong (the SDK's own advice
    /// included) and apply its transition and cross-table rules to the stored state
    /// ([`EmulatorConfig::strict`]). Off, the emulator refuses what the profile says the Vitrina
    /// refuses.
    #[arg(long)]
    pub strict: bool,
    /// Serve the web console (the Vitrina's contents, the journal, the last uploads) on this
    /// loopback address, e.g. 127.0.0.1:2101; off when not given.
    #[arg(long, env = "FER_EMULATOR_CONSOLE")]
    pub console: Option<SocketAddr>,
}

impl EmulatorArgs {
    /// The configuration these flags describe (the rest of [`EmulatorConfig::default`]).
    pub fn config(&self) -> EmulatorConfig {
        EmulatorConfig {
            listen: self.listen,
            username: self.username.clone(),
            password: self.password.clone(),
            token_lifetime: Duration::from_secs(self.token_lifetime_secs),
            state_file: self.state.clone(),
            sandbox_key: self.sandbox_key.clone(),
            strict: self.strict,
            console: self.console,
            shutdown_grace: Duration::from_millis(self.shutdown_grace_ms),
            faults: Faults {
                unavailable_ratio: self.unavailable_ratio,
                latency: Duration::from_millis(self.latency_ms),
                drop_ratio: self.drop_ratio,
                token_lifetime_override: None,
                seed: self.fault_seed,
            },
            ..EmulatorConfig::default()
        }
    }
}

/// The start-up lines both programs print on stdout (scripts read them): the base URL on the
/// first line, as its last word, then the credentials in force and the faults when any is on.
pub fn banner(emulator: &EmulatorHandle) -> String {
    let mut out = format!("fer-emulator serving at {}\n", emulator.base_url());
    let _ = writeln!(out, "  username: {}", emulator.username());
    let _ = writeln!(out, "  password: {}", emulator.password());
    if let Some(console) = emulator.console_url() {
        let _ = writeln!(out, "  console:  {console}");
    }
    if emulator.sandbox_key_required() {
        let _ = writeln!(out, "  sandbox:  needs the {} header or a Vitrina token", crate::SANDBOX_KEY_HEADER);
    }
    if !emulator.faults().is_off() {
        let _ = writeln!(out, "  faults:   {:?}", emulator.faults());
    }
    out.push_str("Press Ctrl-C to stop.");
    out
}

/// A share between 0 and 1.
fn ratio(s: &str) -> Result<f64, String> {
    let value: f64 = s.parse().map_err(|e| format!("not a number: {e}"))?;
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(format!("must be between 0 and 1, not {value}")) }
}

/// The `fer-emulator` program's command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "fer-emulator",
    version,
    about = "A local double of the FER 2.0 Vitrina («Витрина данных \"Запись к врачу\"») and gateway."
)]
pub struct Program {
    /// The emulator's flags.
    #[command(flatten)]
    pub emulator: EmulatorArgs,
}

/// The `fer-emulator` program, for every binary that is it (this crate's, and the one the Python
/// wheel of the `fer` command line carries): parses the process's arguments, logs to stderr
/// (`RUST_LOG`, default `fer_emulator=info`), prints the [`banner`] on stdout once it listens, and
/// serves until SIGINT or SIGTERM.
pub fn main() -> std::process::ExitCode {
    use clap::Parser as _;
    use std::process::ExitCode;

    // Logs go to stderr: stdout carries the start-up lines scripts read.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "fer_emulator=info".into()),
        )
        .init();
    let program = Program::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("fer-emulator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let emulator = match crate::Emulator::spawn(program.emulator.config()).await {
            Ok(emulator) => emulator,
            Err(e) => {
                eprintln!("fer-emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Listening before the banner says the emulator is ready: a SIGTERM right after it stops it.
        let stop = shutdown_signal();
        println!("{}", banner(&emulator));
        stop.await;
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}
