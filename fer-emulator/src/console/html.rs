//! The console's HTML building blocks: escaping ([`E`]), the page frame ([`page`]), the pager,
//! times and ages, and the static style sheet and script.
//!
//! Every value that comes from a record, a request or an answer reaches the page through [`E`],
//! which escapes `& < > " '` for element text and quoted attribute values alike. The page itself
//! never loads anything from elsewhere: the style sheet and the script are served by the console
//! (`/assets/...`), and the `Content-Security-Policy` of every answer allows nothing else, inline
//! scripts included (so even a value that escaped escaping could not run).

use std::fmt::{self, Write as _};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

/// A value written escaped for HTML (element text and `"`-quoted attribute values).
///
/// ```ignore
/// assert_eq!(E("<b>").to_string(), "&lt;b&gt;");
/// ```
pub(crate) struct E<T>(pub T);

impl<T: fmt::Display> fmt::Display for E<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Writes through to the formatter, escaping as it goes.
        struct Escaper<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaper<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let mut last = 0;
                for (i, c) in s.char_indices() {
                    let entity = match c {
                        '&' => "&amp;",
                        '<' => "&lt;",
                        '>' => "&gt;",
                        '"' => "&quot;",
                        '\'' => "&#39;",
                        _ => continue,
                    };
                    self.0.write_str(&s[last..i])?;
                    self.0.write_str(entity)?;
                    last = i + c.len_utf8();
                }
                self.0.write_str(&s[last..])
            }
        }
        write!(Escaper(f), "{}", self.0)
    }
}

/// The sections of the console, for the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// The Vitrina's contents: organisations, subdivisions, resources, slots.
    Vitrina,
    /// The journal of exchanges.
    Journal,
    /// The last uploads and their refusals.
    Uploads,
}

/// A whole page: the frame (title, navigation, auto-refresh switch) around `body`, which is HTML
/// already escaped by its builder.
pub(crate) fn page(title: &str, section: Section, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · fer-emulator console</title><link rel=\"stylesheet\" href=\"/assets/console.css\">\
         <script src=\"/assets/console.js\" defer></script></head><body><header>\
         <a class=\"brand\" href=\"/\">fer-emulator</a>",
        E(title)
    );
    for (s, href, label) in [
        (Section::Vitrina, "/", "Vitrina"),
        (Section::Journal, "/journal", "Journal"),
        (Section::Uploads, "/uploads", "Uploads"),
    ] {
        let on = if s == section { " class=\"on\"" } else { "" };
        let _ = write!(out, "<a href=\"{href}\"{on}>{label}</a>");
    }
    out.push_str(
        "<span class=\"spacer\"></span><label class=\"auto\"><input type=\"checkbox\" id=\"auto-refresh\"> \
         refresh every 5 s</label></header><main>",
    );
    out.push_str(body);
    out.push_str("</main></body></html>");
    out
}

/// The pager of a list shown `per_page` rows at a time from `offset`, out of `total`: links to the
/// newer and older pages, `href` being the page's address with its other query parameters and
/// ending in `?` or `&`.
pub(crate) fn pager(href: &str, offset: usize, per_page: usize, total: usize) -> String {
    if total <= per_page && offset == 0 {
        return String::new();
    }
    let mut out = String::from("<div class=\"pager\">");
    if offset > 0 {
        let _ = write!(out, "<a href=\"{}offset={}\">« previous</a>", E(href), offset.saturating_sub(per_page));
    }
    let last = (offset + per_page).min(total);
    let _ = write!(out, "<span>{}–{last} of {total}</span>", if total == 0 { 0 } else { offset + 1 }.min(total));
    if last < total {
        let _ = write!(out, "<a href=\"{}offset={last}\">next »</a>", E(href));
    }
    out.push_str("</div>");
    out
}

/// A point in time as `2026-12-04 03:45:12 UTC`.
pub(crate) fn at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A [`SystemTime`] as [`at`] does.
pub(crate) fn at_system(t: SystemTime) -> String {
    at(DateTime::<Utc>::from(t))
}

/// How long ago `then` was: `4 s`, `12 min`, `3 h 5 min`, `2 d 1 h` (`0 s` for the future).
pub(crate) fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86400, secs % 86400 / 3600),
    }
}

/// The class of an HTTP status for its badge: `ok` (2xx), `warn` (4xx), `bad` (5xx, none).
pub(crate) fn status_class(status: Option<u16>) -> &'static str {
    match status {
        Some(200..300) => "ok",
        Some(400..500) => "warn",
        _ => "bad",
    }
}

/// The style sheet, served as `/assets/console.css`.
pub(crate) const CSS: &str = r#":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--fg);background:#fff}
header{background:#1f2328;color:#fff;padding:0 24px;display:flex;gap:22px;align-items:center;height:46px}
header a{color:#c9d1d9;text-decoration:none;padding:12px 0;border-bottom:2px solid transparent}
header a.on{color:#fff;border-bottom-color:#fff;font-weight:600}
header a.brand{color:#fff;font-weight:700;margin-right:8px}
header .spacer{flex:1}
header .auto{color:#c9d1d9;font-size:13px}
main{padding:14px 24px 40px;max-width:1500px}
h1{font-size:21px;margin:6px 0 4px}
h2{font-size:16px;margin:22px 0 6px}
p{margin:6px 0}
a{color:var(--accent)}
.crumbs{color:var(--muted);font-size:13px;margin-top:4px}
.crumbs a{text-decoration:none}
.muted{color:var(--muted)}
.small{font-size:12px}
code,.mono{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.oid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.02em}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:hover td{background:#fbfcfd}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px;margin:10px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;background:#fff}
.card b{display:block;font-size:20px;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:12px}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:12px;font-weight:600;line-height:19px;border:1px solid transparent;white-space:nowrap}
.ok{background:#dafbe1;color:#116329}
.warn{background:#fff8c5;color:#7d4e00}
.bad{background:#ffebe9;color:#a40e26}
.st-AVAILABLE{background:#dafbe1;color:#116329;border-color:#4ac26b}
.st-RECORDED{background:#ddf4ff;color:#0550ae;border-color:#54aeff}
.st-RESERVED{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.st-BLOCKED{background:#eaeef2;color:#424a53;border-color:#afb8c1}
.st-CANCELED{background:#ffebe9;color:#a40e26;border-color:#ff8182}
.legend .badge{margin-right:6px}
.days{margin:8px 0}
.days a{display:inline-block;padding:2px 9px;margin:2px 3px 2px 0;border:1px solid var(--line);border-radius:6px;text-decoration:none;font-variant-numeric:tabular-nums;color:var(--fg)}
.days a.on{background:var(--accent);color:#fff;border-color:var(--accent)}
.days a small{color:var(--muted)}
.days a.on small{color:#dbeafe}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:8px;margin:10px 0}
.slot{border:1px solid;border-left-width:6px;border-radius:6px;padding:6px 9px;min-height:76px}
.slot .t{font-weight:700;font-size:15px;font-variant-numeric:tabular-nums}
.slot .s{float:right;font-size:11px;font-weight:700;letter-spacing:.03em}
.slot .m{font-size:12px;opacity:.85}
.slot ul{margin:4px 0 0;padding:4px 0 0;list-style:none;border-top:1px dashed currentColor}
.slot li{font-size:12px}
.upload{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:10px 0}
.upload h3{font-size:14px;margin:0 0 4px;font-weight:600}
.upload table{margin:4px 0 0}
.refused td.msg{white-space:pre-wrap;word-break:break-word}
details{margin:2px 0}
details summary{cursor:pointer;color:var(--accent);font-size:12px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.pager{margin:10px 0}
.pager a,.pager span{margin-right:14px}
.tabs a{margin-right:14px}
.tabs a.on{font-weight:700;color:var(--fg);text-decoration:none}
.empty{color:var(--muted);font-style:italic;padding:10px 0}
"#;

/// The script, served as `/assets/console.js`: the «refresh every 5 s» switch, remembered in the
/// browser's local storage. Nothing else runs on the pages.
pub(crate) const JS: &str = r#"(function () {
  var box = document.getElementById("auto-refresh");
  if (!box) return;
  var on = window.localStorage.getItem("fer-console-refresh") === "1";
  box.checked = on;
  box.addEventListener("change", function () {
    window.localStorage.setItem("fer-console-refresh", box.checked ? "1" : "0");
    if (box.checked) window.location.reload();
  });
  if (on) window.setTimeout(function () { window.location.reload(); }, 5000);
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_escaped() {
        let hostile = r#"<script>alert("x")</script> & 'y' ёж"#;
        let out = E(hostile).to_string();
        assert_eq!(out, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; ёж");
        assert_eq!(E(42).to_string(), "42");
        assert_eq!(E("").to_string(), "");
    }

    #[test]
    fn the_frame_escapes_its_title_and_loads_nothing_from_elsewhere() {
        let html = page("<i>t</i>", Section::Journal, "<p>body</p>");
        assert!(html.contains("<title>&lt;i&gt;t&lt;/i&gt; · fer-emulator console</title>"), "{html}");
        assert!(html.contains("<a href=\"/journal\" class=\"on\">Journal</a>"));
        assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"));
        assert_eq!(html.matches("<script").count(), 1, "only the console's own script");
    }

    #[test]
    fn pages_and_ages() {
        assert_eq!(pager("/journal?", 0, 50, 10), "");
        let p = pager("/journal?dir=all&", 50, 50, 120);
        assert!(p.contains("href=\"/journal?dir=all&amp;offset=0\""), "{p}");
        assert!(p.contains("51–100 of 120") && p.contains("offset=100"), "{p}");
        let now = DateTime::<Utc>::from_timestamp(1_000_000, 0).unwrap();
        let ago = |s| age(now, now - chrono::Duration::seconds(s));
        assert_eq!(
            (ago(5), ago(125), ago(3 * 3600 + 300), ago(2 * 86400 + 3600)),
            ("5 s".to_owned(), "2 min".to_owned(), "3 h 5 min".to_owned(), "2 d 1 h".to_owned())
        );
        assert_eq!(age(now, now + chrono::Duration::seconds(9)), "0 s");
        assert_eq!((status_class(Some(200)), status_class(Some(422)), status_class(None)), ("ok", "warn", "bad"));
    }
}
