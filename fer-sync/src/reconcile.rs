//! Reconciliation: read the Vitrina back through its list calls, compare it with what the engine
//! believes it holds, and turn every difference into pending work.
//!
//! * A record the store wants that the Vitrina lacks (deleted behind the engine's back, lost to a
//!   failure that answered success) is sent again.
//! * A record the Vitrina holds in another form than the one sent is sent again (unless the
//!   Vitrina's form is what the MIS now wants).
//! * A record the Vitrina holds that the store does not want (deleted by the MIS, or never the
//!   MIS's) is deleted.
//!
//! Read back: the subdivisions of every organisation (`GET /api/mo/oid/{oid}`), their resources,
//! the slots of each resource over the horizon, the books of those slots, and every other stored
//! record by id. The gateway writes to the Vitrina itself after a booking or a cancel through the
//! webhook (slot RECORDED and book 5000, or AVAILABLE and 5010, «Сценарии взаимодействия»): tell the
//! engine with [`SyncHandle::adopt`](crate::SyncHandle::adopt) from the webhook handler, or the
//! next reconciliation puts the slot back to the MIS's older state.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use fer_client::VitrinaClient;
use fer_model::{Guid, Record, Slot, Table};
use serde::Serialize;

use crate::SyncError;
use crate::entry::Entry;
use crate::store::{Repair, Store, StoredRow};

/// What one reconciliation found and turned into pending work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Records read back from the Vitrina.
    pub read: u64,
    /// Records the store wants that the Vitrina did not have: sent again.
    pub missing: u64,
    /// Records the Vitrina held in another form than the one sent.
    pub altered: u64,
    /// Records the Vitrina held that the store does not want: deleted.
    pub unwanted: u64,
    /// Organisations whose read-back failed (their records are left as they are).
    pub failed_organisations: u64,
}

impl ReconcileReport {
    /// Differences found (and queued).
    pub fn repaired(&self) -> u64 {
        self.missing + self.altered + self.unwanted
    }
}

/// What the Vitrina holds: per (table, id) the content hash of the record read back.
type Seen = HashMap<(Table, String), i64>;

fn remember<R: Record>(seen: &mut Seen, records: &[R]) -> Result<(), SyncError> {
    for r in records {
        let e = Entry::of(r)?;
        seen.insert((e.table, e.id.to_string()), e.hash);
    }
    Ok(())
}

/// Reconciles the records of `org` over slots visiting from `from` to `to`.
pub(crate) async fn organisation(
    store: &Store,
    org: &str,
    unrouted: bool,
    client: &VitrinaClient,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Result<ReconcileReport, fer_client::Error>, SyncError> {
    let rows = store.rows_of(org, unrouted).await?;
    let mut seen = Seen::new();
    let read = async {
        let oid = org.parse().map_err(|_| fer_client::Error::Config(format!("{org} is not an OID")))?;
        let mos = client.mo_by_oid(&oid).await?;
        let mut mo_ids: HashSet<Guid> = mos.iter().map(|m| m.id).collect();
        mo_ids.extend(rows.iter().filter(|r| r.table == Table::Mo).filter_map(|r| r.id.parse::<Guid>().ok()));
        remember(&mut seen, &mos)?;
        let mut resources = Vec::new();
        for mo in &mo_ids {
            resources.extend(client.resources_by_mo(mo).await?);
        }
        let mut resource_ids: HashSet<Guid> = resources.iter().map(|r| r.id).collect();
        resource_ids
            .extend(rows.iter().filter(|r| r.table == Table::Resource).filter_map(|r| r.id.parse::<Guid>().ok()));
        remember(&mut seen, &resources)?;
        let mut slots = Vec::new();
        for resource in &resource_ids {
            slots.extend(client.slots_by_resource(resource, from, to).await?);
        }
        remember(&mut seen, &slots)?;
        for slot in &slots {
            let books = client.books_by_slot(&slot.id).await?;
            remember(&mut seen, &books)?;
        }
        // The other tables have no list call: each stored record is read by id.
        for row in rows.iter().filter(|r| !matches!(r.table, Table::Mo | Table::Resource | Table::Slot | Table::Book)) {
            let Ok(id) = row.id.parse::<Guid>() else { continue };
            let found =
                fer_model::with_record_type!(row.table, R => client.get::<R>(&id).await?.map(|r| Entry::of(&r)));
            if let Some(entry) = found {
                let entry = entry?;
                seen.insert((entry.table, entry.id.to_string()), entry.hash);
            }
        }
        Ok::<(), ReadError>(())
    }
    .await;
    match read {
        Ok(()) => {}
        Err(ReadError::Client(e)) => return Ok(Err(e)),
        Err(ReadError::Sync(e)) => return Err(e),
    }

    // The scope of the read: every stored record of the organisation, except slots (and their
    // books) outside the horizon, which were not read.
    let slot_in_horizon = |row: &StoredRow| -> bool {
        match row.desired.as_deref().map(serde_json::from_str::<Slot>) {
            Some(Ok(slot)) => (from..=to).contains(&slot.visit_time.date()),
            // A deleted slot: in scope only if it was seen (its time is not known any more).
            _ => seen.contains_key(&(Table::Slot, row.id.clone())),
        }
    };
    let slots_in_scope: HashSet<String> =
        rows.iter().filter(|r| r.table == Table::Slot && slot_in_horizon(r)).map(|r| r.id.clone()).collect();
    let in_scope = |row: &StoredRow| match row.table {
        Table::Slot => slots_in_scope.contains(&row.id),
        Table::Book => row.route_id.as_ref().is_some_and(|slot| slots_in_scope.contains(slot)),
        _ => true,
    };

    let mut report = ReconcileReport { read: seen.len() as u64, ..ReconcileReport::default() };
    let mut repairs = Vec::new();
    let known: HashSet<(Table, String)> = rows.iter().map(|r| (r.table, r.id.clone())).collect();
    for row in rows.iter().filter(|r| in_scope(r)) {
        let there = seen.get(&(row.table, row.id.clone())).copied();
        let wanted = row.desired_hash.is_some();
        let believed = row.sent_hash.filter(|h| *h != crate::entry::UNKNOWN_PRESENCE);
        match (there, wanted) {
            (None, true) if believed.is_some() => report.missing += 1,
            (Some(h), true) if believed != Some(h) && row.desired_hash != Some(h) => report.altered += 1,
            (Some(h), false) if believed != Some(h) => report.unwanted += 1,
            // The Vitrina holds what the MIS wants, in a form other than the last one sent.
            (Some(h), true) if believed != Some(h) => {}
            _ => continue,
        }
        repairs.push(Repair { table: row.table, id: row.id.clone(), org: org.to_owned(), vitrina_hash: there });
    }
    for ((table, id), hash) in &seen {
        if !known.contains(&(*table, id.clone())) {
            report.unwanted += 1;
            repairs.push(Repair { table: *table, id: id.clone(), org: org.to_owned(), vitrina_hash: Some(*hash) });
        }
    }
    store.repair(&repairs).await?;
    Ok(Ok(report))
}

/// A failure of the read-back: of the client (the organisation is skipped) or of the store.
enum ReadError {
    Client(fer_client::Error),
    Sync(SyncError),
}

impl From<fer_client::Error> for ReadError {
    fn from(e: fer_client::Error) -> Self {
        ReadError::Client(e)
    }
}

impl From<SyncError> for ReadError {
    fn from(e: SyncError) -> Self {
        ReadError::Sync(e)
    }
}
