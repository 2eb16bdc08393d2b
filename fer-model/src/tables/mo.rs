//! Table 1 – MO: subdivisions of medical organisations (Приложение 1, «МО - структурные подразделения»).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::impl_record;
use crate::{Enabled, Guid, MoAgeGroup, Oid, Table, Timestamp};

/// A subdivision (структурное подразделение) of a medical organisation.
///
/// Endpoints: `POST/GET/DELETE /api/mo`, `GET /api/mo/oid/{oid}`. Deleting a subdivision deletes its
/// resources, slots, books and services on the Vitrina (cascade, section 3.1.5). A subdivision whose
/// `name` duplicates another subdivision's with a different id is refused with R-330.
///
/// `update_ts` is set by the service: it is ignored on input and never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Mo {
    /// Уникальный идентификатор структурного подразделения (GUID, string(45)).
    pub id: Guid,
    /// OID учреждения в системе здравоохранения: the MO's OID in the register of medical
    /// organisations (1.2.643.5.1.13.13.11.1461), string(45).
    pub parent_id: Oid,
    /// OID структурного подразделения (справочник 1.2.643.5.1.13.13.99.2.114, поле depart_oid).
    /// Only subdivisions of type 1 (outpatient), 3 (laboratory) and 4 (instrumental diagnostics).
    pub branch_oid: Oid,
    /// Наименование структурного подразделения, string(512). Must be unique among the MO's
    /// subdivisions on the Vitrina.
    pub name: String,
    /// Адрес структурного подразделения, string(512).
    pub address: String,
    /// Глобальный идентификатор адреса подразделения в ФИАС (GAR FIAS object GUID), string(36).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_fias_guid: Option<String>,
    /// ОКАТО региона, string(11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_okato: Option<String>,
    /// Телефон подразделения, string(45).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Типы прикрепления, допустимые к данному подразделению.
    pub enabled: Enabled,
    /// Время создания записи.
    pub create_ts: Timestamp,
    /// Тип обслуживаемого населения по возрастному признаку (ADULT, CHILD, ALL; never BABY).
    ///
    /// The table marks it mandatory, but the spec's own MO example omits it: it is accepted when
    /// absent, and `fer-validate` warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_age: Option<MoAgeGroup>,
}

impl_record!(Mo, Table::Mo, id = id, parents = [], optional = []);
