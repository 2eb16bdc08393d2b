//! The sidecar's HTTP intake: `POST /v1/changes` with NDJSON, one change per line, for an MIS that
//! can emit changes but is not written in Rust.
//!
//! ```text
//! {"table": "slot", "record": {"id": "…", "resource_id": "…", …}}
//! {"table": "book", "delete": "7b0c…"}
//! ```
//!
//! * The answer comes once the changes are durable (committed to the store): `200` with
//!   `{"lines", "upserts", "deletes", "changed", "unchanged"}`. Within a request the last line of a
//!   record wins, as it does between requests.
//! * A request with any malformed line is refused whole with `400`, taking nothing: every problem
//!   is listed (the first 100) with its line, table, record id, JSON pointer, rule and message.
//!   Records that are well-formed but break a rule of the Vitrina (a duplicate key, an NSI code)
//!   are taken: the engine parks them with the reason, which `/status` and `/metrics` show.
//! * `503` when the store failed: part of the request may be committed, so send it again whole (a
//!   repeat changes nothing that already arrived).
//! * Bounded: 64 MiB per request once inflated (gzip with `Content-Encoding: gzip` is read),
//!   100,000 lines.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use fer_model::{Dataset, Guid, Record, Table};
use fer_sync::{IntakeCounts, SyncHandle};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The intake's route.
pub const CHANGES_PATH: &str = "/v1/changes";
/// The most bytes a request may have, once inflated.
pub const MAX_BODY_BYTES: usize = 64 << 20;
/// The most lines a request may have.
pub const MAX_LINES: usize = 100_000;
/// The most problems one refusal lists.
const PROBLEMS_LISTED: usize = 100;

/// The intake's router, over the engine's handle; `answers` counts its answers by status code.
pub fn router(handle: SyncHandle, answers: crate::cmd::sync::metrics::Answers) -> Router {
    Router::new().route(CHANGES_PATH, axum::routing::post(changes)).with_state(Intake { handle, answers })
}

#[derive(Clone)]
struct Intake {
    handle: SyncHandle,
    answers: crate::cmd::sync::metrics::Answers,
}

/// One malformed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The line, from 1.
    pub line: usize,
    /// The table the line names, when it names a known one.
    pub table: Option<&'static str>,
    /// The record's id, when it could be read.
    pub id: Option<String>,
    /// The offending value in the line's record (RFC 6901), when the rule is about one.
    pub pointer: Option<String>,
    /// The rule: a fer-validate code (`V001`…) or one of the intake's own: `line-json` (not a
    /// JSON object of the documented shape), `line-table` (no such table), `line-id` (a delete's
    /// id is not a GUID).
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

/// The answer to a request taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Taken {
    /// Lines read (empty ones not counted).
    pub lines: usize,
    /// Records to put on the Vitrina, after the last line of each record won.
    pub upserts: usize,
    /// Records to delete from it.
    pub deletes: usize,
    /// Of those, the ones that changed what the store wants.
    pub changed: u64,
    /// The ones the store already wanted so: nothing to send.
    pub unchanged: u64,
}

/// The answer to a request refused.
#[derive(Debug, Serialize)]
struct Refusal {
    error: String,
    problems: Vec<Problem>,
    problems_total: usize,
}

fn refusal(status: StatusCode, error: String, problems: Vec<Problem>, total: usize) -> Response {
    (status, Json(Refusal { error, problems, problems_total: total })).into_response()
}

async fn changes(State(intake): State<Intake>, headers: HeaderMap, body: axum::body::Body) -> Response {
    let answer = answer(&intake.handle, &headers, body).await;
    intake.answers.count(answer.status());
    answer
}

async fn answer(handle: &SyncHandle, headers: &HeaderMap, body: axum::body::Body) -> Response {
    let limits = fer_http::Limits { compressed: MAX_BODY_BYTES, decompressed: MAX_BODY_BYTES };
    let body = match fer_http::read_body(headers, body, limits).await {
        Ok(body) => body,
        Err(e) => return refusal(e.status(), e.to_string(), Vec::new(), 0),
    };
    let changes = match Changes::parse(&body) {
        Ok(changes) => changes,
        Err(Refused::TooManyLines) => {
            return refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("more than {MAX_LINES} lines; split the request"),
                Vec::new(),
                0,
            );
        }
        Err(Refused::Malformed(problems)) => {
            let total = problems.len();
            let listed = problems.into_iter().take(PROBLEMS_LISTED).collect();
            return refusal(
                StatusCode::BAD_REQUEST,
                format!("{total} malformed line(s); nothing was taken"),
                listed,
                total,
            );
        }
    };
    match changes.apply(handle).await {
        Ok(taken) => (StatusCode::OK, Json(taken)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the intake could not commit a request");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the store failed ({e}); part of the request may be taken: send it again whole"),
                Vec::new(),
                0,
            )
        }
    }
}

/// Why a body is not taken.
#[derive(Debug)]
enum Refused {
    TooManyLines,
    Malformed(Vec<Problem>),
}

/// One line as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    table: String,
    #[serde(borrow, default)]
    record: Option<&'a RawValue>,
    #[serde(default)]
    delete: Option<String>,
}

/// What the last line of a record asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Upsert,
    Delete,
}

/// A request's changes, parsed and coalesced.
#[derive(Debug, Default)]
pub struct Changes {
    lines: usize,
    upserts: Dataset,
    deletes: HashMap<Table, Vec<Guid>>,
}

impl Changes {
    /// Parses an NDJSON body: every line must be well-formed for any to be taken.
    fn parse(body: &[u8]) -> Result<Changes, Refused> {
        let mut changes = Changes::default();
        let mut problems = Vec::new();
        let mut last: HashMap<(Table, Guid), Last> = HashMap::new();
        for (at, text) in body.split(|b| *b == b'\n').enumerate() {
            let text = text.trim_ascii();
            if text.is_empty() {
                continue;
            }
            changes.lines += 1;
            if changes.lines > MAX_LINES {
                return Err(Refused::TooManyLines);
            }
            let line = at + 1;
            match parse_line(line, text) {
                Ok(LineChange::Upsert(table, raw)) => {
                    match fer_model::with_record_type!(table, R => push::<R>(&mut changes.upserts, raw)) {
                        Ok(id) => {
                            last.insert((table, id), Last::Upsert);
                        }
                        Err(message) => problems.push(record_problem(line, table, raw, message)),
                    }
                }
                Ok(LineChange::Delete(table, id)) => {
                    last.insert((table, id), Last::Delete);
                }
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(Refused::Malformed(problems));
        }
        // The last line of each record wins.
        for table in Table::LOAD_ORDER {
            fer_model::with_record_type!(table, R => {
                let rows = changes.upserts.records_mut::<R>();
                let mut seen = HashSet::new();
                let mut kept: Vec<R> = std::mem::take(rows)
                    .into_iter()
                    .rev()
                    .filter(|r| last.get(&(table, r.id())) == Some(&Last::Upsert) && seen.insert(r.id()))
                    .collect();
                kept.reverse();
                *rows = kept;
            });
        }
        for ((table, id), what) in last {
            if what == Last::Delete {
                changes.deletes.entry(table).or_default().push(id);
            }
        }
        Ok(changes)
    }

    /// Hands the changes to the engine: upserts in load order, then deletes. Durable when it
    /// returns `Ok`.
    async fn apply(self, handle: &SyncHandle) -> Result<Taken, fer_sync::SyncError> {
        let mut counts = IntakeCounts::default();
        let mut taken = Taken { lines: self.lines, upserts: 0, deletes: 0, changed: 0, unchanged: 0 };
        let mut add = |c: IntakeCounts| {
            counts.changed += c.changed;
            counts.unchanged += c.unchanged;
            counts.deleted += c.deleted;
        };
        for table in Table::LOAD_ORDER {
            let n = fer_model::with_record_type!(table, R => {
                let rows = self.upserts.records::<R>();
                if !rows.is_empty() {
                    add(handle.upsert(rows).await?);
                }
                rows.len()
            });
            taken.upserts += n;
        }
        for table in Table::LOAD_ORDER {
            if let Some(ids) = self.deletes.get(&table) {
                add(handle.delete(table, ids).await?);
                taken.deletes += ids.len();
            }
        }
        taken.changed = counts.changed + counts.deleted;
        taken.unchanged = counts.unchanged;
        Ok(taken)
    }
}

enum LineChange<'a> {
    Upsert(Table, &'a RawValue),
    Delete(Table, Guid),
}

fn line_problem(line: usize, table: Option<Table>, rule: &str, message: String) -> Problem {
    Problem { line, table: table.map(Table::as_str), id: None, pointer: None, rule: rule.into(), message }
}

fn parse_line(line: usize, text: &[u8]) -> Result<LineChange<'_>, Problem> {
    let parsed: Line<'_> = serde_json::from_slice(text).map_err(|e| {
        line_problem(
            line,
            None,
            "line-json",
            format!(
                "not a change ({e}): write {{\"table\": T, \"record\": {{…}}}} or {{\"table\": T, \"delete\": ID}}"
            ),
        )
    })?;
    let Some(table) = Table::from_wire(&parsed.table) else {
        return Err(line_problem(
            line,
            None,
            "line-table",
            format!("no table {:?}; one of: {}", parsed.table, Table::WIRE_NAMES.join(", ")),
        ));
    };
    match (parsed.record, parsed.delete) {
        (Some(record), None) => Ok(LineChange::Upsert(table, record)),
        (None, Some(id)) => match id.parse::<Guid>() {
            Ok(guid) => Ok(LineChange::Delete(table, guid)),
            Err(e) => Err(Problem { id: Some(id), ..line_problem(line, Some(table), "line-id", e.to_string()) }),
        },
        _ => {
            Err(line_problem(line, Some(table), "line-json", "a line has exactly one of `record` and `delete`".into()))
        }
    }
}

/// Reads a record of table `R` and adds it; its id, or serde's message.
fn push<R: Record>(dataset: &mut Dataset, raw: &RawValue) -> Result<Guid, String> {
    let record: R = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    let id = record.id();
    dataset.records_mut::<R>().push(record);
    Ok(id)
}

/// The problem of a record that does not read as its table's type: the first error of
/// fer-validate's raw check (which names the field and the rule), else serde's message.
fn record_problem(line: usize, table: Table, raw: &RawValue, serde_message: String) -> Problem {
    let body = format!("{{\"data\":[{}]}}", raw.get());
    let report = fer_validate::validate_raw(table, body.as_bytes());
    let first = report.diagnostics.into_iter().find(|d| d.severity == fer_validate::Severity::Error);
    match first {
        Some(d) => Problem {
            line,
            table: Some(table.as_str()),
            id: d.record_id,
            pointer: Some(d.pointer.strip_prefix("/data/0").unwrap_or(&d.pointer).to_owned()),
            rule: d.code.as_str().to_owned(),
            message: d.message_en,
        },
        None => Problem {
            line,
            table: Some(table.as_str()),
            id: None,
            pointer: None,
            rule: "line-json".into(),
            message: serde_message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: &str) -> Vec<Problem> {
        match Changes::parse(body.as_bytes()) {
            Err(Refused::Malformed(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_lines_are_named_with_their_rule() {
        let body = [
            "not json",
            r#"{"table": "slots", "delete": "7b0c8b5e-6f1e-4b59-9a57-6a43d7f1a001"}"#,
            r#"{"table": "slot", "delete": "x"}"#,
            r#"{"table": "slot"}"#,
            r#"{"table": "slot", "record": {"id": "7b0c8b5e-6f1e-4b59-9a57-6a43d7f1a002"}}"#,
        ]
        .join("\n");
        let p = problems(&body);
        let rules: Vec<(usize, &str)> = p.iter().map(|p| (p.line, p.rule.as_str())).collect();
        assert_eq!(rules[..4], [(1, "line-json"), (2, "line-table"), (3, "line-id"), (4, "line-json")]);
        // The record: the validator names the first missing field and its rule.
        assert_eq!((p[4].line, p[4].table), (5, Some("slot")));
        assert!(p[4].rule.starts_with('V'), "{:?}", p[4]);
        assert!(p[4].pointer.as_deref().is_some_and(|ptr| ptr.starts_with('/')), "{:?}", p[4]);
        assert_eq!(p[4].id.as_deref(), Some("7b0c8b5e-6f1e-4b59-9a57-6a43d7f1a002"));
    }

    #[test]
    fn the_last_line_of_a_record_wins() {
        let id = "7b0c8b5e-6f1e-4b59-9a57-6a43d7f1a003";
        let mo = fer_testkit::fixture::json(fer_testkit::Doc::Vitrina, "mo_batch_duplicate_name.json");
        let mut record = mo["data"][0].clone();
        record["id"] = serde_json::json!(id);
        let up = |name: &str| {
            let mut r = record.clone();
            r["name"] = serde_json::json!(name);
            serde_json::json!({"table": "mo", "record": r}).to_string()
        };
        let delete = serde_json::json!({"table": "mo", "delete": id}).to_string();
        let c = Changes::parse([up("a"), up("b")].join("\n").as_bytes()).unwrap();
        assert_eq!((c.lines, c.upserts.records::<fer_model::Mo>().len(), c.deletes.len()), (2, 1, 0));
        assert_eq!(c.upserts.records::<fer_model::Mo>()[0].name, "b");
        let c = Changes::parse([up("a"), delete.clone()].join("\n\n").as_bytes()).unwrap();
        assert_eq!((c.upserts.records::<fer_model::Mo>().len(), c.deletes[&Table::Mo].len()), (0, 1));
        let c = Changes::parse([delete, up("c")].join("\n").as_bytes()).unwrap();
        assert_eq!((c.upserts.records::<fer_model::Mo>().len(), c.deletes.len()), (1, 0));
    }

    #[test]
    fn too_many_lines_are_refused() {
        let line = "{\"table\": \"slot\", \"delete\": \"7b0c8b5e-6f1e-4b59-9a57-6a43d7f1a001\"}\n";
        assert!(matches!(Changes::parse(line.repeat(MAX_LINES + 1).as_bytes()), Err(Refused::TooManyLines)));
    }
}
