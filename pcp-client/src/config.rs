//! Connection settings: endpoints, credentials (with `.pcppass` lookup), time limits.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use pcp_proto::{Request, DEFAULT_MAX_FRAME_LEN};

use crate::error::{Error, Result};
use crate::pcppass::{host_key, PcpPass};
use crate::Client;

/// Pgpool's default PCP port.
pub const DEFAULT_PORT: u16 = 9898;
/// The socket directory used when no host is given (Pgpool's compiled-in default).
pub const DEFAULT_SOCKET_DIR: &str = "/tmp";
/// Default limit for establishing a connection (per address tried, and for authentication).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default limit for one request's complete reply.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on the notices a [`Client`] keeps until they are taken.
pub const DEFAULT_MAX_NOTICES: usize = 256;
/// Default time to poll for a reply before sleeping ([`Config::busy_poll`]).
pub const DEFAULT_BUSY_POLL: Duration = Duration::from_micros(50);

/// Where a Pgpool PCP server listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// A TCP host name or address and port. Every address the name resolves to is tried.
    Tcp {
        /// Host name or address literal.
        host: String,
        /// PCP port.
        port: u16,
    },
    /// A Unix socket `<dir>/.s.PGSQL.<port>`.
    Unix {
        /// The socket directory (`pcp_socket_dir`).
        dir: PathBuf,
        /// PCP port (part of the socket file name).
        port: u16,
    },
}

/// A Pgpool address that [`Endpoint::parse`] does not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid host {text:?}: {why}")]
pub struct EndpointError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl Endpoint {
    /// The endpoint for a `-h`-style host string: empty means the default socket directory,
    /// a leading `/` means a socket directory, anything else is a TCP host.
    pub fn new(host: &str, port: u16) -> Self {
        if host.is_empty() {
            Endpoint::Unix {
                dir: PathBuf::from(DEFAULT_SOCKET_DIR),
                port,
            }
        } else if host.starts_with('/') {
            Endpoint::Unix {
                dir: PathBuf::from(host),
                port,
            }
        } else {
            Endpoint::Tcp {
                host: host.to_owned(),
                port,
            }
        }
    }

    /// Parses a Pgpool address as `-h`, `PCPHOST` and Python's `hosts` take it: `host`,
    /// `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address, `/socket/dir`,
    /// `/socket/dir:port`; an empty string is the default socket directory. `default_port`
    /// applies when the text names no port.
    pub fn parse(text: &str, default_port: u16) -> std::result::Result<Self, EndpointError> {
        let bad = |why: &'static str| EndpointError {
            text: text.to_owned(),
            why,
        };
        let port_of = |p: &str| match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(bad("the port must be a number from 1 to 65535")),
        };
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix('[') {
            let (host, tail) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            if host.is_empty() {
                return Err(bad("empty address"));
            }
            let port = match tail {
                "" => default_port,
                t => port_of(t.strip_prefix(':').ok_or_else(|| bad("text after ']'"))?)?,
            };
            return Ok(Endpoint::tcp(host, port));
        }
        if trimmed.starts_with('/') {
            // A socket directory, possibly followed by :PORT.
            if let Some((dir, port)) = trimmed.rsplit_once(':') {
                if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
                    return Ok(Endpoint::unix(dir, port_of(port)?));
                }
            }
            return Ok(Endpoint::unix(trimmed, default_port));
        }
        match trimmed.split_once(':') {
            // No colon: a name, an IPv4 address, or empty (the default socket directory).
            None => Ok(Endpoint::new(trimmed, default_port)),
            Some((host, port)) if !port.contains(':') => {
                if host.is_empty() {
                    return Err(bad("empty host"));
                }
                Ok(Endpoint::tcp(host, port_of(port)?))
            }
            // Several colons: a bare IPv6 address.
            Some(_) => Ok(Endpoint::tcp(trimmed, default_port)),
        }
    }

    /// A TCP endpoint.
    pub fn tcp(host: impl Into<String>, port: u16) -> Self {
        Endpoint::Tcp {
            host: host.into(),
            port,
        }
    }

    /// A Unix-socket endpoint.
    pub fn unix(dir: impl Into<PathBuf>, port: u16) -> Self {
        Endpoint::Unix {
            dir: dir.into(),
            port,
        }
    }

    /// The PCP port.
    pub fn port(&self) -> u16 {
        match self {
            Endpoint::Tcp { port, .. } | Endpoint::Unix { port, .. } => *port,
        }
    }

    /// The socket file of a Unix endpoint.
    pub fn socket_path(&self) -> Option<PathBuf> {
        match self {
            Endpoint::Tcp { .. } => None,
            Endpoint::Unix { dir, port } => Some(dir.join(format!(".s.PGSQL.{port}"))),
        }
    }

    /// The host string matched against `.pcppass` (see [`host_key`]): `localhost` for the
    /// default socket directory, the literal host or directory otherwise.
    pub fn pcppass_host(&self) -> String {
        match self {
            Endpoint::Tcp { host, .. } => host_key(Some(host)).to_owned(),
            Endpoint::Unix { dir, .. } => host_key(Some(&dir.to_string_lossy())).to_owned(),
        }
    }
}

impl Default for Endpoint {
    /// The default socket `/tmp/.s.PGSQL.9898`, as Pgpool's tools use without `-h`.
    fn default() -> Self {
        Endpoint::Unix {
            dir: PathBuf::from(DEFAULT_SOCKET_DIR),
            port: DEFAULT_PORT,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Endpoint::Tcp { host, port } => write!(f, "{host}:{port}"),
            Endpoint::Unix { dir, port } => {
                write!(f, "{}", dir.join(format!(".s.PGSQL.{port}")).display())
            }
        }
    }
}

impl FromStr for Endpoint {
    type Err = Error;

    /// Parses `host`, `host:port`, `[v6addr]:port`, `v6addr`, `/socket/dir` or
    /// `/socket/dir:port`; the port defaults to 9898.
    fn from_str(s: &str) -> Result<Self> {
        let bad_port = |p: &str| Error::config(format!("invalid port {p:?} in endpoint {s:?}"));
        if let Some(rest) = s.strip_prefix('[') {
            let (host, tail) = rest
                .split_once(']')
                .ok_or_else(|| Error::config(format!("unclosed '[' in endpoint {s:?}")))?;
            let port = match tail {
                "" => DEFAULT_PORT,
                _ => {
                    let p = tail
                        .strip_prefix(':')
                        .ok_or_else(|| Error::config(format!("invalid endpoint {s:?}")))?;
                    p.parse().map_err(|_| bad_port(p))?
                }
            };
            return Ok(Endpoint::tcp(host, port));
        }
        let split = s
            .rsplit_once(':')
            .filter(|(host, _)| !host.contains(':') || host.starts_with('/'))
            .filter(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
        match split {
            Some((host, port)) => Ok(Endpoint::new(
                host,
                port.parse().map_err(|_| bad_port(port))?,
            )),
            None => Ok(Endpoint::new(s, DEFAULT_PORT)),
        }
    }
}

/// How to choose among several endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EndpointSelection {
    /// The first endpoint that accepts the connection and the login.
    #[default]
    InOrder,
    /// The endpoint whose Pgpool is the watchdog leader; the first reachable one if none is.
    PreferWatchdogLeader,
}

/// A password. `Debug` prints `***`; there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The password text.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password::new(s)
    }
}

/// Where a password came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordSource {
    /// Given in the configuration.
    Explicit,
    /// Found in this `.pcppass` file.
    File(PathBuf),
    /// Not given and not found: an empty password will be sent (and refused).
    NotFound,
}

/// The outcome of a password lookup.
#[derive(Debug, Clone)]
pub struct PasswordLookup {
    /// The password, if one was found.
    pub password: Option<Password>,
    /// Where it came from.
    pub source: PasswordSource,
    /// Why a `.pcppass` file was ignored, for the caller to show (also logged as warnings).
    pub warnings: Vec<String>,
}

/// A `.pcppass` file as loaded from disk.
#[derive(Debug, Clone, Default)]
pub struct PcpPassLoad {
    /// The parsed file, when it exists and may be used.
    pub file: Option<PcpPass>,
    /// Why the file was ignored, if it was.
    pub warnings: Vec<String>,
}

/// Loads a `.pcppass` file, applying Pgpool's rules: a missing file is silently absent; a file
/// that is not a regular file, or that grants any permission to group or others, is ignored
/// with a warning (logged with `tracing::warn!` and returned for the caller to print).
pub fn load_pcppass(path: &Path) -> PcpPassLoad {
    use std::os::unix::fs::PermissionsExt;

    let mut out = PcpPassLoad::default();
    let mut warn = |text: String| {
        tracing::warn!(path = %path.display(), "{text}");
        out.warnings.push(text);
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            warn(format!(
                "password file \"{}\" cannot be read: {e}",
                path.display()
            ));
            return out;
        }
    };
    if !meta.is_file() {
        warn(format!(
            "password file \"{}\" is not a plain file; ignored",
            path.display()
        ));
        return out;
    }
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        warn(format!(
            "password file \"{}\" has group or world access (mode {:04o}); permissions should be u=rw (0600) or less; ignored",
            path.display(),
            mode & 0o7777
        ));
        return out;
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    warn(format!(
                        "password file \"{}\" is not valid UTF-8; invalid bytes replaced",
                        path.display()
                    ));
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            };
            out.file = Some(PcpPass::parse(&text));
        }
        Err(e) => warn(format!(
            "password file \"{}\" cannot be read: {e}",
            path.display()
        )),
    }
    out
}

/// The passwd entry of the effective uid (not `$USER`/`$HOME`, as Pgpool's tools do).
fn passwd_entry() -> Option<nix::unistd::User> {
    nix::unistd::User::from_uid(nix::unistd::Uid::effective())
        .ok()
        .flatten()
}

/// Settings for connecting to Pgpool's PCP port.
///
/// Setters take `&mut self` and return it, so they chain; getters are `get_*`.
///
/// ```
/// use std::time::Duration;
/// use pcp_client::{Config, Endpoint};
///
/// let mut config = Config::new();
/// config
///     .endpoint(Endpoint::tcp("127.0.0.1", 9898))
///     .user("pcpadmin")
///     .password("secret")
///     .request_timeout(Some(Duration::from_secs(5)));
/// assert!(!format!("{config:?}").contains("secret"));
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    endpoints: Vec<Endpoint>,
    user: Option<String>,
    password: Option<Password>,
    pcppass_file: Option<PathBuf>,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    long_request_timeout: Option<Duration>,
    overall_timeout: Option<Duration>,
    max_frame_len: usize,
    max_notices: usize,
    selection: EndpointSelection,
    pipeline_login: bool,
    busy_poll: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            endpoints: Vec::new(),
            user: None,
            password: None,
            pcppass_file: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            long_request_timeout: None,
            overall_timeout: None,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_notices: DEFAULT_MAX_NOTICES,
            selection: EndpointSelection::InOrder,
            pipeline_login: false,
            busy_poll: Some(DEFAULT_BUSY_POLL),
        }
    }
}

impl Config {
    /// Defaults: the socket `/tmp/.s.PGSQL.9898`, the OS user, the password from `.pcppass`,
    /// 10 s to connect, 30 s per request, no limit for recovery and graceful detach/promote.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an endpoint; endpoints are tried in the order added.
    pub fn endpoint(&mut self, endpoint: Endpoint) -> &mut Self {
        self.endpoints.push(endpoint);
        self
    }

    /// Adds an endpoint from a `-h`-style host (see [`Endpoint::new`]) and a port.
    pub fn host(&mut self, host: &str, port: u16) -> &mut Self {
        self.endpoint(Endpoint::new(host, port))
    }

    /// The PCP user (default: the OS user name of the effective uid).
    pub fn user(&mut self, user: impl Into<String>) -> &mut Self {
        self.user = Some(user.into());
        self
    }

    /// The password. An empty password counts as none: `.pcppass` is consulted.
    pub fn password(&mut self, password: impl Into<Password>) -> &mut Self {
        self.password = Some(password.into());
        self
    }

    /// The `.pcppass` file to use (default: `$PCPPASSFILE`, else `.pcppass` in the home
    /// directory of the effective uid's passwd entry).
    pub fn pcppass_file(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.pcppass_file = Some(path.into());
        self
    }

    /// Limit for connecting to one address and for authenticating (default 10 s).
    pub fn connect_timeout(&mut self, limit: Duration) -> &mut Self {
        self.connect_timeout = limit;
        self
    }

    /// Limit for one request's complete reply (default 30 s; `None`: no limit).
    pub fn request_timeout(&mut self, limit: Option<Duration>) -> &mut Self {
        self.request_timeout = limit;
        self
    }

    /// Limit for the long, synchronous requests: online recovery (`O`) and graceful
    /// detach/promote (`d`, `j`), which wait for clients and for the failover (default: none).
    pub fn long_request_timeout(&mut self, limit: Option<Duration>) -> &mut Self {
        self.long_request_timeout = limit;
        self
    }

    /// Upper bound for each call as a whole, reconnecting included (default: none).
    pub fn overall_timeout(&mut self, limit: Option<Duration>) -> &mut Self {
        self.overall_timeout = limit;
        self
    }

    /// Largest frame accepted from the server (default 1 MiB).
    pub fn max_frame_len(&mut self, len: usize) -> &mut Self {
        self.max_frame_len = len;
        self
    }

    /// Most notices kept until [`Client::take_notices`] (default 256; older ones are dropped).
    pub fn max_notices(&mut self, max: usize) -> &mut Self {
        self.max_notices = max;
        self
    }

    /// How to choose among several endpoints (default [`EndpointSelection::InOrder`]).
    pub fn endpoint_selection(&mut self, selection: EndpointSelection) -> &mut Self {
        self.selection = selection;
        self
    }

    /// Sends the login together with a session's first request instead of waiting for the
    /// login's reply before it (default off).
    ///
    /// This saves one round trip per session, for programs that open a session for one
    /// request, as pcpctl does. The salt exchange still happens
    /// in [`Client::connect`], but the password's verdict arrives with the first request's
    /// reply: a refused login then fails that request (with [`ErrorKind::Authentication`],
    /// and Pgpool does not run the request) instead of `connect`, and the wait for it counts
    /// against that request's time limit. A session dropped without a word before the
    /// verdict cannot have run the request: it is sent once more on a new session (as a login
    /// dropped while connecting is retried once); a second drop fails it with
    /// [`ErrorKind::Closed`].
    ///
    /// [`ErrorKind::Authentication`]: crate::ErrorKind::Authentication
    /// [`ErrorKind::Closed`]: crate::ErrorKind::Closed
    pub fn pipeline_login(&mut self, on: bool) -> &mut Self {
        self.pipeline_login = on;
        self
    }

    /// Whether the login is sent with the first request ([`Config::pipeline_login`]).
    pub fn get_pipeline_login(&self) -> bool {
        self.pipeline_login
    }

    /// How long a session may poll its socket for a reply before sleeping until it arrives
    /// (default [`DEFAULT_BUSY_POLL`], 50 µs; `None`: always sleep).
    ///
    /// Pgpool answers most requests within tens of microseconds. On a machine whose idle CPUs
    /// are slow to wake (a virtual machine that halts them at once), a thread that sleeps
    /// meanwhile pays more for the wake-up than the answer took, and polling makes sequential
    /// round trips about twice as fast; on a busy machine polling only takes CPU time from
    /// Pgpool. Each session therefore measures both ways and uses the one whose recent waits
    /// were shorter, trying the other now and then (never for a session's first reply, which
    /// waits for Pgpool to start a process). Polling relies on the tokio runtime's I/O driver
    /// running between polls: turn it off where the client's futures are polled outside a
    /// runtime.
    pub fn busy_poll(&mut self, limit: Option<Duration>) -> &mut Self {
        self.busy_poll = limit.filter(|d| !d.is_zero());
        self
    }

    /// The busy-poll limit ([`Config::busy_poll`]).
    pub fn get_busy_poll(&self) -> Option<Duration> {
        self.busy_poll
    }

    /// The endpoints to try: the configured ones, or the default socket.
    pub fn get_endpoints(&self) -> Vec<Endpoint> {
        if self.endpoints.is_empty() {
            vec![Endpoint::default()]
        } else {
            self.endpoints.clone()
        }
    }

    /// The configured user, if any.
    pub fn get_user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The configured password, if any.
    pub fn get_password(&self) -> Option<&Password> {
        self.password.as_ref()
    }

    /// The connect limit.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The request limit.
    pub fn get_request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The limit for recovery and graceful detach/promote.
    pub fn get_long_request_timeout(&self) -> Option<Duration> {
        self.long_request_timeout
    }

    /// The per-call limit.
    pub fn get_overall_timeout(&self) -> Option<Duration> {
        self.overall_timeout
    }

    /// The frame size limit.
    pub fn get_max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// The notice bound.
    pub fn get_max_notices(&self) -> usize {
        self.max_notices
    }

    /// The endpoint selection.
    pub fn get_endpoint_selection(&self) -> EndpointSelection {
        self.selection
    }

    /// The user to log in as: the configured one, else the OS user name of the effective uid
    /// (from its passwd entry).
    pub fn effective_user(&self) -> Result<String> {
        if let Some(user) = &self.user {
            return Ok(user.clone());
        }
        passwd_entry().map(|u| u.name).ok_or_else(|| {
            Error::config("no PCP user given and the OS user name of the effective uid is unknown")
        })
    }

    /// The `.pcppass` file that would be consulted: the configured one, else `$PCPPASSFILE`
    /// (taken literally), else `<home>/.pcppass` with the home directory of the effective uid's
    /// passwd entry. `None` when none can be determined.
    pub fn pcppass_path(&self) -> Option<PathBuf> {
        if let Some(path) = &self.pcppass_file {
            return Some(path.clone());
        }
        if let Some(path) = std::env::var_os("PCPPASSFILE").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        passwd_entry().map(|u| u.dir.join(".pcppass"))
    }

    /// The password to use for `user` at `endpoint`: the configured one if not empty, else the
    /// first matching `.pcppass` entry.
    pub fn resolve_password(&self, endpoint: &Endpoint, user: &str) -> PasswordLookup {
        if let Some(password) = self.password.as_ref().filter(|p| !p.is_empty()) {
            return PasswordLookup {
                password: Some(password.clone()),
                source: PasswordSource::Explicit,
                warnings: Vec::new(),
            };
        }
        let mut lookup = PasswordLookup {
            password: None,
            source: PasswordSource::NotFound,
            warnings: Vec::new(),
        };
        if user.is_empty() {
            return lookup;
        }
        let Some(path) = self.pcppass_path() else {
            return lookup;
        };
        let load = load_pcppass(&path);
        lookup.warnings = load.warnings;
        if let Some(found) = load
            .file
            .as_ref()
            .and_then(|file| file.lookup(&endpoint.pcppass_host(), endpoint.port(), user))
        {
            lookup.password = Some(Password::new(found));
            lookup.source = PasswordSource::File(path);
        }
        lookup
    }

    /// The reply limit for `request`: the long limit for recovery and graceful
    /// detach/promote, the request limit otherwise.
    pub fn timeout_for(&self, request: &Request) -> Option<Duration> {
        if is_long_request(request) {
            self.long_request_timeout
        } else {
            self.request_timeout
        }
    }

    /// Connects to the first usable endpoint (see [`Client::connect`]).
    pub async fn connect(&self) -> Result<Client> {
        Client::connect(self.clone()).await
    }
}

/// Whether `request` may legitimately take minutes: online recovery (`O`), graceful detach
/// (`d`) and graceful promote (`j`).
pub fn is_long_request(request: &Request) -> bool {
    matches!(
        request,
        Request::RecoverNode { .. }
            | Request::DetachNode { graceful: true, .. }
            | Request::PromoteNode { graceful: true, .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_forms() {
        let cases: &[(&str, Endpoint)] = &[
            ("db1", Endpoint::tcp("db1", 9898)),
            (" db1:9999 ", Endpoint::tcp("db1", 9999)),
            ("10.0.0.1", Endpoint::tcp("10.0.0.1", 9898)),
            ("[::1]:9999", Endpoint::tcp("::1", 9999)),
            ("[::1]", Endpoint::tcp("::1", 9898)),
            ("::1", Endpoint::tcp("::1", 9898)),
            ("/var/run/pgpool", Endpoint::unix("/var/run/pgpool", 9898)),
            (
                "/var/run/pgpool:9999",
                Endpoint::unix("/var/run/pgpool", 9999),
            ),
            ("", Endpoint::unix(DEFAULT_SOCKET_DIR, 9898)),
        ];
        for (text, want) in cases {
            assert_eq!(&Endpoint::parse(text, 9898).unwrap(), want, "{text}");
        }
        for bad in [
            "db1:0",
            "db1:x",
            "[::1",
            "[::1]x",
            ":1",
            "db1:70000",
            "[]:1",
        ] {
            let err = Endpoint::parse(bad, 9898).unwrap_err();
            assert!(err.to_string().starts_with("invalid host"), "{bad}: {err}");
        }
    }

    #[test]
    fn host_strings_map_to_endpoints() {
        assert_eq!(Endpoint::new("", 9898), Endpoint::default());
        assert_eq!(
            Endpoint::new("/var/run/pgpool", 9999).socket_path(),
            Some(PathBuf::from("/var/run/pgpool/.s.PGSQL.9999"))
        );
        assert_eq!(
            Endpoint::new("db1", 9898),
            Endpoint::Tcp {
                host: "db1".into(),
                port: 9898
            }
        );
        assert_eq!(Endpoint::default().pcppass_host(), "localhost");
        assert_eq!(
            Endpoint::unix("/var/run/pgpool", 1).pcppass_host(),
            "/var/run/pgpool"
        );
        assert_eq!(Endpoint::tcp("127.0.0.1", 1).pcppass_host(), "127.0.0.1");
    }

    #[test]
    fn endpoint_from_str() {
        let cases: &[(&str, Endpoint)] = &[
            ("db1", Endpoint::tcp("db1", 9898)),
            ("db1:9999", Endpoint::tcp("db1", 9999)),
            ("[::1]:9999", Endpoint::tcp("::1", 9999)),
            ("[::1]", Endpoint::tcp("::1", 9898)),
            ("::1", Endpoint::tcp("::1", 9898)),
            ("/tmp", Endpoint::unix("/tmp", 9898)),
            ("/run/pg:9999", Endpoint::unix("/run/pg", 9999)),
            ("", Endpoint::default()),
        ];
        for (text, want) in cases {
            assert_eq!(&text.parse::<Endpoint>().unwrap(), want, "{text}");
        }
        assert!("db1:99999".parse::<Endpoint>().is_err());
        assert!("[::1".parse::<Endpoint>().is_err());
        assert_eq!(Endpoint::tcp("::1", 1).to_string(), "[::1]:1");
        assert_eq!(Endpoint::unix("/tmp", 1).to_string(), "/tmp/.s.PGSQL.1");
    }

    #[test]
    fn long_requests() {
        assert!(is_long_request(&Request::RecoverNode { node: 1 }));
        assert!(is_long_request(&Request::DetachNode {
            node: 1,
            graceful: true
        }));
        assert!(!is_long_request(&Request::DetachNode {
            node: 1,
            graceful: false
        }));
        assert!(is_long_request(&Request::PromoteNode {
            node: 1,
            graceful: true,
            switchover: false
        }));
        let mut config = Config::new();
        config.long_request_timeout(Some(Duration::from_secs(600)));
        assert_eq!(
            config.timeout_for(&Request::RecoverNode { node: 0 }),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            config.timeout_for(&Request::NodeCount),
            Some(DEFAULT_REQUEST_TIMEOUT)
        );
    }
}
