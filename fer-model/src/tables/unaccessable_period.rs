//! Table 9 – Unaccessable_period: periods when a resource is unavailable.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::impl_record;
use crate::{Guid, Table, Timestamp};

wire_enum! {
    /// Why a resource is unavailable (`reason`).
    UnavailabilityReason {
        /// VACATION – в отпуске (on vacation).
        Vacation = "VACATION",
        /// SICK_LEAVE – на больничном (on sick leave).
        SickLeave = "SICK_LEAVE",
        /// FIRED – уволен (dismissed).
        Fired = "FIRED",
        /// REPAIR – на ремонте (under repair).
        Repair = "REPAIR",
    }
}

/// A period during which a resource takes no patients. The EPGU checks it against the requested
/// slot range (the table's name keeps the spec's spelling, `unaccessable`).
///
/// Endpoints: `POST/GET/DELETE /api/unaccessable_period`. Its id field is `period_id`, not `id`.
/// `update_ts` is set by the service: it is ignored on input and never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UnaccessablePeriod {
    /// Уникальный идентификатор периода недоступности ресурса (GUID).
    pub period_id: Guid,
    /// Идентификатор ресурса (resource.id).
    pub resource_id: Guid,
    /// Причина.
    pub reason: UnavailabilityReason,
    /// Начало периода.
    pub beg_date: Timestamp,
    /// Конец периода (after `beg_date`).
    pub end_date: Timestamp,
    /// Дата создания записи.
    pub create_ts: Timestamp,
}

impl_record!(
    UnaccessablePeriod,
    Table::UnaccessablePeriod,
    id = period_id,
    parents = [resource_id => Table::Resource],
    optional = []
);
