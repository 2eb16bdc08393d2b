//! `fer push`, `fer callback`, `fer emulator` and `fer conformance` against real servers on loopback:
//! the emulator and the example MIS webhook (`fer_examples::DemoMis`, what
//! `examples/webhook_server.rs` serves).

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use async_trait::async_trait;
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::{BookingConfirmation, BookingDetails, BookingRequest, CancelConfirmation, CancelRequest, Guid, Table};
use fer_webhook::{BookRejection, BookingHandler, CancelRejection, Idempotent, RequestContext, WebhookService};

const PASSWORD_ENV: &str = "FER_TEST_PASSWORD";

/// Runs `fer` off the async runtime, with the emulator's password in [`PASSWORD_ENV`].
async fn fer(args: Vec<String>, password: Option<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fer"));
        cmd.args(&args).env_remove(PASSWORD_ENV);
        if let Some(p) = password {
            cmd.env(PASSWORD_ENV, p);
        }
        cmd.output().expect("fer runs")
    })
    .await
    .unwrap()
}

fn connection(emulator: &EmulatorHandle) -> Vec<String> {
    ["--url", &emulator.base_url(), "--username", emulator.username().as_str(), "--password-env", PASSWORD_ENV]
        .map(String::from)
        .to_vec()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn sample(dir: &std::path::Path, org: &str) -> String {
    let out = dir.join("region").to_str().unwrap().to_owned();
    let o = fer(
        vec!["sample".into(), "--out".into(), out.clone(), "--mos".into(), "2".into(), "--org".into(), org.into()],
        None,
    )
    .await;
    assert!(o.status.success(), "{}", text(&o));
    out
}

async fn serve(handler: impl BookingHandler + 'static) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(fer_webhook::serve(listener, WebhookService::new(handler)));
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn push_uploads_a_sample_region_and_accounts_for_every_record() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let region = sample(dir.path(), emulator.username().as_str()).await;
    let slots = std::fs::read_to_string(format!("{region}/slot.json")).unwrap();
    let slot_count = serde_json::from_str::<serde_json::Value>(&slots).unwrap()["data"].as_array().unwrap().len();

    let mut args = vec!["push".to_owned(), region.clone(), "--dry-run".into()];
    args.extend(connection(&emulator));
    let o = fer(args, Some(emulator.password().to_owned())).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(emulator.count(Table::Slot), 0, "a dry run sends nothing");

    let mut args = vec!["--format".to_owned(), "json".into(), "push".into(), region.clone()];
    args.extend(connection(&emulator));
    let o = fer(args, Some(emulator.password().to_owned())).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["counts"]["accepted"], report["records"]);
    assert_eq!(emulator.count(Table::Slot), slot_count);
}

#[tokio::test(flavor = "multi_thread")]
async fn push_sends_files_larger_than_a_chunk_while_reading_them_and_reports_every_id_once() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("region").to_str().unwrap().to_owned();
    let args = ["sample", "--out", &region, "--mos", "16", "--days", "30", "--org", emulator.username().as_str()];
    let o = fer(args.iter().map(|a| a.to_string()).collect(), None).await;
    assert!(o.status.success(), "{}", text(&o));
    let count = |table: &str| {
        let body = std::fs::read_to_string(format!("{region}/{table}.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"].as_array().unwrap().len()
    };
    let (slots, books) = (count("slot"), count("book"));
    assert!(slots > 20_000, "more than one chunk of slots: {slots}");

    let mut args = vec!["--format".to_owned(), "json".into(), "push".into(), region.clone()];
    args.extend(connection(&emulator));
    let o = fer(args, Some(emulator.password().to_owned())).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let table = |name: &str| report["tables"].as_array().unwrap().iter().find(|t| t["table"] == name).cloned().unwrap();
    assert_eq!(
        (table("slot")["records"].as_u64(), table("slot")["accepted"].as_u64()),
        (Some(slots as u64), Some(slots as u64))
    );
    assert_eq!(table("book")["records"].as_u64(), Some(books as u64));
    assert_eq!(report["counts"]["accepted"], report["records"]);
    assert_eq!((emulator.count(Table::Slot), emulator.count(Table::Book)), (slots, books));
}

#[tokio::test(flavor = "multi_thread")]
async fn push_reports_invalid_and_skipped_records_and_exits_1() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let region = sample(dir.path(), emulator.username().as_str()).await;
    // Break the first resource: a SPECIALIST without its SNILS is refused before sending, and its
    // services, profiles and slots are then withheld.
    let path = format!("{region}/resource.json");
    let mut resources: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let broken = resources["data"][0]["id"].as_str().unwrap().to_owned();
    resources["data"][0].as_object_mut().unwrap().remove("snils");
    std::fs::write(&path, resources.to_string()).unwrap();

    let mut args = vec!["--format".to_owned(), "json".into(), "push".into(), region];
    args.extend(connection(&emulator));
    let o = fer(args, Some(emulator.password().to_owned())).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["counts"]["skipped"].as_u64().unwrap() > 0, "{report}");
    assert!(report["validation_errors"].as_u64().unwrap() > 0, "{report}");
    let broken_guid: Guid = broken.parse().unwrap();
    assert!(emulator.get::<fer_model::Resource>(&broken_guid).is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn push_without_the_password_variable_is_a_usage_error() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let region = sample(dir.path(), emulator.username().as_str()).await;
    let mut args = vec!["push".to_owned(), region];
    args.extend(connection(&emulator));
    let o = fer(args, None).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains(PASSWORD_ENV));
}

#[tokio::test(flavor = "multi_thread")]
async fn callback_register_get_check_delete() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let webhook = serve(Idempotent::in_memory(fer_examples::DemoMis::sample())).await;
    let password = Some(emulator.password().to_owned());
    let call = |sub: &str, extra: &[&str]| {
        let mut args = vec!["--format".to_owned(), "json".into(), "callback".into(), sub.into()];
        args.extend(connection(&emulator));
        args.extend(extra.iter().map(|s| s.to_string()));
        fer(args, password.clone())
    };

    let o = call("register", &["--address", &webhook]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = call("get", &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["address"], webhook.as_str());

    // Moving the webhook: the new address is probed and stored.
    let moved = serve(Idempotent::in_memory(fer_examples::DemoMis::sample())).await;
    let o = call("update", &["--address", &moved]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = call("get", &[]).await;
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["address"], moved.as_str());
    let o = call("check", &["--address", &webhook]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = call("delete", &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = call("get", &[]).await;
    assert_eq!(o.status.code(), Some(1), "nothing registered any more: {}", text(&o));

    // An address where nothing answers fails the gateway's probe: refused, exit 1.
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let o = call("register", &["--address", &format!("http://{dead}")]).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_subcommand_serves_until_stopped() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fer"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--password", "secret"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let answer = reqwest::Client::new()
        .post(format!("{url}/auth.svc"))
        .header("content-type", "application/json")
        .body(serde_json::json!({"username": fer_emulator::DEFAULT_USERNAME, "password": "secret"}).to_string())
        .send()
        .await
        .unwrap();
    // SIGTERM (what systemd and container runtimes send) stops it cleanly.
    let code = fer_testkit::process::terminate(&mut child).await;
    drop(stdout);
    assert_eq!(answer.status(), 200);
    assert_eq!(code, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_passes_against_the_example_webhook() {
    let webhook = serve(Idempotent::in_memory(fer_examples::DemoMis::sample())).await;
    // Without --slot the runner books the slot of the spec's example, which the example MIS offers.
    let o = fer(vec!["conformance".into(), "--webhook".into(), webhook], None).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    for check in
        ["probe", "book", "repeated book", "gzip body", "refused book", "malformed JSON", "cancel", "repeated cancel"]
    {
        assert!(table.lines().any(|l| l.starts_with(check) && l.contains("PASS")), "{check}: {table}");
    }
}

/// A webhook that books everything twice over: every call gets a new booking.
struct DoubleBooker;

#[async_trait]
impl BookingHandler for DoubleBooker {
    async fn book(&self, request: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        Ok(BookingConfirmation {
            book_ext_id: Guid::new_v4(),
            slot_id: request.slot_id,
            visit_time: chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00+03:00").unwrap(),
            duration: fer_model::DurationMinutes(20),
            details: BookingDetails::default(),
            message: None,
        })
    }
    async fn cancel(&self, request: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
        Ok(CancelConfirmation {
            book_ext_id: request.book_ext_id,
            slot_id: Guid::from_u128(1),
            visit_time: chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00+03:00").unwrap(),
            duration: fer_model::DurationMinutes(20),
            details: BookingDetails::default(),
            message: None,
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn conformance_fails_a_webhook_that_double_books() {
    let webhook = serve(DoubleBooker).await;
    let args = vec![
        "--format",
        "json",
        "conformance",
        "--webhook",
        &webhook,
        "--slot",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    ];
    let o = fer(args.into_iter().map(String::from).collect(), None).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let checks: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let failed: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"repeated book") && failed.contains(&"refused book") && failed.contains(&"repeated cancel"),
        "{failed:?}"
    );
}
