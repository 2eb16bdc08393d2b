//! The order of one push cycle, decided before anything is sent (a pure function, tested alone).
//!
//! 1. **Early deletes**, children first: slots, books, services, profiles, unavailability periods
//!    and referrals. A slot moved to another time is a delete of the old slot and an upsert of a new
//!    one at the time of another: deleting first frees the resource-and-time key, so that the new
//!    slot is not refused with R-330.
//! 2. **Upserts** in load order ([`Table::LOAD_ORDER`]): a parent is accepted before its children are
//!    sent, and a child whose parent was refused in the same cycle waits for it.
//! 3. **Late deletes**: subdivisions and resources, after the upserts, because the Vitrina deletes
//!    their children with them ([`Table::cascades_to`]) and a child the MIS moved to another parent in
//!    the same cycle must get there first.
//! 4. **Covered deletes** are not sent: a delete whose parent is deleted in the same cycle by a
//!    table that cascades to it. It is settled when the parent's delete is accepted.

use std::collections::HashSet;

use fer_model::Table;

use crate::entry::parse_parents;
use crate::store::PendingRow;

/// What one cycle sends, in order.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub early_deletes: Vec<PendingRow>,
    pub upserts: Vec<(Table, Vec<PendingRow>)>,
    pub late_deletes: Vec<PendingRow>,
    /// Deletes done by the Vitrina's cascade, with the delete that does them.
    pub covered: Vec<(PendingRow, (Table, String))>,
}

/// Whether a delete of `table` goes after the cycle's upserts: the tables whose rows hold rows
/// that the MIS may move elsewhere (a resource's services and slots, a subdivision's resources).
/// A slot only takes its books along, and a book never moves to another slot.
pub(crate) fn deleted_after_upserts(table: Table) -> bool {
    table.cascades_to().iter().any(|child| *child != Table::Book)
}

/// Orders `rows` (the due records of one organisation) into a [`Plan`].
pub(crate) fn plan(rows: Vec<PendingRow>) -> Plan {
    let deleted: HashSet<(Table, String)> =
        rows.iter().filter(|r| r.desired.is_none()).map(|r| (r.table, r.id.clone())).collect();
    let mut plan = Plan::default();
    let mut upserts: Vec<Vec<PendingRow>> = Table::LOAD_ORDER.iter().map(|_| Vec::new()).collect();
    for row in rows {
        if row.desired.is_some() {
            let at = Table::LOAD_ORDER.iter().position(|t| *t == row.table).unwrap_or(0);
            upserts[at].push(row);
            continue;
        }
        let covering = parse_parents(&row.parents).into_iter().find(|(parent, id)| {
            parent.cascades_to().contains(&row.table) && deleted.contains(&(*parent, id.to_string()))
        });
        match covering {
            Some((parent, id)) => plan.covered.push((row, (parent, id.to_string()))),
            None if deleted_after_upserts(row.table) => plan.late_deletes.push(row),
            None => plan.early_deletes.push(row),
        }
    }
    let reverse_load = |r: &PendingRow| std::cmp::Reverse(Table::LOAD_ORDER.iter().position(|t| *t == r.table));
    plan.early_deletes.sort_by_key(reverse_load);
    plan.late_deletes.sort_by_key(reverse_load);
    plan.upserts = Table::LOAD_ORDER.into_iter().zip(upserts).filter(|(_, rows)| !rows.is_empty()).collect();
    plan
}

#[cfg(test)]
mod tests {
    use fer_model::Guid;

    use super::*;

    fn row(table: Table, n: u128, upsert: bool, parents: &[(Table, u128)]) -> PendingRow {
        PendingRow {
            table,
            id: Guid::from_u128(n).to_string(),
            desired: upsert.then(|| "{}".to_owned()),
            desired_hash: upsert.then_some(7),
            parents: parents
                .iter()
                .map(|(t, n)| format!("{}:{}", t.as_str(), Guid::from_u128(*n)))
                .collect::<Vec<_>>()
                .join(","),
            attempts: 0,
            pending_since_ms: 0,
            part: String::new(),
        }
    }

    #[test]
    fn only_subdivisions_and_resources_are_deleted_after_the_upserts() {
        let late: Vec<Table> = Table::LOAD_ORDER.into_iter().filter(|t| deleted_after_upserts(*t)).collect();
        assert_eq!(late, [Table::Mo, Table::Resource]);
    }

    #[test]
    fn a_moved_slot_frees_its_key_first_and_a_closed_subdivision_goes_last() {
        let p = plan(vec![
            row(Table::Slot, 2, true, &[(Table::Mo, 1), (Table::Resource, 3)]),
            row(Table::Mo, 9, false, &[]),
            row(Table::Slot, 1, false, &[(Table::Mo, 1), (Table::Resource, 3)]),
            row(Table::Book, 5, true, &[(Table::Slot, 2)]),
            row(Table::Resource, 3, true, &[(Table::Mo, 1)]),
        ]);
        assert_eq!(p.early_deletes.iter().map(|r| r.table).collect::<Vec<_>>(), [Table::Slot]);
        assert_eq!(p.upserts.iter().map(|(t, _)| *t).collect::<Vec<_>>(), [Table::Resource, Table::Slot, Table::Book]);
        assert_eq!(p.late_deletes.iter().map(|r| r.table).collect::<Vec<_>>(), [Table::Mo]);
        assert!(p.covered.is_empty());
    }

    #[test]
    fn children_of_a_deleted_parent_are_left_to_the_cascade() {
        let p = plan(vec![
            row(Table::Mo, 1, false, &[]),
            row(Table::Resource, 2, false, &[(Table::Mo, 1)]),
            row(Table::Slot, 3, false, &[(Table::Mo, 1), (Table::Resource, 2)]),
            row(Table::Book, 4, false, &[(Table::Slot, 3)]),
            // A period is not deleted with its resource (no cascade): it is sent.
            row(Table::UnaccessablePeriod, 5, false, &[(Table::Resource, 2)]),
            // A slot of a subdivision that stays.
            row(Table::Slot, 6, false, &[(Table::Mo, 8), (Table::Resource, 7)]),
        ]);
        let covered: Vec<Table> = p.covered.iter().map(|(r, _)| r.table).collect();
        assert_eq!(covered, [Table::Resource, Table::Slot, Table::Book]);
        assert_eq!(
            p.early_deletes.iter().map(|r| r.table).collect::<Vec<_>>(),
            [Table::Slot, Table::UnaccessablePeriod]
        );
        assert_eq!(p.late_deletes.iter().map(|r| r.table).collect::<Vec<_>>(), [Table::Mo]);
    }
}
