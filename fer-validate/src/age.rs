//! The age rule of `tag_age` (section 7 of the profile, [`fer_model::spec::profile`]; section 9, screen 7.2): a patient of 18 or more
//! may take ADULT or ALL slots, from 1 to 18 CHILD or ALL, under 1 BABY or ALL. Booking answer code 14
//! when it does not hold.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use fer_model::AgeGroup;

/// Full years between `birthdate` and `on_date` (0 when `on_date` is before the birth date).
///
/// A person born on 29 February becomes a year older on 1 March in non-leap years.
pub fn full_years(birthdate: NaiveDate, on_date: NaiveDate) -> u32 {
    if on_date <= birthdate {
        return 0;
    }
    let mut years = on_date.year() - birthdate.year();
    if (on_date.month(), on_date.day()) < (birthdate.month(), birthdate.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// The age group of a patient born on `birthdate`, on `on_date`: [`AgeGroup::Adult`] from the 18th
/// birthday, [`AgeGroup::Child`] from the 1st, [`AgeGroup::Baby`] before it. Never
/// [`AgeGroup::All`].
///
/// ```
/// use chrono::NaiveDate;
/// use fer_model::AgeGroup;
/// use fer_validate::age_group;
/// let born = NaiveDate::from_ymd_opt(2008, 3, 15).unwrap();
/// assert_eq!(age_group(born, NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()), AgeGroup::Child);
/// assert_eq!(age_group(born, NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()), AgeGroup::Adult);
/// ```
pub fn age_group(birthdate: NaiveDate, on_date: NaiveDate) -> AgeGroup {
    match full_years(birthdate, on_date) {
        0 => AgeGroup::Baby,
        1..=17 => AgeGroup::Child,
        _ => AgeGroup::Adult,
    }
}

/// Whether a slot with `tag_age` accepts a patient born on `birthdate`, judged on the day of the
/// visit.
///
/// ```
/// use chrono::NaiveDate;
/// use fer_model::AgeGroup;
/// use fer_validate::slot_accepts;
/// let born = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
/// let visit = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap().and_hms_opt(9, 0, 0).unwrap();
/// assert!(slot_accepts(AgeGroup::Baby, born, visit));
/// assert!(slot_accepts(AgeGroup::All, born, visit));
/// assert!(!slot_accepts(AgeGroup::Child, born, visit));
/// ```
pub fn slot_accepts(tag_age: AgeGroup, birthdate: NaiveDate, visit_time: NaiveDateTime) -> bool {
    tag_age == AgeGroup::All || tag_age == age_group(birthdate, visit_time.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn birthday_edges() {
        let born = d(2000, 6, 15);
        assert_eq!(age_group(born, d(2018, 6, 14)), AgeGroup::Child);
        assert_eq!(age_group(born, d(2018, 6, 15)), AgeGroup::Adult);
        assert_eq!(age_group(born, d(2001, 6, 14)), AgeGroup::Baby);
        assert_eq!(age_group(born, d(2001, 6, 15)), AgeGroup::Child);
        assert_eq!(age_group(born, born), AgeGroup::Baby);
        assert_eq!(age_group(born, d(1990, 1, 1)), AgeGroup::Baby);
    }

    #[test]
    fn leap_day_birthdays() {
        let born = d(2008, 2, 29);
        assert_eq!(full_years(born, d(2026, 2, 28)), 17);
        assert_eq!(full_years(born, d(2026, 3, 1)), 18);
        assert_eq!(full_years(born, d(2028, 2, 29)), 20);
    }

    #[test]
    fn slot_rule_table() {
        let visit = d(2026, 1, 10).and_hms_opt(8, 0, 0).unwrap();
        let adult = d(1990, 1, 1);
        let child = d(2015, 1, 1);
        let baby = d(2025, 6, 1);
        for (tag, born, ok) in [
            (AgeGroup::Adult, adult, true),
            (AgeGroup::Adult, child, false),
            (AgeGroup::Child, child, true),
            (AgeGroup::Child, baby, false),
            (AgeGroup::Baby, baby, true),
            (AgeGroup::Baby, adult, false),
            (AgeGroup::All, adult, true),
            (AgeGroup::All, baby, true),
        ] {
            assert_eq!(slot_accepts(tag, born, visit), ok, "{tag} {born}");
        }
    }
}
