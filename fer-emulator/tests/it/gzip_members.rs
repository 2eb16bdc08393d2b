//! A request body gzipped as two members (RFC 1952 §2.2: a gzip stream is a series of members) is
//! one body, over real HTTP: the emulator used to read the first member only and answer 400.

use crate::common::{Env, gzip, mo};
use fer_model::Table;
use serde_json::json;

#[tokio::test]
async fn a_two_member_gzip_body_is_read_whole() {
    let env = Env::start().await;
    let body = json!({ "data": [mo()] }).to_string().into_bytes();
    let (a, b) = body.split_at(body.len() / 2);
    let mut two = gzip(a);
    two.extend(gzip(b));
    let request = env
        .http
        .post(env.url("/api/mo"))
        .bearer_auth(&env.token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(two);
    let (status, answer) = crate::common::send(request).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["isSuccess"], true, "{answer}");
    assert_eq!(env.emu.count(Table::Mo), 1);
}
