//! The webhook DTOs (section 7: booking and cancel) and the webhook registration (section 10).
//!
//! What the gateway sends (the booking and cancel requests) is checked as strictly as the profile
//! is and no stricter: forms «Описание параметров в запросе» does not forbid are warnings, never
//! errors, so that no booking is lost to our own rules. A `patient_id` that is not a GUID (the
//! cancel example sends `"11234455"`), a `gender` other than "1"/"2" (the table lists no values),
//! blank or missing `patient_data_rrp` fields (their obligation column is empty) and merged ids
//! that are not GUIDs are all warnings. Errors are left for what the table marks conditional and
//! the request lacks (VACCINATION without `service_id`/`dictionary_nsi_code`).

use fer_model::{
    BookingRequest, BookingResponse, BookingType, Callback, CancelRequest, CancelResponse, GenderCode, Guid, PatientId,
};

use super::resource::snils_checksum;
use super::slot::duration_range;
use super::{CheckRecord, validate_by_check};
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::{RuleCode, Severity};

impl CheckRecord for BookingRequest {
    const SUBJECT: Subject = Subject::BookingRequest;

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.slot_id)
    }

    /// VACCINATION needs `service_id` and `dictionary_nsi_code` (section 7.1); the patient's id is
    /// mandatory; a wrong SNILS check number is a warning here (the spec's own example has one).
    fn check(&self, c: &mut Checker<'_>) {
        if self.booking_type == BookingType::Vaccination {
            if self.service_id.is_none() {
                c.report(
                    RuleCode::ConditionalRequired,
                    "/service_id",
                    "для booking_type = VACCINATION укажите идентификатор услуги",
                    "booking_type VACCINATION needs service_id",
                );
            }
            if self.dictionary_nsi_code.as_deref().is_none_or(|s| s.trim().is_empty()) {
                c.report(
                    RuleCode::ConditionalRequired,
                    "/dictionary_nsi_code",
                    "для booking_type = VACCINATION укажите код справочника НСИ",
                    "booking_type VACCINATION needs dictionary_nsi_code",
                );
            }
        }
        patient_id(c, "/patient_id", &self.patient_id);
        let p = &self.patient_data_rrp;
        blank_warning(c, "/patient_data_rrp/id", &p.id);
        blank_warning(c, "/patient_data_rrp/firstname", p.firstname.expose_str());
        blank_warning(c, "/patient_data_rrp/lastname", p.lastname.expose_str());
        if let Some(snils) = &p.snils {
            snils_checksum(c, "/patient_data_rrp/snils", snils);
        }
        // Without a birth date the age rule of code 14 cannot be checked.
        if p.birthdate.is_none() {
            absent_warning(c, "/patient_data_rrp/birthdate");
        }
        match &p.gender {
            Some(GenderCode::Known(_)) => {}
            Some(GenderCode::Other(_)) => c.report_as(
                RuleCode::EnumValue,
                Severity::Warning,
                "/patient_data_rrp/gender",
                "ожидается \"1\" (мужской) или \"2\" (женский); значение принято",
                "expected \"1\" (male) or \"2\" (female); the value is accepted",
            ),
            None => {}
        }
        for (i, g) in p.united_guids.iter().enumerate() {
            guid_text(c, &format!("/patient_data_rrp/united_guids/{i}"), g);
        }
    }
}

/// A patient id that is not a GUID is accepted (the cancel example sends `"11234455"`); a blank
/// one too, with a warning: the patient's data still identify them.
fn patient_id(c: &mut Checker<'_>, pointer: &str, id: &PatientId) {
    if id.as_str().is_empty() {
        blank_warning(c, pointer, id.as_str());
    } else if !id.is_guid() {
        c.report_as(
            RuleCode::GuidFormat,
            Severity::Warning,
            pointer,
            "идентификатор пациента не GUID; значение принято",
            "the patient id is not a GUID; the value is accepted",
        );
    }
}

/// A field the request's table does not make mandatory, left blank: a warning.
fn blank_warning(c: &mut Checker<'_>, pointer: &str, value: &str) {
    if value.trim().is_empty() {
        c.report_as(
            RuleCode::Required,
            Severity::Warning,
            pointer,
            "поле пустое; запрос принят",
            "the field is blank; the request is accepted",
        );
    }
}

/// A field of `patient_data_rrp` absent, null or empty: a warning.
fn absent_warning(c: &mut Checker<'_>, pointer: &str) {
    c.report_as(
        RuleCode::Required,
        Severity::Warning,
        pointer,
        "не передано; запрос принят",
        "not sent; the request is accepted",
    );
}

/// A GUID held as text (united_guids): expected to parse (a warning otherwise: the gateway's data
/// are accepted); the canonical form is expected.
fn guid_text(c: &mut Checker<'_>, pointer: &str, value: &str) {
    if Guid::parse(value).is_err() {
        c.report_as(
            RuleCode::GuidFormat,
            Severity::Warning,
            pointer,
            "ожидается GUID вида 1b0aaec1-38ba-4bf2-a82c-39f90b925a78",
            "expected a GUID such as 1b0aaec1-38ba-4bf2-a82c-39f90b925a78",
        );
    } else if !Guid::is_canonical(value) {
        c.report(
            RuleCode::GuidNotCanonical,
            pointer,
            "передавайте GUID в нижнем регистре без пробелов",
            "send GUIDs in lower case without spaces",
        );
    }
}

impl CheckRecord for BookingResponse {
    const SUBJECT: Subject = Subject::BookingResponse;

    fn record_id(&self) -> RecordId<'_> {
        match self {
            BookingResponse::Confirmed(c) => RecordId::Guid(c.book_ext_id),
            BookingResponse::Rejected(r) => r.book_ext_id.map_or(RecordId::None, RecordId::Guid),
        }
    }

    fn check(&self, c: &mut Checker<'_>) {
        let duration = match self {
            BookingResponse::Confirmed(conf) => Some(conf.duration),
            BookingResponse::Rejected(r) => r.duration,
        };
        if let Some(d) = duration {
            duration_range(c, "/duration", d.minutes());
        }
    }
}

impl CheckRecord for CancelRequest {
    const SUBJECT: Subject = Subject::CancelRequest;

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.book_ext_id)
    }

    /// The cancel example itself sends a patient id that is not a GUID: only a blank one warns.
    fn check(&self, c: &mut Checker<'_>) {
        blank_warning(c, "/patient_id", self.patient_id.as_str());
        for (i, g) in self.united_guids.iter().enumerate() {
            guid_text(c, &format!("/united_guids/{i}"), g);
        }
    }
}

impl CheckRecord for CancelResponse {
    const SUBJECT: Subject = Subject::CancelResponse;

    fn record_id(&self) -> RecordId<'_> {
        self.book_ext_id.map_or(RecordId::None, RecordId::Guid)
    }

    fn check(&self, c: &mut Checker<'_>) {
        if let Some(d) = self.duration {
            duration_range(c, "/duration", d.minutes());
        }
    }
}

impl CheckRecord for Callback {
    const SUBJECT: Subject = Subject::Callback;

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Text(&self.address)
    }

    /// The address must be an absolute http(s) URL with a host (section 10: the gateway probes
    /// `GET <address>/booking/book`).
    fn check(&self, c: &mut Checker<'_>) {
        let a = self.address.trim();
        let rest = a.strip_prefix("https://").or_else(|| a.strip_prefix("http://"));
        let host_ok = rest.is_some_and(|r| {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.contains(char::is_whitespace)
        });
        if !host_ok || a.len() != self.address.len() {
            c.report(
                RuleCode::CallbackAddress,
                "/address",
                "укажите адрес вида https://mis.example.ru/fer (без пробелов)",
                "send an address such as https://mis.example.ru/fer (no spaces)",
            );
        }
    }
}

validate_by_check!(BookingRequest, BookingResponse, CancelRequest, CancelResponse, Callback);

#[cfg(test)]
mod tests {
    use fer_model::*;

    use crate::records::test_support::*;
    use crate::{RuleCode, Severity, Validate};

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/../fixtures/spec/004/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn request() -> BookingRequest {
        serde_json::from_str(&fixture("booking_request.json")).unwrap()
    }

    #[test]
    fn spec_booking_request_only_warns_about_snils() {
        let r = request();
        assert_only_as(&r.validate(), RuleCode::SnilsChecksum, "/patient_data_rrp/snils", Severity::Warning);
        let mut ok = request();
        ok.patient_data_rrp.snils = Some("11223344595".parse().unwrap());
        assert!(ok.validate().is_empty());
    }

    #[test]
    fn vaccination_needs_service_and_dictionary() {
        let mut r = request();
        r.patient_data_rrp.snils = None;
        r.booking_type = BookingType::Vaccination;
        r.dictionary_nsi_code = Some("1.2.643.5.1.13.13.11.1070".into());
        assert_only(&r.validate(), RuleCode::ConditionalRequired, "/service_id");
        r.service_id = Some(g(5));
        assert!(r.validate().is_empty());
        r.dictionary_nsi_code = None;
        assert_only(&r.validate(), RuleCode::ConditionalRequired, "/dictionary_nsi_code");
    }

    #[test]
    fn united_guids_other_than_guids_are_warnings() {
        let mut r = request();
        r.patient_data_rrp.snils = None;
        r.patient_data_rrp.united_guids = vec!["nope".into()];
        assert_only_as(&r.validate(), RuleCode::GuidFormat, "/patient_data_rrp/united_guids/0", Severity::Warning);
        r.patient_data_rrp.united_guids = vec!["953F8666-21CE-478F-8351-389F27CE8CDE".into()];
        assert_only_as(
            &r.validate(),
            RuleCode::GuidNotCanonical,
            "/patient_data_rrp/united_guids/0",
            Severity::Warning,
        );
    }

    #[test]
    fn spec_responses_and_cancel_pass() {
        let resp: BookingResponse = serde_json::from_str(&fixture("booking_response.json")).unwrap();
        assert!(resp.validate().is_empty());
        let cancel: CancelRequest = serde_json::from_str(&fixture("cancel_request.json")).unwrap();
        assert!(cancel.validate().is_empty());
        for f in ["cancel_response_ok.json", "cancel_response_already_cancelled.json"] {
            let r: CancelResponse = serde_json::from_str(&fixture(f)).unwrap();
            assert!(r.validate().is_empty());
        }
    }

    #[test]
    fn booking_response_duration() {
        let BookingResponse::Confirmed(mut c) = serde_json::from_str(&fixture("booking_response.json")).unwrap() else {
            panic!("the spec example is a confirmation")
        };
        c.duration = DurationMinutes(0);
        assert_only(&BookingResponse::Confirmed(c).validate(), RuleCode::DurationRange, "/duration");
    }

    #[test]
    fn cancel_request_blank_patient_is_a_warning() {
        // The cancel table has no obligation column: a blank id is accepted with a warning.
        let mut cancel: CancelRequest = serde_json::from_str(&fixture("cancel_request.json")).unwrap();
        cancel.patient_id = "".into();
        assert_only_as(&cancel.validate(), RuleCode::Required, "/patient_id", Severity::Warning);
    }

    #[test]
    fn lenient_forms_are_warnings_not_errors() {
        let mut r = BookingRequest::example();
        assert!(r.validate().is_empty(), "{:?}", r.validate());
        r.patient_id = "11234455".into();
        assert_only_as(&r.validate(), RuleCode::GuidFormat, "/patient_id", Severity::Warning);
        let mut r = BookingRequest::example();
        r.patient_data_rrp.gender = Some(GenderCode::Other("M".into()));
        assert_only_as(&r.validate(), RuleCode::EnumValue, "/patient_data_rrp/gender", Severity::Warning);
        let mut r = BookingRequest::example();
        r.patient_data_rrp.birthdate = None;
        assert_only_as(&r.validate(), RuleCode::Required, "/patient_data_rrp/birthdate", Severity::Warning);
        let mut r = BookingRequest::example();
        r.patient_data_rrp.firstname = "".into();
        assert_only_as(&r.validate(), RuleCode::Required, "/patient_data_rrp/firstname", Severity::Warning);
        let mut r = BookingRequest::example();
        r.patient_data_rrp.united_guids = vec!["42".into()];
        assert_only_as(&r.validate(), RuleCode::GuidFormat, "/patient_data_rrp/united_guids/0", Severity::Warning);
    }

    #[test]
    fn cancel_response_duration() {
        let mut r = CancelResponse::new(g(1), CancelStatusCode::Success);
        assert!(r.validate().is_empty());
        r.duration = Some(DurationMinutes(0));
        assert_only(&r.validate(), RuleCode::DurationRange, "/duration");
    }

    #[test]
    fn callback_address() {
        assert!(Callback::new("https://mis.example.ru/fer").validate().is_empty());
        assert!(Callback::new("http://127.0.0.1:8080").validate().is_empty());
        for bad in ["mis.example.ru", "ftp://x", "https://", " https://x.ru", "https://a b"] {
            assert_only(&Callback::new(bad).validate(), RuleCode::CallbackAddress, "/address");
        }
    }
}
