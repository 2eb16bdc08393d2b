//! The Vitrina's data: the eight tables as typed rows keyed by id, the registered webhooks, and the
//! operations the HTTP routes and the gateway perform on them.
//!
//! Layers, each depending only on the ones above it:
//!
//! * [`tables`]: the storage: the rows, generic access to one table ([`Stored`]), the index of
//!   unique keys (fer-validate's R-330 keys), the gateway's slot → `book_ext_id` association and
//!   the blocked subdivisions. It knows nothing of rules.
//! * [`rules`]: what the Vitrina refuses when a row arrives (R-310, R-330, 403, 405, a book without
//!   its RECORDED slot or with another id than its slot's `book_ext_id`) and the batch upsert that
//!   applies them; [`strict`]: the extra rules of the `strict` profile.
//! * [`cascade`]: cascade deletes, driven by [`Table::cascades_to`](fer_model::Table::cascades_to).
//! * [`persist`]: the state file.

pub(crate) mod cascade;
pub(crate) mod persist;
pub(crate) mod portal;
pub(crate) mod rules;
pub(crate) mod strict;
pub(crate) mod tables;

use std::collections::BTreeMap;

use fer_model::Oid;
use serde::{Deserialize, Serialize};

pub(crate) use tables::{Stored, Tables};

/// Who a webhook belongs to: an MO (by its OID, the `username` it authenticated with) and, for a
/// subdivision's own webhook, the subdivision's OID (section 10: one webhook per MO, optionally one
/// per subdivision).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) struct CallbackKey {
    /// The MO's OID.
    pub mo_oid: Oid,
    /// The subdivision's OID (`depart_oid`), or `None` for the MO's webhook.
    pub depart_oid: Option<Oid>,
}

/// Everything the emulator keeps: the tables and the webhooks.
#[derive(Debug, Default, Clone)]
pub(crate) struct Store {
    /// The eight tables.
    pub tables: Tables,
    /// Registered webhook addresses.
    pub callbacks: BTreeMap<CallbackKey, String>,
}

impl Store {
    /// The webhook that serves a subdivision of an MO: the subdivision's own one, else the MO's.
    pub fn callback_for(&self, mo_oid: &Oid, depart_oid: &Oid) -> Option<&str> {
        let own = CallbackKey { mo_oid: mo_oid.clone(), depart_oid: Some(depart_oid.clone()) };
        let mo = CallbackKey { mo_oid: mo_oid.clone(), depart_oid: None };
        self.callbacks.get(&own).or_else(|| self.callbacks.get(&mo)).map(String::as_str)
    }
}
