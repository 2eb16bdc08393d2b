//! fer-webhook's service on arbitrary requests (see `fer_fuzz::webhook`).
#![no_main]

use std::sync::LazyLock;

use fer_fuzz::webhook::{Services, run};

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a tokio runtime"));
static SERVICES: LazyLock<Services> = LazyLock::new(Services::new);

libfuzzer_sys::fuzz_target!(|data: &[u8]| RUNTIME.block_on(run(&SERVICES, data)));
