//! Shared inputs for the benchmarks: deterministic, valid sample data of any size.
//!
//! The generators themselves live in [`fer_sample`] (used by the CLI's `fer sample`, the
//! quickstart and the tests as well); this crate re-exports them and adds what only benchmarks
//! need: the raw JSON bodies the Vitrina receives.
//!
//! ```
//! let spec = fer_benches::RegionSpec { mos: 2, days: 7, ..Default::default() };
//! let region = fer_benches::generate_region(&spec);
//! assert!(!region.validate().has_errors());
//! let body = fer_benches::slot_batch_json(100, 7);
//! assert!(fer_validate::validate_raw(fer_model::Table::Slot, &body).is_empty());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use fer_model::{BatchRef, Record};
pub use fer_sample::{RegionSpec, generate as generate_region, slots};

/// The `{"data": [...]}` body of a POST of `records`, as the client sends it (canonical forms).
pub fn batch_json<T: Record>(records: &[T]) -> Vec<u8> {
    // Serializing fer-model records into a Vec cannot fail: every field is a string, number or enum.
    serde_json::to_vec(&BatchRef::new(records)).unwrap_or_default()
}

/// The body of a POST of `count` valid slots ([`slots`]) generated from `seed`.
pub fn slot_batch_json(count: usize, seed: u64) -> Vec<u8> {
    batch_json(&slots(count, seed))
}

#[cfg(test)]
mod tests {
    use fer_validate::Severity;

    use super::*;

    #[test]
    fn default_region_passes_every_rule() {
        let region = generate_region(&RegionSpec::default());
        let report = region.validate();
        let problems: Vec<_> = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(problems.is_empty(), "{problems:#?}");
        assert!(report.is_empty(), "{report:#?}");
        for table in fer_validate::Dataset::upload_order() {
            assert!(region.len(table) > 0, "{table} is empty");
        }
    }

    #[test]
    fn bench_inputs_are_deterministic_and_valid() {
        assert_eq!(slot_batch_json(50, 3), slot_batch_json(50, 3));
        let slots = slots(10_000, 1);
        assert!(fer_validate::validate_batch(&slots).is_empty());
    }
}
