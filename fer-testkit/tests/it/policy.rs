//! Workspace-wide policy, checked over every member of the root `Cargo.toml`.
//!
//! `unsafe` is forbidden in every crate of the workspace: the root
//! `[workspace.lints.rust]` forbids `unsafe_code`, every member inherits the workspace lints (so
//! each of its targets, binaries, tests and benches included, is compiled with the lint), and every
//! library root (or the binary root of a crate without a library) also says `#![forbid(unsafe_code)]`
//! so that the guarantee survives the crate being built outside the workspace. The fuzz crate,
//! outside the workspace, forbids it itself.

use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `members = [...]` of the root Cargo.toml.
fn members(root_manifest: &str) -> Vec<String> {
    let start = root_manifest.find("members").expect("a members list");
    let list = &root_manifest[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split(',').map(|m| m.trim().trim_matches('"').to_owned()).filter(|m| !m.is_empty()).collect()
}

/// The lines of one `[section]` of a manifest, without comments and blank lines.
fn section(manifest: &str, name: &str) -> Vec<String> {
    let header = format!("[{name}]");
    let mut lines = manifest.lines().map(str::trim).skip_while(|l| *l != header).skip(1);
    let mut out = Vec::new();
    for line in lines.by_ref() {
        if line.starts_with('[') {
            break;
        }
        if !line.is_empty() && !line.starts_with('#') {
            out.push(line.replace(' ', ""));
        }
    }
    out
}

#[test]
fn every_crate_forbids_unsafe_code() {
    let root = fer_testkit::workspace_root();
    let root = root.as_path();
    let manifest = read(&root.join("Cargo.toml"));
    assert!(
        section(&manifest, "workspace.lints.rust").contains(&r#"unsafe_code="forbid""#.to_owned()),
        "the root Cargo.toml must forbid unsafe_code in [workspace.lints.rust]"
    );
    let members = members(&manifest);
    assert!(members.len() >= 7, "members: {members:?}");
    for member in &members {
        let dir = root.join(member);
        let own = read(&dir.join("Cargo.toml"));
        assert!(
            section(&own, "lints").contains(&"workspace=true".to_owned()),
            "{member}/Cargo.toml must inherit the workspace lints ([lints] workspace = true)"
        );
        let roots: Vec<_> = ["src/lib.rs", "src/main.rs"].iter().map(|r| dir.join(r)).filter(|p| p.exists()).collect();
        let crate_root = roots.first().unwrap_or_else(|| panic!("{member} has neither src/lib.rs nor src/main.rs"));
        assert!(
            read(crate_root).contains("#![forbid(unsafe_code)]"),
            "{} must say #![forbid(unsafe_code)]",
            crate_root.display()
        );
    }
    let fuzz = read(&root.join("fuzz/Cargo.toml"));
    assert!(section(&fuzz, "lints.rust").contains(&r#"unsafe_code="forbid""#.to_owned()), "fuzz/Cargo.toml");
    assert!(read(&root.join("fuzz/src/lib.rs")).contains("#![forbid(unsafe_code)]"), "fuzz/src/lib.rs");
}

/// Every member keeps its integration tests in one binary, `tests/it/main.rs` (one link of the crate
/// instead of one per file; shared helpers in `tests/it/common/`): no other file directly in `tests/`.
#[test]
fn every_crate_has_one_integration_test_binary() {
    let root = fer_testkit::workspace_root();
    let members = members(&read(&root.join("Cargo.toml")));
    for member in &members {
        let tests = root.join(member).join("tests");
        if !tests.exists() {
            continue;
        }
        let stray: Vec<_> = std::fs::read_dir(&tests)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name != "it")
            .collect();
        assert!(
            stray.is_empty(),
            "{member}/tests holds {stray:?}: integration tests go in tests/it/ (a module of main.rs)"
        );
        assert!(tests.join("it/main.rs").exists(), "{member}/tests/it/main.rs is missing");
    }
}

/// Every library documents every public item: its root says `#![deny(missing_docs)]`.
#[test]
fn every_library_denies_missing_docs() {
    let root = fer_testkit::workspace_root();
    for member in members(&read(&root.join("Cargo.toml"))) {
        let lib = root.join(&member).join("src/lib.rs");
        if lib.exists() {
            assert!(
                read(&lib).contains("#![deny(missing_docs)]"),
                "{member}/src/lib.rs must say #![deny(missing_docs)]"
            );
        }
    }
}

/// Every crate's tests read the spec's fixtures through `fer_testkit::fixture`: no test spells the
/// path of the fixtures folder itself.
#[test]
fn tests_load_fixtures_through_the_shared_loader() {
    let root = fer_testkit::workspace_root();
    let mut offenders = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path().join("tests")))
        .filter(|p| p.is_dir() && !p.starts_with(root.join("fer-testkit")))
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("../fixtures/") || text.contains("\"fixtures/spec") {
                    offenders.push(path.strip_prefix(&root).unwrap().display().to_string());
                }
            }
        }
    }
    assert!(offenders.is_empty(), "read fixtures with fer_testkit::fixture: {offenders:?}");
}
