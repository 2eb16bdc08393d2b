//! The one integration-test binary of `fer-validate` (one binary links the crate once; each module is
//! one former test file).

mod fixtures;
mod fuzz_regressions;
mod never_panics;
mod raw;
mod stream;
