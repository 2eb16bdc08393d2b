//! The emulator at region scale: a region folder (`fer sample --mos 250 --slots 32 --days 30`,
//! about a million slots; `benches/run.sh` caches one under the target folder) loaded into the
//! emulator, then its memory, the list call of its busiest resource and the
//! cascade delete of a resource, over loopback.
//!
//! `cargo run --release -p fer-benches --bin emulator_region -- DIR [CALLS]`: uploads the region
//! through fer-client, then prints the resident memory of the process before and after the load
//! (the emulator runs in it; the bench's own copy of the region is dropped first), its peak, the
//! median and largest time of CALLS (default 50) list calls of the busiest resource's slots (all
//! of them, then one day), of its books' list for one slot, and the time of deleting one resource
//! with its cascade (slots, books, services).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::Table;
use serde_json::Value;

/// A line of `/proc/self/status` in MB (`VmRSS`, `VmHWM`).
fn memory_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// The region split by organisation: an MO by its `parent_id`, every other record by its parents.
fn by_organisation(dataset: &fer_model::Dataset) -> std::collections::BTreeMap<fer_model::Oid, fer_model::Dataset> {
    use fer_model::Record as _;
    let mut org_of: HashMap<fer_model::Guid, fer_model::Oid> = HashMap::new();
    let mut parts: std::collections::BTreeMap<fer_model::Oid, fer_model::Dataset> = Default::default();
    for mo in dataset.records::<fer_model::Mo>() {
        org_of.insert(mo.id, mo.parent_id.clone());
        parts.entry(mo.parent_id.clone()).or_default().records_mut::<fer_model::Mo>().push(mo.clone());
    }
    for table in Table::LOAD_ORDER.into_iter().filter(|t| *t != Table::Mo) {
        fer_model::with_record_type!(table, R => for r in dataset.records::<R>() {
            if let Some(org) = r.parents().iter().find_map(|p| org_of.get(&p.id).cloned()) {
                org_of.insert(r.id(), org.clone());
                parts.entry(org).or_default().records_mut::<R>().push(r.clone());
            }
        });
    }
    parts
}

fn median_max(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(*v.last().unwrap()))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else { return Err("usage: emulator_region DIR [CALLS]".into()) };
    let calls: usize = args.next().map_or(Ok(50), |a| a.parse())?;
    let dir = std::path::PathBuf::from(dir);

    // The region, read table by table; the busiest resource and a slot with a book noted.
    let mut dataset = fer_model::Dataset::default();
    let mut slots_of = HashMap::<fer_model::Guid, usize>::new();
    for table in Table::LOAD_ORDER {
        let Ok(bytes) = std::fs::read(dir.join(format!("{table}.json"))) else { continue };
        fer_model::with_record_type!(table, R => {
            let batch: fer_model::Batch<R> = serde_json::from_slice(&bytes)?;
            *dataset.records_mut::<R>() = batch.data;
        });
    }
    for slot in dataset.records::<fer_model::Slot>() {
        *slots_of.entry(slot.resource_id).or_default() += 1;
    }
    let slot_count = dataset.len(Table::Slot);
    let a_slot_with_books = dataset.records::<fer_model::Book>().first().map(|b| b.slot_id);
    let (busiest, busiest_slots) = slots_of.into_iter().max_by_key(|(_, n)| *n).ok_or("no slots")?;

    // Loaded the way an MIS loads it: through the Vitrina API (no state file, so that no write
    // waits for one to be saved).
    let rss_before = memory_mb("VmRSS");
    // A region of several organisations: each uploads its own records, with its own login.
    let parts = by_organisation(&dataset);
    drop(dataset);
    let password = "bench";
    let mut orgs = parts.keys().cloned();
    let first_org = orgs.next().ok_or("no mo")?;
    let config = EmulatorConfig {
        username: first_org,
        password: password.into(),
        other_accounts: orgs.map(|o| (o, password.to_owned())).collect(),
        ..EmulatorConfig::default()
    };
    let emulator = Emulator::spawn(config).await?;
    let client_of = |org: &fer_model::Oid| {
        fer_client::VitrinaClient::builder().base_url(emulator.base_url()).credentials(org.clone(), password).build()
    };
    let started = Instant::now();
    for (org, part) in &parts {
        let report = client_of(org)?.upload_dataset(part).await?;
        if !report.all_accepted() {
            let first = report
                .iter()
                .flat_map(|t| t.not_accepted().map(|(id, o)| format!("{} {id}: {o}", t.table())).next())
                .next();
            return Err(format!("the region is not accepted whole: {first:?}").into());
        }
    }
    let load_s = started.elapsed().as_secs_f64();
    // The busiest resource's organisation deletes it.
    let owner = parts
        .iter()
        .find(|(_, part)| part.records::<fer_model::Resource>().iter().any(|r| r.id == busiest))
        .map(|(org, _)| org.clone())
        .ok_or("the busiest resource has no organisation")?;
    let vitrina = client_of(&owner)?;
    drop(parts);
    let rss_after = memory_mb("VmRSS");
    println!(
        "loaded {slot_count} slots in {load_s:.1} s; RSS {rss_before:.0} MB before the emulator, {rss_after:.0} MB \
         after the load, the region dropped ({:.0} MB for the emulator's region and indexes), peak {:.0} MB",
        rss_after - rss_before,
        memory_mb("VmHWM")
    );

    let client = reqwest::Client::new();
    let base = emulator.base_url();
    let login = serde_json::json!({"username": emulator.username(), "password": emulator.password()});
    let answer: Value = serde_json::from_slice(
        &client
            .post(format!("{base}/auth.svc"))
            .header("content-type", "application/json")
            .body(login.to_string())
            .send()
            .await?
            .bytes()
            .await?,
    )?;
    let token = answer["Result"]["Value"].as_str().ok_or("no token")?.to_owned();
    let get = |path: String| {
        let request = client.get(format!("{base}{path}")).bearer_auth(&token);
        async move {
            let started = Instant::now();
            let answer = request.send().await.expect("the emulator answers");
            assert!(answer.status().is_success(), "{}", answer.status());
            let body = answer.bytes().await.expect("a body");
            (started.elapsed(), body.len())
        }
    };
    let run = async |label: &str, path: String| {
        let mut times = Vec::with_capacity(calls);
        let mut bytes = 0;
        for _ in 0..calls {
            let (t, n) = get(path.clone()).await;
            times.push(t);
            bytes = n;
        }
        let (median, max) = median_max(times);
        println!("{label}: median {median:.2} ms, max {max:.2} ms ({calls} calls, {bytes} bytes each)");
    };
    run(&format!("slots of the busiest resource ({busiest_slots} slots)"), format!("/api/resourse/{busiest}/slots"))
        .await;
    let today = chrono::Local::now().date_naive() + chrono::Duration::days(1);
    run("the same, one day", format!("/api/resourse/{busiest}/slots?startDate={today}&endDate={today}")).await;
    if let Some(slot) = a_slot_with_books {
        run("books of one slot", format!("/api/slot/{slot}/books")).await;
    }

    let slots_before = emulator.count(Table::Slot);
    let started = Instant::now();
    assert!(vitrina.delete::<fer_model::Resource>(&busiest).await?, "the resource was there");
    let took = started.elapsed();
    println!(
        "delete of the busiest resource with its cascade ({} slots gone): {:.1} ms",
        slots_before - emulator.count(Table::Slot),
        took.as_secs_f64() * 1000.0
    );
    emulator.shutdown().await;
    Ok(())
}
