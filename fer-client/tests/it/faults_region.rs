//! Fault injection on a whole region: the client uploads a generated region to
//! the emulator while every fault is on at once: a steady share of 503 answers with bursts of 503
//! only, dropped connections, added latency, tokens that expire after two seconds, and a restart of
//! the emulator with its state file (`--state`) in the middle of the upload, after which every
//! token is unknown.
//!
//! At the end every record is either on the emulator, equal to what was sent, or in the report as
//! refused with its reason (R-330 from the Vitrina, or pre-flight diagnostics), and the counts add
//! up exactly: nothing failed, nothing is unconfirmed, nothing is on the emulator that the report
//! does not account for.
//!
//! CI runs 10,000 slots; the 100,000-slot run is `#[ignore]`d (it takes minutes in a debug build):
//! `cargo test -p fer-client --release --test faults_region -- --ignored`. RELIABILITY.md at the
//! repository root has the figures.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{guid, schedule, slot};
use fer_client::{Outcome, OutcomeKind, Preflight, RetryPolicy, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Faults};
use fer_model::{DurationMinutes, ErrorCode, Guid, Mo, Oid, Resource, Slot, Table};
use fer_validate::Dataset;
use tokio::sync::Mutex;

/// Subdivisions and doctors of the region; slots are spread evenly over the doctors.
const MOS: u32 = 10;
const DOCTORS_PER_MO: u32 = 50;
/// Slot number (of each doctor's day) that collides with a slot already on the Vitrina.
const COLLIDING_SLOT: u32 = 7;
/// Slots that fail pre-flight validation (duration 0, rule V030).
const INVALID_SLOTS: u32 = 25;

/// The faults in force during the upload (outside the bursts).
fn steady_faults(seed: u64) -> Faults {
    Faults {
        unavailable_ratio: 0.15,
        latency: Duration::from_millis(2),
        drop_ratio: 0.1,
        token_lifetime_override: Some(Duration::from_secs(2)),
        seed,
    }
}

/// A region of `MOS` subdivisions, `MOS * DOCTORS_PER_MO` doctors and `slots` slots in all (plus
/// the invalid ones), and the slots already on the Vitrina that collide with one slot per doctor.
struct Region {
    dataset: Dataset,
    /// Already on the Vitrina before the upload: one per doctor, at the time of its slot
    /// `COLLIDING_SLOT` under another id, so that slot is refused with R-330.
    blockers: Vec<Slot>,
    /// The ids the Vitrina must refuse.
    colliding: HashSet<Guid>,
    /// The ids pre-flight validation must stop.
    invalid: HashSet<Guid>,
}

fn region(parent: &Oid, slots: u32) -> Region {
    let per_doctor = slots / (MOS * DOCTORS_PER_MO);
    assert!(per_doctor > COLLIDING_SLOT && per_doctor < 1000, "slot ids are doctor * 1000 + k");
    let mut dataset = schedule(parent, MOS, DOCTORS_PER_MO, per_doctor);
    let mut blockers = Vec::new();
    let mut colliding = HashSet::new();
    for (n, doctor) in dataset.resource.iter().enumerate() {
        let mut blocker = slot(0, COLLIDING_SLOT, doctor);
        blocker.id = guid(10, n as u32);
        blockers.push(blocker);
    }
    for s in &dataset.slot {
        if blockers.iter().any(|b| b.resource_id == s.resource_id && b.visit_time == s.visit_time) {
            colliding.insert(s.id);
        }
    }
    let mut invalid = HashSet::new();
    let first = dataset.resource[0].clone();
    for i in 0..INVALID_SLOTS {
        // After the doctor's last slot, so only the duration is wrong.
        let mut bad = slot(0, per_doctor + i, &first);
        bad.id = guid(11, i);
        bad.duration = DurationMinutes(0);
        invalid.insert(bad.id);
        dataset.slot.push(bad);
    }
    assert_eq!(colliding.len(), dataset.resource.len());
    Region { dataset, blockers, colliding, invalid }
}

fn client(base_url: &str, username: Oid, password: &str) -> VitrinaClient {
    VitrinaClient::builder()
        .base_url(base_url)
        .credentials(username, password)
        .request_timeout(Duration::from_secs(30))
        .batch_size(500)
        .concurrency(4)
        .refresh_margin(Duration::from_millis(500))
        .retry(RetryPolicy {
            // 503 (15 %) and dropped connections (10 %) together fail about a quarter of the
            // attempts; the bursts and the restart add a few seconds of refusals.
            max_attempts: 60,
            max_elapsed: Duration::from_secs(300),
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(400),
        })
        .preflight(Preflight::PerRecord)
        .build()
        .unwrap()
}

/// A state file path of its own for this run.
fn state_file(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("fer-faults-{name}-{}-{nanos}.json", std::process::id()))
}

/// What the fault driver did while the upload ran.
#[derive(Debug, Default)]
struct Injected {
    bursts: u32,
    restarted_with_slots: Option<usize>,
    /// Calls the first emulator answered before the restart: in all, with 503, with 401.
    before_restart: (usize, usize, usize),
}

/// The calls of an emulator's journal: in all, answered 503, answered 401.
fn journaled(emulator: &EmulatorHandle) -> (usize, usize, usize) {
    let journal = emulator.journal();
    let status = |code: u16| journal.iter().filter(|e| e.status == Some(code)).count();
    (journal.len(), status(503), status(401))
}

async fn run(slots: u32, seed: u64) {
    let state = state_file(&slots.to_string());
    let config = EmulatorConfig { state_file: Some(state.clone()), ..EmulatorConfig::default() };
    let first = Emulator::spawn(config.clone()).await.unwrap();
    let addr: SocketAddr = first.local_addr();
    let (username, password) = (first.username().clone(), first.password().to_owned());
    let region = region(&username, slots);
    let client = client(&first.base_url(), username.clone(), &password);

    // The colliding slots go up first, with no faults on, and need their subdivisions and doctors.
    let mut setup =
        Dataset { mo: region.dataset.mo.clone(), resource: region.dataset.resource.clone(), ..Dataset::default() };
    setup.slot = region.blockers.clone();
    let report = client.upload_dataset(&setup).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");

    first.set_faults(steady_faults(seed));
    let emulator = Arc::new(Mutex::new(Some(first)));
    let done = Arc::new(AtomicBool::new(false));
    let upload = {
        let (client, dataset) = (client.clone(), region.dataset.clone());
        let done = done.clone();
        tokio::spawn(async move {
            let report = client.upload_dataset(&dataset).await;
            done.store(true, Ordering::SeqCst);
            report
        })
    };

    // The fault driver: two bursts of 503 only, then a restart once a third of the slots is in.
    let injected = {
        let mut injected = Injected::default();
        let blockers = region.blockers.len();
        let target = blockers + region.dataset.slot.len() / 3;
        while !done.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let mut guard = emulator.lock().await;
            let Some(emu) = guard.as_ref() else { break };
            let count = emu.count(Table::Slot);
            if injected.bursts < 2 && count > blockers + injected.bursts as usize * 100 {
                emu.set_faults(Faults { unavailable_ratio: 1.0, ..steady_faults(seed) });
                tokio::time::sleep(Duration::from_millis(300)).await;
                emu.set_faults(steady_faults(seed + 1 + u64::from(injected.bursts)));
                injected.bursts += 1;
            } else if injected.restarted_with_slots.is_none() && count >= target {
                let old = guard.take().unwrap();
                injected.before_restart = journaled(&old);
                old.shutdown().await;
                let restarted = Emulator::spawn(EmulatorConfig { listen: addr, ..config.clone() }).await.unwrap();
                // The store survived; the tokens did not.
                assert!(restarted.count(Table::Slot) >= count);
                restarted.set_faults(steady_faults(seed + 10));
                injected.restarted_with_slots = Some(count);
                *guard = Some(restarted);
            }
        }
        injected
    };
    let report = upload.await.unwrap().unwrap();
    let emulator = emulator.lock().await.take().unwrap();
    emulator.set_faults(Faults::default());

    assert_eq!(injected.bursts, 2, "{injected:?}");
    let restarted_with = injected.restarted_with_slots.expect("the emulator was restarted during the upload");
    assert!(restarted_with < region.blockers.len() + region.dataset.slot.len(), "{injected:?}");

    check(&region, &report, &emulator);
    let (calls, unavailable, refused) = journaled(&emulator);
    eprintln!(
        "{slots} slots: {injected:?}; outcomes {:?}; after the restart: {calls} calls, {unavailable} answered 503, {refused} answered 401",
        OutcomeKind::ALL.iter().map(|&k| (k.as_str(), report.count(k))).collect::<Vec<_>>(),
    );
    emulator.shutdown().await;
    let _ = std::fs::remove_file(&state);
}

/// Every record is on the emulator or refused with its reason, and the counts add up.
fn check(region: &Region, report: &fer_client::DatasetReport, emulator: &EmulatorHandle) {
    let d = &region.dataset;
    let total = d.mo.len() + d.resource.len() + d.slot.len();
    let by_kind: BTreeMap<OutcomeKind, usize> = OutcomeKind::ALL.iter().map(|&k| (k, report.count(k))).collect();
    let summary = format!("{by_kind:?}\n{report}");
    assert_eq!(report.len(), total, "{summary}");
    assert_eq!(by_kind.values().sum::<usize>(), total, "{summary}");
    assert_eq!(report.count(OutcomeKind::Rejected), region.colliding.len(), "{summary}");
    assert_eq!(report.count(OutcomeKind::Invalid), region.invalid.len(), "{summary}");
    assert_eq!(report.count(OutcomeKind::Accepted), total - region.colliding.len() - region.invalid.len(), "{summary}");
    for kind in [OutcomeKind::Failed, OutcomeKind::Unconfirmed, OutcomeKind::Skipped] {
        assert_eq!(report.count(kind), 0, "{kind}: {summary}");
    }

    for mo in &d.mo {
        assert!(report.outcome(Table::Mo, &mo.id).is_some_and(Outcome::is_accepted));
        assert_eq!(emulator.get::<Mo>(&mo.id).as_ref(), Some(mo));
    }
    for resource in &d.resource {
        assert!(report.outcome(Table::Resource, &resource.id).is_some_and(Outcome::is_accepted));
        assert_eq!(emulator.get::<Resource>(&resource.id).as_ref(), Some(resource));
    }
    let mut accepted_slots = 0;
    for slot in &d.slot {
        let outcome =
            report.outcome(Table::Slot, &slot.id).unwrap_or_else(|| panic!("slot {} is not in the report", slot.id));
        let stored = emulator.get::<Slot>(&slot.id);
        match outcome {
            Outcome::Accepted => {
                assert_eq!(stored.as_ref(), Some(slot), "accepted slot {} is not on the emulator as sent", slot.id);
                accepted_slots += 1;
            }
            Outcome::Rejected { code, message } => {
                assert!(region.colliding.contains(&slot.id), "slot {} refused: {code} {message}", slot.id);
                assert_eq!(*code, ErrorCode::R330, "{message}");
                assert!(!message.is_empty());
                assert_eq!(stored, None, "refused slot {} is on the emulator", slot.id);
            }
            Outcome::Invalid { diagnostics } => {
                assert!(region.invalid.contains(&slot.id), "slot {} invalid: {diagnostics:?}", slot.id);
                assert!(diagnostics.iter().any(|d| d.code.as_str() == "V030"), "{diagnostics:?}");
                assert_eq!(stored, None, "invalid slot {} is on the emulator", slot.id);
            }
            other => panic!("slot {}: {other:?}", slot.id),
        }
    }
    // Nothing else arrived: the emulator holds exactly the accepted records and the blockers.
    assert_eq!(emulator.count(Table::Mo), d.mo.len());
    assert_eq!(emulator.count(Table::Resource), d.resource.len());
    assert_eq!(emulator.count(Table::Slot), accepted_slots + region.blockers.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_of_10_000_slots_arrives_whole_through_every_fault() {
    run(10_000, 42).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "100,000 slots: minutes in a debug build; run with --release (see RELIABILITY.md)"]
async fn a_region_of_100_000_slots_arrives_whole_through_every_fault() {
    run(100_000, 4242).await;
}
