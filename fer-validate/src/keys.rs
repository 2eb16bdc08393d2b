//! The keys the Vitrina keeps unique besides a record's id (R-330, Appendix 2), defined once for
//! every crate that applies them: this crate's batch and dataset rules, and the emulator's store,
//! which calls [`duplicate_key`] instead of keeping its own copy.
//!
//! * A slot: its `resource_id` and `visit_time` (section «Описание подсистемы Slot», check 2:
//!   «Проверка на дублирование слотов по времени начала приема (visit_time) и идентификатору
//!   ресурса (resource_id)»). The check compares with «уже имеющимися записями в Витрине данных»
//!   and names no status, so **every** slot of the resource at that time counts, a CANCELED or
//!   BLOCKED one included: a cancelled slot is replaced by updating it under its own id, not by a
//!   new slot at the same time.
//! * A subdivision: its `name` (section «Описание подсистемы MO», check 1: «Проверка на
//!   дублировании наименование подразделения»). The profile does not say among which records
//!   names are compared; two organisations of a region may well both have a «Поликлиника №1», so
//!   the scope is one organisation: the subdivisions with the same `parent_id` (MO OID). Names
//!   are compared as sent, without surrounding white space.
//!
//! A record never duplicates itself: a key held by the record's own id is an update.
//!
//! ```
//! use fer_model::Slot;
//! use fer_validate::{duplicate_key, DuplicateKey};
//! # let slot: Slot = serde_json::from_str(r#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f",
//! #   "mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818","resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72",
//! #   "tag_type":"EPGU","tag_age":"ALL","visit_time":"2024-03-28T05:00:00","duration":20,
//! #   "create_ts":"2023-10-01T09:00:00","status":"CANCELED"}"#).unwrap();
//! let key = duplicate_key(&slot).unwrap();
//! assert!(matches!(key, DuplicateKey::SlotTime { .. }));
//! assert_eq!(key.field(), "visit_time");
//! ```

use std::any::Any;

use fer_model::{Guid, Mo, Oid, Record, Slot, Table, Timestamp};

/// A key that must be unique on the Vitrina besides the id (R-330).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DuplicateKey {
    /// A subdivision's name, among the subdivisions of one organisation.
    SubdivisionName {
        /// The organisation (`mo.parent_id`, the MO OID).
        parent_id: Oid,
        /// The name, without surrounding white space.
        name: String,
    },
    /// A slot's resource and visit time, whatever the slot's status.
    SlotTime {
        /// The resource (`slot.resource_id`).
        resource_id: Guid,
        /// The start of the visit (`slot.visit_time`).
        visit_time: Timestamp,
    },
}

impl DuplicateKey {
    /// The field a duplicate is reported at: `name` or `visit_time`.
    pub const fn field(&self) -> &'static str {
        match self {
            DuplicateKey::SubdivisionName { .. } => "name",
            DuplicateKey::SlotTime { .. } => "visit_time",
        }
    }
}

/// The record's unique key besides its id (R-330), if its table has one: `mo` and `slot`. Any
/// record type of the eight tables may be passed; the others have none.
pub fn duplicate_key<T: Record>(record: &T) -> Option<DuplicateKey> {
    let any = record as &dyn Any;
    if let Some(mo) = any.downcast_ref::<Mo>() {
        Some(DuplicateKey::SubdivisionName { parent_id: mo.parent_id.clone(), name: mo.name.trim().to_owned() })
    } else {
        any.downcast_ref::<Slot>()
            .map(|slot| DuplicateKey::SlotTime { resource_id: slot.resource_id, visit_time: slot.visit_time })
    }
}

/// True when the records of `T` have a unique key besides the id.
pub fn has_duplicate_key<T: Record>() -> bool {
    matches!(T::TABLE, Table::Mo | Table::Slot)
}
