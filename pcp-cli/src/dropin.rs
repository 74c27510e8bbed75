//! Drop-in mode: invoked as `pcp_node_info`, `pcp_attach_node`, ... (a link to this binary),
//! `pcpctl` takes exactly those tools' arguments (GNU getopt_long rules: permuted arguments,
//! bundled short options, unique prefixes of long options, positional node id / pid /
//! watchdog id) and prints their Pgpool 4.3 output.
//!
//! Exit codes are pcpctl's (see `exit.rs`) unless `PCPCTL_COMPAT_EXIT=1`, which restores the
//! tools' own: 0 even when Pgpool reports an error or a value is out of range, 1 for
//! connection, authentication and usage errors.

use std::ffi::OsString;

use pcp_proto::{Scope, ShutdownMode};

use crate::commands::{Op, Target};
use crate::error::CliError;
use crate::exit::ExitCode;
use crate::output::{pcp_format, write_all, Printer};
use crate::settings::ConnSettings;

/// The `pcp_*` tools this binary can stand in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tool {
    /// pcp_node_count
    NodeCount,
    /// pcp_node_info
    NodeInfo,
    /// pcp_health_check_stats
    HealthCheckStats,
    /// pcp_proc_count
    ProcCount,
    /// pcp_proc_info
    ProcInfo,
    /// pcp_pool_status
    PoolStatus,
    /// pcp_watchdog_info
    WatchdogInfo,
    /// pcp_attach_node
    AttachNode,
    /// pcp_detach_node
    DetachNode,
    /// pcp_promote_node
    PromoteNode,
    /// pcp_recovery_node
    RecoveryNode,
    /// pcp_stop_pgpool
    StopPgpool,
    /// pcp_reload_config
    ReloadConfig,
    /// pcp_log_rotate
    LogRotate,
    /// pcp_invalidate_query_cache
    InvalidateQueryCache,
}

/// One option of a tool: short letter, long name, whether it takes a value.
#[derive(Debug, Clone, Copy)]
struct OptSpec {
    short: Option<char>,
    long: &'static str,
    has_arg: bool,
    help: &'static str,
}

const fn opt(short: char, long: &'static str, has_arg: bool, help: &'static str) -> OptSpec {
    OptSpec {
        short: Some(short),
        long,
        has_arg,
        help,
    }
}

const COMMON_BEFORE: [OptSpec; 5] = [
    opt(
        'U',
        "username",
        true,
        "-U, --username=NAME    PCP user name",
    ),
    opt(
        'h',
        "host",
        true,
        "-h, --host=HOSTNAME    Pgpool host or socket directory",
    ),
    opt('p', "port", true, "-p, --port=PORT        PCP port"),
    opt(
        'w',
        "no-password",
        false,
        "-w, --no-password      never prompt for a password",
    ),
    opt(
        'W',
        "password",
        false,
        "-W, --password         always prompt for a password",
    ),
];

const COMMON_AFTER: [OptSpec; 2] = [
    opt(
        'd',
        "debug",
        false,
        "-d, --debug            debug logging (on stderr)",
    ),
    opt(
        'v',
        "verbose",
        false,
        "-v, --verbose          verbose output",
    ),
];

/// `--help` is recognised but, as in the tools, only works as the first argument.
const HELP: OptSpec = OptSpec {
    short: None,
    long: "help",
    has_arg: false,
    help: "-?, --help             show this help",
};
const VERSION: OptSpec = OptSpec {
    short: None,
    long: "version",
    has_arg: false,
    help: "",
};

const NODE_ID: OptSpec = opt(
    'n',
    "node-id",
    true,
    "-n, --node-id=NODEID   backend node id",
);

impl Tool {
    /// Every tool, in `install-links` order.
    pub(crate) const ALL: [Tool; 15] = [
        Tool::NodeCount,
        Tool::NodeInfo,
        Tool::HealthCheckStats,
        Tool::ProcCount,
        Tool::ProcInfo,
        Tool::PoolStatus,
        Tool::WatchdogInfo,
        Tool::AttachNode,
        Tool::DetachNode,
        Tool::PromoteNode,
        Tool::RecoveryNode,
        Tool::StopPgpool,
        Tool::ReloadConfig,
        Tool::LogRotate,
        Tool::InvalidateQueryCache,
    ];

    /// The tool's program name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tool::NodeCount => "pcp_node_count",
            Tool::NodeInfo => "pcp_node_info",
            Tool::HealthCheckStats => "pcp_health_check_stats",
            Tool::ProcCount => "pcp_proc_count",
            Tool::ProcInfo => "pcp_proc_info",
            Tool::PoolStatus => "pcp_pool_status",
            Tool::WatchdogInfo => "pcp_watchdog_info",
            Tool::AttachNode => "pcp_attach_node",
            Tool::DetachNode => "pcp_detach_node",
            Tool::PromoteNode => "pcp_promote_node",
            Tool::RecoveryNode => "pcp_recovery_node",
            Tool::StopPgpool => "pcp_stop_pgpool",
            Tool::ReloadConfig => "pcp_reload_config",
            Tool::LogRotate => "pcp_log_rotate",
            Tool::InvalidateQueryCache => "pcp_invalidate_query_cache",
        }
    }

    /// The tool whose name is `program` (the basename of argv\[0\]).
    pub(crate) fn from_program(program: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == program)
    }

    fn summary(self) -> &'static str {
        match self {
            Tool::NodeCount => "show how many backends Pgpool-II has",
            Tool::NodeInfo => "show Pgpool-II's backend nodes",
            Tool::HealthCheckStats => "show a backend's health check statistics",
            Tool::ProcCount => "list the PIDs of Pgpool-II's child processes",
            Tool::ProcInfo => "show Pgpool-II's child processes and their connection pools",
            Tool::PoolStatus => "show Pgpool-II's configuration",
            Tool::WatchdogInfo => "show the watchdog cluster",
            Tool::AttachNode => "attach a backend node to Pgpool-II",
            Tool::DetachNode => "detach a backend node from Pgpool-II",
            Tool::PromoteNode => "make a backend node Pgpool-II's new main (primary) node",
            Tool::RecoveryNode => "recover a backend node online",
            Tool::StopPgpool => "stop Pgpool-II",
            Tool::ReloadConfig => "make Pgpool-II reload its configuration",
            Tool::LogRotate => "make Pgpool-II rotate its log file",
            Tool::InvalidateQueryCache => "invalidate Pgpool-II's query cache",
        }
    }

    fn positional(self) -> &'static str {
        match self {
            Tool::AttachNode
            | Tool::DetachNode
            | Tool::PromoteNode
            | Tool::RecoveryNode
            | Tool::HealthCheckStats => "[node-id]",
            Tool::ProcInfo => "[process-id]",
            Tool::WatchdogInfo => "[watchdog-id]",
            _ => "",
        }
    }

    fn own_options(self) -> Vec<OptSpec> {
        let scope = opt(
            's',
            "scope",
            true,
            "-s, --scope=SCOPE      \"local\" (this Pgpool-II) or \"cluster\" (all of the watchdog cluster)",
        );
        match self {
            Tool::NodeInfo => vec![
                NODE_ID,
                opt(
                    'a',
                    "all",
                    false,
                    "-a, --all              also show slots with no backend",
                ),
            ],
            Tool::AttachNode | Tool::RecoveryNode | Tool::HealthCheckStats => vec![NODE_ID],
            Tool::DetachNode => vec![
                NODE_ID,
                opt(
                    'g',
                    "gracefully",
                    false,
                    "-g, --gracefully       wait for clients and the failover",
                ),
            ],
            Tool::PromoteNode => vec![
                NODE_ID,
                opt(
                    'g',
                    "gracefully",
                    false,
                    "-g, --gracefully       wait for clients to disconnect",
                ),
                opt(
                    's',
                    "switchover",
                    false,
                    "-s, --switchover       detach the current primary (switchover)",
                ),
            ],
            Tool::ProcInfo => vec![
                opt(
                    'P',
                    "process-id",
                    true,
                    "-P, --process-id=PID   only this child process",
                ),
                opt(
                    'a',
                    "all",
                    false,
                    "-a, --all              also show connection slots not in use",
                ),
            ],
            Tool::WatchdogInfo => vec![opt(
                'n',
                "watchdog-id",
                true,
                "-n, --watchdog-id=ID   only this watchdog node (all if omitted)",
            )],
            Tool::StopPgpool => vec![
                opt(
                    'm',
                    "mode",
                    true,
                    "-m, --mode=MODE        \"smart\", \"fast\" or \"immediate\"",
                ),
                scope,
                OptSpec {
                    short: Some('a'),
                    long: "all",
                    has_arg: false,
                    help: "",
                },
            ],
            Tool::ReloadConfig | Tool::LogRotate => vec![scope],
            Tool::NodeCount | Tool::ProcCount | Tool::PoolStatus | Tool::InvalidateQueryCache => {
                Vec::new()
            }
        }
    }

    fn options(self) -> Vec<OptSpec> {
        let mut all = COMMON_BEFORE.to_vec();
        all.extend(self.own_options());
        all.extend(COMMON_AFTER);
        all.push(HELP);
        all.push(VERSION);
        all
    }

    /// The help text (printed on stderr, as the tools do).
    fn help(self) -> String {
        let mut out = format!(
            "{} - {}\nUsage:\n{} [OPTION...] {}\nOptions:\n",
            self.name(),
            self.summary(),
            self.name(),
            self.positional()
        );
        for o in self.options() {
            if !o.help.is_empty() {
                out.push_str("  ");
                out.push_str(o.help);
                out.push('\n');
            }
        }
        out.push_str(&format!(
            "\n{} is pcpctl {} in drop-in mode; PCPCTL_COMPAT_EXIT=1 gives the pcp_* exit codes.\n",
            self.name(),
            env!("CARGO_PKG_VERSION")
        ));
        out
    }
}

/// An option or positional argument as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    /// An option (its long name) and its value.
    Opt(&'static str, Option<String>),
    /// A non-option argument.
    Positional(String),
}

/// GNU getopt_long with argument permutation. Errors are glibc's messages (without the
/// program name).
fn getopt(args: &[String], specs: &[OptSpec]) -> Result<Vec<Parsed>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        i += 1;
        if arg == "--" {
            out.extend(args.iter().skip(i).cloned().map(Parsed::Positional));
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let exact = specs.iter().find(|s| s.long == name);
            let spec = match exact {
                Some(s) => s,
                None => {
                    let candidates: Vec<&OptSpec> =
                        specs.iter().filter(|s| s.long.starts_with(name)).collect();
                    match candidates.as_slice() {
                        [one] => *one,
                        [] => return Err(format!("unrecognized option '--{name}'")),
                        many => {
                            let names: Vec<String> =
                                many.iter().map(|s| format!("'--{}'", s.long)).collect();
                            return Err(format!(
                                "option '--{name}' is ambiguous; possibilities: {}",
                                names.join(" ")
                            ));
                        }
                    }
                }
            };
            let value = if spec.has_arg {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        let v = args.get(i).cloned().ok_or_else(|| {
                            format!("option '--{}' requires an argument", spec.long)
                        })?;
                        i += 1;
                        Some(v)
                    }
                }
            } else if inline.is_some() {
                return Err(format!(
                    "option '--{}' doesn't allow an argument",
                    spec.long
                ));
            } else {
                None
            };
            out.push(Parsed::Opt(spec.long, value));
            continue;
        }
        match arg.strip_prefix('-') {
            Some(shorts) if !shorts.is_empty() => {
                for (pos, c) in shorts.char_indices() {
                    let spec = specs
                        .iter()
                        .find(|s| s.short == Some(c))
                        .ok_or_else(|| format!("invalid option -- '{c}'"))?;
                    if spec.has_arg {
                        let rest = &shorts[pos + c.len_utf8()..];
                        let value = if rest.is_empty() {
                            let v = args
                                .get(i)
                                .cloned()
                                .ok_or_else(|| format!("option requires an argument -- '{c}'"))?;
                            i += 1;
                            v
                        } else {
                            rest.to_owned()
                        };
                        out.push(Parsed::Opt(spec.long, Some(value)));
                        break;
                    }
                    out.push(Parsed::Opt(spec.long, None));
                }
            }
            _ => out.push(Parsed::Positional(arg.clone())),
        }
    }
    Ok(out)
}

/// C's `atoi`: optional blanks and sign, then digits up to the first other character.
fn atoi(text: &str) -> i64 {
    let t = text.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

/// What a drop-in command line asks for.
#[derive(Debug, Clone)]
struct Request {
    conn: ConnSettings,
    verbose: bool,
    debug: bool,
    op: Op,
}

/// A command line the tool refuses, with the exit codes it gets.
#[derive(Debug)]
struct Refusal {
    /// What goes to stderr.
    text: String,
    /// The tools' own exit code (0 or 1).
    compat_code: u8,
}

fn try_help(program: &str) -> String {
    format!("Try \"{program} --help\" for more information.\n")
}

/// Interprets a tool's arguments (after argv\[0\]). Warnings are returned for stderr.
fn parse(
    tool: Tool,
    program: &str,
    argv0: &str,
    args: &[String],
) -> Result<(Request, Vec<String>), Refusal> {
    let usage = |msg: String| Refusal {
        text: format!("{argv0}: {msg}\n{}\n", try_help(program)),
        compat_code: 1,
    };
    let parsed = getopt(args, &tool.options()).map_err(usage)?;
    let invalid0 = |msg: String| Refusal {
        text: format!("{program}: {msg}\n"),
        compat_code: 0,
    };

    let mut conn = ConnSettings {
        port: pcp_client::DEFAULT_PORT,
        ..ConnSettings::default()
    };
    if let Ok(hosts) = std::env::var("PCPHOST") {
        conn.hosts = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(port) = std::env::var("PCPPORT").ok().and_then(|p| p.parse().ok()) {
        conn.port = port;
    }
    conn.user = std::env::var("PCPUSER").ok().filter(|u| !u.is_empty());
    conn.password_env = std::env::var("PCPPASSWORD").ok().filter(|p| !p.is_empty());

    let (mut verbose, mut debug, mut all, mut graceful, mut switchover) =
        (false, false, false, false, false);
    let mut node: Option<String> = None;
    let mut mode = ShutdownMode::Smart;
    let mut scope = Scope::Local;
    let mut positionals = Vec::new();
    for p in parsed {
        match p {
            Parsed::Positional(text) => positionals.push(text),
            Parsed::Opt(name, value) => {
                let value = value.unwrap_or_default();
                match name {
                    "username" => conn.user = Some(value),
                    "host" => conn.hosts = vec![value],
                    "port" => {
                        let port = atoi(&value);
                        if port <= 1024 || port > 65535 {
                            return Err(invalid0(format!(
                                "Invalid port number \"{value}\", must be between 1024 and 65535"
                            )));
                        }
                        conn.port = u16::try_from(port).unwrap_or(pcp_client::DEFAULT_PORT);
                    }
                    "no-password" => conn.no_password = true,
                    "password" => conn.prompt_password = true,
                    "debug" => debug = true,
                    "verbose" => verbose = true,
                    "node-id" | "watchdog-id" | "process-id" => node = Some(value),
                    "all" => all = true,
                    "gracefully" => graceful = true,
                    "switchover" => switchover = true,
                    "mode" => {
                        mode = match value.parse() {
                            Ok(mode) => mode,
                            Err(_) => {
                                return Err(Refusal {
                                    text: format!("{program}: Invalid shutdown mode \"{value}\", must be either \"smart\" \"immediate\" or \"fast\" \n"),
                                    compat_code: 1,
                                })
                            }
                        }
                    }
                    "scope" => {
                        scope = match value.parse() {
                            Ok(scope) => scope,
                            Err(_) => {
                                return Err(Refusal {
                                    text: format!("{program}: Invalid command scope \"{value}\", must be either \"cluster\" or \"local\" \n"),
                                    compat_code: 1,
                                })
                            }
                        }
                    }
                    // --help and --version after the first argument.
                    _ => {
                        return Err(Refusal {
                            text: format!("{}\n", try_help(program)),
                            compat_code: 1,
                        })
                    }
                }
            }
        }
    }

    // The positional argument stands for -n / -P when that was not given.
    let takes_positional = !tool.positional().is_empty() || tool == Tool::NodeInfo;
    let mut positionals = positionals.into_iter();
    let from_positional = node.is_none() && takes_positional;
    if from_positional {
        node = positionals.next();
    }
    let warnings: Vec<String> = positionals
        .map(|extra| {
            format!("{program}: Warning: extra command-line argument \"{extra}\" ignored\n")
        })
        .collect();
    // An invalid positional is reported as "(null)", as the tools do.
    let shown = |text: &str| {
        if from_positional {
            "(null)".to_owned()
        } else {
            text.to_owned()
        }
    };
    let node_id = |text: &Option<String>| -> Result<Option<u32>, Refusal> {
        match text {
            None => Ok(None),
            Some(t) => {
                let v = atoi(t);
                if !(0..=128).contains(&v) {
                    return Err(invalid0(format!(
                        "Invalid node-id \"{}\", must be between 0 and 128",
                        shown(t)
                    )));
                }
                Ok(u32::try_from(v).ok())
            }
        }
    };
    let required = |id: Option<u32>| -> Result<u32, Refusal> {
        id.ok_or_else(|| Refusal {
            text: format!("{program}: missing node-id\n{}\n", try_help(program)),
            compat_code: 1,
        })
    };

    let op = match tool {
        Tool::NodeCount => Op::NodeCount,
        Tool::NodeInfo => Op::NodeInfo {
            node: node_id(&node)?,
            include_unused: all,
        },
        Tool::HealthCheckStats => Op::HealthCheckStats {
            node: Some(required(node_id(&node)?)?),
        },
        Tool::ProcCount => Op::ProcCount,
        Tool::ProcInfo => {
            let pid = match &node {
                None => None,
                Some(t) => {
                    let v = atoi(t);
                    if v <= 0 || v > i64::from(u32::MAX) {
                        return Err(invalid0(format!(
                            "Invalid process-id \"{}\", must be greater than 0",
                            shown(t)
                        )));
                    }
                    u32::try_from(v).ok()
                }
            };
            Op::ProcInfo {
                pid,
                include_idle: all,
            }
        }
        Tool::PoolStatus => Op::PoolStatus,
        Tool::WatchdogInfo => {
            let id = match &node {
                None => None,
                Some(t) => {
                    let v = atoi(t);
                    if v < 0 || v > i64::from(u32::MAX) {
                        return Err(invalid0(format!(
                            "Invalid watchdog-id \"{}\", must be a positive number or zero for a local watchdog node",
                            shown(t)
                        )));
                    }
                    u32::try_from(v).ok()
                }
            };
            Op::WatchdogInfo { id }
        }
        Tool::AttachNode => Op::Attach {
            target: Target::Id(required(node_id(&node)?)?),
            wait: None,
            plain: true,
        },
        Tool::DetachNode => Op::Detach {
            target: Target::Id(required(node_id(&node)?)?),
            graceful,
            wait: None,
            plain: true,
        },
        Tool::PromoteNode => Op::Promote {
            target: Target::Id(required(node_id(&node)?)?),
            graceful,
            switchover,
            wait: None,
            plain: true,
        },
        Tool::RecoveryNode => Op::Recovery {
            node: required(node_id(&node)?)?,
        },
        Tool::StopPgpool => Op::Stop { mode, scope },
        Tool::ReloadConfig => Op::Reload { scope },
        Tool::LogRotate => Op::LogRotate { scope },
        Tool::InvalidateQueryCache => Op::InvalidateQueryCache,
    };
    Ok((
        Request {
            conn,
            verbose,
            debug,
            op,
        },
        warnings,
    ))
}

/// Whether `PCPCTL_COMPAT_EXIT` asks for the tools' exit codes.
fn compat_exit() -> bool {
    std::env::var("PCPCTL_COMPAT_EXIT")
        .map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
        .unwrap_or(false)
}

/// The text after "failed with error" for a connection error: the system's message.
fn os_error_text(err: &pcp_client::Error) -> String {
    let text = err.to_string();
    if let Some(start) = text.rfind("(os error ") {
        let code: String = text[start + 10..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(code) = code.parse::<i32>() {
            let full = std::io::Error::from_raw_os_error(code).to_string();
            return full
                .strip_suffix(&format!(" (os error {code})"))
                .unwrap_or(&full)
                .to_owned();
        }
    }
    err.kind().to_string()
}

/// The tools' stderr text for a failure.
fn error_text(err: &CliError, conn: &ConnSettings) -> String {
    if let Some(msg) = err.server_message() {
        return pcp_format::server_error(msg);
    }
    match err.client() {
        Some(e)
            if matches!(
                e.kind(),
                pcp_client::ErrorKind::Io | pcp_client::ErrorKind::Timeout
            ) && e.command().is_none() =>
        {
            let endpoint = crate::settings::parse_host(
                conn.hosts.last().map(String::as_str).unwrap_or(""),
                conn.port,
            );
            match endpoint {
                Ok(ep @ pcp_client::Endpoint::Unix { .. }) => format!(
                    "ERROR: connection to socket \"{}\" failed with error \"{}\"\n",
                    ep.socket_path().unwrap_or_default().display(),
                    os_error_text(e)
                ),
                Ok(pcp_client::Endpoint::Tcp { host, .. }) => format!(
                    "ERROR: connection to host \"{host}\" failed with error \"{}\"\n",
                    os_error_text(e)
                ),
                _ => format!("ERROR: {err}\n"),
            }
        }
        _ => format!("ERROR: {err}\n"),
    }
}

fn stderr(text: &str) {
    use std::io::IsTerminal;
    let text = if std::io::stderr().is_terminal() {
        crate::sanitize::escape_keep_newlines(text).into_owned()
    } else {
        text.to_owned()
    };
    let _ = write_all(&mut std::io::stderr().lock(), text.as_bytes());
}

/// Runs `tool` with `args` (the whole argv); returns the exit status.
pub(crate) fn main(tool: Tool, program: &str, args: Vec<OsString>) -> u8 {
    let compat = compat_exit();
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let argv0 = args.first().cloned().unwrap_or_else(|| program.to_owned());
    let rest = args.get(1..).unwrap_or_default();
    match rest.first().map(String::as_str) {
        Some("--help" | "-?") => {
            stderr(&tool.help());
            return 0;
        }
        Some("-V" | "--version") => {
            stderr(&format!(
                "{program} (pcpctl) {}\n",
                env!("CARGO_PKG_VERSION")
            ));
            return 0;
        }
        _ => {}
    }
    let (request, warnings) = match parse(tool, program, &argv0, rest) {
        Ok(parsed) => parsed,
        Err(refusal) => {
            stderr(&refusal.text);
            return if compat {
                refusal.compat_code
            } else {
                ExitCode::Usage.code()
            };
        }
    };
    crate::logging::init(program, request.debug);
    for w in &warnings {
        stderr(w);
    }
    let printer = Printer {
        format: crate::cli::Format::Pcp,
        verbose: request.verbose,
        program: Some(program.to_owned()),
    };
    match crate::run_op(&request.conn, &request.op, &printer) {
        Ok(code) => code.code(),
        Err(err) => {
            stderr(&error_text(&err, &request.conn));
            let code = err.exit_code();
            if compat {
                match code {
                    ExitCode::Connection
                    | ExitCode::Authentication
                    | ExitCode::Usage
                    | ExitCode::Timeout => 1,
                    _ => 0,
                }
            } else {
                code.code()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn opts(tool: Tool, list: &[&str]) -> Result<Vec<Parsed>, String> {
        getopt(&args(list), &tool.options())
    }

    #[test]
    fn getopt_like_glibc() {
        use Parsed::*;
        assert_eq!(
            opts(
                Tool::NodeInfo,
                &["-wvn1", "x", "--host=h", "--port", "9999", "--", "-a"]
            ),
            Ok(vec![
                Opt("no-password", None),
                Opt("verbose", None),
                Opt("node-id", Some("1".into())),
                Positional("x".into()),
                Opt("host", Some("h".into())),
                Opt("port", Some("9999".into())),
                Positional("-a".into()),
            ])
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["--nod=2", "--a"]),
            Ok(vec![Opt("node-id", Some("2".into())), Opt("all", None)])
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["-x"]),
            Err("invalid option -- 'x'".into())
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["-n"]),
            Err("option requires an argument -- 'n'".into())
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["--node-id"]),
            Err("option '--node-id' requires an argument".into())
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["--all=3"]),
            Err("option '--all' doesn't allow an argument".into())
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["--xyz"]),
            Err("unrecognized option '--xyz'".into())
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["--p"]),
            Err("option '--p' is ambiguous; possibilities: '--port' '--password'".into())
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["-n", "-1"]),
            Ok(vec![Opt("node-id", Some("-1".into()))])
        );
        assert_eq!(
            opts(Tool::NodeInfo, &["-"]),
            Ok(vec![Positional("-".into())])
        );
    }

    #[test]
    fn atoi_is_c_like() {
        assert_eq!(atoi("12"), 12);
        assert_eq!(atoi(" -3x"), -3);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("1x"), 1);
        assert_eq!(atoi("+7"), 7);
        assert_eq!(atoi(""), 0);
    }

    fn op(tool: Tool, list: &[&str]) -> Result<(Op, Vec<String>), Refusal> {
        parse(tool, tool.name(), tool.name(), &args(list)).map(|(r, w)| (r.op, w))
    }

    #[test]
    fn node_ids_positional_and_option() {
        let (o, w) = op(Tool::NodeInfo, &["-n", "1", "2"]).unwrap();
        assert_eq!(
            o,
            Op::NodeInfo {
                node: Some(1),
                include_unused: false
            }
        );
        assert_eq!(
            w,
            vec!["pcp_node_info: Warning: extra command-line argument \"2\" ignored\n"]
        );
        let (o, _) = op(Tool::NodeInfo, &["abc"]).unwrap();
        assert_eq!(
            o,
            Op::NodeInfo {
                node: Some(0),
                include_unused: false
            }
        );
        let (o, _) = op(Tool::NodeInfo, &[]).unwrap();
        assert_eq!(
            o,
            Op::NodeInfo {
                node: None,
                include_unused: false
            }
        );
        let r = op(Tool::NodeInfo, &["300"]).unwrap_err();
        assert_eq!(
            r.text,
            "pcp_node_info: Invalid node-id \"(null)\", must be between 0 and 128\n"
        );
        assert_eq!(r.compat_code, 0);
        let r = op(Tool::AttachNode, &["-n", "-1"]).unwrap_err();
        assert_eq!(
            r.text,
            "pcp_attach_node: Invalid node-id \"-1\", must be between 0 and 128\n"
        );
        let r = op(Tool::DetachNode, &["-g"]).unwrap_err();
        assert_eq!(
            r.text,
            "pcp_detach_node: missing node-id\nTry \"pcp_detach_node --help\" for more information.\n\n"
        );
        assert_eq!(r.compat_code, 1);
        let (o, _) = op(Tool::PromoteNode, &["-g", "-s", "2"]).unwrap();
        assert_eq!(
            o,
            Op::Promote {
                target: Target::Id(2),
                graceful: true,
                switchover: true,
                wait: None,
                plain: true
            }
        );
    }

    #[test]
    fn other_values() {
        let r = op(Tool::ProcInfo, &["0"]).unwrap_err();
        assert_eq!(
            r.text,
            "pcp_proc_info: Invalid process-id \"(null)\", must be greater than 0\n"
        );
        let r = op(Tool::ProcInfo, &["-P", "abc"]).unwrap_err();
        assert_eq!(
            r.text,
            "pcp_proc_info: Invalid process-id \"abc\", must be greater than 0\n"
        );
        let (o, _) = op(Tool::StopPgpool, &["-m", "f", "-s", "cluster", "-a"]).unwrap();
        assert_eq!(
            o,
            Op::Stop {
                mode: ShutdownMode::Fast,
                scope: Scope::Cluster
            }
        );
        let r = op(Tool::StopPgpool, &["-m", "x"]).unwrap_err();
        assert_eq!(r.compat_code, 1);
        let r = op(Tool::NodeCount, &["-p", "1024"]).unwrap_err();
        assert_eq!(
            r.text,
            "pcp_node_count: Invalid port number \"1024\", must be between 1024 and 65535\n"
        );
        let (o, _) = op(Tool::WatchdogInfo, &["2"]).unwrap();
        assert_eq!(o, Op::WatchdogInfo { id: Some(2) });
        let r = op(Tool::WatchdogInfo, &["-n", "-5"]).unwrap_err();
        assert!(r.text.contains("Invalid watchdog-id \"-5\""));
    }

    #[test]
    fn every_tool_has_a_unique_name_and_help() {
        let names: std::collections::HashSet<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(names.len(), Tool::ALL.len());
        for t in Tool::ALL {
            assert_eq!(Tool::from_program(t.name()), Some(t));
            assert!(t.help().starts_with(&format!("{} - ", t.name())));
        }
        assert_eq!(Tool::from_program("pcpctl"), None);
    }
}
