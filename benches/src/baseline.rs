//! What a vendor would write without fer-rs: the alternatives every figure is a ratio to.

use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use fer_model::{BookingRequest, BookingResponse, Slot};
use flate2::Compression;
use flate2::write::GzEncoder;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::inputs::confirmation;

/// The upload body a vendor declares by hand.
#[derive(Serialize)]
struct Body<'a> {
    data: &'a [Slot],
}

/// The hand-written encoding: `serde_json::to_vec` of `{"data": slots}`, then flate2's
/// `GzEncoder` at `level`.
pub fn encode_by_hand(slots: &[Slot], level: Compression) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec(&Body { data: slots })?;
    let mut encoder = GzEncoder::new(Vec::new(), level);
    encoder.write_all(&json)?;
    encoder.finish()
}

/// The hand-written encoding that streams the JSON into the encoder (no intermediate buffer), at
/// the default level.
pub fn encode_by_hand_streaming(slots: &[Slot]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    serde_json::to_writer(&mut encoder, &Body { data: slots })?;
    encoder.finish()
}

/// A JSON Schema of a whole upload body (`{"data": [slot, ...]}`) built around our exported slot
/// schema (`schemas/slot.schema.json`, the same document as `fer_model::schema::by_name("slot")`).
pub fn slot_batch_schema() -> Value {
    batch_schema(fer_model::Table::Slot)
}

/// A JSON Schema of a whole upload body of `table` (`{"data": [record, ...]}`) built around our
/// exported schema of the table (`schemas/<table>.schema.json`).
pub fn batch_schema(table: fer_model::Table) -> Value {
    let mut slot = fer_model::schema::by_name(table.as_str()).map(|s| s.as_value().clone()).unwrap_or(Value::Null);
    let defs = slot.as_object_mut().and_then(|o| o.remove("$defs")).unwrap_or_else(|| json!({}));
    if let Some(o) = slot.as_object_mut() {
        o.remove("$schema");
    }
    let mut defs = match defs {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    defs.insert("BatchRecord".into(), slot);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["data"],
        "properties": { "data": { "type": "array", "items": { "$ref": "#/$defs/BatchRecord" } } },
        "$defs": defs,
    })
}

/// The validator of [`slot_batch_schema`].
pub fn slot_batch_validator() -> Result<jsonschema::Validator, String> {
    batch_validator(fer_model::Table::Slot)
}

/// The validator of [`batch_schema`] for `table`.
pub fn batch_validator(table: fer_model::Table) -> Result<jsonschema::Validator, String> {
    jsonschema::validator_for(&batch_schema(table)).map_err(|e| e.to_string())
}

/// What the JSON Schema route costs for a raw body: parse it, then collect every error (as
/// fer-validate reports every diagnostic). Returns the number of errors, or `None` for a body that
/// is not JSON.
pub fn schema_check(validator: &jsonschema::Validator, body: &[u8]) -> Option<usize> {
    let value: Value = serde_json::from_slice(body).ok()?;
    Some(validator.iter_errors(&value).count())
}

/// The hand-written webhook: parse the booking request, confirm it, serialize the answer; no
/// limits, no validation, no deadline, no panic guard.
pub fn book_by_hand(body: &[u8]) -> Bytes {
    match serde_json::from_slice::<BookingRequest>(body) {
        Ok(request) => {
            Bytes::from(serde_json::to_vec(&BookingResponse::Confirmed(confirmation(&request))).unwrap_or_default())
        }
        Err(e) => Bytes::from(e.to_string()),
    }
}

/// How long a client may take to send the request head (as `fer_webhook::serve`).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `answer` (of any request, body read and dropped) on hyper with the connection settings
/// of `fer_webhook::serve`: the bare hyper handler.
pub async fn serve_static(listener: TcpListener, answer: Bytes) {
    serve_fn(listener, move |_body| {
        let answer = answer.clone();
        async move { answer }
    })
    .await
}

/// Serves [`book_by_hand`] on hyper with the connection settings of `fer_webhook::serve`.
pub async fn serve_by_hand(listener: TcpListener) {
    serve_fn(listener, |body| async move { book_by_hand(&body) }).await
}

/// An HTTP/1.1 server on hyper that answers 200 with `answer(request body)`; one task per
/// connection, as `fer_webhook::serve`.
async fn serve_fn<F, Fut>(listener: TcpListener, answer: F)
where
    F: Fn(Bytes) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Bytes> + Send,
{
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let answer = answer.clone();
        tokio::spawn(async move {
            let per_request = service_fn(move |request: http::Request<Incoming>| {
                let answer = answer.clone();
                async move {
                    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    let mut response = http::Response::new(Full::new(answer(body).await));
                    response
                        .headers_mut()
                        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
                    Ok::<_, Infallible>(response)
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), per_request);
            let _ = connection.await;
        });
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::inputs::{BOOKING_REQUEST, BenchMis, book_call};
    use crate::{slot_batch_json, slots};

    fn gunzip(packed: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(packed).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn hand_written_encodings_send_the_clients_bytes() {
        let slots = slots(1_000, 9);
        let ours = fer_client::encode_body(&slots, true).unwrap();
        assert_eq!(gunzip(&ours), slot_batch_json(1_000, 9));
        assert_eq!(gunzip(&encode_by_hand(&slots, Compression::fast()).unwrap()), gunzip(&ours));
        assert_eq!(gunzip(&encode_by_hand(&slots, Compression::default()).unwrap()), gunzip(&ours));
        assert_eq!(gunzip(&encode_by_hand_streaming(&slots).unwrap()), gunzip(&ours));
    }

    #[test]
    fn schema_accepts_valid_batches_and_counts_errors() {
        let validator = slot_batch_validator().unwrap();
        assert_eq!(schema_check(&validator, &slot_batch_json(500, 2)), Some(0));
        let mut bad: Value = serde_json::from_slice(&slot_batch_json(3, 2)).unwrap();
        bad["data"][1]["status"] = json!("NOPE");
        bad["data"][2]["id"] = json!("not-a-guid");
        assert_eq!(schema_check(&validator, &serde_json::to_vec(&bad).unwrap()), Some(2));
        assert_eq!(schema_check(&validator, b"{"), None);
    }

    #[tokio::test]
    async fn every_webhook_answers_the_same_json() {
        let service = fer_webhook::WebhookService::new(BenchMis);
        let ours = service.handle(book_call()).await;
        assert_eq!(ours.status(), 200);
        let ours: Value = serde_json::from_slice(ours.body()).unwrap();
        let by_hand: Value = serde_json::from_slice(&book_by_hand(BOOKING_REQUEST.as_bytes())).unwrap();
        assert_eq!(ours, by_hand);
        assert_eq!(ours["status"]["status_code"], 0);
    }

    #[tokio::test]
    async fn bare_servers_answer_over_loopback() {
        let http = reqwest::Client::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let static_url = format!("http://{}/booking/book", listener.local_addr().unwrap());
        let server = tokio::spawn(serve_static(listener, Bytes::from_static(b"{\"ok\":1}")));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hand_url = format!("http://{}/booking/book", listener.local_addr().unwrap());
        let hand = tokio::spawn(serve_by_hand(listener));
        let answer = http.post(&static_url).body(BOOKING_REQUEST).send().await.unwrap();
        assert_eq!(answer.bytes().await.unwrap(), Bytes::from_static(b"{\"ok\":1}"));
        let answer = http.post(&hand_url).body(BOOKING_REQUEST).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.bytes().await.unwrap(), book_by_hand(BOOKING_REQUEST.as_bytes()));
        server.abort();
        hand.abort();
    }
}
