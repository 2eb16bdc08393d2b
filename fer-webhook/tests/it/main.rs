//! The one integration-test binary of `fer-webhook` (one binary links the crate once; each module is
//! one former test file).

mod adapters;
mod common;
mod conformance;
mod connections;
mod emulator;
mod forward;
mod fuzz_regressions;
mod gzip_members;
mod http;
mod metrics;
mod retries;
mod routing;
mod security;
mod stores;
