//! The one integration-test binary of `fer-webhook` (one binary links the crate once; each module is
//! one former test file).

mod common;
mod adapters;
mod emulator;
mod fuzz_regressions;
mod http;
mod security;
mod gzip_members;
