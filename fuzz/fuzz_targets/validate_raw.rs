//! fer-validate on arbitrary bodies (see `fer_fuzz::validate`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fer_fuzz::validate::run(data));
