//! `fer schema openapi DIR`: the checked-in documents under `openapi/` are what the command writes
//! (a drift test), and the YAML reads back as the documents of fer-model.

use std::process::Command;

fn checked_in(name: &str) -> String {
    let path = format!("{}/../openapi/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_checked_in_documents_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_fer")).args(["schema", "openapi"]).arg(dir.path()).output().unwrap();
    assert!(o.status.success(), "{o:?}");
    for (name, _) in fer_model::openapi::all() {
        let fresh = std::fs::read_to_string(dir.path().join(format!("{name}.yaml"))).unwrap();
        assert!(
            fresh == checked_in(name),
            "openapi/{name}.yaml is stale: run `cargo run -p fer-cli -- schema openapi openapi/` and commit it"
        );
    }
}

#[test]
fn the_yaml_reads_back_as_the_documents() {
    for (name, document) in fer_model::openapi::all() {
        let parsed: serde_json::Value = serde_norway::from_str(&checked_in(name)).unwrap();
        assert_eq!(parsed, document, "openapi/{name}.yaml");
        assert_eq!(parsed["openapi"], "3.1.0");
    }
}
