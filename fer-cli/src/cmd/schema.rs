//! `fer schema export|print`: the JSON Schemas of fer-model.

use crate::Verdict;
use crate::cli::SchemaCommand;
use crate::error::CliError;

/// Runs `fer schema`.
pub fn run(command: &SchemaCommand) -> Result<Verdict, CliError> {
    match command {
        SchemaCommand::Export { dir } => {
            std::fs::create_dir_all(dir).map_err(|source| CliError::Io { path: dir.clone(), source })?;
            for (name, schema) in fer_model::schema::all() {
                let path = dir.join(format!("{name}.schema.json"));
                std::fs::write(&path, fer_model::schema::to_file_text(&schema))
                    .map_err(|source| CliError::Io { path: path.clone(), source })?;
                println!("{}", path.display());
            }
        }
        SchemaCommand::Print { name } => {
            let schema = fer_model::schema::by_name(name).ok_or_else(|| {
                CliError::Usage(format!("no schema {name:?}; one of: {}", fer_model::schema::NAMES.join(", ")))
            })?;
            print!("{}", fer_model::schema::to_file_text(&schema));
        }
    }
    Ok(Verdict::Fine)
}
