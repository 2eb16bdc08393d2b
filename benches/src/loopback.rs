//! The three webhook servers of the loopback comparison, and the client that calls them: shared by
//! the criterion bench (`benches/webhook.rs`) and the interleaved A/B run (`benches/webhook_ab.rs`),
//! so that both measure the very same set-up.
//!
//! * [`Server::Ours`]: `fer_webhook::serve` around [`BenchMis`];
//! * [`Server::Bare`]: bare hyper with the same HTTP/1.1 settings answering the very bytes ours
//!   answers (the baseline);
//! * [`Server::ByHand`]: bare hyper with a hand-written serde handler (parse, confirm, serialize).
//!
//! One reqwest client with one keep-alive connection per server sends the calls one after another;
//! client, servers and handler share one 2-worker tokio runtime.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use fer_webhook::WebhookService;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

use crate::baseline::{serve_by_hand, serve_static};
use crate::inputs::{BOOKING_REQUEST, BenchMis, book_call};

/// One of the servers compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Server {
    /// `fer_webhook::serve`.
    Ours,
    /// Bare hyper answering the same bytes.
    Bare,
    /// Bare hyper with a hand-written serde handler.
    ByHand,
}

impl Server {
    /// The three, in the order of the criterion group.
    pub const ALL: [Server; 3] = [Server::Ours, Server::Bare, Server::ByHand];

    /// The server's place in [`Server::ALL`].
    pub fn index(self) -> usize {
        match self {
            Server::Ours => 0,
            Server::Bare => 1,
            Server::ByHand => 2,
        }
    }

    /// The criterion function name of this server (see [`crate::names`]).
    pub fn bench_name(self) -> &'static str {
        match self {
            Server::Ours => crate::names::WEBHOOK_OURS,
            Server::Bare => crate::names::WEBHOOK_BARE,
            Server::ByHand => crate::names::WEBHOOK_BY_HAND,
        }
    }
}

/// The running servers and the client that calls them.
#[derive(Debug)]
pub struct Loopback {
    /// The runtime everything runs on (2 workers).
    pub runtime: Runtime,
    http: reqwest::Client,
    urls: [String; 3],
}

/// Why the set-up failed.
#[derive(Debug, thiserror::Error)]
pub enum LoopbackError {
    /// No runtime, no loopback socket.
    #[error("set-up failed: {0}")]
    Io(#[from] std::io::Error),
    /// No HTTP client.
    #[error("no HTTP client: {0}")]
    Client(reqwest::Error),
    /// A call failed.
    #[error("book call to {url} failed: {source}")]
    Call {
        /// The server's book URL.
        url: String,
        /// Why.
        source: reqwest::Error,
    },
    /// A server answered other bytes than ours.
    #[error("{url} answered other bytes than fer-webhook")]
    Mismatch {
        /// The server's book URL.
        url: String,
    },
}

impl Loopback {
    /// Starts the three servers on 127.0.0.1 (port 0) and checks that the two answering a
    /// confirmation byte for byte ([`Server::Ours`], [`Server::Bare`]) do.
    pub fn start() -> Result<Self, LoopbackError> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let service = WebhookService::new(BenchMis);
        let answer: Bytes = runtime.block_on(service.handle(book_call())).into_body();
        let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().map_err(LoopbackError::Client)?;
        let (ours, ours_url) = runtime.block_on(bind())?;
        runtime.spawn(fer_webhook::serve(ours, service));
        let (bare, bare_url) = runtime.block_on(bind())?;
        runtime.spawn(serve_static(bare, answer.clone()));
        let (by_hand, by_hand_url) = runtime.block_on(bind())?;
        runtime.spawn(serve_by_hand(by_hand));
        let loopback = Loopback { runtime, http, urls: [ours_url, bare_url, by_hand_url] };
        for server in [Server::Ours, Server::Bare] {
            let url = loopback.url(server).to_owned();
            let got = loopback
                .runtime
                .block_on(async { loopback.http.post(&url).body(BOOKING_REQUEST).send().await?.bytes().await });
            match got {
                Ok(got) if got == answer => {}
                Ok(_) => return Err(LoopbackError::Mismatch { url }),
                Err(source) => return Err(LoopbackError::Call { url, source }),
            }
        }
        Ok(loopback)
    }

    /// The book URL of `server`.
    pub fn url(&self, server: Server) -> &str {
        &self.urls[server.index()]
    }

    /// Sends `iters` book calls to `server` one after another (blocking on the runtime) and returns
    /// the time taken.
    pub fn time_calls(&self, server: Server, iters: u64) -> Result<Duration, LoopbackError> {
        let url = self.url(server);
        self.runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                let answer = self
                    .http
                    .post(url)
                    .header("content-type", "application/json")
                    .body(BOOKING_REQUEST)
                    .send()
                    .await
                    .and_then(|a| a.error_for_status());
                let bytes = match answer {
                    Ok(answer) => answer.bytes().await,
                    Err(e) => Err(e),
                };
                match bytes {
                    Ok(bytes) => {
                        black_box(bytes);
                    }
                    Err(source) => return Err(LoopbackError::Call { url: url.to_owned(), source }),
                }
            }
            Ok(start.elapsed())
        })
    }
}

/// Binds 127.0.0.1:0 and returns the listener with the URL of its book path.
async fn bind() -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/booking/book", listener.local_addr()?);
    Ok((listener, url))
}

/// The `q`-quantile (0 ≤ q ≤ 1, linear interpolation) of `values`; `None` when empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), Some(2.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.0), Some(1.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 1.0), Some(4.0));
        assert_eq!(quantile(&[1.0, f64::NAN, 3.0], 0.5), Some(2.0));
    }

    #[test]
    fn indices_follow_all() {
        for (i, server) in Server::ALL.into_iter().enumerate() {
            assert_eq!(server.index(), i);
        }
    }

    #[test]
    fn the_three_servers_answer() {
        let loopback = Loopback::start().unwrap();
        for server in Server::ALL {
            assert!(loopback.url(server).ends_with("/booking/book"));
            assert!(loopback.time_calls(server, 3).unwrap() > Duration::ZERO);
        }
    }
}
