//! The configuration file of `fer sync --config FILE`, the sidecar for MIS not written in Rust.
//!
//! ```toml
//! # Where every change waits until the Vitrina accepted it: a SQLite file (created when missing),
//! # or a PostgreSQL URL ("postgres://user@host/db", the MIS's own database) that several sidecar
//! # instances may share, each pushing the subdivisions it holds a lease on.
//! store = "/var/lib/fer/sync.db"
//! # The name of this instance among those sharing a PostgreSQL store (default: fer-sync-<pid>-…).
//! # instance = "mis-host-1"
//!
//! [vitrina]
//! url = "https://vitrina.example"
//!
//! # One per MO the MIS pushes for; each record goes to the organisation of its subdivision.
//! [[organisation]]
//! username = "1.2.643.5.1.13.13.12.2.77.7777"
//! password_env = "FER_PASSWORD_7777"   # the name of an environment variable, never the password
//!
//! [sources.http]                      # POST NDJSON of records and deletes (loopback only)
//! listen = "127.0.0.1:8700"
//!
//! [sources.folder]                    # a folder of <table>.json files the MIS rewrites
//! dir = "/srv/mis/export"
//!
//! # [sources.outbox]                  # PostgreSQL store only: drain fer_sync.enqueue(...), the
//! #                                   # outbox the MIS writes inside its own transactions
//!
//! [status]                            # GET /status (JSON) and /metrics (Prometheus text format)
//! listen = "127.0.0.1:8701"
//!
//! [webhook]                           # the gateway's booking calls, forwarded to the MIS
//! listen = "0.0.0.0:8443"              # where the gateway calls (any address)
//! forward = "http://127.0.0.1:9000"    # the MIS: POST /booking/book and /booking/cancel
//! allow = ["10.0.0.0/8"]               # the gateway's addresses (default: any)
//!
//! [engine]                            # every key optional; these are the defaults
//! linger_ms = 100
//! tick_ms = 1000
//! reconcile_every_secs = 3600          # 0: never
//! reconcile_days = 14                  # the rolling horizon of slots read back
//! ```
//!
//! Unknown keys are errors (a mistyped key must not silently fall back to a default), and so are
//! listen addresses off the loopback interface: neither the intake nor the status has
//! authentication, they are for the MIS and a metrics scraper on the same machine.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fer_model::Oid;
use fer_sync::SyncConfig;
use serde::Deserialize;

use crate::cli::Connection;
use crate::error::CliError;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SidecarConfig {
    /// The store: a SQLite file path or a PostgreSQL URL.
    pub store: StoreLocation,
    /// The instance's name in the leases of a shared store.
    pub instance: Option<String>,
    /// Where the Vitrina is.
    pub vitrina: VitrinaSection,
    /// The organisations pushed for (at least one).
    #[serde(rename = "organisation")]
    pub organisations: Vec<OrganisationSection>,
    /// Where changes come from (at least one source).
    #[serde(default)]
    pub sources: Sources,
    /// The status and metrics server.
    pub status: Option<ListenSection>,
    /// The gateway-facing webhook.
    pub webhook: Option<WebhookSection>,
    /// The engine's timings.
    #[serde(default)]
    pub engine: EngineSection,
}

/// `[vitrina]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitrinaSection {
    /// The gateway's base URL.
    pub url: String,
}

/// One `[[organisation]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationSection {
    /// The MO OID used as username at `/auth.svc`.
    pub username: Oid,
    /// The name of the environment variable with its password.
    pub password_env: String,
}

/// `[sources]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// `[sources.http]`: the loopback intake.
    pub http: Option<ListenSection>,
    /// `[sources.folder]`: the snapshot folder.
    pub folder: Option<FolderSection>,
    /// `[sources.outbox]`: the PostgreSQL store's MIS outbox.
    pub outbox: Option<OutboxSection>,
}

/// `[sources.outbox]` (no keys: the outbox is in the store's database).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSection {}

/// Where the store is.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum StoreLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by URL (`postgres://` or `postgresql://`).
    Postgres(String),
}

impl From<String> for StoreLocation {
    fn from(s: String) -> Self {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            StoreLocation::Postgres(s)
        } else {
            StoreLocation::Sqlite(PathBuf::from(s.strip_prefix("sqlite:").unwrap_or(&s)))
        }
    }
}

impl StoreLocation {
    /// How the store is named in messages: the path, or the URL without its password.
    pub fn label(&self) -> PathBuf {
        match self {
            StoreLocation::Sqlite(path) => path.clone(),
            StoreLocation::Postgres(url) => PathBuf::from(redact_url(url)),
        }
    }
}

/// `Debug` never shows a password of the URL.
impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            StoreLocation::Postgres(url) => f.debug_tuple("Postgres").field(&redact_url(url)).finish(),
        }
    }
}

/// The URL with the password of its user part masked: `postgres://fer:***@db/mis`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

/// A server's `listen` address.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenSection {
    /// A loopback address and port (port 0: any free one, printed at start-up).
    pub listen: SocketAddr,
}

/// `[webhook]`: the webhook the gateway calls, in front of the MIS's own endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    /// Where the gateway calls (the one listener of the sidecar that may face the network).
    pub listen: SocketAddr,
    /// The MIS's endpoint: `POST <forward>/booking/book` and `/booking/cancel`, the gateway's JSON.
    pub forward: String,
    /// The gateway's addresses or networks (`10.0.0.0/8`, `192.0.2.7`); empty: any address.
    #[serde(default)]
    pub allow: Vec<String>,
}

impl WebhookSection {
    /// The allow list of `allow`; a malformed entry is a usage error naming it.
    pub fn allow_list(&self) -> Result<Option<fer_webhook::AllowList>, CliError> {
        if self.allow.is_empty() {
            return Ok(None);
        }
        let networks = self
            .allow
            .iter()
            .map(|entry| {
                entry
                    .parse::<fer_webhook::IpNetwork>()
                    .map_err(|e| CliError::Usage(format!("[webhook] allow: {entry:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(fer_webhook::AllowList::new(networks)))
    }
}

/// `[sources.folder]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderSection {
    /// The folder of `<table>.json` files (relative paths are relative to the config file).
    pub dir: PathBuf,
}

/// `[engine]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSection {
    /// How long a change waits for more before a cycle sends it, in milliseconds.
    pub linger_ms: Option<u64>,
    /// The longest a cycle waits when nothing wakes it, in milliseconds.
    pub tick_ms: Option<u64>,
    /// How often the Vitrina is read back and drift repaired, in seconds; 0: never.
    pub reconcile_every_secs: Option<u64>,
    /// Days of slots, from today, that reconciliation reads back.
    pub reconcile_days: Option<u32>,
}

impl SidecarConfig {
    /// Reads and checks `path`; relative paths in it are made relative to its folder.
    pub fn load(path: &Path) -> Result<SidecarConfig, CliError> {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Io { path: path.to_owned(), source })?;
        let mut config = Self::parse(&text).map_err(|why| CliError::Usage(format!("{}: {why}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        if let StoreLocation::Sqlite(file) = &mut config.store {
            *file = base.join(&*file);
        }
        if let Some(folder) = &mut config.sources.folder {
            folder.dir = base.join(&folder.dir);
        }
        Ok(config)
    }

    /// Parses and checks the text of a config file.
    pub fn parse(text: &str) -> Result<SidecarConfig, String> {
        let config: SidecarConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        if config.organisations.is_empty() {
            return Err("no [[organisation]]: the sidecar pushes for at least one".into());
        }
        let sources = &config.sources;
        if sources.http.is_none() && sources.folder.is_none() && sources.outbox.is_none() {
            return Err("no source: configure [sources.http], [sources.folder] or [sources.outbox]".into());
        }
        if sources.outbox.is_some() && !matches!(config.store, StoreLocation::Postgres(_)) {
            return Err("[sources.outbox] needs a PostgreSQL store (store = \"postgres://...\"): the outbox is \
                        in the MIS's database"
                .into());
        }
        let listens = [("sources.http", &config.sources.http), ("status", &config.status)];
        for (section, listen) in listens {
            if let Some(l) = listen.as_ref().filter(|l| !l.listen.ip().is_loopback()) {
                return Err(format!(
                    "[{section}] listen = {}: only loopback addresses (127.0.0.1, ::1); it has no authentication",
                    l.listen
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = config.organisations.iter().find(|o| !seen.insert(o.username.clone())) {
            return Err(format!("organisation {} is configured twice", twice.username));
        }
        Ok(config)
    }

    /// The connection of each organisation, as `fer push` takes it.
    pub fn connections(&self) -> Vec<Connection> {
        self.organisations
            .iter()
            .map(|o| Connection {
                url: self.vitrina.url.clone(),
                username: o.username.clone(),
                password_env: o.password_env.clone(),
            })
            .collect()
    }

    /// The engine's settings: the defaults with this file's changes.
    pub fn engine(&self) -> SyncConfig {
        let mut config = SyncConfig::default();
        let e = &self.engine;
        if let Some(ms) = e.linger_ms {
            config.linger = Duration::from_millis(ms);
        }
        if let Some(ms) = e.tick_ms {
            config.tick = Duration::from_millis(ms.max(1));
        }
        match e.reconcile_every_secs {
            Some(0) => config.reconcile_every = None,
            Some(secs) => config.reconcile_every = Some(Duration::from_secs(secs)),
            None => {}
        }
        if let Some(days) = e.reconcile_days {
            config.reconcile_days = days;
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        store = "sync.db"
        [vitrina]
        url = "http://127.0.0.1:2100"
        [[organisation]]
        username = "1.2.643.5.1.13.13.12.2.77.7777"
        password_env = "P"
        [sources.http]
        listen = "127.0.0.1:0"
    "#;

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("config.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.strip_prefix("//! ").or_else(|| l.strip_prefix("//!")).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let config = SidecarConfig::parse(&example).unwrap();
        assert_eq!(config.organisations.len(), 1);
        assert_eq!(config.engine().reconcile_days, 14);
        assert_eq!(config.engine().reconcile_every, Some(Duration::from_secs(3600)));
        assert_eq!(config.connections()[0].password_env, "FER_PASSWORD_7777");
    }

    #[test]
    fn a_store_is_a_file_or_a_postgres_url_whose_password_is_never_shown() {
        let url = "postgres://fer:s3cret@db.example:5432/mis?sslmode=require";
        let pg = StoreLocation::from(url.to_owned());
        assert_eq!(pg, StoreLocation::Postgres(url.into()));
        assert_eq!(pg.label(), PathBuf::from("postgres://fer:***@db.example:5432/mis?sslmode=require"));
        assert!(!format!("{pg:?}").contains("s3cret"));
        let socket = StoreLocation::from("postgresql:///mis?host=/run/postgresql".to_owned());
        assert_eq!(socket.label(), PathBuf::from("postgresql:///mis?host=/run/postgresql"));
        assert_eq!(StoreLocation::from("sqlite:a/b.db".to_owned()), StoreLocation::Sqlite("a/b.db".into()));
        let outbox_on_sqlite = MINIMAL.replace("[sources.http]", "[sources.outbox]\n[sources.http]");
        assert!(SidecarConfig::parse(&outbox_on_sqlite).unwrap_err().contains("needs a PostgreSQL store"));
        let outbox = outbox_on_sqlite.replace("store = \"sync.db\"", &format!("store = \"{url}\""));
        assert!(SidecarConfig::parse(&outbox).unwrap().sources.outbox.is_some());
    }

    #[test]
    fn mistakes_are_named() {
        assert!(SidecarConfig::parse(MINIMAL).is_ok());
        let cases = [
            (MINIMAL.replace("password_env", "pasword_env"), "pasword_env"),
            (MINIMAL.replace("127.0.0.1:0", "0.0.0.0:8700"), "only loopback"),
            (MINIMAL.replace("[sources.http]\n        listen = \"127.0.0.1:0\"", ""), "no source"),
            (MINIMAL.replace("1.2.643.5.1.13.13.12.2.77.7777", "not an oid"), "username"),
            (
                format!(
                    "{MINIMAL}\n[[organisation]]\nusername = \"1.2.643.5.1.13.13.12.2.77.7777\"\npassword_env = \"Q\""
                ),
                "twice",
            ),
        ];
        for (text, needle) in cases {
            let err = SidecarConfig::parse(&text).unwrap_err();
            assert!(err.contains(needle), "{needle:?} not in {err}");
        }
    }
}
