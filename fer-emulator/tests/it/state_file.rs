//! `--state FILE`: a restart with the same file loses nothing.

use crate::common::{Env, SLOT_ID, Webhook};
use fer_emulator::EmulatorConfig;
use fer_model::{Slot, Table};
use serde_json::json;

#[tokio::test]
async fn a_restart_with_the_same_file_keeps_tables_and_webhooks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vitrina.json");
    let config = || EmulatorConfig { state_file: Some(path.clone()), ..EmulatorConfig::default() };

    let env = Env::with(config()).await;
    env.seed().await;
    let hook = Webhook::start().await;
    let (status, _) = env.post("/api/callback", &json!({"address": hook.address})).await;
    assert_eq!(status, 200);
    let (status, _) = env.delete(&format!("/api/slot?id={SLOT_ID}")).await;
    assert_eq!(status, 200);
    env.post("/api/slot", &json!({"data": [crate::common::slot(SLOT_ID, "BLOCKED")]})).await;
    env.emu.shutdown().await;
    assert!(path.exists());
    // No temporary file is left next to it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let env = Env::with(config()).await;
    for table in [Table::Mo, Table::Resource, Table::Slot] {
        assert_eq!(env.emu.count(table), 1, "{table}");
    }
    let slot: Slot = env.emu.get(&SLOT_ID.parse().unwrap()).unwrap();
    assert_eq!(slot.status, fer_model::SlotStatus::Blocked);
    let (status, answer) = env.get("/api/callback").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["address"], hook.address.as_str());
}

#[tokio::test]
async fn an_unreadable_state_file_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vitrina.json");
    std::fs::write(&path, "{\"format\": 99}").unwrap();
    let config = EmulatorConfig { state_file: Some(path), ..EmulatorConfig::default() };
    let err = fer_emulator::Emulator::spawn(config).await.unwrap_err();
    assert!(err.to_string().contains("vitrina.json"), "{err}");
}

fn state_config(path: &std::path::Path) -> EmulatorConfig {
    EmulatorConfig { state_file: Some(path.to_owned()), ..EmulatorConfig::default() }
}

/// Before: a write whose save failed was answered 500 but served, and a failed delete came
/// back after a restart. The file is the truth: a change that cannot be saved is undone. (The save
/// is made to fail by a directory where the writer's temporary file goes.)
#[tokio::test]
async fn a_change_that_cannot_be_saved_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vitrina.json");
    let env = Env::with(state_config(&path)).await;
    env.seed().await;
    let blocker = dir.path().join(format!("vitrina.json.tmp-{}", std::process::id()));
    std::fs::create_dir(&blocker).unwrap();

    let (status, answer) = env.delete(&format!("/api/slot?id={SLOT_ID}")).await;
    assert_eq!(status, 500, "{answer}");
    let (status, _) = env.get(&format!("/api/slot?id={SLOT_ID}")).await;
    assert_eq!(status, 200, "the slot whose delete failed is still there");
    let other = "aaaaaaa2-5eff-49b8-9d07-ff2486162b3f";
    let mut slot = crate::common::slot(other, "AVAILABLE");
    slot["visit_time"] = json!("2024-03-28T06:00:00");
    let (status, answer) = env.post("/api/slot", &json!({"data": [slot]})).await;
    assert_eq!(status, 500, "{answer}");
    let (status, _) = env.get(&format!("/api/slot?id={other}")).await;
    assert_eq!(status, 404, "the slot whose upsert failed is not served");

    std::fs::remove_dir(&blocker).unwrap();
    let (status, _) = env.delete(&format!("/api/slot?id={SLOT_ID}")).await;
    assert_eq!(status, 200);
    env.emu.shutdown().await;
    let env = Env::with(state_config(&path)).await;
    assert_eq!((env.emu.count(Table::Slot), env.emu.count(Table::Mo)), (0, 1));
}

/// The emulator refuses to start on a state path it cannot write, removes the temporary files a
/// crashed writer left, and one state file has one emulator (a lock file) until it stops.
#[tokio::test]
async fn a_state_file_is_writable_cleaned_and_owned_by_one_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("missing").join("vitrina.json");
    let err = fer_emulator::Emulator::spawn(state_config(&nowhere)).await.unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");

    let path = dir.path().join("vitrina.json");
    let leftover = dir.path().join("vitrina.json.tmp-4242");
    std::fs::write(&leftover, b"{\"format\":").unwrap();
    let first = fer_emulator::Emulator::spawn(state_config(&path)).await.unwrap();
    assert!(!leftover.exists(), "the leftover temporary file is removed");
    assert!(path.exists(), "the state is written at start");
    let err = fer_emulator::Emulator::spawn(state_config(&path)).await.unwrap_err();
    assert!(matches!(err, fer_emulator::EmulatorError::StateLocked { pid: Some(_), .. }), "{err}");
    first.shutdown().await;
    let second = fer_emulator::Emulator::spawn(state_config(&path)).await.unwrap();
    second.shutdown().await;
}
