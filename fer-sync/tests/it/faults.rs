//! The engine's books balance under the emulator's faults: a share of 503 answers, dropped
//! connections, latency, tokens that expire within a second, and a restart of the emulator in the
//! middle of a change stream. Every change the MIS handed over ends accepted (the Vitrina holds it),
//! parked with the Vitrina's reason, or still pending: none vanishes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Faults};
use fer_model::{Guid, Slot, SlotStatus, Table};
use fer_sync::{Scope, Store, SyncEngine, SyncStatus};

use crate::common::{client, quick, region, spawn_running};

fn hostile() -> Faults {
    Faults {
        unavailable_ratio: 0.2,
        drop_ratio: 0.1,
        latency: Duration::from_millis(20),
        token_lifetime_override: Some(Duration::from_secs(1)),
        seed: 0xFA_0175,
    }
}

/// The slots the MIS wants that the Vitrina does not hold as wanted.
fn off(emulator: &EmulatorHandle, want: &BTreeMap<Guid, Slot>) -> Vec<Guid> {
    want.values().filter(|s| emulator.get::<Slot>(&s.id).as_ref() != Some(*s)).map(|s| s.id).collect()
}

fn parked_slots(status: &SyncStatus) -> Vec<Guid> {
    status.parked.iter().filter(|p| p.table == Table::Slot).map(|p| p.id.parse().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_faults_and_a_restart_every_change_is_accepted_parked_or_pending() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig { state_file: Some(dir.path().join("vitrina.json")), ..EmulatorConfig::default() };
    let mut emulator = Emulator::spawn(config.clone()).await.unwrap();
    let addr = emulator.local_addr();
    emulator.set_faults(hostile());

    let store = Store::open(dir.path().join("sync.db")).await.unwrap();
    let engine = SyncEngine::builder(store)
        .organisation(emulator.username().clone(), client(&emulator, emulator.username(), emulator.password()))
        .config(quick())
        .build()
        .unwrap();
    let handle = engine.handle();
    let (stop, running) = spawn_running(engine);

    let r = region(emulator.username(), 1, 21);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    let mut want: BTreeMap<Guid, Slot> = r.slot.iter().map(|s| (s.id, s.clone())).collect();
    let free: Vec<Guid> = r.slot.iter().filter(|s| s.status == SlotStatus::Available).map(|s| s.id).collect();
    assert!(free.len() >= 4, "the sample has free slots");

    // One change the Vitrina refuses whatever the order: a second slot at a free slot's time.
    let mut twin = want[&free[0]].clone();
    twin.id = Guid::new_v4();
    handle.upsert(std::slice::from_ref(&twin)).await.unwrap();
    want.insert(twin.id, twin.clone());

    // 60 rounds of changes 50 ms apart; the emulator restarts (same port, same state file) at round 20.
    let mut changes = 1;
    for round in 0..60usize {
        let id = free[1 + round % (free.len() - 1)];
        let slot = want.get_mut(&id).unwrap();
        slot.status = if slot.status == SlotStatus::Available { SlotStatus::Blocked } else { SlotStatus::Available };
        handle.upsert(std::slice::from_ref(slot)).await.unwrap();
        changes += 1;
        if round == 20 {
            emulator.shutdown().await;
            emulator = Emulator::spawn(EmulatorConfig { listen: addr, ..config.clone() }).await.unwrap();
            emulator.set_faults(hostile());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Under the faults still: whatever is not on the Vitrina as wanted is pending or parked.
    let status = handle.status().await.unwrap();
    let missing = off(&emulator, &want);
    let accounted = status.backlog() + status.parked.len() as u64;
    assert!(missing.len() as u64 <= accounted, "{} slots off, {accounted} pending or parked", missing.len());

    // The faults did happen (on the emulator as restarted): 503 answers, and logins again and again.
    let journal = emulator.journal();
    let unavailable = journal.iter().filter(|e| e.status == Some(503)).count();
    let logins = journal.iter().filter(|e| e.url.ends_with("/auth.svc")).count();
    assert!(unavailable > 0 && logins > 1, "{unavailable} 503 answers, {logins} logins");

    // The faults end: everything but the refused twin arrives, and the twin is parked with its reason.
    emulator.set_faults(Faults::default());
    let started = Instant::now();
    let status = loop {
        let status = handle.status().await.unwrap();
        if status.backlog() == 0 {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the backlog did not drain: {status:#?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(off(&emulator, &want), vec![twin.id]);
    assert_eq!(parked_slots(&status), vec![twin.id]);
    let parked = &status.parked[0];
    assert!(parked.code.contains("330") && !parked.message.is_empty(), "{parked:?}");
    assert_eq!(emulator.count(Table::Slot), want.len() - 1);
    assert_eq!(emulator.count(Table::Book), r.book.len());

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), running).await.unwrap().unwrap().unwrap();
    eprintln!(
        "{changes} changes through {unavailable} 503s, {logins} logins, dropped connections and a restart: \
         all accepted but the refused one"
    );
}
