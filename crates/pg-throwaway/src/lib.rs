//! Throwaway PostgreSQL clusters for tests and benchmarks, started from the server binaries.
//!
//! [`PgCluster::start`] runs `initdb` and `pg_ctl start` on a free loopback port with
//! the socket in a temporary directory, durability switched off (a test cluster
//! never survives a crash anyway). initdb refuses to run as root, so as root the
//! binaries run as the system user `postgres` (created if missing) through `runuser`.
//! Missing binaries are an error that names them: tests that need PostgreSQL fail
//! loudly rather than skip.
//!
//! [`shared`] gives one cluster per test process and [`fresh_database_url`] a new,
//! empty database in it for each test. Statics are never dropped, so every cluster
//! also gets a watchdog process that stops it and removes its directory once the
//! test process has exited, however it exited.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Where Debian and Ubuntu put the PostgreSQL 15 server binaries.
pub const DEFAULT_PGBIN: &str = "/usr/lib/postgresql/15/bin";

/// The database superuser created by initdb (trust authentication, loopback only).
pub const SUPERUSER: &str = "app";

/// The operating-system user that runs the server when tests run as root.
const OS_USER: &str = "postgres";

/// Why a cluster could not be started.
#[derive(Debug, thiserror::Error)]
pub enum PgThrowawayError {
    /// The server binaries are not installed where we looked.
    #[error(
        "PostgreSQL server binaries missing in {}: {}; install postgresql-15 or set PGBIN",
        dir.display(),
        missing.join(", ")
    )]
    MissingBinaries { dir: PathBuf, missing: Vec<String> },
    /// A command could not run or failed; `log` holds its output and log files.
    #[error("{what} failed: {reason}\n{log}")]
    Command {
        what: String,
        reason: String,
        log: String,
    },
    /// A file-system or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// A running throwaway cluster; dropping it stops the server and deletes its files.
pub struct PgCluster {
    directory: Option<tempfile::TempDir>,
    bin: PathBuf,
    port: u16,
    run_as_postgres: bool,
    watchdog: Option<Child>,
    admin: Mutex<Option<postgres::Client>>,
}

impl std::fmt::Debug for PgCluster {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PgCluster")
            .field("directory", &self.directory())
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl PgCluster {
    /// Starts a cluster with the binaries from `$PGBIN` or [`DEFAULT_PGBIN`].
    pub fn start() -> Result<PgCluster, PgThrowawayError> {
        PgCluster::start_with(&[])
    }

    /// Starts a cluster with server settings (`name=value`, as `postgres -c` takes
    /// them) on top of the throwaway ones, say a server's memory for a benchmark.
    pub fn start_with(settings: &[&str]) -> Result<PgCluster, PgThrowawayError> {
        let bin =
            std::env::var_os("PGBIN").map_or_else(|| PathBuf::from(DEFAULT_PGBIN), PathBuf::from);
        let missing: Vec<String> = ["initdb", "pg_ctl", "postgres"]
            .into_iter()
            .filter(|name| !bin.join(name).is_file())
            .map(str::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(PgThrowawayError::MissingBinaries { dir: bin, missing });
        }
        let run_as_postgres = is_root()?;
        if run_as_postgres {
            ensure_os_user()?;
        }
        let directory = tempfile::Builder::new()
            .prefix("pgtest.")
            .tempdir()
            .map_err(|source| io_error("create the cluster directory", source))?;
        let mut cluster = PgCluster {
            directory: Some(directory),
            bin,
            port: 0,
            run_as_postgres,
            watchdog: None,
            admin: Mutex::new(None),
        };
        cluster.prepare_directory()?;
        cluster.init()?;
        // The free port can be taken between probing and binding: retry a few times.
        let mut last_error = None;
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.start_server(settings) {
                Ok(()) => {
                    last_error = None;
                    break;
                }
                Err(error) => last_error = Some(error),
            }
        }
        if let Some(error) = last_error {
            return Err(error);
        }
        cluster.watchdog = cluster.spawn_watchdog().ok();
        Ok(cluster)
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's temporary directory: `data/`, the socket and the log files.
    pub fn directory(&self) -> &Path {
        self.directory
            .as_ref()
            .map_or(Path::new(""), |directory| directory.path())
    }

    /// A `postgres://` URL for a database of this cluster (which need not exist).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database and returns its `postgres://` URL. Test support:
    /// panics with the server's message if the name is not a plain identifier or
    /// the database cannot be created.
    pub fn create_database(&self, name: &str) -> String {
        let plain = !name.is_empty()
            && name.len() < 64
            && name.chars().all(|character| {
                character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_'
            })
            && !name.starts_with(|character: char| character.is_ascii_digit());
        assert!(
            plain,
            "database name {name:?} must be lower-case letters, digits and _"
        );
        let mut admin = self.admin.lock().unwrap_or_else(PoisonError::into_inner);
        if admin.as_ref().is_none_or(postgres::Client::is_closed) {
            let client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
                .unwrap_or_else(|error| {
                    panic!("connect to the throwaway cluster: {error}\n{}", self.logs())
                });
            *admin = Some(client);
        }
        let client = admin.as_mut().expect("connected above");
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|error| panic!("create database {name}: {error}"));
        self.url(name)
    }

    fn data(&self) -> PathBuf {
        self.directory().join("data")
    }

    /// A command for a server binary, as the `postgres` user when we are root.
    fn server_command(&self, binary: &str) -> Command {
        let path = self.bin.join(binary);
        if self.run_as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", OS_USER, "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn prepare_directory(&self) -> Result<(), PgThrowawayError> {
        use std::os::unix::fs::PermissionsExt;
        let directory = self.directory();
        std::fs::set_permissions(directory, std::fs::Permissions::from_mode(0o755))
            .map_err(|source| io_error("make the cluster directory readable", source))?;
        if self.run_as_postgres {
            run(
                Command::new("chown").arg(OS_USER).arg(directory),
                "chown the cluster directory",
                "",
            )?;
        }
        Ok(())
    }

    fn init(&self) -> Result<(), PgThrowawayError> {
        let log = self.directory().join("initdb.log");
        let output = self
            .server_command("initdb")
            .arg("-D")
            .arg(self.data())
            .args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .map_err(|source| io_error("run initdb", source))?;
        let _ = std::fs::write(
            &log,
            [output.stdout.as_slice(), output.stderr.as_slice()].concat(),
        );
        check(&output, "initdb", &self.logs())
    }

    fn start_server(&self, settings: &[&str]) -> Result<(), PgThrowawayError> {
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            self.port,
            self.directory().display()
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let output = self
            .server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.directory().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .map_err(|source| io_error("run pg_ctl start", source))?;
        check(&output, "pg_ctl start", &self.logs())
    }

    /// Stops the server and deletes the directory once this process is gone. Its
    /// own process group keeps it alive through the Ctrl-C that stops the tests.
    fn spawn_watchdog(&self) -> std::io::Result<Child> {
        let script = r#"
            while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
            if [ "$4" = yes ]; then runuser -u postgres -- "$2" -D "$3/data" -m immediate stop
            else "$2" -D "$3/data" -m immediate stop; fi
            rm -rf "$3"
        "#;
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("pg-throwaway-watchdog")
            .arg(std::process::id().to_string())
            .arg(self.bin.join("pg_ctl"))
            .arg(self.directory())
            .arg(if self.run_as_postgres { "yes" } else { "no" })
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
    }

    /// The log files, for error messages.
    fn logs(&self) -> String {
        ["initdb.log", "server.log"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.directory().join(name)).unwrap_or_default();
                format!("--- {name}\n{text}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Close our connection first so the server has nothing to wait for.
        drop(
            self.admin
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        if self.port != 0 {
            let _ = self
                .server_command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        // Our own cleanup is done: the watchdog must not touch the directory later.
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        drop(self.directory.take());
    }
}

/// One cluster for the whole test process, started on first use. Panics with the
/// reason (missing binaries, initdb or server log) if it cannot start.
pub fn shared() -> &'static PgCluster {
    static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        PgCluster::start().unwrap_or_else(|error| panic!("throwaway PostgreSQL: {error}"))
    })
}

/// A new, empty database in the [`shared`] cluster, as a `postgres://` URL.
pub fn fresh_database_url() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let number = NEXT.fetch_add(1, Ordering::Relaxed);
    shared().create_database(&format!("test_{}_{number}", std::process::id()))
}

fn is_root() -> Result<bool, PgThrowawayError> {
    let output = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|source| io_error("run id -u", source))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn ensure_os_user() -> Result<(), PgThrowawayError> {
    let exists = Command::new("id")
        .arg(OS_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|source| io_error("run id", source))?
        .success();
    if exists {
        return Ok(());
    }
    let status = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            OS_USER,
        ])
        .output()
        .map_err(|source| io_error("run useradd", source))?;
    // Another test process may have created it meanwhile.
    let exists_now = Command::new("id")
        .arg(OS_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if exists_now {
        Ok(())
    } else {
        check(&status, "useradd postgres", "")
    }
}

fn free_port() -> Result<u16, PgThrowawayError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|source| io_error("find a free port", source))?;
    let address = listener
        .local_addr()
        .map_err(|source| io_error("find a free port", source))?;
    Ok(address.port())
}

fn run(command: &mut Command, what: &str, log: &str) -> Result<(), PgThrowawayError> {
    let output = command.output().map_err(|source| io_error(what, source))?;
    check(&output, what, log)
}

fn check(output: &Output, what: &str, log: &str) -> Result<(), PgThrowawayError> {
    if output.status.success() {
        return Ok(());
    }
    Err(PgThrowawayError::Command {
        what: what.to_string(),
        reason: format!(
            "{}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        log: log.to_string(),
    })
}

fn io_error(what: &str, source: std::io::Error) -> PgThrowawayError {
    PgThrowawayError::Io {
        what: what.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_serves_fresh_databases_and_is_gone_after_drop() {
        let cluster = PgCluster::start().expect("start a throwaway cluster");
        let directory = cluster.directory().to_path_buf();
        let url = cluster.create_database("first_db");
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let row = client
            .query_one("SELECT current_database(), current_setting('fsync')", &[])
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "first_db");
        assert_eq!(row.get::<_, String>(1), "off");
        drop(client);
        drop(cluster);
        assert!(!directory.exists(), "the directory is removed on drop");
        assert!(
            postgres::Client::connect(&url, postgres::NoTls).is_err(),
            "the server is stopped on drop"
        );
    }

    #[test]
    fn missing_binaries_are_named() {
        let error = PgThrowawayError::MissingBinaries {
            dir: PathBuf::from("/nowhere"),
            missing: vec!["initdb".into(), "pg_ctl".into()],
        };
        assert_eq!(
            error.to_string(),
            "PostgreSQL server binaries missing in /nowhere: initdb, pg_ctl; install postgresql-15 or set PGBIN"
        );
    }

    #[test]
    fn shared_databases_are_distinct() {
        let first = fresh_database_url();
        let second = fresh_database_url();
        assert_ne!(first, second);
        let mut client = postgres::Client::connect(&second, postgres::NoTls).expect("connect");
        client
            .batch_execute("CREATE TABLE only_here (x int)")
            .unwrap();
        let mut other = postgres::Client::connect(&first, postgres::NoTls).expect("connect");
        assert!(other.batch_execute("SELECT * FROM only_here").is_err());
    }
}
