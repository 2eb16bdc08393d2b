//! The eight Vitrina tables as a closed set, the [`Record`] trait every table row implements, and the
//! `{"data": [...]}` batch body.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Guid;

wire_enum! {
    /// A Vitrina table, by the name used in its address (`/api/<name>`, section 5 of the Vitrina integration profile).
    ///
    /// [`Table::LOAD_ORDER`] is the order the project derives for uploads (figure 3 of the spec is
    /// lost; see [`spec::profile`](crate::spec::profile)): parents before children, so that every
    /// reference resolves when a row arrives.
    Table {
        /// Subdivisions of medical organisations (Приложение 1, Таблица 1 – МО).
        Mo = "mo",
        /// Resources: doctors, machines, rooms (Таблица 2 – Resource).
        Resource = "resource",
        /// Services of a resource (Таблица 3 – Service).
        Service = "service",
        /// Schedule slots (Таблица 4 – Slot).
        Slot = "slot",
        /// Bookings of slots (Таблица 7 – Book).
        Book = "book",
        /// Patient referrals (Таблица 8 – Referral).
        Referral = "referral",
        /// Periods when a resource is unavailable (Таблица 9 – Unaccessable_period).
        UnaccessablePeriod = "unaccessable_period",
        /// Medical-care profiles of a resource (Таблица 10 – Profilecode_resource).
        ProfilecodeResource = "profilecode_resource",
    }
}

impl Table {
    /// Upload order: MO, resource, then service / profilecode_resource / unaccessable_period,
    /// then slot, then book; referral last, after the MOs and resources it names.
    ///
    /// Its length is that of [`Table::ALL`]: a table missing from it does not compile.
    pub const LOAD_ORDER: [Table; Table::ALL.len()] = [
        Table::Mo,
        Table::Resource,
        Table::Service,
        Table::ProfilecodeResource,
        Table::UnaccessablePeriod,
        Table::Slot,
        Table::Referral,
        Table::Book,
    ];

    /// The path of the table's POST/GET/DELETE endpoint, e.g. `/api/slot`.
    pub const fn path(self) -> &'static str {
        match self {
            Table::Mo => "/api/mo",
            Table::Resource => "/api/resource",
            Table::Service => "/api/service",
            Table::Slot => "/api/slot",
            Table::Book => "/api/book",
            Table::Referral => "/api/referral",
            Table::UnaccessablePeriod => "/api/unaccessable_period",
            Table::ProfilecodeResource => "/api/profilecode_resource",
        }
    }

    /// The name of the record's id field: `period_id` for unaccessable_period, `id` elsewhere.
    pub const fn id_field(self) -> &'static str {
        match self {
            Table::UnaccessablePeriod => "period_id",
            Table::Mo
            | Table::Resource
            | Table::Service
            | Table::Slot
            | Table::Book
            | Table::Referral
            | Table::ProfilecodeResource => "id",
        }
    }

    /// The Russian name the Vitrina uses in its messages («слот», «структурное подразделение», …).
    pub const fn name_ru(self) -> &'static str {
        match self {
            Table::Mo => "структурное подразделение",
            Table::Resource => "ресурс",
            Table::Service => "услуга",
            Table::Slot => "слот",
            Table::Book => "бирка",
            Table::Referral => "направление",
            Table::UnaccessablePeriod => "период недоступности",
            Table::ProfilecodeResource => "профиль ресурса",
        }
    }

    /// The tables a row of this table refers to (its parents).
    pub const fn parents(self) -> &'static [Table] {
        match self {
            Table::Mo => &[],
            Table::Resource => &[Table::Mo],
            Table::Service | Table::ProfilecodeResource | Table::UnaccessablePeriod => &[Table::Resource],
            Table::Slot => &[Table::Mo, Table::Resource],
            Table::Book => &[Table::Slot, Table::Referral],
            Table::Referral => &[Table::Mo, Table::Resource],
        }
    }

    /// The tables the Vitrina deletes with a row of this table (section 3.1.5, cascade delete):
    /// MO → resources, slots, books, services; resource → slots, books, services; slot → books.
    pub const fn cascades_to(self) -> &'static [Table] {
        match self {
            Table::Mo => &[Table::Resource, Table::Slot, Table::Book, Table::Service],
            Table::Resource => &[Table::Slot, Table::Book, Table::Service],
            Table::Slot => &[Table::Book],
            Table::Service | Table::Book | Table::Referral | Table::UnaccessablePeriod | Table::ProfilecodeResource => {
                &[]
            }
        }
    }
}

/// A reference from one row to a parent row, e.g. a slot's `resource_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParentRef {
    /// The table of the parent.
    pub table: Table,
    /// The wire name of the referring field, e.g. `resource_id`.
    pub field: &'static str,
    /// The parent's id.
    pub id: Guid,
}

/// A row of one of the eight Vitrina tables.
///
/// Implemented by [`Mo`](crate::Mo), [`Resource`](crate::Resource), [`Service`](crate::Service),
/// [`Slot`](crate::Slot), [`Book`](crate::Book), [`Referral`](crate::Referral),
/// [`UnaccessablePeriod`](crate::UnaccessablePeriod) and
/// [`ProfilecodeResource`](crate::ProfilecodeResource). Generic code (batching, the client, the
/// emulator's store, validation) works over this trait.
pub trait Record:
    crate::registry::Column + Serialize + DeserializeOwned + JsonSchema + Clone + Send + Sync + 'static
{
    /// The table the row belongs to.
    const TABLE: Table;

    /// The row's id (`period_id` for [`UnaccessablePeriod`](crate::UnaccessablePeriod)).
    fn id(&self) -> Guid;

    /// The rows this row refers to by GUID, with the referring field. Optional references that are
    /// absent are not listed.
    fn parents(&self) -> Vec<ParentRef>;
}

/// The body of every POST to a table: `{"data": [ ... ]}` (section 5).
///
/// ```
/// use fer_model::{Batch, Slot};
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/slot_batch_duplicate_id.json")).unwrap();
/// let batch: Batch<Slot> = serde_json::from_str(&json).unwrap();
/// assert_eq!(batch.data.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Batch<T> {
    /// The records of the batch.
    pub data: Vec<T>,
}

impl<T> Batch<T> {
    /// A batch of the given records.
    pub fn new(data: Vec<T>) -> Self {
        Batch { data }
    }
}

/// A borrowed batch body, to serialize a slice without copying it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BatchRef<'a, T> {
    /// The records of the batch.
    pub data: &'a [T],
}

impl<'a, T> BatchRef<'a, T> {
    /// A batch body over the given records.
    pub fn new(data: &'a [T]) -> Self {
        BatchRef { data }
    }
}

/// Implements [`Record`] for a table type from its id field and parent fields.
macro_rules! impl_record {
    ($ty:ty, $table:expr, id = $id:ident, parents = [$($pf:ident => $pt:expr),*], optional = [$($of:ident => $ot:expr),*]) => {
        impl $crate::Record for $ty {
            const TABLE: $crate::Table = $table;
            fn id(&self) -> $crate::Guid {
                self.$id
            }
            fn parents(&self) -> Vec<$crate::ParentRef> {
                #[allow(unused_mut)]
                let mut v = vec![$($crate::ParentRef { table: $pt, field: stringify!($pf), id: self.$pf }),*];
                $(if let Some(id) = self.$of {
                    v.push($crate::ParentRef { table: $ot, field: stringify!($of), id });
                })*
                v
            }
        }
    };
}
pub(crate) use impl_record;
