//! The list endpoints of section 5, routed from [`fer_model::endpoint`] ([`fer_model::spec::profile`], [`fer_model::spec::quirks`]), each answering the envelope with the
//! records as a JSON array in `result`:
//!
//! * `GET /api/mo/oid/{oid}` and `GET /api/oid/{oid}` (the address row and the example disagree:
//!   both are served): the subdivisions of an MO, i.e. every `mo` row whose `parent_id` is the OID,
//!   plus the row whose `branch_oid` is the OID when a subdivision's OID is given;
//! * `GET /api/mo/{mo_id}/resource`: the subdivision's resources;
//! * `GET /api/resourse/{resource_id}/slots?startDate=YYYY-MM-DD&endDate=YYYY-MM-DD` (the spec's
//!   spelling) and the `resource` spelling: the resource's slots whose `visit_time` falls on a day in
//!   the range (both ends included; a missing end is open);
//! * `GET /api/slot/{slot_id}/books`: the slot's books.
//!
//! The rows of a resource, a subdivision or a slot come from the tables' parent index: a list of a
//! busy resource costs its own slots, not a scan of the region's.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use fer_model::{Book, Guid, Oid, Record, Resource, Slot, Table};
use serde::Deserialize;
use serde_json::Value;

use super::envelope::{self, ApiError};
use super::params::{Params, Segment};
use crate::state::Shared;

fn list<T: Record>(rows: Vec<&T>) -> Response {
    envelope::result(Value::Array(rows.into_iter().filter_map(|r| serde_json::to_value(r).ok()).collect()))
}

fn guid(raw: &str, what: &str) -> Result<Guid, ApiError> {
    raw.parse().map_err(|e| ApiError::bad_request(format!("{what} {raw:?} не является GUID: {e}")))
}

pub(crate) async fn mo_by_oid(
    State(shared): State<Arc<Shared>>,
    Segment(oid): Segment<String>,
) -> Result<Response, ApiError> {
    let oid: Oid = oid.parse().map_err(|e| ApiError::bad_request(format!("{oid:?} не является OID: {e}")))?;
    Ok(shared.read(|s| list(s.tables.mo.values().filter(|m| m.parent_id == oid || m.branch_oid == oid).collect())))
}

pub(crate) async fn resources_of_mo(
    State(shared): State<Arc<Shared>>,
    Segment(mo_id): Segment<String>,
) -> Result<Response, ApiError> {
    let mo_id = guid(&mo_id, "Идентификатор подразделения")?;
    Ok(shared.read(|s| list(s.tables.children_rows::<Resource>(Table::Mo, mo_id).collect())))
}

/// `startDate` / `endDate` of the slot list.
#[derive(Debug, Deserialize)]
pub(crate) struct DateRange {
    #[serde(rename = "startDate")]
    start_date: Option<String>,
    #[serde(rename = "endDate")]
    end_date: Option<String>,
}

fn date(raw: Option<&str>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    raw.filter(|s| !s.trim().is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|e| ApiError::bad_request(format!("Параметр {name}={s:?}: ожидается дата YYYY-MM-DD ({e})")))
        })
        .transpose()
}

pub(crate) async fn slots_of_resource(
    State(shared): State<Arc<Shared>>,
    Segment(resource_id): Segment<String>,
    Params(range): Params<DateRange>,
) -> Result<Response, ApiError> {
    let resource_id = guid(&resource_id, "Идентификатор ресурса")?;
    let start = date(range.start_date.as_deref(), "startDate")?;
    let end = date(range.end_date.as_deref(), "endDate")?;
    Ok(shared.read(|s| {
        list(
            s.tables
                .children_rows::<Slot>(Table::Resource, resource_id)
                .filter(|slot| start.is_none_or(|d| slot.visit_time.date() >= d))
                .filter(|slot| end.is_none_or(|d| slot.visit_time.date() <= d))
                .collect(),
        )
    }))
}

pub(crate) async fn books_of_slot(
    State(shared): State<Arc<Shared>>,
    Segment(slot_id): Segment<String>,
) -> Result<Response, ApiError> {
    let slot_id = guid(&slot_id, "Идентификатор слота")?;
    Ok(shared.read(|s| list(s.tables.children_rows::<Book>(Table::Slot, slot_id).collect())))
}
