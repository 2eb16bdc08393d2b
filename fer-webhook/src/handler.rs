//! What a vendor implements: [`BookingHandler`] (section 7, «Сервис бронирования и отмены записи на
//! прием»), its typed rejections and the [`RequestContext`] each call receives.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use fer_model::{
    BookingConfirmation, BookingRejection, BookingRejectionCode, BookingRequest, BookingResponse, CancelConfirmation,
    CancelRequest, CancelResponse, CancelStatusCode, GATEWAY_DEADLINE, Guid,
};
use fer_validate::Diagnostic;
use tokio::time::Instant;

/// The MIS's business logic behind the gateway's two calls (section 7).
///
/// Implement this, wrap it in a [`WebhookService`](crate::WebhookService) and the service does the
/// rest: routing, limits, gzip, JSON, validation, the 10-second deadline, panic isolation and the
/// exact answer JSON.
///
/// Both methods run on the request's task under a panic guard and are cancelled (their future is
/// dropped) when the deadline passes: keep each booking in one transaction so that a cancelled call
/// leaves nothing behind. Do not block the thread in them (run blocking work with
/// `tokio::task::spawn_blocking`): the deadline fires only while the method awaits.
#[async_trait]
pub trait BookingHandler: Send + Sync {
    /// `POST /booking/book`: book `request.slot_id` for the patient. Return the confirmation
    /// (status 0; its `book_ext_id` becomes the book's id on the Vitrina) or a typed rejection
    /// (codes 11–18).
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection>;

    /// `POST /booking/cancel`: cancel the booking `request.book_ext_id`. The confirmation answers
    /// status 0 with the fields «Описание параметров в ответе» of the cancel method marks
    /// mandatory (the booking's slot, time and duration: [`CancelConfirmation::of`] builds it
    /// from the booking's confirmation); its `book_ext_id` must be the request's. A rejection
    /// answers code 1 (already cancelled) or 18 (technical error).
    async fn cancel(&self, request: CancelRequest, ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection>;
}

#[async_trait]
impl<H: BookingHandler + ?Sized> BookingHandler for Arc<H> {
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        (**self).book(request, ctx).await
    }

    async fn cancel(&self, request: CancelRequest, ctx: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        (**self).cancel(request, ctx).await
    }
}

/// Where a call came from, how much time is left to answer it, and what the request's checks
/// found worth a warning.
///
/// The gateway's request is read leniently: forms the profile does not forbid (a `patient_id`
/// that is not a GUID, a `gender` other than "1"/"2", blank patient data, …) reach the handler,
/// and fer-validate's findings about them are in [`warnings`](Self::warnings), never a refusal.
///
/// ```
/// use fer_webhook::RequestContext;
/// let ctx = RequestContext::new(None, "req-1");
/// assert_eq!(ctx.request_id(), "req-1");
/// assert!(ctx.time_left() <= fer_model::GATEWAY_DEADLINE);
/// ```
#[derive(Debug, Clone)]
pub struct RequestContext {
    remote_addr: Option<SocketAddr>,
    /// Shared: the service hands clones of the context around on every call.
    request_id: Arc<str>,
    received_at: DateTime<Utc>,
    deadline: Instant,
    warnings: Arc<[Diagnostic]>,
}

impl RequestContext {
    /// A context received now, with the gateway's full 10-second budget (section 7). The service
    /// builds these itself; this is for vendors' own unit tests.
    pub fn new(remote_addr: Option<SocketAddr>, request_id: impl Into<String>) -> Self {
        Self::received(remote_addr, request_id.into(), Utc::now(), Instant::now() + GATEWAY_DEADLINE)
    }

    pub(crate) fn received(
        remote_addr: Option<SocketAddr>,
        request_id: String,
        received_at: DateTime<Utc>,
        deadline: Instant,
    ) -> Self {
        RequestContext { remote_addr, request_id: request_id.into(), received_at, deadline, warnings: Arc::new([]) }
    }

    /// The same context with these warnings (the service sets them; for vendors' tests too).
    pub fn with_warnings(mut self, warnings: Vec<Diagnostic>) -> Self {
        self.warnings = warnings.into();
        self
    }

    /// fer-validate's warnings about the request (pointer, rule code, message; never patient
    /// data): forms accepted although unusual, such as a `patient_id` that is not a GUID. Empty
    /// for a request such as the profile's example.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The peer's address, when the adapter knows it (hyper's peer address, axum's `ConnectInfo`,
    /// or a [`RemoteAddr`](crate::RemoteAddr) extension).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The `X-Request-Id` header of the call, or a generated id when it had none. Also sent back
    /// in the answer's `X-Request-Id` header and written in every log line of the call.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// When the service received the call.
    pub fn received_at(&self) -> DateTime<Utc> {
        self.received_at
    }

    /// The instant at which the service answers status 18 on the handler's behalf.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Time left before [`deadline`](Self::deadline) (zero once it has passed).
    pub fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// A refused booking: one of the spec's codes 11, 12, 13, 14, 15, 17, 18 («Коды ошибок в ответе на
/// запрос бронирования слота», section 7) and an optional own message.
///
/// Without an own message the answer's `status_message` is the spec's user-facing title for the
/// code ([`BookingRejectionCode::user_title_ru`]).
///
/// ```
/// use fer_model::BookingRejectionCode;
/// use fer_webhook::BookRejection;
/// let taken: BookRejection = BookingRejectionCode::SlotUnavailable.into();
/// assert_eq!(taken.message(), "Выбранное время занято");
/// let own = BookRejection::new(BookingRejectionCode::Other).with_message("Бирка не соответствующего типа");
/// assert_eq!(own.message(), "Бирка не соответствующего типа");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("booking rejected with code {} ({})", .code.code(), .code.description_ru())]
pub struct BookRejection {
    code: BookingRejectionCode,
    message: Option<String>,
}

impl BookRejection {
    /// A rejection with the spec's text for `code`.
    pub fn new(code: BookingRejectionCode) -> Self {
        BookRejection { code, message: None }
    }

    /// Replaces the spec's text with an own message (shown to the patient by the EPGU).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The code.
    pub fn code(&self) -> BookingRejectionCode {
        self.code
    }

    /// The message sent: the own one, or the spec's user-facing title for the code.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(self.code.user_title_ru())
    }

    /// The answer JSON of this rejection, echoing the requested slot when known.
    ///
    /// The answer's table («Описание параметров в ответе» of the booking method) marks
    /// `book_ext_id`, `slot_id`, `visit_time` and `duration` mandatory: a rejection carries every
    /// key, `slot_id` from the request and the other three as `null`, since no booking exists.
    pub(crate) fn into_response(self, slot_id: Option<Guid>) -> BookingResponse {
        let mut rejection = BookingRejection::new(self.code);
        rejection.message = Some(self.message().to_owned());
        rejection.slot_id = slot_id;
        BookingResponse::Rejected(rejection)
    }
}

impl From<BookingRejectionCode> for BookRejection {
    fn from(code: BookingRejectionCode) -> Self {
        BookRejection::new(code)
    }
}

/// Why a cancel failed: the two failure codes of «Коды ошибок в ответе на запрос отмены
/// бронирования» (section 7). Success (0) is `Ok(())`, so it cannot be a rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelRejectionCode {
    /// 1: Запись с таким ИД уже отменена.
    AlreadyCanceled,
    /// 18: Произошла техническая ошибка при отмене в МИС.
    TechnicalError,
}

impl CancelRejectionCode {
    /// The wire code.
    pub const fn status_code(self) -> CancelStatusCode {
        match self {
            CancelRejectionCode::AlreadyCanceled => CancelStatusCode::AlreadyCanceled,
            CancelRejectionCode::TechnicalError => CancelStatusCode::TechnicalError,
        }
    }
}

/// A failed cancel: code 1 or 18 and an optional own message.
///
/// Without an own message the answer's `status_message` is the spec's description of the code
/// ([`CancelStatusCode::description_ru`], as in the spec's example «Запись с ИД записи уже
/// отменена»): the user-facing title is the same for both codes and would hide which one it is.
///
/// ```
/// use fer_webhook::{CancelRejection, CancelRejectionCode};
/// let again = CancelRejection::new(CancelRejectionCode::AlreadyCanceled);
/// assert_eq!(again.message(), "Запись с таким ИД уже отменена");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cancel rejected with code {} ({})", .code.status_code().code(), .code.status_code().description_ru())]
pub struct CancelRejection {
    code: CancelRejectionCode,
    message: Option<String>,
    booking: Option<CancelConfirmation>,
}

impl CancelRejection {
    /// A rejection with the spec's text for `code`.
    pub fn new(code: CancelRejectionCode) -> Self {
        CancelRejection { code, message: None, booking: None }
    }

    /// Code 1: the booking is already cancelled.
    pub fn already_canceled() -> Self {
        Self::new(CancelRejectionCode::AlreadyCanceled)
    }

    /// Code 18: a technical error in the MIS.
    pub fn technical_error() -> Self {
        Self::new(CancelRejectionCode::TechnicalError)
    }

    /// Replaces the spec's text with an own message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Adds the booking's fields (slot, time, duration) to the answer: the cancel table marks
    /// them mandatory, so send them whenever the booking is known (code 1 in particular).
    pub fn with_booking(mut self, booking: CancelConfirmation) -> Self {
        self.booking = Some(booking);
        self
    }

    /// The booking's fields, when given.
    pub fn booking(&self) -> Option<&CancelConfirmation> {
        self.booking.as_ref()
    }

    /// The code.
    pub fn code(&self) -> CancelRejectionCode {
        self.code
    }

    /// The message sent: the own one, or the spec's description of the code.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(self.code.status_code().description_ru())
    }

    /// The answer JSON of this rejection: the booking's fields when known, else only
    /// `book_ext_id` (the shape of the method's «Пример ответа с бизнес ошибкой»).
    pub(crate) fn into_response(self, book_ext_id: Option<Guid>) -> CancelResponse {
        let message = Some(self.message().to_owned());
        let mut r = match book_ext_id {
            Some(id) => CancelResponse::new(id, self.code.status_code()),
            None => {
                let mut r = CancelResponse::new(Guid::from_u128(0), self.code.status_code());
                r.book_ext_id = None;
                r
            }
        };
        if let Some(b) = self.booking.as_ref().filter(|b| book_ext_id.is_none_or(|id| id == b.book_ext_id)) {
            r = r.with_booking(b);
        }
        r.status.message = message;
        r
    }
}

impl From<CancelRejectionCode> for CancelRejection {
    fn from(code: CancelRejectionCode) -> Self {
        CancelRejection::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn book_rejection_uses_spec_title_or_own_message() {
        let r = BookRejection::new(BookingRejectionCode::AgeMismatch);
        assert_eq!(r.message(), "Слот не соответствует по возрасту");
        let json = serde_json::to_value(r.into_response(None)).unwrap();
        assert_eq!(json["status"]["status_code"], 14);
        assert_eq!(json["status"]["status_message"], "Слот не соответствует по возрасту");

        let own = BookRejection::new(BookingRejectionCode::Other).with_message("Слот не найден");
        let json = serde_json::to_value(own.into_response(Some(Guid::from_u128(7)))).unwrap();
        assert_eq!(json["status"]["status_code"], 18);
        assert_eq!(json["status"]["status_message"], "Слот не найден");
        assert_eq!(json["slot_id"], "00000000-0000-0000-0000-000000000007");
    }

    #[test]
    fn cancel_rejection_maps_to_codes_1_and_18() {
        let id = Guid::from_u128(42);
        let json = serde_json::to_value(CancelRejection::already_canceled().into_response(Some(id))).unwrap();
        assert_eq!(json["book_ext_id"], "00000000-0000-0000-0000-00000000002a");
        assert_eq!(json["status"]["status_code"], 1);
        assert_eq!(json["status"]["status_message"], "Запись с таким ИД уже отменена");
        let json =
            serde_json::to_value(CancelRejection::technical_error().with_message("БД недоступна").into_response(None))
                .unwrap();
        assert_eq!(json["status"]["status_code"], 18);
        assert_eq!(json["status"]["status_message"], "БД недоступна");
        assert!(json["book_ext_id"].is_null());
    }

    #[test]
    fn display_names_the_code_not_the_message() {
        let r = BookRejection::new(BookingRejectionCode::PatientNotFound).with_message("Иванов не найден");
        assert_eq!(r.to_string(), "booking rejected with code 17 (Пациент не найден)");
    }
}
