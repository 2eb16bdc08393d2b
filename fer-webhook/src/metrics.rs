//! [`WebhookMetrics`]: what the webhook counts (feature `metrics`), for fer-http's Prometheus
//! exporter (`fer_http::metrics`).

use std::time::Duration;

use fer_http::metrics::Registry;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;

/// The webhook's metrics, registered into a caller's [`Registry`] and given to the service with
/// [`WebhookService::with_metrics`](crate::WebhookService::with_metrics). Every request the
/// service sees is counted once in `calls` when it arrives and once in `answers` when it is
/// answered (a request whose connection closed first is in `calls` only):
///
/// | metric | labels | what |
/// | --- | --- | --- |
/// | `fer_webhook_calls_total` | `operation` | requests received: `book`, `cancel`, `probe` (the gateway's `GET /booking/book`), `other` (refused before routing: 403, 404, 405) |
/// | `fer_webhook_answers_total` | `operation`, `http_status`, `status_code` | answers sent: the HTTP status, and the answer's `status_code` (0, 11–18 for a booking, 0, 1, 18 for a cancel; empty when the answer is not the spec's JSON: a probe, an HTTP error) |
/// | `fer_webhook_deadline_hits_total` | `operation` | answers of status 18 written on the handler's behalf at the deadline |
/// | `fer_webhook_latency_seconds` | `operation` | histogram of the time from arrival to answer, 1 ms to 10 s |
///
/// Serve them on loopback with `fer_http::metrics::serve`, never on the webhook's port:
///
/// ```
/// # struct Mis;
/// # #[async_trait::async_trait]
/// # impl fer_webhook::BookingHandler for Mis {
/// #     async fn book(&self, _: fer_model::BookingRequest, _: fer_webhook::RequestContext) -> Result<fer_model::BookingConfirmation, fer_webhook::BookRejection> { Err(fer_model::BookingRejectionCode::SlotUnavailable.into()) }
/// #     async fn cancel(&self, _: fer_model::CancelRequest, _: fer_webhook::RequestContext) -> Result<fer_model::CancelConfirmation, fer_webhook::CancelRejection> { Err(fer_webhook::CancelRejection::technical_error()) }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use fer_webhook::{WebhookMetrics, WebhookService};
/// let mut registry = fer_http::metrics::Registry::default();
/// let metrics = WebhookMetrics::new();
/// metrics.register(&mut registry);
/// let service = WebhookService::new(Mis).with_metrics(metrics);
/// let probe = http::Request::get("/booking/book").body(bytes::Bytes::new()).unwrap();
/// service.handle(probe).await;
/// let text = fer_http::metrics::encode(&registry);
/// assert!(text.contains(r#"fer_webhook_calls_total{operation="probe"} 1"#));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct WebhookMetrics {
    calls: Family<Operation, Counter>,
    answers: Family<AnswerLabels, Counter>,
    deadline_hits: Family<Operation, Counter>,
    latency: Family<Operation, Histogram, fn() -> Histogram>,
}

/// The latency buckets, in seconds: from a fast in-memory answer to the gateway's 10 s.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 9.0, 10.0];

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Operation {
    operation: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AnswerLabels {
    operation: &'static str,
    http_status: u16,
    status_code: Option<u16>,
}

impl Default for WebhookMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookMetrics {
    /// Metrics at zero, not registered yet.
    pub fn new() -> Self {
        WebhookMetrics {
            calls: Family::default(),
            answers: Family::default(),
            deadline_hits: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
        }
    }

    /// Registers the metrics into `registry` under the prefix `fer_webhook` (the names in the
    /// table above). Clones share their values: register once, give clones to services.
    pub fn register(&self, registry: &mut Registry) {
        let registry = registry.sub_registry_with_prefix("fer_webhook");
        registry.register("calls", "Requests received, by operation", self.calls.clone());
        registry.register(
            "answers",
            "Answers sent, by operation, HTTP status and the answer's status_code",
            self.answers.clone(),
        );
        registry.register(
            "deadline_hits",
            "Answers of status 18 written on the handler's behalf at the deadline, by operation",
            self.deadline_hits.clone(),
        );
        registry.register(
            "latency_seconds",
            "Time from a request's arrival to its answer, by operation",
            self.latency.clone(),
        );
    }

    /// A request of `operation` arrived.
    pub(crate) fn called(&self, operation: &'static str) {
        self.calls.get_or_create(&Operation { operation }).inc();
    }

    /// The request of `operation` was answered.
    pub(crate) fn answered(
        &self,
        operation: &'static str,
        http_status: u16,
        status_code: Option<u16>,
        deadline_hit: bool,
        elapsed: Duration,
    ) {
        self.answers.get_or_create(&AnswerLabels { operation, http_status, status_code }).inc();
        if deadline_hit {
            self.deadline_hits.get_or_create(&Operation { operation }).inc();
        }
        self.latency.get_or_create(&Operation { operation }).observe(elapsed.as_secs_f64());
    }
}
