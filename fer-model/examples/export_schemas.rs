//! Writes every JSON Schema of fer-model into a folder, one `<name>.schema.json` per model, and the
//! schemas of the regional portal API (`fer_model::portal`) into its `portal/` subfolder.
//!
//! ```text
//! cargo run -p fer-model --example export_schemas -- schemas/
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use schemars::Schema;

fn write_all(dir: &Path, schemas: Vec<(&'static str, Schema)>) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, schema) in schemas {
        let path = dir.join(format!("{name}.schema.json"));
        std::fs::write(&path, fer_model::schema::to_file_text(&schema))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "schemas".into()));
    let written = write_all(&dir, fer_model::schema::all())
        .and_then(|()| write_all(&dir.join("portal"), fer_model::portal::schemas()));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
