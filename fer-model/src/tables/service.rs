//! Table 3 – Service: services a resource provides (Приложение 1, «Service – услуги»).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::impl_record;
use crate::{Guid, Table, Timestamp};

/// A medical service offered by a resource.
///
/// Endpoints: `POST/GET/DELETE /api/service`. Deleted with its resource or MO (cascade).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Service {
    /// Уникальный идентификатор услуги (GUID, not tied to any other table).
    pub id: Guid,
    /// Идентификатор ресурса (resource.id).
    pub resource_id: Guid,
    /// Код услуги согласно справочнику НСИ 1.2.643.5.1.13.13.11.1070 «Номенклатура медицинских
    /// услуг», string(45). A RESEARCH referral's `to_service_id` names this code.
    pub code: String,
    /// Цена услуги.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Время создания записи.
    pub create_ts: Timestamp,
}

impl_record!(Service, Table::Service, id = id, parents = [resource_id => Table::Resource], optional = []);
