//! Every route and every failure mode, over real HTTP on loopback, with the hyper `serve`.

use std::time::Duration;

use crate::common::*;
use fer_model::*;
use fer_webhook::*;
use reqwest::Method;

async fn normal() -> Server {
    Server::start(WebhookService::new(TestMis::new(Mode::Normal))).await
}

#[tokio::test]
async fn probe_answers_200_on_get_and_head() {
    let server = normal().await;
    let (status, body) = send(server.request(Method::GET, "/booking/book")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let head = server.request(Method::HEAD, "/booking/book").send().await.unwrap();
    assert_eq!(head.status(), 200);
}

/// A booking announced with another `Content-Type` (or a charset the body does not use) is still
/// read as JSON and booked: the profile has the gateway send `application/json`, and a booking lost
/// over a header would be the worst outcome. The webhook logs a warning instead.
#[tokio::test]
async fn a_booking_with_a_wrong_content_type_is_still_booked() {
    for content_type in ["text/plain", "application/json; charset=windows-1251", "application/xml"] {
        let server = normal().await;
        let request = server.request(Method::POST, "/booking/book").header("content-type", content_type);
        let (status, body) = send(request.body(fixture("booking_request.json"))).await;
        assert_eq!(status, 200, "{content_type}: {body}");
        assert_eq!(body["status"]["status_code"], 0, "{content_type}: {body}");
    }
}

#[tokio::test]
async fn book_spec_example_then_cancel() {
    let server = normal().await;
    let response = server
        .post("/booking/book", fixture("booking_request.json"))
        .header("x-request-id", "gw-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "gw-42");
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    let json: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    // Exactly the keys of the spec's answer, in its order.
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "book_ext_id",
            "slot_id",
            "visit_time",
            "duration",
            "service_id",
            "organization_id",
            "area_id",
            "queue_number",
            "status"
        ]
    );
    assert_eq!(json["slot_id"], FIXTURE_SLOT);
    assert_eq!(json["visit_time"], "2024-03-28T08:00:00+03:00");
    assert_eq!(json["duration"], "20");
    assert_eq!(json["status"]["status_code"], 0);
    let BookingResponse::Confirmed(confirmation) = serde_json::from_value(json.clone()).unwrap() else {
        panic!("not a confirmation: {json}")
    };

    let cancel = serde_json::json!({
        "book_ext_id": confirmation.book_ext_id,
        "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "united_guids": []
    });
    let (status, json) = send(server.post("/booking/cancel", cancel.to_string())).await;
    assert_eq!(status, 200);
    assert_eq!(json["book_ext_id"], confirmation.book_ext_id.to_string());
    assert_eq!(json["status"]["status_code"], 0);
    // Cancel code 0 carries the text of the method's example («Вы отменили своё заявление»).
    assert_eq!(json["status"]["status_message"], "Вы отменили своё заявление");
    let parsed: CancelResponse = serde_json::from_value(json).unwrap();
    assert_eq!(parsed.status.code, CancelStatusCode::Success);
}

#[tokio::test]
async fn taken_slot_is_code_11_with_the_spec_text() {
    let server = normal().await;
    let (_, first) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(first["status"]["status_code"], 0);
    // Another patient, same slot.
    let other = fixture_text("booking_request.json").replace(
        "\"patient_id\": \"953f8666-21ce-478f-8351-389f27ce8cde\"",
        "\"patient_id\": \"11111111-21ce-478f-8351-389f27ce8cde\"",
    );
    let (status, json) = send(server.post("/booking/book", other)).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 11);
    assert_eq!(json["status"]["status_message"], "Выбранное время занято");
    assert_eq!(json["slot_id"], FIXTURE_SLOT);
    assert!(json["book_ext_id"].is_null());
}

#[tokio::test]
async fn age_rule_is_code_14() {
    let mis = TestMis::new(Mode::Normal);
    let child_slot = Guid::from_u128(14);
    mis.add_slot(child_slot, AgeGroup::Child, "2024-03-28T08:00:00+03:00");
    let server = Server::start(WebhookService::new(mis)).await;
    let body = fixture_text("booking_request.json").replace(FIXTURE_SLOT, &child_slot.to_string());
    let (_, json) = send(server.post("/booking/book", body)).await;
    assert_eq!(json["status"]["status_code"], 14);
    assert_eq!(json["status"]["status_message"], "Слот не соответствует по возрасту");
}

#[tokio::test]
async fn every_rejection_code_reaches_the_wire() {
    for code in [11, 12, 13, 14, 15, 17, 18] {
        let code = BookingRejectionCode::from_code(code).unwrap();
        let server = Server::start(WebhookService::new(TestMis::new(Mode::Refuse(code)))).await;
        let (status, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
        assert_eq!(status, 200);
        assert_eq!(json["status"]["status_code"], code.code());
        assert_eq!(json["status"]["status_message"], code.user_title_ru());
        let BookingResponse::Rejected(r) = serde_json::from_value(json).unwrap() else { panic!() };
        assert_eq!(r.code, code);
    }
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let server = normal().await;
    let (status, json) = send(server.request(Method::PUT, "/booking/book")).await;
    assert_eq!(status, 405);
    assert_eq!(json["error"]["code"], "method_not_allowed");
    let response = server.request(Method::GET, "/booking/cancel").send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn unknown_path_is_404() {
    let server = normal().await;
    let (status, json) = send(server.post("/booking/books", "{}")).await;
    assert_eq!(status, 404);
    assert_eq!(json["error"]["code"], "not_found");
    assert!(json["error"]["message"].as_str().unwrap().contains("/booking/books"));
    assert!(json["error"]["request_id"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn generated_request_ids_are_unique_per_call_and_match_the_error_body() {
    let server = normal().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let response = server.post("/booking/book", fixture("booking_request.json")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        ids.push(response.headers()["x-request-id"].to_str().unwrap().to_owned());
    }
    let response = server.post("/booking/books", "{}").send().await.unwrap();
    let header = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let json: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(json["error"]["request_id"], header.as_str());
    ids.push(header);
    let prefix = |id: &str| id.split_once('-').map(|(p, _)| p.to_owned()).unwrap();
    for id in &ids {
        assert_eq!(prefix(id), prefix(&ids[0]), "one process prefix: {ids:?}");
    }
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

#[tokio::test]
async fn malformed_json_is_400_naming_the_problem() {
    let server = normal().await;
    let broken = fixture_text("booking_request.raw.txt"); // the spec's own example, as printed
    let (status, json) = send(server.post("/booking/book", broken)).await;
    assert_eq!(status, 400);
    assert_eq!(json["error"]["code"], "malformed_json");
    assert!(json["error"]["line"].as_u64().unwrap() > 1);
    assert!(json["error"]["message"].as_str().unwrap().starts_with("malformed JSON at line"));

    let (status, json) = send(server.post("/booking/cancel", "")).await;
    assert_eq!(status, 400);
    assert_eq!(json["error"]["code"], "malformed_json");
}

#[tokio::test]
async fn invalid_request_is_status_18_with_the_reason() {
    let server = normal().await;
    // A vaccination without the service: a rule of fer-validate.
    let body = fixture_text("booking_request.json").replace("\"APPOINTMENT\"", "\"VACCINATION\"");
    let (status, json) = send(server.post("/booking/book", body)).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18);
    let message = json["status"]["status_message"].as_str().unwrap();
    assert!(message.starts_with("Несоответствие в переданных данных для записи"), "{message}");
    assert!(message.contains("/service_id"), "{message}");

    // A gender outside "1"/"2": the booking table lists no values, so it is read, not refused.
    let body = fixture_text("booking_request.json").replace("\"gender\": \"2\"", "\"gender\": \"female\"");
    let (_, json) = send(server.post("/booking/book", body)).await;
    assert_ne!(json["status"]["status_code"], 18, "{json}");

    // A cancel without book_ext_id.
    let (status, json) = send(server.post("/booking/cancel", r#"{"patient_id":"1","united_guids":[]}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18);
    assert!(json["status"]["status_message"].as_str().unwrap().contains("book_ext_id"));
}

#[tokio::test]
async fn gzip_body_is_accepted() {
    let server = normal().await;
    let request =
        server.post("/booking/book", gzip(&fixture("booking_request.json"))).header("content-encoding", "gzip");
    let (status, json) = send(request).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 0);
}

#[tokio::test]
async fn unsupported_encoding_is_415() {
    let server = normal().await;
    let request = server.post("/booking/book", fixture("booking_request.json")).header("content-encoding", "br");
    let (status, json) = send(request).await;
    assert_eq!(status, 415);
    assert_eq!(json["error"]["code"], "unsupported_content_encoding");
}

#[tokio::test]
async fn oversize_body_is_413() {
    let config = WebhookConfig { body_limit: 4096, ..WebhookConfig::default() };
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Normal)).with_config(config)).await;
    let padded = fixture_text("booking_request.json")
        .replace("\"cards_id\": null", &format!("\"cards_id\": \"{}\"", "x".repeat(8192)));
    let (status, json) = send(server.post("/booking/book", padded.clone())).await;
    assert_eq!(status, 413);
    assert_eq!(json["error"]["code"], "body_too_large");

    // The same without Content-Length (chunked): refused while reading.
    let (status, body) = raw_chunked_post(&server.url, "/booking/book", padded.as_bytes()).await;
    assert_eq!(status, 413);
    assert!(body.contains("body_too_large"), "{body}");
}

/// Sends a POST with `Transfer-Encoding: chunked` (no Content-Length) over a plain TCP stream, in
/// 1 KiB chunks, and returns the status and the body text.
async fn raw_chunked_post(url: &str, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(1024) {
        // The server may answer and close before the whole body is sent.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn gzip_bomb_is_413() {
    let server = normal().await;
    // 16 MiB of spaces shrink to about 16 KiB: the compressed body passes the 64 KiB limit and the
    // inflation is caught at the 1 MiB decompressed limit.
    let mut bomb = b"{\"slot_id\": \"".to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 16 * 1024 * 1024));
    let compressed = gzip(&bomb);
    assert!(compressed.len() < WebhookConfig::default().body_limit);
    let request = server.post("/booking/book", compressed).header("content-encoding", "gzip");
    let (status, json) = send(request).await;
    assert_eq!(status, 413);
    assert_eq!(json["error"]["code"], "decompressed_body_too_large");
}

#[tokio::test]
async fn invalid_gzip_is_400() {
    let server = normal().await;
    let request = server.post("/booking/book", fixture("booking_request.json")).header("content-encoding", "gzip");
    let (status, json) = send(request).await;
    assert_eq!(status, 400);
    assert_eq!(json["error"]["code"], "invalid_gzip");
}

#[tokio::test]
async fn slow_handler_gets_status_18_before_the_gateway_gives_up() {
    let config = WebhookConfig { deadline: Duration::from_millis(200), ..WebhookConfig::default() };
    let mis = TestMis::new(Mode::Slow(Duration::from_secs(30)));
    let server = Server::start(WebhookService::new(mis).with_config(config)).await;
    let (status, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18);
    assert_eq!(json["status"]["status_message"], "Внутренняя ошибка сервиса: МИС не ответила вовремя");

    let (status, json) = send(server.post("/booking/cancel", fixture("cancel_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18);
}

#[tokio::test]
async fn slow_handler_is_cancelled_at_the_deadline() {
    let config = WebhookConfig { deadline: Duration::from_millis(100), ..WebhookConfig::default() };
    let service = WebhookService::new(TestMis::new(Mode::Slow(Duration::from_millis(400)))).with_config(config);
    let server = Server::start(service.clone()).await;
    let (_, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(json["status"]["status_code"], 18);
    // Had the handler carried on, it would have booked the slot after its sleep.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let slot: Guid = FIXTURE_SLOT.parse().unwrap();
    assert_eq!(service.handler().slots.lock().unwrap()[&slot].booked, None);
}

#[tokio::test]
async fn panicking_handler_gets_status_18_and_the_server_lives_on() {
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Panic))).await;
    for _ in 0..3 {
        let (status, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
        assert_eq!(status, 200);
        assert_eq!(json["status"]["status_code"], 18);
        assert_eq!(json["status"]["status_message"], "Внутренняя ошибка сервиса");
        assert_eq!(json["slot_id"], FIXTURE_SLOT);
    }
    let (status, json) = send(server.post("/booking/cancel", fixture("cancel_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18);
    assert_eq!(json["book_ext_id"], "597bc82e-88a5-4be5-8bd2-51a54312dbef");
    let (status, _) = send(server.request(Method::GET, "/booking/book")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn repeated_book_returns_the_same_confirmation() {
    let server = Server::start(WebhookService::new(Idempotent::in_memory(TestMis::new(Mode::Normal)))).await;
    let (_, first) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    let (_, second) =
        send(server.post("/booking/book", gzip(&fixture("booking_request.json"))).header("content-encoding", "gzip"))
            .await;
    assert_eq!(first["status"]["status_code"], 0);
    assert_eq!(first, second);
}

#[tokio::test]
async fn repeated_cancel_answers_code_1() {
    let server = Server::start(WebhookService::new(Idempotent::in_memory(TestMis::new(Mode::Normal)))).await;
    let (_, booked) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    let cancel = fixture_text("cancel_request.json")
        .replace("597bc82e-88a5-4be5-8bd2-51a54312dbef", booked["book_ext_id"].as_str().unwrap());
    let (_, first) = send(server.post("/booking/cancel", cancel.clone())).await;
    assert_eq!(first["status"]["status_code"], 0);
    let (status, again) = send(server.post("/booking/cancel", cancel)).await;
    assert_eq!(status, 200);
    assert_eq!(again["status"]["status_code"], 1);
    assert_eq!(again["status"]["status_message"], "Запись с таким ИД уже отменена");
    assert_eq!(again["book_ext_id"], booked["book_ext_id"]);
    // The answer parses as the spec's cancel answer.
    let parsed: CancelResponse = serde_json::from_value(again).unwrap();
    assert_eq!(parsed.status.code, CancelStatusCode::AlreadyCanceled);
}

#[tokio::test]
async fn allow_list_refuses_other_sources() {
    let gateway_only: AllowList = "10.86.6.189, 10.86.6.237".parse().unwrap();
    let config = WebhookConfig { allow_list: Some(gateway_only), ..WebhookConfig::default() };
    let service = WebhookService::new(TestMis::new(Mode::Normal)).with_config(config);
    let server = Server::start(service.clone()).await;
    // `serve` closes an unlisted peer's connection at accept, before reading a byte: no answer.
    let closed = server.request(Method::GET, "/booking/book").send().await;
    assert!(closed.is_err(), "an unlisted peer was answered: {closed:?}");
    // A server that passes the address with each request gets the service's own 403.
    let mut probe = http::Request::get("/booking/book").body(bytes::Bytes::new()).unwrap();
    probe.extensions_mut().insert(RemoteAddr("127.0.0.1:5000".parse().unwrap()));
    let answer = service.handle(probe).await;
    assert_eq!(answer.status(), 403);
    let json: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert_eq!(json["error"]["code"], "forbidden");
    assert_eq!(json["error"]["message"], "source address 127.0.0.1 is not on the allow-list");

    let loopback: AllowList = "127.0.0.0/8".parse().unwrap();
    let config = WebhookConfig { allow_list: Some(loopback), ..WebhookConfig::default() };
    let service = WebhookService::new(TestMis::new(Mode::Normal)).with_config(config);
    let server = Server::start(service.clone()).await;
    let (status, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 0);
    let remote = service.handler().last_remote.lock().unwrap().expect("the handler sees the peer address");
    assert!(remote.ip().is_loopback());
}

#[tokio::test]
async fn base_path_moves_the_routes() {
    let config = WebhookConfig { base_path: "/fer/".into(), ..WebhookConfig::default() };
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Normal)).with_config(config)).await;
    assert_eq!(send(server.request(Method::GET, "/fer/booking/book")).await.0, 200);
    assert_eq!(send(server.request(Method::GET, "/booking/book")).await.0, 404);
    let (_, json) = send(server.post("/fer/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(json["status"]["status_code"], 0);
}

/// Confirms every booking with a zero duration: an answer the gateway would refuse.
struct ZeroDuration;

#[async_trait::async_trait]
impl BookingHandler for ZeroDuration {
    async fn book(&self, request: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        Ok(BookingConfirmation {
            book_ext_id: Guid::new_v4(),
            slot_id: request.slot_id,
            visit_time: "2024-03-28T08:00:00+03:00".parse().unwrap(),
            duration: DurationMinutes(0),
            details: BookingDetails::default(),
            message: None,
        })
    }

    async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        Err(CancelRejection::technical_error())
    }
}

#[tokio::test]
async fn an_invalid_confirmation_is_not_sent() {
    let server = Server::start(WebhookService::new(ZeroDuration)).await;
    let (status, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18);
    assert!(json["book_ext_id"].is_null());
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_at_the_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = WebhookConfig { deadline: Duration::from_millis(200), ..WebhookConfig::default() };
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Normal)).with_config(config)).await;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /booking/book HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{{\"slot_id\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The rest of the body never comes; the answer does.
    let mut answer = vec![0u8; 4096];
    let mut read = 0;
    while !String::from_utf8_lossy(&answer[..read]).contains("\"status_code\":18") {
        let n = stream.read(&mut answer[read..]).await.unwrap();
        assert!(n > 0, "connection closed without an answer: {}", String::from_utf8_lossy(&answer[..read]));
        read += n;
    }
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"));
}
