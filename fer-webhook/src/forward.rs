//! [`Forward`]: a [`BookingHandler`] that hands each call of the gateway to the MIS's own HTTP
//! endpoint, in the gateway's JSON, for an MIS not written in Rust (feature `forward`).
//!
//! In front of it the [`WebhookService`](crate::WebhookService) does what the profile asks of the
//! webhook (the limits, gzip, the checks, the 10-second deadline, the exact answer JSON) and
//! [`Idempotent`](crate::Idempotent) answers a repeated call with the first answer, so the MIS
//! endpoint only books and cancels: `POST <base>/booking/book` and `POST <base>/booking/cancel`
//! with the request as the gateway sent it, answered as section 7 of the profile says (status
//! 0 with `book_ext_id`, or a refusal code). The MIS's answer is read as leniently as the gateway
//! reads one (the spellings of the status key, a time without its offset).
//!
//! Whatever goes wrong on the way (the MIS unreachable, slower than the time left before the
//! deadline, an answer that is not one) becomes the technical error of the profile (booking
//! code 18, cancel code 18) with the reason, never a confirmation the MIS did not give. A cancel
//! confirmed without the booking's slot, time and duration, which the profile's answer requires,
//! is answered as a technical error too: the gateway may repeat it, and the MIS answers "already
//! cancelled" (code 1).

use std::time::Duration;

use async_trait::async_trait;
use fer_model::{
    BookingConfirmation, BookingDetails, BookingRejectionCode, BookingRequest, BookingResponse, CancelConfirmation,
    CancelRequest, CancelResponse, CancelStatusCode,
};

use crate::handler::{BookRejection, BookingHandler, CancelRejection, RequestContext};

/// The most bytes of an MIS answer read (an answer is a few hundred bytes).
const ANSWER_LIMIT: usize = 64 << 10;
/// Time kept back from the deadline to answer the gateway once the MIS has answered.
const MARGIN: Duration = Duration::from_millis(300);

/// Why a [`Forward`] cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The base address is not an `http://` or `https://` URL.
    #[error("the MIS endpoint {0:?} is not an http:// or https:// URL")]
    NotHttp(String),
    /// The HTTP client could not be built.
    #[error("the HTTP client for the MIS endpoint could not be built")]
    Client(#[source] reqwest::Error),
}

/// Forwards the gateway's calls to `<base>/booking/book` and `<base>/booking/cancel`.
///
/// ```
/// let forward = fer_webhook::Forward::new("http://127.0.0.1:9000").unwrap();
/// assert!(fer_webhook::Forward::new("ftp://mis").is_err());
/// let service = fer_webhook::WebhookService::new(fer_webhook::Idempotent::in_memory(forward));
/// # drop(service);
/// ```
#[derive(Debug, Clone)]
pub struct Forward {
    client: reqwest::Client,
    book_url: String,
    cancel_url: String,
}

impl Forward {
    /// A forwarder to the MIS endpoint at `base` (e.g. `http://127.0.0.1:9000`).
    pub fn new(base: &str) -> Result<Forward, ForwardError> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ForwardError::NotHttp(base.to_owned()));
        }
        let client =
            reqwest::Client::builder().connect_timeout(Duration::from_secs(3)).build().map_err(ForwardError::Client)?;
        Ok(Forward { client, book_url: format!("{base}/booking/book"), cancel_url: format!("{base}/booking/cancel") })
    }

    /// POSTs `body` to `url` within the time left and reads the answer (bounded).
    async fn call(&self, url: &str, body: Vec<u8>, ctx: &RequestContext) -> Result<Vec<u8>, String> {
        let budget = ctx.time_left().saturating_sub(MARGIN);
        if budget.is_zero() {
            return Err("no time left before the gateway's deadline".into());
        }
        let send = async {
            let mut answer = self
                .client
                .post(url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header(crate::REQUEST_ID_HEADER, ctx.request_id())
                .body(body)
                .send()
                .await
                .map_err(|e| format!("the MIS endpoint {url} could not be reached: {e}"))?;
            if !answer.status().is_success() {
                return Err(format!("the MIS endpoint {url} answered HTTP {}", answer.status()));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = answer.chunk().await.map_err(|e| format!("the MIS answer broke off: {e}"))? {
                if bytes.len() + chunk.len() > ANSWER_LIMIT {
                    return Err(format!("the MIS answer is over {ANSWER_LIMIT} bytes"));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        };
        tokio::time::timeout(budget, send)
            .await
            .map_err(|_| format!("the MIS endpoint {url} did not answer within {} ms", budget.as_millis()))?
    }
}

fn book_failure(why: String) -> BookRejection {
    tracing::error!(reason = %why, "forwarding a booking failed");
    BookRejection::new(BookingRejectionCode::Other).with_message(why)
}

fn cancel_failure(why: String) -> CancelRejection {
    tracing::error!(reason = %why, "forwarding a cancel failed");
    CancelRejection::technical_error().with_message(why)
}

#[async_trait]
impl BookingHandler for Forward {
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let body = serde_json::to_vec(&request).map_err(|e| book_failure(e.to_string()))?;
        let answer = self.call(&self.book_url, body, &ctx).await.map_err(book_failure)?;
        match serde_json::from_slice::<BookingResponse>(&answer) {
            Ok(BookingResponse::Confirmed(c)) if c.slot_id == request.slot_id => Ok(c),
            Ok(BookingResponse::Confirmed(c)) => Err(book_failure(format!(
                "the MIS confirmed slot {} for a booking of slot {}",
                c.slot_id, request.slot_id
            ))),
            Ok(BookingResponse::Rejected(r)) => {
                let rejection = BookRejection::new(r.code);
                Err(match r.message {
                    Some(message) => rejection.with_message(message),
                    None => rejection,
                })
            }
            Err(e) => Err(book_failure(format!("the MIS answer is not a booking answer: {e}"))),
        }
    }

    async fn cancel(&self, request: CancelRequest, ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        let body = serde_json::to_vec(&request).map_err(|e| cancel_failure(e.to_string()))?;
        let answer = self.call(&self.cancel_url, body, &ctx).await.map_err(cancel_failure)?;
        let r: CancelResponse = serde_json::from_slice(&answer)
            .map_err(|e| cancel_failure(format!("the MIS answer is not a cancel answer: {e}")))?;
        match r.status.code {
            CancelStatusCode::Success => match (r.slot_id, r.visit_time, r.duration) {
                (Some(slot_id), Some(visit_time), Some(duration)) => Ok(CancelConfirmation {
                    book_ext_id: request.book_ext_id,
                    slot_id,
                    visit_time,
                    duration,
                    details: BookingDetails {
                        service_id: r.service_id,
                        organization_id: r.organization_id,
                        area_id: r.area_id,
                        queue_number: r.queue_number,
                    },
                    message: r.status.message,
                }),
                _ => Err(cancel_failure(
                    "the MIS confirmed the cancel without the booking's slot_id, visit_time and duration".into(),
                )),
            },
            CancelStatusCode::AlreadyCanceled => Err(CancelRejection::already_canceled()),
            CancelStatusCode::TechnicalError => Err(match r.status.message {
                Some(message) => CancelRejection::technical_error().with_message(message),
                None => CancelRejection::technical_error(),
            }),
        }
    }
}
