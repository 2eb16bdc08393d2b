//! The server on hyper (feature `server`) for vendors without a web framework, and the one accept
//! loop behind every server fer-webhook offers (this one and
//! [`adapters::axum::serve`](crate::adapters::axum::serve)), with the connection limits of
//! [`ServeConfig`].

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use fer_http::shutdown_signal;

use crate::{AllowList, BookingHandler, RemoteAddr, ServeConfig, WebhookService};

/// The listen backlog [`bind`] asks the kernel for: 4,096 connections whose handshake is complete
/// but which the server has not accepted yet. Linux caps it at `net.core.somaxconn` (4,096 by
/// default since kernel 5.4, 128 before). tokio's `TcpListener::bind` asks for 1,024: a flood of
/// connections arriving faster than the accept loop takes them (even ones closed at once because
/// their address is not on the allow-list) can overflow such a queue, and the kernel then drops the
/// gateway's connection attempt too, which its client repeats only a second or more later.
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds a listener for [`serve`], [`serve_with`] or
/// [`adapters::axum::serve`](crate::adapters::axum::serve) with a listen backlog of
/// [`LISTEN_BACKLOG`] (`SO_REUSEADDR` set on Unix, as tokio's `TcpListener::bind` does); the
/// first of the addresses `addr` resolves to that can be bound.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let listener = fer_webhook::bind("0.0.0.0:8080").await?;
/// # Ok(()) }
/// ```
pub async fn bind(addr: impl ToSocketAddrs) -> std::io::Result<TcpListener> {
    bind_with_backlog(addr, LISTEN_BACKLOG).await
}

/// [`bind`] with another listen backlog (the kernel may lower it, never raises it).
pub async fn bind_with_backlog(addr: impl ToSocketAddrs, backlog: u32) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(addr).await? {
        match listen(addr, backlog) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the address resolved to no socket address")
    }))
}

fn listen(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

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
/// let listener = fer_webhook::bind("0.0.0.0:8080").await?;
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
/// let listener = fer_webhook::bind("0.0.0.0:8080").await?;
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

/// The accept loop of every server: the allow-list right after `accept`, each connection on its
/// own task under the header-read and idle timeouts, at most [`ServeConfig::max_connections`] at
/// once (a newcomer at the cap evicts the connection idle the longest, see [`Registry`]), and on
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
    B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    F: Future<Output = ()>,
{
    let builder = Arc::new(connection_builder(config));
    let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let registry = Arc::new(Registry::default());
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut next_id = 0u64;
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let mut permit = Arc::clone(&permits).try_acquire_owned().ok();
        if permit.is_none() && !registry.has_evictable() {
            // At the cap and every connection has a request in progress: nothing is accepted (new
            // peers wait in the backlog) until one closes or finishes its request.
            tokio::select! {
                acquired = Arc::clone(&permits).acquire_owned() => match acquired {
                    Ok(acquired) => permit = Some(acquired),
                    Err(_) => break, // never closed
                },
                () = registry.freed.notified() => continue,
                () = &mut shutdown => break,
            }
        }
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
        let accepted_at = Instant::now();
        if let Some(list) = &allow_list
            && !list.allows(peer.ip())
        {
            // Closed before a byte is read, and it takes no connection's place.
            tracing::debug!(peer = %peer.ip(), "connection from an address not on the allow-list closed");
            drop(stream);
            continue;
        }
        let permit = match permit {
            Some(permit) => permit,
            None => match make_room(&permits, &registry, &mut shutdown).await {
                Some(permit) => permit,
                None => break,
            },
        };
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let slot = registry.open(next_id, accepted_at);
        let connection = Connection {
            builder: Arc::clone(&builder),
            idle_timeout: config.idle_timeout,
            stopping: stopping.clone(),
            slot,
            registry: Arc::clone(&registry),
            _permit: permit,
        };
        let service = per_connection(peer);
        connections.spawn(connection.run(stream, service));
    }
    drop(listener);
    drain(connections, stop, config.shutdown_grace).await;
}

/// At the cap, with a newcomer accepted: evicts the connection idle the longest and waits for the
/// permit it gives back (at once: an evicted connection with no request in flight is dropped), or,
/// when every connection has a request in progress, for one to close or become idle. `None` on
/// `shutdown`.
async fn make_room<F: Future<Output = ()>>(
    permits: &Arc<Semaphore>,
    registry: &Registry,
    shutdown: &mut Pin<&mut F>,
) -> Option<OwnedSemaphorePermit> {
    loop {
        if let Ok(permit) = Arc::clone(permits).try_acquire_owned() {
            return Some(permit);
        }
        let evicted = registry.evict_idlest();
        tokio::select! {
            acquired = Arc::clone(permits).acquire_owned() => return acquired.ok(),
            () = registry.freed.notified(), if !evicted => {}
            () = shutdown.as_mut() => return None,
        }
    }
}

/// The open connections of one accept loop, for eviction at the cap: a newcomer that finds
/// [`ServeConfig::max_connections`] connections open takes the place of the one that has had no
/// request in flight for the longest (one that never sent a whole request head, or a kept-alive
/// one between requests; by the time of its accept or of its last answer). A connection with a
/// request in flight is never chosen.
#[derive(Default)]
struct Registry {
    open: Mutex<BTreeMap<u64, Arc<Slot>>>,
    /// Notified when a connection's last request in flight ends: it may be evicted now.
    freed: Notify,
}

/// One connection's entry in the [`Registry`].
struct Slot {
    id: u64,
    activity: watch::Sender<Activity>,
    /// Notified when the connection is evicted.
    evict: Notify,
}

impl Registry {
    fn open(&self, id: u64, accepted_at: Instant) -> Arc<Slot> {
        let (activity, _) = watch::channel(Activity { in_flight: 0, since: accepted_at });
        let slot = Arc::new(Slot { id, activity, evict: Notify::new() });
        self.lock().insert(id, Arc::clone(&slot));
        slot
    }

    fn close(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn has_evictable(&self) -> bool {
        self.lock().values().any(|slot| slot.activity.borrow().in_flight == 0)
    }

    /// Tells the connection idle the longest to close and forgets it; `false` when every
    /// connection has a request in flight.
    fn evict_idlest(&self) -> bool {
        let mut open = self.lock();
        let idlest = open
            .values()
            .filter_map(|slot| {
                let activity = *slot.activity.borrow();
                (activity.in_flight == 0).then_some((activity.since, slot.id))
            })
            .min();
        match idlest.and_then(|(_, id)| open.remove(&id)) {
            Some(slot) => {
                slot.evict.notify_one();
                tracing::debug!("connection evicted for a newcomer at the cap");
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Slot>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
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

/// What a connection's task needs besides its stream and service; its permit and its place in
/// the [`Registry`] go when it ends.
struct Connection {
    builder: Arc<auto::Builder<TokioExecutor>>,
    idle_timeout: Duration,
    stopping: watch::Receiver<bool>,
    slot: Arc<Slot>,
    registry: Arc<Registry>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.registry.close(self.slot.id);
    }
}

impl Connection {
    /// Serves one connection until the peer closes it, it errs, it stays idle for the idle
    /// timeout, it is evicted, or the server stops (then the request in progress is finished
    /// first).
    async fn run<S, B>(mut self, stream: TcpStream, service: S)
    where
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Send + 'static,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let service = Tracked { inner: service, slot: Arc::clone(&self.slot), freed: Arc::clone(&self.registry) };
        let connection = self.builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let idle = idle(self.slot.activity.subscribe(), self.idle_timeout);
        tokio::pin!(idle);
        let slot = Arc::clone(&self.slot);
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
                () = slot.evict.notified() => {
                    if slot.activity.borrow().in_flight == 0 {
                        // No request in flight and no answer being sent: nothing is lost.
                        return;
                    }
                    // A request began since it was chosen: answer it, then close.
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

/// Requests in flight on a connection (from the call of its service until its answer's body is
/// all handed to hyper), and since when that count is what it is.
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
    slot: Arc<Slot>,
    freed: Arc<Registry>,
}

/// Counts a request out of [`Activity::in_flight`] when it is dropped: with its answer's body once
/// hyper has taken all of it, or with the answer's future if the connection ends first.
struct InFlight {
    slot: Arc<Slot>,
    freed: Arc<Registry>,
}

impl InFlight {
    fn start(slot: &Arc<Slot>, freed: &Arc<Registry>) -> Self {
        slot.activity.send_modify(|a| {
            a.in_flight += 1;
            a.since = Instant::now();
        });
        InFlight { slot: Arc::clone(slot), freed: Arc::clone(freed) }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut idle = false;
        self.slot.activity.send_modify(|a| {
            a.in_flight -= 1;
            a.since = Instant::now();
            idle = a.in_flight == 0;
        });
        if idle {
            self.freed.freed.notify_one();
        }
    }
}

impl<S, B> hyper::service::Service<Request<Incoming>> for Tracked<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>,
    S::Future: Send + 'static,
    B: http_body::Body + Send + 'static,
{
    type Response = Response<TrackedBody<B>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<TrackedBody<B>>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = InFlight::start(&self.slot, &self.freed);
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            answer.map(|answer| answer.map(|inner| TrackedBody { inner, _in_flight: in_flight }))
        })
    }
}

/// An answer's body that keeps its request in flight until hyper drops it (all sent, or the
/// connection ended).
struct TrackedBody<B> {
    inner: B,
    _in_flight: InFlight,
}

impl<B: http_body::Body + Unpin> http_body::Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
