//! Bad input of every kind on the wire: malformed JSON, wrong content encoding, a gzip bomb, a huge
//! body, a gzip body without its header. Every answer is the enveloped error, never a hang or a
//! dropped connection.

use crate::common::{Env, gzip};
use fer_emulator::EmulatorConfig;
use fer_model::Table;
use serde_json::Value;

fn small_limits() -> EmulatorConfig {
    EmulatorConfig { body_limit: 64 * 1024, decompressed_limit: 256 * 1024, ..EmulatorConfig::default() }
}

fn assert_envelope(status: u16, answer: &Value, code: &str) {
    assert_eq!(answer["statusCode"], status, "{answer}");
    assert_eq!(answer["isSuccess"], false, "{answer}");
    assert_eq!(answer["error"]["errorCode"], code, "{answer}");
}

#[tokio::test]
async fn malformed_json_and_wrong_shapes_get_400() {
    let env = Env::start().await;
    for body in [&b"{\"data\": [{"[..], b"", b"\xff\xfe", b"{\"rows\": []}", b"{\"data\": {}}", b"\"text\""] {
        let (status, answer) = env.post_raw("/api/slot", body.to_vec()).await;
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert_envelope(400, &answer, "FORMAT");
    }
    // A record that is not an object is refused by itself.
    let (status, answer) = env.post_raw("/api/slot", b"{\"data\": [42]}".to_vec()).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["errors"].as_array().is_some_and(|e| !e.is_empty()), "{answer}");
    assert_eq!(env.emu.count(Table::Slot), 0);
}

#[tokio::test]
async fn a_gzip_body_without_its_header_is_explained() {
    let env = Env::start().await;
    let (status, answer) = env.post_raw("/api/slot", gzip(b"{\"data\": []}")).await;
    assert_eq!(status, 400);
    assert!(answer["error"]["errorMessage"].as_str().unwrap().contains("Content-Encoding"), "{answer}");
}

#[tokio::test]
async fn unsupported_or_wrong_content_encoding() {
    let env = Env::start().await;
    let send = |encoding: &'static str, body: Vec<u8>| {
        env.http.post(env.url("/api/slot")).bearer_auth(&env.token).header("content-encoding", encoding).body(body)
    };
    let (status, answer) = crate::common::send(send("br", b"{\"data\": []}".to_vec())).await;
    assert_eq!(status, 415);
    assert_envelope(415, &answer, "UNSUPPORTED_ENCODING");
    // Marked gzip, but plain.
    let (status, answer) = crate::common::send(send("gzip", b"{\"data\": []}".to_vec())).await;
    assert_eq!(status, 400);
    assert!(answer["error"]["errorMessage"].as_str().unwrap().contains("gzip"), "{answer}");
    // Truncated gzip.
    let mut cut = gzip(br#"{"data": []}"#);
    cut.truncate(cut.len() / 2);
    let (status, _) = crate::common::send(send("gzip", cut)).await;
    assert_eq!(status, 400);
    // identity is plain.
    let (status, answer) = crate::common::send(send("identity", b"{\"data\": []}".to_vec())).await;
    assert_eq!(status, 200, "{answer}");
}

/// The emulator is exactly as strict as the profile's `Content-Type: application/json`: a body
/// announced as another type or charset gets 415 on every route that reads one; the profile's
/// spelling with parameters, any case and no header at all are accepted.
#[tokio::test]
async fn a_body_announced_as_not_json_gets_415() {
    let env = Env::start().await;
    let send = |path: &str, content_type: Option<&'static str>| {
        let mut request = env.http.post(env.url(path)).bearer_auth(&env.token).body(b"{\"data\": []}".to_vec());
        if let Some(value) = content_type {
            request = request.header("content-type", value);
        }
        crate::common::send(request)
    };
    for path in ["/api/slot", "/auth.svc"] {
        for refused in ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=windows-1251"] {
            let (status, answer) = send(path, Some(refused)).await;
            assert_eq!(status, 415, "{path} {refused}: {answer}");
            assert_envelope(415, &answer, "UNSUPPORTED_MEDIA_TYPE");
            assert!(answer["error"]["errorMessage"].as_str().unwrap().contains("application/json"), "{answer}");
        }
    }
    for accepted in
        [None, Some("application/json"), Some("Application/JSON; charset=\"utf-8\""), Some("application/vnd.fer+json")]
    {
        let (status, answer) = send("/api/slot", accepted).await;
        assert_eq!(status, 200, "{accepted:?}: {answer}");
    }
}

#[tokio::test]
async fn a_huge_body_gets_413() {
    let env = Env::with(small_limits()).await;
    let huge = vec![b' '; 65 * 1024];
    let (status, answer) = env.post_raw("/api/slot", huge.clone()).await;
    assert_eq!(status, 413);
    assert_envelope(413, &answer, "PAYLOAD_TOO_LARGE");
    // Chunked, without a Content-Length: still cut at the limit.
    let status_line = chunked_post(&env, "/api/slot", &huge).await;
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
}

/// Sends a POST with `Transfer-Encoding: chunked` over a plain socket and returns the status line.
async fn chunked_post(env: &Env, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut stream = tokio::net::TcpStream::connect(env.emu.local_addr()).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        env.emu.local_addr(),
        env.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(4096) {
        // The server may answer and close before the whole body is sent: stop writing then.
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).await.unwrap();
    line
}

#[tokio::test]
async fn a_gzip_bomb_gets_413() {
    let env = Env::with(small_limits()).await;
    // 16 MiB of zeros compress to about 16 KiB: under the wire limit, far over the inflated one.
    let bomb = gzip(&vec![0u8; 16 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024);
    let req = env.http.post(env.url("/api/slot")).bearer_auth(&env.token).header("content-encoding", "gzip").body(bomb);
    let (status, answer) = crate::common::send(req).await;
    assert_eq!(status, 413);
    assert_envelope(413, &answer, "PAYLOAD_TOO_LARGE");
    assert!(answer["error"]["errorMessage"].as_str().unwrap().contains("262144"), "{answer}");
}

/// Sends a request head announcing `declared` bytes and then at most `send` bytes of body (stops
/// when the server closes), and returns the status line.
async fn announce_and_send(env: &Env, method: &str, path: &str, declared: Option<u64>, send: usize) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut stream = tokio::net::TcpStream::connect(env.emu.local_addr()).await.unwrap();
    let length = match declared {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_owned(),
    };
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n",
        env.emu.local_addr()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < send {
        let framed = match declared {
            Some(_) => chunk.clone(),
            None => [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat(),
        };
        // The server answers and closes before the body is over: stop writing then.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).await.unwrap();
    line
}

/// Before: one 1 GiB body to a sandbox route, no token, took the emulator to 2.1 GB. Every
/// sandbox route now reads its body under `sandbox_body_limit`: a body announced larger is refused
/// before it is read (1 KiB of a declared 1 GiB is sent, and the answer comes: it was not waited
/// for), one sent without a length is cut at the limit.
#[tokio::test]
async fn sandbox_bodies_over_their_limit_get_413_without_being_read() {
    let env = Env::start().await;
    let limit = EmulatorConfig::default().sandbox_body_limit;
    let routes = [
        ("POST", "/sandbox/book"),
        ("POST", "/sandbox/cancel"),
        ("PUT", "/sandbox/faults"),
        ("POST", "/sandbox/block"),
        ("POST", "/sandbox/portal/lpu"),
        ("POST", "/sandbox/portal/patient"),
    ];
    for (method, path) in routes {
        let line = announce_and_send(&env, method, path, Some(1 << 30), 1024).await;
        assert!(line.starts_with("HTTP/1.1 413"), "{method} {path} declared 1 GiB: {line}");
        // Chunked: at most 4 times the limit is sent, the server stops reading at the limit.
        let line = announce_and_send(&env, method, path, None, 4 * limit).await;
        assert!(line.starts_with("HTTP/1.1 413"), "{method} {path} chunked: {line}");
    }
    // The answer is the sandbox's JSON error.
    let big = vec![b' '; limit + 1];
    let (status, answer) = crate::common::send(env.http.post(env.url("/sandbox/book")).body(big)).await;
    assert_eq!(status, 413);
    assert_eq!(answer["error"]["kind"], "payload_too_large", "{answer}");
    // A gzip bomb to the sandbox is cut at the same limit once inflated.
    let bomb = gzip(&vec![0u8; 4 * limit]);
    let req = env.http.put(env.url("/sandbox/faults")).header("content-encoding", "gzip").body(bomb);
    let (status, answer) = crate::common::send(req).await;
    assert_eq!(status, 413, "{answer}");
    // Within the limit the sandbox works as before.
    let (status, _) = crate::common::send(env.http.put(env.url("/sandbox/faults")).body("{}")).await;
    assert_eq!(status, 200);
}

/// Before: one 1 MB gzip request was inflated to 256 MiB before its 413. The inflated limit is
/// now the body limit by default (what a batch really needs), and the body is refused as soon as
/// its output passes it.
#[tokio::test]
async fn a_gzip_body_is_refused_at_the_default_limit_once_inflated() {
    let env = Env::start().await;
    let limit = EmulatorConfig::default().decompressed_limit;
    assert_eq!(limit, fer_emulator::DEFAULT_BODY_LIMIT);
    let bomb = gzip(&vec![b' '; 2 * limit]);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let req = env.http.post(env.url("/api/slot")).bearer_auth(&env.token).header("content-encoding", "gzip").body(bomb);
    let (status, answer) = crate::common::send(req).await;
    assert_eq!(status, 413);
    assert_envelope(413, &answer, "PAYLOAD_TOO_LARGE");
    assert!(answer["error"]["errorMessage"].as_str().unwrap().contains(&limit.to_string()), "{answer}");
}

/// Before: 12,000 unauthenticated requests took the journal from 9 MB to 626 MB and one read
/// returned 604 MB. Each entry is now cut (URL, bodies), the whole journal stays under its byte
/// budget (oldest first out), and a read returns one page.
#[tokio::test]
async fn the_journal_stays_under_its_budget_and_is_read_a_page_at_a_time() {
    let limits = fer_emulator::JournalLimits { max_bytes: 256 * 1024, page_entries: 50, ..Default::default() };
    let env = Env::with(EmulatorConfig { journal: limits.clone(), ..EmulatorConfig::default() }).await;
    let query = "x".repeat(16 * 1024);
    let anonymous = reqwest::Client::new();
    for i in 0..600 {
        let (status, _) = crate::common::send(anonymous.get(env.url(&format!("/api/slot?id={i}&q={query}")))).await;
        assert_eq!(status, 401);
    }
    let kept = env.emu.journal();
    let weight: usize = kept.iter().map(|e| serde_json::to_vec(e).unwrap().len()).sum();
    assert!(weight <= limits.max_bytes, "{weight} bytes kept");
    assert!(kept.len() < 600 && kept.last().unwrap().url.contains("id=599"), "the newest are kept");
    for e in kept.iter().filter(|e| e.url.starts_with("/api/slot?id=")) {
        assert!(e.truncated && e.url.len() <= limits.url_bytes, "{}", e.url.len());
    }
    // Over HTTP: pages of at most page_entries, the total in X-Journal-Total, read to the end.
    let mut seqs = Vec::new();
    let mut offset = 0;
    loop {
        let answer =
            env.http.get(env.url(&format!("/sandbox/journal?offset={offset}&limit=1000"))).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let total: usize = answer.headers()["x-journal-total"].to_str().unwrap().parse().unwrap();
        assert!(total >= kept.len() && total <= limits.max_entries, "{total}");
        let page: Vec<fer_emulator::JournalEntry> = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        assert!(page.len() <= limits.page_entries, "{}", page.len());
        if page.is_empty() {
            break;
        }
        offset += page.len();
        seqs.extend(page.iter().map(|e| e.seq));
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]) && seqs.len() >= kept.len(), "{} read", seqs.len());
    let (status, _) = crate::common::send(env.http.get(env.url("/sandbox/journal?offset=x"))).await;
    assert_eq!(status, 400);
}
