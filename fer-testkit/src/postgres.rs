//! A throwaway PostgreSQL cluster for tests: `initdb` into a temporary folder, the server on a Unix
//! socket in that folder (no TCP port), stopped and removed when the harness is dropped or when the
//! test process ends, however it ends.
//!
//! The server is started through a watchdog shell that holds the read end of a pipe whose write end
//! only this process has: when the process exits (a finished test binary, a panic, SIGKILL), the pipe
//! closes and the watchdog stops the server (`pg_ctl stop -m fast`) and removes the folder. A shared
//! cluster in a `static` therefore never outlives its test binary.
//!
//! As root, `initdb`, `pg_ctl` and `psql` run as the `postgres` user (PostgreSQL refuses to run as
//! root) through `runuser`; otherwise as the current user.
//!
//! Without PostgreSQL's binaries, [`Postgres::start`] and [`Postgres::shared`] print a loud
//! `SKIPPED` line and answer `None`; under `CI=true` they panic instead, so a CI run without a
//! server fails.
//!
//! ```no_run
//! # async fn demo() {
//! let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
//! let url = pg.database("demo");
//! assert!(url.starts_with("postgres://"));
//! # }
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// A running PostgreSQL cluster on a Unix socket, owned by this test process.
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
    databases: AtomicU32,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres").field("socket_dir", &self.dir).finish_non_exhaustive()
    }
}

/// Why no server: the binaries are missing (`SKIPPED`, or a panic under `CI=true`).
fn skipped(why: &str) -> Option<Postgres> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("PostgreSQL is required under CI=true: {why} (.ci/run installs the Debian packages)");
    }
    eprintln!("\n*** SKIPPED: PostgreSQL tests: {why} ***\n");
    None
}

/// The folder of `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`, else the newest Debian one.
fn bindir() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let debian = || {
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir("/usr/lib/postgresql").ok()?.filter_map(|e| Some(e.ok()?.path().join("bin"))).collect();
        dirs.sort();
        dirs.pop()
    };
    from_pg_config.filter(|dir| dir.join("initdb").exists()).or_else(debian).filter(|dir| dir.join("initdb").exists())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// `program` from the cluster's binaries, as the `postgres` user when this process is root.
fn as_owner(bin: &Path, program: &str) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(bin.join(program));
        cmd
    } else {
        Command::new(bin.join(program))
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    /// One cluster for the whole test binary, started at the first call (tests get a database each
    /// from [`Postgres::database`]); `None` (after a `SKIPPED` line) without PostgreSQL.
    pub fn shared() -> Option<&'static Postgres> {
        static SHARED: OnceLock<Option<Postgres>> = OnceLock::new();
        SHARED.get_or_init(Postgres::start).as_ref()
    }

    /// A cluster of its own (stopped on drop, e.g. to test a server restart); `None` (after a
    /// `SKIPPED` line) without PostgreSQL. Durability is traded for speed (`fsync=off`): the tests
    /// kill clients, not the server.
    pub fn start() -> Option<Postgres> {
        Self::start_with(&["fsync=off", "synchronous_commit=off", "full_page_writes=off"])
    }

    /// A cluster with PostgreSQL's default durability (`fsync=on`), for benchmarks.
    pub fn start_durable() -> Option<Postgres> {
        Self::start_with(&[])
    }

    fn start_with(settings: &[&str]) -> Option<Postgres> {
        let Some(bin) = bindir() else {
            return skipped("no initdb (pg_config --bindir, /usr/lib/postgresql/*/bin)");
        };
        if is_root() && Command::new("id").arg("postgres").output().map_or(true, |out| !out.status.success()) {
            return skipped("running as root and there is no `postgres` user to run the server");
        }
        static CLUSTERS: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "fer-pg-{}-{}",
            std::process::id(),
            CLUSTERS.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        if is_root() {
            run(Command::new("chown").arg("postgres:").arg(&dir), "chown of the cluster folder");
        }
        let data = dir.join("data");
        run(
            as_owner(&bin, "initdb").arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]),
            "initdb",
        );
        let mut options = format!("-k {} -c listen_addresses= -c max_connections=200", dir.display());
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let log = dir.join("server.log");
        run(
            as_owner(&bin, "pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        );
        // The watchdog: waits for EOF on its stdin (this process's end of the pipe), then stops the
        // server and removes the folder.
        let stop = as_owner(&bin, "pg_ctl");
        let stop_program = stop.get_program().to_string_lossy().into_owned();
        let stop_args: Vec<String> = stop.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let script = r#"read _ignored; "$@" -D "$FER_PG_DATA" -m fast -w stop >/dev/null 2>&1; rm -rf "$FER_PG_DIR""#;
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(stop_program)
            .args(stop_args)
            .env("FER_PG_DATA", &data)
            .env("FER_PG_DIR", &dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh runs");
        let stdin = watchdog.stdin.take().expect("piped stdin");
        Some(Postgres { dir, bin, watchdog: Mutex::new(Some((watchdog, stdin))), databases: AtomicU32::new(0) })
    }

    /// The folder of the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of database `db` (user `postgres`, trust authentication, over the socket).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@localhost/{db}?host={}", self.dir.display())
    }

    /// A new, empty database named after `hint` (made unique), and its URL.
    pub fn database(&self, hint: &str) -> String {
        let clean: String = hint
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .take(40)
            .collect();
        let name = format!("{clean}_{}", self.databases.fetch_add(1, Ordering::Relaxed));
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(&name)
    }

    /// Runs `sql` in database `db` with `psql` (stops at the first error, which panics).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = as_owner(&self.bin, "psql")
            .arg("-h")
            .arg(&self.dir)
            .args(["-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .stdin(Stdio::null())
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "psql {sql:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stops the server and removes its folder now (also done on drop and at process exit).
    pub fn stop(&self) {
        let taken = self.watchdog.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((mut child, mut stdin)) = taken {
            let _ = stdin.write_all(b"\n");
            drop(stdin);
            let _ = child.wait();
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_answers_and_is_gone_after_drop() {
        let Some(pg) = Postgres::start() else { return };
        let url = pg.database("Probe-1");
        assert!(url.contains("/probe_1_0?host="), "{url}");
        assert_eq!(pg.psql("probe_1_0", "SELECT 40 + 2").trim(), "42");
        let dir = pg.socket_dir().to_owned();
        assert!(dir.join(".s.PGSQL.5432").exists());
        drop(pg);
        assert!(!dir.exists(), "{} left behind", dir.display());
    }

    #[test]
    fn the_server_stops_when_the_process_that_started_it_dies() {
        // A child test process starts a cluster and is killed with SIGKILL; the watchdog stops it.
        if std::env::var_os("FER_PG_CHILD").is_some() {
            let pg = Postgres::start().expect("the parent checked for PostgreSQL");
            println!("DIR={}", pg.socket_dir().display());
            std::io::stdout().flush().unwrap();
            std::thread::sleep(std::time::Duration::from_secs(120));
            return;
        }
        if bindir().is_none() {
            skipped("no initdb");
            return;
        }
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "postgres::tests::the_server_stops_when_the_process_that_started_it_dies", "--nocapture"])
            .env("FER_PG_CHILD", "1")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        let dir = loop {
            let line = lines.next().expect("the child prints its folder").unwrap();
            if let Some(dir) = line.strip_prefix("DIR=") {
                break PathBuf::from(dir);
            }
        };
        assert!(dir.join(".s.PGSQL.5432").exists());
        child.kill().unwrap();
        child.wait().unwrap();
        // A hang guard, not a timing assertion: the watchdog needs a moment to stop the server.
        let limit = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while dir.exists() && std::time::Instant::now() < limit {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(!dir.exists(), "the cluster in {} outlived its process", dir.display());
    }
}
