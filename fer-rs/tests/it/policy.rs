//! Docs resolve for a crates.io user: no doc comment (`//!`, `///`, `#[doc = "…"]`) of any `.rs`
//! file and no README of the repository points to the team's private notes, a spec file by its
//! number or an issue number. The project's reading of the spec lives in `fer_model::spec`, and the
//! docs link there instead.

use std::path::{Path, PathBuf};

/// Case-insensitive phrases that point outside what a crates.io user can read.
const FORBIDDEN: &[&str] = &["notes.md", "design.md", "seed 00", "seeds 00", "issue #"];

/// Folders that hold no sources or docs of ours.
const SKIP: &[&str] = &["target", ".git", "fixtures", "schemas", "node_modules"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("fer-rs sits in the workspace").to_path_buf()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIP.contains(&name.as_str()) && !name.starts_with('.') {
                walk(&path, out);
            }
        } else if name.ends_with(".rs") || name == "README.md" {
            out.push(path);
        }
    }
}

/// The lines of `text` that are documentation: every line of a README, the doc comments of Rust.
fn doc_lines(path: &Path, text: &str) -> Vec<(usize, String)> {
    let readme = path.file_name().is_some_and(|n| n == "README.md");
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let t = line.trim_start();
            readme || t.starts_with("//!") || t.starts_with("///") || t.starts_with("#[doc") || t.starts_with("#![doc")
        })
        .map(|(i, line)| (i + 1, line.to_owned()))
        .collect()
}

fn offences(path: &Path, text: &str) -> Vec<String> {
    doc_lines(path, text)
        .into_iter()
        .filter(|(_, line)| {
            let lower = line.to_lowercase();
            FORBIDDEN.iter().any(|f| lower.contains(f))
        })
        .map(|(n, line)| format!("{}:{n}: {}", path.display(), line.trim()))
        .collect()
}

#[test]
fn the_policy_sees_what_it_forbids() {
    let readme = Path::new("README.md");
    let code = Path::new("lib.rs");
    assert_eq!(offences(readme, "See NOTES.md.").len(), 1);
    assert_eq!(offences(code, "//! as seed 004 says").len(), 1);
    assert_eq!(offences(code, "    /// fixed in issue #12").len(), 1);
    assert_eq!(offences(code, "#[doc = \"DESIGN.md\"]").len(), 1);
    // Code and plain comments are not docs.
    assert!(offences(code, "let notes = \"NOTES.md\"; // seed 004").is_empty());
    assert!(offences(code, "//! [`fer_model::spec::quirks`]").is_empty());
}

#[test]
fn no_doc_points_to_private_notes_seed_files_or_issues() {
    let mut files = Vec::new();
    walk(&root(), &mut files);
    assert!(files.iter().any(|f| f.ends_with("fer-model/src/spec.rs")), "the walk reaches the crates");
    let found: Vec<String> =
        files.iter().flat_map(|f| offences(f, &std::fs::read_to_string(f).unwrap_or_default())).collect();
    assert!(found.is_empty(), "docs must cite the spec by its sections (see fer_model::spec):\n{}", found.join("\n"));
}
