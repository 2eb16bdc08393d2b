//! Table 9 – Unaccessable_period (Appendix 1): `beg_date < end_date`.

use fer_model::{Table, UnaccessablePeriod};

use super::{CheckRecord, validate_by_check};
use crate::RuleCode;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;

impl CheckRecord for UnaccessablePeriod {
    const SUBJECT: Subject = Subject::Table(Table::UnaccessablePeriod);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.period_id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        if self.beg_date >= self.end_date {
            c.report(
                RuleCode::DateOrder,
                "/end_date",
                &format!(
                    "end_date {} не позже beg_date {}; конец периода должен быть после начала",
                    self.end_date, self.beg_date
                ),
                &format!(
                    "end_date {} is not after beg_date {}; the period must end after it begins",
                    self.end_date, self.beg_date
                ),
            );
        }
    }
}

validate_by_check!(UnaccessablePeriod);

#[cfg(test)]
mod tests {
    use crate::records::test_support::*;
    use crate::{RuleCode, Validate};

    #[test]
    fn valid_period_passes() {
        assert!(period().validate().is_empty());
    }

    #[test]
    fn empty_or_reversed_period() {
        let mut p = period();
        p.end_date = p.beg_date;
        assert_only(&p.validate(), RuleCode::DateOrder, "/end_date");
        p.end_date = ts("2026-12-01T00:00:00");
        assert_only(&p.validate(), RuleCode::DateOrder, "/end_date");
    }
}
