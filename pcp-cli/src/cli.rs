//! The command line of `pcpctl` (clap derive). Help, completions and the man page are all
//! generated from these definitions.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

/// Talk to Pgpool-II's PCP port: every PCP command, EFM load-balancer hooks, and drop-in
/// replacements for the `pcp_*` tools.
///
/// Options before or after the subcommand name are the same. `-h` is the Pgpool host, as
/// in the `pcp_*` tools, so help is `--help` only.
#[derive(Debug, Parser)]
#[command(
    name = "pcpctl",
    version,
    disable_help_flag = true,
    after_long_help = EXIT_CODES_HELP,
    after_help = "Exit codes: see `pcpctl --help`.",
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) conn: ConnArgs,

    #[command(flatten)]
    pub(crate) out: OutputArgs,

    #[command(flatten)]
    help: HelpFlag,

    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// A parsed command line put together by hand ([`crate::quick_parse`]): what clap gives
    /// for it, `--help` absent.
    pub(crate) fn new(conn: ConnArgs, out: OutputArgs, command: Command) -> Cli {
        Cli {
            conn,
            out,
            help: HelpFlag { help: None },
            command,
        }
    }
}

/// `--help`, long only.
#[derive(Debug, Clone, Args)]
struct HelpFlag {
    /// Print help (`--help` only: `-h` is the host).
    #[arg(long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
}

/// Where Pgpool is and how to log in (as the `pcp_*` tools, plus several endpoints and a time
/// limit).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection")]
pub(crate) struct ConnArgs {
    /// Pgpool host name, address or Unix socket directory (leading `/`), with an optional
    /// `:PORT`. Repeat it (or separate with commas) to name several Pgpool instances: they are
    /// tried in order. Default: $PCPHOST, else the socket directory /tmp.
    #[arg(
        short = 'h',
        long = "host",
        value_name = "HOST[:PORT]",
        global = true,
        value_delimiter = ',',
        env = "PCPHOST"
    )]
    pub(crate) hosts: Vec<String>,

    /// PCP port, for hosts given without one.
    #[arg(
        short = 'p',
        long = "port",
        value_name = "PORT",
        global = true,
        env = "PCPPORT",
        default_value_t = pcp_client::DEFAULT_PORT,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub(crate) port: u16,

    /// PCP user name. Default: $PCPUSER, else the operating-system user.
    #[arg(
        short = 'U',
        long = "username",
        value_name = "NAME",
        global = true,
        env = "PCPUSER"
    )]
    pub(crate) user: Option<String>,

    /// Never prompt for a password (take it from the .pcppass file or fail).
    #[arg(short = 'w', long = "no-password", global = true)]
    pub(crate) no_password: bool,

    /// Prompt for the password on the terminal, even if .pcppass has one.
    #[arg(
        short = 'W',
        long = "password",
        global = true,
        conflicts_with = "no_password"
    )]
    pub(crate) prompt_password: bool,

    /// Password file in .pcppass format (host:port:user:password). Default: $PCPPASSFILE,
    /// else ~/.pcppass.
    #[arg(long = "passfile", value_name = "FILE", global = true)]
    pub(crate) passfile: Option<PathBuf>,

    /// The password itself. Insecure: other users can see it in the process list; a warning is
    /// printed. Prefer a password file. $PCPPASSWORD works too (with the same warning).
    #[arg(
        long = "pass",
        value_name = "PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub(crate) password: Option<String>,

    /// With several hosts: use the Pgpool that is the watchdog leader (else the first one that
    /// answers).
    #[arg(long = "prefer-leader", global = true)]
    pub(crate) prefer_leader: bool,

    /// Time limit in seconds for connecting and for each request. Online recovery and graceful
    /// detach/promote, which can take minutes, have no limit unless this is given.
    #[arg(long = "timeout", value_name = "SECS", global = true, value_parser = parse_seconds)]
    pub(crate) timeout: Option<std::time::Duration>,
}

/// How to print.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub(crate) struct OutputArgs {
    /// Output format: `human` (tables, local times), `json` (one JSON document, schema in
    /// docs/cli.md) or `pcp` (what the connected Pgpool release's own pcp_* tools print).
    #[arg(long = "format", value_enum, value_name = "FORMAT", global = true)]
    pub(crate) format: Option<Format>,

    /// Same as --format=json.
    #[arg(long = "json", global = true, conflicts_with = "format")]
    pub(crate) json: bool,

    /// More detail: every field (human), the `-v` layout (pcp).
    #[arg(short = 'v', long = "verbose", global = true)]
    pub(crate) verbose: bool,

    /// Debug logging on stderr ($RUST_LOG also works). Passwords are never logged.
    #[arg(short = 'd', long = "debug", global = true)]
    pub(crate) debug: bool,
}

impl OutputArgs {
    /// The chosen format.
    pub(crate) fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format.unwrap_or(Format::Human)
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Tables and words, for people.
    Human,
    /// One JSON document on stdout.
    Json,
    /// Exactly what the connected Pgpool release's `pcp_*` tools print (4.3's layout when the
    /// release is not known).
    Pcp,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Number of backends Pgpool is configured with (pcp_node_count).
    #[command(display_order = 1)]
    NodeCount,

    /// Backend status, role and replication state (pcp_node_info). All nodes unless one is
    /// named.
    #[command(display_order = 2)]
    NodeInfo(NodeInfoArgs),

    /// Health-check statistics (pcp_health_check_stats). All nodes unless one is named.
    #[command(display_order = 3)]
    HealthCheckStats(NodeSelectArgs),

    /// PIDs of Pgpool's child processes (pcp_proc_count).
    #[command(display_order = 4)]
    ProcCount,

    /// Connection pools of Pgpool's child processes (pcp_proc_info).
    #[command(display_order = 5)]
    ProcInfo(ProcInfoArgs),

    /// Pgpool's configuration (pcp_pool_status).
    #[command(display_order = 6)]
    PoolStatus,

    /// The watchdog cluster (pcp_watchdog_info).
    #[command(display_order = 7)]
    WatchdogInfo(WatchdogArgs),

    /// Attach (fail back) a backend (pcp_attach_node).
    #[command(display_order = 10)]
    Attach(AttachArgs),

    /// Detach a backend (pcp_detach_node).
    #[command(display_order = 11)]
    Detach(DetachArgs),

    /// Make a backend Pgpool's primary (pcp_promote_node).
    #[command(display_order = 12)]
    Promote(PromoteArgs),

    /// Online recovery of a backend (pcp_recovery_node); may take minutes.
    #[command(display_order = 13)]
    Recovery(NodeRequiredArgs),

    /// Stop Pgpool (pcp_stop_pgpool).
    #[command(display_order = 14)]
    Stop(StopArgs),

    /// Reload Pgpool's configuration (pcp_reload_config; Pgpool 4.2+).
    #[command(display_order = 15)]
    Reload(ScopeArgs),

    /// Rotate Pgpool's log (pcp_log_rotate; Pgpool 4.6+).
    #[command(display_order = 16)]
    LogRotate(ScopeArgs),

    /// Invalidate the query cache (pcp_invalidate_query_cache; Pgpool 4.6+).
    #[command(display_order = 17)]
    InvalidateQueryCache,

    /// Which backend a HOST[:PORT] is: prints its node id.
    #[command(display_order = 20)]
    Resolve(ResolveArgs),

    /// Exit 0 if the backend is Pgpool's primary, 1 if it is not.
    #[command(display_order = 21)]
    IsPrimary(TargetArgs),

    /// Pgpool's follow_primary_command step (%d, %P): wait until the node streams from the new
    /// primary, then attach it. Nothing to do for the old primary.
    #[command(display_order = 22)]
    FollowPrimary(FollowPrimaryArgs),

    /// EFM load-balancer hooks: script.load.balancer.attach / .detach.
    #[command(display_order = 23, subcommand)]
    Lb(LbCommand),

    /// A live node table (status, role, replication, last change) refreshed every --interval
    /// seconds, changes highlighted; with --json one JSON line per change. Ctrl-C stops it.
    #[command(display_order = 24)]
    Watch(WatchArgs),

    /// Create pcp_* links to this binary in DIR (drop-in mode).
    #[command(display_order = 30)]
    InstallLinks(InstallLinksArgs),

    /// Print a shell completion script.
    #[command(display_order = 31)]
    Completions(CompletionsArgs),

    /// Print the man page (roff).
    #[command(display_order = 32)]
    Man,
}

/// Node given by `-n N` or as a positional argument, optional.
#[derive(Debug, Clone, Args)]
pub(crate) struct NodeSelectArgs {
    /// Node id.
    #[arg(short = 'n', long = "node-id", value_name = "N")]
    pub(crate) node_id: Option<u32>,

    /// Node id (same as -n).
    #[arg(value_name = "NODE_ID", conflicts_with = "node_id")]
    pub(crate) node: Option<u32>,
}

impl NodeSelectArgs {
    /// The node named, if any.
    pub(crate) fn get(&self) -> Option<u32> {
        self.node_id.or(self.node)
    }
}

/// `node-info`.
#[derive(Debug, Clone, Args)]
pub(crate) struct NodeInfoArgs {
    #[command(flatten)]
    pub(crate) select: NodeSelectArgs,

    /// Also list slots with no backend configured (an empty host name), as pcp_node_info -a.
    #[arg(short = 'a', long = "all")]
    pub(crate) all: bool,
}

/// Node given by `-n N` or positionally, required.
#[derive(Debug, Clone, Args)]
pub(crate) struct NodeRequiredArgs {
    /// Node id.
    #[arg(
        short = 'n',
        long = "node-id",
        value_name = "N",
        required_unless_present = "node"
    )]
    pub(crate) node_id: Option<u32>,

    /// Node id (same as -n).
    #[arg(value_name = "NODE_ID", conflicts_with = "node_id")]
    pub(crate) node: Option<u32>,
}

impl NodeRequiredArgs {
    /// The node named (clap makes sure there is one).
    pub(crate) fn get(&self) -> u32 {
        self.node_id.or(self.node).unwrap_or_default()
    }
}

/// `proc-info`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ProcInfoArgs {
    /// Only this child process.
    #[arg(short = 'P', long = "process-id", value_name = "PID")]
    pub(crate) pid_opt: Option<u32>,

    /// Only this child process (same as -P).
    #[arg(value_name = "PID", conflicts_with = "pid_opt")]
    pub(crate) pid: Option<u32>,

    /// Also list connection slots that are not in use, as pcp_proc_info -a.
    #[arg(short = 'a', long = "all")]
    pub(crate) all: bool,
}

impl ProcInfoArgs {
    /// The process named, if any.
    pub(crate) fn get(&self) -> Option<u32> {
        self.pid_opt.or(self.pid).filter(|&p| p != 0)
    }
}

/// `watchdog-info`.
#[derive(Debug, Clone, Args)]
pub(crate) struct WatchdogArgs {
    /// Only this watchdog node (its pgpool_node_id); all nodes if omitted.
    #[arg(short = 'n', long = "watchdog-id", value_name = "ID")]
    pub(crate) id_opt: Option<u32>,

    /// Only this watchdog node (same as -n).
    #[arg(value_name = "WATCHDOG_ID", conflicts_with = "id_opt")]
    pub(crate) id: Option<u32>,
}

impl WatchdogArgs {
    /// The node named, if any.
    pub(crate) fn get(&self) -> Option<u32> {
        self.id_opt.or(self.id)
    }
}

/// The backend a glue or action command is about: a node id, or a backend host as EFM
/// passes it.
#[derive(Debug, Clone, Args)]
pub(crate) struct TargetArgs {
    /// The backend: a node id, or HOST[:PORT] of a backend as in backend_hostnameN /
    /// backend_portN (names and addresses match each other by resolving).
    #[arg(value_name = "NODE_ID|HOST[:PORT]", required_unless_present_any = ["node_id", "node_host"])]
    pub(crate) target: Option<String>,

    /// The backend by node id.
    #[arg(short = 'n', long = "node-id", value_name = "N", conflicts_with_all = ["target", "node_host"])]
    pub(crate) node_id: Option<u32>,

    /// The backend by host (name, address or socket directory), optionally with :PORT.
    /// (`--host`/`-h` is Pgpool's address, as in the pcp_* tools.)
    #[arg(
        long = "node-host",
        value_name = "HOST[:PORT]",
        conflicts_with = "target"
    )]
    pub(crate) node_host: Option<String>,

    /// The backend's port, to choose among backends on the same host.
    #[arg(long = "node-port", value_name = "PORT", requires = "node_host",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) node_port: Option<u16>,
}

/// `watch`.
#[derive(Debug, Clone, Args)]
pub(crate) struct WatchArgs {
    /// Seconds between refreshes.
    #[arg(
        long = "interval",
        value_name = "SECS",
        default_value = "1",
        value_parser = parse_interval
    )]
    pub(crate) interval: std::time::Duration,

    /// Stop after this many refreshes (default: until Ctrl-C).
    #[arg(long = "count", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) count: Option<u64>,

    /// Also list slots with no backend configured (an empty host name).
    #[arg(short = 'a', long = "all")]
    pub(crate) all: bool,
}

fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let d = parse_seconds(text)?;
    if d < std::time::Duration::from_millis(10) {
        return Err(format!("{text:?} is too short (at least 0.01 s)"));
    }
    Ok(d)
}

/// How long to wait until Pgpool shows the change.
#[derive(Debug, Clone, Args)]
pub(crate) struct WaitArgs {
    /// Wait until node info shows the change (default 30 s). Without it, pcpctl returns as
    /// soon as Pgpool accepted the request, which it applies asynchronously.
    #[arg(
        long = "wait",
        value_name = "SECS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "30",
        value_parser = parse_seconds
    )]
    pub(crate) wait: Option<std::time::Duration>,
}

/// `attach`.
#[derive(Debug, Clone, Args)]
pub(crate) struct AttachArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// `detach`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DetachArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    /// Wait for clients to disconnect and for the failover to finish (`d`, may take long).
    #[arg(short = 'g', long = "gracefully")]
    pub(crate) graceful: bool,

    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// `promote`.
#[derive(Debug, Clone, Args)]
pub(crate) struct PromoteArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    /// Wait for clients to disconnect (`j`, may take long).
    #[arg(short = 'g', long = "gracefully")]
    pub(crate) graceful: bool,

    /// Switchover (Pgpool 4.3+): detach the current primary so that failover_command promotes
    /// this node.
    #[arg(short = 's', long = "switchover")]
    pub(crate) switchover: bool,

    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// `stop`.
#[derive(Debug, Clone, Args)]
pub(crate) struct StopArgs {
    /// Shutdown mode.
    #[arg(short = 'm', long = "mode", value_enum, default_value_t = ModeArg::Smart)]
    pub(crate) mode: ModeArg,

    /// This Pgpool only, or every Pgpool of the watchdog cluster (4.2+).
    #[arg(short = 's', long = "scope", value_enum, default_value_t = ScopeArg::Local)]
    pub(crate) scope: ScopeArg,
}

/// `reload`, `log-rotate`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ScopeArgs {
    /// This Pgpool only, or every Pgpool of the watchdog cluster.
    #[arg(short = 's', long = "scope", value_enum, default_value_t = ScopeArg::Local)]
    pub(crate) scope: ScopeArg,
}

/// Shutdown modes (the pcp_stop_pgpool letters are accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModeArg {
    /// Wait for clients to disconnect.
    #[value(alias = "s")]
    Smart,
    /// Disconnect clients, then stop.
    #[value(alias = "f")]
    Fast,
    /// Stop at once.
    #[value(alias = "i")]
    Immediate,
}

/// Command scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScopeArg {
    /// This Pgpool only.
    #[value(alias = "l")]
    Local,
    /// Every Pgpool of the watchdog cluster.
    #[value(alias = "c")]
    Cluster,
}

/// `resolve`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ResolveArgs {
    /// The backend host (EFM's %h), optionally with :PORT.
    #[arg(value_name = "HOST[:PORT]")]
    pub(crate) host: String,
}

/// `follow-primary`.
#[derive(Debug, Clone, Args)]
pub(crate) struct FollowPrimaryArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,

    /// Pgpool's old primary node id (%P): for that node there is nothing to do. Pgpool passes
    /// -1 when it had no primary (e.g. EFM's detach hook removed it first): nothing is skipped.
    #[arg(long = "old-primary", value_name = "N", allow_hyphen_values = true,
          value_parser = clap::value_parser!(i64).range(-1..=i64::from(u32::MAX)))]
    pub(crate) old_primary: Option<i64>,

    /// How long to wait for the node to stream from the new primary, in seconds.
    #[arg(long = "stream-timeout", value_name = "SECS", default_value = "60", value_parser = parse_seconds)]
    pub(crate) stream_timeout: std::time::Duration,

    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// `lb attach|detach`.
#[derive(Debug, Subcommand)]
pub(crate) enum LbCommand {
    /// script.load.balancer.attach: attach the backend at HOST to Pgpool; with TYPE p, also make
    /// it Pgpool's primary (idempotent).
    Attach(LbArgs),
    /// script.load.balancer.detach: detach the backend at HOST from Pgpool (idempotent).
    Detach(LbArgs),
}

/// Arguments of the EFM load-balancer hooks.
#[derive(Debug, Clone, Args)]
pub(crate) struct LbArgs {
    /// The backend's address as EFM passes it (%h), optionally with :PORT.
    #[arg(value_name = "HOST[:PORT]")]
    pub(crate) host: String,

    /// EFM's node type (%t): p (primary; m before EFM 4.0) or s (standby). Default: s.
    #[arg(value_name = "TYPE")]
    pub(crate) node_type: Option<String>,

    #[command(flatten)]
    pub(crate) wait: WaitArgs,
}

/// `install-links`.
#[derive(Debug, Clone, Args)]
pub(crate) struct InstallLinksArgs {
    /// Directory to create the links in (e.g. /usr/local/bin).
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,

    /// Hard links instead of symbolic links.
    #[arg(long = "hard")]
    pub(crate) hard: bool,

    /// Replace existing files of the same names.
    #[arg(short = 'f', long = "force")]
    pub(crate) force: bool,
}

/// `completions`.
#[derive(Debug, Clone, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Seconds, possibly fractional, as a duration.
pub(crate) fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// The clap command, with `-h` freed for `--host` in every subcommand.
pub(crate) fn command() -> clap::Command {
    free_h(Cli::command())
}

fn free_h(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_flag(true).mut_subcommands(free_h)
}

/// The subcommands [`parse_lean`] builds alone, each with the function that adds its arguments.
/// The other subcommands (`watch`, `install-links`, `completions`, `man`) run long or print the
/// whole command line anyway.
const LONE_SUBCOMMANDS: &[(&str, AddArgs)] = &[
    ("node-count", std::convert::identity),
    ("node-info", NodeInfoArgs::augment_args),
    ("health-check-stats", NodeSelectArgs::augment_args),
    ("proc-count", std::convert::identity),
    ("proc-info", ProcInfoArgs::augment_args),
    ("pool-status", std::convert::identity),
    ("watchdog-info", WatchdogArgs::augment_args),
    ("attach", AttachArgs::augment_args),
    ("detach", DetachArgs::augment_args),
    ("promote", PromoteArgs::augment_args),
    ("recovery", NodeRequiredArgs::augment_args),
    ("stop", StopArgs::augment_args),
    ("reload", ScopeArgs::augment_args),
    ("log-rotate", ScopeArgs::augment_args),
    ("invalidate-query-cache", std::convert::identity),
    ("resolve", ResolveArgs::augment_args),
    ("is-primary", TargetArgs::augment_args),
    ("follow-primary", FollowPrimaryArgs::augment_args),
    ("lb", lb_subcommands),
];

/// Adds a subcommand's arguments to its (empty) command.
type AddArgs = fn(clap::Command) -> clap::Command;

fn lb_subcommands(cmd: clap::Command) -> clap::Command {
    LbCommand::augment_subcommands(cmd).subcommand_required(true)
}

/// Parses a command line with a command tree holding only the subcommand it names, or `None`
/// to leave it to the whole tree ([`command`]).
///
/// Building the whole tree (every subcommand, each given a copy of the global options) was
/// most of pcpctl's start-up, for one command that then runs for a millisecond. The
/// subcommand is guessed as the first word that is a subcommand's name; clap then parses the
/// whole line against the root and that subcommand alone. A wrong guess (the word was an
/// option's value) or any other error gives `None`, and the caller parses again with the
/// whole tree, so that help, version and every error message come from the complete
/// definition. A line that parses here parses to the same result there: the lone subcommand is
/// the whole tree's own definition of it (a test compares the two).
pub(crate) fn parse_lean(args: &[std::ffi::OsString]) -> Option<Cli> {
    use clap::FromArgMatches;
    let (name, add_args) = args.iter().skip(1).find_map(|word| {
        let word = word.to_str()?;
        LONE_SUBCOMMANDS.iter().find(|(name, _)| *name == word)
    })?;
    let command = Box::leak(Box::new(lean_command(name, *add_args)));
    // Like the tree in `main`, the matches live until the process exits. Taking the values out
    // (`_mut`) spares a copy of all of them.
    let matches = Box::leak(Box::new(command.try_get_matches_from_mut(args).ok()?));
    let mut conn = ConnArgs::from_arg_matches_mut(matches).ok()?;
    let mut out = OutputArgs::from_arg_matches_mut(matches).ok()?;
    let help = HelpFlag::from_arg_matches_mut(matches).ok()?;
    // Global options written after a subcommand's name override those before it, the
    // deepest level last, as clap's global arguments do.
    // (The subcommands' matches hold only what was written after their names: small.)
    let mut level = matches.subcommand();
    while let Some((_, sub)) = level {
        conn.update_from_arg_matches(sub).ok()?;
        out.update_from_arg_matches(sub).ok()?;
        level = sub.subcommand();
    }
    let command = Command::from_arg_matches_mut(matches).ok()?;
    Some(Cli {
        conn,
        out,
        help,
        command,
    })
}

/// The root with its options and the one subcommand NAME.
///
/// The options are not clap `global` arguments here: clap copies a global argument into every
/// subcommand while building and copies its values between the levels after parsing, which
/// was half of the lean parse. Instead the subcommand gets its own copy of each option, one
/// that appears in its matches only when written after its name (no default, no environment
/// variable), and [`parse_lean`] lays those over the root's values.
fn lean_command(name: &'static str, add_args: AddArgs) -> clap::Command {
    let root = lean_root();
    let copies: Vec<clap::Arg> = root.get_arguments().map(after_subcommand).collect();
    let root = root.mut_args(|arg| arg.global(false));
    free_h(root.subcommand(with_copies(add_args(clap::Command::new(name)), &copies)))
}

/// Adds the options' copies to a subcommand and its own subcommands (skipping names it
/// defines itself, as clap's propagation does).
fn with_copies(mut cmd: clap::Command, copies: &[clap::Arg]) -> clap::Command {
    for copy in copies {
        if cmd.get_arguments().all(|arg| arg.get_id() != copy.get_id()) {
            cmd = cmd.arg(copy.clone());
        }
    }
    cmd.mut_subcommands(|sub| with_copies(sub, copies))
}

/// A root option as a subcommand takes it: present in the subcommand's matches only when
/// written there, so that updating from them leaves the root's value otherwise. A flag
/// becomes an option of no value that stores `true` (a plain flag would store its default
/// `false` when absent).
fn after_subcommand(arg: &clap::Arg) -> clap::Arg {
    let arg = arg.clone().global(false).default_value(None).env(None);
    match arg.get_action() {
        clap::ArgAction::SetTrue => arg
            .action(clap::ArgAction::Set)
            .num_args(0)
            .default_missing_value("true")
            .value_parser(clap::value_parser!(bool)),
        _ => arg,
    }
}

fn lean_root() -> clap::Command {
    let root = clap::Command::new("pcpctl");
    HelpFlag::augment_args(OutputArgs::augment_args(ConnArgs::augment_args(root)))
}

/// `pcpctl --version` (possibly among global options) without building the whole tree: the
/// version text if that is what the line asks for.
pub(crate) fn lean_version(args: &[std::ffi::OsString]) -> Option<String> {
    let root = lean_root()
        .disable_help_flag(true)
        .version(env!("CARGO_PKG_VERSION"));
    match root.try_get_matches_from(args) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => Some(e.to_string()),
        _ => None,
    }
}

/// Command lines the faster parsers ([`parse_lean`], [`crate::quick_parse`]) are checked
/// against the whole tree with: good ones and ones clap rejects.
#[cfg(test)]
pub(crate) const PARSE_CORPUS: &[&str] = &[
    "pcpctl node-count",
    "pcpctl -h db1 -p 9999 -U u -w node-count --json",
    "pcpctl node-info -h db1 -p 9999 -U u -w -v 1",
    "pcpctl -h a,b:1 -h /tmp node-info --all -n 2",
    "pcpctl node-info -n 1 2",
    "pcpctl health-check-stats 0 --format pcp",
    "pcpctl proc-info -P 123 -a --timeout 2.5",
    "pcpctl proc-info 123",
    "pcpctl pool-status -d",
    "pcpctl watchdog-info -n 1",
    "pcpctl attach --node-host db2 --node-port 5432 --wait=3",
    "pcpctl attach --wait 1",
    "pcpctl attach 1 -n 1",
    "pcpctl attach --node-port 5432",
    "pcpctl attach",
    "pcpctl detach -g 2 --wait",
    "pcpctl promote -g -s --node-host db3",
    "pcpctl recovery",
    "pcpctl recovery 2",
    "pcpctl stop -m f -s c",
    "pcpctl stop -m nonsense",
    "pcpctl reload -s cluster",
    "pcpctl log-rotate",
    "pcpctl invalidate-query-cache --prefer-leader -h x -h y",
    "pcpctl resolve db1:5433",
    "pcpctl resolve attach",
    "pcpctl is-primary 10.0.0.2",
    "pcpctl follow-primary 1 --old-primary -1 --stream-timeout 5",
    "pcpctl lb attach 10.0.0.1 s --wait=2.5",
    "pcpctl lb detach 10.0.0.1",
    "pcpctl lb",
    "pcpctl lb attach",
    "pcpctl -U attach attach 1",
    "pcpctl -U stop node-count",
    "pcpctl -U attach detach 1",
    "pcpctl --json --format pcp node-count",
    "pcpctl -w -W node-count",
    "pcpctl node-count -h",
    "pcpctl node-count --help",
    "pcpctl help attach",
    "pcpctl --version",
    "pcpctl",
    "pcpctl watch --count 2 attach",
    "pcpctl node-count extra",
    "pcpctl --port 0 node-count",
    "pcpctl --pass secret --passfile /x node-count",
    "pcpctl -h a node-count -h b",
    "pcpctl -h a,b node-count -h c -h d",
    "pcpctl -p 1 node-count -p 2",
    "pcpctl -p 1 node-count -p 2 -p 3",
    "pcpctl -w node-count -W",
    "pcpctl -W node-count -w",
    "pcpctl node-count -w -W",
    "pcpctl --json node-count --format pcp",
    "pcpctl --format json node-count --json",
    "pcpctl --format json node-count --format pcp",
    "pcpctl -v node-info -v",
    "pcpctl node-info -v -d --prefer-leader --timeout 1",
    "pcpctl --timeout 1 node-count --timeout 2",
    "pcpctl -U a node-count -U b --pass x",
    "pcpctl lb attach 10.0.0.1 s -h x --json",
    "pcpctl -h a lb -h b attach 10.0.0.1 -h c",
    "pcpctl -h a lb attach -w 10.0.0.1 p --wait=1",
    "pcpctl node-count --help",
    "pcpctl lb attach --help",
];

/// The whole tree's parse of a command line, `None` for any error (help and version too).
#[cfg(test)]
pub(crate) fn parse_whole_tree(args: &[std::ffi::OsString]) -> Option<Cli> {
    use clap::FromArgMatches;
    let matches = command().try_get_matches_from(args).ok()?;
    Cli::from_arg_matches(&matches).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let matches = command().try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn debug_assert() {
        command().debug_assert();
    }

    #[test]
    fn derive_debug_assert() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_anywhere() {
        let cli = parse(&[
            "pcpctl",
            "node-info",
            "-h",
            "db1",
            "-p",
            "9999",
            "-U",
            "u",
            "-w",
            "-v",
            "1",
        ])
        .unwrap();
        assert_eq!(cli.conn.hosts, vec!["db1"]);
        assert_eq!(cli.conn.port, 9999);
        assert!(cli.conn.no_password && cli.out.verbose);
        match cli.command {
            Command::NodeInfo(a) => assert_eq!(a.select.get(), Some(1)),
            other => panic!("{other:?}"),
        }
        let cli = parse(&["pcpctl", "-h", "a,b:1", "-h", "/tmp", "node-count"]).unwrap();
        assert_eq!(cli.conn.hosts, vec!["a", "b:1", "/tmp"]);
    }

    #[test]
    fn node_selection_conflicts() {
        assert!(parse(&["pcpctl", "node-info", "-n", "1", "2"]).is_err());
        assert!(parse(&["pcpctl", "recovery"]).is_err());
        assert!(parse(&["pcpctl", "recovery", "2"]).is_ok());
        assert!(parse(&["pcpctl", "attach"]).is_err());
        assert!(parse(&[
            "pcpctl",
            "attach",
            "--node-host",
            "db2",
            "--node-port",
            "5432"
        ])
        .is_ok());
        assert!(parse(&["pcpctl", "attach", "--node-port", "5432"]).is_err());
        assert!(parse(&["pcpctl", "attach", "1", "-n", "1"]).is_err());
    }

    #[test]
    fn wait_takes_an_optional_value_with_equals_only() {
        let cli = parse(&["pcpctl", "attach", "--wait", "1"]).unwrap();
        match cli.command {
            Command::Attach(a) => {
                assert_eq!(a.wait.wait, Some(std::time::Duration::from_secs(30)));
                assert_eq!(a.target.target.as_deref(), Some("1"));
            }
            other => panic!("{other:?}"),
        }
        let cli = parse(&["pcpctl", "lb", "attach", "10.0.0.1", "s", "--wait=2.5"]).unwrap();
        match cli.command {
            Command::Lb(LbCommand::Attach(a)) => {
                assert_eq!(a.wait.wait, Some(std::time::Duration::from_millis(2500)));
                assert_eq!(a.node_type.as_deref(), Some("s"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stop_accepts_pcp_letters() {
        let cli = parse(&["pcpctl", "stop", "-m", "f", "-s", "c"]).unwrap();
        match cli.command {
            Command::Stop(s) => {
                assert_eq!(s.mode, ModeArg::Fast);
                assert_eq!(s.scope, ScopeArg::Cluster);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn help_is_long_only() {
        let err = parse(&["pcpctl", "--help"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        let err = parse(&["pcpctl", "node-info", "--help"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        // -h wants a value: it is the host.
        assert!(parse(&["pcpctl", "node-count", "-h"]).is_err());
    }

    /// The Debug text of a command's arguments, groups and nested subcommands, sorted: what
    /// parsing depends on (help texts included, as they are part of the arguments).
    /// Arguments whose ids are in `skip` (the root's options) are left out at every level.
    fn definition(cmd: &clap::Command, skip: &[String]) -> Vec<String> {
        let mut parts: Vec<String> = cmd
            .get_arguments()
            .filter(|a| !skip.iter().any(|id| a.get_id() == id.as_str()))
            .map(|a| format!("{a:?}"))
            .chain(cmd.get_groups().map(|g| format!("{g:?}")))
            .collect();
        for sub in cmd.get_subcommands() {
            parts.push(format!("subcommand {}", sub.get_name()));
            parts.extend(definition(sub, skip));
        }
        parts.push(format!(
            "subcommand required: {}",
            cmd.is_subcommand_required_set()
        ));
        parts.sort();
        parts
    }

    #[test]
    fn lone_subcommands_are_the_whole_trees_own() {
        let mut whole = command();
        whole.build();
        let root_ids: Vec<String> = lean_root()
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .collect();
        // Compared without the root's options: the lean tree gives the subcommands copies of
        // its own (checked by `lean_parse_agrees_with_the_whole_tree`).
        for (name, add_args) in LONE_SUBCOMMANDS {
            let mut lean = lean_command(name, *add_args);
            lean.build();
            let from_whole = whole.find_subcommand(name).expect("in the whole tree");
            let alone = lean.find_subcommand(name).expect("in the lean tree");
            assert_eq!(
                definition(alone, &root_ids),
                definition(from_whole, &root_ids),
                "{name}"
            );
        }
        let mut lean_root = free_h(lean_root());
        lean_root.build();
        let root_args = |cmd: &clap::Command| {
            let mut args: Vec<String> = cmd
                .get_arguments()
                .filter(|a| a.get_id() != "version")
                .map(|a| format!("{a:?}"))
                .collect();
            args.sort();
            args
        };
        assert_eq!(root_args(&lean_root), root_args(&whole));
    }

    #[test]
    fn lean_parse_agrees_with_the_whole_tree() {
        for line in PARSE_CORPUS {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            let whole = parse_whole_tree(&args);
            let lean = parse_lean(&args);
            match &whole {
                Some(cli) => {
                    if let Some(lean) = &lean {
                        assert_eq!(format!("{lean:?}"), format!("{cli:?}"), "{line}");
                    }
                }
                None => assert!(lean.is_none(), "{line}: lean parse accepted it"),
            }
        }
        // Options on both sides of the subcommand: the later level wins, flags stay set.
        let lean = |line: &str| {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            parse_lean(&args).expect(line)
        };
        let cli = lean("pcpctl -h a -w -p 1 node-count -h b --json");
        assert_eq!(cli.conn.hosts, vec!["b"]);
        assert!(cli.conn.no_password && cli.out.json);
        assert_eq!(cli.conn.port, 1);
        let cli = lean("pcpctl -h a lb -h b attach 10.0.0.1 -h c -v");
        assert_eq!(cli.conn.hosts, vec!["c"]);
        assert!(cli.out.verbose);
        // The lean path does take the common lines.
        for line in [
            "pcpctl -h db -w node-count",
            "pcpctl -h db -p 9898 -U u -w node-info --format=pcp",
            "pcpctl -h db -U u -w lb attach 10.0.0.1 p --wait",
        ] {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            assert!(parse_lean(&args).is_some(), "{line}");
        }
    }

    #[test]
    fn lean_version_is_the_whole_trees() {
        for line in ["pcpctl --version", "pcpctl -V", "pcpctl -h x --version"] {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            let whole = command().try_get_matches_from(&args).unwrap_err();
            assert_eq!(whole.kind(), clap::error::ErrorKind::DisplayVersion);
            assert_eq!(lean_version(&args), Some(whole.to_string()), "{line}");
        }
        for line in [
            "pcpctl node-count",
            "pcpctl",
            "pcpctl --help",
            "pcpctl --bogus",
        ] {
            let args: Vec<std::ffi::OsString> = line.split(' ').map(Into::into).collect();
            assert_eq!(lean_version(&args), None, "{line}");
        }
    }

    #[test]
    fn json_and_format_conflict() {
        assert!(parse(&["pcpctl", "--json", "--format", "pcp", "node-count"]).is_err());
        let cli = parse(&["pcpctl", "node-count", "--json"]).unwrap();
        assert_eq!(cli.out.format(), Format::Json);
    }
}
