//! `fer sync --config FILE`, the sidecar, as a child process against the emulator on loopback:
//! NDJSON changes over HTTP (plain and gzip) answered once durable, a malformed request refused
//! whole with its problems named, `/status` and `/metrics` (read by a Prometheus text parser), and
//! a SIGTERM right after an intake that loses nothing.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::Table;
use serde_json::{Value, json};

use crate::sync::{PASSWORD_ENV, fer, file, matches_folder, sample, wait_until};

fn write_config(dir: &Path, emulator: &EmulatorHandle) -> PathBuf {
    let path = dir.join("fer-sync.toml");
    let text = format!(
        r#"
store = "sync.db"
[vitrina]
url = "{url}"
[[organisation]]
username = "{username}"
password_env = "{PASSWORD_ENV}"
[sources.http]
listen = "127.0.0.1:0"
[status]
listen = "127.0.0.1:0"
[engine]
linger_ms = 50
reconcile_every_secs = 0
"#,
        url = emulator.base_url(),
        username = emulator.username(),
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The sidecar, and the addresses of its intake and its status server (read from its stderr).
struct Sidecar {
    child: Child,
    intake: String,
    status: String,
}

async fn start(config: &Path, emulator: &EmulatorHandle, log: &Path) -> Sidecar {
    let child = fer()
        .args(["sync", "--config"])
        .arg(config)
        .env(PASSWORD_ENV, emulator.password())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(file(log))
        .spawn()
        .unwrap();
    let (mut intake, mut status) = (None, None);
    wait_until("the sidecar listens", Duration::from_secs(60), || {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines() {
            let url = line.rsplit(' ').next().unwrap_or_default().to_owned();
            if line.contains("serving /v1/changes at ") {
                intake = Some(url);
            } else if line.contains("serving /status and /metrics at ") {
                status = Some(url);
            }
        }
        if intake.is_some() && status.is_some() { Ok(()) } else { Err(text) }
    })
    .await;
    Sidecar { child, intake: intake.unwrap(), status: status.unwrap() }
}

/// Every record of the folder as NDJSON change lines, in load order.
fn ndjson_of(region: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for table in Table::LOAD_ORDER {
        let path = region.join(format!("{}.json", table.as_str()));
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let batch: Value = serde_json::from_str(&text).unwrap();
        for record in batch["data"].as_array().unwrap() {
            lines.push(json!({"table": table.as_str(), "record": record}).to_string());
        }
    }
    lines
}

async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>, gzip: bool) -> (u16, Value) {
    let mut request = client.post(url).header("content-type", "application/x-ndjson").body(body);
    if gzip {
        request = request.header("content-encoding", "gzip");
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    (status, serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap())
}

/// Scrapes `/metrics` and parses it with a Prometheus text parser.
async fn scrape(client: &reqwest::Client, status_url: &str) -> prometheus_parse::Scrape {
    let answer = client.get(format!("{status_url}/metrics")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape.samples.iter().find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))).map(
        |s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            prometheus_parse::Value::Histogram(ref buckets) => buckets.last().map_or(0.0, |b| b.count),
            prometheus_parse::Value::Summary(_) => f64::NAN,
        },
    )
}

async fn get_status(client: &reqwest::Client, status_url: &str) -> Value {
    let answer = client.get(format!("{status_url}/status")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap()
}

async fn stop(sidecar: &mut Sidecar) {
    assert_eq!(fer_testkit::process::terminate(&mut sidecar.child).await, Some(0), "exit 0 after SIGTERM");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sidecar_takes_ndjson_serves_status_and_metrics_and_loses_nothing_on_sigterm() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Three days from tomorrow hold a working day whatever today is (weekends have no slots).
    let region = sample(dir.path(), emulator.username().as_str(), 1, 3);
    let config = write_config(dir.path(), &emulator);
    let log = dir.path().join("sidecar.log");
    let mut sidecar = start(&config, &emulator, &log).await;
    let client = reqwest::Client::new();
    let changes = format!("{}/v1/changes", sidecar.intake);

    // A malformed line refuses the whole request, naming the line and the rule; nothing is taken.
    let lines = ndjson_of(&region);
    let bad = format!("{}\n{{\"table\": \"slots\", \"delete\": \"x\"}}\n", lines[0]);
    let (code, answer) = post(&client, &changes, bad.into_bytes(), false).await;
    assert_eq!(code, 400, "{answer}");
    assert_eq!(answer["problems"][0]["line"], 2, "{answer}");
    assert_eq!(answer["problems"][0]["rule"], "line-table", "{answer}");
    let status = get_status(&client, &sidecar.status).await;
    assert_eq!(status["backlog"], 0, "nothing of a refused request is taken: {status}");

    // The region in two requests, the second gzip: answered once durable, then pushed.
    let half = lines.len() / 2;
    let (code, answer) = post(&client, &changes, lines[..half].join("\n").into_bytes(), false).await;
    assert_eq!((code, answer["upserts"].as_u64()), (200, Some(half as u64)), "{answer}");
    let second = fer_testkit::gzip::gzip(lines[half..].join("\n").as_bytes());
    let (code, answer) = post(&client, &changes, second, true).await;
    assert_eq!((code, answer["upserts"].as_u64()), (200, Some((lines.len() - half) as u64)), "{answer}");
    wait_until("the emulator holds the region", Duration::from_secs(120), || matches_folder(&emulator, &region)).await;

    // /status and /metrics agree with what happened.
    let slots = emulator.count(Table::Slot) as f64;
    let org = emulator.username().as_str().to_owned();
    let scrape = scrape(&client, &sidecar.status).await;
    assert_eq!(value(&scrape, "fer_sync_intake_answers_total", &[("status", "200")]), Some(2.0));
    assert_eq!(value(&scrape, "fer_sync_intake_answers_total", &[("status", "400")]), Some(1.0));
    let accepted =
        value(&scrape, "fer_sync_change_to_accepted_seconds_count", &[("organisation", &org), ("table", "slot")])
            .or_else(|| {
                value(&scrape, "fer_sync_change_to_accepted_seconds", &[("organisation", &org), ("table", "slot")])
            });
    assert_eq!(accepted, Some(slots), "every slot's change → accepted latency is counted");
    for sample in scrape.samples.iter().filter(|s| s.metric == "fer_sync_backlog") {
        assert_eq!(value(&scrape, "fer_sync_backlog", &[("table", sample.labels.get("table").unwrap())]), Some(0.0));
    }
    assert_eq!(value(&scrape, "fer_sync_late_slots", &[]), Some(0.0));
    let status = get_status(&client, &sidecar.status).await;
    assert_eq!((status["backlog"].as_u64(), status["parked_total"].as_u64()), (Some(0), Some(0)), "{status}");

    // Every slot and book deleted over HTTP, then SIGTERM at once: what was answered 200 is not lost.
    let deletes: Vec<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["table"] == "slot" || l["table"] == "book")
        .map(|l| json!({"table": l["table"], "delete": l["record"]["id"]}).to_string())
        .collect();
    let books: usize = emulator.count(Table::Book);
    let (code, answer) = post(&client, &changes, deletes.join("\n").into_bytes(), false).await;
    assert_eq!((code, answer["deletes"].as_u64()), (200, Some(deletes.len() as u64)), "{answer}");
    stop(&mut sidecar).await;

    let mut sidecar = start(&config, &emulator, &dir.path().join("sidecar2.log")).await;
    wait_until("the slots are gone after the restart", Duration::from_secs(120), || {
        match (emulator.count(Table::Slot), emulator.count(Table::Book)) {
            (0, 0) => Ok(()),
            held => Err(format!("the emulator holds (slots, books) {held:?}, had {books} books")),
        }
    })
    .await;
    stop(&mut sidecar).await;
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains(emulator.password()), "the password is never logged");
}

/// Two sidecars on one PostgreSQL store, fed by the MIS's outbox (`fer_sync.enqueue` inside its
/// own transactions): the committed changes reach the Vitrina, a rolled-back one does not, and
/// `/metrics` shows who holds each partition.
#[tokio::test(flavor = "multi_thread")]
async fn two_sidecars_on_postgres_take_the_mis_outbox_and_share_the_partitions() {
    let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
    let url = pg.database("sidecar");
    let db = url.split_once("localhost/").unwrap().1.split('?').next().unwrap().to_owned();
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let region = sample(dir.path(), emulator.username().as_str(), 2, 3);
    let config = |name: &str| {
        let text = std::fs::read_to_string(write_config(dir.path(), &emulator))
            .unwrap()
            .replace("store = \"sync.db\"", &format!("store = \"{url}\"\ninstance = \"{name}\""))
            .replace("[sources.http]", "[sources.outbox]\n[sources.http]");
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    };
    let (a, b) = (config("a"), config("b"));
    let mut first = start(&a, &emulator, &dir.path().join("a.log")).await;
    let mut second = start(&b, &emulator, &dir.path().join("b.log")).await;

    // The MIS commits its region through the outbox, and rolls back one more subdivision.
    let mut sql = String::from("BEGIN;\n");
    for line in ndjson_of(&region) {
        let change: Value = serde_json::from_str(&line).unwrap();
        let (table, record) = (change["table"].as_str().unwrap(), &change["record"]);
        let id = record["id"].as_str().or(record["period_id"].as_str()).unwrap();
        sql.push_str(&format!("SELECT fer_sync.enqueue('{table}', '{id}', $j${record}$j$::json);\n"));
    }
    sql.push_str("COMMIT;\n");
    pg.psql(&db, &sql);
    let mo: Value = serde_json::from_str(&std::fs::read_to_string(region.join("mo.json")).unwrap()).unwrap();
    let mut ghost = mo["data"][0].clone();
    let ghost_id = fer_model::Guid::from_u128(0x5eed);
    ghost["id"] = json!(ghost_id.to_string());
    pg.psql(&db, &format!("BEGIN; SELECT fer_sync.enqueue('mo', '{ghost_id}', $j${ghost}$j$::json); ROLLBACK;"));

    wait_until("the emulator holds the committed region", Duration::from_secs(120), || {
        matches_folder(&emulator, &region)
    })
    .await;
    assert!(emulator.get::<fer_model::Mo>(&ghost_id).is_none(), "a rolled-back change never reaches the Vitrina");

    // Each partition held by one of the two, as both sidecars' metrics say.
    let client = reqwest::Client::new();
    for status_url in [&first.status, &second.status] {
        let scrape = scrape(&client, status_url).await;
        let held: Vec<(&str, &str)> = scrape
            .samples
            .iter()
            .filter(|s| s.metric == "fer_sync_lease_holder")
            .map(|s| (s.labels.get("partition").unwrap(), s.labels.get("holder").unwrap()))
            .collect();
        assert!(!held.is_empty(), "partitions are leased");
        assert!(held.iter().all(|(_, holder)| ["a", "b"].contains(holder)), "{held:?}");
        let partitions: std::collections::HashSet<&str> = held.iter().map(|(p, _)| *p).collect();
        assert_eq!(partitions.len(), held.len(), "one holder per partition: {held:?}");
    }
    stop(&mut first).await;
    stop(&mut second).await;
}

/// The sidecar's webhook in front of an MIS endpoint: the emulator's gateway books and cancels
/// through it, and the engine adopts what the gateway wrote, so that a reconciliation (every
/// second here) neither puts the slot back nor deletes the book.
#[tokio::test(flavor = "multi_thread")]
async fn the_sidecar_webhook_forwards_the_gateway_to_the_mis_and_reconciliation_keeps_its_writes() {
    const SLOT: &str = "b10902d0-e331-11ed-8d9e-60123c4747d1";
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let region = sample(dir.path(), emulator.username().as_str(), 1, 3);
    // The MIS endpoint: the example MIS, which offers the slot of the spec's booking example.
    let listener = fer_webhook::bind("127.0.0.1:0").await.unwrap();
    let mis = format!("http://{}", listener.local_addr().unwrap());
    let service = fer_webhook::WebhookService::new(fer_webhook::Idempotent::in_memory(fer_examples::DemoMis::sample()));
    tokio::spawn(fer_webhook::serve(listener, service));
    let text = std::fs::read_to_string(write_config(dir.path(), &emulator))
        .unwrap()
        .replace("reconcile_every_secs = 0", "reconcile_every_secs = 1")
        + &format!("[webhook]\nlisten = \"127.0.0.1:0\"\nforward = \"{mis}\"\nallow = [\"127.0.0.1\"]\n");
    let config = dir.path().join("webhook.toml");
    std::fs::write(&config, text).unwrap();
    let log = dir.path().join("webhook.log");
    let mut sidecar = start(&config, &emulator, &log).await;
    let webhook = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .find_map(|l| l.split("serving the webhook at ").nth(1).map(str::to_owned))
        .expect("the webhook's address is printed");

    // The region, with one free slot renamed to the example's, through the intake.
    let mut lines = ndjson_of(&region);
    let free =
        lines.iter().position(|l| l.contains("\"table\":\"slot\"") && l.contains("\"status\":\"AVAILABLE\"")).unwrap();
    let mut change: Value = serde_json::from_str(&lines[free]).unwrap();
    let old_id = change["record"]["id"].as_str().unwrap().to_owned();
    change["record"]["id"] = json!(SLOT);
    change["record"]["tag_age"] = json!("ALL");
    lines[free] = change.to_string();
    lines.retain(|l| !(l.contains("\"table\":\"book\"") && l.contains(&old_id)));
    let client = reqwest::Client::new();
    let (code, answer) =
        post(&client, &format!("{}/v1/changes", sidecar.intake), lines.join("\n").into_bytes(), false).await;
    assert_eq!(code, 200, "{answer}");
    let slot_id: fer_model::Guid = SLOT.parse().unwrap();
    wait_until("the slot is on the Vitrina", Duration::from_secs(60), || {
        emulator.get::<fer_model::Slot>(&slot_id).map(|_| ()).ok_or_else(|| "not yet".to_owned())
    })
    .await;
    let o = fer()
        .args(["callback", "register", "--url", &emulator.base_url(), "--username", emulator.username().as_str()])
        .args(["--password-env", PASSWORD_ENV, "--address", &webhook])
        .env(PASSWORD_ENV, emulator.password())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The gateway books through the sidecar's webhook, then writes the slot and the book.
    let request: fer_model::BookingRequest =
        serde_json::from_slice(&fer_testkit::fixture::bytes(fer_testkit::Doc::Vitrina, "booking_request.json"))
            .unwrap();
    let outcome = emulator.book(&request).await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    let fer_emulator::GatewayAnswer::Book(fer_model::BookingResponse::Confirmed(confirmation)) = &outcome.answer else {
        panic!("{outcome:?}")
    };
    let book_id = confirmation.book_ext_id;
    // Reconciliations run every second: wait for one that started after the booking (a hang
    // guard bounds the wait; nothing here is a timing assertion).
    let booked_at = chrono::Utc::now().timestamp_millis();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let at = get_status(&client, &sidecar.status).await["last_reconciliation"]["at_ms"].as_i64().unwrap_or(0);
        if at > booked_at + 1_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let slot = emulator.get::<fer_model::Slot>(&slot_id).unwrap();
    assert_eq!(slot.status, fer_model::SlotStatus::Recorded, "the gateway's write is kept");
    assert!(emulator.get::<fer_model::Book>(&book_id).is_some(), "the gateway's book is kept");

    // The cancel goes the same way.
    let cancel = fer_model::CancelRequest {
        book_ext_id: book_id,
        ..serde_json::from_slice(&fer_testkit::fixture::bytes(fer_testkit::Doc::Vitrina, "cancel_request.json"))
            .unwrap()
    };
    let outcome = emulator.cancel(&cancel).await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(emulator.get::<fer_model::Slot>(&slot_id).unwrap().status, fer_model::SlotStatus::Available);

    let scrape = scrape(&client, &sidecar.status).await;
    let calls = |op: &str| value(&scrape, "fer_webhook_calls_total", &[("operation", op)]);
    assert_eq!((calls("book"), calls("cancel")), (Some(1.0), Some(1.0)));
    stop(&mut sidecar).await;
}

#[test]
fn a_config_with_a_mistake_is_refused_with_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "store = \"s.db\"\n[vitrina]\nurl = \"http://127.0.0.1:1\"\n[[organisation]]\nusername = \"1.2.3\"\npassword_env = \"P\"\n[sources.http]\nlisten = \"0.0.0.0:8700\"\n",
    )
    .unwrap();
    let o = fer().args(["sync", "--config"]).arg(&path).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("only loopback") && err.contains("bad.toml"), "{err}");
    let lines = std::io::BufReader::new(&o.stderr[..]).lines().count();
    assert!(lines <= 3, "one clear message: {err}");
    assert!(!dir.path().join("s.db").exists(), "nothing is created for a refused config");
}
