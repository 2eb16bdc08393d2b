//! Whole-engine figures of fer-sync against the emulator on this machine (no timing assertions):
//!
//! 1. intake of N slots (default 1,000,000) into a fresh SQLite store, and the store's size;
//! 2. the first push of the region to the emulator, and a restart on the fully sent store (open,
//!    one cycle: nothing re-sent);
//! 3. the engine's CPU at 100 slot changes a second for 20 s (the threads of this process but the
//!    emulator's, from `/proc/self/task/*/schedstat`);
//! 4. a sustained change stream (default 1,000 changes per second for 60 s: slot status changes,
//!    with one change in ten a front-desk booking or a cancel of one) while the engine runs, with
//!    change → accepted latency (p50, p99, max) from the engine's status and change → visible
//!    latency from the emulator's record of when each row took its content, and the records the
//!    emulator received twice.
//!
//! The emulator runs on a runtime of its own, in threads named `emulator`, so that the engine's
//! CPU can be told apart from it.
//!
//! `cargo run --release -p fer-benches --bin sync -- [SLOTS] [CHANGES_PER_SECOND] [SECONDS] [PER_CALL]`;
//! a rate of 0 measures the intake only; the intake hands over PER_CALL slots a call (default 50,000).

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use fer_client::{Preflight, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::{Book, BookStatus, BookType, Guid, Oid, Slot, SlotStatus, Table, TagSource};
use fer_sync::{Store, SyncConfig, SyncEngine, SyncHandle};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let count = args.next().transpose()?.unwrap_or(1_000_000);
    let rate = args.next().transpose()?.unwrap_or(1_000);
    let seconds = args.next().transpose()?.unwrap_or(60);
    let per_call = args.next().transpose()?.unwrap_or(50_000).max(1);

    let emulator_runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("emulator").enable_all().build()?;
    let emulator = emulator_runtime.spawn(Emulator::spawn(EmulatorConfig::default())).await??;
    let org: Oid = emulator.username().clone();
    let client = || {
        VitrinaClient::builder()
            .base_url(emulator.base_url())
            .credentials(org.clone(), emulator.password())
            .preflight(Preflight::PerRecord)
            .build()
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("sync.db");

    // The region: one subdivision, the resources the flat slot run names, `count` slots.
    let fer_benches::inputs::FlatRegion { mo, resources, slots } = fer_benches::inputs::FlatRegion::new(&org, count)?;

    let store = Store::open(&path).await?;
    let engine =
        SyncEngine::builder(store).organisation(org.clone(), client()?).config(SyncConfig::default()).build()?;
    let handle = engine.handle();
    handle.upsert(&[mo]).await?;
    handle.upsert(&resources).await?;
    let started = Instant::now();
    let (cpu_before, threads_before) = (engine_cpu(), thread_cpu());
    for chunk in slots.chunks(per_call) {
        handle.upsert(chunk).await?;
    }
    let intake = started.elapsed();
    let intake_cpu = engine_cpu().saturating_sub(cpu_before);
    // The busiest thread: on a quiet machine the intake takes at least its time.
    let busiest = thread_cpu()
        .into_iter()
        .map(|(task, (name, ns))| {
            let before = threads_before.get(&task).map_or(0, |(_, ns)| *ns);
            (name, Duration::from_nanos(ns.saturating_sub(before)))
        })
        .max_by_key(|(_, cpu)| *cpu);
    let size = std::fs::metadata(&path)?.len()
        + std::fs::metadata(dir.path().join("sync.db-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "intake of {count} slots ({per_call} a call): {:.2} s ({:.0} slots/s); store {:.1} MB; CPU {:.2} s, the busiest thread ({}) {:.2} s",
        intake.as_secs_f64(),
        count as f64 / intake.as_secs_f64(),
        size as f64 / 1e6,
        intake_cpu.as_secs_f64(),
        busiest.as_ref().map_or("-", |(name, _)| name.as_str()),
        busiest.as_ref().map_or(0.0, |(_, cpu)| cpu.as_secs_f64()),
    );
    if rate == 0 {
        // Intake only: a change rate of 0 skips the push and the stream.
        emulator_runtime.shutdown_background();
        return Ok(());
    }

    let started = Instant::now();
    loop {
        let report = engine.run_once().await?;
        if report.accepted == 0 && engine.status().await?.backlog() == 0 {
            break;
        }
    }
    println!(
        "first push to the emulator: {:.2} s; emulator holds {} slots",
        started.elapsed().as_secs_f64(),
        emulator.count(Table::Slot)
    );
    drop(engine);

    let started = Instant::now();
    let store = Store::open(&path).await?;
    let engine = SyncEngine::builder(store).organisation(org.clone(), client()?).build()?;
    let resumed = engine.run_once().await?;
    println!(
        "restart on the sent store: {:.3} s, {} records re-sent",
        started.elapsed().as_secs_f64(),
        resumed.accepted
    );

    let handle = engine.handle();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = tokio::spawn(async move {
        engine
            .run(async {
                let _ = stopped.await;
            })
            .await
            .map(|()| engine)
    });
    let mut stream = Stream { slots: &slots, at: 0, booked: Vec::new(), changed: HashMap::new() };

    // The engine's CPU at 100 changes a second.
    let (cpu_before, wall) = (engine_cpu(), Instant::now());
    stream.run(&handle, 100, 20, false).await?;
    let cpu = engine_cpu().saturating_sub(cpu_before);
    println!(
        "engine CPU at 100 changes/s over {:.0} s: {:.1} % of one core",
        wall.elapsed().as_secs_f64(),
        100.0 * cpu.as_secs_f64() / wall.elapsed().as_secs_f64()
    );

    // The change stream at `rate`, bookings and cancels mixed in.
    let repeated_before = emulator.repeated_writes();
    stream.changed.clear();
    let total = stream.run(&handle, rate, seconds, true).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.send(()).ok();
    let engine = runner.await??;
    let status = engine.status().await?;
    if let Some(t) = status.table(org.as_str(), Table::Slot) {
        println!(
            "change stream: {total} changes in {seconds} s at {rate}/s; slots accepted in the window {}; \
             change → accepted p50 {:?} ms, p99 {:?} ms, max {:?} ms; backlog {}",
            t.latency.count,
            t.latency.p50_ms,
            t.latency.p99_ms,
            t.latency.max_ms,
            status.backlog()
        );
    }
    let (visible, missing) = stream.visible(&emulator);
    println!(
        "change → visible on the emulator over {} records: p50 {} ms, p99 {} ms, max {} ms; {missing} not visible; \
         {} records received twice",
        visible.len(),
        percentile(&visible, 0.50),
        percentile(&visible, 0.99),
        visible.last().copied().unwrap_or(0),
        emulator.repeated_writes() - repeated_before
    );
    emulator_runtime.shutdown_background();
    Ok(())
}

/// The MIS's side of the change stream.
struct Stream<'a> {
    slots: &'a [Slot],
    /// How many slot changes so far (it walks the region; every pass flips the status back).
    at: usize,
    /// Slots the front desk booked, with their books, oldest first.
    booked: Vec<(Slot, Book)>,
    /// The last change of each record: when it was handed over, and what it was.
    changed: HashMap<(Table, Guid), (SystemTime, serde_json::Value)>,
}

impl Stream<'_> {
    /// `rate` changes a second for `seconds`, in ticks of 100 ms; with `bookings`, one change in
    /// ten is a booking (slot RECORDED and its book) or the cancel of an earlier one. Returns the
    /// number of changes.
    async fn run(
        &mut self,
        sync: &SyncHandle,
        rate: usize,
        seconds: usize,
        bookings: bool,
    ) -> Result<usize, fer_sync::SyncError> {
        let per_tick = (rate / 10).max(1);
        let mut interval = tokio::time::interval(Duration::from_millis(100));
        let started = Instant::now();
        let mut total = 0;
        while started.elapsed() < Duration::from_secs(seconds as u64) {
            interval.tick().await;
            let (mut slots, mut books) = (Vec::with_capacity(per_tick), Vec::new());
            for n in 0..per_tick {
                if bookings && n % 10 == 9 {
                    self.book_or_cancel(&mut slots, &mut books);
                } else {
                    slots.push(self.flip());
                }
            }
            total += slots.len() + books.len();
            let now = SystemTime::now();
            for s in &slots {
                self.changed.insert((Table::Slot, s.id), (now, serde_json::to_value(s).expect("a slot serialises")));
            }
            for b in &books {
                self.changed.insert((Table::Book, b.id), (now, serde_json::to_value(b).expect("a book serialises")));
            }
            sync.upsert(&slots).await?;
            sync.upsert(&books).await?;
        }
        Ok(total)
    }

    /// The next slot of the walk with its status flipped (Blocked on odd passes, Available on even).
    fn flip(&mut self) -> Slot {
        let s = &self.slots[(self.at * 7919) % self.slots.len()];
        let status =
            if (self.at / self.slots.len()).is_multiple_of(2) { SlotStatus::Blocked } else { SlotStatus::Available };
        self.at += 1;
        Slot { status, ..s.clone() }
    }

    /// A booking of the next slot of the walk, or (every other time) the cancel of the oldest one.
    fn book_or_cancel(&mut self, slots: &mut Vec<Slot>, books: &mut Vec<Book>) {
        if self.booked.len() > 50 || (!self.booked.is_empty() && self.at.is_multiple_of(2)) {
            let (slot, book) = self.booked.remove(0);
            slots.push(Slot { status: SlotStatus::Available, ..slot });
            books.push(Book { status_code: BookStatus::Canceled, ..book });
            return;
        }
        let slot = Slot { status: SlotStatus::Recorded, ..self.slots[(self.at * 7919) % self.slots.len()].clone() };
        self.at += 1;
        let book = Book {
            id: Guid::new_v4(),
            patient_id: Guid::new_v4(),
            slot_id: slot.id,
            status_code: BookStatus::Recorded,
            tag_source: TagSource::Reg,
            kind: BookType::Appointment,
            referral_id: None,
            create_ts: slot.create_ts,
        };
        self.booked.push((slot.clone(), book.clone()));
        slots.push(slot);
        books.push(book);
    }

    /// Change → visible in milliseconds, sorted, of the last change of every record that the
    /// emulator holds as it was handed over; and how many it does not hold so.
    fn visible(&self, emulator: &EmulatorHandle) -> (Vec<u64>, usize) {
        let mut visible = Vec::with_capacity(self.changed.len());
        let mut missing = 0;
        for (&(table, id), (at, want)) in &self.changed {
            let held = match table {
                Table::Slot => emulator.get::<Slot>(&id).map(|s| serde_json::to_value(s).expect("a slot serialises")),
                _ => emulator.get::<Book>(&id).map(|b| serde_json::to_value(b).expect("a book serialises")),
            };
            match emulator.visibility(table, &id) {
                Some(v) if held.as_ref() == Some(want) => {
                    visible.push(v.changed_at.duration_since(*at).unwrap_or_default().as_millis() as u64);
                }
                _ => missing += 1,
            }
        }
        visible.sort_unstable();
        (visible, missing)
    }
}

/// The `q` quantile of sorted values (0 when empty).
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// CPU time on a core of each live thread of this process (`/proc/self/task/*/schedstat`, in
/// nanoseconds), by task id, with the thread's name.
fn thread_cpu() -> HashMap<String, (String, u64)> {
    let mut threads = HashMap::new();
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default().trim().to_owned();
        let stat = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
        let ns = stat.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()).unwrap_or(0);
        threads.insert(task.file_name().to_string_lossy().into_owned(), (name, ns));
    }
    threads
}

/// CPU time of this process but the emulator's threads: the process's user and system time
/// (`/proc/self/stat`, in USER_HZ = 100 ticks a second; threads that ended still count) less the
/// time of the live threads named `emulator` (`/proc/self/task/*/schedstat`, nanoseconds on a CPU).
fn engine_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    let mut emulator = 0u64;
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let path = task.path();
        if std::fs::read_to_string(path.join("comm")).unwrap_or_default().starts_with("emulator") {
            let stat = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
            emulator += stat.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Duration::from_millis(ticks * 10).saturating_sub(Duration::from_nanos(emulator))
}
