//! Cascade deletes (section 3.1.5): MO → resources, slots, books, services; resource → slots,
//! books, services; slot → books. The lists come from
//! [`Table::cascades_to`](fer_model::Table::cascades_to) and the links from
//! [`Record::parents`](fer_model::Record::parents), so nothing here repeats them.

use fer_model::{Guid, Table};

use super::tables::Tables;

/// Deletes a row and, recursively, every row the Vitrina deletes with it. Returns every deleted
/// row as (table, id), the requested one first; empty when the row was not there.
pub(crate) fn delete(tables: &mut Tables, table: Table, id: Guid) -> Vec<(Table, Guid)> {
    let mut deleted = Vec::new();
    delete_into(tables, table, id, &mut deleted);
    deleted
}

fn delete_into(tables: &mut Tables, table: Table, id: Guid, deleted: &mut Vec<(Table, Guid)>) {
    if !tables.remove(table, &id) {
        return;
    }
    deleted.push((table, id));
    for &child in table.cascades_to() {
        for child_id in children(tables, child, table, id) {
            delete_into(tables, child, child_id, deleted);
        }
    }
}

/// The rows of `child` that name the row `parent_id` of `parent` as a parent (from the tables'
/// parent index: a cascade costs the rows it deletes, not a scan of the child table per row).
fn children(tables: &Tables, child: Table, parent: Table, parent_id: Guid) -> Vec<Guid> {
    tables.children(parent, parent_id, child).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use fer_model::Slot;
    use serde_json::json;

    use super::*;
    use crate::store::rules::upsert_batch;

    #[test]
    fn deleting_a_slot_deletes_its_books_only() {
        let mut t = Tables::default();
        let slot = json!({"id": "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f", "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
            "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72", "tag_type": "EPGU", "tag_age": "ALL",
            "visit_time": "2024-03-28T05:00:00", "duration": 20, "status": "RECORDED", "create_ts": "2023-10-01T09:00:00"});
        upsert_batch::<Slot>(&mut t, vec![slot], BTreeMap::new());
        let book = json!({"id": "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f", "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
            "slot_id": "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f", "status_code": 5000, "tag_source": "EPGU",
            "type": "APPOINTMENT", "create_ts": "2023-10-01T09:00:00"});
        let out = upsert_batch::<fer_model::Book>(&mut t, vec![book], BTreeMap::new());
        assert_eq!(out.accepted.len(), 1, "{:?}", out.refused);
        let slot_id: Guid = "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f".parse().unwrap();
        let deleted = delete(&mut t, Table::Slot, slot_id);
        assert_eq!(deleted.len(), 2);
        assert_eq!(deleted[0], (Table::Slot, slot_id));
        assert_eq!(deleted[1].0, Table::Book);
        assert!(delete(&mut t, Table::Slot, slot_id).is_empty());
    }
}
