//! Query and path parameters whose rejections are enveloped like every other Vitrina answer (axum's
//! own extractors answer plain text).

use axum::extract::{FromRequestParts, Path, Query};
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::envelope::ApiError;

/// The query string, parsed into `T`; a malformed one is a 400 envelope.
#[derive(Debug)]
pub(crate) struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| Params(t))
            .map_err(|e| ApiError::bad_request(format!("Неверные параметры запроса: {}", e.body_text())))
    }
}

/// A path segment, parsed into `T`; a malformed one is a 400 envelope.
#[derive(Debug)]
pub(crate) struct Segment<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segment<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Segment(t))
            .map_err(|e| ApiError::bad_request(format!("Неверный параметр адреса: {}", e.body_text())))
    }
}
