//! Batch rules common to every table: R-310 for an id repeated inside one request (section 5,
//! Slot check 1; Appendix 2) and R-330 for a record whose unique key ([`crate::keys`]) another
//! record of the request already holds. Table-specific batch rules are
//! [`crate::Validate::batch_rules`].
//!
//! R-330 is judged as the Vitrina applies a request: record by record, in order. A record the
//! Vitrina refuses anyway (an error of its own, or an id repeated in the request) never takes its
//! key, so it makes no later record a duplicate: a vendor whose first copy is broken still gets the
//! second one through.

use std::collections::HashMap;

use fer_model::{Guid, Record};

use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::ids::{IdHashBuilder, IdMap, IdSet};
use crate::keys::{DuplicateKey, duplicate_key, has_duplicate_key};
use crate::{Diagnostic, RuleCode, Validate};

/// Every single-record rule of each record with pointers `/data/<i>/…`, R-310, R-330 and the
/// table's own batch rules, appended to `out`.
pub(crate) fn batch_into<T: Record + Validate>(records: &[T], out: &mut Vec<Diagnostic>) {
    batch_into_refusing(records, &[], out);
}

/// [`batch_into`] where `refused[i]` marks a record already refused by checks the typed rules do
/// not see (the raw JSON checks): it keeps no unique key.
pub(crate) fn batch_into_refusing<T: Record + Validate>(records: &[T], refused: &[bool], out: &mut Vec<Diagnostic>) {
    let mut refused = refused.to_vec();
    refused.resize(records.len(), false);
    for (i, record) in records.iter().enumerate() {
        let report = record.validate();
        refused[i] |= report.has_errors();
        out.extend(report.diagnostics.into_iter().map(|mut d| {
            d.pointer = format!("/data/{i}{}", d.pointer);
            d
        }));
    }
    let repeats = repeated_ids(records, out);
    for i in repeats {
        refused[i] = true;
    }
    repeated_keys(records, &refused, out);
    out.extend(T::batch_rules(records).diagnostics);
}

/// every record whose unique key a record accepted earlier in the request holds under
/// another id ([`crate::keys`]).
fn repeated_keys<T: Record>(records: &[T], refused: &[bool], out: &mut Vec<Diagnostic>) {
    if !has_duplicate_key::<T>() {
        return;
    }
    let mut owners: HashMap<DuplicateKey, (usize, Guid)> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        let Some(key) = duplicate_key(record) else { return };
        let id = record.id();
        match owners.get(&key) {
            Some(&(j, other)) if other != id => {
                let prefix = format!("/data/{i}");
                let (ru, en) = match &key {
                    DuplicateKey::SubdivisionName { parent_id, .. } => (
                        format!(
                            "наименование совпадает с подразделением {other} (/data/{j}) той же организации \
                             {parent_id}; имена подразделений одной МО должны быть уникальны"
                        ),
                        format!(
                            "the name equals that of subdivision {other} (/data/{j}) of the same organisation \
                             {parent_id}; subdivision names of one MO must be unique"
                        ),
                    ),
                    DuplicateKey::SlotTime { resource_id, visit_time } => (
                        format!(
                            "ресурс {resource_id} уже имеет слот {other} на {visit_time} (/data/{j}), в каком бы \
                             статусе он ни был; один ресурс – один слот на время"
                        ),
                        format!(
                            "resource {resource_id} already has slot {other} at {visit_time} (/data/{j}), whatever \
                             its status; one slot per resource and time"
                        ),
                    ),
                };
                Checker::new(Subject::Table(T::TABLE), RecordId::Guid(id), &prefix, out).report(
                    RuleCode::R330,
                    &format!("/{}", key.field()),
                    &ru,
                    &en,
                );
            }
            Some(_) => {}
            None if !refused[i] => {
                owners.insert(key, (i, id));
            }
            None => {}
        }
    }
}

/// every record whose id was already used earlier in the request (returned by index). The
/// set holds ids only (16 bytes each, for cache locality over a million records); the first use of
/// a repeated id is looked up only when a repeat is found.
fn repeated_ids<T: Record>(records: &[T], out: &mut Vec<Diagnostic>) -> Vec<usize> {
    let mut repeats = Vec::new();
    let mut seen: IdSet<Guid> = IdSet::with_capacity_and_hasher(records.len(), IdHashBuilder);
    let field = format!("/{}", T::TABLE.id_field());
    let mut first_use: Option<IdMap<Guid, usize>> = None;
    for (i, record) in records.iter().enumerate() {
        let id = record.id();
        if !seen.insert(id) {
            repeats.push(i);
            let first = first_use.get_or_insert_with(|| {
                let mut m = IdMap::with_capacity_and_hasher(records.len(), IdHashBuilder);
                for (k, r) in records.iter().enumerate().rev() {
                    m.insert(r.id(), k);
                }
                m
            });
            let j = first.get(&id).copied().unwrap_or(i);
            let prefix = format!("/data/{i}");
            Checker::new(Subject::Table(T::TABLE), RecordId::Guid(id), &prefix, out).report(
                RuleCode::R310,
                &field,
                &format!("идентификатор {id} уже использован в /data/{j}; у каждой записи свой id"),
                &format!("id {id} is already used by /data/{j}; every record needs its own id"),
            );
        }
    }
    repeats
}
