//! The webhook's metrics through fer-http's exporter: a real webhook server, a real `/metrics`
//! server on another loopback port, calls of every kind, and the scrape read by a Prometheus
//! text-format parser (the `prometheus-parse` crate), as a scraper would.

use std::sync::Arc;
use std::time::Duration;

use fer_webhook::*;
use prometheus_parse::{Scrape, Value};

use crate::common::{Mode, TestMis, fixture};

/// The value of the sample `name` whose labels include all of `labels`, if any.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let sample =
        scrape.samples.iter().find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))?;
    match &sample.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(*v),
        Value::Histogram(buckets) => buckets.iter().find(|b| b.less_than.is_infinite()).map(|b| b.count),
        Value::Summary(_) => None,
    }
}

#[tokio::test]
async fn every_request_is_counted_once_and_scraped_in_the_text_format() {
    let mut registry = fer_http::metrics::Registry::default();
    let metrics = WebhookMetrics::new();
    metrics.register(&mut registry);

    // The webhook on its port, the metrics on another (loopback, never the webhook's).
    let service = WebhookService::new(Idempotent::in_memory(TestMis::new(Mode::Normal))).with_metrics(metrics.clone());
    let listener = fer_webhook::bind("127.0.0.1:0").await.unwrap();
    let webhook = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, service));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let exporter = listener.local_addr().unwrap();
    tokio::spawn(fer_http::metrics::serve(listener, Arc::new(registry), std::future::pending()));

    let client = reqwest::Client::new();
    let post = |path: &str, body: Vec<u8>| {
        let request = client.post(format!("http://{webhook}{path}")).body(body);
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.bytes().await.unwrap())
        }
    };
    // A booking and two repeats (answered from the store): three answers of status 0.
    let mut book_ext_id = String::new();
    for _ in 0..3 {
        let (status, body) = post("/booking/book", fixture("booking_request.json")).await;
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["status"]["status_code"], 0);
        book_ext_id = json["book_ext_id"].as_str().unwrap().to_owned();
    }
    // Well-formed but invalid: status 18. Malformed JSON: HTTP 400.
    assert_eq!(post("/booking/book", br#"{"slot_id": 5}"#.to_vec()).await.0, 200);
    assert_eq!(post("/booking/book", b"{".to_vec()).await.0, 400);
    let cancel = serde_json::json!({ "book_ext_id": book_ext_id, "patient_id": "p" }).to_string();
    assert_eq!(post("/booking/cancel", cancel.into_bytes()).await.0, 200);
    // The gateway's probe, and a stranger's path.
    assert_eq!(client.get(format!("http://{webhook}/booking/book")).send().await.unwrap().status(), 200);
    assert_eq!(client.get(format!("http://{webhook}/admin")).send().await.unwrap().status(), 404);

    // A handler too slow for its deadline, counted in the same metrics.
    let config = WebhookConfig { deadline: Duration::from_millis(100), ..WebhookConfig::default() };
    let slow =
        WebhookService::new(TestMis::new(Mode::Slow(Duration::from_secs(5)))).with_metrics(metrics).with_config(config);
    let request =
        http::Request::post("/booking/book").body(bytes::Bytes::from(fixture("booking_request.json"))).unwrap();
    let answer: serde_json::Value = serde_json::from_slice(slow.handle(request).await.body()).unwrap();
    assert_eq!(answer["status"]["status_code"], 18);

    let scraped = client.get(format!("http://{exporter}/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert_eq!(scraped.headers()["content-type"], fer_http::metrics::CONTENT_TYPE);
    let text = scraped.text().await.unwrap();
    let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).unwrap();
    let get = |name: &str, labels: &[(&str, &str)]| {
        value(&scrape, name, labels).unwrap_or_else(|| panic!("{name} {labels:?} in\n{text}"))
    };

    assert_eq!(get("fer_webhook_calls_total", &[("operation", "book")]), 6.0);
    assert_eq!(get("fer_webhook_calls_total", &[("operation", "cancel")]), 1.0);
    assert_eq!(get("fer_webhook_calls_total", &[("operation", "probe")]), 1.0);
    assert_eq!(get("fer_webhook_calls_total", &[("operation", "other")]), 1.0);
    let answers = |operation: &str, http: &str, code: &str| {
        get("fer_webhook_answers_total", &[("operation", operation), ("http_status", http), ("status_code", code)])
    };
    assert_eq!(answers("book", "200", "0"), 3.0);
    assert_eq!(answers("book", "200", "18"), 2.0, "the invalid request and the deadline");
    assert_eq!(answers("book", "400", ""), 1.0);
    assert_eq!(answers("cancel", "200", "0"), 1.0);
    assert_eq!(answers("probe", "200", ""), 1.0);
    assert_eq!(answers("other", "404", ""), 1.0);
    assert_eq!(get("fer_webhook_deadline_hits_total", &[("operation", "book")]), 1.0);
    assert!(value(&scrape, "fer_webhook_deadline_hits_total", &[("operation", "cancel")]).is_none());
    // The latency histogram: one observation per answer.
    assert_eq!(get("fer_webhook_latency_seconds", &[("operation", "book")]), 6.0);
    assert_eq!(get("fer_webhook_latency_seconds_count", &[("operation", "book")]), 6.0);
    assert_eq!(get("fer_webhook_latency_seconds_count", &[("operation", "probe")]), 1.0);
    // Every answer counted once: as many answers as calls.
    let total = |name: &str| {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .map(|s| match s.value {
                Value::Counter(v) | Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum::<f64>()
    };
    assert_eq!(total("fer_webhook_calls_total"), 9.0);
    assert_eq!(total("fer_webhook_answers_total"), 9.0);

    // The exporter serves nothing else.
    assert_eq!(client.get(format!("http://{exporter}/")).send().await.unwrap().status(), 404);
}
