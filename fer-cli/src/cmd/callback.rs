//! `fer callback`: the webhook registration of section 10 («Ответный сервис»), through fer-client.

use fer_model::{Callback, Oid};
use serde_json::json;

use crate::cli::{CallbackCommand, CallbackSet, Format};
use crate::cmd::push::connect;
use crate::error::CliError;
use crate::{Verdict, output};

/// Runs `fer callback`.
pub async fn run(command: &CallbackCommand, format: Format) -> Result<Verdict, CliError> {
    match command {
        CallbackCommand::Register(set) | CallbackCommand::Update(set) => {
            let client = connect(&set.connection)?;
            let callback = callback_of(set)?;
            let stored = if matches!(command, CallbackCommand::Register(_)) {
                client.register_callback(&callback).await
            } else {
                client.update_callback(&callback).await
            };
            match stored {
                Ok(stored) => {
                    show(
                        format,
                        &json!({"registered": true, "address": stored.address, "depart_oid": stored.depart_oid}),
                    );
                    Ok(Verdict::Fine)
                }
                // The gateway refused the registration (its probe failed): the checked thing is wrong.
                Err(e) if e.status().is_some_and(|s| (400..500).contains(&s) && s != 401) => {
                    show(format, &json!({"registered": false, "reason": e.to_string()}));
                    Ok(Verdict::Wrong)
                }
                Err(e) => Err(e.into()),
            }
        }
        CallbackCommand::Get(target) => {
            let client = connect(&target.connection)?;
            let found = client.get_callback(depart(&target.depart_oid)?.as_ref()).await?;
            match found {
                Some(c) => {
                    show(format, &json!({"address": c.address, "depart_oid": c.depart_oid}));
                    Ok(Verdict::Fine)
                }
                None => {
                    show(format, &json!({"address": null}));
                    Ok(Verdict::Wrong)
                }
            }
        }
        CallbackCommand::Delete(target) => {
            let client = connect(&target.connection)?;
            let deleted = client.delete_callback(depart(&target.depart_oid)?.as_ref()).await?;
            show(format, &json!({"deleted": deleted}));
            Ok(if deleted { Verdict::Fine } else { Verdict::Wrong })
        }
        CallbackCommand::Check(check) => {
            let client = connect(&check.connection)?;
            let result = client.check_callback(&check.address).await?;
            show(format, &json!({"available": result.available, "reason": result.reason}));
            Ok(if result.available { Verdict::Fine } else { Verdict::Wrong })
        }
    }
}

fn callback_of(set: &CallbackSet) -> Result<Callback, CliError> {
    Ok(Callback { address: set.address.clone(), depart_oid: depart(&set.depart_oid)? })
}

fn depart(oid: &Option<Oid>) -> Result<Option<Oid>, CliError> {
    Ok(oid.clone())
}

fn show(format: Format, value: &serde_json::Value) {
    match format {
        Format::Json => output::json(value),
        Format::Human => {
            if let Some(o) = value.as_object() {
                for (k, v) in o {
                    let v = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                    say!("{k}: {v}");
                }
            }
        }
    }
}
