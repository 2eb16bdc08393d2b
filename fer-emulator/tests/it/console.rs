//! The web console in a real browser: headless Chromium driven through chromedriver over the W3C
//! WebDriver protocol. A sample region is loaded, a slot booked through the sandbox (the gateway
//! calls a real webhook), and the page shows the slot RECORDED with its book; an upload with
//! refused records shows their reasons, a hostile name renders as text; screenshots are saved
//! under `target/console/`.
//!
//! Without `chromium` and `chromedriver` on the PATH the browser test prints SKIPPED and passes,
//! except under `CI=true`, where it fails (`.ci/run` installs the Debian packages).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::{Slot, SlotStatus, Table, with_record_type};
use serde_json::{Value, json};

use crate::common::{Behaviour, Webhook, confirmation, fixture, login, send};

const BOOK_EXT_ID: &str = "c0a50000-5eff-49b8-9d07-ff2486162b3f";
const HOSTILE: &str = "<script>document.title='pwned'</script>";

/// A JSON body (reqwest's `json` feature is not enabled in the workspace).
trait JsonBody {
    fn json_body(self, body: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json").body(body.to_string())
    }
}

/// An executable on the PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` after saying SKIPPED (a failure under `CI=true`).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = on_path(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = on_path(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            let message = "chromium and chromedriver are not on the PATH (apt-get install chromium chromium-driver)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "console browser test under CI=true: {message}");
            eprintln!("\n*** SKIPPED: the console's browser test: {message} ***\n");
            None
        }
    }
}

/// Where screenshots go: `target/console/` (beside the tests' own `target/tmp`).
fn screenshots() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).parent().map_or_else(|| PathBuf::from("target"), Path::to_path_buf);
    let dir = dir.join("console");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// chromedriver, started in a process group of its own so that the browsers it starts go with it.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(path: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = Command::new(path);
        command.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = Driver { child: command.spawn().unwrap(), url: format!("http://127.0.0.1:{port}") };
        // A hang guard, not a timing assertion: chromedriver answers /status once it listens.
        let http = reqwest::Client::new();
        let limit = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(answer) = http.get(format!("{}/status", driver.url)).send().await
                && answer.status().is_success()
            {
                return driver;
            }
            assert!(Instant::now() < limit, "chromedriver did not start within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group: chromedriver and the browsers it started (our own processes, by their id).
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session: the few commands the test needs, as plain W3C WebDriver JSON over HTTP.
struct Browser {
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    async fn open(driver: &Driver, chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1360,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let (status, answer) = send(http.post(format!("{}/session", driver.url)).json_body(&capabilities)).await;
        assert_eq!(status, 200, "new session: {answer}");
        let session = format!("{}/session/{}", driver.url, answer["value"]["sessionId"].as_str().unwrap());
        Browser { http, session, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let request = self.http.request(method, format!("{}{path}", self.session));
        let request = match body {
            Some(body) => request.json_body(&body),
            None => request,
        };
        let (status, answer) = send(request).await;
        assert_eq!(status, 200, "{path}: {answer}");
        answer["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    /// The element a CSS selector finds first, if any.
    async fn find(&self, css: &str) -> Option<String> {
        let body = json!({"using": "css selector", "value": css});
        let request = self.http.post(format!("{}/element", self.session)).json_body(&body);
        let (status, answer) = send(request).await;
        (status == 200).then(|| match answer["value"][ELEMENT].as_str() {
            Some(element) => element.to_owned(),
            None => panic!("find {css}: {answer}"),
        })
    }

    async fn element(&self, css: &str) -> String {
        match self.find(css).await {
            Some(e) => e,
            None => panic!("no element {css} on {}:\n{}", self.title().await, self.text("body").await),
        }
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await.unwrap_or_else(|| panic!("no element {css}"));
        self.call(reqwest::Method::GET, &format!("/element/{element}/text"), None).await.as_str().unwrap().to_owned()
    }

    async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.element(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{element}/attribute/{name}"), None)
            .await
            .as_str()
            .map(str::to_owned)
    }

    async fn click(&self, css: &str) {
        let element = self.element(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    async fn title(&self) -> String {
        self.call(reqwest::Method::GET, "/title", None).await.as_str().unwrap_or_default().to_owned()
    }

    async fn count(&self, css: &str) -> usize {
        let body = json!({"using": "css selector", "value": css});
        self.call(reqwest::Method::POST, "/elements", Some(body)).await.as_array().map_or(0, Vec::len)
    }

    /// The page as a PNG, saved as `target/console/<name>.png`.
    async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        let path = screenshots().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    async fn close(self) {
        let _ = send(self.http.delete(&self.session)).await;
    }
}

/// An emulator with its console, a token, and a sample region of its organisation loaded.
async fn loaded() -> (EmulatorHandle, reqwest::Client, String, fer_model::Dataset) {
    let config = EmulatorConfig { console: Some("127.0.0.1:0".parse().unwrap()), ..EmulatorConfig::default() };
    let emu = Emulator::spawn(config).await.unwrap();
    let http = reqwest::Client::new();
    let token = login(&http, &emu).await;
    let spec = fer_sample::RegionSpec {
        mos: 2,
        doctors_per_mo: 2,
        days: 7,
        slots_per_day: 8,
        seed: 21,
        organisation: Some(emu.username().clone()),
        ..fer_sample::RegionSpec::default()
    };
    let region = fer_sample::generate(&spec).unwrap();
    for table in Table::LOAD_ORDER {
        let records = with_record_type!(table, T => serde_json::to_value(region.records::<T>()).unwrap());
        if records.as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        let url = format!("{}{}", emu.base_url(), table.path());
        let (status, answer) = send(http.post(url).bearer_auth(&token).json_body(&json!({ "data": records }))).await;
        assert_eq!(status, 200, "{table}: {answer}");
    }
    (emu, http, token, region)
}

#[tokio::test]
async fn the_console_shows_a_booking_and_a_refused_upload_in_a_real_browser() {
    let Some((chromium, chromedriver)) = browser() else { return };
    let (emu, http, token, region) = loaded().await;
    let console = emu.console_url().unwrap();
    let org = emu.username().clone();

    // The slot to book: the first AVAILABLE one, and its resource's day.
    let slot: &Slot =
        region.slot.iter().filter(|s| s.status == SlotStatus::Available).min_by_key(|s| s.visit_time).unwrap();
    let resource = slot.resource_id;
    let day = slot.visit_time.date();
    let mo = region.mo.iter().find(|m| m.id == slot.mo_id).unwrap();

    // The MIS's webhook confirms that slot.
    let hook = Webhook::start().await;
    hook.answer_book(Behaviour::Answer(confirmation(BOOK_EXT_ID, &slot.id.to_string())));
    let register = http.post(format!("{}/api/callback", emu.base_url())).bearer_auth(&token);
    let (status, answer) = send(register.json_body(&json!({"address": hook.address}))).await;
    assert_eq!(status, 200, "{answer}");

    let driver = Driver::start(&chromedriver).await;
    let browser = Browser::open(&driver, &chromium).await;

    // Organisation → subdivision → resource → day, by the links, as a person would.
    browser.goto(&console).await;
    assert!(browser.title().await.starts_with("Vitrina"));
    let orgs = browser.text("#orgs").await;
    assert!(orgs.contains(org.as_str()), "{orgs}");
    browser.click(&format!("a[href=\"/org/{org}\"]")).await;
    browser.screenshot("organisation").await;
    browser.click(&format!("a[href=\"/mo/{}\"]", mo.id)).await;
    browser.screenshot("subdivision").await;
    browser.click(&format!("a[href=\"/resource/{resource}\"]")).await;
    browser.click(&format!("a[href=\"/resource/{resource}?day={day}\"]")).await;
    let card = format!("#slot-{}", slot.id);
    assert_eq!(browser.attribute(&card, "data-status").await.as_deref(), Some("AVAILABLE"));
    let day_url = format!("{console}resource/{resource}?day={day}");

    // Book through the sandbox: the gateway calls the webhook, the emulator records the slot.
    let mut request: Value = serde_json::from_str(&fixture("booking_request.json")).unwrap();
    request["slot_id"] = json!(slot.id);
    let (status, outcome) = send(http.post(format!("{}/sandbox/book", emu.base_url())).json_body(&request)).await;
    assert_eq!(status, 200, "{outcome}");

    browser.goto(&day_url).await;
    assert_eq!(browser.attribute(&card, "data-status").await.as_deref(), Some("RECORDED"));
    let text = browser.text(&card).await;
    assert!(text.contains("RECORDED") && text.contains("book 5000 Recorded"), "{text}");
    assert_eq!(browser.count(&format!("#book-{BOOK_EXT_ID}")).await, 1, "the new book is on its slot");
    let shot = browser.screenshot("resource-day").await;
    eprintln!("screenshot: {}", shot.display());

    // The journal shows the gateway's call, the patient masked.
    browser.goto(&format!("{console}journal")).await;
    let journal = browser.text("#journal").await;
    assert!(journal.contains("/booking/book") && journal.contains("gateway → MIS"), "{journal}");
    let page = browser.call(reqwest::Method::GET, "/source", None).await.as_str().unwrap().to_owned();
    assert!(page.contains("***") && !page.contains("11147535028"), "the SNILS of the booking request is masked");
    browser.screenshot("journal").await;

    // An upload with refused records: an id that is no GUID (and a script), and a duplicate slot.
    let mut hostile = serde_json::to_value(slot).unwrap();
    hostile["id"] = json!(HOSTILE);
    let mut duplicate = serde_json::to_value(slot).unwrap();
    duplicate["id"] = json!("dddddddd-5eff-49b8-9d07-ff2486162b3f");
    let url = format!("{}/api/slot", emu.base_url());
    let (status, answer) =
        send(http.post(url).bearer_auth(&token).json_body(&json!({"data": [hostile, duplicate]}))).await;
    assert_eq!(status, 400, "{answer}");
    let reasons: Vec<String> =
        answer["errors"].as_array().unwrap().iter().map(|e| e["errorMessage"].as_str().unwrap().to_owned()).collect();
    assert_eq!(reasons.len(), 2, "{answer}");

    browser.goto(&format!("{console}uploads")).await;
    let uploads = browser.text(".upload").await;
    for reason in &reasons {
        let start: String = reason.chars().take(60).collect();
        assert!(uploads.contains(&start), "{start} not in {uploads}");
    }
    assert!(uploads.contains(HOSTILE), "the hostile id is shown as text: {uploads}");
    assert!(uploads.contains("0 accepted, 2 refused"), "{uploads}");
    assert_eq!(browser.count("script").await, 1, "only the console's own script is on the page");
    assert!(!browser.title().await.contains("pwned"));
    let freshness = browser.text("#freshness").await;
    assert!(freshness.contains(org.as_str()) && freshness.contains("/api/slot"), "{freshness}");
    browser.screenshot("uploads").await;

    // A subdivision named with a script is accepted, and shown as text.
    let mut named = serde_json::to_value(mo).unwrap();
    named["id"] = json!("eeeeeeee-5eff-49b8-9d07-ff2486162b3f");
    named["name"] = json!(format!("Поликлиника {HOSTILE}"));
    let url = format!("{}/api/mo", emu.base_url());
    let (status, answer) = send(http.post(url).bearer_auth(&token).json_body(&json!({"data": [named]}))).await;
    assert_eq!(status, 200, "{answer}");
    browser.goto(&format!("{console}org/{org}")).await;
    let subdivisions = browser.text("#subdivisions").await;
    assert!(subdivisions.contains(&format!("Поликлиника {HOSTILE}")), "{subdivisions}");
    assert!(!browser.title().await.contains("pwned"));
    browser.goto(&console).await;
    browser.screenshot("overview").await;

    browser.close().await;
    drop(driver);
    emu.shutdown().await;
}

/// Without a browser: the console is off by default, its pages answer, and a console beyond
/// loopback is refused at start.
#[tokio::test]
async fn the_console_is_off_unless_asked_and_loopback_only() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    assert!(emu.console_url().is_none());
    emu.shutdown().await;
    let open = EmulatorConfig { console: Some("0.0.0.0:0".parse().unwrap()), ..EmulatorConfig::default() };
    let err = Emulator::spawn(open).await.unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");

    let (emu, http, _token, region) = loaded().await;
    let console = emu.console_url().unwrap();
    assert!(console.starts_with("http://127.0.0.1:") && console.ends_with('/'));
    let slot = &region.slot[0];
    for path in
        [String::new(), format!("resource/{}", slot.resource_id), format!("mo/{}", slot.mo_id), "uploads".into()]
    {
        let answer = http.get(format!("{console}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{path}");
    }
    let overview = http.get(&console).send().await.unwrap().text().await.unwrap();
    assert!(overview.contains(&format!("id=\"count-slot\"><b>{}</b>", region.slot.len())), "{overview}");
    // The console's own requests are not journaled.
    assert!(emu.journal().iter().all(|e| !e.url.contains("/uploads")));
    emu.shutdown().await;
}

/// The program prints the console's address when asked for one.
#[cfg(feature = "bin")]
#[tokio::test]
async fn the_program_prints_the_console_address() {
    use std::io::{BufRead, BufReader};

    let mut child = Command::new(env!("CARGO_BIN_EXE_fer-emulator"))
        .args(["--listen", "127.0.0.1:0", "--console", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .take_while(|l| !l.starts_with("Press"))
        .collect();
    let console = lines.iter().find_map(|l| l.trim().strip_prefix("console:")).map(str::trim).map(str::to_owned);
    let console = console.unwrap_or_else(|| panic!("no console line in {lines:?}"));
    let answer = reqwest::get(&console).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("fer-emulator console"));
    fer_testkit::process::terminate(&mut child).await;
}
