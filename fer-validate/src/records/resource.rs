//! Table 2 – Resource (Appendix 1): the fields of each type, their lengths, and the doctor's SNILS.
//!
//! Which fields a type carries is enforced by [`fer_model::ResourceKind`]; a blank value of a
//! field the type requires is reported here as [`RuleCode::Required`].

use fer_model::{Resource, ResourceKind, Snils, Table};

use super::{CheckRecord, validate_by_check};
use crate::RuleCode;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::limits::{RESOURCE, limit};

impl CheckRecord for Resource {
    const SUBJECT: Subject = Subject::Table(Table::Resource);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        c.opt_text("/description", self.description.as_deref(), const { limit(RESOURCE, "description") });
        match &self.kind {
            ResourceKind::Specialist(sp) => {
                c.text("/post_id", &sp.post_id, const { limit(RESOURCE, "post_id") });
                c.text("/speciality_id", &sp.speciality_id, const { limit(RESOURCE, "speciality_id") });
                c.text("/last_name", &sp.last_name, const { limit(RESOURCE, "last_name") });
                c.text("/first_name", &sp.first_name, const { limit(RESOURCE, "first_name") });
                c.opt_text("/middle_name", sp.middle_name.as_deref(), const { limit(RESOURCE, "middle_name") });
                snils_checksum(c, "/snils", &sp.snils);
            }
            ResourceKind::Machine { machine_name } => {
                c.text("/machine_name", machine_name, const { limit(RESOURCE, "machine_name") })
            }
            ResourceKind::Room { room_number, room_name } => {
                c.text("/room_number", room_number, const { limit(RESOURCE, "room_number") });
                c.text("/room_name", room_name, const { limit(RESOURCE, "room_name") });
            }
        }
    }
}

validate_by_check!(Resource);

/// The SNILS check number (Pension Fund algorithm, [`Snils::checksum_is_valid`]). An error for a
/// doctor's SNILS, a warning in patient data (the checker's subject decides).
pub(crate) fn snils_checksum(c: &mut Checker<'_>, pointer: &str, snils: &Snils) {
    if !snils.checksum_is_valid() {
        // The digits are personal data: the message names the expected check number only.
        let expected = snils.expected_checksum();
        let two = [b'0' + expected / 10 % 10, b'0' + expected % 10];
        let two = std::str::from_utf8(&two).unwrap_or("??");
        c.report(
            RuleCode::SnilsChecksum,
            pointer,
            &["по первым девяти цифрам контрольное число должно быть ", two, "; проверьте СНИЛС"].concat(),
            &["the first nine digits give check number ", two, "; check the SNILS"].concat(),
        );
    }
}

#[cfg(test)]
mod tests {
    use fer_model::{ResourceKind, Specialist};

    use crate::records::test_support::*;
    use crate::{RuleCode, Validate};

    fn with_specialist(f: impl FnOnce(&mut Specialist)) -> fer_model::Resource {
        let mut r = specialist();
        if let ResourceKind::Specialist(sp) = &mut r.kind {
            f(sp);
        }
        r
    }

    #[test]
    fn valid_resources_of_each_type_pass() {
        assert!(specialist().validate().is_empty());
        let mut m = specialist();
        m.kind = ResourceKind::Machine { machine_name: "Рентген".into() };
        assert!(m.validate().is_empty());
        m.kind = ResourceKind::Room { room_number: "101".into(), room_name: "Процедурный".into() };
        assert!(m.validate().is_empty());
    }

    #[test]
    fn specialist_snils_checksum_is_an_error() {
        let r = with_specialist(|sp| sp.snils = "11223344596".parse().unwrap());
        assert_only_as(&r.validate(), RuleCode::SnilsChecksum, "/snils", crate::Severity::Error);
        assert!(!format!("{:?}", r.validate()).contains("11223344596"), "no SNILS digits in diagnostics");
    }

    #[test]
    fn specialist_blank_fields() {
        assert_only(&with_specialist(|sp| sp.post_id = " ".into()).validate(), RuleCode::Required, "/post_id");
        assert_only(&with_specialist(|sp| sp.speciality_id.clear()).validate(), RuleCode::Required, "/speciality_id");
        assert_only(&with_specialist(|sp| sp.last_name.clear()).validate(), RuleCode::Required, "/last_name");
        assert_only(&with_specialist(|sp| sp.first_name.clear()).validate(), RuleCode::Required, "/first_name");
        let long = with_specialist(|sp| sp.middle_name = Some("я".repeat(513)));
        assert_only(&long.validate(), RuleCode::TooLong, "/middle_name");
    }

    #[test]
    fn machine_and_room_fields() {
        let mut r = specialist();
        r.kind = ResourceKind::Machine { machine_name: String::new() };
        assert_only(&r.validate(), RuleCode::Required, "/machine_name");
        r.kind = ResourceKind::Room { room_number: "1".repeat(46), room_name: "Кабинет".into() };
        assert_only(&r.validate(), RuleCode::TooLong, "/room_number");
        r.kind = ResourceKind::Room { room_number: "1".into(), room_name: String::new() };
        assert_only(&r.validate(), RuleCode::Required, "/room_name");
    }

    #[test]
    fn description_length() {
        let mut r = specialist();
        r.description = Some("d".repeat(513));
        assert_only(&r.validate(), RuleCode::TooLong, "/description");
    }
}
