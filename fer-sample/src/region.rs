//! The region generator.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use fer_model::{
    AgeGroup, Book, BookStatus, BookType, DurationMinutes, Enabled, Guid, Mo, MoAgeGroup, Oid, ProfilecodeResource,
    Referral, ReferralKind, ReferralStatus, Resource, ResourceKind, Service, Slot, SlotStatus, Snils, Specialist,
    TagSource, TagType, TagTypes, Timestamp, UnaccessablePeriod, UnavailabilityReason,
};
use fer_validate::Dataset;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::names::{FATHERS, FIRST_NAMES, POSTS, RESEARCH, STREETS, SURNAMES, feminine};

/// What to generate. Every field has a sensible default ([`RegionSpec::default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RegionSpec {
    /// Subdivisions (table 1); each gets its doctors, one machine and one room.
    pub mos: usize,
    /// Doctors (SPECIALIST resources) per subdivision.
    pub doctors_per_mo: usize,
    /// The first day of the schedule.
    pub first_day: NaiveDate,
    /// Calendar days of schedule from `first_day`; slots are made on working days (Monday to Friday).
    pub days: u32,
    /// Slots per resource per working day, from 08:00.
    pub slots_per_day: u32,
    /// Share of slots that are booked (RECORDED with an active book), from 0 to 1.
    pub booked_share: f64,
    /// The seed: the same spec and seed always give the same region.
    pub seed: u64,
    /// The head organisation (`mo.parent_id`) of every subdivision, e.g. the MO OID the MIS logs in
    /// with at `/auth.svc`; when `None`, every four subdivisions get an organisation of their own
    /// under the Moscow arc `1.2.643.5.1.13.13.12.2.77`.
    pub organisation: Option<Oid>,
}

impl Default for RegionSpec {
    /// Three subdivisions with four doctors each, two weeks from 1 December 2026, twelve slots a day,
    /// a quarter of them booked, seed 1.
    fn default() -> Self {
        RegionSpec {
            mos: 3,
            doctors_per_mo: 4,
            first_day: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
            days: 14,
            slots_per_day: 12,
            booked_share: 0.25,
            seed: 1,
            organisation: None,
        }
    }
}

/// The first slot of a working day starts at 08:00.
const DAY_STARTS_AT_MINUTE: u32 = 8 * 60;
/// The longest slot the generator makes (a procedure room's), in minutes.
const LONGEST_SLOT_MINUTES: u32 = 30;

impl RegionSpec {
    /// The most `slots_per_day` a spec may ask for: the slots of one day, back to back from 08:00,
    /// must end by midnight (32 of the rooms' 30-minute slots); more would run into the next day and
    /// overlap its slots.
    pub const MAX_SLOTS_PER_DAY: u32 = (24 * 60 - DAY_STARTS_AT_MINUTE) / LONGEST_SLOT_MINUTES;
    /// The most `days` a spec may ask for: a year and a day of schedule.
    pub const MAX_DAYS: u32 = 366;

    /// Checks that every field is in the range for which [`generate`] makes a region that passes
    /// every rule of fer-validate; the first field out of range otherwise.
    pub fn check(&self) -> Result<(), SpecError> {
        if self.slots_per_day > Self::MAX_SLOTS_PER_DAY {
            return Err(SpecError::SlotsPerDay { asked: self.slots_per_day, max: Self::MAX_SLOTS_PER_DAY });
        }
        if self.days > Self::MAX_DAYS {
            return Err(SpecError::Days { asked: self.days, max: Self::MAX_DAYS });
        }
        if !(0.0..=1.0).contains(&self.booked_share) {
            return Err(SpecError::BookedShare(self.booked_share));
        }
        // The creation time is a week before the first day; the referrals run 30 days from it.
        let reach = i64::from(self.days.max(30)) + 1;
        let fits = self.first_day.checked_sub_signed(Duration::days(7)).is_some()
            && self.first_day.checked_add_signed(Duration::days(reach)).is_some();
        if !fits {
            return Err(SpecError::FirstDay(self.first_day));
        }
        Ok(())
    }
}

/// Why a [`RegionSpec`] cannot be generated: the field, the value asked for and the bound.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// `slots_per_day` is more than a day from 08:00 to midnight holds.
    #[error(
        "slots_per_day = {asked}: at most {max} slots a day fit between 08:00 and midnight (slots last up to \
         30 minutes); more would overlap the next day's"
    )]
    SlotsPerDay {
        /// What the spec asked for.
        asked: u32,
        /// [`RegionSpec::MAX_SLOTS_PER_DAY`].
        max: u32,
    },
    /// `days` is more than [`RegionSpec::MAX_DAYS`].
    #[error("days = {asked}: at most {max} days of schedule")]
    Days {
        /// What the spec asked for.
        asked: u32,
        /// [`RegionSpec::MAX_DAYS`].
        max: u32,
    },
    /// `booked_share` is not a share from 0 to 1.
    #[error("booked_share = {0}: a share from 0 to 1")]
    BookedShare(f64),
    /// `first_day` is so close to the end of the calendar that the schedule does not fit.
    #[error("first_day = {0}: the schedule would run past the last date the calendar holds")]
    FirstDay(NaiveDate),
}

/// Generates a consistent region for `spec`, or says which field of it is out of range
/// ([`RegionSpec::check`]).
///
/// * Every subdivision has `doctors_per_mo` doctors of different posts, one X-ray machine and one
///   procedure room, each with a profile (`profilecode_resource`) and services (`service`).
/// * The first doctor of every subdivision is on vacation for the last three days of the schedule
///   (`unaccessable_period`) and has no slots then.
/// * Slots are back to back (20 minutes for doctors, 15 for machines, 30 for rooms) on working days;
///   `booked_share` of them are RECORDED with an active book (status 5000), a few more carry a
///   cancelled book (5010) and are AVAILABLE again.
/// * Every subdivision issues two referrals to the next one: a CONSULTATION (AVAILABLE) to a profile
///   that subdivision has, and a RESEARCH (RECORDED, with the active book that names it).
pub fn generate(spec: &RegionSpec) -> Result<Dataset, SpecError> {
    spec.check()?;
    let mut g = Generator { rng: StdRng::seed_from_u64(spec.seed), spec, data: Dataset::default() };
    let created = Timestamp::from_naive(at(spec.first_day - Duration::days(7), 9, 0));
    let units: Vec<Unit> = (0..spec.mos).map(|i| g.subdivision(i, created)).collect();
    for unit in &units {
        g.schedule(unit, created);
    }
    if let Some(first) = units.first() {
        for (i, unit) in units.iter().enumerate() {
            let target = units.get(i + 1).unwrap_or(first);
            g.referrals(unit, target, created);
        }
    }
    Ok(g.data)
}

/// `count` AVAILABLE slots, 20 minutes each, twelve a day per resource on consecutive days, for
/// `count / 120 + 1` resources of one subdivision: a cheap, valid batch for benchmarks.
///
/// ```
/// let slots = fer_sample::slots(1_000, 3);
/// assert_eq!(slots.len(), 1_000);
/// assert!(!fer_validate::validate_batch(&slots).has_errors());
/// ```
pub fn slots(count: usize, seed: u64) -> Vec<Slot> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mo_id = guid(&mut rng);
    let first_day = RegionSpec::default().first_day;
    let created = Timestamp::from_naive(at(first_day - Duration::days(7), 9, 0));
    let mut resource_id = guid(&mut rng);
    (0..count)
        .map(|n| {
            let per_resource = n % 120;
            if n > 0 && per_resource == 0 {
                resource_id = guid(&mut rng);
            }
            let day = first_day + Duration::days((per_resource / 12) as i64);
            let minute = (per_resource % 12) as u32 * 20;
            Slot {
                id: guid(&mut rng),
                mo_id,
                resource_id,
                tag_type: TagTypes::only(TagType::Epgu).with(TagType::Registry),
                tag_age: AgeGroup::All,
                visit_time: Timestamp::from_naive(at(day, 8 + minute / 60, minute % 60)),
                duration: DurationMinutes(20),
                status: SlotStatus::Available,
                create_ts: created,
            }
        })
        .collect()
}

/// One subdivision and what the later steps need to know of it.
struct Unit {
    mo: Mo,
    /// (resource id, slot minutes, tag types, the service code its slots are for)
    resources: Vec<(Guid, u32, TagTypes)>,
    /// The first doctor, who goes on vacation.
    vacationer: Guid,
    /// Profile codes its resources have.
    profiles: Vec<&'static str>,
    /// Research service codes it offers.
    research: Vec<&'static str>,
    /// A doctor who issues referrals.
    referrer: Guid,
}

struct Generator<'a> {
    rng: StdRng,
    spec: &'a RegionSpec,
    data: Dataset,
}

impl Generator<'_> {
    fn subdivision(&mut self, i: usize, created: Timestamp) -> Unit {
        let parent_id = match &self.spec.organisation {
            Some(org) => org.clone(),
            None => oid(&format!("1.2.643.5.1.13.13.12.2.77.{}", 7701 + i / 4)),
        };
        let number = if self.spec.organisation.is_some() { 1 } else { 101 + i / 4 };
        let mo = Mo {
            id: guid(&mut self.rng),
            branch_oid: oid(&format!("{parent_id}.0.{}", 100 + i)),
            parent_id,
            name: format!("ГБУЗ «Городская поликлиника № {number}», филиал № {}", i + 1),
            address: format!("г. Москва, {}, д. {}", STREETS[i % STREETS.len()], 3 + i * 7 % 90),
            address_fias_guid: Some(guid(&mut self.rng).to_string()),
            region_okato: Some("45000000000".to_owned()),
            phone: Some(format!("+7 (495) {:03}-{:02}-{:02}", 200 + i % 700, i % 100, (i * 7) % 100)),
            enabled: Enabled::All,
            create_ts: created,
            tag_age: Some(if i % 5 == 4 { MoAgeGroup::Child } else { MoAgeGroup::All }),
        };
        let general = TagTypes::only(TagType::Epgu).with(TagType::Registry);
        let by_referral = TagTypes::only(TagType::Referral).with(TagType::Registry);
        let mut unit = Unit {
            mo,
            resources: Vec::new(),
            vacationer: Guid::from_u128(0),
            profiles: Vec::new(),
            research: Vec::new(),
            referrer: Guid::from_u128(0),
        };

        for d in 0..self.spec.doctors_per_mo {
            let post = &POSTS[d % POSTS.len()];
            let kind = ResourceKind::Specialist(self.doctor(post.post_id, post.speciality_id));
            let id = self.resource(&unit.mo, kind, created);
            self.profile(id, post.profile_code, created);
            self.service(id, post.service_code, created);
            unit.profiles.push(post.profile_code);
            unit.resources.push((id, 20, general));
            if d == 0 {
                unit.vacationer = id;
                unit.referrer = id;
            }
        }

        let machine =
            self.resource(&unit.mo, ResourceKind::Machine { machine_name: "Флюорограф ФЦ-01".into() }, created);
        let room = self.resource(
            &unit.mo,
            ResourceKind::Room {
                room_number: format!("1{:02}", i % 100), room_name: "Процедурный кабинет".into()
            },
            created,
        );
        for (id, minutes, research) in [(machine, 15, &RESEARCH[..2]), (room, 30, &RESEARCH[2..])] {
            self.profile(id, research[0].1, created);
            unit.profiles.push(research[0].1);
            for (code, _, _) in research {
                self.service(id, code, created);
                unit.research.push(code);
            }
            unit.resources.push((id, minutes, by_referral));
        }
        if unit.vacationer != Guid::from_u128(0) {
            let last = self.spec.first_day + Duration::days(i64::from(self.spec.days));
            self.data.unaccessable_period.push(UnaccessablePeriod {
                period_id: guid(&mut self.rng),
                resource_id: unit.vacationer,
                reason: UnavailabilityReason::Vacation,
                beg_date: Timestamp::from_naive(at(last - Duration::days(3), 0, 0)),
                end_date: Timestamp::from_naive(at(last, 0, 0)),
                create_ts: created,
            });
        } else {
            unit.referrer = machine;
        }
        self.data.mo.push(unit.mo.clone());
        unit
    }

    fn doctor(&mut self, post_id: &str, speciality_id: &str) -> Specialist {
        let surname = SURNAMES[self.rng.random_range(0..SURNAMES.len())];
        let (first, female) = FIRST_NAMES[self.rng.random_range(0..FIRST_NAMES.len())];
        let (m, f) = FATHERS[self.rng.random_range(0..FATHERS.len())];
        Specialist {
            post_id: post_id.to_owned(),
            speciality_id: speciality_id.to_owned(),
            snils: snils(&mut self.rng),
            last_name: if female { feminine(surname) } else { surname.to_owned() },
            first_name: first.to_owned(),
            middle_name: Some(if female { f } else { m }.to_owned()),
        }
    }

    fn resource(&mut self, mo: &Mo, kind: ResourceKind, created: Timestamp) -> Guid {
        let id = guid(&mut self.rng);
        self.data.resource.push(Resource {
            id,
            mo_id: mo.id,
            enabled: Enabled::All,
            create_ts: created,
            description: None,
            kind,
        });
        id
    }

    fn profile(&mut self, resource_id: Guid, code: &str, created: Timestamp) {
        let id = guid(&mut self.rng);
        self.data.profilecode_resource.push(ProfilecodeResource {
            id,
            resource_id,
            profile_code: code.to_owned(),
            create_ts: created,
        });
    }

    fn service(&mut self, resource_id: Guid, code: &str, created: Timestamp) {
        let id = guid(&mut self.rng);
        let price = if code.starts_with('B') { None } else { Some(f64::from(self.rng.random_range(5..40u32)) * 100.0) };
        self.data.service.push(Service { id, resource_id, code: code.to_owned(), price, create_ts: created });
    }

    fn schedule(&mut self, unit: &Unit, created: Timestamp) {
        let tag_age = unit.mo.tag_age.map(AgeGroup::from).unwrap_or(AgeGroup::All);
        let vacation_from = self.spec.first_day + Duration::days(i64::from(self.spec.days) - 3);
        for &(resource_id, minutes, tag_type) in &unit.resources {
            for day in (0..self.spec.days).map(|d| self.spec.first_day + Duration::days(i64::from(d))) {
                if matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
                    || (resource_id == unit.vacationer && day >= vacation_from)
                {
                    continue;
                }
                for n in 0..self.spec.slots_per_day {
                    let start = 8 * 60 + n * minutes;
                    let slot = Slot {
                        id: guid(&mut self.rng),
                        mo_id: unit.mo.id,
                        resource_id,
                        tag_type,
                        tag_age,
                        visit_time: Timestamp::from_naive(at(day, start / 60, start % 60)),
                        duration: DurationMinutes(minutes),
                        status: SlotStatus::Available,
                        create_ts: created,
                    };
                    self.book_some(slot, created);
                }
            }
        }
    }

    /// Books the slot with probability `booked_share`, gives one slot in 50 a cancelled book, and
    /// stores it.
    fn book_some(&mut self, mut slot: Slot, created: Timestamp) {
        let roll: f64 = self.rng.random();
        let status = if roll < self.spec.booked_share {
            slot.status = SlotStatus::Recorded;
            Some(BookStatus::Recorded)
        } else if roll > 0.98 {
            Some(BookStatus::Canceled)
        } else {
            None
        };
        if let Some(status_code) = status {
            let book = self.book(slot.id, status_code, None, created);
            self.data.book.push(book);
        }
        self.data.slot.push(slot);
    }

    fn book(&mut self, slot_id: Guid, status_code: BookStatus, referral_id: Option<Guid>, created: Timestamp) -> Book {
        Book {
            id: guid(&mut self.rng),
            patient_id: guid(&mut self.rng),
            slot_id,
            status_code,
            tag_source: if self.rng.random_bool(0.7) { TagSource::Epgu } else { TagSource::Reg },
            kind: BookType::Appointment,
            referral_id,
            create_ts: created,
        }
    }

    /// Two referrals from `from` to `to`: a CONSULTATION, AVAILABLE, and a RESEARCH, RECORDED with
    /// the book of a free slot of `to`'s machine or room.
    fn referrals(&mut self, from: &Unit, to: &Unit, created: Timestamp) {
        let start = Timestamp::from_naive(at(self.spec.first_day, 0, 0));
        let end = Timestamp::from_naive(at(self.spec.first_day + Duration::days(30), 0, 0));
        let post = POSTS.iter().find(|p| to.profiles.contains(&p.profile_code));
        let n = self.data.referral.len();
        let referral = |kind: ReferralKind, profile: &str, status: ReferralStatus, rng: &mut StdRng| Referral {
            id: guid(rng),
            patient_id: guid(rng).to_string(),
            number: format!("НПР-{:06}", n + 1 + usize::from(status == ReferralStatus::Recorded)),
            kind,
            start_date: start,
            end_date: Some(end),
            to_mo_id: to.mo.id,
            to_profile_code: profile.to_owned(),
            status,
            create_ts: created,
            from_mo_id: Some(from.mo.id),
            from_resource_id: from.referrer,
            to_resource_id: None,
            from_referral_id: None,
            from_rmis_id: None,
            referral_type_code: if status == ReferralStatus::Recorded { "3" } else { "2" }.to_owned(),
            to_mo_oid: to.mo.parent_id.clone(),
            from_mo_oid: from.mo.branch_oid.clone(),
            from_mnemonic_code: None,
        };
        if let Some(post) = post {
            let kind = ReferralKind::Consultation {
                speciality_id: post.speciality_id.to_owned(),
                to_post_name: post.post_name.to_owned(),
            };
            let r = referral(kind, post.profile_code, ReferralStatus::Available, &mut self.rng);
            self.data.referral.push(r);
        }

        let research: Vec<Guid> =
            to.resources.iter().filter(|r| r.2.contains(TagType::Referral)).map(|r| r.0).collect();
        let free =
            self.data.slot.iter_mut().find(|s| research.contains(&s.resource_id) && s.status == SlotStatus::Available);
        let (Some(slot), Some(code)) = (free, to.research.first()) else { return };
        slot.status = SlotStatus::Recorded;
        let (slot_id, resource_id) = (slot.id, slot.resource_id);
        let profile = self
            .data
            .profilecode_resource
            .iter()
            .find(|p| p.resource_id == resource_id)
            .map(|p| p.profile_code.clone())
            .unwrap_or_default();
        let kind = ReferralKind::Research {
            to_service_id: (*code).to_owned(),
            to_service_name: RESEARCH.iter().find(|r| r.0 == *code).map(|r| r.2.to_owned()),
        };
        let mut r = referral(kind, &profile, ReferralStatus::Recorded, &mut self.rng);
        r.to_resource_id = Some(resource_id);
        // A cancelled book of the slot may exist already; the referral's book is the active one.
        let book = self.book(slot_id, BookStatus::Recorded, Some(r.id), created);
        self.data.book.retain(|b| b.slot_id != slot_id);
        self.data.book.push(book);
        self.data.referral.push(r);
    }
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or_default())
}

fn guid(rng: &mut StdRng) -> Guid {
    Guid::from_uuid(uuid::Builder::from_random_bytes(rng.random()).into_uuid())
}

fn oid(s: &str) -> Oid {
    // The patterns above are dotted decimals by construction.
    Oid::parse(s).unwrap_or_else(|_| unreachable!("sample OID {s} is dotted decimal"))
}

/// A random SNILS above 001-001-998 with its correct check number.
fn snils(rng: &mut StdRng) -> Snils {
    let number: u32 = rng.random_range(1_001_999..1_000_000_000);
    let draft = Snils::parse(&format!("{number:09}00")).unwrap_or_else(|_| unreachable!("11 digits"));
    Snils::parse(&format!("{number:09}{:02}", draft.expected_checksum())).unwrap_or_else(|_| unreachable!("11 digits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_region_other_seed_other_region() {
        let spec = RegionSpec { mos: 2, days: 7, ..RegionSpec::default() };
        assert_eq!(generate(&spec).unwrap(), generate(&spec).unwrap());
        assert_ne!(generate(&spec).unwrap(), generate(&RegionSpec { seed: 2, ..spec }).unwrap());
    }

    #[test]
    fn one_organisation_when_asked() {
        let org = Oid::parse("1.2.643.5.1.13.13.12.2.77.7777").unwrap();
        let d = generate(&RegionSpec { mos: 5, organisation: Some(org.clone()), ..RegionSpec::default() }).unwrap();
        assert!(d.mo.iter().all(|m| m.parent_id == org && m.branch_oid.as_str().starts_with(org.as_str())));
        let names: std::collections::HashSet<_> = d.mo.iter().map(|m| &m.name).collect();
        assert_eq!(names.len(), 5);
    }

    #[test]
    fn snils_check_numbers_hold() {
        let mut rng = StdRng::seed_from_u64(9);
        for _ in 0..1000 {
            assert!(snils(&mut rng).checksum_is_valid());
        }
    }

    #[test]
    fn every_table_is_filled_and_references_resolve() {
        let d = generate(&RegionSpec::default()).unwrap();
        assert_eq!(d.mo.len(), 3);
        assert_eq!(d.resource.len(), 3 * 6);
        for kind in ["SPECIALIST", "MACHINE", "ROOM"] {
            assert!(d.resource.iter().any(|r| r.kind.resource_type().as_str() == kind), "{kind}");
        }
        assert!(!d.service.is_empty() && !d.profilecode_resource.is_empty());
        assert_eq!(d.unaccessable_period.len(), 3);
        assert_eq!(d.referral.len(), 6);
        let recorded = d.slot.iter().filter(|s| s.status == SlotStatus::Recorded).count();
        let active = d.book.iter().filter(|b| b.status_code.is_active()).count();
        assert_eq!(recorded, active);
        assert!(recorded > d.slot.len() / 8, "about a quarter is booked: {recorded} of {}", d.slot.len());
        let resource_mo: std::collections::HashMap<_, _> = d.resource.iter().map(|r| (r.id, r.mo_id)).collect();
        assert!(d.slot.iter().all(|s| resource_mo.get(&s.resource_id) == Some(&s.mo_id)));
    }

    #[test]
    fn no_slot_in_a_vacation() {
        let d = generate(&RegionSpec::default()).unwrap();
        for p in &d.unaccessable_period {
            assert!(!d.slot.iter().any(|s| s.resource_id == p.resource_id
                && s.visit_time.naive() >= p.beg_date.naive()
                && s.visit_time.naive() < p.end_date.naive()));
        }
    }

    #[test]
    fn flat_slots_are_unique_per_resource_and_time() {
        let s = slots(1_000, 1);
        let keys: std::collections::HashSet<_> = s.iter().map(|s| (s.resource_id, s.visit_time)).collect();
        assert_eq!(keys.len(), 1_000);
    }
}
