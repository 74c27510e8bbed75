//! The real-server sandbox brought up by `scripts/sandbox up`: where it is and how to reach it.
//!
//! The script writes `<dir>/sandbox.env` with `export KEY=VALUE` lines. [`Sandbox::from_env`]
//! finds that file through `$PCP_SANDBOX_ENV` (the file itself), else
//! `$PCP_SANDBOX_DIR/sandbox.env`, else `/var/tmp/pcp-sandbox/sandbox.env`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pcp_proto::Version;

/// The default sandbox directory of `scripts/sandbox`.
pub const DEFAULT_DIR: &str = "/var/tmp/pcp-sandbox";

/// Where Debian's Pgpool-II and its `pcp_*` tools live: the sandbox's default release.
pub const DEBIAN_PGPOOL_BIN: &str = "/usr/sbin";

/// The release of Debian bookworm's Pgpool-II, which the sandbox runs unless
/// `PCP_SANDBOX_PGPOOL` names a build of `scripts/pgpool-build`.
pub const DEBIAN_PGPOOL_VERSION: &str = "4.3.5";

/// Why the sandbox cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxError(pub String);

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SandboxError {}

/// A running sandbox as described by its env file.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The env file read.
    pub env_file: PathBuf,
    /// `PCP_SANDBOX_DIR`.
    pub dir: PathBuf,
    /// `PCP_SANDBOX_PROFILE`: `plain` or `watchdog`.
    pub profile: String,
    /// `PCP_HOST`.
    pub pcp_host: String,
    /// `PCP_PORT` (the first Pgpool's PCP port).
    pub pcp_port: u16,
    /// `PCP_USER`.
    pub pcp_user: String,
    /// `PCP_PASSWORD`.
    pub pcp_password: String,
    /// `PCPPASSFILE`.
    pub pcppass_file: PathBuf,
    /// `PCP_SOCKET_DIR`.
    pub pcp_socket_dir: PathBuf,
    /// `PGPOOL_PORT`.
    pub pgpool_port: u16,
    /// `PG_PORT`.
    pub pg_port: u16,
    /// `PG_HOSTS`: backend addresses.
    pub pg_hosts: Vec<String>,
    /// `PG_HOSTNAMES`: backend names as configured in Pgpool.
    pub pg_hostnames: Vec<String>,
    /// `PG_DATA_DIRS`.
    pub pg_data_dirs: Vec<PathBuf>,
    /// `PG_OS_USER`.
    pub pg_os_user: String,
    /// `PG_BIN`.
    pub pg_bin: PathBuf,
    /// `PCP_PORTS`: every Pgpool's PCP port (just `PCP_PORT` in the plain profile).
    pub pcp_ports: Vec<u16>,
    /// `PGPOOL_PORTS` (just `PGPOOL_PORT` in the plain profile).
    pub pgpool_ports: Vec<u16>,
    /// `PCP_SANDBOX_PRODUCTION=1`: the production settings (`up --production`): Pgpool
    /// health-checks the backends, and every TCP connection to PostgreSQL or to Pgpool's SQL
    /// port needs a password. False when the key is absent (older env files too).
    pub production: bool,
    /// `PGPASSFILE` (production only): the libpq password file with the `postgres` password.
    pub pgpass_file: Option<PathBuf>,
    /// `PG_PASSWORD` (production only): the `postgres` password.
    pub pg_password: Option<String>,
    /// Every variable of the file.
    pub vars: BTreeMap<String, String>,
}

/// Undoes the quoting of one shell word (`'…'`, `"…"`, backslashes).
fn unquote(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                out.push(n);
                            }
                        }
                        c => out.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Parses `export KEY=VALUE` (or `KEY=VALUE`) lines; other lines are ignored.
pub fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
            let (key, value) = line.split_once('=')?;
            let valid =
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            valid.then(|| (key.to_owned(), unquote(value)))
        })
        .collect()
}

impl Sandbox {
    /// The env file to read: `$PCP_SANDBOX_ENV`, else `$PCP_SANDBOX_DIR/sandbox.env`, else
    /// `/var/tmp/pcp-sandbox/sandbox.env`.
    pub fn env_path() -> PathBuf {
        if let Some(path) = std::env::var_os("PCP_SANDBOX_ENV").filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
        let dir = std::env::var_os("PCP_SANDBOX_DIR")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
        dir.join("sandbox.env")
    }

    /// Loads the sandbox from the env file found by [`env_path`](Sandbox::env_path).
    pub fn from_env() -> Result<Sandbox, SandboxError> {
        Self::from_file(&Self::env_path())
    }

    /// Like [`from_env`](Sandbox::from_env) but panics with instructions to start the
    /// sandbox: real-server tests must fail, never pass silently, without one.
    pub fn require() -> Sandbox {
        match Self::from_env() {
            Ok(sandbox) => sandbox,
            Err(e) => panic!("{e}"),
        }
    }

    /// Loads the sandbox from a given env file.
    pub fn from_file(path: &Path) -> Result<Sandbox, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SandboxError(format!(
                "no sandbox: cannot read {} ({e}). Start one with `scripts/sandbox up` \
                 (or point PCP_SANDBOX_ENV / PCP_SANDBOX_DIR at a running one)",
                path.display()
            ))
        })?;
        Self::from_vars(path, parse_env(&text))
    }

    fn from_vars(path: &Path, vars: BTreeMap<String, String>) -> Result<Sandbox, SandboxError> {
        let get = |key: &str| -> Result<String, SandboxError> {
            vars.get(key).cloned().ok_or_else(|| {
                SandboxError(format!(
                    "{} lacks {key}; re-run `scripts/sandbox up`",
                    path.display()
                ))
            })
        };
        let port = |key: &str| -> Result<u16, SandboxError> {
            let text = get(key)?;
            text.parse()
                .map_err(|_| SandboxError(format!("{key}={text:?} is not a port")))
        };
        let ports = |key: &str, fallback: u16| -> Result<Vec<u16>, SandboxError> {
            match vars.get(key) {
                None => Ok(vec![fallback]),
                Some(text) => text
                    .split_whitespace()
                    .map(|p| {
                        p.parse()
                            .map_err(|_| SandboxError(format!("{key} has a bad port {p:?}")))
                    })
                    .collect(),
            }
        };
        let words = |key: &str| -> Result<Vec<String>, SandboxError> {
            Ok(get(key)?.split_whitespace().map(str::to_owned).collect())
        };
        let pcp_port = port("PCP_PORT")?;
        let pgpool_port = port("PGPOOL_PORT")?;
        Ok(Sandbox {
            env_file: path.to_owned(),
            dir: PathBuf::from(get("PCP_SANDBOX_DIR")?),
            profile: get("PCP_SANDBOX_PROFILE")?,
            pcp_host: get("PCP_HOST")?,
            pcp_port,
            pcp_user: get("PCP_USER")?,
            pcp_password: get("PCP_PASSWORD")?,
            pcppass_file: PathBuf::from(get("PCPPASSFILE")?),
            pcp_socket_dir: PathBuf::from(get("PCP_SOCKET_DIR")?),
            pgpool_port,
            pg_port: port("PG_PORT")?,
            pg_hosts: words("PG_HOSTS")?,
            pg_hostnames: words("PG_HOSTNAMES")?,
            pg_data_dirs: words("PG_DATA_DIRS")?
                .into_iter()
                .map(PathBuf::from)
                .collect(),
            pg_os_user: get("PG_OS_USER")?,
            pg_bin: PathBuf::from(get("PG_BIN")?),
            pcp_ports: ports("PCP_PORTS", pcp_port)?,
            pgpool_ports: ports("PGPOOL_PORTS", pgpool_port)?,
            production: vars.get("PCP_SANDBOX_PRODUCTION").is_some_and(|v| v == "1"),
            pgpass_file: vars.get("PGPASSFILE").map(PathBuf::from),
            pg_password: vars.get("PG_PASSWORD").cloned(),
            vars,
        })
    }

    /// The full release of the running Pgpool-II (`PCP_SANDBOX_PGPOOL_VERSION`, e.g. `4.6.1`);
    /// Debian's 4.3.5 for env files written before the key existed (or left empty).
    pub fn pgpool_release(&self) -> &str {
        self.vars
            .get("PCP_SANDBOX_PGPOOL_VERSION")
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .unwrap_or(DEBIAN_PGPOOL_VERSION)
    }

    /// The release line (`major.minor`) of the running Pgpool-II, the one whose formats and
    /// command set its replies use. Panics on a version that is not `MAJOR.MINOR[...]`: a
    /// test must not guess what it compares against.
    pub fn pgpool_version(&self) -> Version {
        let release = self.pgpool_release();
        parse_release(release).unwrap_or_else(|| {
            panic!(
                "{}: PCP_SANDBOX_PGPOOL_VERSION={release:?} is not a Pgpool release",
                self.env_file.display()
            )
        })
    }

    /// The directory with the running release's `pgpool` and `pcp_*` tools
    /// (`PCP_SANDBOX_PGPOOL_BIN`; Debian's `/usr/sbin` when absent).
    pub fn pgpool_bin(&self) -> PathBuf {
        PathBuf::from(
            self.vars
                .get("PCP_SANDBOX_PGPOOL_BIN")
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .unwrap_or(DEBIAN_PGPOOL_BIN),
        )
    }

    /// The running release's own tool `name` (e.g. `pcp_node_info`), whether it exists or
    /// not (4.3 has no `pcp_log_rotate`).
    pub fn pgpool_tool(&self, name: &str) -> PathBuf {
        self.pgpool_bin().join(name)
    }

    /// Whether this sandbox runs the watchdog profile (three Pgpools).
    pub fn is_watchdog(&self) -> bool {
        self.profile == "watchdog"
    }

    /// Whether this sandbox runs with the production settings (`up --production`).
    pub fn is_production(&self) -> bool {
        self.production
    }

    /// The `scripts/sandbox` script of this workspace.
    pub fn script_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("scripts")
            .join("sandbox")
    }

    /// A `psql` command for this sandbox's servers: no `.psqlrc`, the sandbox's password file
    /// (`PGPASSFILE`, set by the production profile, where TCP connections need passwords),
    /// and no connection settings inherited from the caller.
    pub fn psql(&self) -> Command {
        let mut cmd = Command::new("psql");
        cmd.arg("-X");
        for key in [
            "PGPASSWORD",
            "PGSERVICE",
            "PGPASSFILE",
            "PGHOST",
            "PGPORT",
            "PGUSER",
        ] {
            cmd.env_remove(key);
        }
        if let Some(file) = &self.pgpass_file {
            cmd.env("PGPASSFILE", file);
        }
        cmd
    }

    /// Runs `scripts/sandbox <args>` against this sandbox (e.g. `["pgpool-stop", "0"]`).
    pub fn script(&self, args: &[&str]) -> std::io::Result<Output> {
        Command::new(Self::script_path())
            .args(args)
            .env("PCP_SANDBOX_DIR", &self.dir)
            .output()
    }
}

/// `MAJOR.MINOR` of a release string such as `4.6.1`, `4.7.2` or `4.8devel`.
pub fn parse_release(release: &str) -> Option<Version> {
    let mut parts = release.trim().splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some(Version::new(major, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
export PCP_SANDBOX_DIR=/var/tmp/pcp-sandbox
export PCP_SANDBOX_PROFILE=plain
export PCP_HOST=127.0.0.1
export PCP_PORT=19898
export PCP_USER=pcpadmin
export PCP_PASSWORD='it'\\''s secret'
export PCPPASSFILE=/var/tmp/pcp-sandbox/pcppass
export PCP_SOCKET_DIR=/var/tmp/pcp-sandbox/pgpool0/run
export PGPOOL_PORT=19999
export PG_PORT=15432
export PG_HOSTS='127.0.0.1 127.0.0.2 127.0.0.3'
export PG_HOSTNAMES='localhost 127.0.0.2 127.0.0.3'
export PG_DATA_DIRS='/d/node0/data /d/node1/data /d/node2/data'
export PG_OS_USER=pcpsandbox
export PG_BIN=/usr/lib/postgresql/15/bin
";

    #[test]
    fn parses_the_env_file() {
        let vars = parse_env(SAMPLE);
        let sandbox = Sandbox::from_vars(Path::new("x"), vars).unwrap();
        assert_eq!(sandbox.pcp_password, "it's secret");
        assert_eq!(
            sandbox.pg_hostnames,
            ["localhost", "127.0.0.2", "127.0.0.3"]
        );
        assert_eq!(sandbox.pcp_ports, [19898]);
        assert_eq!(sandbox.pgpool_ports, [19999]);
        assert_eq!(sandbox.pg_data_dirs.len(), 3);
        assert!(!sandbox.is_watchdog());
        assert!(!sandbox.is_production());
        assert_eq!(sandbox.pgpass_file, None);
        assert_eq!(sandbox.pg_password, None);
        // No release keys: Debian's 4.3.5 in /usr/sbin.
        assert_eq!(sandbox.pgpool_release(), "4.3.5");
        assert_eq!(sandbox.pgpool_version(), Version::new(4, 3));
        assert_eq!(
            sandbox.pgpool_tool("pcp_node_info"),
            Path::new("/usr/sbin/pcp_node_info")
        );
    }

    #[test]
    fn parses_the_release_keys() {
        let text = format!(
            "{SAMPLE}export PCP_SANDBOX_PGPOOL_BIN=/var/tmp/pcp-pgpool/4.6.1/bin\n\
             export PCP_SANDBOX_PGPOOL_VERSION=4.6.1\n"
        );
        let sandbox = Sandbox::from_vars(Path::new("x"), parse_env(&text)).unwrap();
        assert_eq!(sandbox.pgpool_release(), "4.6.1");
        assert_eq!(sandbox.pgpool_version(), Version::new(4, 6));
        assert_eq!(
            sandbox.pgpool_tool("pcp_log_rotate"),
            Path::new("/var/tmp/pcp-pgpool/4.6.1/bin/pcp_log_rotate")
        );
        assert_eq!(parse_release("4.7.2"), Some(Version::new(4, 7)));
        assert_eq!(parse_release("4.8devel"), Some(Version::new(4, 8)));
        assert_eq!(parse_release("4.10.0"), Some(Version::new(4, 10)));
        assert_eq!(parse_release("four"), None);
        assert_eq!(parse_release("4"), None);
    }

    #[test]
    fn parses_the_production_keys() {
        let text = format!(
            "{SAMPLE}export PCP_SANDBOX_PRODUCTION=1\n\
             export PGPASSFILE=/var/tmp/pcp-sandbox/pgpass\n\
             export PG_PASSWORD=pgsecret\n\
             export PGPOOL_HEALTH_CHECK_PERIOD=1\n"
        );
        let sandbox = Sandbox::from_vars(Path::new("x"), parse_env(&text)).unwrap();
        assert!(sandbox.is_production());
        assert!(!sandbox.is_watchdog());
        assert_eq!(
            sandbox.pgpass_file.as_deref(),
            Some(Path::new("/var/tmp/pcp-sandbox/pgpass"))
        );
        assert_eq!(sandbox.pg_password.as_deref(), Some("pgsecret"));
    }

    #[test]
    fn missing_file_says_how_to_start_one() {
        let err = Sandbox::from_file(Path::new("/nonexistent/sandbox.env")).unwrap_err();
        assert!(err.0.contains("scripts/sandbox up"), "{err}");
    }

    #[test]
    fn unquotes_shell_words() {
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(unquote("'a b'"), "a b");
        assert_eq!(unquote("\"a \\\"b\\\"\""), "a \"b\"");
        assert_eq!(unquote("a\\ b"), "a b");
    }
}
