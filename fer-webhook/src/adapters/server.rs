//! A small HTTP/1.1 server on hyper (feature `server`) for vendors without a web framework.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use http::Request;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::{BookingHandler, RemoteAddr, WebhookService};

/// How long a client may take to send the request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves the webhook on `listener` until the process ends. Each connection runs on its own task
/// and the peer's address reaches the allow-list and the
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
    serve_with_shutdown(listener, service, std::future::pending()).await
}

/// Like [`serve`], but stops accepting connections when `shutdown` completes (connections in
/// progress finish on their own tasks).
pub async fn serve_with_shutdown<H, F>(listener: TcpListener, service: WebhookService<H>, shutdown: F)
where
    H: BookingHandler + 'static,
    F: Future<Output = ()>,
{
    tokio::pin!(shutdown);
    loop {
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
            () = &mut shutdown => return,
        };
        let service = service.clone();
        tokio::spawn(async move {
            let per_request = service_fn(move |mut request: Request<Incoming>| {
                let service = service.clone();
                async move {
                    request.extensions_mut().insert(RemoteAddr(peer));
                    Ok::<_, Infallible>(service.handle_body(request).await.map(Full::new))
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), per_request);
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}
