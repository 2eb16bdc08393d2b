//! The engine: the intake handle and the push loop.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use fer_client::{Error as ClientError, Outcome, UploadReport, VitrinaClient, error_chain};
use fer_model::{Dataset, Guid, Oid, Record, Table};
use tokio::sync::Notify;
use xxhash_rust::xxh3::xxh3_64;

use crate::SyncError;
use crate::entry::{Entry, parse_parents};
use crate::plan::plan;
use crate::reconcile::ReconcileReport;
use crate::status::{Metrics, OrganisationStatus, SyncStatus, TableStatus};
use crate::store::{Entries, Fence, IntakeCounts, PendingRow, Scope, Settlement, Store, now_ms};

/// How the engine paces itself. The defaults suit the profile's rule: slots on the Vitrina within
/// 30 s of a change («Требования к наполнению данными»).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncConfig {
    /// After a change arrives, how long to wait for more before sending (changes coalesce).
    pub linger: Duration,
    /// The longest a cycle waits when nothing wakes it: retries that fall due, and the backstop.
    pub tick: Duration,
    /// The most records one cycle of one organisation takes (oldest change first, so that a hot
    /// record never starves the rest).
    pub max_records_per_cycle: usize,
    /// The first wait before a record whose send failed is tried again; doubled per failure.
    pub retry_base: Duration,
    /// The longest wait between two tries of one record, and of a failing organisation.
    pub retry_max: Duration,
    /// Tries of a record refused with R-330 before it is parked: the refusal may be an ordering
    /// effect (the slot that held the time is deleted in a later cycle).
    pub ordering_retries: u32,
    /// The window of the latency figures.
    pub latency_window: Duration,
    /// The freshness rule for slots: a change waiting longer is reported with `warn!`.
    pub freshness: Duration,
    /// How often [`run`](SyncEngine::run) reconciles (reads the Vitrina back and repairs drift);
    /// `None`: only when [`SyncEngine::reconcile`] is called.
    pub reconcile_every: Option<Duration>,
    /// Days of slots, from today, that reconciliation reads back.
    pub reconcile_days: u32,
    /// On a shared (PostgreSQL) store: how long a partition's lease lasts without a heartbeat, by
    /// the database's clock. An instance that dies loses its partitions to the others within
    /// this plus one heartbeat ([`lease_ttl`](Self::lease_ttl) / 5).
    pub lease_ttl: Duration,
    /// On a shared store: the longest one request may take. A request starts only while the
    /// lease of each of its records' partitions has more than this left, and is abandoned at
    /// this (its records stay pending, sent again by whoever holds the lease next).
    pub send_budget: Duration,
    /// Changes taken from the MIS outbox per drain (see [`SyncEngineBuilder::outbox`]).
    pub outbox_batch: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            linger: Duration::from_millis(100),
            tick: Duration::from_secs(1),
            max_records_per_cycle: 10_000,
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(20),
            ordering_retries: 3,
            latency_window: Duration::from_secs(300),
            freshness: Duration::from_secs(30),
            reconcile_every: Some(Duration::from_secs(3600)),
            reconcile_days: 14,
            lease_ttl: Duration::from_secs(10),
            send_budget: Duration::from_secs(4),
            outbox_batch: 5_000,
        }
    }
}

impl SyncConfig {
    /// The same settings with another linger.
    pub fn with_linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    /// The same settings with another tick.
    pub fn with_tick(mut self, tick: Duration) -> Self {
        self.tick = tick;
        self
    }

    /// The same settings with another lease lifetime, and a send budget of 2/5 of it.
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self.send_budget = ttl.mul_f64(0.4);
        self
    }

    /// The same settings with another first retry wait and cap.
    pub fn with_retry(mut self, base: Duration, max: Duration) -> Self {
        self.retry_base = base;
        self.retry_max = max;
        self
    }
}

/// One organisation: the MO OID it logs in with and its client.
struct Organisation {
    oid: String,
    client: VitrinaClient,
    state: Mutex<OrgState>,
}

#[derive(Debug, Default)]
struct OrgState {
    consecutive_failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<String>,
}

struct Shared {
    store: Store,
    /// The leases of this instance, on a shared store.
    leases: Option<crate::lease::Leases>,
    /// Whether the engine drains the MIS outbox.
    outbox: bool,
    wake: Notify,
    orgs: Vec<Organisation>,
    config: SyncConfig,
    metrics: Mutex<Metrics>,
    last_reconciliation: Mutex<Option<crate::status::Reconciliation>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Builds a [`SyncEngine`]: a store and one client per organisation.
pub struct SyncEngineBuilder {
    store: Store,
    orgs: Vec<(Oid, VitrinaClient)>,
    config: SyncConfig,
    instance: Option<String>,
    outbox: bool,
}

impl SyncEngineBuilder {
    /// Pushes the records of organisation `oid` (the MO OID a subdivision names as `parent_id`)
    /// with `client`, which logs in as that organisation.
    pub fn organisation(mut self, oid: Oid, client: VitrinaClient) -> Self {
        self.orgs.push((oid, client));
        self
    }

    /// The pacing (default [`SyncConfig::default`]).
    pub fn config(mut self, config: SyncConfig) -> Self {
        self.config = config;
        self
    }

    /// The name of this engine instance among those sharing a PostgreSQL store (the holder of
    /// its leases). Default: `fer-sync-<pid>-<random>`; a name must be unique among the running
    /// instances. Ignored on SQLite.
    pub fn instance(mut self, name: impl Into<String>) -> Self {
        self.instance = Some(name.into());
        self
    }

    /// Drains the MIS outbox of the PostgreSQL store (`fer_sync.enqueue`) before every cycle, woken
    /// by the outbox's notifications and polling at every tick as well. With a SQLite store,
    /// [`build`](Self::build) fails with [`SyncError::NotPostgres`].
    pub fn outbox(mut self, drain: bool) -> Self {
        self.outbox = drain;
        self
    }

    /// The engine; [`SyncError::NoOrganisation`] without an organisation.
    pub fn build(self) -> Result<SyncEngine, SyncError> {
        if self.orgs.is_empty() {
            return Err(SyncError::NoOrganisation);
        }
        if self.outbox && !self.store.shared() {
            return Err(SyncError::NotPostgres("the MIS outbox"));
        }
        let leases = self.store.shared().then(|| {
            crate::lease::Leases::new(self.instance.unwrap_or_else(crate::lease::default_instance), &self.config)
        });
        let orgs = self
            .orgs
            .into_iter()
            .map(|(oid, client)| Organisation { oid: oid.to_string(), client, state: Mutex::default() })
            .collect();
        Ok(SyncEngine {
            shared: Arc::new(Shared {
                store: self.store,
                leases,
                outbox: self.outbox,
                wake: Notify::new(),
                orgs,
                config: self.config,
                metrics: Mutex::default(),
                last_reconciliation: Mutex::default(),
            }),
        })
    }
}

/// The push loop of one store. Run it with [`run`](Self::run); hand changes to it through a
/// [`SyncHandle`].
pub struct SyncEngine {
    shared: Arc<Shared>,
}

/// What one cycle did, for tests and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Records the Vitrina accepted (deletes included).
    pub accepted: usize,
    /// Deletes the Vitrina's cascade did, settled without a request.
    pub cascaded: usize,
    /// Records refused and parked.
    pub parked: usize,
    /// Records that will be tried again later.
    pub retried: usize,
    /// Organisations whose cycle could send nothing.
    pub failed_organisations: usize,
}

impl SyncEngine {
    /// A builder over `store`.
    pub fn builder(store: Store) -> SyncEngineBuilder {
        SyncEngineBuilder { store, orgs: Vec::new(), config: SyncConfig::default(), instance: None, outbox: false }
    }

    /// A handle to hand changes to this engine; cheap to clone, usable from any task.
    pub fn handle(&self) -> SyncHandle {
        SyncHandle { shared: self.shared.clone() }
    }

    /// Runs the push loop until `shutdown` completes. A cycle runs when a change arrives (after the
    /// linger), when a retry falls due, and at every tick; while a cycle leaves due records behind
    /// (more than one cycle's share), the next starts at once. A store error ends the loop.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), SyncError> {
        // The heartbeat of the leases and the outbox's notifications run beside the loop, and end
        // with it (the guard aborts them).
        let _background =
            crate::lease::background(&self.shared.store, self.shared.leases.as_ref(), self.shared.outbox, {
                let shared = Arc::clone(&self.shared);
                move || shared.wake.notify_one()
            });
        let result = self.run_loop(shutdown).await;
        if let Some(leases) = &self.shared.leases {
            // A graceful stop hands the partitions over at the others' next round.
            if let Err(e) = leases.release_all(&self.shared.store).await {
                tracing::warn!(error = %e, "the leases could not be released (they expire)");
            }
        }
        result
    }

    async fn run_loop(&self, shutdown: impl Future<Output = ()>) -> Result<(), SyncError> {
        tokio::pin!(shutdown);
        let config = &self.shared.config;
        let mut last_reconcile = Instant::now();
        loop {
            if config.reconcile_every.is_some_and(|every| last_reconcile.elapsed() >= every) {
                self.reconcile().await?;
                last_reconcile = Instant::now();
            }
            let report = self.run_once().await?;
            let wait = if report.accepted + report.cascaded >= config.max_records_per_cycle {
                Duration::ZERO
            } else {
                let next = self.shared.store.next_due_ms().await?;
                let until_due = next.map(|ms| Duration::from_millis((ms - now_ms()).max(0) as u64));
                until_due.map_or(config.tick, |d| d.min(config.tick))
            };
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = self.shared.wake.notified() => {
                    tokio::select! {
                        () = &mut shutdown => return Ok(()),
                        () = tokio::time::sleep(config.linger) => {}
                    }
                }
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One cycle for every organisation, now.
    pub async fn run_once(&self) -> Result<CycleReport, SyncError> {
        let shared = &self.shared;
        if shared.outbox {
            self.drain_outbox().await?;
        }
        // Between cycles nothing of this instance is on the wire: leases above its share go here.
        let fence = match &shared.leases {
            Some(leases) => Some(leases.round(&shared.store, true).await?),
            None => None,
        };
        shared.store.route().await?;
        let mut total = CycleReport::default();
        let unrouted = shared.orgs.len() == 1;
        if fence.as_ref().is_some_and(|f| f.leases.is_empty()) {
            return Ok(total);
        }
        for org in &shared.orgs {
            let report = cycle(shared, org, unrouted, fence.as_ref()).await?;
            total.accepted += report.accepted;
            total.cascaded += report.cascaded;
            total.parked += report.parked;
            total.retried += report.retried;
            total.failed_organisations += report.failed_organisations;
        }
        let late = shared.store.late_slots(now_ms() - shared.config.freshness.as_millis() as i64).await?;
        if late > 0 {
            tracing::warn!(
                late_slots = late,
                window_s = shared.config.freshness.as_secs(),
                "slot changes older than the freshness window"
            );
        }
        Ok(total)
    }

    /// Drains the MIS outbox into the store until it is empty (or another instance drains it).
    #[cfg(feature = "postgres")]
    async fn drain_outbox(&self) -> Result<(), SyncError> {
        let batch = self.shared.config.outbox_batch.max(1);
        loop {
            let drain = self.shared.store.drain_outbox(batch).await?;
            if drain.busy || drain.taken < batch as u64 {
                return Ok(());
            }
        }
    }

    #[cfg(not(feature = "postgres"))]
    async fn drain_outbox(&self) -> Result<(), SyncError> {
        Ok(())
    }

    /// The name of this instance among those sharing a PostgreSQL store (`None` on SQLite).
    pub fn instance(&self) -> Option<&str> {
        self.shared.leases.as_ref().map(|l| l.instance())
    }

    /// Reads the Vitrina back for every organisation and turns what differs from the last-sent
    /// state into pending work (see the `reconcile` notes in the crate docs). An organisation whose
    /// read-back fails is counted in the report and left as it is. On a shared (PostgreSQL) store
    /// only one instance reconciles, the holder of the lease of the records not routed yet (the
    /// partition `""`); the others answer an empty report.
    pub async fn reconcile(&self) -> Result<ReconcileReport, SyncError> {
        let shared = &self.shared;
        if let Some(leases) = &shared.leases {
            let fence = leases.round(&shared.store, false).await?;
            if !fence.leases.iter().any(|(part, _)| part.is_empty()) {
                return Ok(ReconcileReport::default());
            }
        }
        shared.store.route().await?;
        let today = chrono::Local::now().date_naive();
        let to = today + chrono::Duration::days(i64::from(shared.config.reconcile_days));
        let unrouted = shared.orgs.len() == 1;
        let mut total = ReconcileReport::default();
        for org in &shared.orgs {
            match crate::reconcile::organisation(&shared.store, &org.oid, unrouted, &org.client, today, to).await? {
                Ok(r) => {
                    total.read += r.read;
                    total.missing += r.missing;
                    total.altered += r.altered;
                    total.unwanted += r.unwanted;
                }
                Err(e) => {
                    tracing::warn!(organisation = %org.oid, error = %error_chain(&e), "reconciliation could not read the Vitrina");
                    total.failed_organisations += 1;
                }
            }
        }
        if total.repaired() > 0 {
            tracing::warn!(?total, "reconciliation found drift on the Vitrina");
            shared.wake.notify_one();
        }
        *lock(&shared.last_reconciliation) = Some(crate::status::Reconciliation { at_ms: now_ms(), report: total });
        Ok(total)
    }

    /// The engine's status (see [`SyncHandle::status`]).
    pub async fn status(&self) -> Result<SyncStatus, SyncError> {
        self.handle().status().await
    }
}

/// Hands changes to the engine. Every call is durable when it returns (committed to the store)
/// and wakes the push loop.
#[derive(Clone)]
pub struct SyncHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHandle").field("organisations", &self.shared.orgs.len()).finish_non_exhaustive()
    }
}

impl SyncHandle {
    /// Records that the MIS wants `records` on the Vitrina. Per record the last write wins; a
    /// record handed over with the content already wanted is no change, and one changed back to
    /// what the Vitrina holds needs no push.
    pub async fn upsert<R: Record>(&self, records: &[R]) -> Result<IntakeCounts, SyncError> {
        let counts = self.shared.store.intake(Box::new(records.iter().map(Entry::of)), now_ms()).await?;
        self.wake(counts);
        Ok(counts)
    }

    /// Records that the MIS deleted the records `ids` of `table`.
    pub async fn delete(&self, table: Table, ids: &[Guid]) -> Result<IntakeCounts, SyncError> {
        let counts = self.shared.store.delete(table, ids, now_ms()).await?;
        self.wake(counts);
        Ok(counts)
    }

    /// Records that `dataset` is the complete content of `scope` (for an MIS that cannot emit
    /// changes): its records are upserts, and every record of the scope that it does not hold
    /// becomes a delete. Records whose content did not change since the last snapshot cost a hash
    /// comparison, nothing is sent for them.
    pub async fn snapshot(&self, scope: Scope, dataset: &Dataset) -> Result<IntakeCounts, SyncError> {
        // Every table in load order, each record encoded as the store takes it.
        let entries = Table::LOAD_ORDER.into_iter().flat_map(|table| -> Entries<'_> {
            fer_model::with_record_type!(table, R => Box::new(dataset.records::<R>().iter().map(Entry::of)))
        });
        let counts = self.shared.store.snapshot(scope, Box::new(entries), now_ms()).await?;
        self.wake(counts);
        Ok(counts)
    }

    /// Records that the Vitrina already holds `records` because the gateway wrote them there (after
    /// a booking or a cancel through the webhook: the slot RECORDED and the book 5000, or AVAILABLE
    /// and 5010), and that the MIS wants them so. Call it from the webhook handler once the MIS has
    /// booked or cancelled: nothing is sent for them, and reconciliation does not put the slot back
    /// to the MIS's older state.
    pub async fn adopt<R: Record>(&self, records: &[R]) -> Result<(), SyncError> {
        self.shared.store.adopt(Box::new(records.iter().map(Entry::of)), now_ms()).await
    }

    fn wake(&self, counts: IntakeCounts) {
        if counts.changed + counts.deleted > 0 {
            self.shared.wake.notify_one();
        }
    }

    /// Backlog, oldest unsent change and latency per organisation and table; parked records;
    /// late slots.
    pub async fn status(&self) -> Result<SyncStatus, SyncError> {
        let shared = &self.shared;
        let now = now_ms();
        let backlog = shared.store.backlog().await?;
        let parked = shared.store.parked(100).await?;
        let parked_by_code = shared.store.parked_codes().await?;
        let late_slots = shared.store.late_slots(now - shared.config.freshness.as_millis() as i64).await?;
        let window = shared.config.latency_window;
        let metrics = lock(&shared.metrics);
        let mut organisations: Vec<OrganisationStatus> = shared
            .orgs
            .iter()
            .map(|o| {
                let state = lock(&o.state);
                OrganisationStatus {
                    organisation: Some(o.oid.clone()),
                    failing: state.last_error.clone(),
                    consecutive_failures: state.consecutive_failures,
                    tables: Vec::new(),
                }
            })
            .collect();
        let single = organisations.len() == 1;
        for row in &backlog {
            let at = match &row.org {
                Some(org) => organisations.iter().position(|o| o.organisation.as_ref() == Some(org)),
                None if single => Some(0),
                None => None,
            };
            let at = at.unwrap_or_else(|| {
                organisations.push(OrganisationStatus {
                    organisation: row.org.clone(),
                    failing: None,
                    consecutive_failures: 0,
                    tables: Vec::new(),
                });
                organisations.len() - 1
            });
            let org = &mut organisations[at];
            let table = table_status(&mut org.tables, row.table);
            table.add(row, now);
        }
        for (org, table) in metrics.keys() {
            if let Some(o) = organisations.iter_mut().find(|o| o.organisation.as_deref() == Some(org.as_str())) {
                let status = table_status(&mut o.tables, *table);
                status.latency = metrics.latency(org, *table, window);
                status.latency_histogram = metrics.histogram(org, *table);
            }
        }
        drop(metrics);
        for o in &mut organisations {
            o.tables.sort_by_key(|t| Table::LOAD_ORDER.iter().position(|l| *l == t.table));
        }
        let last_reconciliation = *lock(&shared.last_reconciliation);
        Ok(SyncStatus { organisations, parked, parked_by_code, late_slots, last_reconciliation })
    }
}

fn table_status(tables: &mut Vec<TableStatus>, table: Table) -> &mut TableStatus {
    let at = tables.iter().position(|t| t.table == table).unwrap_or_else(|| {
        tables.push(TableStatus::empty(table));
        tables.len() - 1
    });
    &mut tables[at]
}

/// The work of one cycle of one organisation, collected and then settled in one transaction.
struct Cycle<'a> {
    shared: &'a Shared,
    org: &'a Organisation,
    /// The leases the cycle sends under (a shared store), and until when (this process's clock)
    /// each is known to hold.
    fence: Option<&'a Fence>,
    lease_deadlines: HashMap<String, Instant>,
    settlements: Vec<Settlement>,
    /// Records accepted (or deleted) in this cycle, and records that were not.
    accepted: HashSet<(Table, String)>,
    not_accepted: HashSet<(Table, String)>,
    latencies: Vec<(Table, u64)>,
    report: CycleReport,
}

/// The organisation could send nothing: the whole cycle stops and waits.
struct OrgFailure(String);

async fn cycle(
    shared: &Shared,
    org: &Organisation,
    unrouted: bool,
    fence: Option<&Fence>,
) -> Result<CycleReport, SyncError> {
    if lock(&org.state).retry_at.is_some_and(|at| Instant::now() < at) {
        return Ok(CycleReport::default());
    }
    let now = now_ms();
    let rows = shared.store.due(&org.oid, unrouted, now, shared.config.max_records_per_cycle, fence).await?;
    if rows.is_empty() {
        return Ok(CycleReport::default());
    }
    let plan = plan(rows);
    let on_the_wire: Vec<&PendingRow> = plan
        .early_deletes
        .iter()
        .chain(plan.upserts.iter().flat_map(|(_, rows)| rows))
        .chain(&plan.late_deletes)
        .collect();
    shared.store.mark_in_flight(&on_the_wire, fence).await?;
    let mut c = Cycle {
        shared,
        org,
        fence,
        lease_deadlines: HashMap::new(),
        settlements: Vec::new(),
        accepted: HashSet::new(),
        not_accepted: HashSet::new(),
        latencies: Vec::new(),
        report: CycleReport::default(),
    };
    let outcome = async {
        for row in &plan.early_deletes {
            c.delete(row).await?;
        }
        for (table, rows) in &plan.upserts {
            c.upserts(*table, rows).await?;
        }
        for row in &plan.late_deletes {
            c.delete(row).await?;
        }
        Ok::<(), OrgFailure>(())
    }
    .await;
    // A covered delete is settled once the delete that cascades to it is: directly, or through a
    // parent that is itself covered (a book under a slot under a deleted subdivision).
    let mut covered: Vec<&(PendingRow, (Table, String))> = plan.covered.iter().collect();
    loop {
        let before = covered.len();
        covered.retain(|(row, parent)| {
            if c.accepted.contains(parent) {
                c.accept(row, None);
                c.report.cascaded += 1;
                c.report.accepted -= 1;
                false
            } else {
                true
            }
        });
        if covered.len() == before {
            break;
        }
    }
    {
        let mut state = lock(&org.state);
        match &outcome {
            Ok(()) => *state = OrgState::default(),
            Err(OrgFailure(why)) => {
                state.consecutive_failures += 1;
                let wait = backoff(&shared.config, state.consecutive_failures, org.oid.as_bytes());
                state.retry_at = Some(Instant::now() + wait);
                state.last_error = Some(why.clone());
                tracing::error!(
                    organisation = %org.oid, failures = state.consecutive_failures, retry_in_ms = wait.as_millis() as u64,
                    error = %why, "nothing could be sent for this organisation"
                );
                c.report.failed_organisations += 1;
            }
        }
    }
    shared.store.settle(&c.settlements, fence).await?;
    {
        let mut metrics = lock(&shared.metrics);
        for (table, ms) in &c.latencies {
            metrics.record(&org.oid, *table, *ms, shared.config.latency_window);
        }
    }
    tracing::debug!(organisation = %org.oid, ?c.report, "cycle");
    Ok(c.report)
}

/// `send`, abandoned after `limit` (`None` then); without a limit, `send` as it is.
async fn budget<T>(limit: Option<Duration>, send: impl Future<Output = T>) -> Option<T> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, send).await.ok(),
        None => Some(send.await),
    }
}

fn over_budget(limit: Option<Duration>) -> String {
    format!("a request outlived its budget under the lease ({} ms): abandoned", limit.unwrap_or_default().as_millis())
}

/// The wait before try `attempt` (1-based): doubling from the base up to the cap, spread by ±20 %
/// with a jitter derived from `key` so that records failed together do not return together.
fn backoff(config: &SyncConfig, attempt: u32, key: &[u8]) -> Duration {
    let doubled = config.retry_base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let capped = doubled.min(config.retry_max);
    let spread = (xxh3_64(&[key, &attempt.to_le_bytes()].concat()) % 401) as f64 / 1000.0; // 0 ..= 0.4
    capped.mul_f64(0.8 + spread)
}

impl Cycle<'_> {
    /// The partitions among `parts` that this instance may send for now: their leases are still
    /// held with their tokens and have more than the send budget left (by the database's clock,
    /// asked again when what was learnt last no longer covers the budget).
    async fn allowed(&mut self, parts: &[String]) -> HashSet<String> {
        let Some(fence) = self.fence else { return parts.iter().cloned().collect() };
        let budget = self.shared.config.send_budget;
        let covered = |deadlines: &HashMap<String, Instant>, p: &String| {
            deadlines.get(p).is_some_and(|d| Instant::now() + budget < *d)
        };
        if !parts.iter().all(|p| covered(&self.lease_deadlines, p)) {
            let asked = Instant::now();
            match self.shared.store.lease_left(fence).await {
                Ok(left) => {
                    self.lease_deadlines =
                        left.into_iter().map(|(p, ms)| (p, asked + Duration::from_millis(ms.max(0) as u64))).collect();
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the leases could not be checked: nothing is sent");
                    self.lease_deadlines.clear();
                }
            }
        }
        parts.iter().filter(|p| covered(&self.lease_deadlines, p)).cloned().collect()
    }

    fn key(row: &PendingRow) -> (Table, String) {
        (row.table, row.id.clone())
    }

    fn accept(&mut self, row: &PendingRow, sent_hash: Option<i64>) {
        self.settlements.push(Settlement::Accepted { table: row.table, id: row.id.clone(), sent_hash });
        self.accepted.insert(Self::key(row));
        self.latencies.push((row.table, (now_ms() - row.pending_since_ms).max(0) as u64));
        self.report.accepted += 1;
    }

    /// The record is refused for now: parked, or tried again after a backoff.
    fn refuse(&mut self, row: &PendingRow, code: impl Into<String>, message: impl Into<String>, park: bool) {
        let wait = backoff(&self.shared.config, row.attempts + 1, row.id.as_bytes());
        self.settlements.push(Settlement::Refused {
            table: row.table,
            id: row.id.clone(),
            tried_hash: row.desired_hash,
            code: code.into(),
            message: message.into(),
            park,
            next_try_ms: now_ms() + wait.as_millis() as i64,
        });
        self.not_accepted.insert(Self::key(row));
        if park {
            self.report.parked += 1;
        } else {
            self.report.retried += 1;
        }
    }

    async fn delete(&mut self, row: &PendingRow) -> Result<(), OrgFailure> {
        let Ok(id) = row.id.parse::<Guid>() else {
            self.refuse(row, "id", "the id is not a GUID", true);
            return Ok(());
        };
        if self.fence.is_some() && !self.allowed(std::slice::from_ref(&row.part)).await.contains(&row.part) {
            self.not_accepted.insert(Self::key(row));
            return Ok(());
        }
        let client = &self.org.client;
        let fence_budget = self.fence.map(|_| self.shared.config.send_budget);
        let sent = fer_model::with_record_type!(row.table, R => budget(fence_budget, client.delete::<R>(&id)).await);
        let Some(result) = sent else {
            self.not_accepted.insert(Self::key(row));
            return Err(OrgFailure(over_budget(fence_budget)));
        };
        match result {
            // Deleted, or not there: either way the Vitrina does not hold it.
            Ok(_) => self.accept(row, None),
            Err(e) => self.client_error(row, &e)?,
        }
        Ok(())
    }

    async fn upserts(&mut self, table: Table, rows: &[PendingRow]) -> Result<(), OrgFailure> {
        let mut sendable = Vec::with_capacity(rows.len());
        for row in rows {
            let waiting_for = parse_parents(&row.parents)
                .into_iter()
                .find(|(t, id)| self.not_accepted.contains(&(*t, id.to_string())));
            match waiting_for {
                Some((t, id)) => {
                    self.refuse(row, "parent", format!("waits for {t} {id}, not accepted in this cycle"), false)
                }
                None => sendable.push(row),
            }
        }
        if sendable.is_empty() {
            return Ok(());
        }
        if self.fence.is_some() {
            let mut parts: Vec<String> = sendable.iter().map(|r| r.part.clone()).collect();
            parts.sort_unstable();
            parts.dedup();
            let allowed = self.allowed(&parts).await;
            sendable.retain(|r| {
                let ok = allowed.contains(&r.part);
                if !ok {
                    self.not_accepted.insert(Self::key(r));
                }
                ok
            });
            if sendable.is_empty() {
                return Ok(());
            }
        }
        let client = &self.org.client;
        let fence_budget = self.fence.map(|_| self.shared.config.send_budget);
        let sent = fer_model::with_record_type!(table, R => {
            let mut records: Vec<R> = Vec::with_capacity(sendable.len());
            let mut kept = Vec::with_capacity(sendable.len());
            for row in &sendable {
                match serde_json::from_str::<R>(row.desired.as_deref().unwrap_or("null")) {
                    Ok(r) => {
                        records.push(r);
                        kept.push(*row);
                    }
                    Err(e) => self.refuse(row, "decode", format!("the stored record does not decode: {e}"), true),
                }
            }
            (kept, budget(fence_budget, client.upsert(&records)).await)
        });
        let (kept, result) = sent;
        let result = match result {
            Some(r) => r,
            None => {
                for row in &kept {
                    self.not_accepted.insert(Self::key(row));
                }
                return Err(OrgFailure(over_budget(fence_budget)));
            }
        };
        match result {
            Ok(report) => {
                for row in kept {
                    self.upsert_outcome(row, &report);
                }
                Ok(())
            }
            Err(e) => {
                for row in &kept {
                    self.not_accepted.insert(Self::key(row));
                }
                Err(OrgFailure(error_chain(&e)))
            }
        }
    }

    fn upsert_outcome(&mut self, row: &PendingRow, report: &UploadReport) {
        let Some(outcome) = row.id.parse::<Guid>().ok().and_then(|id| report.get(&id)) else {
            self.refuse(row, "unconfirmed", "the answer did not mention the record", false);
            return;
        };
        let ordering = self.shared.config.ordering_retries;
        match outcome {
            Outcome::Accepted => self.accept(row, row.desired_hash),
            Outcome::Rejected { code, message } => {
                let park = *code != fer_model::ErrorCode::R330 || row.attempts + 1 >= ordering;
                self.refuse(row, code.as_str(), message.clone(), park);
            }
            Outcome::Invalid { diagnostics } => {
                let code = diagnostics.first().map(|d| d.code.as_str().to_owned()).unwrap_or_else(|| "invalid".into());
                let message = diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                self.refuse(row, code, message, true);
            }
            Outcome::Skipped { reason } => self.refuse(row, "skipped", reason.to_string(), false),
            Outcome::Failed { error } => match &**error {
                ClientError::Forbidden { message } => self.refuse(row, "403", message.clone(), true),
                ClientError::Blocked { message } => self.refuse(row, "405", message.clone(), true),
                other => self.refuse(row, "failed", error_chain(other), false),
            },
            Outcome::Unconfirmed { status } => {
                self.refuse(row, status.to_string(), "neither accepted nor refused", false)
            }
            #[allow(unreachable_patterns)]
            _ => self.refuse(row, "unknown", "an outcome this release does not know", false),
        }
    }

    /// A single request failed: about this record (parked), or about the connection (the
    /// organisation's failure).
    fn client_error(&mut self, row: &PendingRow, e: &ClientError) -> Result<(), OrgFailure> {
        match e {
            ClientError::Forbidden { message } => self.refuse(row, "403", message.clone(), true),
            ClientError::Blocked { message } => self.refuse(row, "405", message.clone(), true),
            ClientError::Http { status, .. } if (400..500).contains(status) => {
                self.refuse(row, status.to_string(), error_chain(e), true)
            }
            _ => {
                self.not_accepted.insert(Self::key(row));
                return Err(OrgFailure(error_chain(e)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_a_bounded_spread() {
        let c = SyncConfig::default().with_retry(Duration::from_millis(100), Duration::from_secs(2));
        for attempt in 1..30 {
            let d = backoff(&c, attempt, b"x");
            let nominal =
                Duration::from_millis(100).saturating_mul(1 << (attempt - 1).min(20)).min(Duration::from_secs(2));
            assert!(d >= nominal.mul_f64(0.8) && d <= nominal.mul_f64(1.2), "{attempt}: {d:?}");
        }
    }
}
