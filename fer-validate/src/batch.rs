//! Batch rules common to every table: R-310 for an id repeated inside one request (section 5,
//! Slot check 1; Appendix 2). Table-specific batch rules are [`crate::Validate::batch_rules`].

use fer_model::{Guid, Record};

use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::ids::{IdHashBuilder, IdMap, IdSet};
use crate::{Diagnostic, RuleCode, Validate};

/// Every single-record rule of each record with pointers `/data/<i>/…`, R-310, and the table's own
/// batch rules, appended to `out`.
pub(crate) fn batch_into<T: Record + Validate>(records: &[T], out: &mut Vec<Diagnostic>) {
    for (i, record) in records.iter().enumerate() {
        let report = record.validate();
        out.extend(report.diagnostics.into_iter().map(|mut d| {
            d.pointer = format!("/data/{i}{}", d.pointer);
            d
        }));
    }
    repeated_ids(records, out);
    out.extend(T::batch_rules(records).diagnostics);
}

/// every record whose id was already used earlier in the request. The set holds ids only
/// (16 bytes each, for cache locality over a million records); the first use of a repeated id is
/// looked up only when a repeat is found.
fn repeated_ids<T: Record>(records: &[T], out: &mut Vec<Diagnostic>) {
    let mut seen: IdSet<Guid> = IdSet::with_capacity_and_hasher(records.len(), IdHashBuilder);
    let field = format!("/{}", T::TABLE.id_field());
    let mut first_use: Option<IdMap<Guid, usize>> = None;
    for (i, record) in records.iter().enumerate() {
        let id = record.id();
        if !seen.insert(id) {
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
}
