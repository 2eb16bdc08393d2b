//! Printing: human text or JSON, chosen by `--format`.

use std::io::Write;

use fer_validate::{Diagnostic, Severity};
use serde::Serialize;

use crate::cli::Format;

/// Prints diagnostics: one line each (English message, then the Russian one) for people, or one JSON
/// array of objects with `table`, `record_id`, `pointer`, `code`, `severity`, `message_ru`,
/// `message_en` for machines.
pub fn diagnostics(format: Format, found: &[(String, Diagnostic)]) {
    match format {
        Format::Json => json(&found.iter().map(|(_, d)| d).collect::<Vec<_>>()),
        Format::Human => {
            let mut out = std::io::stdout().lock();
            for (source, d) in found {
                let severity = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let record = d.record_id.as_deref().unwrap_or("-");
                let pointer = if d.pointer.is_empty() { "/" } else { &d.pointer };
                let _ = writeln!(
                    out,
                    "{severity}[{}] {source}: {} {record} at {pointer}: {}\n    {}",
                    d.code.as_str(),
                    d.table.as_str(),
                    d.message_en,
                    d.message_ru
                );
            }
        }
    }
}

/// Prints any value as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}
