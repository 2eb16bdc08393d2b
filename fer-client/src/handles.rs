//! Thin per-table handles (`client.slots()`): the generic calls of [`VitrinaClient`]
//! with the table fixed, for code that reads better without turbofish.

use std::fmt;
use std::marker::PhantomData;

use fer_model::{Book, Guid, Mo, ProfilecodeResource, Record, Referral, Resource, Service, Slot, UnaccessablePeriod};
use fer_validate::Validate;

use crate::{Error, UploadReport, VitrinaClient};

/// One table of the Vitrina seen through a client: `POST/GET/DELETE /api/<table>` (section 5).
///
/// ```no_run
/// # async fn run(client: fer_client::VitrinaClient, slots: Vec<fer_model::Slot>) -> Result<(), fer_client::Error> {
/// let report = client.slots().upsert(&slots).await?;
/// let first = client.slots().get(&slots[0].id).await?;
/// # Ok(()) }
/// ```
pub struct TableHandle<'a, T> {
    client: &'a VitrinaClient,
    table: PhantomData<fn() -> T>,
}

impl<T: Record> fmt::Debug for TableHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TableHandle({})", T::TABLE)
    }
}

impl<T: Record + Validate> TableHandle<'_, T> {
    /// [`VitrinaClient::upsert`] for this table.
    pub async fn upsert(&self, records: &[T]) -> Result<UploadReport, Error> {
        self.client.upsert(records).await
    }

    /// [`VitrinaClient::get`] for this table.
    pub async fn get(&self, id: &Guid) -> Result<Option<T>, Error> {
        self.client.get(id).await
    }

    /// [`VitrinaClient::delete`] for this table.
    pub async fn delete(&self, id: &Guid) -> Result<bool, Error> {
        self.client.delete::<T>(id).await
    }
}

impl VitrinaClient {
    /// The handle of any table, chosen by its record type.
    pub fn table<T: Record>(&self) -> TableHandle<'_, T> {
        TableHandle { client: self, table: PhantomData }
    }

    /// Subdivisions (`/api/mo`, Appendix 1 table 1).
    pub fn mo(&self) -> TableHandle<'_, Mo> {
        self.table()
    }

    /// Resources (`/api/resource`, table 2).
    pub fn resources(&self) -> TableHandle<'_, Resource> {
        self.table()
    }

    /// Services (`/api/service`, table 3).
    pub fn services(&self) -> TableHandle<'_, Service> {
        self.table()
    }

    /// Slots (`/api/slot`, table 4).
    pub fn slots(&self) -> TableHandle<'_, Slot> {
        self.table()
    }

    /// Books (`/api/book`, table 7).
    pub fn books(&self) -> TableHandle<'_, Book> {
        self.table()
    }

    /// Referrals (`/api/referral`, table 8).
    pub fn referrals(&self) -> TableHandle<'_, Referral> {
        self.table()
    }

    /// Unavailability periods (`/api/unaccessable_period`, table 9).
    pub fn unaccessable_periods(&self) -> TableHandle<'_, UnaccessablePeriod> {
        self.table()
    }

    /// Resource profiles (`/api/profilecode_resource`, table 10).
    pub fn profilecode_resources(&self) -> TableHandle<'_, ProfilecodeResource> {
        self.table()
    }
}
