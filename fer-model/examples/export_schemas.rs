//! Writes every JSON Schema of fer-model into a folder, one `<name>.schema.json` per model.
//!
//! ```text
//! cargo run -p fer-model --example export_schemas -- schemas/
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "schemas".into()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    for (name, schema) in fer_model::schema::all() {
        let path = dir.join(format!("{name}.schema.json"));
        if let Err(e) = std::fs::write(&path, fer_model::schema::to_file_text(&schema)) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("{}", path.display());
    }
    ExitCode::SUCCESS
}
