//! Upserts: pre-flight validation, batches of `batch_size` sent with bounded concurrency, and the
//! [`UploadReport`] that gives every input id exactly one [`Outcome`].
//!
//! The Vitrina answers a batch with the envelope of Appendix 2: `sendedGuids` lists the accepted ids,
//! `errors` the refused ones with their code (R-310, R-330, …). A 422 may be a partial success
//! (section 5.1, 5.4). An id the answer does not mention is reported as [`Outcome::Unconfirmed`]:
//! the client never assumes that a record arrived.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use fer_model::endpoint::{self, Method};
use fer_model::{BatchRef, ErrorCode, Guid, Record, RecordError, Table};
use fer_validate::{Diagnostic, Report, Validate, validate_batch};
use futures_util::stream::{self, StreamExt};

use crate::config::{Preflight, ProgressHook};
use crate::error::Error;
use crate::transport::{ApiRequest, Reply, Transport};

/// What happened to one record of an upload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// The Vitrina accepted the record (its id is in `sendedGuids`).
    Accepted,
    /// The Vitrina refused the record (its id is in `errors`, or the whole request was refused).
    Rejected {
        /// The error code, e.g. `R-330`.
        code: ErrorCode,
        /// The Vitrina's message (several messages for one id are joined with `; `).
        message: String,
    },
    /// Pre-flight validation found errors; the record was not sent.
    Invalid {
        /// The error diagnostics of `fer-validate` for this record.
        diagnostics: Vec<Diagnostic>,
    },
    /// Not sent because a record it refers to was not accepted ([`upload_dataset`](crate::VitrinaClient::upload_dataset)).
    Skipped {
        /// Which parent, and what happened to it.
        reason: SkipReason,
    },
    /// The batch holding the record failed after every retry (timeout, transport, 5xx, 401, 405, …),
    /// while other batches of the same upload got through (when none does, the upload is an `Err`).
    /// The record may or may not be on the Vitrina; it is safe to send again, except after
    /// [`Error::Forbidden`] (403, «Нет полномочий на выполнение запроса»: the token may not write
    /// these rows, and sending them again with it will not help).
    Failed {
        /// The error of the batch (shared by every record of it).
        error: Arc<Error>,
    },
    /// The Vitrina answered but neither accepted nor refused this id.
    Unconfirmed {
        /// The HTTP status of that answer.
        status: u16,
    },
}

/// The kind of an [`Outcome`], for counting and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutcomeKind {
    /// [`Outcome::Accepted`].
    Accepted,
    /// [`Outcome::Rejected`].
    Rejected,
    /// [`Outcome::Invalid`].
    Invalid,
    /// [`Outcome::Skipped`].
    Skipped,
    /// [`Outcome::Failed`].
    Failed,
    /// [`Outcome::Unconfirmed`].
    Unconfirmed,
}

impl OutcomeKind {
    /// Every kind, in the order of the summary.
    pub const ALL: [OutcomeKind; 6] = [
        OutcomeKind::Accepted,
        OutcomeKind::Rejected,
        OutcomeKind::Invalid,
        OutcomeKind::Skipped,
        OutcomeKind::Failed,
        OutcomeKind::Unconfirmed,
    ];

    /// A lowercase English name: `accepted`, `rejected`, …
    pub const fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Accepted => "accepted",
            OutcomeKind::Rejected => "rejected",
            OutcomeKind::Invalid => "invalid",
            OutcomeKind::Skipped => "skipped",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Unconfirmed => "unconfirmed",
        }
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Outcome {
    /// The kind of this outcome.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Accepted => OutcomeKind::Accepted,
            Outcome::Rejected { .. } => OutcomeKind::Rejected,
            Outcome::Invalid { .. } => OutcomeKind::Invalid,
            Outcome::Skipped { .. } => OutcomeKind::Skipped,
            Outcome::Failed { .. } => OutcomeKind::Failed,
            Outcome::Unconfirmed { .. } => OutcomeKind::Unconfirmed,
        }
    }

    /// True for [`Outcome::Accepted`].
    pub fn is_accepted(&self) -> bool {
        matches!(self, Outcome::Accepted)
    }

    /// When one id was sent more than once (a repeat inside the input), the outcome that says the
    /// least in its favour wins: rejected, then failed, then unconfirmed, then accepted.
    fn rank(&self) -> u8 {
        match self {
            Outcome::Accepted => 0,
            Outcome::Unconfirmed { .. } => 1,
            Outcome::Failed { .. } => 2,
            Outcome::Skipped { .. } | Outcome::Invalid { .. } => 3,
            Outcome::Rejected { .. } => 4,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Accepted => f.write_str("accepted"),
            Outcome::Rejected { code, message } => write!(f, "rejected {code}: {message}"),
            Outcome::Invalid { diagnostics } => {
                write!(f, "invalid:")?;
                for d in diagnostics {
                    write!(f, " [{} {}: {}]", d.code.as_str(), d.pointer, d.message_en)?;
                }
                Ok(())
            }
            Outcome::Skipped { reason } => write!(f, "skipped: {reason}"),
            Outcome::Failed { error } => write!(f, "failed: {error}"),
            Outcome::Unconfirmed { status } => write!(f, "unconfirmed: HTTP {status} answer did not mention it"),
        }
    }
}

/// Why a record was not sent: a record it refers to, in the same dataset, was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReason {
    /// The parent's table.
    pub parent_table: Table,
    /// The referring field, e.g. `resource_id`.
    pub field: &'static str,
    /// The parent's id.
    pub parent_id: Guid,
    /// What happened to the parent.
    pub parent_outcome: OutcomeKind,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({}) was {}", self.parent_table, self.parent_id, self.field, self.parent_outcome)
    }
}

/// The result of an upsert: one [`Outcome`] per distinct input id, in input order.
///
/// `Display` prints a one-line summary; `{:#}` adds one line per record that was not accepted.
#[derive(Debug, Clone)]
pub struct UploadReport {
    table: Table,
    entries: Vec<(Guid, Outcome)>,
    index: HashMap<Guid, usize>,
    warnings: Vec<Diagnostic>,
}

impl UploadReport {
    /// An empty report for `table`.
    pub(crate) fn new(table: Table) -> Self {
        UploadReport { table, entries: Vec::new(), index: HashMap::new(), warnings: Vec::new() }
    }

    /// Records `outcome` for `id`. A second outcome for the same id replaces the first only when it
    /// says less in the record's favour (see [`Outcome`]); the id keeps its first position.
    pub(crate) fn record(&mut self, id: Guid, outcome: Outcome) {
        match self.index.entry(id) {
            Entry::Occupied(e) => {
                let slot = &mut self.entries[*e.get()].1;
                if outcome.rank() > slot.rank() {
                    *slot = outcome;
                }
            }
            Entry::Vacant(e) => {
                e.insert(self.entries.len());
                self.entries.push((id, outcome));
            }
        }
    }

    /// Adds the outcomes and warnings of a later upload of the same table (a dataset sent in
    /// chunks), by the rule of [`record`](Self::record).
    pub(crate) fn absorb(&mut self, other: UploadReport) {
        debug_assert_eq!(self.table, other.table);
        for (id, outcome) in other.entries {
            self.record(id, outcome);
        }
        self.warnings.extend(other.warnings);
    }

    /// The table uploaded.
    pub fn table(&self) -> Table {
        self.table
    }

    /// The number of distinct ids.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the upload had no records.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The outcome of `id`, if it was in the input.
    pub fn get(&self, id: &Guid) -> Option<&Outcome> {
        self.index.get(id).map(|&i| &self.entries[i].1)
    }

    /// Every id with its outcome, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (&Guid, &Outcome)> {
        self.entries.iter().map(|(id, o)| (id, o))
    }

    /// The ids whose outcome is of `kind`, in input order.
    pub fn ids(&self, kind: OutcomeKind) -> impl Iterator<Item = &Guid> {
        self.entries.iter().filter(move |(_, o)| o.kind() == kind).map(|(id, _)| id)
    }

    /// The number of ids whose outcome is of `kind`.
    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.ids(kind).count()
    }

    /// The accepted ids.
    pub fn accepted(&self) -> impl Iterator<Item = &Guid> {
        self.ids(OutcomeKind::Accepted)
    }

    /// The ids that were not accepted, with their outcome.
    pub fn not_accepted(&self) -> impl Iterator<Item = (&Guid, &Outcome)> {
        self.iter().filter(|(_, o)| !o.is_accepted())
    }

    /// True when every record was accepted (also for an empty upload).
    pub fn all_accepted(&self) -> bool {
        self.entries.iter().all(|(_, o)| o.is_accepted())
    }

    /// Pre-flight warnings: records that were sent although `fer-validate` had a remark.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    pub(crate) fn add_warnings(&mut self, warnings: impl IntoIterator<Item = Diagnostic>) {
        self.warnings.extend(warnings);
    }
}

impl fmt::Display for UploadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} record(s)", self.table, self.len())?;
        for kind in OutcomeKind::ALL {
            let n = self.count(kind);
            if n > 0 || kind == OutcomeKind::Accepted {
                write!(f, ", {n} {kind}")?;
            }
        }
        if !self.warnings.is_empty() {
            write!(f, ", {} pre-flight warning(s)", self.warnings.len())?;
        }
        if f.alternate() {
            for (id, outcome) in self.not_accepted() {
                write!(f, "\n  {id}: {outcome}")?;
            }
        }
        Ok(())
    }
}

/// Upserts `records` of one table: pre-flight, batches, bounded concurrency, merged report. Records
/// whose id is in `withheld` are not sent and get the outcome given there (skipped or invalid, as
/// decided by [`upload_dataset`](crate::VitrinaClient::upload_dataset)).
pub(crate) async fn upload<T: Record + Validate>(
    transport: &Transport,
    records: &[T],
    preflight: Preflight,
    withheld: HashMap<Guid, Outcome>,
) -> Result<UploadReport, Error> {
    let mut report = UploadReport::new(T::TABLE);
    let to_check: Cow<'_, [T]> = if withheld.is_empty() {
        Cow::Borrowed(records)
    } else {
        Cow::Owned(records.iter().filter(|r| !withheld.contains_key(&r.id())).cloned().collect())
    };
    let outcomes: HashMap<Guid, Outcome> = preflight_check(&to_check, preflight, &mut report)?
        .into_iter()
        .map(|(id, diagnostics)| (id, Outcome::Invalid { diagnostics }))
        .collect();
    let sendable: Vec<&T> = to_check.iter().filter(|r| !outcomes.contains_key(&r.id())).collect();

    let config = transport.config();
    let abort = Mutex::new(None);
    // Collected first (futures are lazy): a closure held across the await would keep the whole
    // future from being `Send`.
    ProgressHook::report(&config.progress, T::TABLE, records.len() - sendable.len());
    let sends: Vec<_> = sendable.chunks(config.batch_size).map(|batch| send_batch(transport, batch, &abort)).collect();
    let answers: Vec<BatchAnswer> = stream::iter(sends)
        .buffer_unordered(config.concurrency)
        .inspect(|(ids, _)| ProgressHook::report(&config.progress, T::TABLE, ids.len()))
        .collect()
        .await;
    drop(abort);
    let answers = match nothing_got_through(answers) {
        Ok(answers) => answers,
        Err(error) => {
            tracing::warn!(table = %T::TABLE, "nothing got through: {error}");
            return Err(error);
        }
    };

    assemble(&mut report, records.iter().map(Record::id), withheld, outcomes, answers);
    tracing::info!(table = %T::TABLE, "{report}");
    Ok(report)
}

/// The answers back, unless no batch reached the Vitrina's judgement of its records: then the
/// error of the call (the first batch's), so that a wrong password, an unreachable or wrong base
/// URL, a maintenance outlasting the retries or a gateway failing every call is an `Err` of the
/// upload and not a report of records that all failed.
///
/// A batch reached the records' judgement when it got an answer that decides records (an
/// acceptance, a refusal with a code), or a refusal that is about the records sent: 403
/// ([`Error::Forbidden`], rows of another organisation) or 405 ([`Error::Blocked`], a blocked
/// subdivision). Those stay per-record outcomes in the report.
fn nothing_got_through(answers: Vec<BatchAnswer>) -> Result<Vec<BatchAnswer>, Error> {
    let call_failed = |answer: &BatchAnswer| match &answer.1 {
        Err(error) => !matches!(**error, Error::Forbidden { .. } | Error::Blocked { .. }),
        Ok(reply) => decides_nothing(reply) && !matches!(reply.status, 403 | 405),
    };
    if answers.is_empty() || !answers.iter().all(call_failed) {
        return Ok(answers);
    }
    let first = answers.into_iter().next().map(|(_, result)| result);
    // The other answers are dropped: the first batch's error is now the only copy of it.
    Err(match first {
        Some(Err(shared)) => Arc::try_unwrap(shared).unwrap_or_else(|shared| Error::Config(shared.to_string())),
        Some(Ok(reply)) => reply.into_error(),
        None => Error::Config("no answer".into()),
    })
}

/// True for an answer that [`merge_batch`] turns into a failure of every id of the batch: it names
/// none of them and is not a refusal of the whole request (200, 400, 422).
fn decides_nothing(reply: &Reply) -> bool {
    let names_an_id = !reply.envelope.sended_guids.is_empty()
        || reply.envelope.errors.iter().flatten().any(|e| e.id.as_deref().is_some_and(|id| Guid::parse(id).is_ok()));
    !names_an_id && !matches!(reply.status, 200 | 400 | 422)
}

/// Gives every distinct input id, in input order, exactly one outcome: the one it was withheld
/// with, its pre-flight outcome, or what the answers of its batches say (the least favourable one
/// when a repeated id travelled in several batches).
fn assemble(
    report: &mut UploadReport,
    input: impl Iterator<Item = Guid>,
    mut withheld: HashMap<Guid, Outcome>,
    mut outcomes: HashMap<Guid, Outcome>,
    answers: Vec<BatchAnswer>,
) {
    for (ids, result) in answers {
        for (id, outcome) in merge_batch(&ids, result) {
            match outcomes.entry(id) {
                Entry::Occupied(mut o) if outcome.rank() > o.get().rank() => {
                    o.insert(outcome);
                }
                Entry::Occupied(_) => {}
                Entry::Vacant(v) => {
                    v.insert(outcome);
                }
            }
        }
    }
    for id in input {
        if report.get(&id).is_some() {
            continue; // a repeated id: reported once
        }
        let outcome = match withheld.remove(&id) {
            Some(outcome) => outcome,
            // Every id sent got an outcome from merge_batch; the fallback keeps the promise regardless.
            None => outcomes.remove(&id).unwrap_or(Outcome::Unconfirmed { status: 0 }),
        };
        report.record(id, outcome);
    }
}

/// The ids of one batch and what the Vitrina answered (or why the call failed).
type BatchAnswer = (Vec<Guid>, Result<Reply, Arc<Error>>);

/// Sends one batch; the answer is returned whatever its status, unless it is a failure of the call
/// itself (no envelope, retries exhausted, credentials refused). After a refusal of the credentials
/// (`abort` set) the batches not yet sent fail with the same error without being sent: wrong
/// credentials would fail every one of them.
async fn send_batch<T: Record>(transport: &Transport, batch: &[&T], abort: &Mutex<Option<Arc<Error>>>) -> BatchAnswer {
    let ids: Vec<Guid> = batch.iter().map(|r| r.id()).collect();
    let stop = abort.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some(error) = stop {
        return (ids, Err(error));
    }
    let result =
        match ApiRequest::to(&endpoint::table(T::TABLE, Method::Post), &[]).json(&BatchRef::new(batch), batch.len()) {
            Ok(request) => transport.execute(request).await.map_err(Arc::new),
            Err(error) => Err(Arc::new(error)),
        };
    if let Err(error) = &result
        && matches!(**error, Error::Auth { .. })
    {
        abort.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(|| error.clone());
    }
    (ids, result)
}

/// Runs pre-flight validation. Returns the error diagnostics per id of the records to withhold.
fn preflight_check<T: Record + Validate>(
    records: &[T],
    preflight: Preflight,
    report: &mut UploadReport,
) -> Result<HashMap<Guid, Vec<Diagnostic>>, Error> {
    if preflight == Preflight::Off || records.is_empty() {
        return Ok(HashMap::new());
    }
    let findings = validate_batch(records);
    if preflight == Preflight::Strict && findings.has_errors() {
        return Err(Error::Validation(findings));
    }
    let mut invalid: HashMap<Guid, Vec<Diagnostic>> = HashMap::new();
    let mut unattributed = Report::default();
    let mut warnings = Vec::new();
    for d in findings.diagnostics.iter() {
        if d.severity != fer_validate::Severity::Error {
            warnings.push(d.clone());
            continue;
        }
        match attribute(d, records) {
            Some(id) => invalid.entry(id).or_default().push(d.clone()),
            None => unattributed.diagnostics.push(d.clone()),
        }
    }
    if !unattributed.is_empty() {
        // An error that names no record cannot withhold just one: refuse the whole upload.
        return Err(Error::Validation(findings));
    }
    report.add_warnings(warnings);
    Ok(invalid)
}

/// The record a diagnostic is about: by its pointer `/data/<i>/…`, else by its `record_id`.
fn attribute<T: Record>(d: &Diagnostic, records: &[T]) -> Option<Guid> {
    let by_index = d
        .pointer
        .strip_prefix("/data/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| records.get(i))
        .map(Record::id);
    by_index.or_else(|| {
        let id = Guid::parse(d.record_id.as_deref()?).ok()?;
        records.iter().any(|r| r.id() == id).then_some(id)
    })
}

/// The outcome of every id of one batch from its answer.
///
/// * An answer that names ids of the batch (in `sendedGuids` or `errors`), whatever its status, is
///   read per record: the Vitrina decides records one by one and answers with the status of the
///   gravest refusal (400 over 405 over 422). An id in `errors` is rejected (even when it is also in
///   `sendedGuids`, as in the spec's R-310 example), an id in `sendedGuids` only is accepted, any
///   other id is unconfirmed.
/// * A 400 or 422 that names no id but carries an error refused the whole request: every id is
///   rejected with that error. A 200 that names no id leaves every id unconfirmed.
/// * Any other answer (401, 405 without ids, 5xx after retries, …) or a failed call fails every id
///   of the batch with the typed error.
fn merge_batch(ids: &[Guid], result: Result<Reply, Arc<Error>>) -> Vec<(Guid, Outcome)> {
    let fail = |error: Arc<Error>| ids.iter().map(|&id| (id, Outcome::Failed { error: error.clone() })).collect();
    let reply = match result {
        Ok(reply) => reply,
        Err(error) => return fail(error),
    };
    let in_batch: HashSet<Guid> = ids.iter().copied().collect();
    let accepted: HashSet<Guid> =
        reply.envelope.sended_guids.iter().copied().filter(|id| in_batch.contains(id)).collect();
    let error_id =
        |e: &RecordError| e.id.as_deref().and_then(|s| Guid::parse(s).ok()).filter(|id| in_batch.contains(id));
    let names_an_id = !accepted.is_empty() || reply.envelope.errors.iter().flatten().any(|e| error_id(e).is_some());
    if !names_an_id && !matches!(reply.status, 200 | 400 | 422) {
        return fail(Arc::new(reply.into_error()));
    }
    let envelope = &reply.envelope;
    let mut rejected: HashMap<Guid, (ErrorCode, String)> = HashMap::new();
    let mut unattributed: Option<(ErrorCode, String)> = None;
    for e in envelope.errors.iter().flatten() {
        match error_id(e) {
            Some(id) => match rejected.entry(id) {
                Entry::Occupied(mut o) => {
                    let message = &mut o.get_mut().1;
                    if !message.contains(&e.error_message) {
                        message.push_str("; ");
                        message.push_str(&e.error_message);
                    }
                }
                Entry::Vacant(v) => {
                    v.insert((e.error_code.clone(), e.error_message.clone()));
                }
            },
            None => {
                unattributed.get_or_insert_with(|| (e.error_code.clone(), e.error_message.clone()));
            }
        }
    }
    let whole_request_error = unattributed
        .or_else(|| envelope.error.as_ref().map(|e| (e.error_code.clone(), e.error_message.clone())))
        .filter(|_| !names_an_id && reply.status != 200);
    ids.iter()
        .map(|&id| {
            let outcome = if let Some((code, message)) = rejected.get(&id) {
                Outcome::Rejected { code: code.clone(), message: message.clone() }
            } else if accepted.contains(&id) {
                Outcome::Accepted
            } else if let Some((code, message)) = &whole_request_error {
                Outcome::Rejected { code: code.clone(), message: message.clone() }
            } else {
                Outcome::Unconfirmed { status: reply.status }
            };
            (id, outcome)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use fer_model::VitrinaResponse;

    use super::*;
    use crate::transport::RawResult;

    fn fixture(name: &str) -> VitrinaResponse<RawResult> {
        let path = format!("{}/../fixtures/spec/004/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn reply(status: u16, envelope: VitrinaResponse<RawResult>) -> Result<Reply, Arc<Error>> {
        Ok(Reply { status, envelope, retry_after: None, enveloped: true })
    }

    fn g(s: &str) -> Guid {
        s.parse().unwrap()
    }

    #[test]
    fn spec_r310_answer_rejects_the_repeated_id_even_if_listed_as_sent() {
        let env = fixture("slot_duplicate_id_response.json");
        let id = env.sended_guids[0];
        let other = Guid::new_v4();
        let out = merge_batch(&[id, other], reply(422, env));
        assert!(matches!(&out[0].1, Outcome::Rejected { code: ErrorCode::R310, .. }));
        assert!(matches!(out[1].1, Outcome::Unconfirmed { status: 422 }));
    }

    #[test]
    fn spec_r330_answer_names_the_rejected_id_only() {
        let env = fixture("slot_duplicate_time_response.json");
        let rejected = g(env.errors.as_ref().unwrap()[0].id.as_deref().unwrap());
        let accepted = Guid::new_v4();
        let mut env = env;
        env.sended_guids = vec![accepted];
        let out = merge_batch(&[accepted, rejected], reply(422, env));
        assert!(out[0].1.is_accepted());
        assert!(matches!(&out[1].1, Outcome::Rejected { code: ErrorCode::R330, .. }));
    }

    #[test]
    fn whole_request_refusal_rejects_every_id_and_silence_is_unconfirmed() {
        let ids = [Guid::new_v4(), Guid::new_v4()];
        let refused = VitrinaResponse::failure(400, "R-100", "формат");
        let out = merge_batch(&ids, reply(400, refused));
        assert!(out.iter().all(|(_, o)| matches!(o, Outcome::Rejected { .. })));
        let silent = VitrinaResponse::ok(vec![ids[0]]);
        let out = merge_batch(&ids, reply(200, silent));
        assert!(out[0].1.is_accepted());
        assert!(matches!(out[1].1, Outcome::Unconfirmed { status: 200 }));
        // An id the caller did not send is ignored, never invented.
        let stranger = VitrinaResponse::ok(vec![Guid::new_v4()]);
        assert_eq!(merge_batch(&ids[..1], reply(200, stranger)).len(), 1);
    }

    #[test]
    fn other_statuses_and_errors_fail_the_batch() {
        let ids = [Guid::new_v4()];
        let blocked = VitrinaResponse::failure(405, "X", "заблокировано");
        let out = merge_batch(&ids, reply(405, blocked));
        assert!(matches!(&out[0].1, Outcome::Failed { error } if matches!(**error, Error::Blocked { .. })));
        // A 405 that decides records one by one is read per record.
        let (ok, blocked_id) = (Guid::new_v4(), Guid::new_v4());
        let mut partial = VitrinaResponse::failure(405, "R-405", "заблокировано");
        partial.sended_guids = vec![ok];
        partial.errors = Some(vec![fer_model::RecordError {
            id: Some(blocked_id.to_string()),
            error_message: "подразделение заблокировано".into(),
            error_code: "R-405".into(),
        }]);
        let out = merge_batch(&[ok, blocked_id], reply(405, partial));
        assert!(out[0].1.is_accepted());
        assert!(matches!(&out[1].1, Outcome::Rejected { message, .. } if message.contains("заблокировано")));
        let timeout =
            Arc::new(Error::Timeout { method: "POST".into(), path: "/api/slot".into(), after: Default::default() });
        let out = merge_batch(&ids, Err(timeout));
        assert_eq!(out[0].1.kind(), OutcomeKind::Failed);
    }

    #[test]
    fn report_keeps_input_order_and_the_worst_outcome_of_a_repeated_id() {
        let (a, b) = (Guid::new_v4(), Guid::new_v4());
        let mut r = UploadReport::new(Table::Slot);
        r.record(a, Outcome::Accepted);
        r.record(b, Outcome::Unconfirmed { status: 200 });
        r.record(a, Outcome::Rejected { code: ErrorCode::R310, message: "дубль".into() });
        r.record(a, Outcome::Accepted);
        assert_eq!(r.len(), 2);
        assert_eq!(r.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(r.get(&a).unwrap().kind(), OutcomeKind::Rejected);
        assert_eq!(r.count(OutcomeKind::Unconfirmed), 1);
        assert!(!r.all_accepted());
        let text = format!("{r:#}");
        assert!(text.starts_with("slot: 2 record(s), 0 accepted, 1 rejected, 1 unconfirmed"), "{text}");
        assert!(text.contains(&a.to_string()) && text.contains("R-310"));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// What the simulated Vitrina does with one batch.
        #[derive(Debug, Clone)]
        enum Answer {
            /// Accepts the ids at the given positions, rejects others, mentions a stranger.
            Partial { status: u16, accept: Vec<bool>, reject: Vec<bool>, stranger: bool },
            /// The call failed.
            Fail,
        }

        fn answer() -> impl Strategy<Value = Answer> {
            prop_oneof![
                (
                    prop_oneof![Just(200u16), Just(400), Just(422), Just(405)],
                    proptest::collection::vec(any::<bool>(), 0..8),
                    proptest::collection::vec(any::<bool>(), 0..8),
                    any::<bool>()
                )
                    .prop_map(|(status, accept, reject, stranger)| Answer::Partial {
                        status,
                        accept,
                        reject,
                        stranger
                    }),
                Just(Answer::Fail),
            ]
        }

        proptest! {
            #[test]
            fn every_input_id_appears_exactly_once(
                picks in proptest::collection::vec(0u32..20, 0..60),
                batch_size in 1usize..8,
                answers in proptest::collection::vec(answer(), 8),
                withheld_mod in 1u32..6,
            ) {
                let pool: Vec<Guid> = (0..20).map(|n| format!("00000000-0000-4000-8000-{n:012x}").parse().unwrap()).collect();
                let input: Vec<Guid> = picks.iter().map(|&i| pool[i as usize]).collect();
                let withheld: HashMap<Guid, Outcome> = picks.iter().filter(|&&i| i % withheld_mod == 0 && withheld_mod > 1)
                    .map(|&i| (pool[i as usize], Outcome::Unconfirmed { status: 1 })).collect();
                let sendable: Vec<Guid> = input.iter().copied().filter(|id| !withheld.contains_key(id)).collect();
                let batch_answers: Vec<BatchAnswer> = sendable.chunks(batch_size).enumerate().map(|(b, ids)| {
                    let result = match &answers[b % answers.len()] {
                        Answer::Fail => Err(Arc::new(Error::Config("simulated".into()))),
                        Answer::Partial { status, accept, reject, stranger } => {
                            let pick = |mask: &Vec<bool>| ids.iter().enumerate()
                                .filter(|(i, _)| mask.get(*i).copied().unwrap_or(false)).map(|(_, id)| *id).collect::<Vec<_>>();
                            let mut env = VitrinaResponse::ok(pick(accept));
                            env.status_code = *status;
                            if *stranger { env.sended_guids.push(Guid::new_v4()); }
                            let errors: Vec<_> = pick(reject).into_iter().map(|id| fer_model::RecordError {
                                id: Some(id.to_string()), error_message: "дубль".into(), error_code: ErrorCode::R330 }).collect();
                            if !errors.is_empty() { env.errors = Some(errors); }
                            Ok(Reply { status: *status, envelope: env, retry_after: None, enveloped: true })
                        }
                    };
                    (ids.to_vec(), result)
                }).collect();
                let mut report = UploadReport::new(Table::Slot);
                assemble(&mut report, input.iter().copied(), withheld.clone(), HashMap::new(), batch_answers);

                let mut distinct: Vec<Guid> = Vec::new();
                for id in &input { if !distinct.contains(id) { distinct.push(*id); } }
                let reported: Vec<Guid> = report.iter().map(|(id, _)| *id).collect();
                prop_assert_eq!(&reported, &distinct);
                prop_assert_eq!(OutcomeKind::ALL.iter().map(|&k| report.count(k)).sum::<usize>(), distinct.len());
                for id in withheld.keys() {
                    let ok = matches!(report.get(id), Some(Outcome::Unconfirmed { status: 1 }));
                    prop_assert!(ok, "withheld id lost its outcome");
                }
                // Never a placeholder: every sent id has an outcome from its answer.
                let no_placeholder = report.iter().all(|(_, o)| !matches!(o, Outcome::Unconfirmed { status: 0 }));
                prop_assert!(no_placeholder, "an id sent got no outcome from its answer");
            }
        }
    }
}
