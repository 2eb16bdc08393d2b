//! Table 4 – Slot (Appendix 1): duration, `tag_type`, status transitions; the batch rule on
//! overlapping slots of one resource. R-330 (same resource and visit time) is [`crate::keys`].

use chrono::NaiveDateTime;
use fer_model::{Guid, Slot, SlotStatus, Table};

use super::{CheckRecord, run};
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::{Report, RuleCode, Validate};

/// The longest slot: a day.
const MAX_DURATION_MINUTES: u32 = 24 * 60;

impl CheckRecord for Slot {
    const SUBJECT: Subject = Subject::Table(Table::Slot);

    fn record_id(&self) -> RecordId<'_> {
        RecordId::Guid(self.id)
    }

    fn check(&self, c: &mut Checker<'_>) {
        duration_range(c, "/duration", self.duration.minutes());
        if self.tag_type.is_empty() {
            c.report(
                RuleCode::TagTypeEmpty,
                "/tag_type",
                "укажите хотя бы одно значение, например EPGU",
                "send at least one value, e.g. EPGU",
            );
        }
    }
}

/// A duration must be above 0 and at most a day.
pub(crate) fn duration_range(c: &mut Checker<'_>, pointer: &str, minutes: u32) {
    if minutes == 0 || minutes > MAX_DURATION_MINUTES {
        c.report(
            RuleCode::DurationRange,
            pointer,
            &format!("{minutes} мин.; допустимо от 1 до {MAX_DURATION_MINUTES}"),
            &format!("{minutes} minutes; allowed 1 to {MAX_DURATION_MINUTES}"),
        );
    }
}

impl Validate for Slot {
    fn validate(&self) -> Report {
        run(self)
    }

    /// A warning for slots of one resource that overlap (CANCELED slots left out). Two slots of
    /// one resource at the same `visit_time` are R-330 whatever their status, a rule common to
    /// the keyed tables ([`crate::keys`]).
    fn batch_rules(records: &[Self]) -> Report {
        let mut spans = SlotSpans::default();
        for (i, s) in records.iter().enumerate() {
            spans.push(i, s);
        }
        let mut out = Vec::new();
        spans.overlaps_into("/data", &mut out);
        Report { diagnostics: out }
    }
}

/// The spans of a request's slots, kept as plain integers for the overlap rule ([`Slot`]'s
/// [`Validate::batch_rules`]): resource, start and end in seconds, index and id. Far cheaper to
/// sort than the GUID and chrono types, and no record is kept, which matters for a million slots.
#[derive(Debug, Default)]
pub(crate) struct SlotSpans {
    spans: Vec<Span>,
}

/// 56 bytes: the resource as two `u64` halves (a `u128` would align the span to 16 bytes).
#[derive(Debug, Clone, Copy)]
struct Span {
    resource: (u64, u64),
    start: i64,
    end: i64,
    index: u32,
    id: Guid,
}

fn at_seconds(s: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(s, 0).map(|d| d.naive_utc()).unwrap_or_default()
}

impl SlotSpans {
    /// Slot `i` of the request (a CANCELED slot takes no time).
    pub(crate) fn push(&mut self, i: usize, slot: &Slot) {
        if slot.status == SlotStatus::Canceled {
            return;
        }
        let start = slot.visit_time.naive().and_utc().timestamp();
        let resource = slot.resource_id.as_uuid().as_u64_pair();
        self.spans.push(Span {
            resource,
            start,
            index: u32::try_from(i).unwrap_or(u32::MAX),
            // `Slot::end_time` in seconds, without chrono's arithmetic.
            end: start + i64::from(slot.duration.minutes()) * 60,
            id: slot.id,
        });
    }

    /// [`RuleCode::SlotOverlap`] for every slot that starts before an earlier slot of its resource
    /// ends, with pointers `<prefix>/<i>/visit_time`.
    pub(crate) fn overlaps_into(mut self, prefix: &str, out: &mut Vec<crate::Diagnostic>) {
        self.spans.sort_unstable_by_key(|s| (s.resource, s.start, s.index));
        // The slot of the current resource that ends last so far, and the one before.
        let mut reach: Option<Span> = None;
        let mut prev: Option<Span> = None;
        for &span in &self.spans {
            // The same start is R-330 ([`crate::keys`]), not an overlap.
            if let Some(p) = prev
                && p.resource == span.resource
                && p.start == span.start
            {
            } else if let Some(r) = reach
                && r.resource == span.resource
                && span.start < r.end
                && r.start != span.start
            {
                let (start, end, j) = (at_seconds(span.start), at_seconds(r.end), r.index);
                let other = r.id;
                let at = format!("{prefix}/{}", span.index);
                Checker::new(Slot::SUBJECT, RecordId::Guid(span.id), &at, out).report(
                    RuleCode::SlotOverlap,
                    "/visit_time",
                    &format!("начинается в {start}, до окончания слота {other} ({prefix}/{j}) в {end}"),
                    &format!("starts at {start}, before slot {other} ({prefix}/{j}) ends at {end}"),
                );
            }
            prev = Some(span);
            match reach {
                Some(r) if r.resource == span.resource && r.end >= span.end => {}
                _ => reach = Some(span),
            }
        }
    }
}

/// Checks a change of a slot already on the Vitrina: `previous` is the stored state, `next` the one
/// being sent. Reports [`RuleCode::SlotTransition`] at `/status` when the life cycle does not allow
/// the change ([`SlotStatus::can_transition_to`]; UC-1 and UC-1.1), plus every rule of
/// [`Validate`] on `next`.
///
/// ```
/// use fer_model::SlotStatus;
/// # let json = r#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818",
/// #   "resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72","tag_type":"EPGU","tag_age":"ALL",
/// #   "visit_time":"2024-03-28T05:00:00","duration":20,"create_ts":"2023-10-01T09:00:00","status":"CANCELED"}"#;
/// let stored: fer_model::Slot = serde_json::from_str(json).unwrap();
/// let mut next = stored.clone();
/// next.status = SlotStatus::Available;
/// let report = fer_validate::validate_slot_update(&stored, &next);
/// assert_eq!(report.diagnostics[0].pointer, "/status");
/// ```
pub fn validate_slot_update(previous: &Slot, next: &Slot) -> Report {
    let mut report = next.validate();
    if !previous.status.can_transition_to(next.status) {
        let mut out = Vec::new();
        Checker::new(Slot::SUBJECT, RecordId::Guid(next.id), "", &mut out).report(
            RuleCode::SlotTransition,
            "/status",
            &format!("{} → {} не допускается; для аннулированного слота создайте новый", previous.status, next.status),
            &format!(
                "{} → {} is not allowed; publish a new slot instead of reviving a cancelled one",
                previous.status, next.status
            ),
        );
        report.extend(Report { diagnostics: out });
    }
    report
}

#[cfg(test)]
mod tests {
    use fer_model::{DurationMinutes, Guid, SlotStatus, TagTypes};

    use crate::records::test_support::*;
    use crate::{RuleCode, Severity, Validate, validate_batch, validate_slot_update};

    #[test]
    fn valid_slot_passes() {
        assert!(slot().validate().is_empty());
        let mut s = slot();
        s.duration = DurationMinutes(1440);
        assert!(s.validate().is_empty());
    }

    #[test]
    fn duration_zero_or_over_a_day() {
        let mut s = slot();
        s.duration = DurationMinutes(0);
        assert_only(&s.validate(), RuleCode::DurationRange, "/duration");
        s.duration = DurationMinutes(1441);
        assert_only(&s.validate(), RuleCode::DurationRange, "/duration");
    }

    #[test]
    fn empty_tag_type() {
        let mut s = slot();
        s.tag_type = TagTypes::EMPTY;
        assert_only(&s.validate(), RuleCode::TagTypeEmpty, "/tag_type");
    }

    fn at(id: u128, time: &str) -> fer_model::Slot {
        let mut s = slot();
        s.id = Guid::from_u128(id);
        s.visit_time = ts(time);
        s
    }

    #[test]
    fn back_to_back_slots_pass() {
        let batch = [at(1, "2026-12-01T08:00:00"), at(2, "2026-12-01T08:20:00"), at(3, "2026-12-01T08:40:00")];
        assert!(validate_batch(&batch).is_empty());
    }

    #[test]
    fn same_resource_same_time_is_r330() {
        let batch = [at(1, "2026-12-01T08:00:00"), at(2, "2026-12-01T08:20:00"), at(3, "2026-12-01T08:00:00")];
        assert_only(&validate_batch(&batch), RuleCode::R330, "/data/2/visit_time");
        // Another resource at the same time is fine.
        let mut other = at(3, "2026-12-01T08:00:00");
        other.resource_id = Guid::from_u128(77);
        assert!(validate_batch(&[at(1, "2026-12-01T08:00:00"), other]).is_empty());
    }

    #[test]
    fn r330_counts_a_slot_of_any_status() {
        for status in [SlotStatus::Canceled, SlotStatus::Blocked, SlotStatus::Recorded] {
            let mut first = at(1, "2026-12-01T08:00:00");
            first.status = status;
            let batch = [first, at(2, "2026-12-01T08:00:00")];
            assert_only(&validate_batch(&batch), RuleCode::R330, "/data/1/visit_time");
        }
    }

    #[test]
    fn a_refused_slot_takes_no_time() {
        // The first copy is refused (duration 0), so the Vitrina never holds its time.
        let mut broken = at(1, "2026-12-01T08:00:00");
        broken.duration = DurationMinutes(0);
        let r = validate_batch(&[broken, at(2, "2026-12-01T08:00:00")]);
        assert_only(&r, RuleCode::DurationRange, "/data/0/duration");
        // A repeated id is refused too (R-310), and frees nothing it did not hold.
        let r =
            validate_batch(&[at(1, "2026-12-01T08:00:00"), at(1, "2026-12-01T09:00:00"), at(2, "2026-12-01T09:00:00")]);
        assert_only(&r, RuleCode::R310, "/data/1/id");
    }

    #[test]
    fn overlap_is_a_warning() {
        let batch = [at(1, "2026-12-01T08:00:00"), at(2, "2026-12-01T08:10:00")];
        assert_only_as(&validate_batch(&batch), RuleCode::SlotOverlap, "/data/1/visit_time", Severity::Warning);
        // A cancelled slot does not count.
        let mut cancelled = at(2, "2026-12-01T08:10:00");
        cancelled.status = SlotStatus::Canceled;
        assert!(validate_batch(&[at(1, "2026-12-01T08:00:00"), cancelled]).is_empty());
    }

    #[test]
    fn repeated_id_is_r310() {
        let batch = [at(1, "2026-12-01T08:00:00"), at(1, "2026-12-01T09:00:00")];
        assert_only(&validate_batch(&batch), RuleCode::R310, "/data/1/id");
    }

    #[test]
    fn status_transitions() {
        let stored = slot();
        let mut next = slot();
        next.status = SlotStatus::Recorded;
        assert!(validate_slot_update(&stored, &next).is_empty());
        let mut cancelled = slot();
        cancelled.status = SlotStatus::Canceled;
        assert_only(&validate_slot_update(&cancelled, &next), RuleCode::SlotTransition, "/status");
    }
}
