//! Rules on typed records: [`Validate`] for one record, [`validate_batch`] for one request.
//!
//! Typed records already cannot hold most format errors (fer-model refuses them at parse time), so
//! these rules check what the types cannot: lengths, blanks, ranges, conditional values, the SNILS
//! check number, and the rules that look at a whole request.

mod book;
mod dto;
mod mo;
mod referral;
mod resource;
mod service;
mod slot;
mod unaccessable_period;

use fer_model::Record;

use crate::Report;
use crate::batch::batch_into;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;

pub(crate) use slot::SlotSpans;
pub use slot::validate_slot_update;

/// Checks one typed record or DTO against every single-record rule of the spec.
///
/// ```
/// use fer_model::*;
/// use fer_validate::{RuleCode, Validate};
/// let mut slot = Slot {
///     id: Guid::new_v4(),
///     mo_id: Guid::new_v4(),
///     resource_id: Guid::new_v4(),
///     tag_type: TagTypes::only(TagType::Epgu),
///     tag_age: AgeGroup::All,
///     visit_time: "2024-03-28T05:00:00".parse().unwrap(),
///     duration: DurationMinutes(20),
///     status: SlotStatus::Available,
///     create_ts: "2023-10-01T09:00:00".parse().unwrap(),
/// };
/// assert!(slot.validate().is_empty());
/// slot.duration = DurationMinutes(0);
/// let report = slot.validate();
/// assert_eq!(report.diagnostics[0].code, RuleCode::DurationRange);
/// assert_eq!(report.diagnostics[0].pointer, "/duration");
/// ```
pub trait Validate {
    /// Every finding for this record. Pointers are relative to the record (`/visit_time`).
    fn validate(&self) -> Report;

    /// The rules that look at a whole request of this type (R-330 duplicates, overlapping slots),
    /// beyond the repeated ids that [`validate_batch`] checks for every table. Pointers are
    /// `/data/<i>/…`. None by default.
    fn batch_rules(records: &[Self]) -> Report
    where
        Self: Sized,
    {
        let _ = records;
        Report::default()
    }
}

/// Checks one request's worth of records: every single-record rule with pointers `/data/<i>/…`,
/// plus the batch rules (R-310 repeated ids, R-330 duplicates inside the batch, overlapping slots).
///
/// ```
/// use fer_model::{Batch, Slot};
/// use fer_validate::{validate_batch, RuleCode};
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/slot_batch_duplicate_id.json")).unwrap();
/// let batch: Batch<Slot> = serde_json::from_str(&json).unwrap();
/// let report = validate_batch(&batch.data);
/// let e = report.errors().next().unwrap();
/// assert_eq!((e.code, e.pointer.as_str()), (RuleCode::R310, "/data/1/id"));
/// ```
pub fn validate_batch<T: Record + Validate>(records: &[T]) -> Report {
    let mut out = Vec::new();
    batch_into(records, &mut out);
    Report { diagnostics: out }
}

/// How a type is checked: its subject, its id, and the single-record rules.
pub(crate) trait CheckRecord {
    /// The table or DTO.
    const SUBJECT: Subject;
    /// The record's id, when it has one.
    fn record_id(&self) -> RecordId<'_>;
    /// Runs every single-record rule.
    fn check(&self, c: &mut Checker<'_>);
}

/// Runs the single-record rules of `record` with pointers relative to it.
pub(crate) fn run<T: CheckRecord>(record: &T) -> Report {
    let mut out = Vec::new();
    record.check(&mut Checker::new(T::SUBJECT, record.record_id(), "", &mut out));
    Report { diagnostics: out }
}

/// Implements [`Validate`] with [`run`] for types that have no batch rules.
macro_rules! validate_by_check {
    ($($t:ty),+ $(,)?) => {
        $(impl $crate::Validate for $t {
            fn validate(&self) -> $crate::Report {
                $crate::records::run(self)
            }
        })+
    };
}
pub(crate) use validate_by_check;

#[cfg(test)]
pub(crate) mod test_support {
    //! Sample valid records and an assertion helper shared by the rule tests.

    use fer_model::*;

    use crate::{Report, RuleCode, Severity};

    /// Asserts that `report` holds exactly one finding, of `code` at `pointer`.
    #[track_caller]
    pub fn assert_only(report: &Report, code: RuleCode, pointer: &str) {
        let found: Vec<(RuleCode, &str)> = report.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
        assert_eq!(found, vec![(code, pointer)], "{report:#?}");
    }

    /// Asserts that `report` holds exactly one finding, of `code` at `pointer`, with `severity`.
    #[track_caller]
    pub fn assert_only_as(report: &Report, code: RuleCode, pointer: &str, severity: Severity) {
        assert_only(report, code, pointer);
        assert_eq!(report.diagnostics[0].severity, severity);
    }

    pub fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub fn g(n: u128) -> Guid {
        Guid::from_u128(n)
    }

    pub fn mo() -> Mo {
        Mo {
            id: g(1),
            parent_id: "1.2.643.5.1.13.13.12.2.86.8916".parse().unwrap(),
            branch_oid: "1.2.643.5.1.13.13.12.2.86.8964.0.163227".parse().unwrap(),
            name: "Поликлиника №1".into(),
            address: "г. Нефтеюганск, 10 микрорайон, дом 1".into(),
            address_fias_guid: None,
            region_okato: Some("71100000000".into()),
            phone: Some("+7 3463 000000".into()),
            enabled: Enabled::All,
            create_ts: ts("2023-10-01T09:00:00"),
            tag_age: Some(MoAgeGroup::All),
        }
    }

    pub fn specialist() -> Resource {
        Resource {
            id: g(2),
            mo_id: g(1),
            enabled: Enabled::All,
            create_ts: ts("2023-10-01T09:00:00"),
            description: None,
            kind: ResourceKind::Specialist(Specialist {
                post_id: "109".into(),
                speciality_id: "27".into(),
                snils: "112-233-445 95".parse().unwrap(),
                last_name: "Иванова".into(),
                first_name: "Анна".into(),
                middle_name: None,
            }),
        }
    }

    pub fn slot() -> Slot {
        Slot {
            id: g(10),
            mo_id: g(1),
            resource_id: g(2),
            tag_type: TagTypes::only(TagType::Epgu),
            tag_age: AgeGroup::All,
            visit_time: ts("2026-12-01T08:00:00"),
            duration: DurationMinutes(20),
            status: SlotStatus::Available,
            create_ts: ts("2026-11-20T09:00:00"),
        }
    }

    pub fn book() -> Book {
        Book {
            id: g(20),
            patient_id: g(21),
            slot_id: g(10),
            status_code: BookStatus::Recorded,
            tag_source: TagSource::Epgu,
            kind: BookType::Appointment,
            referral_id: None,
            create_ts: ts("2026-11-21T09:00:00"),
        }
    }

    pub fn referral() -> Referral {
        Referral {
            id: g(30),
            patient_id: "953f8666-21ce-478f-8351-389f27ce8cde".into(),
            number: "НПР-000001".into(),
            kind: ReferralKind::Consultation {
                speciality_id: "27".into(), to_post_name: "врач-кардиолог".into()
            },
            start_date: ts("2026-11-01T00:00:00"),
            end_date: Some(ts("2026-12-31T00:00:00")),
            to_mo_id: g(1),
            to_profile_code: "29".into(),
            status: ReferralStatus::Available,
            create_ts: ts("2026-11-01T09:00:00"),
            from_mo_id: None,
            from_resource_id: g(2),
            to_resource_id: None,
            from_referral_id: None,
            from_rmis_id: None,
            referral_type_code: "2".into(),
            to_mo_oid: "1.2.643.5.1.13.13.12.2.86.8916".parse().unwrap(),
            from_mo_oid: "1.2.643.5.1.13.13.12.2.86.8916".parse().unwrap(),
            from_mnemonic_code: None,
        }
    }

    pub fn period() -> UnaccessablePeriod {
        UnaccessablePeriod {
            period_id: g(40),
            resource_id: g(2),
            reason: UnavailabilityReason::Vacation,
            beg_date: ts("2026-12-10T00:00:00"),
            end_date: ts("2026-12-20T00:00:00"),
            create_ts: ts("2026-11-01T09:00:00"),
        }
    }

    pub fn service() -> Service {
        Service {
            id: g(50),
            resource_id: g(2),
            code: "A04.10.002".into(),
            price: Some(1500.0),
            create_ts: ts("2026-11-01T09:00:00"),
        }
    }

    pub fn profile() -> ProfilecodeResource {
        ProfilecodeResource {
            id: g(60),
            resource_id: g(2),
            profile_code: "29".into(),
            create_ts: ts("2026-11-01T09:00:00"),
        }
    }
}
