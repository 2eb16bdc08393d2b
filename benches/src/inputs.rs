//! Bench inputs: upload bodies, list answers and the booking call, all from seeded generators.

use bytes::Bytes;
use fer_model::{
    BatchRef, BookingConfirmation, BookingDetails, BookingRequest, CancelConfirmation, CancelRequest, DurationMinutes,
    Guid, Record, Slot, VitrinaResponse,
};
use fer_webhook::{BookRejection, BookingHandler, CancelRejection, RequestContext};

use crate::slots;

/// The `{"data": [...]}` body of a POST of `records` (canonical forms, not gzipped).
pub fn batch_json<T: Record>(records: &[T]) -> Vec<u8> {
    // Serializing fer-model records into a Vec cannot fail: every field is a string, number or enum.
    serde_json::to_vec(&BatchRef::new(records)).unwrap_or_default()
}

/// The body of a POST of `count` valid slots ([`slots`]) generated from `seed`.
pub fn slot_batch_json(count: usize, seed: u64) -> Vec<u8> {
    batch_json(&slots(count, seed))
}

/// A successful list answer (Appendix 2 envelope, `result` an array) holding `records`, as the
/// Vitrina answers `GET /api/resourse/{id}/slots` (section 5.4).
pub fn list_answer<T: serde::Serialize>(records: &[T]) -> Vec<u8> {
    let mut envelope: VitrinaResponse<&[T]> = VitrinaResponse::ok(Vec::new());
    envelope.result = Some(records);
    serde_json::to_vec(&envelope).unwrap_or_default()
}

/// The list answer of `count` slots generated from `seed`.
pub fn slot_list_answer(count: usize, seed: u64) -> Vec<u8> {
    list_answer::<Slot>(&slots(count, seed))
}

/// The spec's booking request (section 7.1), from `fixtures/spec/004/booking_request.json`.
pub const BOOKING_REQUEST: &str = include_str!("../../fixtures/spec/004/booking_request.json");

/// The confirmation a [`BenchMis`] gives: the same for every call, so that the only work measured is
/// the webhook's own.
pub fn confirmation(request: &BookingRequest) -> BookingConfirmation {
    confirmation_of_slot(request.slot_id)
}

/// The confirmation of a booking of `slot_id`.
fn confirmation_of_slot(slot_id: Guid) -> BookingConfirmation {
    BookingConfirmation {
        book_ext_id: Guid::from_u128(0x6f1c_9a2e_55d4_4a11_9c3e_0a1b_2c3d_4e5f),
        slot_id,
        visit_time: chrono::DateTime::parse_from_rfc3339("2024-03-28T08:00:00+03:00").unwrap_or_default(),
        duration: DurationMinutes(20),
        details: BookingDetails::default(),
        message: None,
    }
}

/// A MIS whose business logic costs nothing: it confirms every booking with [`confirmation`] and
/// accepts every cancel.
#[derive(Debug, Clone, Copy, Default)]
pub struct BenchMis;

#[async_trait::async_trait]
impl BookingHandler for BenchMis {
    async fn book(&self, request: BookingRequest, _ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        Ok(confirmation(&request))
    }

    async fn cancel(
        &self,
        request: CancelRequest,
        _ctx: RequestContext,
    ) -> Result<CancelConfirmation, CancelRejection> {
        let booked =
            BookingConfirmation { book_ext_id: request.book_ext_id, ..confirmation_of_slot(Guid::from_u128(1)) };
        Ok(CancelConfirmation::of(&booked))
    }
}

/// `POST /booking/book` with the spec's request body, as the gateway sends it.
pub fn book_call() -> http::Request<Bytes> {
    let mut request = http::Request::new(Bytes::from_static(BOOKING_REQUEST.as_bytes()));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = http::Uri::from_static("/booking/book");
    request.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    request
}

/// A flat region of `org`: one subdivision, the resources that [`slots`] names, and `count` slots
/// (seed 7), for the whole-engine benches.
pub struct FlatRegion {
    /// The subdivision.
    pub mo: fer_model::Mo,
    /// Its resources, in the slots' order.
    pub resources: Vec<fer_model::Resource>,
    /// The slots.
    pub slots: Vec<Slot>,
}

impl FlatRegion {
    /// Generates the region.
    pub fn new(org: &fer_model::Oid, count: usize) -> Result<FlatRegion, fer_sample::SpecError> {
        let slots = slots(count, 7);
        let region = fer_sample::generate(&fer_sample::RegionSpec {
            mos: 1,
            doctors_per_mo: 1,
            days: 0,
            organisation: Some(org.clone()),
            ..Default::default()
        })?;
        let mo = fer_model::Mo { id: slots[0].mo_id, ..region.mo[0].clone() };
        let mut resources: Vec<fer_model::Resource> = Vec::new();
        for s in &slots {
            if resources.last().is_none_or(|r| r.id != s.resource_id) {
                resources.push(fer_model::Resource { id: s.resource_id, mo_id: mo.id, ..region.resource[0].clone() });
            }
        }
        Ok(FlatRegion { mo, resources, slots })
    }
}

#[cfg(test)]
mod tests {
    use fer_validate::{DatasetExt, Severity};

    use super::*;
    use crate::{RegionSpec, generate_region};

    #[test]
    fn default_region_passes_every_rule() {
        let region = generate_region(&RegionSpec::default()).unwrap();
        let report = region.validate();
        let problems: Vec<_> = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(report.is_empty(), "{report:#?}");
        for table in fer_model::Table::LOAD_ORDER {
            assert!(region.len(table) > 0, "{table} is empty");
        }
    }

    #[test]
    fn bench_inputs_are_deterministic_and_valid() {
        assert_eq!(slot_batch_json(50, 3), slot_batch_json(50, 3));
        let slots = slots(10_000, 1);
        assert!(fer_validate::validate_batch(&slots).is_empty());
    }

    #[test]
    fn list_answer_decodes_through_the_client() {
        let body = slot_list_answer(300, 4);
        let decoded: Vec<Slot> = fer_client::decode_list_body(Bytes::from(body)).unwrap();
        assert_eq!(decoded, slots(300, 4));
    }

    #[test]
    fn booking_request_is_the_spec_fixture_and_is_valid() {
        let request: BookingRequest = serde_json::from_str(BOOKING_REQUEST).unwrap();
        assert_eq!(confirmation(&request).slot_id, request.slot_id);
        // The spec's example SNILS fails its checksum: a warning only (V005), so the webhook books it.
        let report = fer_validate::validate_raw_dto(fer_validate::RawKind::BookingRequest, BOOKING_REQUEST.as_bytes());
        assert!(!report.has_errors(), "{report:#?}");
    }
}
