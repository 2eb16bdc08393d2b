//! The list calls of section 5: subdivisions of an MO by OID, resources of a subdivision, slots of a
//! resource in a date range, books of a slot.

use chrono::NaiveDate;
use fer_model::{Book, Guid, Mo, Oid, Resource, Slot, endpoint};
use serde::de::DeserializeOwned;

use crate::client::{VitrinaClient, decode_list};
use crate::error::Error;
use crate::transport::ApiRequest;

impl VitrinaClient {
    /// The subdivisions of an MO by its OID: `GET /api/mo/oid/{oid}` (section 5.1; the address row
    /// says `/api/oid/{oid}`, the example `/api/mo/oid/…`, which is what is sent).
    pub async fn mo_by_oid(&self, oid: &Oid) -> Result<Vec<Mo>, Error> {
        self.list(ApiRequest::to(&endpoint::MO_BY_OID, &[oid.as_str()])).await
    }

    /// The resources of a subdivision: `GET /api/mo/{mo_id}/resource` (section 5.2).
    pub async fn resources_by_mo(&self, mo_id: &Guid) -> Result<Vec<Resource>, Error> {
        self.list(ApiRequest::to(&endpoint::RESOURCES_OF_MO, &[&mo_id.to_string()])).await
    }

    /// The slots of a resource with a visit time between two dates, both included:
    /// `GET /api/resourse/{resource_id}/slots?startDate=YYYY-MM-DD&endDate=YYYY-MM-DD` (section 5.4;
    /// `resourse` is the spec's spelling).
    pub async fn slots_by_resource(
        &self,
        resource_id: &Guid,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Vec<Slot>, Error> {
        let request = ApiRequest::to(&endpoint::SLOTS_OF_RESOURCE, &[&resource_id.to_string()])
            .query("startDate", start.format("%Y-%m-%d").to_string())
            .query("endDate", end.format("%Y-%m-%d").to_string());
        self.list(request).await
    }

    /// The books of a slot: `GET /api/slot/{slot_id}/books` (section 5.7).
    pub async fn books_by_slot(&self, slot_id: &Guid) -> Result<Vec<Book>, Error> {
        self.list(ApiRequest::to(&endpoint::BOOKS_OF_SLOT, &[&slot_id.to_string()])).await
    }

    /// A list call: the Vitrina's 404 («Результат … не найден», with the envelope) is an empty
    /// list. A 404 without the envelope (an empty body, plain text, an HTML page: a router or a
    /// proxy that does not know the address) is [`Error::Decode`], never an empty list: a wrong
    /// base URL must not look like a subdivision without resources.
    async fn list<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<Vec<T>, Error> {
        let reply = self.transport().execute(request).await?;
        if reply.not_found()? {
            return Ok(Vec::new());
        }
        decode_list(reply.success()?.result)
    }
}
