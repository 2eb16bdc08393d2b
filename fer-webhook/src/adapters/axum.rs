//! An axum `Router` (feature `axum`), and [`serve`] to serve an axum application with the
//! connection limits of [`ServeConfig`].

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::ConnectInfo;
use http::Request;
use hyper::body::Incoming;
use hyper::service::service_fn;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::{AllowList, BookingHandler, RemoteAddr, ServeConfig, WebhookService};

/// A `Router` with the webhook's routes, to `merge` into an application or serve on its own.
///
/// It routes exactly as [`serve`](crate::serve) does, since every path under
/// `<base>/booking/` goes to the service, which routes it: `/booking/book` (GET, HEAD, POST) and
/// `/booking/cancel` (POST) under [`WebhookConfig::base_path`](crate::WebhookConfig), a trailing
/// slash ignored (`/booking/book/` is `/booking/book`), and the service's JSON 404 and 405
/// elsewhere under `<base>/booking` (`/booking` itself included). Paths outside it are the application's: add
/// `.fallback_service(service)` to answer them with the webhook's JSON 404 too.
///
/// Serve it with [`serve`] (the same limits and shutdown as [`serve`](crate::serve), and the peer
/// address for the allow-list), or with `into_make_service_with_connect_info::<SocketAddr>()`
/// under another server so that the allow-list and
/// [`RequestContext::remote_addr`](crate::RequestContext::remote_addr) see the peer's address.
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
/// let service = WebhookService::new(Mis);
/// let allow_list = service.config().allow_list.clone();
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(fer_webhook::adapters::axum::router(service));
/// let listener = fer_webhook::bind("127.0.0.1:8080").await?;
/// fer_webhook::adapters::axum::serve(listener, app, allow_list, ServeConfig::default(), shutdown_signal()).await;
/// # Ok(()) }
/// ```
pub fn router<H: BookingHandler + 'static>(service: WebhookService<H>) -> Router {
    let (book, _) = service.paths();
    let prefix = book.strip_suffix("/book").unwrap_or(book);
    // `/booking`, `/booking/` and everything under it: the service routes them all.
    let under = [prefix.to_owned(), format!("{prefix}/"), format!("{prefix}/{{*rest}}")];
    under.iter().fold(Router::new(), |router, path| router.route_service(path, service.clone()))
}

/// Serves an axum application (typically one holding [`router`]) on `listener` with the same
/// accept loop as [`serve_with`](crate::serve_with): the limits of `config`, `allow_list`
/// applied when a connection is accepted (pass the webhook's own,
/// [`WebhookConfig::allow_list`](crate::WebhookConfig)), HTTP/1.1 only unless
/// [`ServeConfig::http2`], and on `shutdown` ([`shutdown_signal`](crate::shutdown_signal)) a drain
/// bounded by [`ServeConfig::shutdown_grace`]. At the cap a newcomer evicts the connection idle the
/// longest ([`ServeConfig`] says which). Each request carries the peer's address, both as axum's
/// `ConnectInfo<SocketAddr>` and as [`RemoteAddr`]. Bind `listener` with [`bind`](crate::bind)
/// for a listen backlog that holds a flood ([`LISTEN_BACKLOG`](crate::LISTEN_BACKLOG)).
///
/// Use it instead of `axum::serve`, which has no header-read or idle timeout, no connection cap,
/// and serves HTTP/2 whenever hyper-util's `http2` feature is on in the build.
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    allow_list: Option<AllowList>,
    config: ServeConfig,
    shutdown: F,
) where
    F: Future<Output = ()>,
{
    let per_connection = move |peer: SocketAddr| {
        let app = app.clone();
        service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(RemoteAddr(peer));
            let app = app.clone();
            async move {
                let answer: Result<_, Infallible> = app.oneshot(request).await;
                answer
            }
        })
    };
    super::server::accept_loop(listener, &config, allow_list, per_connection, shutdown).await
}
