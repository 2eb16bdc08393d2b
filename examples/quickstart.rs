//! The whole FER 2.0 integration in one process, offline, in seconds:
//!
//! 1. start the emulator (a local Vitrina and gateway) on 127.0.0.1;
//! 2. generate a sample region and validate it with every rule of the Vitrina;
//! 3. push it with the client, in load order, and account for every record;
//! 4. start the MIS's booking webhook and register it (the gateway probes it first);
//! 5. book a free slot through the gateway, as the EPGU would, and see the Vitrina update;
//! 6. cancel it, and see the Vitrina free the slot again;
//! 7. keep the region fresh with fer-sync: a few slot changes go through its durable outbox (a
//!    SQLite file) to the Vitrina, with their change → accepted latency.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use fer_validate::DatasetExt as _;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fer_client::{OutcomeKind, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig, GatewayAnswer};
use fer_examples::DemoMis;
use fer_model::{
    AgeGroup, Book, BookingRequest, BookingResponse, Callback, CancelRequest, Guid, Slot, SlotStatus, Table,
};
use fer_sample::RegionSpec;
use fer_sync::{Store, SyncConfig, SyncEngine};
use fer_webhook::{Idempotent, WebhookService};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // 1. The emulator, in-process, on a free port.
    let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
    step(1, format!("emulator listening on {} (username {})", emulator.base_url(), emulator.username()));

    // 2. A region of one organisation (the MO we log in as), schedule from tomorrow.
    let spec = RegionSpec {
        mos: 2,
        organisation: Some(emulator.username().clone()),
        first_day: chrono::Local::now().date_naive() + chrono::Duration::days(1),
        ..RegionSpec::default()
    };
    let region = fer_sample::generate(&spec)?;
    let report = region.validate();
    step(
        2,
        format!(
            "generated {} subdivisions, {} resources, {} slots, {} books, {} referrals: {} error(s), {} warning(s)",
            region.mo.len(),
            region.resource.len(),
            region.slot.len(),
            region.book.len(),
            region.referral.len(),
            report.errors().count(),
            report.warnings().count()
        ),
    );

    // 3. Push it.
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), emulator.password())
        .build()?;
    let uploaded = client.upload_dataset(&region).await?;
    step(3, format!("pushed in load order: {uploaded}"));
    if !uploaded.all_accepted() {
        return Err(format!("the Vitrina did not accept everything:\n{uploaded:#}").into());
    }

    // 4. The MIS's webhook on a free port, registered with the gateway.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook = format!("http://{}", listener.local_addr()?);
    let service = WebhookService::new(Idempotent::in_memory(DemoMis::from_dataset(&region)));
    tokio::spawn(fer_webhook::serve(listener, service));
    let registered = client.register_callback(&Callback::new(&webhook)).await?;
    step(4, format!("webhook {} registered (the gateway's probe of GET /booking/book passed)", registered.address));

    // 5. Book a free adult slot through the gateway.
    let slot = region
        .slot
        .iter()
        .find(|s| s.status == SlotStatus::Available && matches!(s.tag_age, AgeGroup::All | AgeGroup::Adult))
        .ok_or("the sample has no free adult slot")?;
    let request = BookingRequest::example().with_slot(slot.id).with_patient(Guid::new_v4());
    let booked = emulator.book(&request).await?;
    let GatewayAnswer::Book(BookingResponse::Confirmed(confirmation)) = &booked.answer else {
        return Err(format!("the MIS did not book: {:?}", booked.answer).into());
    };
    let on_vitrina: Option<Slot> = emulator.get(&slot.id);
    let book: Option<Book> = emulator.get(&confirmation.book_ext_id);
    step(
        5,
        format!(
            "booked slot {} at {} in {} ms; on the Vitrina: {}",
            slot.id,
            confirmation.visit_time,
            booked.duration.as_millis(),
            state(book, on_vitrina),
        ),
    );

    // 6. Cancel it.
    let cancel = CancelRequest {
        book_ext_id: confirmation.book_ext_id,
        patient_id: request.patient_id.clone(),
        united_guids: Vec::new(),
    };
    let cancelled = emulator.cancel(&cancel).await?;
    let on_vitrina: Option<Slot> = emulator.get(&slot.id);
    let book: Option<Book> = emulator.get(&confirmation.book_ext_id);
    step(
        6,
        format!("cancelled in {} ms; on the Vitrina: {}", cancelled.duration.as_millis(), state(book, on_vitrina),),
    );

    // 7. The standing duty: slot changes on the Vitrina within 30 s. The MIS hands each change to
    // fer-sync, which commits it to its store before it returns and pushes it in the background.
    let store_path = std::env::temp_dir().join(format!("fer-quickstart-{}.db", std::process::id()));
    let store = Store::open(&store_path).await?;
    let engine = Arc::new(
        SyncEngine::builder(store.clone())
            .organisation(emulator.username().clone(), client.clone())
            .config(SyncConfig::default().with_linger(Duration::from_millis(20)))
            .build()?,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = engine.clone();
    let push_loop = tokio::spawn(async move {
        runner
            .run(async {
                let _ = stopped.await;
            })
            .await
    });
    let free: Vec<Slot> =
        region.slot.iter().filter(|s| s.status == SlotStatus::Available && s.id != slot.id).take(3).cloned().collect();
    let started = Instant::now();
    // The front desk blocks three slots, then frees them again.
    for status in [SlotStatus::Blocked, SlotStatus::Available] {
        let changed: Vec<Slot> = free.iter().map(|s| Slot { status, ..s.clone() }).collect();
        engine.handle().upsert(&changed).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while !changed.iter().all(|s| emulator.get::<Slot>(&s.id).is_some_and(|on| on.status == status)) {
            if Instant::now() > deadline {
                return Err(
                    format!("fer-sync did not get the {status} slots through: {:?}", engine.status().await?).into()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let seen = started.elapsed();
    let status = engine.status().await?;
    let _ = stop.send(());
    push_loop.await??;
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store_path.display()));
    }
    let latency = status.table(emulator.username().as_str(), Table::Slot).map(|t| t.latency).unwrap_or_default();
    step(
        7,
        format!(
            "fer-sync: {} slot changes (blocked, then free again) on the Vitrina in {} ms; change → accepted \
             p50 {} ms, max {} ms; backlog {}",
            latency.count,
            seen.as_millis(),
            latency.p50_ms.unwrap_or_default(),
            latency.max_ms.unwrap_or_default(),
            status.backlog(),
        ),
    );

    println!(
        "\ndone: {} records on the Vitrina ({} slots, {} books), {} exchanges in its journal ({}/sandbox/journal)",
        Table::LOAD_ORDER.iter().map(|t| emulator.count(*t)).sum::<usize>(),
        emulator.count(Table::Slot),
        emulator.count(Table::Book),
        emulator.journal().len(),
        emulator.base_url(),
    );
    let accepted = uploaded.count(OutcomeKind::Accepted);
    println!("every one of the {accepted} pushed records was accepted; nothing was lost");
    emulator.shutdown().await;
    Ok(())
}

/// "book <id> <status>, slot <status>", as the Vitrina has them.
fn state(book: Option<Book>, slot: Option<Slot>) -> String {
    let book = book.map_or("no book".to_owned(), |b| format!("book {} {}", b.id, b.status_code.code()));
    let slot = slot.map_or("no slot".to_owned(), |s| format!("slot {}", s.status));
    format!("{book}, {slot}")
}

fn step(n: u8, text: String) {
    println!("[{n}/7] {text}");
}
