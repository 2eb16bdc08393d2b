//! The calls into fer-validate, which owns every format rule of the spec. Each call is guarded: a
//! panic inside the validator (a bug there) is logged and reported as "no findings", so the
//! emulator keeps serving and the typed parse of fer-model still guards the store.

use fer_model::Table;
use fer_validate::{RawKind, Report};

/// [`fer_validate::validate_raw`] on a table's POST body (after gunzipping).
pub(crate) fn table_body(table: Table, body: &[u8]) -> Report {
    guarded(|| fer_validate::validate_raw(table, body), table.as_str())
}

/// [`fer_validate::validate_raw_dto`] on a webhook answer or a callback registration.
pub(crate) fn dto(kind: RawKind, body: &[u8]) -> Report {
    guarded(|| fer_validate::validate_raw_dto(kind, body), &format!("{kind:?}"))
}

fn guarded(check: impl FnOnce() -> Report + std::panic::UnwindSafe, subject: &str) -> Report {
    std::panic::catch_unwind(check).unwrap_or_else(|_| {
        tracing::error!(subject, "fer-validate panicked; falling back to typed parsing only");
        Report::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_come_through() {
        assert!(table_body(Table::Slot, b"{not json").has_errors());
        assert!(dto(RawKind::Callback, b"{\"address\": 1}").has_errors());
        assert!(!dto(RawKind::Callback, b"{\"address\": \"http://127.0.0.1:8080\"}").has_errors());
    }
}
