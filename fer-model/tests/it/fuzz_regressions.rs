//! The saved inputs of the `model_json` fuzz target (`fixtures/fuzz/model_json/`: the minimised
//! corpus and any input that once crashed) run through the target's own code, without the fuzzer.
//! See RELIABILITY.md at the repository root.

#[path = "../../../fuzz/src/model.rs"]
mod model;

#[test]
fn model_json_inputs_do_not_panic() {
    let dir = fer_testkit::fixture::fuzz_corpus("model_json");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| model::run(&data)) {
            panic!("{} panics: {panic:?}", path.display());
        }
        count += 1;
    }
    assert!(count > 0, "no saved inputs in {}", dir.display());
}
