//! The webhook DTOs (section 7: booking and cancel) and the webhook registration (section 10).

use fer_model::{BookingRequest, BookingResponse, BookingType, Callback, CancelRequest, CancelResponse, Guid};

use super::resource::snils_checksum;
use super::slot::duration_range;
use super::{CheckRecord, validate_by_check};
use crate::RuleCode;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;

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
        let p = &self.patient_data_rrp;
        c.not_blank("/patient_data_rrp/id", &p.id);
        c.not_blank("/patient_data_rrp/firstname", p.firstname.expose_str());
        c.not_blank("/patient_data_rrp/lastname", p.lastname.expose_str());
        if let Some(snils) = &p.snils {
            snils_checksum(c, "/patient_data_rrp/snils", snils);
        }
        for (i, g) in p.united_guids.iter().enumerate() {
            guid_text(c, &format!("/patient_data_rrp/united_guids/{i}"), g);
        }
    }
}

/// A GUID held as text (united_guids): it must parse; the canonical form is expected.
fn guid_text(c: &mut Checker<'_>, pointer: &str, value: &str) {
    if Guid::parse(value).is_err() {
        c.report(
            RuleCode::GuidFormat,
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

    fn check(&self, c: &mut Checker<'_>) {
        c.not_blank("/patient_id", &self.patient_id);
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

    fn check(&self, _c: &mut Checker<'_>) {}
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
    fn united_guids_must_be_guids() {
        let mut r = request();
        r.patient_data_rrp.snils = None;
        r.patient_data_rrp.united_guids = vec!["nope".into()];
        assert_only(&r.validate(), RuleCode::GuidFormat, "/patient_data_rrp/united_guids/0");
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
    fn cancel_request_blank_patient() {
        let mut cancel: CancelRequest = serde_json::from_str(&fixture("cancel_request.json")).unwrap();
        cancel.patient_id = String::new();
        assert_only(&cancel.validate(), RuleCode::Required, "/patient_id");
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
