//! The `string(N)` limits of Appendix 1 as the length rules read them. The lists are fer-model's
//! ([`fer_model::limits`], also the schemas' `maxLength`); this maps a record type to its list.

use fer_model::Record;
pub(crate) use fer_model::limits::{Limits, MO, PROFILECODE_RESOURCE, REFERRAL, RESOURCE, SERVICE, limit};

/// The `string(N)` limits of a table's record type: every record type has its list (empty for the
/// tables without free text), so a table added to the registry does not compile until it has one.
pub(crate) trait Limited: Record {
    /// The record's text fields and their maximum length.
    const LIMITS: Limits;
}

impl<T: Record> Limited for T {
    const LIMITS: Limits = fer_model::limits::of(T::TABLE);
}

#[cfg(test)]
mod tests {
    use fer_model::Table;

    use super::*;

    #[test]
    fn limits_name_fields_of_the_schemas() {
        for table in Table::LOAD_ORDER {
            let schema = fer_model::schema::by_name(table.as_str()).unwrap();
            let props = schema.get("properties").and_then(|p| p.as_object()).unwrap();
            for (field, _) in fer_model::with_record_type!(table, R => <R as Limited>::LIMITS) {
                assert!(props.contains_key(*field), "{table}.{field} is not a field of the schema");
            }
        }
        assert_eq!(limit(MO, "name"), 512);
    }
}
