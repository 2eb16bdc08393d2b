//! Table 3 – Service and table 10 – Profilecode_resource (Appendix 1): codes and prices.

use fer_model::{ProfilecodeResource, Service, Table};

use super::{CheckRecord, validate_by_check};
use crate::RuleCode;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::limits::{PROFILECODE_RESOURCE, SERVICE, limit};

impl CheckRecord for Service {
    const SUBJECT: Subject = Subject::Table(Table::Service);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        c.text("/code", &self.code, const { limit(SERVICE, "code") });
        if let Some(price) = self.price
            && !(price.is_finite() && price >= 0.0)
        {
            c.report(
                RuleCode::PriceRange,
                "/price",
                &format!("{price}; укажите неотрицательную цену или не передавайте поле"),
                &format!("{price}; send a price of 0 or more, or omit the field"),
            );
        }
    }
}

impl CheckRecord for ProfilecodeResource {
    const SUBJECT: Subject = Subject::Table(Table::ProfilecodeResource);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        c.text("/profile_code", &self.profile_code, const { limit(PROFILECODE_RESOURCE, "profile_code") });
    }
}

validate_by_check!(Service, ProfilecodeResource);

#[cfg(test)]
mod tests {
    use crate::records::test_support::*;
    use crate::{RuleCode, Validate};

    #[test]
    fn valid_service_and_profile_pass() {
        assert!(service().validate().is_empty());
        assert!(profile().validate().is_empty());
    }

    #[test]
    fn negative_price() {
        let mut s = service();
        s.price = Some(-1.0);
        assert_only(&s.validate(), RuleCode::PriceRange, "/price");
        s.price = Some(f64::NAN);
        assert_only(&s.validate(), RuleCode::PriceRange, "/price");
    }

    #[test]
    fn blank_and_long_codes() {
        let mut s = service();
        s.code = String::new();
        assert_only(&s.validate(), RuleCode::Required, "/code");
        let mut p = profile();
        p.profile_code = "1".repeat(46);
        assert_only(&p.validate(), RuleCode::TooLong, "/profile_code");
    }
}
