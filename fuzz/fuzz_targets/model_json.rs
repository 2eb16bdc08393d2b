//! Every fer-model type parsed from arbitrary JSON (see `fer_fuzz::model`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fer_fuzz::model::run(data));
