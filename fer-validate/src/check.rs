//! The one place diagnostics are built: a [`Checker`] carries the subject, the record's id and the
//! pointer prefix, and turns a rule code plus a field and a detail into a [`Diagnostic`].
//!
//! Nothing here allocates until a finding is reported, so checking a valid record is free of
//! allocations.

use fer_model::Guid;

use crate::{Diagnostic, RuleCode, Severity, Subject};

/// The id of the record being checked, kept borrowed or by value until a diagnostic needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RecordId<'a> {
    /// No id could be read.
    None,
    /// A typed id.
    Guid(Guid),
    /// The id as written in raw JSON.
    Text(&'a str),
}

impl RecordId<'_> {
    fn to_owned_string(self) -> Option<String> {
        match self {
            RecordId::None => None,
            RecordId::Guid(g) => Some(g.to_string()),
            RecordId::Text(t) => Some(t.to_owned()),
        }
    }
}

/// Escapes one JSON pointer token (RFC 6901: `~` as `~0`, `/` as `~1`).
pub(crate) fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.bytes().any(|b| b == b'~' || b == b'/') {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}

/// Collects the findings about one record (or one DTO).
pub(crate) struct Checker<'a> {
    subject: Subject,
    record_id: RecordId<'a>,
    prefix: &'a str,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    /// A checker for a record of `subject`; pointers are `prefix` + the field pointer.
    pub(crate) fn new(
        subject: Subject,
        record_id: RecordId<'a>,
        prefix: &'a str,
        out: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Checker { subject, record_id, prefix, out }
    }

    /// True for the DTOs the gateway sends to the MIS: what they carry must be accepted, so the
    /// rules marked lenient report warnings there.
    fn inbound(&self) -> bool {
        matches!(self.subject, Subject::BookingRequest | Subject::CancelRequest)
    }

    /// The severity of `code` for this subject.
    pub(crate) fn severity(&self, code: RuleCode) -> Severity {
        let info = code.info();
        if info.lenient_inbound && self.inbound() { Severity::Warning } else { info.severity }
    }

    /// Reports a finding of `code` at `pointer` (relative to the record, e.g. `/visit_time`), with
    /// the detail in Russian and English appended to the rule's title.
    pub(crate) fn report(&mut self, code: RuleCode, pointer: &str, detail_ru: &str, detail_en: &str) {
        let severity = self.severity(code);
        self.report_as(code, severity, pointer, detail_ru, detail_en);
    }

    /// Like [`Checker::report`] with an explicit severity.
    pub(crate) fn report_as(&mut self, code: RuleCode, severity: Severity, pointer: &str, ru: &str, en: &str) {
        let info = code.info();
        let mut full = String::with_capacity(self.prefix.len() + pointer.len());
        full.push_str(self.prefix);
        full.push_str(pointer);
        let message = |title: &str, detail: &str| {
            let mut message = String::with_capacity(title.len() + 2 + detail.len());
            message.push_str(title);
            if !detail.is_empty() {
                message.push_str(": ");
                message.push_str(detail);
            }
            message
        };
        let (message_ru, message_en) = (message(info.title_ru, ru), message(info.title_en, en));
        self.out.push(Diagnostic {
            table: self.subject,
            record_id: self.record_id.to_owned_string(),
            pointer: full,
            code,
            severity,
            message_ru,
            message_en,
        });
    }

    /// `field` (a pointer such as `/name`) must hold at most `max` characters.
    pub(crate) fn max_len(&mut self, pointer: &str, value: &str, max: usize) {
        // Byte length bounds the character count from above: count only when it might exceed.
        if value.len() > max {
            let n = value.chars().count();
            if n > max {
                self.report(
                    RuleCode::TooLong,
                    pointer,
                    &format!("{n} символов при максимуме {max} (string({max})); сократите значение"),
                    &format!("{n} characters where string({max}) allows {max}; shorten the value"),
                );
            }
        }
    }

    /// A mandatory text field must not be blank.
    pub(crate) fn not_blank(&mut self, pointer: &str, value: &str) {
        if value.trim().is_empty() {
            self.report(RuleCode::Required, pointer, "поле пустое; укажите значение", "the field is blank; fill it in");
        }
    }

    /// A mandatory text field: not blank and at most `max` characters.
    pub(crate) fn text(&mut self, pointer: &str, value: &str, max: usize) {
        self.not_blank(pointer, value);
        self.max_len(pointer, value, max);
    }

    /// An optional text field: at most `max` characters when present.
    pub(crate) fn opt_text(&mut self, pointer: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.max_len(pointer, v, max);
        }
    }
}

#[cfg(test)]
mod tests {
    use fer_model::Table;

    use super::*;

    #[test]
    fn pointer_and_messages_are_composed() {
        let mut out = Vec::new();
        let mut c = Checker::new(Subject::Table(Table::Slot), RecordId::Text("x"), "/data/3", &mut out);
        c.report(RuleCode::DurationRange, "/duration", "0 минут", "0 minutes");
        assert_eq!(out[0].pointer, "/data/3/duration");
        assert_eq!(out[0].record_id.as_deref(), Some("x"));
        assert!(out[0].message_en.ends_with(": 0 minutes"));
        assert!(out[0].message_ru.contains("суток"));
    }

    #[test]
    fn lenient_rules_warn_inbound_only() {
        let mut out = Vec::new();
        let c = Checker::new(Subject::BookingRequest, RecordId::None, "", &mut out);
        assert_eq!(c.severity(RuleCode::SnilsChecksum), Severity::Warning);
        assert_eq!(c.severity(RuleCode::DurationRange), Severity::Error);
        let c = Checker::new(Subject::Table(Table::Resource), RecordId::None, "", &mut out);
        assert_eq!(c.severity(RuleCode::SnilsChecksum), Severity::Error);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut out = Vec::new();
        let mut c = Checker::new(Subject::Table(Table::Mo), RecordId::None, "", &mut out);
        c.max_len("/phone", &"я".repeat(45), 45);
        c.max_len("/phone", &"я".repeat(46), 45);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].code, RuleCode::TooLong);
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
    }
}
