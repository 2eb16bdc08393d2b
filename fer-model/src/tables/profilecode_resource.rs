//! Table 10 – Profilecode_resource: medical-care profiles of a resource.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::impl_record;
use crate::{Guid, Table, Timestamp};

/// Links a resource to a medical-care profile. A referral's `to_profile_code` finds its resources
/// through these rows: «Необходимо выгрузить профиль ресурса с данным кодом, иначе расписание будет
/// недоступно».
///
/// Endpoints: `POST/GET/DELETE /api/profilecode_resource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ProfilecodeResource {
    /// Идентификатор записи профиля (GUID).
    pub id: Guid,
    /// Идентификатор ресурса (resource.id).
    pub resource_id: Guid,
    /// Код профиля отделения, к которому привязан ресурс: справочник ФНСИ «Профили медицинской
    /// помощи» (1.2.643.5.1.13.13.11.1119), string(45).
    pub profile_code: String,
    /// Дата создания записи.
    pub create_ts: Timestamp,
}

impl_record!(
    ProfilecodeResource,
    Table::ProfilecodeResource,
    id = id,
    parents = [resource_id => Table::Resource],
    optional = []
);
