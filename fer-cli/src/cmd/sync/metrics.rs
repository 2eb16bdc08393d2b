//! The sidecar's metrics, in the Prometheus text format (OpenMetrics 1.0, which Prometheus
//! scrapes), taken from the engine's status at every scrape:
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `fer_sync_backlog` | organisation, table | records waiting to be sent |
//! | `fer_sync_in_doubt` | organisation, table | sent without an answer, to be sent again |
//! | `fer_sync_parked` | organisation, table | refused, waiting for the MIS to change them |
//! | `fer_sync_parked_by_code` | code | parked records per refusal code |
//! | `fer_sync_oldest_unsent_change_age_seconds` | organisation, table | how long the oldest unsent change has waited |
//! | `fer_sync_change_to_accepted_seconds` | organisation, table | histogram: intake → the Vitrina's acceptance |
//! | `fer_sync_late_slots` | | slots past the 30-second window |
//! | `fer_sync_organisation_failing` | organisation | 1 while nothing can be sent for it |
//! | `fer_sync_intake_answers_total` | status | answers of the HTTP intake by status code |
//! | `fer_sync_lease_holder` | partition, holder | 1 per partition (subdivision) leased, on a shared PostgreSQL store |
//! | `fer_sync_lease_left_seconds` | partition, holder | the time left on that lease |
//!
//! With a `[webhook]`, fer-webhook's own metrics follow (calls, answers by status code, deadline
//! hits, latency: see `fer_webhook::WebhookMetrics`).

use std::sync::atomic::AtomicU64;

use axum::http::StatusCode;
use fer_http::metrics::Registry;
use fer_http::metrics::prometheus_client::collector::Collector;
use fer_http::metrics::prometheus_client::encoding::DescriptorEncoder;
use fer_http::metrics::prometheus_client::metrics::MetricType;
use fer_http::metrics::prometheus_client::metrics::counter::Counter;
use fer_http::metrics::prometheus_client::metrics::family::Family;
use fer_http::metrics::prometheus_client::metrics::gauge::Gauge;
use fer_http::metrics::prometheus_client::registry::Unit;
use fer_sync::{LatencyHistogram, SyncStatus};

/// Label pairs.
type Labels = Vec<(&'static str, String)>;

/// The `Content-Type` of [`encode`]'s text.
pub use fer_http::metrics::CONTENT_TYPE;

/// The HTTP intake's answers by status code (shared by the intake and the exporter).
#[derive(Debug, Clone, Default)]
pub struct Answers(Family<Labels, Counter>);

impl Answers {
    /// Counts an answer.
    pub fn count(&self, status: StatusCode) {
        self.0.get_or_create(&vec![("status", status.as_u16().to_string())]).inc();
    }
}

/// The metrics text for `status`, the store's `leases` and the intake's `answers`.
pub fn encode(
    status: &SyncStatus,
    leases: &[fer_sync::Lease],
    answers: &Answers,
    webhook: Option<&fer_webhook::WebhookMetrics>,
) -> String {
    let mut registry = Registry::default();
    let family = || Family::<Labels, Gauge>::default();
    let (backlog, in_doubt, parked) = (family(), family(), family());
    let oldest = Family::<Labels, Gauge<f64, AtomicU64>>::default();
    let failing = family();
    let mut histograms = Vec::new();
    for o in &status.organisations {
        let organisation = o.organisation.clone().unwrap_or_default();
        if o.organisation.is_some() {
            failing.get_or_create(&vec![("organisation", organisation.clone())]).set(i64::from(o.failing.is_some()));
        }
        for t in &o.tables {
            let labels: Labels = vec![("organisation", organisation.clone()), ("table", t.table.as_str().to_owned())];
            backlog.get_or_create(&labels).set(gauge(t.pending));
            in_doubt.get_or_create(&labels).set(gauge(t.in_doubt));
            parked.get_or_create(&labels).set(gauge(t.parked));
            oldest.get_or_create(&labels).set(t.oldest_unsent_ms.map_or(0.0, |ms| ms as f64 / 1000.0));
            if t.latency_histogram.count > 0 {
                histograms.push((labels, t.latency_histogram.clone()));
            }
        }
    }
    let by_code = family();
    for p in &status.parked_by_code {
        by_code.get_or_create(&vec![("code", p.code.clone())]).set(gauge(p.count));
    }
    let late: Gauge = Gauge::default();
    late.set(gauge(status.late_slots));
    let (holders, left) = (family(), Family::<Labels, Gauge<f64, AtomicU64>>::default());
    for lease in leases {
        if let Some(holder) = &lease.holder {
            let labels: Labels = vec![("partition", lease.partition.clone()), ("holder", holder.clone())];
            holders.get_or_create(&labels).set(1);
            left.get_or_create(&labels).set(lease.left.as_secs_f64());
        }
    }

    registry.register("fer_sync_backlog", "Records waiting to be sent", backlog);
    registry.register("fer_sync_in_doubt", "Records sent without an answer, to be sent again", in_doubt);
    registry.register("fer_sync_parked", "Records refused, waiting for the MIS to change them", parked);
    registry.register("fer_sync_parked_by_code", "Parked records per refusal code", by_code);
    registry.register_with_unit(
        "fer_sync_oldest_unsent_change_age",
        "How long the oldest unsent change has waited",
        Unit::Seconds,
        oldest,
    );
    registry.register("fer_sync_late_slots", "Slots whose change waited longer than the 30-second window", late);
    registry.register("fer_sync_organisation_failing", "1 while nothing can be sent for the organisation", failing);
    registry.register("fer_sync_intake_answers", "Answers of the HTTP intake by status code", answers.0.clone());
    registry.register("fer_sync_lease_holder", "1 per partition (subdivision) leased, and by whom", holders);
    registry.register_with_unit("fer_sync_lease_left", "The time left on the lease", Unit::Seconds, left);
    registry.register_collector(Box::new(LatencyHistograms(histograms)));
    if let Some(webhook) = webhook {
        webhook.register(&mut registry);
    }

    fer_http::metrics::encode(&registry)
}

fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `fer_sync_change_to_accepted_seconds`: the engine's cumulative histograms, as they are at the
/// scrape.
#[derive(Debug)]
struct LatencyHistograms(Vec<(Labels, LatencyHistogram)>);

impl Collector for LatencyHistograms {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if self.0.is_empty() {
            return Ok(());
        }
        let mut metric = encoder.encode_descriptor(
            "fer_sync_change_to_accepted",
            "Change to accepted latency: from the intake of a change to the Vitrina's acceptance",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for (labels, h) in &self.0 {
            // The encoder accumulates: it takes each bucket's own count.
            let mut below = 0;
            let mut buckets: Vec<(f64, u64)> = LatencyHistogram::BOUNDS_MS
                .iter()
                .zip(&h.buckets)
                .map(|(bound, cumulative)| {
                    let own = cumulative - below;
                    below = *cumulative;
                    (*bound as f64 / 1000.0, own)
                })
                .collect();
            buckets.push((f64::INFINITY, h.count - below));
            metric.encode_family(labels)?.encode_histogram::<Labels>(
                h.sum_ms as f64 / 1000.0,
                h.count,
                &buckets,
                None,
            )?;
        }
        Ok(())
    }
}
