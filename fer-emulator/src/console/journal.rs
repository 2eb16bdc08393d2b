//! `/journal`: the journal of exchanges, newest first, a page at a time: the gateway's calls to
//! the MIS's webhook (book, cancel, the registration probe) by default, the MIS's calls to the
//! Vitrina on the second tab. Bodies are shown as the journal keeps them, with patient data and
//! secrets masked (fer-model's [`redact`](fer_model::redact) keys, applied again here so that
//! nothing the journal let through can reach the page).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::html::{E, age, pager, status_class};
use crate::journal::{Direction, JournalEntry};

/// Entries on one page.
pub(crate) const ENTRIES_PER_PAGE: usize = 50;
/// Characters of an answer shown on its row (the whole of it is under «bodies»).
const ANSWER_INLINE: usize = 160;

/// Which exchanges a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// The gateway's calls to the webhook.
    Gateway,
    /// The MIS's calls to the Vitrina.
    Vitrina,
    /// Both.
    All,
}

impl Filter {
    /// The filter a `?dir=` value names (the gateway's by default).
    pub fn parse(value: Option<&str>) -> Filter {
        match value {
            Some("vitrina") => Filter::Vitrina,
            Some("all") => Filter::All,
            _ => Filter::Gateway,
        }
    }

    /// Whether an entry of this direction is shown.
    pub fn keeps(self, direction: Direction) -> bool {
        match self {
            Filter::Gateway => direction == Direction::Outbound,
            Filter::Vitrina => direction == Direction::Inbound,
            Filter::All => true,
        }
    }

    fn value(self) -> &'static str {
        match self {
            Filter::Gateway => "gateway",
            Filter::Vitrina => "vitrina",
            Filter::All => "all",
        }
    }
}

/// A body as shown: masked again, pretty-printed.
fn shown(body: &Value) -> String {
    let mut body = body.clone();
    fer_model::redact::redact_value(&mut body);
    serde_json::to_string_pretty(&body).unwrap_or_default()
}

/// The start of a body on one line.
fn inline(body: &Value) -> String {
    let mut body = body.clone();
    fer_model::redact::redact_value(&mut body);
    let text = body.to_string();
    match text.char_indices().nth(ANSWER_INLINE) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// The journal page: tabs, then a table of `entries` (newest first) from `offset` of `total`.
pub(crate) fn render(
    entries: &[JournalEntry],
    filter: Filter,
    offset: usize,
    total: usize,
    now: DateTime<Utc>,
) -> String {
    let mut out = String::from(
        "<h1>Journal</h1><p class=\"muted\">Every exchange the emulator took part in, newest first. Patient data, passwords and tokens are masked (<code>***</code>).</p><div class=\"tabs\">",
    );
    for (f, label) in
        [(Filter::Gateway, "Gateway → MIS webhook"), (Filter::Vitrina, "MIS → Vitrina"), (Filter::All, "All")]
    {
        let on = if f == filter { " class=\"on\"" } else { "" };
        let _ = write!(out, "<a href=\"/journal?dir={}\"{on}>{label}</a>", f.value());
    }
    out.push_str("</div>");
    if entries.is_empty() {
        out.push_str("<p class=\"empty\">No exchange of this kind yet.</p>");
        return out;
    }
    out.push_str(
        "<table id=\"journal\"><tr><th class=\"n\">#</th><th>when</th><th>call</th><th class=\"n\">status</th>\
         <th class=\"n\">time</th><th class=\"n\">sent</th><th>answer</th></tr>",
    );
    for e in entries {
        let arrow = match e.direction {
            Direction::Outbound => "gateway → MIS",
            Direction::Inbound => "MIS → Vitrina",
        };
        let status = e.status.map_or_else(|| "none".to_owned(), |s| s.to_string());
        let _ = write!(
            out,
            "<tr class=\"entry\" id=\"entry-{}\"><td class=\"n\">{}</td><td class=\"small\">{}<br>\
             <span class=\"muted\">{} ago</span></td><td><span class=\"small muted\">{arrow}</span><br>\
             <b>{}</b> <span class=\"mono\">{}</span></td><td class=\"n\"><span class=\"badge {}\">{}</span></td>\
             <td class=\"n\">{} ms</td><td class=\"n\">{} B</td><td>",
            e.seq,
            e.seq,
            E(e.at.format("%H:%M:%S%.3f")),
            E(age(now, e.at)),
            E(&e.method),
            E(&e.url),
            status_class(e.status),
            E(status),
            e.duration_ms,
            e.request_bytes,
        );
        if let Some(error) = &e.error {
            let _ = write!(out, "<div class=\"bad small\">{}</div>", E(error));
        }
        if let Some(answer) = &e.response_body {
            let _ = write!(out, "<div class=\"mono small\">{}</div>", E(inline(answer)));
        }
        if e.request_body.is_some() || e.response_body.is_some() {
            out.push_str("<details><summary>bodies</summary>");
            if let Some(request) = &e.request_body {
                let _ = write!(out, "<div class=\"small muted\">request</div><pre>{}</pre>", E(shown(request)));
            }
            if let Some(answer) = &e.response_body {
                let _ = write!(out, "<div class=\"small muted\">answer</div><pre>{}</pre>", E(shown(answer)));
            }
            out.push_str("</details>");
        }
        if e.truncated {
            out.push_str("<div class=\"small muted\">cut to the journal's limits</div>");
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
    out.push_str(&pager(&format!("/journal?dir={}&", filter.value()), offset, ENTRIES_PER_PAGE, total));
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn patient_data_is_masked_and_every_value_escaped() {
        let entry = JournalEntry {
            seq: 7,
            at: Utc::now(),
            direction: Direction::Outbound,
            method: "POST".into(),
            url: "http://127.0.0.1:9/booking/book?<x>".into(),
            status: Some(200),
            duration_ms: 12,
            request_bytes: 300,
            // As if the journal had let the patient through: the page masks it again.
            request_body: Some(json!({"slot_id": "s-1", "patient_data_rrp": {"snils": "11147535028"}})),
            response_body: Some(json!({"status": {"status_code": 0, "status_message": "<ok>"}})),
            error: Some("<boom>".into()),
            truncated: false,
        };
        let html = render(&[entry], Filter::Gateway, 0, 1, Utc::now());
        assert!(!html.contains("11147535028"), "{html}");
        assert!(html.contains("&quot;snils&quot;: &quot;***&quot;"), "{html}");
        assert!(html.contains("booking/book?&lt;x&gt;") && html.contains("&lt;boom&gt;"));
        assert!(html.contains("&lt;ok&gt;") && !html.contains("<ok>"));
        assert!(html.contains("<a href=\"/journal?dir=gateway\" class=\"on\">"));
        assert_eq!(Filter::parse(Some("vitrina")), Filter::Vitrina);
        assert!(Filter::parse(None).keeps(Direction::Outbound) && !Filter::Gateway.keeps(Direction::Inbound));
    }
}
