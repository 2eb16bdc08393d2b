//! Webhook registration, `/api/callback` (section 10, «Ответный сервис»).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Oid;

/// A webhook registration: the address the gateway sends booking and cancel calls to, for a whole
/// MO or for one subdivision (Таблица 2 – Структура записи о вебхуке).
///
/// One webhook per MO, optionally one per subdivision. Before registering, the gateway probes
/// `GET <address>/booking/book` and registers only on a 200 answer. Sent to `POST /api/callback` as
/// this JSON body; the query parameters `address` and `depart_oid` are the alternative form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Callback {
    /// Ссылка на адрес ответного сервиса: must be reachable from the gateway's network.
    pub address: String,
    /// OID подразделения, for a subdivision's own webhook; absent for the MO's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depart_oid: Option<Oid>,
}

impl Callback {
    /// The MO's webhook at `address`.
    pub fn new(address: impl Into<String>) -> Self {
        Callback { address: address.into(), depart_oid: None }
    }

    /// A subdivision's webhook at `address`.
    pub fn for_subdivision(address: impl Into<String>, depart_oid: Oid) -> Self {
        Callback { address: address.into(), depart_oid: Some(depart_oid) }
    }
}
