//! Whole datasets: all eight tables together, for the rules that cross tables.

use std::any::Any;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use fer_model::{
    Book, BookStatus, Guid, Mo, ProfilecodeResource, Record, Referral, ReferralKind, ReferralStatus, Resource, Service,
    Slot, SlotStatus, Table, UnaccessablePeriod,
};

use crate::batch::batch_into;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::ids::{IdHashBuilder, IdMap};
use crate::raw::stream::{BodyForm, CHUNK, ReaderSource, StreamError};
use crate::raw::table::{Keep, check_table};
use crate::{Diagnostic, Report, RuleCode};

pub use fer_model::Dataset;

/// Validation of a whole [`Dataset`] (the type lives in fer-model's table registry; the rules live
/// here).
///
/// ```
/// use fer_validate::{Dataset, DatasetExt, RuleCode};
/// # use fer_model::*;
/// # let slot: Slot = serde_json::from_str(r#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f",
/// #   "mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818","resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72",
/// #   "tag_type":"EPGU","tag_age":"ALL","visit_time":"2024-03-28T05:00:00","duration":20,
/// #   "create_ts":"2023-10-01T09:00:00","status":"AVAILABLE"}"#).unwrap();
/// let data = Dataset { slot: vec![slot], ..Dataset::default() };
/// let report = data.validate();
/// // The slot names a subdivision and a resource the dataset does not hold.
/// let found: Vec<_> = report.errors().map(|d| (d.code, d.pointer.as_str())).collect();
/// assert_eq!(found, [(RuleCode::Unresolved, "/data/0/mo_id"), (RuleCode::Unresolved, "/data/0/resource_id")]);
/// ```
///
/// Pointers of its diagnostics are those of each table's upload body: `/data/<i>/<field>`, with
/// `table` naming the table and `i` the index in that table's vector.
pub trait DatasetExt {
    /// Every rule: each table's record and batch rules (in upload order) plus every cross-table
    /// rule: references resolve, a slot's subdivision is its resource's, referrals find their
    /// profile and service, statuses agree (a 5000 book's slot is RECORDED, a RECORDED referral
    /// has an active book and an AVAILABLE one none, a RECORDED slot has an active book), and no
    /// slot falls in its resource's unavailability period.
    fn validate(&self) -> Report;
}

impl DatasetExt for Dataset {
    fn validate(&self) -> Report {
        let mut out = Vec::new();
        for table in Table::LOAD_ORDER {
            fer_model::with_record_type!(table, R => batch_into(self.records::<R>(), &mut out));
        }
        let mut facts = Facts::default();
        for table in Table::LOAD_ORDER {
            fer_model::with_record_type!(table, R => {
                for (i, r) in self.records::<R>().iter().enumerate() {
                    facts.add(i, r);
                }
            });
        }
        facts.cross_into(&mut out);
        Report { diagnostics: out }
    }
}

/// A dataset validated table by table as each table's body is read, in bounded memory: each
/// body's own rules as [`crate::validate_reader`] checks them, and, when every table was read,
/// the rules that cross tables ([`DatasetExt::validate`]'s) over the ids and keys kept from every
/// record that parsed. Pointers are `/data/<i>/<field>` with `i` the record's index in its body.
///
/// ```
/// use fer_model::Table;
/// use fer_validate::{BodyForm, DatasetReader, RuleCode};
/// let slot = br#"{"data": [{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818",
///   "resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72","tag_type":"EPGU","tag_age":"ALL",
///   "visit_time":"2024-03-28T05:00:00","duration":20,"create_ts":"2023-10-01T09:00:00","status":"AVAILABLE"}]}"#;
/// let mut dataset = DatasetReader::new();
/// assert!(dataset.read_table(Table::Slot, BodyForm::Json, &slot[..]).unwrap().is_empty());
/// let cross = dataset.cross_table();
/// let found: Vec<_> = cross.errors().map(|d| (d.code, d.pointer.as_str())).collect();
/// assert_eq!(found, [(RuleCode::Unresolved, "/data/0/mo_id"), (RuleCode::Unresolved, "/data/0/resource_id")]);
/// ```
#[derive(Debug, Default)]
pub struct DatasetReader {
    facts: Facts,
}

impl DatasetReader {
    /// A dataset with no table read yet.
    pub fn new() -> Self {
        DatasetReader::default()
    }

    /// Reads one table's body from `reader` and checks its own rules (the diagnostics of
    /// [`crate::validate_reader`]), keeping what the cross-table rules need. A body that cannot be
    /// read to its end adds nothing to the dataset.
    pub fn read_table<R: std::io::Read>(
        &mut self,
        table: Table,
        form: BodyForm,
        reader: R,
    ) -> Result<Report, StreamError> {
        let start = self.facts.len(table);
        let mut keep = KeepFacts { facts: &mut self.facts, table, start };
        let mut src = ReaderSource::new(reader, CHUNK);
        match check_table(table, form, &mut src, &mut keep, 0) {
            Ok(diagnostics) => Ok(Report { diagnostics }),
            Err(e) => {
                self.facts.truncate(table, start);
                Err(e)
            }
        }
    }

    /// The rules that cross tables, over every table read.
    pub fn cross_table(self) -> Report {
        let mut out = Vec::new();
        self.facts.cross_into(&mut out);
        Report { diagnostics: out }
    }
}

/// Keeps the facts of one body's records.
struct KeepFacts<'a> {
    facts: &'a mut Facts,
    table: Table,
    start: usize,
}

impl Keep for KeepFacts<'_> {
    fn keep<T: Record>(&mut self, i: usize, record: T) {
        self.facts.add(i, &record);
    }

    fn reset(&mut self) {
        self.facts.truncate(self.table, self.start);
    }
}

/// What the cross-table rules need of each record, with its index in its table: ids and the few
/// fields the rules read, never whole records (but referrals, a small table whose rules read most
/// of it). A million-slot region holds about 80 bytes a slot here.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    mo: Vec<(u32, Guid)>,
    resource: Vec<(u32, Guid, Guid)>,
    service: Vec<Coded>,
    profile: Vec<Coded>,
    period: Vec<PeriodFact>,
    slot: Vec<SlotFact>,
    book: Vec<BookFact>,
    referral: Vec<(u32, Referral)>,
}

/// A service (its code) or a profilecode_resource (its profile code), with its resource.
#[derive(Debug)]
struct Coded {
    i: u32,
    id: Guid,
    resource_id: Guid,
    code: Box<str>,
}

#[derive(Debug)]
struct PeriodFact {
    i: u32,
    id: Guid,
    resource_id: Guid,
    beg: NaiveDateTime,
    end: NaiveDateTime,
}

#[derive(Debug)]
struct SlotFact {
    i: u32,
    status: SlotStatus,
    id: Guid,
    mo_id: Guid,
    resource_id: Guid,
    start: NaiveDateTime,
    end: NaiveDateTime,
}

#[derive(Debug)]
struct BookFact {
    i: u32,
    status_code: BookStatus,
    id: Guid,
    slot_id: Guid,
    referral_id: Option<Guid>,
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Facts {
    /// Record `i` of its table.
    pub(crate) fn add<T: Record>(&mut self, i: usize, record: &T) {
        let any = record as &dyn Any;
        let i = index(i);
        if let Some(m) = any.downcast_ref::<Mo>() {
            self.mo.push((i, m.id));
        } else if let Some(r) = any.downcast_ref::<Resource>() {
            self.resource.push((i, r.id, r.mo_id));
        } else if let Some(s) = any.downcast_ref::<Service>() {
            self.service.push(Coded { i, id: s.id, resource_id: s.resource_id, code: s.code.trim().into() });
        } else if let Some(p) = any.downcast_ref::<ProfilecodeResource>() {
            self.profile.push(Coded { i, id: p.id, resource_id: p.resource_id, code: p.profile_code.trim().into() });
        } else if let Some(p) = any.downcast_ref::<UnaccessablePeriod>() {
            let (beg, end) = (p.beg_date.naive(), p.end_date.naive());
            self.period.push(PeriodFact { i, id: p.period_id, resource_id: p.resource_id, beg, end });
        } else if let Some(s) = any.downcast_ref::<Slot>() {
            self.slot.push(SlotFact {
                i,
                status: s.status,
                id: s.id,
                mo_id: s.mo_id,
                resource_id: s.resource_id,
                start: s.visit_time.naive(),
                end: s.end_time(),
            });
        } else if let Some(b) = any.downcast_ref::<Book>() {
            self.book.push(BookFact {
                i,
                status_code: b.status_code,
                id: b.id,
                slot_id: b.slot_id,
                referral_id: b.referral_id,
            });
        } else if let Some(r) = any.downcast_ref::<Referral>() {
            self.referral.push((i, r.clone()));
        }
    }

    /// How many facts of `table` are held.
    pub(crate) fn len(&self, table: Table) -> usize {
        match table {
            Table::Mo => self.mo.len(),
            Table::Resource => self.resource.len(),
            Table::Service => self.service.len(),
            Table::Slot => self.slot.len(),
            Table::Book => self.book.len(),
            Table::Referral => self.referral.len(),
            Table::UnaccessablePeriod => self.period.len(),
            Table::ProfilecodeResource => self.profile.len(),
        }
    }

    /// Drops the facts of `table` beyond the first `len` (a body that turned out unreadable, or
    /// whose `data` was replaced by a later one).
    pub(crate) fn truncate(&mut self, table: Table, len: usize) {
        match table {
            Table::Mo => self.mo.truncate(len),
            Table::Resource => self.resource.truncate(len),
            Table::Service => self.service.truncate(len),
            Table::Slot => self.slot.truncate(len),
            Table::Book => self.book.truncate(len),
            Table::Referral => self.referral.truncate(len),
            Table::UnaccessablePeriod => self.period.truncate(len),
            Table::ProfilecodeResource => self.profile.truncate(len),
        }
    }

    /// Every cross-table rule, appended to `out`.
    pub(crate) fn cross_into(&self, out: &mut Vec<Diagnostic>) {
        CrossCheck::new(self, out).run();
    }
}

/// Lookup tables over the facts, built once per validation.
struct CrossCheck<'a> {
    data: &'a Facts,
    out: &'a mut Vec<Diagnostic>,
    mos: IdSet,
    /// Each resource's subdivision.
    resources: IdMap<Guid, Guid>,
    /// Each slot's status.
    slots: IdMap<Guid, SlotStatus>,
    referrals: IdSet,
    /// Slots held by an active (5000) book.
    booked_slots: IdSet,
    /// Referrals named by an active book.
    booked_referrals: IdSet,
    /// Referrals named by a book that used them: active (5000) or in the past (5020 SUCCESS, 5030
    /// PATIENT_NOT_ARRIVED). Such a referral stays RECORDED.
    used_referrals: IdSet,
}

type IdSet = crate::ids::IdSet<Guid>;

impl<'a> CrossCheck<'a> {
    fn new(data: &'a Facts, out: &'a mut Vec<Diagnostic>) -> Self {
        let active = || data.book.iter().filter(|b| b.status_code.is_active());
        let mut slots = IdMap::with_capacity_and_hasher(data.slot.len(), IdHashBuilder);
        slots.extend(data.slot.iter().map(|s| (s.id, s.status)));
        CrossCheck {
            data,
            out,
            mos: data.mo.iter().map(|m| m.1).collect(),
            resources: data.resource.iter().map(|r| (r.1, r.2)).collect(),
            slots,
            referrals: data.referral.iter().map(|r| r.1.id).collect(),
            booked_slots: active().map(|b| b.slot_id).collect(),
            booked_referrals: active().filter_map(|b| b.referral_id).collect(),
            used_referrals: data
                .book
                .iter()
                .filter(|b| {
                    matches!(b.status_code, BookStatus::Recorded | BookStatus::Success | BookStatus::PatientNotArrived)
                })
                .filter_map(|b| b.referral_id)
                .collect(),
        }
    }

    fn run(mut self) {
        self.references();
        self.slots();
        self.books();
        self.referrals();
    }

    #[allow(clippy::too_many_arguments)]
    fn report(&mut self, table: Table, i: u32, id: Guid, code: RuleCode, field: &str, ru: &str, en: &str) {
        let prefix = format!("/data/{i}");
        Checker::new(Subject::Table(table), RecordId::Guid(id), &prefix, self.out).report(
            code,
            &format!("/{field}"),
            ru,
            en,
        );
    }

    fn unresolved(&mut self, table: Table, i: u32, id: Guid, field: &str, target: Table, to: Guid) {
        let (name_ru, name_en) = (target.name_ru(), target.as_str());
        self.report(
            table,
            i,
            id,
            RuleCode::Unresolved,
            field,
            &format!("{name_ru} {to} отсутствует в наборе; выгрузите его раньше (порядок загрузки)"),
            &format!("{name_en} {to} is not in the dataset; upload it first (load order)"),
        );
    }

    /// Every reference that the load order presumes resolves ([`fer_model::spec::profile`]).
    fn references(&mut self) {
        let d = self.data;
        for &(i, id, mo_id) in &d.resource {
            if !self.mos.contains(&mo_id) {
                self.unresolved(Table::Resource, i, id, "mo_id", Table::Mo, mo_id);
            }
        }
        for s in &d.service {
            if !self.resources.contains_key(&s.resource_id) {
                self.unresolved(Table::Service, s.i, s.id, "resource_id", Table::Resource, s.resource_id);
            }
        }
        for p in &d.profile {
            if !self.resources.contains_key(&p.resource_id) {
                self.unresolved(Table::ProfilecodeResource, p.i, p.id, "resource_id", Table::Resource, p.resource_id);
            }
        }
        for p in &d.period {
            if !self.resources.contains_key(&p.resource_id) {
                self.unresolved(Table::UnaccessablePeriod, p.i, p.id, "resource_id", Table::Resource, p.resource_id);
            }
        }
        for b in &d.book {
            if !self.slots.contains_key(&b.slot_id) {
                self.unresolved(Table::Book, b.i, b.id, "slot_id", Table::Slot, b.slot_id);
            }
            if let Some(r) = b.referral_id
                && !self.referrals.contains(&r)
            {
                self.unresolved(Table::Book, b.i, b.id, "referral_id", Table::Referral, r);
            }
        }
        // A referral is issued by one organisation for another: a target subdivision or an
        // issuing resource outside the dataset belongs to the other one (a warning, V064).
        for (i, r) in &d.referral {
            if !self.mos.contains(&r.to_mo_id) {
                self.report(
                    Table::Referral,
                    *i,
                    r.id,
                    RuleCode::ReferralOtherOrganisation,
                    "to_mo_id",
                    &format!(
                        "подразделения {} нет в наборе: направление в другую организацию ({})",
                        r.to_mo_id, r.to_mo_oid
                    ),
                    &format!(
                        "subdivision {} is not in the dataset: a referral to another organisation ({})",
                        r.to_mo_id, r.to_mo_oid
                    ),
                );
            }
            if !self.resources.contains_key(&r.from_resource_id) {
                self.report(
                    Table::Referral,
                    *i,
                    r.id,
                    RuleCode::ReferralOtherOrganisation,
                    "from_resource_id",
                    &format!(
                        "ресурса {} нет в наборе: направление выдано другой организацией ({})",
                        r.from_resource_id, r.from_mo_oid
                    ),
                    &format!(
                        "resource {} is not in the dataset: issued by another organisation ({})",
                        r.from_resource_id, r.from_mo_oid
                    ),
                );
            }
        }
    }

    /// Slot references, the subdivision of its resource, RECORDED without a book, unavailability.
    fn slots(&mut self) {
        let d = self.data;
        let mut periods: HashMap<Guid, Vec<(NaiveDateTime, NaiveDateTime, Guid)>> = HashMap::new();
        for p in &d.period {
            periods.entry(p.resource_id).or_default().push((p.beg, p.end, p.id));
        }
        for s in &d.slot {
            let (i, id) = (s.i, s.id);
            if !self.mos.contains(&s.mo_id) {
                self.unresolved(Table::Slot, i, id, "mo_id", Table::Mo, s.mo_id);
            }
            match self.resources.get(&s.resource_id) {
                None => self.unresolved(Table::Slot, i, id, "resource_id", Table::Resource, s.resource_id),
                Some(&rm) if rm != s.mo_id => {
                    self.report(
                        Table::Slot,
                        i,
                        id,
                        RuleCode::SlotMoMismatch,
                        "mo_id",
                        &format!("ресурс {} относится к подразделению {rm}; укажите его", s.resource_id),
                        &format!("resource {} belongs to subdivision {rm}; send that mo_id", s.resource_id),
                    );
                }
                Some(_) => {}
            }
            if s.status == SlotStatus::Recorded && !self.booked_slots.contains(&s.id) {
                self.report(
                    Table::Slot,
                    i,
                    id,
                    RuleCode::SlotRecordedWithoutBook,
                    "status",
                    "нет бирки со статусом 5000 на этот слот; выгрузите бирку или верните статус AVAILABLE",
                    "no book with status 5000 names this slot; upload the book or set the slot AVAILABLE",
                );
            }
            if s.status == SlotStatus::Canceled {
                continue;
            }
            let (start, end) = (s.start, s.end);
            let hit = periods.get(&s.resource_id).and_then(|ps| ps.iter().find(|(b, e, _)| start < *e && end > *b));
            if let Some(&(b, e, pid)) = hit {
                self.report(
                    Table::Slot,
                    i,
                    id,
                    RuleCode::SlotInUnavailablePeriod,
                    "visit_time",
                    &format!("ресурс недоступен с {b} по {e} (период {pid}); удалите слот или период"),
                    &format!("the resource is unavailable from {b} to {e} (period {pid}); drop the slot or the period"),
                );
            }
        }
    }

    /// A book with 5000 needs its slot RECORDED (Appendix 1, table 7).
    fn books(&mut self) {
        let d = self.data;
        for b in &d.book {
            if !b.status_code.is_active() {
                continue;
            }
            if let Some(&st) = self.slots.get(&b.slot_id)
                && st != SlotStatus::Recorded
            {
                self.report(
                    Table::Book,
                    b.i,
                    b.id,
                    RuleCode::BookSlotNotRecorded,
                    "slot_id",
                    &format!("слот {} в статусе {st}; перед биркой выгрузите слот со статусом RECORDED", b.slot_id),
                    &format!("slot {} is {st}; upload the slot as RECORDED before the book", b.slot_id),
                );
            }
        }
    }

    /// Referral statuses against active books, the target profile and the research service.
    fn referrals(&mut self) {
        let d = self.data;
        let profiles: HashSet<(Guid, &str)> =
            d.profile.iter().filter_map(|p| self.resources.get(&p.resource_id).map(|mo| (*mo, &*p.code))).collect();
        let service_codes: HashSet<&str> = d.service.iter().map(|s| &*s.code).collect();
        for (i, r) in &d.referral {
            let i = *i;
            let booked = self.booked_referrals.contains(&r.id);
            // The book of a referral to another organisation is that organisation's to upload.
            let own = self.mos.contains(&r.to_mo_id);
            match r.status {
                ReferralStatus::Recorded if own && !self.used_referrals.contains(&r.id) => self.report(
                    Table::Referral,
                    i,
                    r.id,
                    RuleCode::ReferralRecordedWithoutBook,
                    "status",
                    "ни одна бирка (5000, 5020, 5030) не ссылается на направление; выгрузите бирку записи по нему",
                    "no book (5000, 5020, 5030) names this referral; upload the book made with it",
                ),
                ReferralStatus::Available if booked => self.report(
                    Table::Referral,
                    i,
                    r.id,
                    RuleCode::ReferralAvailableWithBook,
                    "status",
                    "активная бирка ссылается на направление; установите статус RECORDED",
                    "an active book names this referral; set it RECORDED",
                ),
                _ => {}
            }
            if self.mos.contains(&r.to_mo_id) && !profiles.contains(&(r.to_mo_id, r.to_profile_code.trim())) {
                self.report(
                    Table::Referral,
                    i,
                    r.id,
                    RuleCode::ReferralProfile,
                    "to_profile_code",
                    &format!(
                        "в подразделении {} нет ресурса с профилем {}; выгрузите profilecode_resource, иначе расписание недоступно",
                        r.to_mo_id, r.to_profile_code
                    ),
                    &format!(
                        "subdivision {} has no resource with profile {}; upload a profilecode_resource or no schedule is shown",
                        r.to_mo_id, r.to_profile_code
                    ),
                );
            }
            if let ReferralKind::Research { to_service_id, .. } = &r.kind
                && !service_codes.contains(to_service_id.trim())
            {
                self.report(
                    Table::Referral,
                    i,
                    r.id,
                    RuleCode::ReferralService,
                    "to_service_id",
                    &format!("ни у одной услуги нет кода {to_service_id}; выгрузите услугу (service.code)"),
                    &format!("no service has code {to_service_id}; upload the service (service.code)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use fer_model::*;

    use super::{Dataset, DatasetExt};
    use crate::records::test_support::*;
    use crate::{RuleCode, Severity};

    /// One MO, a doctor with profile 29 and a service, a RECORDED slot with its active book, a
    /// CONSULTATION referral to profile 29 (AVAILABLE), a vacation after the slot.
    fn dataset() -> Dataset {
        let mut slot = slot();
        slot.status = SlotStatus::Recorded;
        Dataset {
            mo: vec![mo()],
            resource: vec![specialist()],
            service: vec![service()],
            slot: vec![slot],
            book: vec![book()],
            referral: vec![referral()],
            unaccessable_period: vec![period()],
            profilecode_resource: vec![profile()],
        }
    }

    #[track_caller]
    fn only_in(d: &Dataset, table: Table, code: RuleCode, pointer: &str) {
        let r = d.validate();
        assert_only(&r, code, pointer);
        assert_eq!(r.diagnostics[0].table, crate::Subject::Table(table));
    }

    #[test]
    fn consistent_dataset_passes() {
        let r = dataset().validate();
        assert!(r.is_empty(), "{r:#?}");
        assert_eq!(Table::LOAD_ORDER[0], Table::Mo);
        assert_eq!(dataset().len(Table::Slot), 1);
        assert!(Dataset::default().is_empty());
    }

    #[test]
    fn table_rules_run_too() {
        let mut d = dataset();
        d.slot[0].duration = DurationMinutes(0);
        only_in(&d, Table::Slot, RuleCode::DurationRange, "/data/0/duration");
    }

    #[test]
    fn unresolved_references() {
        let other = Guid::from_u128(0xdead);
        let mut d = dataset();
        d.resource[0].mo_id = other;
        d.slot[0].mo_id = other; // keep slot.mo_id = resource.mo_id
        let r = d.validate();
        let found: Vec<(RuleCode, &str, &str)> =
            r.diagnostics.iter().map(|x| (x.code, x.table.as_str(), x.pointer.as_str())).collect();
        assert!(found.contains(&(RuleCode::Unresolved, "resource", "/data/0/mo_id")), "{found:?}");
        assert!(found.contains(&(RuleCode::Unresolved, "slot", "/data/0/mo_id")), "{found:?}");
        for (mutate, table, pointer) in [
            (
                (|d: &mut Dataset| d.service[0].resource_id = Guid::from_u128(0xdead)) as fn(&mut Dataset),
                Table::Service,
                "/data/0/resource_id",
            ),
            (
                |d: &mut Dataset| d.unaccessable_period[0].resource_id = Guid::from_u128(0xdead),
                Table::UnaccessablePeriod,
                "/data/0/resource_id",
            ),
        ] {
            let mut d = dataset();
            mutate(&mut d);
            only_in(&d, table, RuleCode::Unresolved, pointer);
        }
        // A profile of an unknown resource does not count for the referral either.
        let mut d = dataset();
        d.profilecode_resource[0].resource_id = Guid::from_u128(0xdead);
        let r = d.validate();
        let found: Vec<(RuleCode, &str, &str)> =
            r.diagnostics.iter().map(|x| (x.code, x.table.as_str(), x.pointer.as_str())).collect();
        assert_eq!(
            found,
            [
                (RuleCode::Unresolved, "profilecode_resource", "/data/0/resource_id"),
                (RuleCode::ReferralProfile, "referral", "/data/0/to_profile_code")
            ]
        );
    }

    #[test]
    fn unresolved_book_slot_and_referral_target() {
        let mut d = dataset();
        d.book[0].slot_id = Guid::from_u128(0xdead);
        let r = d.validate();
        let found: Vec<(RuleCode, &str)> = r.diagnostics.iter().map(|x| (x.code, x.pointer.as_str())).collect();
        // The book is gone from its slot, so the RECORDED slot is warned as well.
        assert_eq!(
            found,
            [(RuleCode::Unresolved, "/data/0/slot_id"), (RuleCode::SlotRecordedWithoutBook, "/data/0/status")]
        );
    }

    #[test]
    fn a_referral_to_or_from_another_organisation_is_only_a_warning() {
        // The target subdivision is another organisation's: not in the vendor's dataset.
        let mut d = dataset();
        d.referral[0].to_mo_id = Guid::from_u128(0xdead);
        d.referral[0].to_mo_oid = "1.2.643.5.1.13.13.12.2.86.9999".parse().unwrap();
        let r = d.validate();
        assert_only_as(&r, RuleCode::ReferralOtherOrganisation, "/data/0/to_mo_id", Severity::Warning);
        // Even RECORDED without a book here: the target's MIS uploads the book.
        d.referral[0].status = ReferralStatus::Recorded;
        assert!(!d.validate().has_errors(), "{:#?}", d.validate());
        // Issued by another organisation's resource.
        let mut d = dataset();
        d.referral[0].from_resource_id = Guid::from_u128(0xdead);
        assert_only_as(
            &d.validate(),
            RuleCode::ReferralOtherOrganisation,
            "/data/0/from_resource_id",
            Severity::Warning,
        );
    }

    #[test]
    fn a_recorded_referral_whose_book_is_in_the_past_is_fine() {
        for past in [BookStatus::Success, BookStatus::PatientNotArrived] {
            let mut d = dataset();
            d.referral[0].status = ReferralStatus::Recorded;
            d.book[0].referral_id = Some(d.referral[0].id);
            d.book[0].status_code = past;
            d.slot[0].status = SlotStatus::Available;
            let r = d.validate();
            assert!(r.is_empty(), "{past:?}: {r:#?}");
        }
        // A cancelled book does not keep it RECORDED, and the advice is to upload a book, never to
        // reopen the referral.
        let mut d = dataset();
        d.referral[0].status = ReferralStatus::Recorded;
        d.book[0].referral_id = Some(d.referral[0].id);
        d.book[0].status_code = BookStatus::Canceled;
        d.slot[0].status = SlotStatus::Available;
        let r = d.validate();
        assert_only(&r, RuleCode::ReferralRecordedWithoutBook, "/data/0/status");
        assert!(!r.diagnostics[0].message_en.contains("AVAILABLE"), "{}", r.diagnostics[0].message_en);
    }

    #[test]
    fn slot_mo_must_be_the_resources() {
        let mut d = dataset();
        let mut other = mo();
        other.id = Guid::from_u128(0xbeef);
        other.name = "Другое".into();
        d.mo.push(other);
        d.slot[0].mo_id = Guid::from_u128(0xbeef);
        only_in(&d, Table::Slot, RuleCode::SlotMoMismatch, "/data/0/mo_id");
    }

    #[test]
    fn book_5000_needs_a_recorded_slot() {
        let mut d = dataset();
        d.slot[0].status = SlotStatus::Available;
        only_in(&d, Table::Book, RuleCode::BookSlotNotRecorded, "/data/0/slot_id");
        d.book[0].status_code = BookStatus::Canceled;
        assert!(d.validate().is_empty());
    }

    #[test]
    fn recorded_slot_without_active_book_is_warned() {
        let mut d = dataset();
        d.book[0].status_code = BookStatus::Canceled;
        let r = d.validate();
        assert_only_as(&r, RuleCode::SlotRecordedWithoutBook, "/data/0/status", Severity::Warning);
    }

    #[test]
    fn referral_status_against_books() {
        let mut d = dataset();
        d.referral[0].status = ReferralStatus::Recorded;
        only_in(&d, Table::Referral, RuleCode::ReferralRecordedWithoutBook, "/data/0/status");
        d.book[0].referral_id = Some(d.referral[0].id);
        assert!(d.validate().is_empty());
        d.referral[0].status = ReferralStatus::Available;
        only_in(&d, Table::Referral, RuleCode::ReferralAvailableWithBook, "/data/0/status");
    }

    #[test]
    fn referral_profile_and_service() {
        let mut d = dataset();
        d.referral[0].to_profile_code = "97".into();
        only_in(&d, Table::Referral, RuleCode::ReferralProfile, "/data/0/to_profile_code");
        let mut d = dataset();
        let name = Some("Эхокардиография".to_owned());
        d.referral[0].kind =
            ReferralKind::Research { to_service_id: "A04.10.002".into(), to_service_name: name.clone() };
        assert!(d.validate().is_empty());
        d.referral[0].kind = ReferralKind::Research { to_service_id: "B01.001.001".into(), to_service_name: name };
        only_in(&d, Table::Referral, RuleCode::ReferralService, "/data/0/to_service_id");
    }

    /// Each table read from its JSON body, then the cross-table rules over what was kept, give
    /// what the typed dataset gives.
    #[test]
    fn read_table_by_table_as_the_typed_dataset() {
        let mut cases = vec![dataset()];
        let mut d = dataset();
        d.book[0].slot_id = Guid::from_u128(0xdead);
        cases.push(d);
        let mut d = dataset();
        d.slot[0].status = SlotStatus::Available;
        cases.push(d);
        let mut d = dataset();
        d.referral[0].status = ReferralStatus::Recorded;
        cases.push(d);
        let mut d = dataset();
        d.slot[0].visit_time = ts("2026-12-19T23:50:00");
        cases.push(d);
        let mut d = dataset();
        d.profilecode_resource[0].resource_id = Guid::from_u128(0xdead);
        d.resource[0].mo_id = Guid::from_u128(0xbeef);
        cases.push(d);
        let mut d = dataset();
        let mut copy = d.slot[0].clone();
        copy.visit_time = ts("2026-12-01T08:10:00");
        d.slot.push(copy.clone());
        copy.id = Guid::from_u128(0x77);
        d.slot.push(copy);
        cases.push(d);
        for d in cases {
            let mut reader = super::DatasetReader::new();
            let mut got = Vec::new();
            for table in Table::LOAD_ORDER {
                let body = fer_model::with_record_type!(table, R => serde_json::to_vec(&BatchRef::new(d.records::<R>())).unwrap());
                got.extend(reader.read_table(table, crate::BodyForm::Json, &body[..]).unwrap().diagnostics);
            }
            got.extend(reader.cross_table().diagnostics);
            assert_eq!(got, d.validate().diagnostics);
        }
    }

    #[test]
    fn slot_in_vacation_is_warned() {
        let mut d = dataset();
        d.slot[0].visit_time = ts("2026-12-19T23:50:00");
        let r = d.validate();
        assert_only_as(&r, RuleCode::SlotInUnavailablePeriod, "/data/0/visit_time", Severity::Warning);
        // Ending exactly when the period begins is fine.
        d.slot[0].visit_time = ts("2026-12-09T23:40:00");
        assert!(d.validate().is_empty());
    }
}
