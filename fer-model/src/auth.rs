//! The authorisation service `POST /auth.svc` (section 6, «Сервис авторизации»).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Oid, Redacted};

/// Формат объекта «Авторизация» (table 1): the body of `POST /auth.svc`.
///
/// `Debug` never shows the password.
///
/// ```
/// use fer_model::AuthRequest;
/// let req = AuthRequest::new("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "secret");
/// assert!(!format!("{req:?}").contains("secret"));
/// assert_eq!(serde_json::to_value(&req).unwrap()["password"], "secret");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AuthRequest {
    /// OID медицинского учреждения (справочник OID 1.2.643.5.1.13.13.11.1461).
    pub username: Oid,
    /// Пароль.
    pub password: Redacted<String>,
}

impl AuthRequest {
    /// A request for the given MO OID and password.
    pub fn new(username: Oid, password: impl Into<String>) -> Self {
        AuthRequest { username, password: Redacted::new(password.into()) }
    }
}

/// The token part of the answer (`Result`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AuthToken {
    /// Until when the token is valid (RFC 3339). Refresh before then. Also read without a zone,
    /// as UTC: the example's ValidTo is UTC and equals its token's exp.
    #[serde(with = "crate::wire::valid_to")]
    #[schemars(with = "DateTime<Utc>")]
    pub valid_to: DateTime<Utc>,
    /// The token, sent on every later call as `Authorization: Bearer <token>`.
    pub value: Redacted<String>,
}

/// The answer of `POST /auth.svc`. Unlike every other answer it is PascalCase.
///
/// ```
/// use fer_model::AuthResponse;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/auth_response.json")).unwrap();
/// let r: AuthResponse = serde_json::from_str(&json).unwrap();
/// assert!(r.is_success);
/// assert!(r.result.unwrap().value.expose().starts_with("eyJ"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AuthResponse {
    /// The token and its expiry; absent or null when authorisation failed.
    #[serde(default)]
    pub result: Option<AuthToken>,
    /// Whether authorisation succeeded.
    #[serde(alias = "isSuccess")]
    pub is_success: bool,
    /// Why authorisation failed (empty on success).
    #[serde(default, alias = "errorMessage")]
    pub error_message: Option<String>,
    /// HTTP-like status: 200 on success.
    #[serde(alias = "statusCode")]
    pub status_code: u16,
}
