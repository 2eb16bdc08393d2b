//! The connection level of every server fer-webhook offers (`serve_with` and
//! `adapters::axum::serve`, one accept loop): the cap and the eviction of idle connections at it,
//! the allow-list at accept, the header-read and idle timeouts, HTTP/1.1 only, and the bounded
//! drain on shutdown.
//! Raw TCP on 127.0.0.1; every wait is bounded, and no test asserts how long anything took.

use std::net::SocketAddr;
use std::time::Duration;

use crate::common::*;
use fer_webhook::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The bound on every wait of these tests: far above what any step takes, so only a hang fails.
const BOUND: Duration = Duration::from_secs(20);

const PROBE: &[u8] = b"GET /booking/book HTTP/1.1\r\nHost: webhook\r\n\r\n";

/// Which server runs the webhook.
#[derive(Debug, Clone, Copy)]
pub enum Adapter {
    /// `fer_webhook::serve_with`.
    Hyper,
    /// `adapters::axum::router` under `adapters::axum::serve`.
    Axum,
}

/// A server under test, stopped by `stop`.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    pub async fn start(adapter: Adapter, webhook: WebhookConfig, limits: ServeConfig) -> Running {
        Self::start_with(adapter, WebhookService::new(TestMis::new(Mode::Normal)).with_config(webhook), limits).await
    }

    pub async fn start_with<H: BookingHandler + 'static>(
        adapter: Adapter,
        service: WebhookService<H>,
        limits: ServeConfig,
    ) -> Running {
        let listener = fer_webhook::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = match adapter {
            Adapter::Hyper => tokio::spawn(fer_webhook::serve_with(listener, service, limits, shutdown)),
            Adapter::Axum => {
                let allow_list = service.config().allow_list.clone();
                let app = adapters::axum::router(service.clone()).fallback_service(service);
                tokio::spawn(adapters::axum::serve(listener, app, allow_list, limits, shutdown))
            }
        };
        Running { addr, stop: Some(stop), task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Signals shutdown and waits (bounded) until the server has stopped.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(BOUND, &mut self.task).await.expect("the server stopped").unwrap();
    }
}

/// A connection from `source` (any 127.0.0.0/8 address is loopback on Linux).
async fn connect_from(source: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// Reads one HTTP/1.1 answer whose body is at most what arrives with its head (the probe's).
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before an answer: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    // The probe's body is small and follows its head at once; give it a moment to arrive whole.
    if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut buf)).await {
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Waits (bounded) until the server closes `stream`, discarding what it sends first.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(BOUND, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

async fn probe_ok(url: &str) -> bool {
    let client = reqwest::Client::new();
    let answer = tokio::time::timeout(BOUND, client.get(format!("{url}/booking/book")).send()).await;
    matches!(answer, Ok(Ok(r)) if r.status() == 200)
}

/// How many of `streams` the server has not closed: each is read for a moment at once (a
/// connection it closed is at its end of stream already; one it keeps sends nothing).
async fn still_open(streams: &mut [TcpStream]) -> usize {
    let reads = streams.iter_mut().map(|stream| async move {
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await {
                Err(_) => return true,
                Ok(Ok(0) | Err(_)) => return false,
                Ok(Ok(_)) => {}
            }
        }
    });
    futures_util::future::join_all(reads).await.into_iter().filter(|open| *open).count()
}

/// The limits of the eviction tests: no timeout closes anything while they run.
fn patient_limits(max_connections: usize) -> ServeConfig {
    ServeConfig {
        max_connections,
        header_read_timeout: Duration::from_secs(300),
        idle_timeout: Duration::from_secs(300),
        ..ServeConfig::default()
    }
}

/// A book call, whole, as raw bytes.
fn book_call() -> Vec<u8> {
    let body = fixture("booking_request.json");
    let mut call = format!(
        "POST /booking/book HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    call.extend_from_slice(&body);
    call
}

/// Holds every book call until the test releases it: `entered` gets a permit per call that reached
/// the handler, `release` lets one call through per permit.
struct Gated {
    mis: TestMis,
    entered: std::sync::Arc<tokio::sync::Semaphore>,
    release: std::sync::Arc<tokio::sync::Semaphore>,
}

#[async_trait::async_trait]
impl BookingHandler for Gated {
    async fn book(
        &self,
        request: fer_model::BookingRequest,
        ctx: RequestContext,
    ) -> Result<fer_model::BookingConfirmation, BookRejection> {
        self.entered.add_permits(1);
        self.release.acquire().await.expect("never closed").forget();
        self.mis.book(request, ctx).await
    }

    async fn cancel(
        &self,
        request: fer_model::CancelRequest,
        ctx: RequestContext,
    ) -> Result<fer_model::CancelConfirmation, CancelRejection> {
        self.mis.cancel(request, ctx).await
    }
}

/// A connection with a request in flight is never evicted: with 64 book calls in the handler (cap
/// 64) the 65th connection waits, in the listen backlog, not in the process. The moment one of the
/// 64 has its answer and sits idle, the waiting connection takes its place (the idle one is closed)
/// and is answered; the other 63 are answered on their own connections, still open.
#[tokio::test]
async fn busy_connections_are_never_evicted_and_an_idle_one_makes_room() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let entered = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
        let release = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
        let mis = Gated { mis: TestMis::new(Mode::Normal), entered: entered.clone(), release: release.clone() };
        // The handler's deadline past every wait of the test: the 64 calls stay in flight.
        let webhook = WebhookConfig { deadline: Duration::from_secs(300), ..WebhookConfig::default() };
        let service = WebhookService::new(mis).with_config(webhook);
        let server = Running::start_with(adapter, service, patient_limits(64)).await;
        let mut busy = Vec::new();
        for _ in 0..64 {
            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            stream.write_all(&book_call()).await.unwrap();
            busy.push(stream);
        }
        let all_in = tokio::time::timeout(BOUND, entered.acquire_many(64)).await;
        all_in.expect("64 calls reached the handler").unwrap().forget();
        // The 65th is connected by the kernel but not accepted: every connection is busy.
        let mut waiting = TcpStream::connect(server.addr).await.unwrap();
        waiting.write_all(PROBE).await.unwrap();
        let mut byte = [0u8; 1];
        let early = tokio::time::timeout(Duration::from_millis(500), waiting.peek(&mut byte)).await;
        assert!(early.is_err(), "{adapter:?}: a connection beyond the cap was served while all were busy");
        // One call is answered: its connection is idle now, and the waiting one takes its place.
        release.add_permits(1);
        let answer = tokio::time::timeout(BOUND, read_answer(&mut waiting)).await.expect("served after a call ended");
        assert!(answer.starts_with("HTTP/1.1 200"), "{adapter:?}: {answer}");
        // The others were never evicted: each gets its answer on its own connection.
        release.add_permits(63);
        for stream in &mut busy {
            let answer = tokio::time::timeout(BOUND, read_answer(stream)).await.expect("answered");
            assert!(answer.starts_with("HTTP/1.1 200"), "{adapter:?}: {answer}");
        }
        // Exactly one of the 64, the first answered, was closed for the newcomer.
        assert_eq!(still_open(&mut busy).await, 63, "{adapter:?}");
        assert_eq!(still_open(std::slice::from_mut(&mut waiting)).await, 1, "{adapter:?}");
        server.stop().await;
    }
}

/// 600 connections from the gateway's own address that never send a whole request head (every
/// other one sends half of it, slowloris-like) against a cap of 64, with a header-read timeout of
/// 5 minutes: the gateway's call is answered at once, not after a timeout, because each newcomer
/// evicts the connection idle the longest. The oldest 537 are closed; the newest 63 and the
/// gateway's are the 64 left.
#[tokio::test]
async fn the_gateway_is_answered_behind_600_silent_connections_from_its_own_address() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let server = Running::start(adapter, WebhookConfig::default(), patient_limits(64)).await;
        let mut flood = Vec::new();
        for i in 0..600 {
            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            if i % 2 == 1 {
                // Evicted already, perhaps: the write may fail, and that is fine.
                let _ = stream.write_all(b"GET /booking/book HTTP/1.1\r\nHost: web").await;
            }
            flood.push(stream);
        }
        assert!(probe_ok(&server.url()).await, "{adapter:?}: the gateway was not answered");
        let (oldest, newest) = flood.split_at_mut(537);
        for stream in oldest.iter_mut() {
            assert!(closed_by_server(stream).await, "{adapter:?}: an old idle connection was kept");
        }
        assert_eq!(still_open(newest).await, 63, "{adapter:?}: the newest idle connections are kept");
        server.stop().await;
    }
}

/// 600 connections that never send a byte, from an address not on the allow-list, cost nothing:
/// each is closed right after accept and takes no connection's place, even at the cap, and the
/// gateway's call is answered.
#[tokio::test]
async fn unlisted_peers_are_closed_at_accept_and_the_gateway_is_answered() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let webhook = WebhookConfig { allow_list: Some("127.0.0.1/32".parse().unwrap()), ..Default::default() };
        let server = Running::start(adapter, webhook, patient_limits(64)).await;
        // The cap's worth of silent connections from the listed address first.
        let mut listed = Vec::new();
        for _ in 0..64 {
            listed.push(TcpStream::connect(server.addr).await.unwrap());
        }
        let mut strangers = Vec::new();
        for _ in 0..600 {
            strangers.push(connect_from("127.0.0.2", server.addr).await);
        }
        for stream in &mut strangers {
            assert!(closed_by_server(stream).await, "{adapter:?}: an unlisted peer was kept");
        }
        // The strangers took no connection's place: the 64 are all open.
        assert_eq!(still_open(&mut listed).await, 64, "{adapter:?}: an unlisted peer evicted a connection");
        // The gateway's call evicts the oldest of them and is answered.
        assert!(probe_ok(&server.url()).await, "{adapter:?}: the gateway was not answered");
        assert!(closed_by_server(&mut listed[0]).await, "{adapter:?}");
        assert_eq!(still_open(&mut listed[1..]).await, 63, "{adapter:?}");
        server.stop().await;
    }
}

/// A client sending its request head one byte at a time is disconnected at the header-read
/// timeout, long before its head is complete.
#[tokio::test]
async fn a_slowloris_client_is_closed_after_the_header_timeout() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let limits = ServeConfig { header_read_timeout: Duration::from_millis(300), ..ServeConfig::default() };
        let server = Running::start(adapter, WebhookConfig::default(), limits).await;
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        // 100 ms a byte: the whole head would take about 30 s.
        let head = b"GET /booking/book HTTP/1.1\r\nHost: webhook\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        let mut sent = 0;
        let mut byte = [0u8; 64];
        let closed = loop {
            if sent == head.len() {
                break false;
            }
            if stream.write_all(&head[sent..sent + 1]).await.is_err() {
                break true;
            }
            sent += 1;
            match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut byte)).await {
                Ok(Ok(0) | Err(_)) => break true,
                Ok(Ok(_)) => {} // hyper may answer 408 before it closes
                Err(_) => {}
            }
        };
        assert!(closed, "{adapter:?}: the whole head was sent and never cut off");
        assert!(sent < head.len(), "{adapter:?}");
        server.stop().await;
    }
}

/// A kept-alive connection with nothing in flight is closed at the idle timeout, and so is one that
/// never sends anything.
#[tokio::test]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        for http2 in [false, true] {
            let limits = ServeConfig {
                idle_timeout: Duration::from_millis(300),
                header_read_timeout: Duration::from_secs(60),
                http2,
                ..ServeConfig::default()
            };
            let server = Running::start(adapter, WebhookConfig::default(), limits).await;
            let mut kept = TcpStream::connect(server.addr).await.unwrap();
            kept.write_all(PROBE).await.unwrap();
            assert!(read_answer(&mut kept).await.starts_with("HTTP/1.1 200"));
            assert!(closed_by_server(&mut kept).await, "{adapter:?} http2={http2}: kept-alive connection kept");
            let mut silent = TcpStream::connect(server.addr).await.unwrap();
            assert!(closed_by_server(&mut silent).await, "{adapter:?} http2={http2}: silent connection kept");
            server.stop().await;
        }
    }
}

/// HTTP/2 (prior knowledge, as h2c clients do) is refused unless chosen in the config.
#[tokio::test]
async fn http2_only_when_chosen() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let h2 = reqwest::Client::builder().http2_prior_knowledge().build().unwrap();
        let server = Running::start(adapter, WebhookConfig::default(), ServeConfig::default()).await;
        let refused = tokio::time::timeout(BOUND, h2.get(format!("{}/booking/book", server.url())).send()).await;
        assert!(matches!(refused, Ok(Err(_))), "{adapter:?}: HTTP/2 served by default: {refused:?}");
        assert!(probe_ok(&server.url()).await, "{adapter:?}: HTTP/1.1 must be served");
        server.stop().await;

        let limits = ServeConfig { http2: true, ..ServeConfig::default() };
        let server = Running::start(adapter, WebhookConfig::default(), limits).await;
        let answer = h2.get(format!("{}/booking/book", server.url())).send().await.unwrap();
        assert_eq!(answer.version(), reqwest::Version::HTTP_2);
        assert_eq!(answer.status(), 200);
        server.stop().await;
    }
}

/// Shutdown with a request half sent: the server stops (the connection is dropped at the drain
/// deadline), and the peer sees its connection closed.
#[tokio::test]
async fn shutdown_drops_a_half_sent_request_at_the_deadline() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let limits = ServeConfig {
            header_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_millis(300),
            ..ServeConfig::default()
        };
        let server = Running::start(adapter, WebhookConfig::default(), limits).await;
        let mut half = TcpStream::connect(server.addr).await.unwrap();
        half.write_all(b"POST /booking/book HTTP/1.1\r\nHost: webhook\r\nContent-Length: 900\r\n\r\n{\"slot_id\"")
            .await
            .unwrap();
        let mut head = TcpStream::connect(server.addr).await.unwrap();
        head.write_all(b"POST /booking/book HTTP/1.1\r\nHost: we").await.unwrap();
        // Both are being served (the probe on a third connection is answered after them).
        assert!(probe_ok(&server.url()).await);
        server.stop().await;
        assert!(closed_by_server(&mut half).await, "{adapter:?}");
        assert!(closed_by_server(&mut head).await, "{adapter:?}");
    }
}

/// Books after `entered` is notified and a little sleep: the call is surely in progress.
struct Announcing {
    mis: TestMis,
    entered: std::sync::Arc<tokio::sync::Notify>,
}

#[async_trait::async_trait]
impl BookingHandler for Announcing {
    async fn book(
        &self,
        request: fer_model::BookingRequest,
        ctx: RequestContext,
    ) -> Result<fer_model::BookingConfirmation, BookRejection> {
        self.entered.notify_one();
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.mis.book(request, ctx).await
    }

    async fn cancel(
        &self,
        request: fer_model::CancelRequest,
        ctx: RequestContext,
    ) -> Result<fer_model::CancelConfirmation, CancelRejection> {
        self.mis.cancel(request, ctx).await
    }
}

/// A call in progress when the shutdown comes is answered before the server stops.
#[tokio::test]
async fn shutdown_lets_a_call_in_progress_finish() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let entered = std::sync::Arc::new(tokio::sync::Notify::new());
        let mis = Announcing { mis: TestMis::new(Mode::Normal), entered: entered.clone() };
        let server = Running::start_with(adapter, WebhookService::new(mis), ServeConfig::default()).await;
        let url = server.url();
        let call = tokio::spawn(async move {
            let client = reqwest::Client::new();
            let answer = client
                .post(format!("{url}/booking/book"))
                .header("content-type", "application/json")
                .body(fixture("booking_request.json"))
                .send()
                .await
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&answer.bytes().await.unwrap()).unwrap()
        });
        tokio::time::timeout(BOUND, entered.notified()).await.expect("the call reached the handler");
        server.stop().await;
        let json = tokio::time::timeout(BOUND, call).await.unwrap().unwrap();
        assert_eq!(json["status"]["status_code"], 0, "{adapter:?}: {json}");
    }
}

/// `shutdown_signal` completes on SIGTERM (the signal `kill`, systemd and container runtimes send).
#[cfg(unix)]
#[tokio::test]
async fn shutdown_signal_completes_on_sigterm() {
    // The handlers are installed by the call: the signal is sent before the first poll.
    let signal = fer_webhook::shutdown_signal();
    let status = std::process::Command::new("kill").args(["-TERM", &std::process::id().to_string()]).status();
    assert!(status.unwrap().success());
    tokio::time::timeout(BOUND, signal).await.expect("SIGTERM stops the server");
}
