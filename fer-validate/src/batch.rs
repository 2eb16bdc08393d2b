//! Batch rules common to every table: R-310 for an id repeated inside one request (section 5,
//! Slot check 1; Appendix 2). Table-specific batch rules are [`crate::Validate::batch_rules`].

use std::collections::HashMap;

use fer_model::{Guid, Record};

use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
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

/// every record whose id was already used earlier in the request.
fn repeated_ids<T: Record>(records: &[T], out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<Guid, usize> = HashMap::with_capacity(records.len());
    let field = format!("/{}", T::TABLE.id_field());
    for (i, record) in records.iter().enumerate() {
        let id = record.id();
        if let Some(&j) = first.get(&id) {
            let prefix = format!("/data/{i}");
            Checker::new(Subject::Table(T::TABLE), RecordId::Guid(id), &prefix, out).report(
                RuleCode::R310,
                &field,
                &format!("идентификатор {id} уже использован в /data/{j}; у каждой записи свой id"),
                &format!("id {id} is already used by /data/{j}; every record needs its own id"),
            );
        } else {
            first.insert(id, i);
        }
    }
}
