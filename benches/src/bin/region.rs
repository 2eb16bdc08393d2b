//! The region case: one region folder (`fer sample --mos 250 --slots 32 --days 30`, about a
//! million slots) checked by the JSON Schema route, the baseline of `fer validate` on the same
//! files. `benches/run.sh` times this program and `fer validate` with `/usr/bin/time` (wall and
//! peak RSS, medians of three runs).
//!
//! `cargo run --release -p fer-benches --bin region -- jsonschema DIR`: every `<table>.json` of DIR
//! read whole, parsed to `serde_json::Value`, and every error of the table's exported schema
//! collected (`iter_errors`), as a vendor would check a folder without fer-rs. Prints the records,
//! the errors and the seconds of the parse and of the check.

use std::time::Instant;

use fer_benches::baseline::batch_validator;
use fer_model::Table;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(dir)) = (args.next(), args.next()) else {
        return Err("usage: region jsonschema DIR".into());
    };
    if mode != "jsonschema" {
        return Err(format!("unknown mode {mode:?}; usage: region jsonschema DIR").into());
    }
    let (mut records, mut errors, mut parse_s, mut check_s) = (0usize, 0usize, 0f64, 0f64);
    for table in Table::LOAD_ORDER {
        let path = std::path::Path::new(&dir).join(format!("{table}.json"));
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let validator = batch_validator(table)?;
        let started = Instant::now();
        let value: serde_json::Value = serde_json::from_slice(&bytes)?;
        drop(bytes);
        let parsed = Instant::now();
        errors += validator.iter_errors(&value).count();
        check_s += parsed.elapsed().as_secs_f64();
        parse_s += (parsed - started).as_secs_f64();
        records += value.get("data").and_then(serde_json::Value::as_array).map_or(0, Vec::len);
    }
    println!("{records} records, {errors} errors, parse {parse_s:.2} s, check {check_s:.2} s");
    Ok(())
}
