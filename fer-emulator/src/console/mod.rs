//! The web console: what the emulator holds and does, in a browser, on a port of its own
//! ([`EmulatorConfig::console`](crate::EmulatorConfig::console), `--console 127.0.0.1:2101`).
//!
//! Off unless asked, in the library and in the `fer-emulator` program alike (a second fixed port
//! would collide between emulators started side by side, as tests do). The pages are rendered by
//! the emulator itself: no build step, nothing to install, nothing loaded from elsewhere.
//!
//! | page | what it shows |
//! |---|---|
//! | `/` | the rows of every table, the organisations (`mo.parent_id`) with their subdivisions, resources and slots by status, the freshness of uploads, the registered webhooks |
//! | `/org/{oid}` | an organisation's subdivisions: name, branch OID, address, `enabled`, blocked or not, resources, slots by status |
//! | `/mo/{id}` | a subdivision, its webhook and its resources, with their days and slots by status |
//! | `/resource/{id}?day=YYYY-MM-DD` | a day of a resource: its slots in time order, coloured by status, each with its books (the patient masked) and when it became visible as it is |
//! | `/journal?dir=gateway\|vitrina\|all` | the journal, newest first: the gateway's book and cancel calls to the MIS's webhook by default, with their timings and answers, patient data masked |
//! | `/uploads`, `/uploads/{n}` | the last [`UPLOADS_KEPT`] uploads, newest first, with every refused record and its reason, and per organisation and table the uploads, records accepted and refused, and the age of the last upload ([`REFUSALS_KEPT`] refusals kept per upload) |
//!
//! Every list is shown a page at a time (50 rows; 500 slots of a day). The console only reads: it
//! has no route that changes anything, and its own requests are neither journaled nor faulted. It
//! listens on loopback only (the emulator refuses another address: the console has no login) and
//! answers only requests addressed to a loopback host (`localhost`, `127.0.0.1`, `[::1]`), so that
//! a web page elsewhere cannot read it through a DNS name pointed at 127.0.0.1. Every answer
//! carries a `Content-Security-Policy` that lets the page load its own style sheet and script and
//! nothing else, and every value from a record or an exchange is escaped.

mod html;
mod journal;
mod uploads;
mod vitrina;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, Utc};
use fer_model::{Guid, Oid};
use http::{HeaderValue, StatusCode, header};
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::EmulatorError;
use crate::state::Shared;
use html::{E, Section};

pub use uploads::{REFUSALS_KEPT, TEXT_BYTES, UPLOADS_BYTES, UPLOADS_KEPT};
pub(crate) use uploads::{Report, Uploads};

/// The console's running server.
pub(crate) struct Server {
    /// The address it listens on.
    pub local_addr: SocketAddr,
    /// Dropped or sent, the server stops.
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Stops the server: open connections get `grace` to finish, then are dropped.
    pub async fn shutdown(mut self, grace: Duration) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(grace, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

/// Binds `addr` and serves the console over `shared` until the [`Server`] is shut down or dropped.
pub(crate) async fn spawn(shared: Arc<Shared>, addr: SocketAddr) -> Result<Server, EmulatorError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| EmulatorError::Bind { addr, source })?;
    let local_addr = listener.local_addr().map_err(|source| EmulatorError::Bind { addr, source })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(shared);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%local_addr, "fer-emulator console listening");
    Ok(Server { local_addr, stop: Some(stop), task })
}

/// The console's routes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/org/{oid}", get(organisation))
        .route("/mo/{id}", get(subdivision))
        .route("/resource/{id}", get(resource))
        .route("/journal", get(journal_page))
        .route("/uploads", get(uploads_page))
        .route("/uploads/{seq}", get(upload_page))
        .route("/assets/console.css", get(|| async { asset("text/css; charset=utf-8", html::CSS) }))
        .route("/assets/console.js", get(|| async { asset("text/javascript; charset=utf-8", html::JS) }))
        .fallback(|| async { not_found("No such page.") })
        .layer(middleware::from_fn(guard))
        .with_state(shared)
}

/// What every answer carries: nothing may be loaded from elsewhere, nothing inline may run, the
/// page may not be framed, and no address leaves in a `Referer`.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Whether a `Host` header names a loopback host: `localhost`, `127.x.x.x` or `[::1]`, with any port.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Middleware: refuses requests addressed to another host than loopback (421), and adds the
/// security headers to every answer.
async fn guard(request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let mut response = if loopback_host(host) {
        next.run(request).await
    } else {
        let body = html::page(
            "Wrong host",
            Section::Vitrina,
            "<h1>Wrong host</h1><p>The console answers requests to localhost, 127.0.0.1 or [::1] only.</p>",
        );
        (StatusCode::MISDIRECTED_REQUEST, body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    }
    response
}

fn asset(content_type: &'static str, text: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "max-age=300")], text).into_response()
}

/// A page of the console.
fn html_page(title: &str, section: Section, body: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html::page(title, section, body)).into_response()
}

fn not_found(message: &str) -> Response {
    let body = format!("<h1>Not found</h1><p>{}</p><p><a href=\"/\">Back to the Vitrina</a></p>", E(message));
    (StatusCode::NOT_FOUND, html_page("Not found", Section::Vitrina, &body)).into_response()
}

fn bad_request(message: &str) -> Response {
    let body = format!("<h1>Bad request</h1><p>{}</p>", E(message));
    (StatusCode::BAD_REQUEST, html_page("Bad request", Section::Vitrina, &body)).into_response()
}

/// The query of every page: where the page starts, the day of a resource, the journal's tab.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    offset: usize,
    day: Option<NaiveDate>,
    dir: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut http::request::Parts, state: &S) -> Result<Self, Response> {
        Query::<PageQuery>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| q)
            .map_err(|e| bad_request(&e.body_text()))
    }
}

async fn overview(State(shared): State<Arc<Shared>>, q: PageQuery) -> Response {
    let view = shared.read(|store| vitrina::overview(store, q.offset));
    let freshness = uploads::render_freshness(&shared.uploads.freshness(), Utc::now());
    html_page("Vitrina", Section::Vitrina, &vitrina::render_overview(&view, q.offset, &freshness))
}

async fn organisation(State(shared): State<Arc<Shared>>, Path(oid): Path<String>, q: PageQuery) -> Response {
    let Ok(oid) = oid.parse::<Oid>() else { return not_found("That is not an OID.") };
    let (rows, total) = shared.read(|store| vitrina::organisation(store, &oid, q.offset));
    html_page(oid.as_str(), Section::Vitrina, &vitrina::render_organisation(&oid, &rows, q.offset, total))
}

async fn subdivision(State(shared): State<Arc<Shared>>, Path(id): Path<String>, q: PageQuery) -> Response {
    let Ok(id) = id.parse::<Guid>() else { return not_found("That is not a GUID.") };
    match shared.read(|store| vitrina::subdivision(store, &id, q.offset)) {
        Some(view) => html_page(&view.mo.name, Section::Vitrina, &vitrina::render_subdivision(&view, q.offset)),
        None => not_found("No subdivision with this id is on the Vitrina."),
    }
}

async fn resource(State(shared): State<Arc<Shared>>, Path(id): Path<String>, q: PageQuery) -> Response {
    let Ok(id) = id.parse::<Guid>() else { return not_found("That is not a GUID.") };
    let today = chrono::Local::now().date_naive();
    match shared.read(|store| vitrina::resource(store, &id, q.day, today)) {
        Some(view) => {
            let title = vitrina::resource_name(&view.resource);
            html_page(&title, Section::Vitrina, &vitrina::render_resource(&view, Utc::now()))
        }
        None => not_found("No resource with this id is on the Vitrina."),
    }
}

async fn journal_page(State(shared): State<Arc<Shared>>, q: PageQuery) -> Response {
    let filter = journal::Filter::parse(q.dir.as_deref());
    let (entries, total) = shared.journal.newest(q.offset, journal::ENTRIES_PER_PAGE, |d| filter.keeps(d));
    html_page("Journal", Section::Journal, &journal::render(&entries, filter, q.offset, total, Utc::now()))
}

async fn uploads_page(State(shared): State<Arc<Shared>>, q: PageQuery) -> Response {
    let (list, total) = shared.uploads.newest(q.offset, uploads::UPLOADS_PER_PAGE);
    let freshness = shared.uploads.freshness();
    html_page("Uploads", Section::Uploads, &uploads::render_list(&list, q.offset, total, &freshness, Utc::now()))
}

async fn upload_page(State(shared): State<Arc<Shared>>, Path(seq): Path<String>, q: PageQuery) -> Response {
    let Some(upload) = seq.parse().ok().and_then(|seq| shared.uploads.get(seq)) else {
        return not_found("This upload is not kept (the console keeps the last ones only).");
    };
    html_page(&format!("Upload #{}", upload.seq), Section::Uploads, &uploads::render_one(&upload, q.offset, Utc::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_are_served() {
        for host in ["localhost", "localhost:2101", "127.0.0.1:9", "127.1.2.3", "[::1]:2101", "[::1]", "LOCALHOST:1"] {
            assert!(loopback_host(host), "{host}");
        }
        for host in ["", "example.com", "evil.localhost.example:80", "10.0.0.1:2101", "[2001:db8::1]:80", "0.0.0.0:1"] {
            assert!(!loopback_host(host), "{host}");
        }
    }

    #[tokio::test]
    async fn pages_answer_with_their_headers_and_refuse_other_hosts() {
        let shared = Arc::new(Shared::new(crate::EmulatorConfig::default()).unwrap());
        let server = spawn(shared, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let base = format!("http://{}", server.local_addr);
        let http = reqwest::Client::new();
        for (path, status) in [
            ("/", 200),
            ("/journal?dir=all", 200),
            ("/uploads", 200),
            ("/uploads/1", 404),
            ("/org/nope", 404),
            ("/mo/00000000-0000-4000-8000-000000000001", 404),
            ("/resource/x", 404),
            ("/?offset=-1", 400),
            ("/nothing", 404),
        ] {
            let answer = http.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(answer.status().as_u16(), status, "{path}");
            let csp = answer.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
            assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
            assert!(answer.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        }
        let css = http.get(format!("{base}/assets/console.css")).send().await.unwrap();
        assert_eq!(css.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
        let posted = http.post(format!("{base}/")).send().await.unwrap();
        assert_eq!(posted.status(), 405, "the console only reads");
        let rebound = http.get(format!("{base}/")).header(header::HOST, "attacker.example").send().await.unwrap();
        assert_eq!(rebound.status(), 421);
        server.shutdown(Duration::from_secs(5)).await;
    }
}
