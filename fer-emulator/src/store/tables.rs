//! The eight tables as typed rows keyed by id, the index of their unique keys, and [`Stored`], the
//! generic access to one table.
//!
//! This is the storage layer: it knows rows and keys, never what the Vitrina refuses. The rules
//! ([`super::rules`]) read it and decide; nothing here depends on them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use fer_model::{
    Book, Guid, Mo, ProfilecodeResource, Record, Referral, Resource, Service, Slot, UnaccessablePeriod,
    with_record_type,
};
use fer_validate::{DuplicateKey, duplicate_key};
use serde::{Deserialize, Serialize};

/// A key that must be unique on the Vitrina besides the id. fer-validate defines it
/// ([`fer_validate::keys`]), for its own batch and dataset rules and for this store alike.
pub(crate) type UniqueKey = DuplicateKey;

/// The rows of the eight Vitrina tables (Appendix 1), each keyed by its id.
///
/// Serialized (for the state file) as one array of canonical records per table.
///
/// Besides the rows, the tables keep the index of their unique keys (R-330, [`UniqueKey`]), so that
/// a batch upsert costs O(batch), not O(table). Rows enter through [`Tables::put`] and leave
/// through [`Tables::remove`], which keep the index in step; code that changes a stored row in
/// place (the gateway's status changes) must not change its unique key. The index is not written
/// to the state file: [`Tables::reindex`] rebuilds it on load.
///
/// Each table is shared copy-on-write ([`Rows`]): [`Tables::snapshot`], what the state file is
/// written from, costs one reference per table, and a change copies a table only while a snapshot
/// of it is still being written.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct Tables {
    #[serde(with = "rows")]
    pub mo: Rows<Mo>,
    #[serde(with = "rows")]
    pub resource: Rows<Resource>,
    #[serde(with = "rows")]
    pub service: Rows<Service>,
    #[serde(with = "rows")]
    pub slot: Rows<Slot>,
    #[serde(with = "rows")]
    pub book: Rows<Book>,
    #[serde(with = "rows")]
    pub referral: Rows<Referral>,
    #[serde(with = "rows")]
    pub unaccessable_period: Rows<UnaccessablePeriod>,
    #[serde(with = "rows")]
    pub profilecode_resource: Rows<ProfilecodeResource>,
    /// The gateway's association of a slot with the `book_ext_id` it was booked under through the
    /// EPGU (the gateway's `associations_slots`, UC-1; removed by a successful cancel, UC-1.1).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    gateway_books: BTreeMap<Guid, Guid>,
    /// Subdivisions (`mo.id`) blocked by the Vitrina's support (405); a sandbox control here.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    blocked: BTreeSet<Guid>,
    /// The owner of every unique key of the stored rows.
    #[serde(skip)]
    unique: HashMap<UniqueKey, Guid>,
    /// The children of every parent row, by the links of [`Record::parents`]: what the list calls
    /// (a resource's slots, a slot's books) and the cascade deletes read instead of scanning the
    /// child table.
    #[serde(skip)]
    children: HashMap<ChildrenKey, BTreeSet<Guid>>,
    /// When each row written since the start became what it is, and how often it was written
    /// (kept in memory only: a restart starts the account afresh).
    #[serde(skip)]
    seen: HashMap<(fer_model::Table, Guid), Visibility>,
    /// Writes that changed nothing (the row was already stored with that content).
    #[serde(skip)]
    repeated_writes: u64,
}

/// A parent row and one table of its children: (parent table, parent id, child table).
type ChildrenKey = (fer_model::Table, Guid, fer_model::Table);

/// When a row became visible on the emulator as it is now, and how often the MIS wrote it: what a
/// test or a benchmark reads to measure change → visible (not only change → answer) and to count
/// records sent twice. See [`EmulatorHandle::visibility`](crate::EmulatorHandle::visibility).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Visibility {
    /// When the row took its present content (its first write, a write that changed it, or its
    /// delete); a write of the same content again does not move it.
    pub changed_at: SystemTime,
    /// True while the row is stored; false once it was deleted (itself or by a cascade).
    pub present: bool,
    /// Accepted writes of this row since the emulator started, repeats of the same content
    /// included.
    pub writes: u64,
}

/// The rows of one table by id, shared copy-on-write: change them through [`Arc::make_mut`] (or
/// [`Stored::rows_mut`]).
pub(crate) type Rows<T> = Arc<BTreeMap<Guid, T>>;

/// A table as a JSON array of its records (the id is inside each record).
mod rows {
    use std::sync::Arc;

    use fer_model::Record;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Rows;

    pub fn serialize<S: Serializer, T: Record>(rows: &Rows<T>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(rows.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Record>(d: D) -> Result<Rows<T>, D::Error> {
        Ok(Arc::new(Vec::<T>::deserialize(d)?.into_iter().map(|r| (r.id(), r)).collect()))
    }
}

/// A record type together with the table of [`Tables`] that holds it.
pub(crate) trait Stored: Record + PartialEq {
    /// The rows of this table.
    fn rows(tables: &Tables) -> &BTreeMap<Guid, Self>;
    /// The rows of this table, to change them (copied first if a snapshot shares them).
    fn rows_mut(tables: &mut Tables) -> &mut BTreeMap<Guid, Self>;
}

macro_rules! stored {
    ($($ty:ty => $field:ident),+ $(,)?) => {$(
        impl Stored for $ty {
            fn rows(tables: &Tables) -> &BTreeMap<Guid, Self> {
                &tables.$field
            }
            fn rows_mut(tables: &mut Tables) -> &mut BTreeMap<Guid, Self> {
                Arc::make_mut(&mut tables.$field)
            }
        }
    )+};
}

stored! {
    Mo => mo,
    Resource => resource,
    Service => service,
    Slot => slot,
    Book => book,
    Referral => referral,
    UnaccessablePeriod => unaccessable_period,
    ProfilecodeResource => profilecode_resource,
}

impl Tables {
    /// The number of rows of a table.
    pub fn count(&self, table: fer_model::Table) -> usize {
        with_record_type!(table, T => T::rows(self).len())
    }

    /// The id of the stored row that holds a unique key, if any.
    pub fn key_owner(&self, key: &UniqueKey) -> Option<Guid> {
        self.unique.get(key).copied()
    }

    /// Inserts or replaces a row, moving its unique key and its parent links in the indexes.
    pub fn put<T: Stored>(&mut self, record: T) {
        let id = record.id();
        let key = duplicate_key(&record);
        let parents = record.parents();
        let rows = T::rows_mut(self);
        let unchanged = rows.get(&id).is_some_and(|old| *old == record);
        let old = rows.insert(id, record);
        if let Some(old) = &old {
            self.forget_key(duplicate_key(old), id);
        }
        let old_parents = old.map(|old| old.parents()).unwrap_or_default();
        if old_parents != parents {
            self.unlink(T::TABLE, id, &old_parents);
            for p in &parents {
                self.children.entry((p.table, p.id, T::TABLE)).or_default().insert(id);
            }
        }
        if let Some(key) = key {
            self.unique.insert(key, id);
        }
        self.note_write(T::TABLE, id, unchanged);
    }

    /// Drops the links of the row `id` of `table` to `parents`.
    fn unlink(&mut self, table: fer_model::Table, id: Guid, parents: &[fer_model::ParentRef]) {
        for p in parents {
            let key = (p.table, p.id, table);
            if let Some(set) = self.children.get_mut(&key) {
                set.remove(&id);
                if set.is_empty() {
                    self.children.remove(&key);
                }
            }
        }
    }

    /// The ids of the rows of `child` that name the row `parent_id` of `parent` as a parent, in
    /// id order, from the index (no scan of the child table).
    pub fn children(
        &self,
        parent: fer_model::Table,
        parent_id: Guid,
        child: fer_model::Table,
    ) -> impl Iterator<Item = Guid> + '_ {
        self.children.get(&(parent, parent_id, child)).into_iter().flatten().copied()
    }

    /// The rows of `T` that name the row `parent_id` of `parent` as a parent, in id order.
    pub fn children_rows<T: Stored>(&self, parent: fer_model::Table, parent_id: Guid) -> impl Iterator<Item = &T> {
        let rows = T::rows(self);
        self.children(parent, parent_id, T::TABLE).filter_map(move |id| rows.get(&id))
    }

    /// Accounts for a write of a row: a repeat when it changed nothing, else a new visibility time.
    fn note_write(&mut self, table: fer_model::Table, id: Guid, unchanged: bool) {
        let now = SystemTime::now();
        let seen = self.seen.entry((table, id)).or_insert(Visibility { changed_at: now, present: true, writes: 0 });
        seen.writes += 1;
        if unchanged {
            self.repeated_writes += 1;
        } else {
            seen.changed_at = now;
            seen.present = true;
        }
    }

    /// When a row became what it is and how often it was written; `None` for a row not written
    /// since the start (loaded from the state file, or never there).
    pub fn visibility(&self, table: fer_model::Table, id: &Guid) -> Option<Visibility> {
        self.seen.get(&(table, *id)).copied()
    }

    /// Writes since the start that changed nothing: the records some peer sent twice.
    pub fn repeated_writes(&self) -> u64 {
        self.repeated_writes
    }

    /// The `book_ext_id` the gateway booked a slot under through the EPGU, while that booking lasts.
    pub fn gateway_book(&self, slot_id: &Guid) -> Option<Guid> {
        self.gateway_books.get(slot_id).copied()
    }

    /// Records what the gateway wrote: an active book associates its slot with its id
    /// (`book_ext_id`), any other status (a cancel) ends the association.
    pub fn note_gateway_book(&mut self, book: &Book) {
        if book.status_code.is_active() {
            self.gateway_books.insert(book.slot_id, book.id);
        } else if self.gateway_books.get(&book.slot_id) == Some(&book.id) {
            self.gateway_books.remove(&book.slot_id);
        }
    }

    /// True when the subdivision `mo_id` is blocked (405).
    pub fn is_blocked(&self, mo_id: &Guid) -> bool {
        self.blocked.contains(mo_id)
    }

    /// Blocks or unblocks a subdivision; returns whether that changed anything.
    pub fn set_blocked(&mut self, mo_id: Guid, blocked: bool) -> bool {
        if blocked { self.blocked.insert(mo_id) } else { self.blocked.remove(&mo_id) }
    }

    /// Removes a row of a table and its unique key; `false` when the row was not there.
    pub fn remove(&mut self, table: fer_model::Table, id: &Guid) -> bool {
        if table == fer_model::Table::Slot {
            self.gateway_books.remove(id);
        }
        let (key, parents) = with_record_type!(table, T => match T::rows_mut(self).remove(id) {
            Some(row) => (duplicate_key(&row), row.parents()),
            None => return false,
        });
        self.forget_key(key, *id);
        self.unlink(table, *id, &parents);
        let now = SystemTime::now();
        let seen = self.seen.entry((table, *id)).or_insert(Visibility { changed_at: now, present: false, writes: 0 });
        seen.changed_at = now;
        seen.present = false;
        true
    }

    /// What the state file needs of the tables, without the in-memory index and accounts: a
    /// reference to each table's rows (no row is copied) and the gateway's associations and the
    /// blocked subdivisions.
    pub fn snapshot(&self) -> Tables {
        Tables {
            mo: Arc::clone(&self.mo),
            resource: Arc::clone(&self.resource),
            service: Arc::clone(&self.service),
            slot: Arc::clone(&self.slot),
            book: Arc::clone(&self.book),
            referral: Arc::clone(&self.referral),
            unaccessable_period: Arc::clone(&self.unaccessable_period),
            profilecode_resource: Arc::clone(&self.profilecode_resource),
            gateway_books: self.gateway_books.clone(),
            blocked: self.blocked.clone(),
            ..Tables::default()
        }
    }

    /// Rebuilds the unique-key and the parent indexes from the rows (after loading the state
    /// file).
    pub fn reindex(&mut self) {
        let mut unique = HashMap::new();
        let mut children: HashMap<ChildrenKey, BTreeSet<Guid>> = HashMap::new();
        for table in fer_model::Table::LOAD_ORDER {
            with_record_type!(table, T => for r in T::rows(self).values() {
                if let Some(key) = duplicate_key(r) {
                    unique.insert(key, r.id());
                }
                for p in r.parents() {
                    children.entry((p.table, p.id, table)).or_default().insert(r.id());
                }
            });
        }
        self.unique = unique;
        self.children = children;
    }

    /// Drops `key` from the index if the row `id` owns it.
    fn forget_key(&mut self, key: Option<UniqueKey>, id: Guid) {
        if let Some(key) = key
            && self.unique.get(&key) == Some(&id)
        {
            self.unique.remove(&key);
        }
    }

    /// One row as canonical JSON.
    pub fn get_json(&self, table: fer_model::Table, id: &Guid) -> Option<serde_json::Value> {
        with_record_type!(table, T => T::rows(self).get(id).and_then(|r| serde_json::to_value(r).ok()))
    }
}

#[cfg(test)]
mod tests {
    use fer_model::Table;

    use super::*;

    #[test]
    fn a_write_of_the_same_content_is_a_repeat_and_keeps_its_time() {
        let mut tables = Tables::default();
        let id: Guid = "00000000-0000-4000-8000-000000000001".parse().unwrap();
        let pr = ProfilecodeResource {
            id,
            resource_id: id,
            profile_code: "34".into(),
            create_ts: "2026-12-01T09:00:00".parse().unwrap(),
        };
        tables.put(pr.clone());
        let first = tables.visibility(Table::ProfilecodeResource, &id).unwrap();
        assert_eq!((first.present, first.writes, tables.repeated_writes()), (true, 1, 0));
        tables.put(pr.clone());
        let again = tables.visibility(Table::ProfilecodeResource, &id).unwrap();
        assert_eq!((again.changed_at, again.writes, tables.repeated_writes()), (first.changed_at, 2, 1));
        assert!(tables.remove(Table::ProfilecodeResource, &id));
        let gone = tables.visibility(Table::ProfilecodeResource, &id).unwrap();
        assert!(!gone.present && gone.changed_at >= first.changed_at);
        assert!(tables.visibility(Table::Slot, &id).is_none());
    }

    #[test]
    fn the_parent_index_follows_puts_moves_removes_and_reloads() {
        let mut tables = Tables::default();
        let guid = |n: u128| Guid::from_u128(n);
        let pr = |id: u128, resource: u128| ProfilecodeResource {
            id: guid(id),
            resource_id: guid(resource),
            profile_code: "34".into(),
            create_ts: "2026-12-01T09:00:00".parse().unwrap(),
        };
        let of = |t: &Tables, resource: u128| -> Vec<Guid> {
            t.children(Table::Resource, guid(resource), Table::ProfilecodeResource).collect()
        };
        tables.put(pr(2, 100));
        tables.put(pr(1, 100));
        tables.put(pr(3, 200));
        assert_eq!(of(&tables, 100), [guid(1), guid(2)], "in id order");
        tables.put(pr(2, 200));
        assert_eq!((of(&tables, 100), of(&tables, 200)), (vec![guid(1)], vec![guid(2), guid(3)]), "moved");
        assert!(tables.remove(Table::ProfilecodeResource, &guid(1)));
        assert!(
            of(&tables, 100).is_empty()
                && !tables.children.contains_key(&(Table::Resource, guid(100), Table::ProfilecodeResource))
        );
        let mut reloaded: Tables = serde_json::from_value(serde_json::to_value(&tables).unwrap()).unwrap();
        reloaded.reindex();
        assert_eq!(reloaded.children, tables.children);
        assert_eq!(reloaded.children_rows::<ProfilecodeResource>(Table::Resource, guid(200)).count(), 2);
    }

    #[test]
    fn the_parent_index_equals_a_rebuilt_one_after_any_writes() {
        let mut tables = Tables::default();
        let mut seed: u64 = 0x5eed;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for step in 0..3_000 {
            let id = Guid::from_u128(1 + u128::from(next(300)));
            if next(4) == 0 {
                tables.remove(Table::ProfilecodeResource, &id);
            } else {
                tables.put(ProfilecodeResource {
                    id,
                    resource_id: Guid::from_u128(1_000 + u128::from(next(7))),
                    profile_code: "34".into(),
                    create_ts: "2026-12-01T09:00:00".parse().unwrap(),
                });
            }
            if step % 500 == 499 {
                let mut rebuilt = tables.clone();
                rebuilt.reindex();
                assert_eq!(rebuilt.children, tables.children, "after {step} writes");
            }
        }
    }

    #[test]
    fn every_table_has_its_rows() {
        let tables = Tables::default();
        for table in Table::LOAD_ORDER {
            assert_eq!(tables.count(table), 0);
            with_record_type!(table, T => assert_eq!(T::TABLE, table));
        }
    }
}
