//! Diagnostics and reports.
//!
//! Both print as text ([`std::fmt::Display`]): a diagnostic as one line naming its severity, rule,
//! table, record and pointer with the Russian message and the English one in brackets; a report as
//! one such line per finding and a closing count.

use std::fmt;

use fer_model::Table;
use serde::Serialize;

use crate::RuleCode;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The Vitrina (or the gateway) would refuse the record, or the data is wrong.
    Error,
    /// Accepted, but probably not what the vendor meant.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as serialized.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a diagnostic is about: a table row, one of the webhook DTOs, or a request of the regional
/// portal API ([`crate::portal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A row of a Vitrina table.
    Table(Table),
    /// The gateway's booking request.
    BookingRequest,
    /// The MIS's booking answer.
    BookingResponse,
    /// The gateway's cancel request.
    CancelRequest,
    /// The MIS's cancel answer.
    CancelResponse,
    /// A webhook registration.
    Callback,
    /// The RPGU entry request of the regional portal («Запись на прием РПГУ»).
    PortalEntryRequest,
    /// The visit-creation parameters of the regional portal («Создание записи на прием к врачу»).
    PortalVisitParams,
    /// The appointment request to a local MIS («Создание записи на прием в локальную МИС»).
    PortalAppointmentRequest,
}

impl Subject {
    /// The name used in diagnostics and schema files: `slot`, `booking_request`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            Subject::Table(t) => t.as_str(),
            Subject::BookingRequest => "booking_request",
            Subject::BookingResponse => "booking_response",
            Subject::CancelRequest => "cancel_request",
            Subject::CancelResponse => "cancel_response",
            Subject::Callback => "callback",
            Subject::PortalEntryRequest => "portal_entry_request",
            Subject::PortalVisitParams => "portal_visit_params",
            Subject::PortalAppointmentRequest => "portal_appointment_request",
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding: which record, where, which rule, and what to do, in Russian and English.
///
/// Serializes with the keys `table`, `record_id`, `pointer`, `code`, `severity`, `message_ru`,
/// `message_en` (the format `fer validate --format json` prints).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The table or DTO.
    pub table: Subject,
    /// The record's id as written, when it could be read.
    pub record_id: Option<String>,
    /// JSON pointer to the offending value, e.g. `/data/3/visit_time` (RFC 6901).
    pub pointer: String,
    /// The rule.
    pub code: RuleCode,
    /// Error or warning.
    pub severity: Severity,
    /// Message in Russian.
    pub message_ru: String,
    /// Message in English.
    pub message_en: String,
}

/// One line: `error V030 slot aaaaaaa1-… /data/0/duration: <Russian> [<English>]`. A record whose
/// id could not be read is shown as `-`.
///
/// ```
/// use fer_model::Table;
/// use fer_validate::validate_raw;
/// let report = validate_raw(Table::Slot, br#"{"data": [{"id": "x"}]}"#);
/// let line = report.diagnostics[0].to_string();
/// assert!(line.starts_with("error V001 slot x /data/0/id: "), "{line}");
/// ```
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}: {} [{}]",
            self.severity,
            self.code,
            self.table.as_str(),
            self.record_id.as_deref().unwrap_or("-"),
            if self.pointer.is_empty() { "/" } else { &self.pointer },
            self.message_ru,
            self.message_en
        )
    }
}

/// The findings of one validation run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Report {
    /// Every finding, in the order of the input.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// True when there is at least one [`Severity::Error`].
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// True when there are no findings at all.
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// The number of errors and of warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self.errors().count();
        (errors, self.diagnostics.len() - errors)
    }

    /// Appends the findings of another report.
    pub fn extend(&mut self, other: Report) {
        self.diagnostics.extend(other.diagnostics);
    }
}

/// One line per finding ([`Diagnostic`]'s form), then `N errors, M warnings`.
///
/// ```
/// use fer_validate::Report;
/// assert_eq!(Report::default().to_string(), "0 errors, 0 warnings");
/// ```
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        let (errors, warnings) = self.counts();
        write!(f, "{errors} errors, {warnings} warnings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleCode;

    #[test]
    fn diagnostics_and_reports_print_every_part() {
        let d = Diagnostic {
            table: Subject::Table(Table::Slot),
            record_id: Some("aaaaaaa1-5eff-49b8-9d07-ff2486162b3f".into()),
            pointer: "/data/3/duration".into(),
            code: RuleCode::DurationRange,
            severity: Severity::Error,
            message_ru: "0 мин.".into(),
            message_en: "0 minutes".into(),
        };
        assert_eq!(
            d.to_string(),
            "error V030 slot aaaaaaa1-5eff-49b8-9d07-ff2486162b3f /data/3/duration: 0 мин. [0 minutes]"
        );
        let w = Diagnostic { severity: Severity::Warning, record_id: None, pointer: String::new(), ..d.clone() };
        assert_eq!(w.to_string(), "warning V030 slot - /: 0 мин. [0 minutes]");
        let report = Report { diagnostics: vec![d.clone(), w.clone()] };
        assert_eq!(report.to_string(), format!("{d}\n{w}\n1 errors, 1 warnings"));
        assert_eq!(report.counts(), (1, 1));
    }
}
