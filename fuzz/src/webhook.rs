//! Target `webhook`: `fer_webhook::WebhookService::handle` on arbitrary requests (method, path,
//! headers, body, gzip or not, peer address), decoded by [`super::request`] (included as
//! `request`).
//!
//! Bit `0x40` of the flags byte picks a strict service (allow-list 127.0.0.1/32, base path `/fer`,
//! 4 KiB body and 8 KiB gunzipped limits) over the default one. The handler is trivial and decides
//! from the slot id, so every answer code is reachable. Checked on every answer: a `POST` answered
//! 200 carries the spec's answer JSON, which parses as fer-model's response type.

use async_trait::async_trait;
use bytes::Bytes;
use fer_model::{
    BookingConfirmation, BookingDetails, BookingRejectionCode, BookingRequest, BookingResponse, CancelConfirmation,
    CancelRequest, CancelResponse, DurationMinutes, Guid,
};
use fer_webhook::{
    AllowList, BookRejection, BookingHandler, CancelRejection, RemoteAddr, RequestContext, WebhookConfig,
    WebhookService,
};
use http::Method;

use super::request;

/// Confirms, refuses or fails according to the first byte of the slot id (or book id).
#[derive(Debug, Clone, Copy, Default)]
pub struct TrivialMis;

fn first_byte(id: &Guid) -> u8 {
    id.to_string().as_bytes().first().copied().unwrap_or(b'0')
}

#[async_trait]
impl BookingHandler for TrivialMis {
    async fn book(&self, request: BookingRequest, _ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let code = match first_byte(&request.slot_id) {
            b'1' => BookingRejectionCode::SlotUnavailable,
            b'2' => BookingRejectionCode::AgeMismatch,
            b'3' => BookingRejectionCode::Other,
            _ => {
                let visit_time = chrono::DateTime::parse_from_rfc3339("2024-03-28T08:00:00+03:00")
                    .map_err(|_| BookRejection::new(BookingRejectionCode::Other))?;
                return Ok(BookingConfirmation {
                    book_ext_id: request.slot_id,
                    slot_id: request.slot_id,
                    visit_time,
                    duration: DurationMinutes(20),
                    details: BookingDetails::default(),
                    message: None,
                });
            }
        };
        Err(BookRejection::new(code).with_message("fuzz"))
    }

    async fn cancel(
        &self,
        request: CancelRequest,
        _ctx: RequestContext,
    ) -> Result<CancelConfirmation, CancelRejection> {
        match first_byte(&request.book_ext_id) {
            b'1' => Err(CancelRejection::already_canceled()),
            b'2' => Err(CancelRejection::new(fer_webhook::CancelRejectionCode::TechnicalError)),
            _ => Ok(CancelConfirmation {
                book_ext_id: request.book_ext_id,
                slot_id: request.book_ext_id,
                visit_time: chrono::DateTime::UNIX_EPOCH.fixed_offset(),
                duration: DurationMinutes(0),
                details: BookingDetails::default(),
                message: None,
            }),
        }
    }
}

/// The two services the target drives.
pub struct Services {
    default: WebhookService<TrivialMis>,
    strict: WebhookService<TrivialMis>,
}

impl Services {
    /// Builds both services.
    pub fn new() -> Self {
        let default = WebhookService::new(TrivialMis);
        let strict = WebhookService::new(TrivialMis).with_config(WebhookConfig {
            allow_list: "127.0.0.1/32".parse::<AllowList>().ok(),
            base_path: "/fer".to_owned(),
            body_limit: 4096,
            decompressed_limit: 8192,
            ..WebhookConfig::default()
        });
        Services { default, strict }
    }
}

impl Default for Services {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs one input. Must run inside a tokio runtime with time enabled.
pub async fn run(services: &Services, data: &[u8]) {
    let Some(&flags) = data.first() else { return };
    let service = if flags & 0x40 != 0 { &services.strict } else { &services.default };
    for (flags, mut request) in request::decode_all(data) {
        if let Some(peer) = flags.peer {
            request.extensions_mut().insert(RemoteAddr(peer));
        }
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let answer = service.handle(request).await;
        check(service, &method, &path, answer.status().as_u16(), answer.body());
    }
}

fn check(service: &WebhookService<TrivialMis>, method: &Method, path: &str, status: u16, body: &Bytes) {
    if status >= 500 {
        panic!("{method} {path} answered {status}: {}", String::from_utf8_lossy(body));
    }
    if *method != Method::POST || status != 200 {
        return;
    }
    let (book, cancel) = service.paths();
    let parsed = if path == book {
        serde_json::from_slice::<BookingResponse>(body).map(drop)
    } else if path == cancel {
        serde_json::from_slice::<CancelResponse>(body).map(drop)
    } else {
        Ok(())
    };
    if let Err(e) = parsed {
        panic!("{path} answered 200 without the spec's answer JSON ({e}): {}", String::from_utf8_lossy(body));
    }
}
