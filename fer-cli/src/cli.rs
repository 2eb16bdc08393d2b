//! The command line: every subcommand, its flags, and the examples `--help` shows.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
pub use fer_emulator::cli::EmulatorArgs;
use fer_model::{Guid, Oid, Table};

/// `fer`: the day-one tool of an MIS vendor connecting to the FER 2.0 Vitrina «Запись к врачу».
///
/// Exit codes: 0 success, 1 the checked thing is wrong (invalid data, refused records, failed
/// conformance checks), 2 usage or I/O errors.
#[derive(Debug, Parser)]
#[command(name = "fer", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  fer sample --out region/ --mos 5
  fer validate region/
  fer emulator --listen 127.0.0.1:2100
  FER_PASSWORD=emulator fer push region/ --url http://127.0.0.1:2100 \\
      --username 1.2.643.5.1.13.13.12.2.77.7777 --password-env FER_PASSWORD
  fer conformance --webhook http://127.0.0.1:8080 --slot <SLOT_ID>
  FER_PASSWORD=emulator fer sync region/ --url http://127.0.0.1:2100 \\
      --username 1.2.643.5.1.13.13.12.2.77.7777 --password-env FER_PASSWORD --store sync.db
  fer sync status --store sync.db";

/// Human-readable text or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people.
    Human,
    /// JSON for machines.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check table files against every rule of the Vitrina (fer-validate).
    #[command(after_help = "\
Examples:
  fer validate slot.json                 table from the file name
  fer validate --table slot export.ndjson
  fer validate region/                   a whole dataset, cross-table rules included
  fer validate --format json slot.json   an array of diagnostics")]
    Validate(ValidateArgs),
    /// Export or print the JSON Schemas of the models, or write the OpenAPI documents.
    #[command(
        subcommand,
        after_help = "\
Examples:
  fer schema export schemas/
  fer schema print slot
  fer schema openapi openapi/"
    )]
    Schema(SchemaCommand),
    /// Write a realistic, valid sample region, one file per table.
    #[command(after_help = "\
Examples:
  fer sample --out region/
  fer sample --out big/ --mos 50 --slots 16 --seed 7")]
    Sample(SampleArgs),
    /// Validate, then upload a file or a dataset folder to a Vitrina in load order.
    #[command(after_help = "\
Examples:
  FER_PASSWORD=secret fer push region/ --url https://gateway:2100 \\
      --username 1.2.643.5.1.13.13.12.2.77.7777 --password-env FER_PASSWORD
  fer push region/ --url http://127.0.0.1:2100 --username 1.2.3 --password-env P --dry-run")]
    Push(PushArgs),
    /// Keep a Vitrina equal to a dataset folder the MIS rewrites, durably (fer-sync), until
    /// SIGINT or SIGTERM; or print a store's state (`fer sync status`).
    ///
    /// The folder holds `<table>.json` files (`{"data": [...]}`, a JSON array, or NDJSON as
    /// `.ndjson`/`.jsonl`), as `fer sample` writes them. It is the complete content of the region:
    /// every record it holds is kept on the Vitrina, every record it no longer holds is deleted
    /// there. The folder is re-read when a file changes (polled every 500 ms); write a new version
    /// to a temporary name in the same folder and rename it over the old one. A file that does
    /// not parse (half-written, truncated) or a table file that disappeared is reported and the
    /// previous content is kept: nothing is deleted for it. To empty a table, write `{"data": []}`.
    /// Records with validation errors (the checks of `fer validate`) are reported and not handed
    /// over: the version handed over before, if any, stays.
    ///
    /// Changes are committed to the store (a SQLite file) before they are sent, and sent in the
    /// Vitrina's order with retries; a restart, even after SIGKILL, resumes from the store without
    /// resending what the Vitrina already holds.
    ///
    /// A status line (backlog, oldest unsent change, slot change-to-accepted p99, parked records,
    /// a failing organisation) goes to stderr every second; with `--format json`, one status
    /// object per line on stdout instead. Exit 0 after SIGINT or SIGTERM, 2 when the folder, the
    /// store or the connection settings are unusable.
    ///
    /// As a sidecar for an MIS not written in Rust (`--config FILE`, TOML): the organisations and
    /// the environment variables of their passwords, the store, and the sources: a loopback HTTP
    /// intake (`POST /v1/changes`, NDJSON lines `{"table": T, "record": {...}}` or
    /// `{"table": T, "delete": ID}`, answered once durable) and the folder; `GET /status` (JSON)
    /// and `GET /metrics` (Prometheus text format) on a loopback port.
    #[command(
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true,
        after_help = "\
Examples:
  FER_PASSWORD=secret fer sync region/ --url https://gateway:2100 \\
      --username 1.2.643.5.1.13.13.12.2.77.7777 --password-env FER_PASSWORD --store sync.db
  fer --format json sync region/ --url http://127.0.0.1:2100 --username 1.2.3 \\
      --password-env P --store sync.db          one status object per line on stdout
  fer sync status --store sync.db               what the store holds, without connecting
  fer --format json sync status --store sync.db
  fer sync ./status --url ...                   a folder named `status`
  fer sync --config fer-sync.toml               the sidecar: intake, folder, /status, /metrics"
    )]
    Sync(SyncArgs),
    /// Register, read, update, delete or check the booking webhook (section 10).
    #[command(
        subcommand,
        after_help = "\
Examples:
  fer callback register --url http://127.0.0.1:2100 --username 1.2.3 --password-env P \\
      --address http://mis.example:8080
  fer callback check --url http://127.0.0.1:2100 --username 1.2.3 --password-env P \\
      --address http://mis.example:8080"
    )]
    Callback(CallbackCommand),
    /// Run the local Vitrina and gateway emulator.
    #[command(after_help = "\
Examples:
  fer emulator
  fer emulator --listen 127.0.0.1:2100 --state emulator.json")]
    Emulator(EmulatorArgs),
    /// Play the gateway against a webhook and report what conforms to the spec.
    #[command(after_help = "\
Examples:
  fer conformance --webhook http://127.0.0.1:8080 --slot 3fa85f64-5717-4562-b3fc-2c963f66afa6
  fer conformance --webhook http://127.0.0.1:8080 --slot <ID> --format json")]
    Conformance(ConformanceArgs),
}

/// `fer validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The table of every FILE (default: from each file's name, e.g. `slot.json`, `slots.ndjson`).
    #[arg(long, value_parser = parse_table)]
    pub table: Option<Table>,
    /// Files (`{"data": [...]}`, a JSON array, or NDJSON) or one dataset folder.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// `fer schema`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Write every schema into DIR as `<name>.schema.json`.
    Export {
        /// The folder (created when missing).
        dir: PathBuf,
    },
    /// Print one schema.
    Print {
        /// One of: mo, resource, service, slot, book, referral, unaccessable_period,
        /// profilecode_resource, booking_request, booking_response, cancel_request, cancel_response,
        /// auth_request, auth_response, vitrina_response, callback.
        name: String,
    },
    /// Write the OpenAPI 3.1 documents into DIR: `vitrina.yaml` (the Vitrina API) and
    /// `mis-webhook.yaml` (the MIS webhook the gateway calls).
    Openapi {
        /// The folder (created when missing), e.g. `openapi/`.
        dir: PathBuf,
    },
}

/// `fer sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The folder to write `<table>.json` files into (created when missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Subdivisions.
    #[arg(long, default_value_t = 3)]
    pub mos: usize,
    /// Slots per resource per working day, back to back from 08:00 (at most 32: they must end by midnight).
    #[arg(long, default_value_t = 12)]
    pub slots: u32,
    /// Days of schedule, from tomorrow.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    /// The seed: the same seed gives the same region.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The head organisation's OID (`mo.parent_id`), e.g. the username you push with; default:
    /// made-up organisations.
    #[arg(long)]
    pub org: Option<Oid>,
}

/// Where a Vitrina is and who we are there.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The gateway's base URL.
    #[arg(long)]
    pub url: String,
    /// The MO OID used as username at /auth.svc.
    #[arg(long)]
    pub username: Oid,
    /// The name of the environment variable that holds the password (never on the command line).
    #[arg(long)]
    pub password_env: String,
}

/// `fer push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// A table file or a dataset folder.
    pub path: PathBuf,
    /// The table of a single file (default: from its name).
    #[arg(long, value_parser = parse_table)]
    pub table: Option<Table>,
    /// Where to send.
    #[command(flatten)]
    pub connection: Connection,
    /// Validate and show what would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `fer sync DIR --url URL --username OID --password-env VAR --store PATH`, or a subcommand.
///
/// The fields of a run are options only because a subcommand (`fer sync status`) takes their
/// place; without one, clap requires each of them.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// `fer sync status`.
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
    /// The dataset folder the MIS rewrites: `<table>.json` files, the complete region.
    #[arg(value_name = "DIR", required_unless_present = "config")]
    pub dir: Option<PathBuf>,
    /// Run as a sidecar from a TOML file instead: several organisations, an HTTP intake of NDJSON
    /// changes, the folder, and a `/status` and `/metrics` server (see the crate docs).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dir", "store", "url", "username", "password_env"])]
    pub config: Option<PathBuf>,
    /// Where to send.
    #[command(flatten)]
    pub connection: Option<Connection>,
    /// The store: a SQLite file (created when missing) that keeps every change until the Vitrina
    /// accepted it. Keep it across runs; one store per organisation and Vitrina.
    #[arg(long, value_name = "PATH", required_unless_present = "config")]
    pub store: Option<PathBuf>,
}

/// The subcommands of `fer sync`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Print what a store holds (backlog, oldest unsent change, parked records and their reasons)
    /// without connecting anywhere; with `--format json`, one JSON object.
    #[command(after_help = "\
Examples:
  fer sync status --store sync.db
  fer --format json sync status --store sync.db")]
    Status(SyncStatusArgs),
}

/// `fer sync status`.
#[derive(Debug, Args)]
pub struct SyncStatusArgs {
    /// The store a `fer sync` run keeps (it must exist).
    #[arg(long, value_name = "PATH")]
    pub store: PathBuf,
}

/// `fer callback`.
#[derive(Debug, Subcommand)]
pub enum CallbackCommand {
    /// Register the webhook address (the Vitrina probes `GET <address>/booking/book` first).
    Register(CallbackSet),
    /// Show the registered webhook.
    Get(CallbackTarget),
    /// Change the registered address.
    Update(CallbackSet),
    /// Remove the registration.
    Delete(CallbackTarget),
    /// Ask the gateway whether it can reach a webhook address (without registering it).
    Check(CallbackCheckArgs),
}

/// A callback registration to make.
#[derive(Debug, Args)]
pub struct CallbackSet {
    /// Where to send.
    #[command(flatten)]
    pub connection: Connection,
    /// The webhook's base address (the gateway calls `<address>/booking/book`).
    #[arg(long)]
    pub address: String,
    /// The subdivision's OID, to register per subdivision instead of per MO.
    #[arg(long)]
    pub depart_oid: Option<Oid>,
}

/// A callback registration to read or remove.
#[derive(Debug, Args)]
pub struct CallbackTarget {
    /// Where to send.
    #[command(flatten)]
    pub connection: Connection,
    /// The subdivision's OID, for a per-subdivision registration.
    #[arg(long)]
    pub depart_oid: Option<Oid>,
}

/// A webhook address to probe.
#[derive(Debug, Args)]
pub struct CallbackCheckArgs {
    /// Where to send.
    #[command(flatten)]
    pub connection: Connection,
    /// The webhook's base address.
    #[arg(long)]
    pub address: String,
}

/// `fer conformance`.
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// The webhook's base address (the runner calls `<webhook>/booking/book` and `/booking/cancel`).
    #[arg(long)]
    pub webhook: String,
    /// A free slot of the MIS to book (and then cancel); default: the slot of the spec's example
    /// booking request (section 7.1), which `examples/webhook_server.rs` offers.
    #[arg(long, default_value = "b10902d0-e331-11ed-8d9e-60123c4747d1")]
    pub slot: Guid,
    /// A booking request to start from (default: the spec's example, with `--slot`).
    #[arg(long)]
    pub request: Option<PathBuf>,
}

fn parse_table(s: &str) -> Result<Table, String> {
    Table::from_wire(s).ok_or_else(|| format!("unknown table {s:?}; one of: {}", Table::WIRE_NAMES.join(", ")))
}
