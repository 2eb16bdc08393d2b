//! The last uploads (`POST /api/<table>`) with every refused record and its reason, and the
//! freshness of what each organisation pushes, per table.
//!
//! The ring is bounded: at most [`UPLOADS_KEPT`] uploads, each keeping at most
//! [`REFUSALS_KEPT`] of its refused records (the count of the others is kept), every id and
//! message cut to [`TEXT_BYTES`], and all together at most [`UPLOADS_BYTES`] (the oldest uploads go
//! first). The freshness counters are one per organisation and table: the organisations are the
//! configured accounts (an upload needs a token), so they are bounded too.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use fer_model::{Oid, Table};

use super::html::{E, age, at, pager, status_class};
use crate::server::envelope::RequestError;
use crate::store::rules::BatchOutcome;

/// Uploads kept in the ring.
pub const UPLOADS_KEPT: usize = 100;
/// Refused records kept per upload (the others are counted).
pub const REFUSALS_KEPT: usize = 200;
/// Bytes of each id and message kept.
pub const TEXT_BYTES: usize = 1024;
/// Bytes of ids and messages the whole ring keeps.
pub const UPLOADS_BYTES: usize = 4 << 20;

/// One refused record of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// Its id as written, when it could be read.
    pub id: Option<String>,
    /// The error code of the answer's `errors`.
    pub code: String,
    /// The reason, as the answer gave it.
    pub message: String,
}

/// One upload as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Upload {
    /// Its number, from 1.
    pub seq: u64,
    /// When it was answered.
    pub at: DateTime<Utc>,
    /// The organisation whose token sent it.
    pub org: Option<Oid>,
    /// The table.
    pub table: Table,
    /// The answer's HTTP status.
    pub status: u16,
    /// Records accepted.
    pub accepted: usize,
    /// Records refused (all of them, kept or not).
    pub refused_total: usize,
    /// The refused records kept, in request order.
    pub refused: Vec<Refused>,
    /// Why the request as a whole was refused, if it was (not a batch, too large, ...).
    pub whole: Option<String>,
}

impl Upload {
    /// The weight of an upload in [`UPLOADS_BYTES`].
    fn weight(&self) -> usize {
        let refused: usize =
            self.refused.iter().map(|r| r.id.as_ref().map_or(0, String::len) + r.code.len() + r.message.len()).sum();
        refused + self.whole.as_ref().map_or(0, String::len) + 64
    }
}

/// What an upload's answer said, before the ring numbers it.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    table: Table,
    org: Option<Oid>,
    accepted: usize,
    refused_total: usize,
    refused: Vec<Refused>,
    whole: Option<String>,
}

/// `text` cut to [`TEXT_BYTES`] on a character boundary (with `…` when cut).
fn cut(text: &str) -> String {
    if text.len() <= TEXT_BYTES {
        return text.to_owned();
    }
    let mut end = TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl Report {
    /// The report of a batch the store decided: its accepted and refused records, the errors of
    /// the request as a whole first (refusals without an id, as the answer's `errors` has them).
    pub fn batch(table: Table, org: Option<&Oid>, outcome: &BatchOutcome, request_errors: &[RequestError]) -> Report {
        let refused_total = outcome.refused.len() + request_errors.len();
        let refused = request_errors
            .iter()
            .map(|e| Refused { id: None, code: cut(&e.code), message: cut(&e.message) })
            .chain(outcome.refused.iter().map(|(id, r)| Refused {
                id: id.as_deref().map(cut),
                code: cut(r.code.as_str()),
                message: cut(&r.message),
            }))
            .take(REFUSALS_KEPT)
            .collect();
        Report { table, org: org.cloned(), accepted: outcome.accepted.len(), refused_total, refused, whole: None }
    }

    /// The report of a request refused whole (a body that is not a batch, too large, ...).
    pub fn whole(table: Table, org: Option<&Oid>, message: &str) -> Report {
        Report {
            table,
            org: org.cloned(),
            accepted: 0,
            refused_total: 0,
            refused: Vec::new(),
            whole: Some(cut(message)),
        }
    }
}

/// The freshness of one organisation's uploads of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Freshness {
    /// Uploads answered.
    pub uploads: u64,
    /// Records accepted, in all.
    pub accepted: u64,
    /// Records refused, in all.
    pub refused: u64,
    /// When the last upload was answered, and its status.
    pub last: (DateTime<Utc>, u16),
    /// When the last upload that had a record accepted was answered.
    pub last_accepted: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct Inner {
    last_seq: u64,
    weight: usize,
    kept: VecDeque<Upload>,
    freshness: BTreeMap<(Option<Oid>, Table), Freshness>,
}

/// The last uploads and the freshness counters of one emulator.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    inner: Mutex<Inner>,
}

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps an upload answered with `status` now, dropping the oldest beyond the bounds.
    pub fn record(&self, report: Report, status: u16) {
        let now = Utc::now();
        let mut inner = self.lock();
        inner.last_seq += 1;
        let upload = Upload {
            seq: inner.last_seq,
            at: now,
            org: report.org,
            table: report.table,
            status,
            accepted: report.accepted,
            refused_total: report.refused_total,
            refused: report.refused,
            whole: report.whole,
        };
        let fresh = inner.freshness.entry((upload.org.clone(), upload.table)).or_insert(Freshness {
            uploads: 0,
            accepted: 0,
            refused: 0,
            last: (now, status),
            last_accepted: None,
        });
        fresh.uploads += 1;
        fresh.accepted += upload.accepted as u64;
        fresh.refused += upload.refused_total as u64;
        fresh.last = (now, status);
        if upload.accepted > 0 {
            fresh.last_accepted = Some(now);
        }
        inner.weight += upload.weight();
        inner.kept.push_back(upload);
        while inner.kept.len() > UPLOADS_KEPT || (inner.weight > UPLOADS_BYTES && inner.kept.len() > 1) {
            let Some(old) = inner.kept.pop_front() else { break };
            inner.weight -= old.weight();
        }
    }

    /// At most `limit` uploads from the `skip`-th, newest first, and how many are kept.
    pub fn newest(&self, skip: usize, limit: usize) -> (Vec<Upload>, usize) {
        let inner = self.lock();
        (inner.kept.iter().rev().skip(skip).take(limit).cloned().collect(), inner.kept.len())
    }

    /// One kept upload.
    pub fn get(&self, seq: u64) -> Option<Upload> {
        self.lock().kept.iter().find(|u| u.seq == seq).cloned()
    }

    /// The freshness counters, by organisation and table.
    pub fn freshness(&self) -> Vec<((Option<Oid>, Table), Freshness)> {
        self.lock().freshness.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// The uploads shown on one page of `/uploads`, and the refusals shown per upload there.
pub(crate) const UPLOADS_PER_PAGE: usize = 20;
const REFUSALS_INLINE: usize = 20;
/// The refusals shown on one page of `/uploads/{seq}`.
pub(crate) const REFUSALS_PER_PAGE: usize = 100;

fn org_cell(org: &Option<Oid>) -> String {
    match org {
        Some(oid) => format!("<a class=\"mono\" href=\"/org/{0}\">{0}</a>", E(oid)),
        None => "<span class=\"muted\">—</span>".to_owned(),
    }
}

fn table_cell(table: Table) -> String {
    format!("{} <span class=\"muted mono\">{}</span>", E(table.name_ru()), E(table.path()))
}

/// The freshness table: per organisation and table, the uploads, the records, and the age of the
/// last upload and of the last accepted record.
pub(crate) fn render_freshness(rows: &[((Option<Oid>, Table), Freshness)], now: DateTime<Utc>) -> String {
    let mut out = String::from("<h2>Freshness of uploads</h2>");
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No upload since the emulator started.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"freshness\"><tr><th>organisation</th><th>table</th><th class=\"n\">uploads</th>\
         <th class=\"n\">accepted</th><th class=\"n\">refused</th><th>last upload</th><th class=\"n\">age</th>\
         <th class=\"n\">last accepted</th></tr>",
    );
    for ((org, table), f) in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td>{} <span class=\"badge {}\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            org_cell(org),
            table_cell(*table),
            f.uploads,
            f.accepted,
            f.refused,
            E(at(f.last.0)),
            status_class(Some(f.last.1)),
            f.last.1,
            E(format!("{} ago", age(now, f.last.0))),
            f.last_accepted.map_or_else(|| "—".to_owned(), |t| format!("{} ago", age(now, t))),
        );
    }
    out.push_str("</table>");
    out
}

fn render_refusals(out: &mut String, refused: &[Refused]) {
    out.push_str("<table class=\"refused\"><tr><th>record id</th><th>code</th><th>reason</th></tr>");
    for r in refused {
        let _ = write!(
            out,
            "<tr class=\"refusal\"><td class=\"mono\">{}</td><td><span class=\"badge bad\">{}</span></td>\
             <td class=\"msg\">{}</td></tr>",
            r.id.as_deref().map_or_else(|| "<span class=\"muted\">—</span>".to_owned(), |id| E(id).to_string()),
            E(&r.code),
            E(&r.message)
        );
    }
    out.push_str("</table>");
}

fn render_head(out: &mut String, u: &Upload, now: DateTime<Utc>) {
    let _ = write!(
        out,
        "<h3>#{} · {} · <span class=\"badge {}\">{}</span> · {} accepted, {} refused</h3>\
         <div class=\"small muted\">{} ({} ago) · {}</div>",
        u.seq,
        table_cell(u.table),
        status_class(Some(u.status)),
        u.status,
        u.accepted,
        u.refused_total,
        E(at(u.at)),
        E(age(now, u.at)),
        org_cell(&u.org),
    );
    if let Some(whole) = &u.whole {
        let _ = write!(out, "<p class=\"whole\"><span class=\"badge bad\">refused</span> {}</p>", E(whole));
    }
}

/// `/uploads`: the freshness table, then the last uploads, newest first, each with its first
/// refusals (all of them on its own page).
pub(crate) fn render_list(
    uploads: &[Upload],
    offset: usize,
    total: usize,
    freshness: &[((Option<Oid>, Table), Freshness)],
    now: DateTime<Utc>,
) -> String {
    let mut out = String::from("<h1>Uploads</h1>");
    let _ = write!(
        out,
        "<p class=\"muted\">The last {UPLOADS_KEPT} uploads (<code>POST /api/&lt;table&gt;</code>) are kept, newest \
         first, with every refused record and the reason the Vitrina gave.</p>"
    );
    out.push_str(&render_freshness(freshness, now));
    out.push_str("<h2>Last uploads</h2>");
    if uploads.is_empty() {
        out.push_str("<p class=\"empty\">No upload kept.</p>");
    }
    for u in uploads {
        let _ = write!(out, "<div class=\"upload\" id=\"upload-{}\">", u.seq);
        render_head(&mut out, u, now);
        if !u.refused.is_empty() {
            render_refusals(&mut out, &u.refused[..u.refused.len().min(REFUSALS_INLINE)]);
        }
        if u.refused_total > REFUSALS_INLINE {
            let _ = write!(out, "<p><a href=\"/uploads/{}\">all {} refused records »</a></p>", u.seq, u.refused_total);
        }
        out.push_str("</div>");
    }
    out.push_str(&pager("/uploads?", offset, UPLOADS_PER_PAGE, total));
    out
}

/// `/uploads/{seq}`: one upload with its kept refusals, a page at a time.
pub(crate) fn render_one(u: &Upload, offset: usize, now: DateTime<Utc>) -> String {
    let mut out = format!(
        "<div class=\"crumbs\"><a href=\"/uploads\">Uploads</a> › #{}</div><h1>Upload #{}</h1><div class=\"upload\">",
        u.seq, u.seq
    );
    render_head(&mut out, u, now);
    let page: Vec<Refused> = u.refused.iter().skip(offset).take(REFUSALS_PER_PAGE).cloned().collect();
    if !page.is_empty() {
        render_refusals(&mut out, &page);
    }
    out.push_str("</div>");
    if u.refused_total > u.refused.len() {
        let _ = write!(
            out,
            "<p class=\"muted\">The first {} refused records are kept; {} more were refused.</p>",
            u.refused.len(),
            u.refused_total - u.refused.len()
        );
    }
    out.push_str(&pager(&format!("/uploads/{}?", u.seq), offset, REFUSALS_PER_PAGE, u.refused.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::rules::Refusal;

    fn outcome(refused: usize) -> BatchOutcome {
        BatchOutcome {
            accepted: vec![fer_model::Guid::new_v4()],
            refused: (0..refused)
                .map(|i| (Some(format!("<script>id-{i}</script>")), Refusal::format("FORMAT", format!("плохо <{i}>"))))
                .collect(),
        }
    }

    #[test]
    fn the_ring_is_bounded_and_counts_freshness() {
        let uploads = Uploads::default();
        let org: Oid = crate::DEFAULT_USERNAME.parse().unwrap();
        for _ in 0..UPLOADS_KEPT + 3 {
            uploads.record(Report::batch(Table::Slot, Some(&org), &outcome(REFUSALS_KEPT + 5), &[]), 400);
        }
        let (page, total) = uploads.newest(0, 5);
        assert_eq!((page.len(), total), (5, UPLOADS_KEPT));
        assert_eq!(page[0].seq, (UPLOADS_KEPT + 3) as u64, "newest first");
        assert_eq!((page[0].refused.len(), page[0].refused_total), (REFUSALS_KEPT, REFUSALS_KEPT + 5));
        assert!(uploads.get(1).is_none() && uploads.get(4).is_some());
        let fresh = uploads.freshness();
        assert_eq!(fresh.len(), 1);
        let f = fresh[0].1;
        assert_eq!((f.uploads, f.accepted, f.last.1), ((UPLOADS_KEPT + 3) as u64, (UPLOADS_KEPT + 3) as u64, 400));
        // Long texts are cut, and the byte budget holds.
        let long = "я".repeat(10 * TEXT_BYTES);
        for _ in 0..UPLOADS_KEPT {
            let mut o = outcome(0);
            o.refused =
                (0..REFUSALS_KEPT).map(|_| (Some(long.clone()), Refusal::format("FORMAT", long.clone()))).collect();
            uploads.record(Report::batch(Table::Mo, None, &o, &[]), 400);
        }
        let inner = uploads.lock();
        assert!(inner.weight <= UPLOADS_BYTES, "{}", inner.weight);
        assert!(inner.kept.back().unwrap().refused[0].message.len() <= TEXT_BYTES + "…".len());
    }

    #[test]
    fn refusals_render_as_text() {
        let uploads = Uploads::default();
        let errors = [RequestError { code: "FORMAT".into(), message: "<b>root</b>".into() }];
        uploads.record(Report::batch(Table::Slot, None, &outcome(30), &errors), 400);
        uploads.record(Report::whole(Table::Book, None, "Тело запроса <не JSON>"), 400);
        let now = Utc::now();
        let (list, total) = uploads.newest(0, UPLOADS_PER_PAGE);
        let html = render_list(&list, 0, total, &uploads.freshness(), now);
        assert!(!html.contains("<script>") && !html.contains("<b>root"), "{html}");
        assert!(html.contains("&lt;script&gt;id-0&lt;/script&gt;") && html.contains("плохо &lt;0&gt;"));
        assert!(html.contains("Тело запроса &lt;не JSON&gt;"));
        assert!(html.contains("href=\"/uploads/1\">all 31 refused records"), "{html}");
        assert_eq!(html.matches("class=\"refusal\"").count(), REFUSALS_INLINE, "the inline refusals are bounded");
        let one = render_one(&uploads.get(1).unwrap(), 0, now);
        assert_eq!(one.matches("class=\"refusal\"").count(), 31);
        assert!(one.contains("id-29") && !one.contains("<script>"));
    }
}
