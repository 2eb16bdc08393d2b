//! Connection-level figures of fer-webhook's servers on this machine (no assertions; the figures
//! of RELIABILITY.md, section 5):
//!
//! 1. connections one peer holds open (each answered, kept alive) before the next is not served:
//!    with eviction, the cap is never reached by idle connections, so this counts how many stay
//!    open when one more than the cap is opened;
//! 2. the gateway's call (a new connection, `GET /booking/book`) with nothing else going on;
//! 3. the same call while 2,000 connections (1,000 idle, 1,000 slowloris sending a byte a second)
//!    come from an address not on the allow-list, on a listener from tokio's `TcpListener::bind`
//!    (backlog 1,024) and on one from `fer_webhook::bind` (backlog 4,096);
//! 4. the same call while 2,000 connections (1,000 idle, 1,000 slowloris) come from the gateway's
//!    own address, with the default limits (cap 512, header-read timeout 10 s);
//! 5. the time until the server closes a connection that never sends, a kept-alive one after its
//!    answer, and a slowloris one, with the default limits;
//! 6. the time `serve_with` takes to return after the shutdown signal with a request half sent,
//!    and with only an idle connection open, with the default limits.
//!
//! `cargo run --release -p fer-benches --bin connections` (needs about 2,600 open files; the
//! default limits make it last about two minutes).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fer_benches::inputs::BenchMis;
use fer_webhook::{ServeConfig, WebhookConfig, WebhookService};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const PROBE: &[u8] = b"GET /booking/book HTTP/1.1\r\nHost: webhook\r\n\r\n";
const FLOOD: usize = 2_000;
const CALLS: usize = 50;
/// How long the flood's connections are waited for before the ones still open are counted.
const SETTLE: Duration = Duration::from_secs(40);

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// How the listener is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bind {
    /// `tokio::net::TcpListener::bind` (listen backlog 1,024).
    Tokio,
    /// `fer_webhook::bind` (listen backlog 4,096, as far as `net.core.somaxconn` allows).
    Ours,
}

async fn start(webhook: WebhookConfig, limits: ServeConfig) -> Running {
    start_on(Bind::Ours, webhook, limits).await
}

async fn start_on(bind: Bind, webhook: WebhookConfig, limits: ServeConfig) -> Running {
    let listener = match bind {
        Bind::Tokio => tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind"),
        Bind::Ours => fer_webhook::bind("127.0.0.1:0").await.expect("bind"),
    };
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let service = WebhookService::new(BenchMis).with_config(webhook);
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(fer_webhook::serve_with(listener, service, limits, shutdown));
    Running { addr, stop, task }
}

async fn connect_from(source: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().expect("address"))?;
    socket.connect(to).await
}

/// Sends the probe on `stream` and reads its answer (head and the small body that follows it).
async fn probe(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.write_all(PROBE).await?;
    let mut buf = [0u8; 1024];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") || !got.ends_with(b"}") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

/// The gateway's call on a new connection: connect, probe, answer.
async fn gateway_call(addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    probe(&mut stream).await.expect("answer");
    started.elapsed()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!("p50 {}, max {} ({} calls)", ms(times[times.len() / 2]), ms(times[times.len() - 1]), times.len())
}

/// Waits until the server closes `stream`; the time from `since`.
async fn closed_after(mut stream: TcpStream, since: Instant) -> Duration {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return since.elapsed(),
            Ok(_) => {}
        }
    }
}

/// A slowloris client: one byte of a request head a second until the server closes the connection.
async fn slowloris(mut stream: TcpStream, since: Instant) -> Duration {
    let head =
        b"GET /booking/book HTTP/1.1\r\nHost: webhook\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut buf = [0u8; 256];
    for byte in head.chunks(1) {
        if stream.write_all(byte).await.is_err() {
            return since.elapsed();
        }
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await {
            return since.elapsed();
        }
    }
    since.elapsed()
}

/// Waits for the flood's connections until [`SETTLE`] after `since`: the times at which the server
/// closed them, and how many are still open then. A client whose handshake completed while the
/// listen queue was full is connected on its side only (the kernel dropped its last ACK); if it
/// never sends, the server never hears of it.
async fn settle(tasks: Vec<JoinHandle<Option<Duration>>>) -> (Vec<Duration>, usize) {
    let until = tokio::time::Instant::now() + SETTLE;
    let (mut closed, mut open) = (Vec::new(), 0);
    for mut task in tasks {
        match tokio::time::timeout_at(until, &mut task).await {
            Ok(Ok(Some(t))) => closed.push(t),
            Ok(_) => {}
            Err(_) => {
                open += 1;
                task.abort();
            }
        }
    }
    (closed, open)
}

/// [`FLOOD`] connections from `source`, every other one silent and the rest slowloris: for each,
/// when the server closed it (counted from `since`), or `None` if it could not connect.
fn flood_from(source: &'static str, addr: SocketAddr, since: Instant) -> Vec<JoinHandle<Option<Duration>>> {
    (0..FLOOD)
        .map(|i| {
            tokio::spawn(async move {
                let stream = connect_from(source, addr).await.ok()?;
                Some(if i % 2 == 0 { closed_after(stream, since).await } else { slowloris(stream, since).await })
            })
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let defaults = ServeConfig::default();
    println!("fer-webhook connection figures (ServeConfig::default(): {defaults:?})\n");

    // 1. The cap.
    let server = start(WebhookConfig::default(), defaults.clone()).await;
    let mut held = Vec::new();
    let refused_at = loop {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        match tokio::time::timeout(Duration::from_secs(1), probe(&mut stream)).await {
            Ok(Ok(())) => held.push(stream),
            _ => break held.len(),
        }
        if held.len() > defaults.max_connections + 10 {
            break held.len();
        }
    };
    // Every held connection is idle: the last one evicted the oldest instead of waiting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut byte = [0u8; 1];
    let still = held
        .iter()
        .filter(|stream| matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock))
        .count();
    println!(
        "1. kept-alive connections opened by one peer, each answered: {refused_at} (max_connections {}); \
         {still} of them still open at the end (the oldest evicted by the newest)",
        defaults.max_connections
    );
    drop(held);
    let _ = server.stop.send(());
    let _ = server.task.await;

    // 2 and 3. The gateway's call, alone and under a flood from an unlisted address.
    for bind in [Bind::Ours, Bind::Tokio] {
        let allow =
            WebhookConfig { allow_list: Some("127.0.0.1/32".parse().expect("list")), ..WebhookConfig::default() };
        let server = start_on(bind, allow, defaults.clone()).await;
        if bind == Bind::Ours {
            let mut alone = Vec::new();
            for _ in 0..CALLS {
                alone.push(gateway_call(server.addr).await);
            }
            println!("2. the gateway's call, nothing else going on: {}", summary(alone));
        }
        let since = Instant::now();
        let flood = flood_from("127.0.0.2", server.addr, since);
        let mut flooded = Vec::new();
        for _ in 0..CALLS {
            flooded.push(gateway_call(server.addr).await);
        }
        let (closed, unclosed) = settle(flood).await;
        let listener = match bind {
            Bind::Tokio => "tokio::net::TcpListener::bind, as before",
            Bind::Ours => "fer_webhook::bind",
        };
        println!(
            "3. ({listener}) the gateway's call while {FLOOD} connections (half idle, half slowloris) come from an \
             unlisted address: {}; {} of them closed by the server, the last {} after the flood began; {unclosed} \
             still open on the client side {SETTLE:?} after the gateway's calls",
            summary(flooded),
            closed.len(),
            ms(closed.iter().max().copied().unwrap_or_default())
        );
        let _ = server.stop.send(());
        let _ = server.task.await;
    }

    // 4. Behind a flood from the gateway's own address.
    let server = start(WebhookConfig::default(), defaults.clone()).await;
    let since = Instant::now();
    let flood = flood_from("127.0.0.1", server.addr, since);
    // Let the flood reach the server first: the gateway's connections come after it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut behind = Vec::new();
    for _ in 0..CALLS {
        behind.push(gateway_call(server.addr).await);
    }
    let (closed, unclosed) = settle(flood).await;
    let evicted: Vec<Duration> = closed.iter().copied().filter(|t| *t < defaults.header_read_timeout).collect();
    println!(
        "4. the gateway's call while {FLOOD} connections (half idle, half slowloris) come from its own address \
         (cap {}, header-read timeout {:?}): {}; {} of them closed before the header-read timeout (evicted), the \
         last {} after the flood began; {} closed at the timeout; {unclosed} still open on the client side \
         {SETTLE:?} after the gateway's calls",
        defaults.max_connections,
        defaults.header_read_timeout,
        summary(behind),
        evicted.len(),
        ms(evicted.iter().max().copied().unwrap_or_default()),
        closed.len() - evicted.len(),
    );
    let _ = server.stop.send(());
    let _ = server.task.await;

    // 5. Closing times with the default limits.
    let server = start(WebhookConfig::default(), defaults.clone()).await;
    let since = Instant::now();
    let silent = tokio::spawn(closed_after(TcpStream::connect(server.addr).await.expect("connect"), since));
    let mut kept = TcpStream::connect(server.addr).await.expect("connect");
    probe(&mut kept).await.expect("answer");
    let answered = Instant::now();
    let kept = tokio::spawn(closed_after(kept, answered));
    let slow = tokio::spawn(slowloris(TcpStream::connect(server.addr).await.expect("connect"), Instant::now()));
    let (silent, kept, slow) = (silent.await.expect("task"), kept.await.expect("task"), slow.await.expect("task"));
    println!(
        "5. closed by the server: a connection that never sends after {}, a kept-alive one {} after its answer, \
         a slowloris one (a byte a second) after {}",
        ms(silent),
        ms(kept),
        ms(slow)
    );
    let _ = server.stop.send(());
    let _ = server.task.await;

    // 6. Shutdown.
    for half_sent in [false, true] {
        let server = start(WebhookConfig::default(), defaults.clone()).await;
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        probe(&mut stream).await.expect("answer");
        if half_sent {
            stream.write_all(b"POST /booking/book HTTP/1.1\r\nHost: webhook\r\nContent-Le").await.expect("write");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let signalled = Instant::now();
        let _ = server.stop.send(());
        let _ = server.task.await;
        let what = if half_sent { "a request half sent" } else { "only an idle kept-alive connection" };
        println!("6. serve_with returned {} after the shutdown signal with {what} open", ms(signalled.elapsed()));
        drop(stream);
    }
}
