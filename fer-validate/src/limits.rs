//! The `string(N)` limits of Appendix 1, one list per table: the single source for the typed
//! length rules and for raw records that do not parse.

use fer_model::Record;

/// A table's text fields and their maximum length in characters.
pub(crate) type Limits = &'static [(&'static str, usize)];

/// Table 1 – MO.
pub(crate) const MO: Limits = &[
    ("parent_id", 45),
    ("name", 512),
    ("address", 512),
    ("address_fias_guid", 36),
    ("region_okato", 11),
    ("phone", 45),
];

/// Table 2 – Resource.
pub(crate) const RESOURCE: Limits = &[
    ("post_id", 45),
    ("speciality_id", 45),
    ("last_name", 512),
    ("first_name", 512),
    ("middle_name", 512),
    ("description", 512),
    ("machine_name", 512),
    ("room_number", 45),
    ("room_name", 512),
];

/// Table 3 – Service.
pub(crate) const SERVICE: Limits = &[("code", 45)];

/// Table 8 – Referral.
pub(crate) const REFERRAL: Limits = &[
    ("patient_id", 45),
    ("number", 45),
    ("to_profile_code", 45),
    ("speciality_id", 45),
    ("to_post_name", 512),
    ("to_service_id", 45),
];

/// Table 10 – Profilecode_resource.
pub(crate) const PROFILECODE_RESOURCE: Limits = &[("profile_code", 45)];

/// The `string(N)` limits of a table's record type: every record type has its list (empty for the
/// tables without free text), so a table added to the registry does not compile until it has one.
pub(crate) trait Limited: Record {
    /// The record's text fields and their maximum length.
    const LIMITS: Limits;
}

macro_rules! limited {
    ($($ty:ident => $limits:expr),+ $(,)?) => {$(
        impl Limited for fer_model::$ty {
            const LIMITS: Limits = $limits;
        }
    )+};
}

limited! {
    Mo => MO,
    Resource => RESOURCE,
    Service => SERVICE,
    Referral => REFERRAL,
    ProfilecodeResource => PROFILECODE_RESOURCE,
    Slot => &[],
    Book => &[],
    UnaccessablePeriod => &[],
}

/// The limit of `field` in `limits`; use it in a `const` block so that a missing field fails the
/// build.
pub(crate) const fn limit(limits: Limits, field: &str) -> usize {
    let mut i = 0;
    while i < limits.len() {
        if eq(limits[i].0, field) {
            return limits[i].1;
        }
        i += 1;
    }
    panic!("no string(N) limit for this field")
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
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
