//! The table registry: the one place that ties each [`Table`] to its record type and to its column
//! of a [`Dataset`].
//!
//! Code that works per table is written once, generically over [`Record`], and reaches the concrete
//! type through [`with_record_type!`](crate::with_record_type):
//!
//! ```
//! use fer_model::{Dataset, Record, Table, with_record_type};
//!
//! /// How many records of `table` a dataset holds, written once for every table.
//! fn count(data: &Dataset, table: Table) -> usize {
//!     with_record_type!(table, R => data.records::<R>().len())
//! }
//!
//! let data = Dataset::default();
//! assert!(Table::LOAD_ORDER.iter().all(|t| count(&data, *t) == 0));
//! ```
//!
//! # Why a ninth table cannot be forgotten
//!
//! * [`with_record_type!`](crate::with_record_type) matches on [`Table`] without a wildcard: a new
//!   variant that it does not name is a compile error in this crate, and every crate's per-table
//!   code is an arm of that one match, so a trait a crate needs of every record (its validation, its
//!   storage) is required of the new type at compile time too.
//! * [`Record`] requires [`Column`], which only the registry's list of tables (in this module's source) implements: a record type
//!   that is not in the list does not compile, and [`Dataset`] gets its field from the same list.
//! * The tests of this module check that the list, [`Table::ALL`] and [`Table::LOAD_ORDER`] name
//!   the same tables and that each arm maps a table to the type whose [`Record::TABLE`] it is.

use crate::{Book, Mo, ProfilecodeResource, Record, Referral, Resource, Service, Slot, Table, UnaccessablePeriod};

/// Declares the registry: each table's variant, record type and [`Dataset`] field, once.
macro_rules! tables {
    ($( $variant:ident => $ty:ident, $field:ident, $doc:literal; )+) => {
        /// All eight tables of one MIS (or one region): the unit that is validated across tables and
        /// uploaded in [`Table::LOAD_ORDER`].
        ///
        /// A field per table (named as the table's address, `/api/<name>`); generic code reaches
        /// them through [`Dataset::records`] and [`Dataset::records_mut`]. Validation of a whole
        /// dataset is in `fer-validate` (its `DatasetExt::validate`).
        ///
        /// ```
        /// use fer_model::{Dataset, Table};
        /// let data = Dataset::default();
        /// assert!(data.is_empty());
        /// assert_eq!(data.len(Table::Slot), 0);
        /// ```
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Dataset {
            $( #[doc = $doc] pub $field: Vec<$ty>, )+
        }

        $(
            impl Column for $ty {
                fn column(dataset: &Dataset) -> &Vec<Self> {
                    &dataset.$field
                }
                fn column_mut(dataset: &mut Dataset) -> &mut Vec<Self> {
                    &mut dataset.$field
                }
            }
        )+

        /// The registry's tables, in the order of the list (for the tests over it).
        #[cfg(test)]
        const LISTED: &[Table] = &[$(Table::$variant),+];

        /// Fails to compile when a variant of [`Table`] is missing from the list.
        #[allow(dead_code)]
        const fn listed(table: Table) {
            match table {
                $( Table::$variant => {} )+
            }
        }
    };
}

tables! {
    Mo => Mo, mo, "Subdivisions (Таблица 1 – МО).";
    Resource => Resource, resource, "Resources: doctors, machines, rooms (Таблица 2 – Resource).";
    Service => Service, service, "Services of a resource (Таблица 3 – Service).";
    Slot => Slot, slot, "Schedule slots (Таблица 4 – Slot).";
    Book => Book, book, "Bookings of slots (Таблица 7 – Book).";
    Referral => Referral, referral, "Patient referrals (Таблица 8 – Referral).";
    UnaccessablePeriod => UnaccessablePeriod, unaccessable_period,
        "Periods when a resource is unavailable (Таблица 9 – Unaccessable_period).";
    ProfilecodeResource => ProfilecodeResource, profilecode_resource,
        "Medical-care profiles of a resource (Таблица 10 – Profilecode_resource).";
}

/// A record type's column of a [`Dataset`]; implemented by the registry for each table's type and
/// required by [`Record`], so a record type outside the registry does not compile.
pub trait Column: Sized {
    /// The dataset's records of this type.
    fn column(dataset: &Dataset) -> &Vec<Self>;
    /// The dataset's records of this type, to change.
    fn column_mut(dataset: &mut Dataset) -> &mut Vec<Self>;
}

/// Runs `body` with the type alias `R` bound to the record type of `table`: the one `match` over
/// [`Table`] that per-table code in every crate goes through (see the [module docs](crate::registry)).
///
/// The body is compiled once per table, so whatever it requires of `R` (a crate's own trait, say) is
/// required of every table's type.
///
/// ```
/// use fer_model::{Record, Table, with_record_type};
/// let id_fields: Vec<&str> = Table::ALL.iter().map(|t| with_record_type!(*t, R => R::TABLE.id_field())).collect();
/// assert_eq!(id_fields[0], "id");
/// ```
#[macro_export]
macro_rules! with_record_type {
    ($table:expr, $R:ident => $body:expr) => {
        match $table {
            $crate::Table::Mo => {
                type $R = $crate::Mo;
                $body
            }
            $crate::Table::Resource => {
                type $R = $crate::Resource;
                $body
            }
            $crate::Table::Service => {
                type $R = $crate::Service;
                $body
            }
            $crate::Table::Slot => {
                type $R = $crate::Slot;
                $body
            }
            $crate::Table::Book => {
                type $R = $crate::Book;
                $body
            }
            $crate::Table::Referral => {
                type $R = $crate::Referral;
                $body
            }
            $crate::Table::UnaccessablePeriod => {
                type $R = $crate::UnaccessablePeriod;
                $body
            }
            $crate::Table::ProfilecodeResource => {
                type $R = $crate::ProfilecodeResource;
                $body
            }
        }
    };
}

impl Dataset {
    /// The records of type `R`.
    pub fn records<R: Record>(&self) -> &[R] {
        R::column(self)
    }

    /// The records of type `R`, to change (push, sort, retain).
    pub fn records_mut<R: Record>(&mut self) -> &mut Vec<R> {
        R::column_mut(self)
    }

    /// Adds a record to its table.
    pub fn push<R: Record>(&mut self, record: R) {
        R::column_mut(self).push(record);
    }

    /// The number of records in `table`.
    pub fn len(&self, table: Table) -> usize {
        with_record_type!(table, R => self.records::<R>().len())
    }

    /// The number of records in every table together.
    pub fn total(&self) -> usize {
        Table::ALL.iter().map(|t| self.len(*t)).sum()
    }

    /// True when every table is empty.
    pub fn is_empty(&self) -> bool {
        Table::ALL.iter().all(|t| self.len(*t) == 0)
    }

    /// The ids of the records of `table`, in order.
    pub fn ids(&self, table: Table) -> Vec<crate::Guid> {
        with_record_type!(table, R => self.records::<R>().iter().map(Record::id).collect())
    }

    /// Appends every record of `other` to this dataset, table by table.
    pub fn extend(&mut self, other: Dataset) {
        let mut other = other;
        for table in Table::ALL {
            with_record_type!(*table, R => {
                let moved = std::mem::take(other.records_mut::<R>());
                self.records_mut::<R>().extend(moved);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_names_every_table_once() {
        let mut listed = LISTED.to_vec();
        listed.sort();
        let mut all = Table::ALL.to_vec();
        all.sort();
        assert_eq!(listed, all);
        listed.dedup();
        assert_eq!(listed.len(), Table::ALL.len());
        let mut load = Table::LOAD_ORDER.to_vec();
        load.sort();
        assert_eq!(load, all, "LOAD_ORDER must hold every table exactly once");
        for table in Table::ALL {
            listed_is_callable(*table);
        }
    }

    fn listed_is_callable(table: Table) {
        listed(table);
    }

    #[test]
    fn every_arm_maps_a_table_to_its_own_type() {
        for table in Table::ALL {
            let found = with_record_type!(*table, R => R::TABLE);
            assert_eq!(found, *table);
        }
    }

    #[test]
    fn columns_are_the_tables_fields() {
        let mut data = Dataset::default();
        let slot: crate::Slot = serde_json::from_str(
            r#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818",
            "resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72","tag_type":"EPGU","tag_age":"ALL",
            "visit_time":"2024-03-28T05:00:00","duration":20,"create_ts":"2023-10-01T09:00:00","status":"AVAILABLE"}"#,
        )
        .unwrap();
        data.push(slot.clone());
        assert_eq!(data.slot, std::slice::from_ref(&slot));
        assert_eq!(data.len(Table::Slot), 1);
        assert_eq!(data.total(), 1);
        assert_eq!(data.ids(Table::Slot), [slot.id]);
        let mut more = Dataset::default();
        more.extend(data.clone());
        assert_eq!(more, data);
        assert!(!more.is_empty());
    }
}
