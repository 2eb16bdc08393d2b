//! Whole datasets: every table in load order (section 5 of the profile, [`fer_model::spec::profile`]; [`Table::LOAD_ORDER`]), with
//! the children of a parent that was not accepted withheld and reported as skipped.

use std::collections::HashMap;
use std::fmt;

use fer_model::{Guid, Record, Table};
use fer_validate::{Dataset, DatasetExt, Diagnostic, RuleCode, Severity, Subject, Validate};

use crate::client::VitrinaClient;
use crate::config::Preflight;
use crate::error::Error;
use crate::upload::{Outcome, OutcomeKind, SkipReason, UploadReport, upload};

/// The result of [`VitrinaClient::upload_dataset`]: one [`UploadReport`] per table, in load order.
///
/// `Display` prints a total and one summary line per table that had records; `{:#}` adds every
/// record that was not accepted.
#[derive(Debug, Clone)]
pub struct DatasetReport {
    tables: Vec<UploadReport>,
    warnings: Vec<Diagnostic>,
}

impl DatasetReport {
    /// The report of one table.
    pub fn table(&self, table: Table) -> Option<&UploadReport> {
        self.tables.iter().find(|r| r.table() == table)
    }

    /// Every table's report, in load order.
    pub fn iter(&self) -> impl Iterator<Item = &UploadReport> {
        self.tables.iter()
    }

    /// The outcome of one record.
    pub fn outcome(&self, table: Table, id: &Guid) -> Option<&Outcome> {
        self.table(table)?.get(id)
    }

    /// The number of records of every table whose outcome is of `kind`.
    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.tables.iter().map(|r| r.count(kind)).sum()
    }

    /// The number of records in the dataset (distinct ids per table).
    pub fn len(&self) -> usize {
        self.tables.iter().map(UploadReport::len).sum()
    }

    /// True when the dataset had no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when every record of every table was accepted.
    pub fn all_accepted(&self) -> bool {
        self.tables.iter().all(UploadReport::all_accepted)
    }

    /// Pre-flight warnings of the whole dataset.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}

impl fmt::Display for DatasetReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dataset: {} record(s)", self.len())?;
        for kind in OutcomeKind::ALL {
            let n = self.count(kind);
            if n > 0 || kind == OutcomeKind::Accepted {
                write!(f, ", {n} {kind}")?;
            }
        }
        for report in self.tables.iter().filter(|r| !r.is_empty()) {
            if f.alternate() { write!(f, "\n{report:#}")? } else { write!(f, "\n{report}")? }
        }
        Ok(())
    }
}

/// What the upload knows so far: the records of the dataset that were not accepted.
#[derive(Debug, Default)]
struct Progress {
    not_accepted: HashMap<(Table, Guid), OutcomeKind>,
}

impl Progress {
    /// The first parent of `record` that is in the dataset and was not accepted.
    fn blocked_by<T: Record>(&self, record: &T) -> Option<SkipReason> {
        record.parents().into_iter().find_map(|p| {
            self.not_accepted.get(&(p.table, p.id)).map(|&kind| SkipReason {
                parent_table: p.table,
                field: p.field,
                parent_id: p.id,
                parent_outcome: kind,
            })
        })
    }

    fn learn(&mut self, report: &UploadReport) {
        for (id, outcome) in report.not_accepted() {
            self.not_accepted.insert((report.table(), *id), outcome.kind());
        }
    }
}

impl VitrinaClient {
    /// Uploads a whole dataset: the tables in [`Table::LOAD_ORDER`] (MO, resource, service,
    /// profilecode_resource, unaccessable_period, slot, referral, book), each with
    /// [`upsert`](VitrinaClient::upsert)'s batching and concurrency.
    ///
    /// A record whose parent (by [`Record::parents`]) is in the dataset but was not accepted is not
    /// sent: it is reported as [`Outcome::Skipped`] with the parent and its outcome, and its own
    /// children are skipped in turn. Parents not in the dataset are assumed to be on the Vitrina.
    ///
    /// Pre-flight runs [`Dataset::validate`] (every batch rule and every cross-table rule) once:
    /// in strict mode any error refuses the whole dataset with [`Error::Validation`]; per record,
    /// records with errors are reported as [`Outcome::Invalid`] and their children skipped.
    ///
    /// # Deltas
    ///
    /// A dataset may be a delta: the slots whose status changed and their new books, while the
    /// subdivisions, resources and services they name are already on the Vitrina (section 5,
    /// «Описание подсистем»: every table is sent on its own, and slot data at least every 30
    /// seconds, the other tables hourly). The pre-flight therefore cannot tell a parent that is
    /// missing from one that was sent earlier, and the Vitrina is the one that knows. The rules
    /// that judge a record by the *absence* of another record from the dataset are downgraded to
    /// warnings here (kept in [`DatasetReport::warnings`]), in both [`Preflight::PerRecord`] and
    /// [`Preflight::Strict`], so that a delta is sent: an unresolved reference (`V060`), a
    /// RECORDED slot without its active book (`V044`), a RECORDED referral without an active book
    /// (`V042`), a referral's profile (`V062`) or service (`V063`) not found. Every rule that
    /// finds a conflict between records that *are* in the dataset (an active book of a slot that
    /// is not RECORDED, a slot whose subdivision is not its resource's, …) stays an error. The
    /// whole-dataset rules are still available through [`Dataset::validate`].
    pub async fn upload_dataset(&self, dataset: &Dataset) -> Result<DatasetReport, Error> {
        let preflight = self.config().preflight;
        let (mut invalid, warnings) = match preflight {
            Preflight::Off => (HashMap::new(), Vec::new()),
            Preflight::Strict | Preflight::PerRecord => {
                let findings = delta_tolerant(dataset.validate());
                if preflight == Preflight::Strict && findings.has_errors() {
                    return Err(Error::Validation(findings));
                }
                attribute(dataset, findings)?
            }
        };
        let mut progress = Progress::default();
        let mut tables = Vec::with_capacity(Table::LOAD_ORDER.len());
        for table in Table::LOAD_ORDER {
            let report = fer_model::with_record_type!(table, R => {
                self.upload_table(dataset.records::<R>(), &mut invalid, &progress).await?
            });
            progress.learn(&report);
            tables.push(report);
        }
        let report = DatasetReport { tables, warnings };
        tracing::info!("{report}");
        Ok(report)
    }

    async fn upload_table<T: Record + Validate>(
        &self,
        records: &[T],
        invalid: &mut HashMap<(Table, Guid), Vec<Diagnostic>>,
        progress: &Progress,
    ) -> Result<UploadReport, Error> {
        let mut withheld = HashMap::new();
        for record in records {
            let id = record.id();
            if let Some(diagnostics) = invalid.remove(&(T::TABLE, id)) {
                withheld.insert(id, Outcome::Invalid { diagnostics });
            } else if let Some(reason) = progress.blocked_by(record) {
                withheld.insert(id, Outcome::Skipped { reason });
            }
        }
        // The dataset was validated as a whole already.
        upload(self.transport(), records, Preflight::Off, withheld).await
    }
}

/// A dataset uploaded in chunks while the caller reads it ([`VitrinaClient::dataset_upload`]):
/// memory for the records in flight and for the report (an id and an outcome per record), never
/// for the whole dataset.
///
/// Send the tables in [`Table::LOAD_ORDER`], each in as many chunks as it takes
/// ([`send`](Self::send)); a record whose parent was sent earlier and not accepted is skipped as
/// in [`VitrinaClient::upload_dataset`], and [`finish`](Self::finish) gives the same report. The
/// caller validates first (the whole-dataset rules need every table; fer-validate's
/// `DatasetReader` runs them record by record) and passes the records it found wrong as
/// `invalid`: they are reported as [`Outcome::Invalid`], not sent, and their children skipped.
///
/// ```no_run
/// # async fn demo(client: fer_client::VitrinaClient, chunks: Vec<Vec<fer_model::Slot>>) -> Result<(), fer_client::Error> {
/// let mut upload = client.dataset_upload();
/// for chunk in &chunks {
///     upload.send(chunk, Default::default()).await?;
/// }
/// let report = upload.finish();
/// println!("{report}");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DatasetUpload<'c> {
    client: &'c VitrinaClient,
    progress: Progress,
    tables: Vec<UploadReport>,
}

impl VitrinaClient {
    /// Starts an upload of a dataset in chunks (see [`DatasetUpload`]).
    pub fn dataset_upload(&self) -> DatasetUpload<'_> {
        DatasetUpload {
            client: self,
            progress: Progress::default(),
            tables: Table::LOAD_ORDER.iter().map(|t| UploadReport::new(*t)).collect(),
        }
    }
}

impl DatasetUpload<'_> {
    /// Sends a chunk of one table's records (with the client's batching and concurrency); the
    /// records in `invalid` (by id, with the diagnostics that refused them) are reported, not sent.
    /// Fails only as [`VitrinaClient::upsert`] does (a transport or authentication failure).
    pub async fn send<T: Record + Validate>(
        &mut self,
        records: &[T],
        invalid: HashMap<Guid, Vec<Diagnostic>>,
    ) -> Result<(), Error> {
        let mut invalid: HashMap<(Table, Guid), Vec<Diagnostic>> =
            invalid.into_iter().map(|(id, d)| ((T::TABLE, id), d)).collect();
        let report = self.client.upload_table(records, &mut invalid, &self.progress).await?;
        self.progress.learn(&report);
        if let Some(table) = self.tables.iter_mut().find(|r| r.table() == T::TABLE) {
            table.absorb(report);
        }
        Ok(())
    }

    /// The report of every chunk sent, one [`UploadReport`] per table in load order.
    pub fn finish(self) -> DatasetReport {
        let report = DatasetReport { tables: self.tables, warnings: Vec::new() };
        tracing::info!("{report}");
        report
    }
}

/// The rules that find a record wrong only because another record is absent from the dataset:
/// a delta leaves those records on the Vitrina (see [`VitrinaClient::upload_dataset`], «Deltas»).
const ABSENCE_RULES: [RuleCode; 5] = [
    RuleCode::Unresolved,
    RuleCode::SlotRecordedWithoutBook,
    RuleCode::ReferralRecordedWithoutBook,
    RuleCode::ReferralProfile,
    RuleCode::ReferralService,
];

/// The dataset's findings with the [`ABSENCE_RULES`] turned into warnings.
fn delta_tolerant(mut findings: fer_validate::Report) -> fer_validate::Report {
    for d in &mut findings.diagnostics {
        if ABSENCE_RULES.contains(&d.code) {
            d.severity = Severity::Warning;
        }
    }
    findings
}

type Attributed = (HashMap<(Table, Guid), Vec<Diagnostic>>, Vec<Diagnostic>);

/// Sorts the dataset's findings: errors by (table, record id), warnings apart. An error that names
/// no record of the dataset refuses the whole upload.
fn attribute(dataset: &Dataset, findings: fer_validate::Report) -> Result<Attributed, Error> {
    let mut invalid: HashMap<(Table, Guid), Vec<Diagnostic>> = HashMap::new();
    let mut warnings = Vec::new();
    let mut unattributed = false;
    for d in &findings.diagnostics {
        if d.severity != Severity::Error {
            warnings.push(d.clone());
            continue;
        }
        let key = match (d.table, d.record_id.as_deref().map(Guid::parse)) {
            (Subject::Table(table), Some(Ok(id))) if contains(dataset, table, id) => Some((table, id)),
            _ => None,
        };
        match key {
            Some(key) => invalid.entry(key).or_default().push(d.clone()),
            None => unattributed = true,
        }
    }
    if unattributed {
        return Err(Error::Validation(findings));
    }
    Ok((invalid, warnings))
}

fn contains(dataset: &Dataset, table: Table, id: Guid) -> bool {
    fer_model::with_record_type!(table, R => dataset.records::<R>().iter().any(|r| r.id() == id))
}
