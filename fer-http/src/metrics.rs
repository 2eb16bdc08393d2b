//! Metrics in the Prometheus text exposition format (OpenMetrics 1.0 text, which Prometheus
//! scrapes natively): a [`Registry`] of the Prometheus project's Rust client
//! ([`prometheus_client`], re-exported so that every crate registers into the same one), and
//! [`serve`], an HTTP endpoint answering `GET /metrics` on a listener the caller binds.
//!
//! Bind the listener on loopback ([`DEFAULT_ADDR`]) and let the local Prometheus agent (or a
//! reverse proxy) scrape it: never on the webhook's internet-facing port, whose callers are the
//! gateway's addresses only. [`serve`] logs a warning when its listener is not on loopback.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::sync::Arc;
//! use fer_http::metrics::{Registry, prometheus_client::metrics::counter::Counter};
//!
//! let mut registry = Registry::default();
//! let calls = Counter::<u64>::default();
//! registry.register("demo_calls", "Calls made", calls.clone());
//! calls.inc();
//!
//! let text = fer_http::metrics::encode(&registry);
//! assert!(text.contains("demo_calls_total 1"));
//! assert!(text.ends_with("# EOF\n"));
//!
//! // Served on loopback (port 0 here: any free one).
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let server = tokio::spawn(fer_http::metrics::serve(listener, Arc::new(registry), std::future::pending()));
//! # server.abort();
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
pub use prometheus_client;
pub use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The path served.
pub const PATH: &str = "/metrics";

/// The `Content-Type` of the answer: OpenMetrics 1.0 text, what [`prometheus_client`] writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Where to bind by default: loopback, on the port OpenTelemetry's Prometheus exporters use.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9464";

/// Scrapes served at once; a connection beyond waits in the listen backlog for its turn.
const MAX_CONNECTIONS: usize = 32;

/// How long a scraper may take to send its request's head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The registry's text exposition, ending with `# EOF`.
pub fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, registry) {
        // Writing to a String cannot fail; a metric's own encoder could.
        tracing::error!(error = %e, "could not encode the metrics");
    }
    text
}

/// Serves `GET /metrics` (and `HEAD`) with `registry`'s current values on `listener` until
/// `shutdown` completes; other paths answer 404, other methods 405. HTTP/1.1, at most 32
/// connections served at once, 10 s to send a request's head.
pub async fn serve<F>(listener: TcpListener, registry: Arc<Registry>, shutdown: F)
where
    F: Future<Output = ()>,
{
    if let Ok(addr) = listener.local_addr()
        && !addr.ip().is_loopback()
    {
        tracing::warn!(%addr, "metrics served on a non-loopback address: keep it off the internet-facing network");
    }
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => return,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "metrics: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let registry = Arc::clone(&registry);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let registry = Arc::clone(&registry);
                async move { Ok::<_, std::convert::Infallible>(answer(&request, &registry)) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "metrics: connection ended");
            }
            drop(permit);
        });
    }
}

fn answer<B>(request: &Request<B>, registry: &Registry) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, content_type: &'static str, body: Bytes| {
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
        response
    };
    if request.uri().path() != PATH {
        return reply(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"not found: try /metrics\n"),
        );
    }
    match *request.method() {
        Method::GET => reply(StatusCode::OK, CONTENT_TYPE, Bytes::from(encode(registry))),
        Method::HEAD => reply(StatusCode::OK, CONTENT_TYPE, Bytes::new()),
        _ => {
            let mut response = reply(
                StatusCode::METHOD_NOT_ALLOWED,
                "text/plain; charset=utf-8",
                Bytes::from_static(b"GET or HEAD\n"),
            );
            response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let registry = Registry::default();
        let get = |method: Method, path: &str| {
            answer(&Request::builder().method(method).uri(path).body(()).unwrap(), &registry).status()
        };
        assert_eq!(get(Method::GET, "/metrics"), StatusCode::OK);
        assert_eq!(get(Method::HEAD, "/metrics"), StatusCode::OK);
        assert_eq!(get(Method::POST, "/metrics"), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(get(Method::GET, "/"), StatusCode::NOT_FOUND);
    }
}
