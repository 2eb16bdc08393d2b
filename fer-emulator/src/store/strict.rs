//! The `strict` profile ([`EmulatorConfig::strict`](crate::EmulatorConfig::strict)): fer-validate's
//! state rules applied to what is stored, for vendors who want their tests to fail on data the SDK
//! calls wrong even where the Vitrina would take it.
//!
//! * a slot's status change against the stored slot ([`fer_validate::validate_slot_update`],
//!   V040);
//! * every reference of the row ([`Record::parents`](fer_model::Record::parents)) names a row on
//!   the Vitrina (V060), except a referral's, which may name another organisation's rows;
//! * a slot's `mo_id` is its resource's (V061).

use std::any::Any;

use fer_model::{Slot, Table};
use fer_validate::RuleCode;

use super::rules::{Refusal, VitrinaRules};
use super::{Stored, Tables};
use fer_model::with_record_type;

/// The strict profile's rules for one record about to be stored.
pub(crate) fn check<T: VitrinaRules>(tables: &Tables, record: &T) -> Result<(), Refusal> {
    if T::TABLE != Table::Referral {
        for parent in record.parents() {
            let present = with_record_type!(parent.table, P => P::rows(tables).contains_key(&parent.id));
            if !present {
                return Err(Refusal::format(
                    RuleCode::Unresolved.as_str(),
                    format!(
                        "{} [{}]: {} [{}] ({}) не найден в витрине; выгрузите его раньше (порядок загрузки)",
                        T::TABLE.name_ru(),
                        record.id(),
                        parent.table.name_ru(),
                        parent.id,
                        parent.field
                    ),
                ));
            }
        }
    }
    if let Some(slot) = (record as &dyn Any).downcast_ref::<Slot>() {
        if let Some(resource) = tables.resource.get(&slot.resource_id)
            && resource.mo_id != slot.mo_id
        {
            return Err(Refusal::format(
                RuleCode::SlotMoMismatch.as_str(),
                format!(
                    "Слот [{}]: ресурс [{}] относится к подразделению [{}], а не [{}]",
                    slot.id, slot.resource_id, resource.mo_id, slot.mo_id
                ),
            ));
        }
        if let Some(stored) = tables.slot.get(&slot.id) {
            let report = fer_validate::validate_slot_update(stored, slot);
            if let Some(d) = report.errors().find(|d| d.code == RuleCode::SlotTransition) {
                return Err(Refusal::format(d.code.as_str(), format!("Слот [{}]: {}", slot.id, d.message_ru)));
            }
        }
    }
    Ok(())
}
