//! A `tracing` subscriber that writes every span and event, at every level, with all their fields,
//! into one process-wide buffer, so that a security test can search the logs for secrets and
//! patient data. Shared by the `security.rs` tests of the crates, which include
//! this file with `#[path]`; it needs only the `tracing` crate.
//!
//! Install it once per test binary with [`install`] (the global default, so that spans and events
//! of spawned tasks and blocking threads are caught too), run the calls, then search [`text`].

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

static BUFFER: Mutex<String> = Mutex::new(String::new());
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Installs the capturing subscriber as the global default (once); true when it is in force.
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(Capture::default()).is_ok())
}

/// Everything captured so far: one line per span and event, `target level name: field=value ...`.
pub fn text() -> String {
    BUFFER.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The number of lines captured so far.
pub fn lines() -> usize {
    BUFFER.lock().unwrap_or_else(|p| p.into_inner()).lines().count()
}

#[derive(Default)]
struct Capture {
    next_id: AtomicU64,
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

fn push(kind: &str, metadata: &Metadata<'_>, line: Line) {
    let mut buffer = BUFFER.lock().unwrap_or_else(|p| p.into_inner());
    let _ = writeln!(buffer, "{kind} {} {} {}:{}", metadata.target(), metadata.level(), metadata.name(), line.0);
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = Line(String::new());
        span.record(&mut line);
        push("span", span.metadata(), line);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = Line(String::new());
        values.record(&mut line);
        let _ = writeln!(BUFFER.lock().unwrap_or_else(|p| p.into_inner()), "record:{}", line.0);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line(String::new());
        event.record(&mut line);
        push("event", event.metadata(), line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
