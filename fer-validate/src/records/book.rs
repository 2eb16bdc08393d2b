//! Table 7 – Book (Appendix 1). Its values are closed sets the types already hold; its rules are
//! cross-table (the slot must be RECORDED, see [`crate::Dataset`]).

use fer_model::{Book, Table};

use super::{CheckRecord, validate_by_check};
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;

impl CheckRecord for Book {
    const SUBJECT: Subject = Subject::Table(Table::Book);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, _c: &mut Checker<'_>) {}
}

validate_by_check!(Book);

#[cfg(test)]
mod tests {
    use crate::Validate;
    use crate::records::test_support::*;

    #[test]
    fn valid_book_passes() {
        assert!(book().validate().is_empty());
    }
}
