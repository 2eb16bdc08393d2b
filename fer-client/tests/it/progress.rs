//! The progress hook: every record of an upload is reported settled exactly once, table by table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fer_model::Table;

#[tokio::test]
async fn progress_accounts_for_every_record_of_a_dataset() {
    let emulator = crate::common::emulator().await;
    let mut dataset = crate::common::schedule(emulator.username(), 2, 2, 30);
    // One invalid slot: withheld before sending, and still reported as settled.
    dataset.slot[0].duration = fer_model::DurationMinutes(0);
    let seen: Arc<Mutex<HashMap<Table, usize>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let client = crate::common::client_builder(&emulator)
        .batch_size(7)
        .on_progress(move |p| *sink.lock().unwrap().entry(p.table).or_default() += p.settled)
        .build()
        .unwrap();

    let report = client.upload_dataset(&dataset).await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.get(&Table::Mo), Some(&dataset.mo.len()));
    assert_eq!(seen.get(&Table::Resource), Some(&dataset.resource.len()));
    assert_eq!(seen.get(&Table::Slot), Some(&dataset.slot.len()));
    assert_eq!(seen.values().sum::<usize>(), report.len());
    assert_eq!(report.count(fer_client::OutcomeKind::Invalid), 1);
}
