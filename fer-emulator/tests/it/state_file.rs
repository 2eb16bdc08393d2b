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
