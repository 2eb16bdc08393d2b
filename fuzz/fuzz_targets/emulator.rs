//! fer-emulator's routes on arbitrary requests, in process (see `fer_fuzz::emulator`).
#![no_main]

use std::sync::LazyLock;

use bytes::Bytes;
use fer_emulator::{Emulator, EmulatorConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime"));

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    RUNTIME.block_on(async {
        let router = Emulator::router(EmulatorConfig::default()).expect("an emulator router");
        fer_fuzz::emulator::run(data, |request: http::Request<Bytes>| {
            let router = router.clone();
            async move {
                let answer = router.oneshot(request.map(axum::body::Body::from)).await.ok()?;
                let (parts, body) = answer.into_parts();
                let body = body.collect().await.ok()?.to_bytes();
                Some(http::Response::from_parts(parts, body))
            }
        })
        .await
    })
});
