//! Table 8 – Referral (Appendix 1): lengths, blanks, the fields of each type, date order.
//!
//! What is only a warning here, and why (a referral the Vitrina accepts must never be withheld):
//!
//! * the other type's fields (V022): table 8 marks them «Условно обязательное» and, unlike table
//!   2, never says «не указывается»;
//! * a RESEARCH referral without `to_service_name` (V023): section 9 lists the name among the
//!   referral's data, table 8 does not have the field at all;
//! * a referral to another organisation (`to_mo_id` or `from_resource_id` not in the vendor's own
//!   data, [`crate::Dataset`]): a referral is issued by one MO for another, and the target's
//!   subdivisions and resources are uploaded by the target's MIS, not by the issuer's;
//! * a RECORDED referral whose book is in the past (5020 SUCCESS, 5030 PATIENT_NOT_ARRIVED): it was
//!   used, and stays RECORDED (section 9: «есть запись в табл. book, с указанием referral.id»);
//!   only a cancel returns a referral to AVAILABLE.

use fer_model::{Referral, ReferralKind, Table};

use super::{CheckRecord, validate_by_check};
use crate::RuleCode;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::limits::{REFERRAL, limit};

impl CheckRecord for Referral {
    const SUBJECT: Subject = Subject::Table(Table::Referral);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        c.text("/patient_id", &self.patient_id, const { limit(REFERRAL, "patient_id") });
        c.text("/number", &self.number, const { limit(REFERRAL, "number") });
        c.text("/to_profile_code", &self.to_profile_code, const { limit(REFERRAL, "to_profile_code") });
        c.not_blank("/referral_type_code", &self.referral_type_code);
        match &self.kind {
            ReferralKind::Consultation { speciality_id, to_post_name } => {
                c.text("/speciality_id", speciality_id, const { limit(REFERRAL, "speciality_id") });
                c.text("/to_post_name", to_post_name, const { limit(REFERRAL, "to_post_name") });
            }
            ReferralKind::Research { to_service_id, to_service_name } => {
                c.text("/to_service_id", to_service_id, const { limit(REFERRAL, "to_service_id") });
                if to_service_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    c.report(
                        RuleCode::ReferralServiceName,
                        "/to_service_name",
                        "перечень сведений о направлении на исследование называет наименование услуги; укажите его",
                        "the referral requirements name the service's name for a research; send it",
                    );
                }
            }
        }
        if let Some(end) = self.end_date
            && end < self.start_date
        {
            c.report(
                RuleCode::DateOrder,
                "/end_date",
                &format!(
                    "end_date {end} раньше start_date {}; направление должно действовать хотя бы день",
                    self.start_date
                ),
                &format!("end_date {end} is before start_date {}; start_date <= end_date is required", self.start_date),
            );
        }
    }
}

validate_by_check!(Referral);

#[cfg(test)]
mod tests {
    use fer_model::ReferralKind;

    use crate::records::test_support::*;
    use crate::{RuleCode, Validate};

    #[test]
    fn valid_referrals_pass() {
        assert!(referral().validate().is_empty());
        let mut r = referral();
        r.kind = ReferralKind::Research {
            to_service_id: "A06.09.006".into(),
            to_service_name: Some("Рентгенография органов грудной клетки".into()),
        };
        r.end_date = Some(r.start_date);
        assert!(r.validate().is_empty());
    }

    #[test]
    fn end_before_start() {
        let mut r = referral();
        r.end_date = Some(ts("2026-10-31T23:59:59"));
        assert_only(&r.validate(), RuleCode::DateOrder, "/end_date");
    }

    #[test]
    fn conditional_values_must_not_be_blank() {
        let mut r = referral();
        r.kind = ReferralKind::Consultation { speciality_id: String::new(), to_post_name: "врач".into() };
        assert_only(&r.validate(), RuleCode::Required, "/speciality_id");
        r.kind = ReferralKind::Consultation { speciality_id: "27".into(), to_post_name: " ".into() };
        assert_only(&r.validate(), RuleCode::Required, "/to_post_name");
        r.kind =
            ReferralKind::Research { to_service_id: String::new(), to_service_name: Some("Рентген".into()) };
        assert_only(&r.validate(), RuleCode::Required, "/to_service_id");
    }

    #[test]
    fn research_without_service_name_is_only_a_warning() {
        let mut r = referral();
        r.kind = ReferralKind::Research { to_service_id: "A06.09.006".into(), to_service_name: None };
        assert_only_as(&r.validate(), RuleCode::ReferralServiceName, "/to_service_name", crate::Severity::Warning);
        assert!(!r.validate().has_errors());
    }

    #[test]
    fn lengths() {
        let mut r = referral();
        r.number = "1".repeat(46);
        assert_only(&r.validate(), RuleCode::TooLong, "/number");
        let mut r = referral();
        r.patient_id = String::new();
        assert_only(&r.validate(), RuleCode::Required, "/patient_id");
    }
}
