//! `tower::Service` (feature `tower`): mount the webhook in axum, hyper, tonic or anything that
//! takes a tower service.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;

use crate::{BookingHandler, WebhookService};

/// The webhook as a `tower::Service` over any request body. It is always ready and never fails:
/// every problem is an HTTP answer. The answer body is a [`Full<Bytes>`], which servers accept as
/// an `http_body::Body`.
///
/// ```
/// use tower::ServiceExt;
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
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let probe = http::Request::get("/booking/book").body(http_body_util::Full::new(bytes::Bytes::new())).unwrap();
/// let answer = WebhookService::new(Mis).oneshot(probe).await.unwrap();
/// assert_eq!(answer.status(), 200);
/// # }
/// ```
impl<H, B> tower::Service<Request<B>> for WebhookService<H>
where
    H: BookingHandler + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.handle_body(request).await.map(Full::new)) })
    }
}
