//! A booking request gzipped as two members (RFC 1952 §2.2: a gzip stream is a series of members)
//! is one body, over real HTTP with the hyper `serve`.

use crate::common::*;
use fer_webhook::WebhookService;

#[tokio::test]
async fn a_two_member_gzip_booking_is_read_whole() {
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Normal))).await;
    let body = fixture("booking_request.json");
    let (a, b) = body.split_at(body.len() / 2);
    let mut two = gzip(a);
    two.extend(gzip(b));
    let (status, json) = send(server.post("/booking/book", two).header("content-encoding", "gzip")).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["status"]["status_code"], 0, "{json}");
}
