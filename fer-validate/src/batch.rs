//! Batch rules common to every table: R-310 for an id repeated inside one request (section 5,
//! Slot check 1; Appendix 2) and R-330 for a record whose unique key ([`crate::keys`]) another
//! record of the request already holds. Table-specific batch rules are
//! [`crate::Validate::batch_rules`] (overlapping slots, [`crate::records::SlotSpans`]).
//!
//! R-330 is judged as the Vitrina applies a request: record by record, in order. A record the
//! Vitrina refuses anyway (an error of its own, or an id repeated in the request) never takes its
//! key, so it makes no later record a duplicate: a vendor whose first copy is broken still gets the
//! second one through.
//!
//! The rules run record by record ([`BatchState`]) and keep compact indexes, not records: each id
//! with the index of its first use, each unique key with its holder, and each slot's span. The same
//! state serves typed batches ([`batch_into`]) and raw bodies read record by record.

use std::any::Any;

use fer_model::{Guid, Record, Slot};

use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::ids::{IdHashBuilder, IdMap, IdSet};
use crate::keys::{DuplicateKey, duplicate_key, has_duplicate_key};
use crate::records::SlotSpans;
use crate::{Diagnostic, RuleCode, Validate};

/// Every single-record rule of each record with pointers `/data/<i>/…`, R-310, R-330 and the
/// table's own batch rules, appended to `out`.
pub(crate) fn batch_into<T: Record + Validate>(records: &[T], out: &mut Vec<Diagnostic>) {
    batch_into_refusing(records, &[], out);
}

/// [`batch_into`] where `refused[i]` marks a record already refused by checks the typed rules do
/// not see (the raw JSON checks): it keeps no unique key.
pub(crate) fn batch_into_refusing<T: Record + Validate>(records: &[T], refused: &[bool], out: &mut Vec<Diagnostic>) {
    let mut state = BatchState::<T>::new("/data", records.len());
    let mut prefix = String::new();
    for (i, record) in records.iter().enumerate() {
        let report = record.validate();
        let refused = report.has_errors() || refused.get(i).copied().unwrap_or(false);
        if !report.diagnostics.is_empty() {
            record_prefix(&mut prefix, "/data", i);
        }
        out.extend(report.diagnostics.into_iter().map(|mut d| {
            d.pointer.insert_str(0, &prefix);
            d
        }));
        state.push(i, record, refused);
    }
    state.finish_into(out);
}

/// `<prefix>/<i>` into `buf`, without `core::fmt` (one per record of a million-record body).
pub(crate) fn record_prefix(buf: &mut String, prefix: &str, i: usize) {
    buf.clear();
    buf.push_str(prefix);
    buf.push('/');
    buf.push_str(itoa::Buffer::new().format(i));
}

/// The holders of unique keys: a slot's key as its resource and its start in seconds (48 bytes
/// a slot with its holder); the rare other keys as they are.
#[derive(Default)]
struct Owners {
    slots: IdMap<(Guid, i64), (u32, Guid)>,
    others: IdMap<DuplicateKey, (u32, Guid)>,
}

impl Owners {
    fn get(&self, key: &DuplicateKey) -> Option<&(u32, Guid)> {
        match key {
            DuplicateKey::SlotTime { resource_id, visit_time } => {
                self.slots.get(&(*resource_id, visit_time.naive().and_utc().timestamp()))
            }
            other => self.others.get(other),
        }
    }

    fn insert(&mut self, key: DuplicateKey, holder: (u32, Guid)) {
        match key {
            DuplicateKey::SlotTime { resource_id, visit_time } => {
                self.slots.insert((resource_id, visit_time.naive().and_utc().timestamp()), holder);
            }
            other => {
                self.others.insert(other, holder);
            }
        }
    }
}

/// The batch rules of one request, fed record by record in order.
pub(crate) struct BatchState<T> {
    /// The body's pointer to the records (`/data`, or empty for a bare array).
    prefix: &'static str,
    /// Every id seen (17 bytes an entry: a million ids stay cache-friendly), and the ids in
    /// order, from which the index of an id's first use is found only when an id repeats.
    seen: IdSet<Guid>,
    ids: Vec<Guid>,
    first_use: Option<IdMap<Guid, u32>>,
    /// Each unique key with the index and id of the record that holds it.
    owners: Owners,
    keyed: bool,
    spans: Option<SlotSpans>,
    r310: Vec<Diagnostic>,
    r330: Vec<Diagnostic>,
    _table: std::marker::PhantomData<fn(&T)>,
}

impl<T: Record> BatchState<T> {
    /// The state of an empty request whose records are at `<prefix>/<i>`; `hint` records expected.
    pub(crate) fn new(prefix: &'static str, hint: usize) -> Self {
        let is_slot = std::any::TypeId::of::<T>() == std::any::TypeId::of::<Slot>();
        BatchState {
            prefix,
            seen: IdSet::with_capacity_and_hasher(hint, IdHashBuilder),
            ids: Vec::with_capacity(hint),
            first_use: None,
            owners: Owners {
                slots: IdMap::with_capacity_and_hasher(if is_slot { hint } else { 0 }, IdHashBuilder),
                others: IdMap::with_hasher(IdHashBuilder),
            },
            keyed: has_duplicate_key::<T>(),
            spans: is_slot.then(SlotSpans::default),
            r310: Vec::new(),
            r330: Vec::new(),
            _table: std::marker::PhantomData,
        }
    }

    /// Record `i` of the body, `refused` when a rule already refused it (it then holds no key).
    pub(crate) fn push(&mut self, i: usize, record: &T, mut refused: bool) {
        let id = record.id();
        let index = u32::try_from(i).unwrap_or(u32::MAX);
        if !self.seen.insert(id) {
            refused = true;
            let ids = &self.ids;
            let first = self.first_use.get_or_insert_with(|| {
                let mut m = IdMap::with_capacity_and_hasher(ids.len(), IdHashBuilder);
                for (k, g) in ids.iter().enumerate().rev() {
                    m.insert(*g, u32::try_from(k).unwrap_or(u32::MAX));
                }
                m
            });
            let j = *first.entry(id).or_insert(index);
            let mut prefix = String::new();
            record_prefix(&mut prefix, self.prefix, i);
            let other = format!("{}/{j}", self.prefix_for_message());
            Checker::new(Subject::Table(T::TABLE), RecordId::Guid(id), &prefix, &mut self.r310).report(
                RuleCode::R310,
                &format!("/{}", T::TABLE.id_field()),
                &format!("идентификатор {id} уже использован в {other}; у каждой записи свой id"),
                &format!("id {id} is already used by {other}; every record needs its own id"),
            );
        } else if let Some(first) = &mut self.first_use {
            first.insert(id, index);
        }
        self.ids.push(id);
        if self.keyed {
            self.key(i, record, refused);
        }
        if let Some(spans) = &mut self.spans
            && let Some(slot) = (record as &dyn Any).downcast_ref::<Slot>()
        {
            spans.push(i, slot);
        }
    }

    /// The pointer messages use for other records: the body's own (`/data`, or empty).
    fn prefix_for_message(&self) -> &'static str {
        self.prefix
    }

    /// a record whose unique key a record accepted earlier holds under another id.
    fn key(&mut self, i: usize, record: &T, refused: bool) {
        let Some(key) = duplicate_key(record) else { return };
        let id = record.id();
        match self.owners.get(&key) {
            Some(&(j, other)) if other != id => {
                let mut prefix = String::new();
                record_prefix(&mut prefix, self.prefix, i);
                let at = format!("{}/{j}", self.prefix_for_message());
                let (ru, en) = match &key {
                    DuplicateKey::SubdivisionName { parent_id, .. } => (
                        format!(
                            "наименование совпадает с подразделением {other} ({at}) той же организации \
                             {parent_id}; имена подразделений одной МО должны быть уникальны"
                        ),
                        format!(
                            "the name equals that of subdivision {other} ({at}) of the same organisation \
                             {parent_id}; subdivision names of one MO must be unique"
                        ),
                    ),
                    DuplicateKey::SlotTime { resource_id, visit_time } => (
                        format!(
                            "ресурс {resource_id} уже имеет слот {other} на {visit_time} ({at}), в каком бы \
                             статусе он ни был; один ресурс – один слот на время"
                        ),
                        format!(
                            "resource {resource_id} already has slot {other} at {visit_time} ({at}), whatever \
                             its status; one slot per resource and time"
                        ),
                    ),
                };
                Checker::new(Subject::Table(T::TABLE), RecordId::Guid(id), &prefix, &mut self.r330).report(
                    RuleCode::R330,
                    &format!("/{}", key.field()),
                    &ru,
                    &en,
                );
            }
            Some(_) => {}
            None if !refused => {
                self.owners.insert(key, (u32::try_from(i).unwrap_or(u32::MAX), id));
            }
            None => {}
        }
    }

    /// R-310, then R-330, then the table's own batch rules, appended to `out`.
    pub(crate) fn finish_into(self, out: &mut Vec<Diagnostic>) {
        out.extend(self.r310);
        out.extend(self.r330);
        if let Some(spans) = self.spans {
            spans.overlaps_into(self.prefix, out);
        }
    }
}
