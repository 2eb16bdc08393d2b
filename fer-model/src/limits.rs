//! The `string(N)` limits of Appendix 1, one list per table: the single source for fer-validate's
//! length rules (V006) and for the `maxLength` of the exported schemas and OpenAPI documents.
//!
//! ```
//! use fer_model::{Table, limits};
//! assert_eq!(limits::limit(limits::of(Table::Mo), "name"), 512);
//! assert!(limits::of(Table::Slot).is_empty());
//! ```

use crate::Table;

/// A table's text fields and their maximum length in characters.
pub type Limits = &'static [(&'static str, usize)];

/// Table 1 – MO.
pub const MO: Limits = &[
    ("parent_id", 45),
    ("name", 512),
    ("address", 512),
    ("address_fias_guid", 36),
    ("region_okato", 11),
    ("phone", 45),
];

/// Table 2 – Resource.
pub const RESOURCE: Limits = &[
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
pub const SERVICE: Limits = &[("code", 45)];

/// Table 8 – Referral.
pub const REFERRAL: Limits = &[
    ("patient_id", 45),
    ("number", 45),
    ("to_profile_code", 45),
    ("speciality_id", 45),
    ("to_post_name", 512),
    ("to_service_id", 45),
];

/// Table 10 – Profilecode_resource.
pub const PROFILECODE_RESOURCE: Limits = &[("profile_code", 45)];

/// The `string(N)` limits of `table` (empty for the tables without free text). Every table has its
/// arm, so a table added to the registry does not compile until it has a list.
pub const fn of(table: Table) -> Limits {
    match table {
        Table::Mo => MO,
        Table::Resource => RESOURCE,
        Table::Service => SERVICE,
        Table::Referral => REFERRAL,
        Table::ProfilecodeResource => PROFILECODE_RESOURCE,
        Table::Slot | Table::Book | Table::UnaccessablePeriod => &[],
    }
}

/// The limit of `field` in `limits`; use it in a `const` block so that a missing field fails the
/// build.
pub const fn limit(limits: Limits, field: &str) -> usize {
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
    use super::*;

    #[test]
    fn limits_name_fields_of_the_schemas() {
        for table in Table::LOAD_ORDER {
            let schema = crate::schema::by_name(table.as_str()).unwrap();
            let props = schema.get("properties").and_then(|p| p.as_object()).unwrap();
            for (field, max) in of(table) {
                let prop = props.get(*field).unwrap_or_else(|| panic!("{table}.{field} is not a field of the schema"));
                assert_eq!(prop.get("maxLength"), Some(&serde_json::json!(max)), "{table}.{field}");
            }
        }
        assert_eq!(limit(MO, "name"), 512);
    }
}
