//! The age rule of booking code 14 («Бирка только для пациентов другой возрастной группы»,
//! section 7, [`fer_model::spec::profile`]), from fer-validate, in the form a handler needs.

use chrono::NaiveDateTime;
use fer_model::{AgeGroup, BookingRejectionCode, BookingRequest};

use crate::BookRejection;

pub use fer_validate::{age_group, slot_accepts};

/// Checks that the slot's `tag_age` accepts the requesting patient on the day of the visit;
/// otherwise the code 14 rejection with the spec's text.
///
/// A request without a birth date (the field's obligation column is empty) cannot be checked and
/// passes: refusing it would lose a booking the MIS may well accept (it knows the patient).
///
/// ```
/// use fer_model::{AgeGroup, BookingRequest};
/// use fer_webhook::check_age;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/booking_request.json")).unwrap();
/// let request: BookingRequest = serde_json::from_str(&json).unwrap(); // born 1999-10-10
/// let visit = "2024-03-28T05:00:00".parse().unwrap();
/// assert!(check_age(AgeGroup::Adult, &request, visit).is_ok());
/// let refused = check_age(AgeGroup::Child, &request, visit).unwrap_err();
/// assert_eq!(refused.code(), fer_model::BookingRejectionCode::AgeMismatch);
/// ```
pub fn check_age(tag_age: AgeGroup, request: &BookingRequest, visit_time: NaiveDateTime) -> Result<(), BookRejection> {
    let Some(birthdate) = request.patient_data_rrp.birthdate.as_ref().map(|b| b.expose().date()) else {
        return Ok(());
    };
    if slot_accepts(tag_age, birthdate, visit_time) {
        Ok(())
    } else {
        Err(BookRejection::new(BookingRejectionCode::AgeMismatch))
    }
}
