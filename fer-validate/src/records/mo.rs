//! Table 1 – MO (Appendix 1): lengths, blanks, `tag_age`. R-330 on names is [`crate::keys`].

use fer_model::{Mo, Table};

use super::{CheckRecord, run};
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::limits::{MO, limit};
use crate::{Report, RuleCode, Validate};

impl CheckRecord for Mo {
    const SUBJECT: Subject = Subject::Table(Table::Mo);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        c.max_len("/parent_id", self.parent_id.as_str(), const { limit(MO, "parent_id") });
        c.text("/name", &self.name, const { limit(MO, "name") });
        c.text("/address", &self.address, const { limit(MO, "address") });
        c.opt_text("/address_fias_guid", self.address_fias_guid.as_deref(), const { limit(MO, "address_fias_guid") });
        c.opt_text("/region_okato", self.region_okato.as_deref(), const { limit(MO, "region_okato") });
        c.opt_text("/phone", self.phone.as_deref(), const { limit(MO, "phone") });
        if self.tag_age.is_none() {
            c.report(
                RuleCode::MoTagAgeMissing,
                "/tag_age",
                "поле обязательно по таблице 1; укажите ADULT, CHILD или ALL",
                "mandatory in table 1; send ADULT, CHILD or ALL",
            );
        }
    }
}

impl Validate for Mo {
    /// The single-record rules. R-330 on names (one organisation's subdivisions) is a batch rule
    /// common to the keyed tables ([`crate::keys`]).
    fn validate(&self) -> Report {
        run(self)
    }
}

#[cfg(test)]
mod tests {
    use fer_model::{Guid, MoAgeGroup};

    use crate::records::test_support::*;
    use crate::{RuleCode, Severity, Validate, validate_batch};

    #[test]
    fn valid_mo_passes() {
        assert!(mo().validate().is_empty());
    }

    #[test]
    fn name_too_long() {
        let mut m = mo();
        m.name = "а".repeat(513);
        assert_only(&m.validate(), RuleCode::TooLong, "/name");
    }

    #[test]
    fn blank_address() {
        let mut m = mo();
        m.address = "  ".into();
        assert_only(&m.validate(), RuleCode::Required, "/address");
    }

    #[test]
    fn okato_and_fias_lengths() {
        let mut m = mo();
        m.region_okato = Some("711000000001".into());
        assert_only(&m.validate(), RuleCode::TooLong, "/region_okato");
        let mut m = mo();
        m.address_fias_guid = Some("x".repeat(37));
        assert_only(&m.validate(), RuleCode::TooLong, "/address_fias_guid");
    }

    #[test]
    fn missing_tag_age_is_a_warning() {
        let mut m = mo();
        m.tag_age = None;
        assert_only_as(&m.validate(), RuleCode::MoTagAgeMissing, "/tag_age", Severity::Warning);
        m.tag_age = Some(MoAgeGroup::Child);
        assert!(m.validate().is_empty());
    }

    #[test]
    fn same_name_other_id_is_r330() {
        let a = mo();
        let mut b = mo();
        b.id = Guid::from_u128(99);
        assert!(validate_batch(std::slice::from_ref(&a)).is_empty());
        assert_only(&validate_batch(&[a.clone(), b]), RuleCode::R330, "/data/1/name");
        // The same id twice is R-310, not R-330.
        assert_only(&validate_batch(&[a.clone(), a]), RuleCode::R310, "/data/1/id");
    }

    #[test]
    fn names_are_unique_within_one_organisation_only() {
        let a = mo();
        let mut b = mo();
        b.id = Guid::from_u128(99);
        b.parent_id = "1.2.643.5.1.13.13.12.2.86.9001".parse().unwrap();
        assert!(validate_batch(&[a.clone(), b.clone()]).is_empty());
        // Surrounding white space does not make another name.
        b.parent_id = a.parent_id.clone();
        b.name = format!(" {} ", a.name);
        assert_only(&validate_batch(&[a, b]), RuleCode::R330, "/data/1/name");
    }
}
