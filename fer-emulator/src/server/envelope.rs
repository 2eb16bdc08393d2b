//! The Appendix 2 envelope on every Vitrina answer, built from fer-model's [`VitrinaResponse`].

use axum::Json;
use axum::response::{IntoResponse, Response};
use fer_model::{ErrorCode, ErrorInfo, RecordError, Table, VitrinaResponse};
use http::StatusCode;
use serde_json::Value;

use crate::store::rules::{BatchOutcome, RefusalKind};

/// Sends an envelope with the HTTP status equal to its `statusCode`.
pub(crate) fn reply(body: VitrinaResponse<Value>) -> Response {
    let status = StatusCode::from_u16(body.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

/// A failed answer with a summary error only.
pub(crate) fn failure(status: u16, code: &str, message: impl Into<String>) -> Response {
    reply(VitrinaResponse::failure(status, code, message))
}

/// A successful answer carrying a result.
pub(crate) fn result(value: Value) -> Response {
    reply(VitrinaResponse::with_result(value))
}

/// An answer that refuses the whole request; becomes the envelope with its status, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    /// The HTTP status and `statusCode`.
    pub status: u16,
    /// The `errorCode`.
    pub code: &'static str,
    /// The `errorMessage`.
    pub message: String,
}

impl ApiError {
    /// 400 with code FORMAT.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError { status: 400, code: crate::codes::FORMAT, message: message.into() }
    }

    /// 500 with code INTERNAL.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { status: 500, code: crate::codes::INTERNAL, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        failure(self.status, self.code, self.message)
    }
}

/// A refusal that is not about one record: a body that is not a batch, an error at the root.
#[derive(Debug, Clone)]
pub(crate) struct RequestError {
    /// The code.
    pub code: String,
    /// The message.
    pub message: String,
}

/// The answer to a batch POST (Appendix 2): every record is in `sendedGuids` (accepted) or in
/// `errors` (refused, with its id as written, code and message).
///
/// The status is 200 when everything was accepted; otherwise it is the status of the gravest
/// refusal (400 format, then 403 another organisation's rows, then 405 blocked subdivision, then 422
/// duplicates). A 422's summary code is
/// R-310 and its message the first refusal's, as in the spec's examples; accepted records stay
/// accepted (partial success). `sendedGuidsToContactCenter` repeats the accepted ids for slots (the
/// spec's slot examples fill it) and is null for the other tables (the MO example).
pub(crate) fn batch(table: Table, outcome: BatchOutcome, request_errors: Vec<RequestError>) -> Response {
    let contact_center = (table == Table::Slot).then(|| outcome.accepted.clone());
    let gravest = outcome.refused.iter().map(|(_, r)| r.kind).max();
    let status = match (gravest, request_errors.is_empty()) {
        (_, false) => 400,
        (Some(kind), true) => kind.status(),
        (None, true) => 200,
    };
    let total = outcome.accepted.len() + outcome.refused.len();
    let error = (status != 200).then(|| summary(status, &outcome, &request_errors, total));
    let mut errors: Vec<RecordError> = request_errors
        .into_iter()
        .map(|e| RecordError { id: None, error_message: e.message, error_code: ErrorCode::Other(e.code) })
        .collect();
    errors.extend(outcome.refused.into_iter().map(|(id, r)| RecordError {
        id,
        error_message: r.message,
        error_code: r.code,
    }));
    reply(VitrinaResponse {
        result: None,
        is_success: status == 200,
        error,
        errors: (!errors.is_empty()).then_some(errors),
        sended_guids: outcome.accepted,
        sended_guids_to_contact_center: contact_center,
        status_code: status,
    })
}

fn summary(status: u16, outcome: &BatchOutcome, request_errors: &[RequestError], total: usize) -> ErrorInfo {
    if let Some(first) = request_errors.first() {
        return ErrorInfo { error_message: first.message.clone(), error_code: ErrorCode::Other(first.code.clone()) };
    }
    let first_of = |kind: RefusalKind| outcome.refused.iter().find(|(_, r)| r.kind == kind);
    if status == 403
        && let Some((_, first)) = first_of(RefusalKind::Forbidden)
    {
        return ErrorInfo { error_message: first.message.clone(), error_code: first.code.clone() };
    }
    match (status, first_of(RefusalKind::Duplicate), first_of(RefusalKind::Blocked)) {
        (422, Some((id, first)), _) => {
            let mut message = first.message.clone();
            if first.code == ErrorCode::R330 {
                message.push_str(&format!(" [{}].", id.as_deref().unwrap_or_default()));
            }
            ErrorInfo { error_message: message, error_code: ErrorCode::R310 }
        }
        (405, _, Some((_, first))) => {
            ErrorInfo { error_message: first.message.clone(), error_code: first.code.clone() }
        }
        _ => ErrorInfo {
            error_message: format!(
                "Формат переданных сведений некорректен и не соответствует требованиям: отклонено записей {} из \
                 {total}, подробности в errors",
                outcome.refused.len()
            ),
            error_code: ErrorCode::Other(crate::codes::FORMAT.to_owned()),
        },
    }
}
