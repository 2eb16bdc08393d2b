//! A record as the store keeps it: its table and id, its JSON and content hash, and how it is
//! routed to its organisation and subdivision.

use std::any::Any;

use chrono::NaiveDate;
use fer_model::{Guid, Mo, Record, Slot, Table, UnaccessablePeriod};
use xxhash_rust::xxh3::xxh3_64;

use crate::SyncError;

/// One record on its way into the store.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub table: Table,
    pub id: Guid,
    pub json: String,
    pub hash: i64,
    /// The organisation, when the record names it (a subdivision's `parent_id`).
    pub org: Option<String>,
    /// The subdivision, when the record names it (its own id for a subdivision, else `mo_id`).
    pub mo: Option<Guid>,
    /// The parent whose organisation and subdivision the record shares.
    pub route: Option<(Table, Guid)>,
    /// Every parent, `tbl:id,tbl:id`.
    pub parents: String,
    /// The resource and day of a schedule record (a slot by its `visit_time`, an unavailability
    /// period by its `beg_date`), for [`Scope::Schedule`](crate::Scope::Schedule) snapshots; a
    /// book takes its slot's through its route.
    pub schedule: Option<(Guid, NaiveDate)>,
}

/// The content hash of a record's JSON: XXH3-64, a frozen algorithm, so that a store written by
/// one release is read right by the next. Never 0 (0 means "maybe on the Vitrina").
pub(crate) fn content_hash(json: &[u8]) -> i64 {
    let h = xxh3_64(json) as i64;
    if h == UNKNOWN_PRESENCE { 1 } else { h }
}

/// The `sent_hash` of a record the engine never sent but the MIS asked to delete: it may be on the
/// Vitrina, so the delete is sent.
pub(crate) const UNKNOWN_PRESENCE: i64 = 0;

impl Entry {
    pub(crate) fn of<R: Record>(record: &R) -> Result<Entry, SyncError> {
        let table = R::TABLE;
        let id = record.id();
        let json = serde_json::to_string(record).map_err(|source| SyncError::Encode { table, id, source })?;
        let parents = record.parents();
        let mo_subdivision = (record as &dyn Any).downcast_ref::<Mo>();
        let (org, mo) = match mo_subdivision {
            Some(m) => (Some(m.parent_id.to_string()), Some(m.id)),
            None => (None, parents.iter().find(|p| p.table == Table::Mo).map(|p| p.id)),
        };
        let route = match mo_subdivision {
            Some(_) => None,
            None => parents.iter().find(|p| p.table == Table::Mo).or_else(|| parents.first()).map(|p| (p.table, p.id)),
        };
        let parents = parents.iter().map(|p| format!("{}:{}", p.table.as_str(), p.id)).collect::<Vec<_>>().join(",");
        let any = record as &dyn Any;
        let schedule = match (any.downcast_ref::<Slot>(), any.downcast_ref::<UnaccessablePeriod>()) {
            (Some(slot), _) => Some((slot.resource_id, slot.visit_time.naive().date())),
            (_, Some(period)) => Some((period.resource_id, period.beg_date.naive().date())),
            _ => None,
        };
        Ok(Entry { table, id, hash: content_hash(json.as_bytes()), json, org, mo, route, parents, schedule })
    }
}

/// Reads the `parents` column back.
pub(crate) fn parse_parents(s: &str) -> Vec<(Table, Guid)> {
    s.split(',')
        .filter_map(|p| {
            let (t, id) = p.split_once(':')?;
            Some((t.parse().ok()?, id.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_never_zero() {
        // XXH3-64 of "abc" per the reference implementation: a store must read the same tomorrow.
        assert_eq!(xxh3_64(b"abc"), 0x78af_5f94_892f_3950);
        assert_ne!(content_hash(b""), UNKNOWN_PRESENCE);
    }

    #[test]
    fn parents_round_trip() {
        let a = Guid::from_u128(1);
        let s = format!("slot:{a},referral:{a}");
        assert_eq!(parse_parents(&s), vec![(Table::Slot, a), (Table::Referral, a)]);
        assert!(parse_parents("").is_empty());
    }
}
