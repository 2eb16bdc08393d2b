//! Webhook registration, `/api/callback` (section 10, «Ответный сервис»): register, read, update,
//! delete and check, for the whole MO or for one subdivision (`depart_oid`).
//!
//! The spec writes update and subdivision delete as `GET`; like the emulator we use `PUT` for an
//! update and `DELETE` for a delete, with the registration as a JSON body
//! `{"address": "…", "depart_oid": "…"}` (see [`fer_model::spec::contradictions`]).

use fer_model::endpoint::{self, Endpoint};
use fer_model::{Callback, Oid};

use crate::client::{VitrinaClient, decode_result, result_value};
use crate::error::Error;
use crate::transport::ApiRequest;

/// The gateway's answer to [`VitrinaClient::check_callback`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackCheck {
    /// Whether `GET <address>/booking/book` answered 200 from the gateway.
    pub available: bool,
    /// Why not, when the gateway says.
    pub reason: Option<String>,
}

impl VitrinaClient {
    /// Registers a webhook (`POST /api/callback`). The gateway first probes
    /// `GET <address>/booking/book` and registers only on a 200 answer; otherwise this is an error.
    /// Returns the registration as the Vitrina stored it.
    pub async fn register_callback(&self, callback: &Callback) -> Result<Callback, Error> {
        self.write_callback(&endpoint::CALLBACK_REGISTER, callback).await
    }

    /// Changes the address of a webhook (`PUT /api/callback`, same body as the registration).
    pub async fn update_callback(&self, callback: &Callback) -> Result<Callback, Error> {
        self.write_callback(&endpoint::CALLBACK_UPDATE, callback).await
    }

    /// The webhook of the MO (`depart_oid` = `None`) or of one subdivision
    /// (`GET /api/callback[?depart_oid=]`); `None` when there is none (404).
    pub async fn get_callback(&self, depart_oid: Option<&Oid>) -> Result<Option<Callback>, Error> {
        let reply =
            self.transport().execute(with_depart(ApiRequest::to(&endpoint::CALLBACK_READ, &[]), depart_oid)).await?;
        if reply.not_found()? {
            return Ok(None);
        }
        match result_value(reply.success()?.result)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => decode_result(value, "the webhook").map(Some),
        }
    }

    /// Deletes the webhook of the MO or of one subdivision (`DELETE /api/callback[?depart_oid=]`).
    /// Returns `false` when there was none (404). Afterwards the MIS gets no booking calls.
    pub async fn delete_callback(&self, depart_oid: Option<&Oid>) -> Result<bool, Error> {
        let request = with_depart(ApiRequest::to(&endpoint::CALLBACK_DELETE, &[]), depart_oid);
        let reply = self.transport().execute(request).await?;
        if reply.not_found()? {
            return Ok(false);
        }
        reply.success().map(|_| true)
    }

    /// Asks the gateway whether it can reach a webhook (`GET /api/callback/check?address=`, section
    /// 8.5), without registering it. A negative answer is `Ok` with `available: false`; errors are
    /// failures of the call itself.
    pub async fn check_callback(&self, address: &str) -> Result<CallbackCheck, Error> {
        let request = ApiRequest::to(&endpoint::CALLBACK_CHECK, &[]).query("address", address);
        let reply = self.transport().execute(request).await?;
        if !reply.is_success() {
            return match reply.status {
                200 | 400 | 404 | 422 => Ok(CallbackCheck {
                    available: false,
                    reason: reply.envelope.error.map(|e| format!("{} {}", e.error_code, e.error_message)),
                }),
                _ => Err(reply.into_error()),
            };
        }
        // `result` is `true`/`false`, or an object with `available` and `reason` (the emulator's form).
        let result = result_value(reply.envelope.result)?.unwrap_or(serde_json::Value::Null);
        let available = result.as_bool().or_else(|| result.get("available").and_then(serde_json::Value::as_bool));
        let reason = result.get("reason").and_then(serde_json::Value::as_str).map(str::to_owned);
        Ok(CallbackCheck { available: available.unwrap_or(true), reason })
    }

    async fn write_callback(&self, endpoint: &Endpoint, callback: &Callback) -> Result<Callback, Error> {
        let request = ApiRequest::to(endpoint, &[]).json(callback, 1)?;
        let envelope = self.transport().execute(request).await?.success()?;
        match result_value(envelope.result)? {
            None | Some(serde_json::Value::Null) => Ok(callback.clone()),
            Some(value) => decode_result(value, "the webhook"),
        }
    }
}

fn with_depart(request: ApiRequest, depart_oid: Option<&Oid>) -> ApiRequest {
    match depart_oid {
        Some(oid) => request.query("depart_oid", oid.as_str()),
        None => request,
    }
}
