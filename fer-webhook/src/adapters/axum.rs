//! An axum `Router` (feature `axum`).

use axum::Router;

use crate::{BookingHandler, WebhookService};

/// A `Router` with the webhook's two routes (`/booking/book` for GET, HEAD and POST,
/// `/booking/cancel` for POST, under [`WebhookConfig::base_path`](crate::WebhookConfig)), to
/// `merge` into an application or serve on its own. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that the allow-list and
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
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(fer_webhook::adapters::axum::router(WebhookService::new(Mis)));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
/// # }
/// ```
pub fn router<H: BookingHandler + 'static>(service: WebhookService<H>) -> Router {
    let (book, cancel) = service.paths();
    let (book, cancel) = (book.to_owned(), cancel.to_owned());
    Router::new().route_service(&book, service.clone()).route_service(&cancel, service)
}
