//! The one integration-test binary of `fer-emulator` (one binary links the crate once; each module is
//! one former test file).

mod common;
mod auth;
mod binary;
mod callback;
mod faults;
mod fuzz_regressions;
mod gateway;
mod gateway_faults;
mod limits;
mod lists;
mod openapi;
mod portal;
mod state_file;
mod tables;
mod gzip_members;
mod fidelity;
