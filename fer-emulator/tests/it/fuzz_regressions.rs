//! The saved inputs of the `emulator` fuzz target (`fixtures/fuzz/emulator/`: the minimised corpus
//! and any input that once crashed) run through the target's own code, without the fuzzer. The
//! fuzzer calls the router in process; here each input gets a fresh emulator served over real
//! HTTP on 127.0.0.1, so the answers are also checked through hyper. See RELIABILITY.md at the
//! repository root.

#[path = "../../../fuzz/src/emulator.rs"]
mod emulator;
#[path = "../../../fuzz/src/request.rs"]
mod request;

use bytes::Bytes;
use fer_emulator::{Emulator, EmulatorConfig};

/// Sends a decoded request to `base` with reqwest; `None` when it could not be delivered (e.g. a
/// header reqwest refuses to send).
async fn send(client: &reqwest::Client, base: &str, request: http::Request<Bytes>) -> Option<http::Response<Bytes>> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    // The client frames the body itself.
    headers.remove(http::header::CONTENT_LENGTH);
    headers.remove(http::header::TRANSFER_ENCODING);
    headers.remove(http::header::HOST);
    let answer = client.request(parts.method, format!("{base}{path}")).headers(headers).body(body).send().await.ok()?;
    let status = answer.status();
    let body = answer.bytes().await.ok()?;
    http::Response::builder().status(status).body(body).ok()
}

#[tokio::test]
async fn emulator_inputs_are_answered() {
    let dir = fer_testkit::fixture::fuzz_corpus("emulator");
    let client = reqwest::Client::new();
    let delivered = std::cell::Cell::new(0usize);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        eprintln!("{}", path.display());
        let router = Emulator::router(EmulatorConfig::default()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let (client, base, delivered) = (&client, base.as_str(), &delivered);
        emulator::run(&data, move |request| async move {
            let answer = send(client, base, request).await;
            delivered.set(delivered.get() + usize::from(answer.is_some()));
            answer
        })
        .await;
        server.abort();
        count += 1;
    }
    assert!(count > 0, "no saved inputs in {}", dir.display());
    // The inputs reached the emulator (a request reqwest refuses to send is skipped, not all of them).
    assert!(delivered.get() > 0, "no request of {count} inputs was delivered");
}
