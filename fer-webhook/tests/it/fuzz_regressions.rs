//! The saved inputs of the `webhook` fuzz target (`fixtures/fuzz/webhook/`: the minimised corpus
//! and any input that once crashed) run through the target's own code, without the fuzzer: each is
//! decoded into requests and answered by `WebhookService::handle`, whose answers are checked.
//! See RELIABILITY.md at the repository root.

#[path = "../../../fuzz/src/request.rs"]
mod request;
#[path = "../../../fuzz/src/webhook.rs"]
mod webhook;

#[tokio::test(flavor = "current_thread")]
async fn webhook_inputs_are_answered() {
    let dir = fer_testkit::fixture::fuzz_corpus("webhook");
    let services = webhook::Services::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        // A panic fails the test; the file name is printed first so that it can be found.
        eprintln!("{}", path.display());
        webhook::run(&services, &data).await;
        count += 1;
    }
    assert!(count > 0, "no saved inputs in {}", dir.display());
}
