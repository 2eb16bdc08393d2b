//! `fer sync`: keep a Vitrina equal to a dataset folder through fer-sync (a snapshot source
//! polled for changes), with a live status; `fer sync status`: what a store holds.

mod config;
mod intake;
mod metrics;
mod status_server;
mod webhook;

use std::collections::HashSet;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fer_client::RetryPolicy;
use fer_model::{Guid, Record, Table};
use fer_sync::{Scope, Store, SyncConfig, SyncEngine, SyncHandle, SyncStatus};
use fer_validate::{Dataset, Diagnostic, Severity};
use serde::Serialize;
use tokio::sync::watch;

use crate::Verdict;
use crate::cli::{Connection, Format, SyncArgs, SyncCommand, SyncStatusArgs};
use crate::cmd::push;
use crate::cmd::validate::{dataset_of, validate_folder};
use crate::error::CliError;
use crate::input::read_dataset_folder;
use config::{SidecarConfig, StoreLocation};

/// How often the folder is looked at.
const POLL: Duration = Duration::from_millis(500);
/// How often the status is printed.
const STATUS_EVERY: Duration = Duration::from_secs(1);
/// Error diagnostics printed per reading of the folder; the rest are counted.
const DIAGNOSTICS_SHOWN: usize = 20;

/// Runs `fer sync DIR ...`, `fer sync --config FILE` or `fer sync status`.
pub async fn run(args: &SyncArgs, format: Format) -> Result<Verdict, CliError> {
    match (&args.command, &args.config, &args.dir, &args.connection, &args.store) {
        (Some(SyncCommand::Status(status_args)), ..) => status(status_args, format).await,
        (None, Some(config), None, None, None) => {
            let mut config = SidecarConfig::load(config)?;
            let plan = Plan {
                store: config.store.clone(),
                instance: config.instance.clone(),
                outbox: config.sources.outbox.is_some(),
                connections: config.connections(),
                folder: config.sources.folder.as_ref().map(|f| f.dir.clone()),
                intake: config.sources.http.as_ref().map(|h| h.listen),
                status: config.status.as_ref().map(|s| s.listen),
                engine: config.engine(),
                webhook: config.webhook.take(),
            };
            sync(plan, format).await
        }
        (None, None, Some(dir), Some(connection), Some(store)) => {
            let plan = Plan {
                store: StoreLocation::Sqlite(store.clone()),
                instance: None,
                outbox: false,
                connections: vec![connection.clone()],
                folder: Some(dir.clone()),
                intake: None,
                status: None,
                engine: SyncConfig::default(),
                webhook: None,
            };
            sync(plan, format).await
        }
        _ => Err(CliError::Usage(
            "fer sync needs DIR, --url, --username, --password-env and --store, or --config FILE, \
             or a subcommand (fer sync status --store PATH); see fer sync --help"
                .into(),
        )),
    }
}

fn store_error(path: &Path) -> impl FnOnce(fer_sync::SyncError) -> CliError + '_ {
    move |source| CliError::Store { path: path.to_owned(), source }
}

/// What a run of the engine serves: `fer sync DIR` is one organisation and a folder; the sidecar
/// (`fer sync --config`) any organisations, sources and the status server of its file.
struct Plan {
    store: StoreLocation,
    /// The instance's name in the leases of a shared store.
    instance: Option<String>,
    /// Drain the PostgreSQL store's MIS outbox.
    outbox: bool,
    connections: Vec<Connection>,
    folder: Option<PathBuf>,
    intake: Option<SocketAddr>,
    status: Option<SocketAddr>,
    engine: SyncConfig,
    /// The gateway-facing webhook, forwarding to the MIS.
    webhook: Option<config::WebhookSection>,
}

/// The engine, its sources and the status, until a signal.
async fn sync(plan: Plan, format: Format) -> Result<Verdict, CliError> {
    // First, so that a signal from now on stops the run cleanly instead of killing the process.
    let signal = fer_emulator::cli::shutdown_signal();
    if let Some(dir) = &plan.folder {
        std::fs::read_dir(dir).map_err(|source| CliError::Io { path: dir.clone(), source })?;
    }
    let label = plan.store.label();
    let store_path = label.as_path();
    let store = match &plan.store {
        StoreLocation::Sqlite(path) => Store::open(path).await,
        StoreLocation::Postgres(url) => Store::connect(url).await,
    }
    .map_err(store_error(store_path))?;
    let mut builder = SyncEngine::builder(store.clone()).config(plan.engine.clone()).outbox(plan.outbox);
    if let Some(name) = &plan.instance {
        builder = builder.instance(name.clone());
    }
    for connection in &plan.connections {
        // A retry budget well inside the 30-second window: a failing batch must not hold newer changes.
        let client = push::builder(connection)?
            .request_timeout(Duration::from_secs(10))
            .retry(RetryPolicy {
                max_attempts: 3,
                max_elapsed: Duration::from_secs(10),
                initial_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
            })
            .build()?;
        builder = builder.organisation(connection.username.clone(), client);
    }
    let engine = builder.build().map_err(store_error(store_path))?;

    let reporter = Reporter::new(format);
    let folder = Arc::new(Mutex::new(FolderState::default()));
    let answers = metrics::Answers::default();
    let bind = async |addr: Option<SocketAddr>, what: &str| -> Result<Option<tokio::net::TcpListener>, CliError> {
        let Some(addr) = addr else { return Ok(None) };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| CliError::Usage(format!("{what}: cannot listen on {addr}: {e}")))?;
        Ok(Some(listener))
    };
    let intake_listener = bind(plan.intake, "[sources.http]").await?;
    let status_listener = bind(plan.status, "[status]").await?;
    let webhook_listener = match &plan.webhook {
        Some(section) => Some(
            fer_webhook::bind(section.listen)
                .await
                .map_err(|e| CliError::Usage(format!("[webhook]: cannot listen on {}: {e}", section.listen)))?,
        ),
        None => None,
    };
    if let Some(addr) = webhook_listener.as_ref().and_then(|l| l.local_addr().ok()) {
        reporter.event(&format!("serving the webhook at http://{addr}"));
    }
    let webhook_metrics = plan.webhook.as_ref().map(|_| fer_webhook::WebhookMetrics::new());
    for (listener, path) in [(&intake_listener, intake::CHANGES_PATH), (&status_listener, "/status and /metrics")] {
        if let Some(addr) = listener.as_ref().and_then(|l| l.local_addr().ok()) {
            reporter.event(&format!("serving {path} at http://{addr}"));
        }
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop = &stop_tx;
    let engine_run = async {
        let result = engine.run(stopped(stop_rx.clone())).await;
        stop.send_replace(true);
        result.map_err(store_error(store_path))
    };
    let folder_run = async {
        let Some(dir) = &plan.folder else { return Ok(()) };
        let source = FolderSource {
            dir,
            handle: engine.handle(),
            store: &store,
            store_path,
            reporter: &reporter,
            state: &folder,
        };
        let result = source.watch(stop_rx.clone()).await;
        stop.send_replace(true);
        result
    };
    // Requests in flight when the signal comes are finished (answered once durable, or with 503).
    let intake_run = serve(intake_listener, intake::router(engine.handle(), answers.clone()), stop_rx.clone());
    let status_router = status_server::router(status_server::Shared {
        handle: engine.handle(),
        answers: answers.clone(),
        folder: plan.folder.is_some().then(|| folder.clone()),
        store: store.clone(),
        label: label.clone(),
        webhook: webhook_metrics.clone(),
    });
    let webhook_run = async {
        let (Some(listener), Some(section), Some(metrics)) = (webhook_listener, &plan.webhook, webhook_metrics) else {
            return Ok(());
        };
        let forward = fer_webhook::Forward::new(&section.forward)
            .map_err(|e| CliError::Usage(format!("[webhook] forward: {e}")))?;
        let adopting = webhook::Adopting { inner: forward, handle: engine.handle(), store: store.clone() };
        webhook::serve(listener, section, adopting, &plan.store, metrics, stopped(stop_rx.clone())).await
    };
    let status_run = serve(status_listener, status_router, stop_rx.clone());
    let line_run = status_loop(&engine, &reporter, &folder, format, stop_rx.clone());
    let signal_run = async {
        tokio::select! {
            () = signal => {}
            () = stopped(stop_rx.clone()) => {}
        }
        stop.send_replace(true);
    };
    let (engine_result, folder_result, intake_result, status_result, webhook_result, (), ()) =
        tokio::join!(engine_run, folder_run, intake_run, status_run, webhook_run, line_run, signal_run);
    reporter.finish();
    store.close().await;
    engine_result?;
    folder_result?;
    intake_result?;
    status_result?;
    webhook_result?;
    Ok(Verdict::Fine)
}

/// Serves `router` on `listener` (when there is one) until `stop`, then lets requests in flight
/// finish.
async fn serve(
    listener: Option<tokio::net::TcpListener>,
    router: axum::Router,
    stop: watch::Receiver<bool>,
) -> Result<(), CliError> {
    let Some(listener) = listener else { return Ok(()) };
    axum::serve(listener, router)
        .with_graceful_shutdown(stopped(stop))
        .await
        .map_err(|e| CliError::Usage(format!("a server of fer sync failed: {e}")))
}

/// Resolves once `stop` says so (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// What the folder source did, for the status.
#[derive(Debug, Default, Clone, Serialize)]
struct FolderState {
    /// Readings of the folder handed to the engine since the start.
    snapshots: u64,
    /// Records handed over by the last of them.
    records: usize,
    /// Records of the folder that the last of them did not hand over: they have validation
    /// errors, or their parent has, and no version of them was handed over before.
    withheld: usize,
    /// Records with validation errors for which the version handed over before was kept.
    kept_previous: usize,
    /// Why the folder's current content is not used (the previous content is kept), while that lasts.
    error: Option<String>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The folder as a snapshot source: re-read and handed over whenever a file changes.
struct FolderSource<'a> {
    dir: &'a Path,
    handle: SyncHandle,
    store: &'a Store,
    store_path: &'a Path,
    reporter: &'a Reporter,
    state: &'a Mutex<FolderState>,
}

/// What tells a folder's files apart between two looks: name, size, modification time and (on
/// Unix) inode, which a rename changes even within the same second and size.
type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>, u64)>;

fn fingerprint(dir: &Path) -> std::io::Result<Fingerprint> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "ndjson" | "jsonl")) {
            continue;
        }
        // A file renamed away between the listing and this look is simply not there.
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        out.push((path, meta.len(), meta.modified().ok(), inode));
    }
    out.sort();
    Ok(out)
}

impl FolderSource<'_> {
    /// Looks at the folder every [`POLL`] and hands it over when it changed, until `stop`.
    async fn watch(&self, stop: watch::Receiver<bool>) -> Result<(), CliError> {
        let mut seen: Option<Fingerprint> = None;
        // Tables that had a file in the last reading handed over: a file that vanishes is not an
        // empty table.
        let mut present: HashSet<Table> = HashSet::new();
        loop {
            match fingerprint(self.dir) {
                Ok(now) if seen.as_ref() != Some(&now) => {
                    seen = Some(now);
                    self.load(&mut present).await?;
                }
                Ok(_) => {}
                Err(e) => {
                    seen = None;
                    self.refuse(format!("{}: {e}", self.dir.display()));
                }
            }
            tokio::select! {
                () = stopped(stop.clone()) => return Ok(()),
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// The previous content stays; `why` is reported once (until it changes).
    fn refuse(&self, why: String) {
        let mut state = lock(self.state);
        if state.error.as_ref() != Some(&why) {
            self.reporter.event(&format!("{why}; the previous content is kept"));
            state.error = Some(why);
        }
    }

    /// Reads, checks and hands over the folder; store errors end the run.
    async fn load(&self, present: &mut HashSet<Table>) -> Result<(), CliError> {
        let files = match read_dataset_folder(self.dir) {
            Ok(files) => files,
            Err(e) => {
                self.refuse(e.to_string());
                return Ok(());
            }
        };
        if let Some(f) = files.iter().find(|f| !is_complete_batch(&f.body)) {
            self.refuse(format!("{}: not a complete JSON batch (half-written?)", f.path.display()));
            return Ok(());
        }
        let tables: HashSet<Table> = files.iter().map(|f| f.table).collect();
        if let Some(gone) = Table::LOAD_ORDER.iter().find(|t| present.contains(t) && !tables.contains(t)) {
            self.refuse(format!(
                "{}: the file of table {gone} is gone (write {{\"data\": []}} to empty a table)",
                self.dir.display()
            ));
            return Ok(());
        }

        let errors: Vec<(String, Diagnostic)> =
            validate_folder(&files).into_iter().filter(|(_, d)| d.severity == Severity::Error).collect();
        let mut dataset = dataset_of(&files);
        let refused: HashSet<(Table, Guid)> = errors
            .iter()
            .filter_map(|(_, d)| match d.table {
                fer_validate::Subject::Table(table) => Some((table, d.record_id.as_deref()?.parse().ok()?)),
                _ => None,
            })
            .collect();
        let (kept_previous, withheld) = self.hold_back(&mut dataset, &refused).await?;
        report_errors(self.reporter, &errors);

        let counts = self.handle.snapshot(Scope::Region, &dataset).await.map_err(store_error(self.store_path))?;
        *present = tables;
        let records = Table::LOAD_ORDER.iter().map(|t| dataset.len(*t)).sum();
        {
            let mut state = lock(self.state);
            state.snapshots += 1;
            state.records = records;
            state.withheld = withheld;
            state.kept_previous = kept_previous;
            state.error = None;
        }
        let mut line = format!(
            "read {}: {records} record(s), {} changed, {} deleted",
            self.dir.display(),
            counts.changed,
            counts.deleted
        );
        if !errors.is_empty() {
            line.push_str(&format!(
                "; {} error(s): {withheld} record(s) withheld, {kept_previous} kept as handed over before",
                errors.len()
            ));
        }
        self.reporter.event(&line);
        Ok(())
    }

    /// Takes out of `dataset` the records with errors (`refused`) and the children of those taken
    /// out, in load order. A record taken out keeps the version handed over before, if the store
    /// has one: a record broken in the folder is not deleted from the Vitrina. Returns the
    /// numbers kept as before and withheld.
    async fn hold_back(
        &self,
        dataset: &mut Dataset,
        refused: &HashSet<(Table, Guid)>,
    ) -> Result<(usize, usize), CliError> {
        let (mut kept, mut withheld) = (0, 0);
        if refused.is_empty() {
            return Ok((kept, withheld));
        }
        let mut dropped: HashSet<Guid> = HashSet::new();
        for table in Table::LOAD_ORDER {
            fer_model::with_record_type!(table, R => {
                let rows = std::mem::take(dataset.records_mut::<R>());
                let mut out: Vec<R> = Vec::with_capacity(rows.len());
                let mut ids: HashSet<Guid> = HashSet::new();
                for row in rows {
                    let id = row.id();
                    let bad = refused.contains(&(table, id)) || row.parents().iter().any(|p| dropped.contains(&p.id));
                    if !bad {
                        ids.insert(id);
                        out.push(row);
                    } else if ids.contains(&id) {
                        // A duplicate of a record already settled above.
                    } else if let Some(previous) = self.previous::<R>(&id).await? {
                        ids.insert(id);
                        out.push(previous);
                        kept += 1;
                    } else {
                        dropped.insert(id);
                        withheld += 1;
                    }
                }
                // Records with errors that did not even read as their table's type.
                let unread: Vec<Guid> = refused
                    .iter()
                    .filter(|(t, id)| *t == table && !ids.contains(id) && !dropped.contains(id))
                    .map(|(_, id)| *id)
                    .collect();
                for id in &unread {
                    if let Some(previous) = self.previous::<R>(id).await? {
                        out.push(previous);
                        kept += 1;
                    } else {
                        dropped.insert(*id);
                    }
                }
                *dataset.records_mut::<R>() = out;
            });
        }
        Ok((kept, withheld))
    }

    /// The version of a record the store wants on the Vitrina (the one handed over before).
    async fn previous<R: Record>(&self, id: &Guid) -> Result<Option<R>, CliError> {
        let desired = self.store.desired(R::TABLE, id).await.map_err(store_error(self.store_path))?;
        Ok(desired.flatten().and_then(|json| serde_json::from_str(&json).ok()))
    }
}

/// Whether a table file's body is a whole `{"data": [...]}` batch or a JSON array (NDJSON is
/// joined into a batch when read, so a truncated line fails here too).
fn is_complete_batch(body: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(o)) => o.get("data").is_some_and(serde_json::Value::is_array),
        Ok(serde_json::Value::Array(_)) => true,
        _ => false,
    }
}

fn report_errors(reporter: &Reporter, errors: &[(String, Diagnostic)]) {
    for (source, d) in errors.iter().take(DIAGNOSTICS_SHOWN) {
        let record = d.record_id.as_deref().unwrap_or("-");
        let pointer = if d.pointer.is_empty() { "/" } else { &d.pointer };
        reporter.event(&format!(
            "error[{}] {source}: {} {record} at {pointer}: {}",
            d.code.as_str(),
            d.table.as_str(),
            d.message_en
        ));
    }
    if errors.len() > DIAGNOSTICS_SHOWN {
        reporter.event(&format!(
            "... and {} more error(s) (fer validate shows them all)",
            errors.len() - DIAGNOSTICS_SHOWN
        ));
    }
}

/// Prints a status every [`STATUS_EVERY`] until `stop`, and a last one then.
async fn status_loop(
    engine: &SyncEngine,
    reporter: &Reporter,
    folder: &Mutex<FolderState>,
    format: Format,
    stop: watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(STATUS_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let last = tokio::select! {
            () = stopped(stop.clone()) => true,
            _ = every.tick() => false,
        };
        match engine.status().await {
            Ok(status) => {
                let folder = lock(folder).clone();
                match format {
                    Format::Human => reporter.status(&human_line(&status, &folder)),
                    Format::Json => json_line(&RunStatus::new(&status, Some(&folder))),
                }
            }
            Err(e) => reporter.event(&format!("status: {e}")),
        }
        if last {
            return;
        }
    }
}

/// One line of `fer --format json sync DIR`, and the sidecar's `/status`.
#[derive(Serialize)]
struct RunStatus<'a> {
    /// When (UTC, RFC 3339).
    time: String,
    /// Records waiting to be sent.
    backlog: u64,
    /// Records refused and waiting for a change (all of them; `parked` lists the first 100).
    parked_total: u64,
    /// Records sent without an answer, to be sent again.
    in_doubt_total: u64,
    /// The folder source, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    folder: Option<&'a FolderState>,
    #[serde(flatten)]
    status: &'a SyncStatus,
}

impl<'a> RunStatus<'a> {
    fn new(status: &'a SyncStatus, folder: Option<&'a FolderState>) -> Self {
        RunStatus {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            backlog: status.backlog(),
            parked_total: parked_total(status),
            in_doubt_total: status.in_doubt(),
            folder,
            status,
        }
    }
}

/// `fer --format json sync status`.
#[derive(Serialize)]
struct StoreStatus<'a> {
    store: &'a Path,
    backlog: u64,
    parked_total: u64,
    in_doubt_total: u64,
    #[serde(flatten)]
    status: &'a SyncStatus,
}

fn parked_total(status: &SyncStatus) -> u64 {
    status.organisations.iter().flat_map(|o| &o.tables).map(|t| t.parked).sum()
}

/// `backlog 12, oldest unsent 1.2 s, slot p99 340 ms, parked 0`, and the failing organisations.
fn human_line(status: &SyncStatus, folder: &FolderState) -> String {
    let tables = || status.organisations.iter().flat_map(|o| &o.tables);
    let oldest = tables().filter_map(|t| t.oldest_unsent_ms).max();
    let p99 = tables().filter(|t| t.table == Table::Slot).filter_map(|t| t.latency.p99_ms).max();
    let mut line = format!(
        "sync: backlog {}, oldest unsent {}, slot p99 {}, parked {}",
        status.backlog(),
        millis(oldest),
        millis(p99),
        parked_total(status)
    );
    if status.late_slots > 0 {
        line.push_str(&format!(", {} slot(s) past 30 s", status.late_slots));
    }
    for o in &status.organisations {
        if let Some(why) = &o.failing {
            line.push_str(&format!(", failing {}: {why}", o.organisation.as_deref().unwrap_or("-")));
        }
    }
    if folder.error.is_some() {
        line.push_str(", folder not read (previous content kept)");
    }
    line
}

/// `-`, `850 ms`, `2.3 s`.
fn millis(ms: Option<u64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

/// One JSON object on one line of stdout.
fn json_line<T: Serialize>(value: &T) {
    let mut out = std::io::stdout().lock();
    if serde_json::to_writer(&mut out, value).is_ok() {
        let _ = writeln!(out);
        let _ = out.flush();
    }
}

/// Messages and the status line on stderr. On a terminal the status line is redrawn in place
/// (human format); otherwise every line is a line.
struct Reporter {
    live: bool,
    drawn: Mutex<bool>,
}

impl Reporter {
    fn new(format: Format) -> Reporter {
        Reporter { live: format == Format::Human && std::io::stderr().is_terminal(), drawn: Mutex::new(false) }
    }

    /// A message of its own line.
    fn event(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let mut drawn = lock(&self.drawn);
        if *drawn {
            let _ = write!(err, "\r\x1b[2K");
            *drawn = false;
        }
        let _ = writeln!(err, "fer sync: {text}");
    }

    /// The status line.
    fn status(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.live {
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
            *lock(&self.drawn) = true;
        } else {
            let _ = writeln!(err, "{text}");
        }
    }

    /// Ends a status line drawn in place.
    fn finish(&self) {
        if std::mem::take(&mut *lock(&self.drawn)) {
            let _ = writeln!(std::io::stderr());
        }
    }
}

/// `fer sync status --store PATH`: the store's state, without connecting.
async fn status(args: &SyncStatusArgs, format: Format) -> Result<Verdict, CliError> {
    // Opening would create a missing store: a mistyped path must not look like an empty one.
    std::fs::metadata(&args.store).map_err(|source| CliError::Io { path: args.store.clone(), source })?;
    let store = Store::open(&args.store).await.map_err(store_error(&args.store))?;
    let status = store.status().await.map_err(store_error(&args.store));
    store.close().await;
    let status = status?;
    match format {
        Format::Json => crate::output::json(&StoreStatus {
            store: &args.store,
            backlog: status.backlog(),
            parked_total: parked_total(&status),
            in_doubt_total: status.in_doubt(),
            status: &status,
        }),
        Format::Human => {
            say!(
                "store {}: backlog {} ({} in doubt), parked {}, {} slot(s) past 30 s",
                args.store.display(),
                status.backlog(),
                status.in_doubt(),
                parked_total(&status),
                status.late_slots
            );
            for o in &status.organisations {
                say!("organisation {}:", o.organisation.as_deref().unwrap_or("(not routed yet)"));
                for t in &o.tables {
                    say!(
                        "  {:<20} {} pending ({} in doubt), {} parked, oldest unsent {}",
                        t.table.as_str(),
                        t.pending,
                        t.in_doubt,
                        t.parked,
                        millis(t.oldest_unsent_ms)
                    );
                }
            }
            if !status.parked.is_empty() {
                say!("parked (the Vitrina or the checks refused them; they wait for a change):");
                for p in &status.parked {
                    say!("  {} {} ({} attempt(s)): {} {}", p.table.as_str(), p.id, p.attempts, p.code, p.message);
                }
            }
        }
    }
    Ok(Verdict::Fine)
}
