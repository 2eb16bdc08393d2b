//! Freshness, observable: what is waiting, for how long, how fast changes get through, and what the
//! Vitrina refused.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use fer_model::Table;
use serde::Serialize;

/// The state of an engine and its store at one moment ([`SyncHandle::status`](crate::SyncHandle::status)).
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Per organisation the engine pushes for (and one with `organisation: None` for records not
    /// routed to any yet).
    pub organisations: Vec<OrganisationStatus>,
    /// Parked records: the Vitrina (or pre-flight validation) refused them; they wait for the MIS
    /// to change them. The first 100.
    pub parked: Vec<ParkedRecord>,
    /// Every parked record counted per refusal code, most frequent code first.
    pub parked_by_code: Vec<ParkedCount>,
    /// Slots whose change has waited longer than the freshness window (30 s by default).
    pub late_slots: u64,
    /// The last reconciliation of this engine, if it ran one.
    pub last_reconciliation: Option<Reconciliation>,
}

/// When the last reconciliation ran and what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// When it ended, in milliseconds since the epoch.
    pub at_ms: i64,
    /// What it found (and queued).
    pub report: crate::ReconcileReport,
}

impl SyncStatus {
    /// Records waiting to be sent (parked ones not counted), over every organisation and table.
    pub fn backlog(&self) -> u64 {
        self.organisations.iter().flat_map(|o| &o.tables).map(|t| t.pending).sum()
    }

    /// Records sent without an answer (see [`TableStatus::in_doubt`]), over every organisation and
    /// table.
    pub fn in_doubt(&self) -> u64 {
        self.organisations.iter().flat_map(|o| &o.tables).map(|t| t.in_doubt).sum()
    }

    /// The status of one table of one organisation.
    pub fn table(&self, organisation: &str, table: Table) -> Option<&TableStatus> {
        self.organisations
            .iter()
            .find(|o| o.organisation.as_deref() == Some(organisation))
            .and_then(|o| o.tables.iter().find(|t| t.table == table))
    }
}

/// One organisation (an MO OID it logs in with).
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationStatus {
    /// The OID; `None` for records whose organisation is not known yet.
    pub organisation: Option<String>,
    /// Why the last cycle could send nothing at all (a refused password, an unreachable Vitrina),
    /// while that lasts; the engine waits before it tries again.
    pub failing: Option<String>,
    /// Cycles in a row that could send nothing.
    pub consecutive_failures: u32,
    /// Per table with anything pending or measured.
    pub tables: Vec<TableStatus>,
}

/// One table of one organisation.
#[derive(Debug, Clone, Serialize)]
pub struct TableStatus {
    /// The table.
    pub table: Table,
    /// Records waiting to be sent.
    pub pending: u64,
    /// Records refused and waiting for a change.
    pub parked: u64,
    /// Pending records that went on the wire without an answer coming back (the engine stopped,
    /// or crashed, while they were in flight): whether the Vitrina took them is unknown, so they
    /// are sent again. At most this many records reach the Vitrina twice.
    pub in_doubt: u64,
    /// How long the oldest unsent change has waited, in milliseconds.
    pub oldest_unsent_ms: Option<u64>,
    /// Change → accepted latency over the recent window.
    pub latency: Latency,
    /// Change → accepted latency since the engine started, as a cumulative histogram (what a
    /// Prometheus histogram exports).
    pub latency_histogram: LatencyHistogram,
}

impl TableStatus {
    /// A table with nothing to report.
    pub(crate) fn empty(table: Table) -> TableStatus {
        TableStatus {
            table,
            pending: 0,
            parked: 0,
            in_doubt: 0,
            oldest_unsent_ms: None,
            latency: Latency::default(),
            latency_histogram: LatencyHistogram::default(),
        }
    }

    /// Adds a line of the store's backlog (`now`: milliseconds since the epoch).
    pub(crate) fn add(&mut self, row: &crate::store::BacklogRow, now: i64) {
        self.pending += row.pending;
        self.parked += row.parked;
        self.in_doubt += row.in_doubt;
        let age = row.oldest_ms.map(|ms| (now - ms).max(0) as u64);
        self.oldest_unsent_ms = self.oldest_unsent_ms.max(age);
    }
}

/// Change → accepted latency: from the intake of a change to the Vitrina's acceptance of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Latency {
    /// Changes accepted in the window.
    pub count: usize,
    /// Median, in milliseconds.
    pub p50_ms: Option<u64>,
    /// 99th percentile, in milliseconds.
    pub p99_ms: Option<u64>,
    /// Largest, in milliseconds.
    pub max_ms: Option<u64>,
}

/// Change → accepted latency since the engine started, counted into fixed buckets: never reset,
/// so that a scraper can take rates and quantiles over any interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatencyHistogram {
    /// Changes accepted.
    pub count: u64,
    /// The sum of their latencies, in milliseconds.
    pub sum_ms: u64,
    /// Per upper bound of [`LatencyHistogram::BOUNDS_MS`], the changes accepted within it
    /// (cumulative: each count includes the smaller buckets'; `count` is the `+Inf` bucket).
    pub buckets: Vec<u64>,
}

impl LatencyHistogram {
    /// The buckets' upper bounds in milliseconds, around the profile's 30-second window.
    pub const BOUNDS_MS: [u64; 12] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 20_000, 30_000, 60_000, 300_000];

    fn observe(&mut self, ms: u64) {
        self.count += 1;
        self.sum_ms = self.sum_ms.saturating_add(ms);
        for (bound, bucket) in Self::BOUNDS_MS.iter().zip(&mut self.buckets) {
            if ms <= *bound {
                *bucket += 1;
            }
        }
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram { count: 0, sum_ms: 0, buckets: vec![0; Self::BOUNDS_MS.len()] }
    }
}

/// How many parked records a refusal code has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParkedCount {
    /// The refusal code, as in [`ParkedRecord::code`].
    pub code: String,
    /// Parked records with it.
    pub count: u64,
}

/// A record the Vitrina refused, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParkedRecord {
    /// The table.
    pub table: Table,
    /// The record's id.
    pub id: String,
    /// The organisation it was sent for.
    pub organisation: Option<String>,
    /// How many times it was tried.
    pub attempts: u32,
    /// The refusal: the Vitrina's code (`R-330`), a rule of fer-validate (`V044`), or the HTTP
    /// status (`403`, `405`).
    pub code: String,
    /// The Vitrina's or the validator's message.
    pub message: String,
}

/// Latency samples per organisation and table, kept for a window and at most `CAP` per key.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    samples: HashMap<(String, Table), VecDeque<(Instant, u64)>>,
    histograms: HashMap<(String, Table), LatencyHistogram>,
}

const CAP: usize = 20_000;

impl Metrics {
    pub(crate) fn record(&mut self, org: &str, table: Table, latency_ms: u64, window: Duration) {
        let now = Instant::now();
        self.histograms.entry((org.to_owned(), table)).or_default().observe(latency_ms);
        let q = self.samples.entry((org.to_owned(), table)).or_default();
        q.push_back((now, latency_ms));
        while q.len() > CAP || q.front().is_some_and(|(at, _)| now.duration_since(*at) > window) {
            q.pop_front();
        }
    }

    pub(crate) fn latency(&self, org: &str, table: Table, window: Duration) -> Latency {
        let now = Instant::now();
        let Some(q) = self.samples.get(&(org.to_owned(), table)) else { return Latency::default() };
        let mut v: Vec<u64> = q.iter().filter(|(at, _)| now.duration_since(*at) <= window).map(|(_, ms)| *ms).collect();
        v.sort_unstable();
        let pick = |q: f64| v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied();
        Latency { count: v.len(), p50_ms: pick(0.5), p99_ms: pick(0.99), max_ms: v.last().copied() }
    }

    pub(crate) fn histogram(&self, org: &str, table: Table) -> LatencyHistogram {
        self.histograms.get(&(org.to_owned(), table)).cloned().unwrap_or_default()
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &(String, Table)> {
        self.samples.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_window() {
        let mut m = Metrics::default();
        let w = Duration::from_secs(60);
        for ms in 1..=100 {
            m.record("1.2.3", Table::Slot, ms, w);
        }
        let l = m.latency("1.2.3", Table::Slot, w);
        assert_eq!((l.count, l.p50_ms, l.p99_ms, l.max_ms), (100, Some(51), Some(99), Some(100)));
        assert_eq!(m.latency("1.2.3", Table::Book, w), Latency::default());
        let h = m.histogram("1.2.3", Table::Slot);
        assert_eq!((h.count, h.sum_ms), (100, 5050));
        // 1..=50 within 50 ms, 1..=100 within 100 ms and every larger bound.
        assert_eq!(&h.buckets[..3], &[50, 100, 100]);
        assert_eq!(h.buckets.last(), Some(&100));
    }
}
