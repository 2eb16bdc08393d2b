//! Diagnostics and reports.

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

    /// Appends the findings of another report.
    pub fn extend(&mut self, other: Report) {
        self.diagnostics.extend(other.diagnostics);
    }
}
