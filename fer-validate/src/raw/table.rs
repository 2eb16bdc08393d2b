//! The rules of one table's body, record by record: the raw field checks of each record
//! ([`super::value::check_record`]), its typed rules ([`crate::Validate`]) when it parses, and the
//! batch rules fed as it goes ([`crate::batch::BatchState`]). Nothing of a record is kept after
//! its turn but what the batch rules index and what the caller takes ([`TableCheck::new`]'s
//! `keep`).

use fer_model::{Record, Table};
use serde::de::DeserializeOwned;

use super::fields::{self, Shape};
use super::json::Json;
use super::stream::{Outcome, Records, StreamError};
use super::{tree_de, value};
use crate::batch::{BatchState, record_prefix};
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::limits::Limited;
use crate::{Diagnostic, RuleCode, Severity, Validate};

/// The checks of one table's records, collecting diagnostics in the order the tree path gives
/// them: every record's raw findings, then every record's typed findings, then and
/// the table's batch rules.
pub(crate) struct TableCheck<'k, T, K> {
    subject: Subject,
    shape: Option<&'static Shape>,
    raw: Vec<Diagnostic>,
    typed: Vec<Diagnostic>,
    batch: Option<BatchState<T>>,
    prefix: String,
    keep: &'k mut K,
    /// How many records to make room for in the batch indexes.
    hint: usize,
}

impl<'k, T, K> TableCheck<'k, T, K>
where
    T: Record + Validate + Limited + DeserializeOwned,
    K: Keep,
{
    /// `keep` receives every record that parses, with its index, after its rules ran.
    pub(crate) fn new(keep: &'k mut K, hint: usize) -> Self {
        TableCheck {
            subject: Subject::Table(T::TABLE),
            shape: fields::shape(T::TABLE.as_str()),
            raw: Vec::new(),
            typed: Vec::new(),
            batch: None,
            prefix: String::with_capacity(16),
            keep,
            hint,
        }
    }

    /// Every diagnostic of the body, given how reading it ended.
    pub(crate) fn finish(self, outcome: Outcome) -> Vec<Diagnostic> {
        let subject = self.subject;
        let mut out = Vec::new();
        match outcome {
            Outcome::NotABatch => {
                body_shape(subject, "", "ожидается {\"data\": [ ... ]}", "expected {\"data\": [ ... ]}", &mut out);
            }
            Outcome::DataNotArray { others } => {
                other_keys(subject, &others, &mut out);
                body_shape(
                    subject,
                    "/data",
                    "data должен быть массивом записей",
                    "data must be an array of records",
                    &mut out,
                );
            }
            Outcome::Records { others } => {
                other_keys(subject, &others, &mut out);
                out.extend(self.raw);
                out.extend(self.typed);
                if let Some(batch) = self.batch {
                    batch.finish_into(&mut out);
                }
            }
        }
        out
    }
}

impl<T, K> Records for TableCheck<'_, T, K>
where
    T: Record + Validate + Limited + DeserializeOwned,
    K: Keep,
{
    fn record(&mut self, prefix: &'static str, i: usize, item: &Json<'_>) {
        record_prefix(&mut self.prefix, prefix, i);
        let id = item.get(T::TABLE.id_field()).and_then(Json::as_str).map_or(RecordId::None, RecordId::Text);
        let before = self.raw.len();
        let mut c = Checker::new(self.subject, id, &self.prefix, &mut self.raw);
        if let Some(shape) = self.shape {
            value::check_record(&mut c, T::TABLE.as_str(), shape, item);
        }
        let raw = &self.raw[before..];
        let raw_errors = raw.iter().any(|d| d.severity == Severity::Error);
        match tree_de::from_json::<T>(item) {
            Ok(record) => {
                let report = record.validate();
                let refused = raw_errors || report.has_errors();
                // A rule both layers check (an empty tag_type) is reported once.
                for mut d in report.diagnostics {
                    d.pointer.insert_str(0, &self.prefix);
                    if !raw.iter().any(|r| r.code == d.code && r.pointer == d.pointer) {
                        self.typed.push(d);
                    }
                }
                self.batch.get_or_insert_with(|| BatchState::new(prefix, self.hint)).push(i, &record, refused);
                self.keep.keep(i, record);
            }
            Err(e) => {
                // The typed rules cannot run: the lengths are still checked on the raw text.
                let mut c = Checker::new(self.subject, id, &self.prefix, &mut self.raw);
                for (field, max) in T::LIMITS {
                    if let Some(Json::String(s)) = item.get(field) {
                        c.max_len(&format!("/{field}"), s, *max);
                    }
                }
                if !raw_errors {
                    super::unparsable(&mut c, &e.to_string());
                }
            }
        }
    }

    fn reset(&mut self) {
        self.raw.clear();
        self.typed.clear();
        self.batch = None;
        self.keep.reset();
    }
}

/// The [`RuleCode::MalformedJson`] diagnostic of a body that could not be read, at the root,
/// naming line, column and the record being read.
pub(crate) fn malformed_diagnostic(subject: Subject, e: &StreamError) -> Diagnostic {
    let mut out = Vec::with_capacity(1);
    let (ru, en) = match e {
        StreamError::Malformed { line, column, record, reason } => {
            let (at_ru, at_en) = match record {
                Some(i) => (format!(" (запись {i})"), format!(" (record {i})")),
                None => (String::new(), String::new()),
            };
            (
                format!("строка {line}, столбец {column}: {reason}{at_ru}"),
                format!("line {line}, column {column}: {reason}{at_en}"),
            )
        }
        StreamError::Io { source } => (format!("не удалось прочитать: {source}"), format!("cannot read: {source}")),
    };
    Checker::new(subject, RecordId::None, "", &mut out).report(RuleCode::MalformedJson, "", &ru, &en);
    out.pop().unwrap_or_else(|| unreachable_diagnostic(subject))
}

/// Never used: [`Checker::report`] always pushes one diagnostic.
fn unreachable_diagnostic(subject: Subject) -> Diagnostic {
    Diagnostic {
        table: subject,
        record_id: None,
        pointer: String::new(),
        code: RuleCode::MalformedJson,
        severity: Severity::Error,
        message_ru: String::new(),
        message_en: String::new(),
    }
}

fn body_shape(subject: Subject, pointer: &str, ru: &str, en: &str, out: &mut Vec<Diagnostic>) {
    Checker::new(subject, RecordId::None, "", out).report(RuleCode::BodyShape, pointer, ru, en);
}

fn other_keys(subject: Subject, others: &[String], out: &mut Vec<Diagnostic>) {
    for key in others {
        let pointer = format!("/{}", crate::check::escape_token(key));
        Checker::new(subject, RecordId::None, "", out).report(
            RuleCode::UnknownField,
            &pointer,
            "тело запроса содержит только ключ data",
            "the body holds only the key data",
        );
    }
}

/// What the caller keeps of the records that parse (the cross-table index keeps ids and keys).
pub(crate) trait Keep {
    /// Record `i` of the body, after its rules ran.
    fn keep<T: Record>(&mut self, i: usize, record: T);
    /// Forget what this body gave so far (a later `data` key replaces the earlier one).
    fn reset(&mut self) {}
}

/// Keeps nothing.
pub(crate) struct Nothing;

impl Keep for Nothing {
    fn keep<T: Record>(&mut self, _: usize, _: T) {}
}

/// The diagnostics of `table`'s body read from `src`, every record that parses handed to `keep`;
/// `hint` records are expected.
pub(crate) fn check_table<S: super::stream::Source>(
    table: Table,
    form: super::stream::BodyForm,
    src: &mut S,
    keep: &mut impl Keep,
    hint: usize,
) -> Result<Vec<Diagnostic>, StreamError> {
    fer_model::with_record_type!(table, R => {
        let mut check = TableCheck::<R, _>::new(keep, hint);
        let outcome = super::stream::read_body(src, form, &mut check)?;
        Ok(check.finish(outcome))
    })
}
