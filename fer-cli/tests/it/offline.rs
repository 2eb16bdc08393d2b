//! `fer validate`, `fer schema` and `fer sample` on real files: exit codes and output.

use std::path::Path;
use std::process::{Command, Output};

fn fer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fer")).args(args).output().expect("fer runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fixture(rel: &str) -> String {
    fer_testkit::fixture::spec_path(rel).to_string_lossy().into_owned()
}

#[test]
fn a_sample_region_is_written_and_validates_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("region");
    let o = fer(&["sample", "--out", out.to_str().unwrap(), "--mos", "2", "--seed", "5"]);
    assert!(o.status.success(), "{o:?}");
    for table in fer_model::Table::LOAD_ORDER {
        assert!(out.join(format!("{}.json", table.as_str())).is_file(), "{table}");
    }
    let o = fer(&["validate", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    let o = fer(&["--format", "json", "validate", out.to_str().unwrap()]);
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(found.as_array().unwrap().iter().all(|d| d["severity"] == "warning"));
}

#[test]
fn a_sample_it_cannot_make_valid_is_refused_with_exit_2_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("region");
    let o = fer(&["sample", "--out", out.to_str().unwrap(), "--slots", "40"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("slots_per_day = 40") && stderr.contains("at most 32"), "{stderr}");
    assert!(!out.exists(), "nothing is written");

    // The fullest day it accepts validates clean.
    let o = fer(&["sample", "--out", out.to_str().unwrap(), "--mos", "1", "--slots", "32", "--days", "7"]);
    assert!(o.status.success(), "{o:?}");
    let o = fer(&["validate", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
}

#[test]
fn spec_duplicate_batches_fail_with_every_diagnostic_in_json() {
    let o = fer(&["--format", "json", "validate", "--table", "slot", &fixture("004/slot_batch_duplicate_id.json")]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found = found.as_array().unwrap();
    let r310 = found.iter().find(|d| d["code"] == "R-310").expect("R-310 reported");
    for key in ["table", "record_id", "pointer", "code", "severity", "message_ru", "message_en"] {
        assert!(r310.get(key).is_some(), "{key} missing in {r310}");
    }
    assert_eq!(r310["table"], "slot");
    assert!(r310["pointer"].as_str().unwrap().starts_with("/data/"));
}

#[test]
fn human_output_names_file_record_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slots.ndjson");
    let good = fer_sample::slots(2, 1);
    let mut bad = serde_json::to_value(&good[1]).unwrap();
    bad["tag_age"] = "OLD".into();
    let text = format!("{}\n{}\n", serde_json::to_string(&good[0]).unwrap(), bad);
    std::fs::write(&path, text).unwrap();
    let o = fer(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("slots.ndjson"), "{text}");
    assert!(text.contains(&good[1].id.to_string()), "{text}");
    assert!(text.contains("/data/1/tag_age"), "{text}");
}

#[test]
fn a_file_that_is_not_json_is_wrong_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slot.json");
    std::fs::write(&path, "this is not json").unwrap();
    let o = fer(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("error"), "{}", stdout(&o));
}

#[test]
fn unknown_table_and_missing_file_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doctors.json");
    std::fs::write(&path, "[]").unwrap();
    let o = fer(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--table"));

    let o = fer(&["validate", "--table", "doctor", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));

    let o = fer(&["validate", dir.path().join("missing.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.json"));
}

#[test]
fn a_dataset_with_broken_references_reports_cross_table_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("region");
    assert!(fer(&["sample", "--out", out.to_str().unwrap(), "--mos", "1"]).status.success());
    std::fs::remove_file(out.join("resource.json")).unwrap();
    let o = fer(&["--format", "json", "validate", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let slots_without_resource =
        found.as_array().unwrap().iter().filter(|d| d["table"] == "slot" && d["severity"] == "error").count();
    assert!(slots_without_resource > 0, "{found}");
}

#[test]
fn schemas_export_as_checked_in_and_print_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let o = fer(&["schema", "export", dir.path().to_str().unwrap()]);
    assert!(o.status.success());
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    for name in fer_model::schema::names() {
        let file = format!("{name}.schema.json");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&file)).unwrap(),
            std::fs::read_to_string(checked_in.join(&file)).unwrap(),
            "{file}"
        );
    }
    let o = fer(&["schema", "print", "slot"]);
    assert!(o.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(schema["title"], "Slot");
    assert_eq!(fer(&["schema", "print", "doctor"]).status.code(), Some(2));
}

#[test]
fn help_shows_examples_for_every_subcommand() {
    for sub in ["validate", "schema", "sample", "push", "callback", "emulator", "conformance"] {
        let o = fer(&[sub, "--help"]);
        assert!(o.status.success(), "{sub}");
        assert!(stdout(&o).contains("Examples:"), "{sub}: {}", stdout(&o));
    }
}

#[test]
fn bad_typed_arguments_are_refused_by_the_parser_with_exit_2() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["push", "x", "--url", "http://127.0.0.1:1", "--username", "not-an-oid", "--password-env", "P"],
            "--username",
        ),
        (
            &[
                "callback",
                "get",
                "--url",
                "http://h",
                "--username",
                "1.2.3",
                "--password-env",
                "P",
                "--depart-oid",
                "x y",
            ],
            "--depart-oid",
        ),
        (&["conformance", "--webhook", "http://127.0.0.1:1", "--slot", "not-a-guid"], "--slot"),
        (&["sample", "--out", "unused", "--org", "1..2"], "--org"),
        (&["emulator", "--username", "oid?"], "--username"),
    ];
    for (args, flag) in cases {
        let o = fer(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        // clap's own refusal: it names the flag and the offending value.
        assert!(err.contains("invalid value") && err.contains(flag), "{args:?}: {err}");
    }
    let o = fer(&["emulator", "--drop-ratio", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("between 0 and 1"));
}

#[test]
fn fer_emulator_takes_the_flags_of_the_fer_emulator_program() {
    let o = fer(&["emulator", "--help"]);
    let help = stdout(&o);
    assert!(o.status.success(), "{help}");
    assert!(help.contains("[default: 127.0.0.1:2100]"), "{help}");
    for flag in [
        "--listen",
        "--username",
        "--password",
        "--state",
        "--token-lifetime-secs",
        "--unavailable-ratio",
        "--latency-ms",
        "--drop-ratio",
        "--fault-seed",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}
