//! What the Vitrina refuses when rows arrive, and the batch upsert that applies it.
//!
//! Format rules (types, lengths, dictionaries, ...) are fer-validate's and are checked by the HTTP
//! layer before rows reach the store. The rules here need the Vitrina's *state*, so only the store
//! can decide them:
//!
//! * an id repeated inside one request. Records are applied in order, so the first copy is
//!   accepted and every repeat refused (the spec's example lists the id in `sendedGuids` and in
//!   `errors`, section «Описание подсистемы Slot», check 1).
//! * a slot with the `resource_id` and `visit_time` of another slot already on the Vitrina
//!   (or earlier in the request), whatever that slot's status, an MO subdivision with the `name`
//!   of another subdivision of the same organisation (`parent_id`) (checks «Проверка на
//!   дублирование слотов по времени», «Проверка на дублировании наименование подразделения»).
//!   The keys are fer-validate's ([`fer_validate::duplicate_key`]); the storage indexes them.
//! * 403: a row of another organisation than the token's (a subdivision whose `parent_id` is not
//!   the token's MO OID, or a row under such a subdivision), sent or deleted: «Нет полномочий на
//!   выполнение запроса» (section «Коды ошибок»). Referrals are exempt: they are issued for another
//!   organisation by design.
//! * 405: rows of a blocked subdivision, sent or deleted («Обновление информации о структурных
//!   подразделениях МО [***] заблокировано», section «Коды ошибок»). The profile says the Vitrina's
//!   support blocks a subdivision that sends many technical errors («будет переведено в статус
//!   enabled = NONE»); it is not something the MIS does by sending `enabled = NONE`, which is an
//!   ordinary value («не принимает»). In the emulator a test blocks and unblocks a subdivision
//!   with `POST /sandbox/block` and `POST /sandbox/unblock`.
//! * A book of a slot the gateway booked through the EPGU (UC-1: it keeps slot → `book_ext_id`)
//!   whose id is not that `book_ext_id` («Если бронирование записи производилось через ЕПГУ, то
//!   при выгрузке бирки проверяется соответствие id бирки и book_ext_id», section «Описание
//!   подсистемы Book»). The association ends with a successful cancel (UC-1.1).
//! * A book is refused unless its slot is on the Vitrina, and an active book (5000) unless that slot
//!   is RECORDED («Перед выгрузкой бирки, необходимо выгрузить слот со статусом RECORDED», Appendix 1
//!   table 7). A book in another status (5010 after a cancel, 5020, ...) may name a slot that is
//!   AVAILABLE again.
//!
//! Other references (a slot's resource, a resource's MO) are not enforced: the spec does not say the
//! Vitrina refuses them, and fer-validate's dataset rules report them before sending.

use std::collections::{BTreeMap, HashSet};

use fer_model::{
    Book, ErrorCode, Guid, Mo, Oid, ProfilecodeResource, Referral, Resource, Service, Slot, SlotStatus,
    UnaccessablePeriod,
};
use serde_json::Value;

use super::tables::UniqueKey;
use super::{Stored, Tables};
use fer_model::with_record_type;

/// Why one record was refused; decides the HTTP status of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RefusalKind {
    /// 422, R-310 / R-330.
    Duplicate,
    /// 405: the record's subdivision is blocked by the Vitrina's support (in the emulator:
    /// `POST /sandbox/block`).
    Blocked,
    /// 403 «Нет полномочий на выполнение запроса»: the record belongs to another organisation
    /// than the one the token was issued to.
    Forbidden,
    /// 400: the record breaks a format rule or a reference rule.
    Format,
}

impl RefusalKind {
    /// The HTTP status a refusal of this kind gives the answer. When one request has refusals of
    /// several kinds, the status of the greatest kind wins (400 over 403 over 405 over 422).
    pub fn status(self) -> u16 {
        match self {
            RefusalKind::Duplicate => 422,
            RefusalKind::Blocked => 405,
            RefusalKind::Forbidden => 403,
            RefusalKind::Format => 400,
        }
    }
}

/// One refused record: why, with the code and message that go into the envelope's `errors`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    /// The class of the refusal.
    pub kind: RefusalKind,
    /// The envelope's `errorCode`.
    pub code: ErrorCode,
    /// The envelope's `errorMessage`, in Russian as the Vitrina writes them.
    pub message: String,
}

impl Refusal {
    /// A format refusal with the given code.
    pub fn format(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        Refusal { kind: RefusalKind::Format, code: code.into(), message: message.into() }
    }
}

/// The answer of the store to one batch: every record is either accepted or refused.
#[derive(Debug, Default)]
pub(crate) struct BatchOutcome {
    /// Ids of the accepted records, in request order.
    pub accepted: Vec<Guid>,
    /// Refused records: their id as written (when readable) and why.
    pub refused: Vec<(Option<String>, Refusal)>,
}

/// The spec's R-330 message for a record `id` that clashes with `other` over `key`.
fn duplicate_message(key: &UniqueKey, id: Guid, other: Guid) -> String {
    match key {
        UniqueKey::SubdivisionName { .. } => format!(
            "Структурное подразделение с идентификатором [{id}] дублирует ранее загруженное в витрину \
             структурное подразделение с таким наименованием [name] и с другим идентификатором [{other}]."
        ),
        _ => format!(
            "Слот с идентификатором [{id}] и указанным в нем ресурсом [resource_id] и временем визита \
             [visit_time] дублирует ранее загруженный в витрину слот с другим идентификатором [{other}]."
        ),
    }
}

/// The Vitrina's state-dependent rules for one table.
pub(crate) trait VitrinaRules: Stored {
    /// The subdivision (`mo.id`) the row belongs to, for the 405 rule; `None` for the subdivision
    /// itself and for rows whose subdivision is not on the Vitrina yet.
    fn subdivision(&self, _tables: &Tables) -> Option<Guid> {
        None
    }

    /// The organisation (MO OID) that owns the row, for the 403 rule: a subdivision's
    /// `parent_id`, else the `parent_id` of the row's subdivision when that is on the Vitrina.
    fn organisation(&self, tables: &Tables) -> Option<Oid> {
        self.subdivision(tables).and_then(|mo_id| tables.mo.get(&mo_id)).map(|mo| mo.parent_id.clone())
    }

    /// Reference rules the Vitrina enforces on arrival.
    fn check_references(&self, _tables: &Tables) -> Result<(), Refusal> {
        Ok(())
    }
}

fn resource_subdivision(tables: &Tables, resource_id: &Guid) -> Option<Guid> {
    tables.resource.get(resource_id).map(|r| r.mo_id)
}

impl VitrinaRules for Mo {
    fn organisation(&self, _: &Tables) -> Option<Oid> {
        Some(self.parent_id.clone())
    }
}

impl VitrinaRules for Resource {
    fn subdivision(&self, _: &Tables) -> Option<Guid> {
        Some(self.mo_id)
    }
}

impl VitrinaRules for Service {
    fn subdivision(&self, tables: &Tables) -> Option<Guid> {
        resource_subdivision(tables, &self.resource_id)
    }
}

impl VitrinaRules for ProfilecodeResource {
    fn subdivision(&self, tables: &Tables) -> Option<Guid> {
        resource_subdivision(tables, &self.resource_id)
    }
}

impl VitrinaRules for UnaccessablePeriod {
    fn subdivision(&self, tables: &Tables) -> Option<Guid> {
        resource_subdivision(tables, &self.resource_id)
    }
}

impl VitrinaRules for Slot {
    fn subdivision(&self, _: &Tables) -> Option<Guid> {
        Some(self.mo_id)
    }
}

impl VitrinaRules for Referral {
    fn subdivision(&self, _: &Tables) -> Option<Guid> {
        Some(self.to_mo_id)
    }

    /// None: a referral is issued by one organisation for another (`to_mo_id` is the target's),
    /// so the issuer writing it is not writing another organisation's rows.
    fn organisation(&self, _: &Tables) -> Option<Oid> {
        None
    }
}

impl VitrinaRules for Book {
    fn subdivision(&self, tables: &Tables) -> Option<Guid> {
        tables.slot.get(&self.slot_id).map(|s| s.mo_id)
    }

    fn check_references(&self, tables: &Tables) -> Result<(), Refusal> {
        if let Some(ext) = tables.gateway_book(&self.slot_id)
            && ext != self.id
        {
            return Err(Refusal::format(
                crate::codes::BOOK_EXT_ID,
                format!(
                    "Бирка с идентификатором [{}]: слот [{}] забронирован через ЕПГУ с book_ext_id [{ext}]; id бирки и \
                     book_ext_id не совпадают, бирка не выгружена.",
                    self.id, self.slot_id
                ),
            ));
        }
        let message = match tables.slot.get(&self.slot_id) {
            Some(slot) if slot.status == SlotStatus::Recorded || !self.status_code.is_active() => return Ok(()),
            Some(slot) => format!(
                "Бирка с идентификатором [{}] в статусе {}: слот [{}] находится в статусе {}; перед выгрузкой бирки \
                 необходимо выгрузить слот со статусом RECORDED.",
                self.id,
                self.status_code.code(),
                self.slot_id,
                slot.status
            ),
            None => format!(
                "Бирка с идентификатором [{}]: слот [{}] не найден в витрине; перед выгрузкой бирки необходимо \
                 выгрузить слот со статусом RECORDED.",
                self.id, self.slot_id
            ),
        };
        Err(Refusal::format(crate::codes::SLOT_NOT_RECORDED, message))
    }
}

/// The record's id as written, for the envelope of a record that could not be parsed.
pub(crate) fn raw_id(table: fer_model::Table, raw: &Value) -> Option<String> {
    match raw.get(table.id_field())? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Who sends a request and how strictly it is judged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Admission<'a> {
    /// The organisation the token was issued to; `None` skips the 403 rule (internal callers).
    pub caller: Option<&'a Oid>,
    /// The `strict` profile: fer-validate's transition and cross-table rules apply to the stored
    /// state too ([`crate::EmulatorConfig::strict`]).
    pub strict: bool,
}

/// Applies one request's records to the tables, in order, with no caller and the default profile.
#[cfg(test)]
pub(crate) fn upsert_batch<T: VitrinaRules>(
    tables: &mut Tables,
    records: Vec<Value>,
    pre_refused: BTreeMap<usize, Refusal>,
) -> BatchOutcome {
    upsert_batch_as::<T>(tables, records, pre_refused, &Admission::default())
}

/// Applies one request's records to the tables, in order. `pre_refused` holds the records the
/// format check already refused (by index in `records`); they are reported and skipped.
pub(crate) fn upsert_batch_as<T: VitrinaRules>(
    tables: &mut Tables,
    records: Vec<Value>,
    mut pre_refused: BTreeMap<usize, Refusal>,
    admission: &Admission<'_>,
) -> BatchOutcome {
    let mut outcome = BatchOutcome::default();
    let mut seen = HashSet::new();

    for (index, raw) in records.into_iter().enumerate() {
        let written_id = raw_id(T::TABLE, &raw);
        if let Some(refusal) = pre_refused.remove(&index) {
            outcome.refused.push((written_id, refusal));
            continue;
        }
        let record: T = match serde_json::from_value(raw) {
            Ok(record) => record,
            Err(e) => {
                let message = format!("{} №{index} ({}): {e}", T::TABLE.name_ru(), T::TABLE);
                outcome.refused.push((written_id, Refusal::format(crate::codes::FORMAT, message)));
                continue;
            }
        };
        let id = record.id();
        match admit(tables, &mut seen, &record, admission) {
            Ok(()) => {
                tables.put(record);
                outcome.accepted.push(id);
            }
            Err(refusal) => outcome.refused.push((Some(id.to_string()), refusal)),
        }
    }
    outcome
}

/// The 405 rule: a row of a blocked subdivision (the subdivision itself included) may be neither
/// sent nor deleted. Blocking is the Vitrina support's act («подразделение будет переведено в
/// статус enabled = NONE»), a sandbox control here; `enabled = NONE` sent by the MIS is an ordinary
/// value («не принимает») and blocks nothing.
pub(crate) fn blocked<T: VitrinaRules>(tables: &Tables, record: &T) -> Result<(), Refusal> {
    let own = (T::TABLE == fer_model::Table::Mo).then(|| record.id());
    match own.or_else(|| record.subdivision(tables)) {
        Some(mo_id) if tables.is_blocked(&mo_id) => Err(Refusal {
            kind: RefusalKind::Blocked,
            code: ErrorCode::Other(crate::codes::BLOCKED.to_owned()),
            message: format!(
                "Обновление информации о структурных подразделениях МО [{mo_id}] заблокировано. Для разъяснения \
                 обратитесь в группу сопровождения."
            ),
        }),
        _ => Ok(()),
    }
}

/// The 403 rule: a token writes (or deletes) only its own organisation's rows: «Нет полномочий на
/// выполнение запроса» (section «Коды ошибок»). A row's organisation is its subdivision's
/// `parent_id`; a row whose subdivision is not on the Vitrina yet is not judged here.
pub(crate) fn forbidden<T: VitrinaRules>(tables: &Tables, caller: Option<&Oid>, record: &T) -> Result<(), Refusal> {
    let Some(caller) = caller else { return Ok(()) };
    let stored = T::rows(tables).get(&record.id()).and_then(|row| row.organisation(tables));
    for owner in [record.organisation(tables), stored].into_iter().flatten() {
        if &owner != caller {
            return Err(Refusal {
                kind: RefusalKind::Forbidden,
                code: ErrorCode::Other(crate::codes::FORBIDDEN.to_owned()),
                message: format!(
                    "Нет полномочий на выполнение запроса: запись «{}» [{}] относится к организации {owner}, \
                     а токен выдан организации {caller}.",
                    T::TABLE.name_ru(),
                    record.id()
                ),
            });
        }
    }
    Ok(())
}

/// The 403 rule for the stored row `id` of `table`, before it is deleted.
pub(crate) fn forbidden_row(tables: &Tables, caller: &Oid, table: fer_model::Table, id: &Guid) -> Result<(), Refusal> {
    with_record_type!(table, T => T::rows(tables).get(id).map_or(Ok(()), |row| forbidden(tables, Some(caller), row)))
}

/// The 405 rule for the stored row `id` of `table`, before it is deleted.
pub(crate) fn blocked_row(tables: &Tables, table: fer_model::Table, id: &Guid) -> Result<(), Refusal> {
    with_record_type!(table, T => T::rows(tables).get(id).map_or(Ok(()), |row| blocked(tables, row)))
}

/// Decides whether one parsed record may enter the tables.
fn admit<T: VitrinaRules>(
    tables: &Tables,
    seen: &mut HashSet<Guid>,
    record: &T,
    admission: &Admission<'_>,
) -> Result<(), Refusal> {
    let id = record.id();
    let table = T::TABLE;
    if !seen.insert(id) {
        return Err(Refusal {
            kind: RefusalKind::Duplicate,
            code: ErrorCode::R310,
            message: format!(
                "В записи «{}» с идентификатором '{id}': уникальный идентификатор [{}] имеет дубликат внутри запроса",
                table.name_ru(),
                table.id_field()
            ),
        });
    }
    forbidden(tables, admission.caller, record)?;
    blocked(tables, record)?;
    if let Some(key) = fer_validate::duplicate_key(record)
        && let Some(other) = tables.key_owner(&key)
        && other != id
    {
        return Err(Refusal {
            kind: RefusalKind::Duplicate,
            code: ErrorCode::R330,
            message: duplicate_message(&key, id, other),
        });
    }
    record.check_references(tables)?;
    if admission.strict {
        crate::store::strict::check(tables, record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn slot(id: &str, resource: &str, time: &str) -> Value {
        json!({"id": id, "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818", "resource_id": resource,
               "tag_type": "EPGU", "tag_age": "ALL", "visit_time": time, "duration": 20,
               "status": "AVAILABLE", "create_ts": "2023-10-01T09:00:00"})
    }

    const R1: &str = "1919135c-7c9e-4564-a8b4-29aff7adfe72";
    const A1: &str = "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f";
    const A2: &str = "aaaaaaa2-5eff-49b8-9d07-ff2486162b3f";

    #[test]
    fn repeated_id_accepts_the_first_copy() {
        let mut t = Tables::default();
        let out = upsert_batch::<Slot>(
            &mut t,
            vec![slot(A1, R1, "2024-03-28T05:00:00"), slot(A1, R1, "2024-03-29T05:00:00")],
            BTreeMap::new(),
        );
        assert_eq!(out.accepted.len(), 1);
        assert_eq!(out.refused[0].1.code, ErrorCode::R310);
        assert_eq!(t.slot.len(), 1);
    }

    #[test]
    fn same_resource_and_time_is_r330_but_an_update_of_the_same_id_is_not() {
        let mut t = Tables::default();
        upsert_batch::<Slot>(&mut t, vec![slot(A1, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        let out = upsert_batch::<Slot>(&mut t, vec![slot(A2, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        assert_eq!(out.refused[0].1.code, ErrorCode::R330);
        assert!(out.refused[0].1.message.contains(A1));
        // Moving A1 frees its old time for A2.
        let out = upsert_batch::<Slot>(
            &mut t,
            vec![slot(A1, R1, "2024-03-28T06:00:00"), slot(A2, R1, "2024-03-28T05:00:00")],
            BTreeMap::new(),
        );
        assert_eq!(out.accepted.len(), 2, "{:?}", out.refused);
    }

    #[test]
    fn a_deleted_slot_frees_its_time() {
        let mut t = Tables::default();
        upsert_batch::<Slot>(&mut t, vec![slot(A1, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        let a1: Guid = A1.parse().unwrap();
        assert_eq!(crate::store::cascade::delete(&mut t, fer_model::Table::Slot, a1).len(), 1);
        let out = upsert_batch::<Slot>(&mut t, vec![slot(A2, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        assert_eq!(out.accepted.len(), 1, "{:?}", out.refused);
        // The index now names A2: A1 coming back at that time is a duplicate of A2.
        let out = upsert_batch::<Slot>(&mut t, vec![slot(A1, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        assert_eq!(out.refused[0].1.code, ErrorCode::R330);
        assert!(out.refused[0].1.message.contains(A2));
    }

    #[test]
    fn a_refused_record_leaves_the_index_as_it_was() {
        let mut t = Tables::default();
        upsert_batch::<Slot>(&mut t, vec![slot(A1, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        // A2 is refused, so it must not take A1's time even after A1 moves.
        upsert_batch::<Slot>(&mut t, vec![slot(A2, R1, "2024-03-28T05:00:00")], BTreeMap::new());
        upsert_batch::<Slot>(&mut t, vec![slot(A1, R1, "2024-03-28T07:00:00")], BTreeMap::new());
        let key = UniqueKey::SlotTime {
            resource_id: R1.parse().unwrap(),
            visit_time: "2024-03-28T05:00:00".parse().unwrap(),
        };
        assert_eq!(t.key_owner(&key), None);
        let moved = UniqueKey::SlotTime {
            resource_id: R1.parse().unwrap(),
            visit_time: "2024-03-28T07:00:00".parse().unwrap(),
        };
        assert_eq!(t.key_owner(&moved), Some(A1.parse().unwrap()));
    }

    #[test]
    fn unparsable_record_is_a_format_refusal_with_its_written_id() {
        let mut t = Tables::default();
        let mut bad = slot(A1, R1, "2024-03-28T05:00:00");
        bad["status"] = json!("LOST");
        let out = upsert_batch::<Slot>(&mut t, vec![bad], BTreeMap::new());
        assert_eq!(out.refused[0].0.as_deref(), Some(A1));
        assert_eq!(out.refused[0].1.kind, RefusalKind::Format);
        assert!(out.refused[0].1.message.contains("LOST"));
    }
}
