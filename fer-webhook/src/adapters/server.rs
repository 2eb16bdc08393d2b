//! The server on hyper (feature `server`) for vendors without a web framework, and the one accept
//! loop behind every server fer-webhook offers (this one and
//! [`adapters::axum::serve`](crate::adapters::axum::serve)), with the connection limits of
//! [`ServeConfig`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use fer_http::shutdown_signal;

use crate::{AllowList, BookingHandler, RemoteAddr, ServeConfig, WebhookService};

/// Serves the webhook on `listener` with the default [`ServeConfig`] until the process ends. Each
/// connection runs on its own task and the peer's address reaches the allow-list and the
/// [`RequestContext`](crate::RequestContext).
///
/// ```no_run
/// # use async_trait::async_trait;
/// # use fer_model::*;
/// # use fer_webhook::*;
/// # struct Mis;
/// # #[async_trait]
/// # impl BookingHandler for Mis {
/// #     async fn book(&self, _: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
/// #         Err(BookingRejectionCode::SlotUnavailable.into())
/// #     }
/// #     async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> { Err(CancelRejection::technical_error()) }
/// # }
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// fer_webhook::serve(listener, WebhookService::new(Mis)).await;
/// # Ok(()) }
/// ```
pub async fn serve<H: BookingHandler + 'static>(listener: TcpListener, service: WebhookService<H>) {
    serve_with(listener, service, ServeConfig::default(), std::future::pending()).await
}

/// Like [`serve`], until `shutdown` completes (for instance [`shutdown_signal`]): then no new
/// connection is accepted, requests in progress get [`ServeConfig::shutdown_grace`] to finish,
/// and the connections still open after it are dropped.
pub async fn serve_with_shutdown<H, F>(listener: TcpListener, service: WebhookService<H>, shutdown: F)
where
    H: BookingHandler + 'static,
    F: Future<Output = ()>,
{
    serve_with(listener, service, ServeConfig::default(), shutdown).await
}

/// [`serve_with_shutdown`] with other connection limits.
///
/// ```no_run
/// # use async_trait::async_trait;
/// # use fer_model::*;
/// # use fer_webhook::*;
/// # struct Mis;
/// # #[async_trait]
/// # impl BookingHandler for Mis {
/// #     async fn book(&self, _: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
/// #         Err(BookingRejectionCode::SlotUnavailable.into())
/// #     }
/// #     async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> { Err(CancelRejection::technical_error()) }
/// # }
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// let limits = ServeConfig { max_connections: 128, ..ServeConfig::default() };
/// fer_webhook::serve_with(listener, WebhookService::new(Mis), limits, fer_webhook::shutdown_signal()).await;
/// # Ok(()) }
/// ```
pub async fn serve_with<H, F>(listener: TcpListener, service: WebhookService<H>, config: ServeConfig, shutdown: F)
where
    H: BookingHandler + 'static,
    F: Future<Output = ()>,
{
    let allow_list = service.config().allow_list.clone();
    let per_connection = move |peer: SocketAddr| {
        let service = service.clone();
        service_fn(move |mut request: Request<Incoming>| {
            let service = service.clone();
            async move {
                request.extensions_mut().insert(RemoteAddr(peer));
                Ok::<_, Infallible>(service.handle_body(request).await.map(Full::new))
            }
        })
    };
    accept_loop(listener, &config, allow_list, per_connection, shutdown).await
}

/// The accept loop of every server: a connection permit before `accept`, the allow-list right
/// after it, each connection on its own task under the header-read and idle timeouts, and on
/// `shutdown` a drain bounded by [`ServeConfig::shutdown_grace`]. `per_connection` builds the
/// hyper service of one connection from its peer's address.
pub(crate) async fn accept_loop<M, S, B, F>(
    listener: TcpListener,
    config: &ServeConfig,
    allow_list: Option<AllowList>,
    per_connection: M,
    shutdown: F,
) where
    M: Fn(SocketAddr) -> S,
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    F: Future<Output = ()>,
{
    let builder = Arc::new(connection_builder(config));
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        // The permit first: at the cap nothing is accepted, and new peers wait in the backlog.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Some(list) = &allow_list
            && !list.allows(peer.ip())
        {
            // Closed before a byte is read; the permit goes back with it.
            tracing::debug!(peer = %peer.ip(), "connection from an address not on the allow-list closed");
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let connection =
            Connection { builder: Arc::clone(&builder), idle_timeout: config.idle_timeout, stopping: stopping.clone() };
        let service = per_connection(peer);
        connections.spawn(async move {
            connection.run(stream, service).await;
            drop(permit);
        });
    }
    drop(listener);
    drain(connections, stop, config.shutdown_grace).await;
}

/// Tells every connection to finish its request in progress and close, waits up to `grace`, then
/// drops the connections still open.
async fn drain(mut connections: JoinSet<()>, stop: watch::Sender<bool>, grace: Duration) {
    let open = connections.len();
    let _ = stop.send(true);
    let drained = tokio::time::timeout(grace, async { while connections.join_next().await.is_some() {} }).await;
    match drained {
        Ok(()) => tracing::info!(connections = open, "server stopped; every connection finished"),
        Err(_) => {
            let left = connections.len();
            connections.shutdown().await;
            tracing::warn!(connections = left, "server stopped; connections still open at the deadline were dropped");
        }
    }
}

/// HTTP/1.1 only unless HTTP/2 was asked for, with the header-read timeout.
fn connection_builder(config: &ServeConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(config.header_read_timeout);
    if config.http2 {
        builder.http2().timer(TokioTimer::new());
        builder
    } else {
        builder.http1_only()
    }
}

/// What a connection's task needs besides its stream and service.
struct Connection {
    builder: Arc<auto::Builder<TokioExecutor>>,
    idle_timeout: Duration,
    stopping: watch::Receiver<bool>,
}

impl Connection {
    /// Serves one connection until the peer closes it, it errs, it stays idle for the idle
    /// timeout, or the server stops (then the request in progress is finished first).
    async fn run<S, B>(mut self, stream: TcpStream, service: S)
    where
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Send + 'static,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (activity, watched) = watch::channel(Activity { in_flight: 0, since: Instant::now() });
        let service = Tracked { inner: service, activity: Arc::new(activity) };
        let connection = self.builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let idle = idle(watched, self.idle_timeout);
        tokio::pin!(idle);
        let mut closing = false;
        loop {
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection closed with an error");
                    }
                    return;
                }
                () = &mut idle, if !closing => {
                    tracing::debug!("idle connection closed");
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                _ = self.stopping.wait_for(|stop| *stop), if !closing => {
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// Requests in flight on a connection, and since when that count is what it is.
#[derive(Debug, Clone, Copy)]
struct Activity {
    in_flight: usize,
    since: Instant,
}

/// Completes once the connection has had no request in flight for `timeout`.
async fn idle(mut activity: watch::Receiver<Activity>, timeout: Duration) {
    loop {
        let now = *activity.borrow_and_update();
        if now.in_flight == 0 {
            tokio::select! {
                () = tokio::time::sleep_until(now.since + timeout) => return,
                changed = activity.changed() => if changed.is_err() { return },
            }
        } else if activity.changed().await.is_err() {
            return;
        }
    }
}

/// A connection's service that keeps its [`Activity`] up to date.
struct Tracked<S> {
    inner: S,
    activity: Arc<watch::Sender<Activity>>,
}

/// Counts a request out of [`Activity::in_flight`] when its answer is ready or it is dropped.
struct InFlight(Arc<watch::Sender<Activity>>);

impl InFlight {
    fn start(activity: &Arc<watch::Sender<Activity>>) -> Self {
        activity.send_modify(|a| {
            a.in_flight += 1;
            a.since = Instant::now();
        });
        InFlight(Arc::clone(activity))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|a| {
            a.in_flight -= 1;
            a.since = Instant::now();
        });
    }
}

impl<S, B> hyper::service::Service<Request<Incoming>> for Tracked<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response<B>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<B>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(&self.activity);
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            drop(in_flight);
            answer
        })
    }
}
