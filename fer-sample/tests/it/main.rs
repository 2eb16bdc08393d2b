//! fer-sample's promise over its whole parameter space: every spec it accepts gives a region that
//! passes every rule of fer-validate, and every spec it cannot make valid is refused up front.

use chrono::NaiveDate;
use fer_sample::{RegionSpec, SpecError, generate};
use fer_validate::DatasetExt as _;
use proptest::prelude::*;

/// The region of `spec`, which must be accepted and free of every error and warning.
fn assert_clean(spec: &RegionSpec) {
    let region = generate(spec).unwrap_or_else(|e| panic!("{spec:?} refused: {e}"));
    let report = region.validate();
    let found: Vec<String> = report.diagnostics.iter().take(5).map(ToString::to_string).collect();
    assert!(!report.has_errors(), "{spec:?}: {found:#?}");
}

#[test]
fn the_fullest_day_and_the_longest_schedule_are_valid() {
    assert_clean(&RegionSpec {
        mos: 1,
        slots_per_day: RegionSpec::MAX_SLOTS_PER_DAY,
        days: 9,
        ..RegionSpec::default()
    });
    assert_clean(&RegionSpec {
        mos: 1,
        doctors_per_mo: 1,
        slots_per_day: 1,
        days: RegionSpec::MAX_DAYS,
        ..RegionSpec::default()
    });
}

#[test]
fn the_edges_of_the_space_are_valid() {
    for spec in [
        RegionSpec { mos: 0, ..RegionSpec::default() },
        RegionSpec { mos: 1, doctors_per_mo: 0, ..RegionSpec::default() },
        RegionSpec { days: 0, ..RegionSpec::default() },
        RegionSpec { days: 1, ..RegionSpec::default() },
        RegionSpec { slots_per_day: 0, ..RegionSpec::default() },
        RegionSpec { booked_share: 0.0, ..RegionSpec::default() },
        RegionSpec { booked_share: 1.0, ..RegionSpec::default() },
    ] {
        assert_clean(&spec);
    }
}

#[test]
fn more_slots_than_a_day_holds_are_refused_with_the_bound() {
    let spec = RegionSpec { slots_per_day: 40, ..RegionSpec::default() };
    let e = generate(&spec).unwrap_err();
    assert_eq!(e, SpecError::SlotsPerDay { asked: 40, max: 32 });
    assert!(e.to_string().contains("slots_per_day = 40") && e.to_string().contains("at most 32"), "{e}");
}

#[test]
fn other_fields_out_of_range_are_refused() {
    let days = RegionSpec { days: 10_000, ..RegionSpec::default() };
    assert_eq!(generate(&days).unwrap_err(), SpecError::Days { asked: 10_000, max: RegionSpec::MAX_DAYS });
    for share in [-0.1, 1.5, f64::NAN] {
        let spec = RegionSpec { booked_share: share, ..RegionSpec::default() };
        assert!(matches!(generate(&spec), Err(SpecError::BookedShare(_))), "{share}");
    }
    let late = RegionSpec { first_day: NaiveDate::MAX, ..RegionSpec::default() };
    assert_eq!(generate(&late).unwrap_err(), SpecError::FirstDay(NaiveDate::MAX));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever is asked: a valid region, or a refusal, and a refusal exactly when out of range.
    #[test]
    fn every_spec_is_generated_valid_or_refused(
        mos in 0usize..5,
        doctors_per_mo in 0usize..7,
        days in 0u32..24,
        slots_per_day in 0u32..45,
        booked_share in 0.0f64..=1.0,
        seed in any::<u64>(),
        first in 0i64..3_000,
    ) {
        let first_day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(first);
        let spec = RegionSpec { mos, doctors_per_mo, first_day, days, slots_per_day, booked_share, seed, organisation: None };
        if slots_per_day > RegionSpec::MAX_SLOTS_PER_DAY {
            prop_assert!(generate(&spec).is_err());
        } else {
            assert_clean(&spec);
        }
    }
}
