//! A hand-written parser for pcpctl's common command lines, tried before clap.
//!
//! Why: a short command such as `pcpctl -h HOST -U USER -w node-count --format=pcp` runs for
//! about a millisecond, and even the lean clap parse ([`cli::parse_lean`]: a tree holding only
//! the invoked subcommand) was about half of its instructions (callgrind; building clap's
//! command, parsing, converting the matches), which kept pcpctl behind the C `pcp_*` tools.
//!
//! clap stays the definition of the command line (help, completions, man page, errors, and
//! every line not taken here). This parser accepts only a subset: the root options, and the
//! read-only commands and the actions scripts and EFM hooks run (`node-count`, `node-info`,
//! `health-check-stats`, `proc-count`, `proc-info`, `pool-status`, `attach`, `detach`,
//! `promote`, `is-primary`, `resolve`, `lb attach|detach`), written plainly: options
//! separate, values in the next word or after `=` (long options). On that subset it must give
//! exactly the [`Cli`] the whole clap tree gives; for anything else, and whenever clap would
//! reject the line or it is not sure to agree, it returns `None` and the caller parses with
//! clap. The tests compare the two on a corpus, on random command lines and with the
//! environment variables clap reads.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{
    self, AttachArgs, Cli, Command, ConnArgs, DetachArgs, Format, LbArgs, LbCommand, NodeInfoArgs,
    NodeSelectArgs, OutputArgs, ProcInfoArgs, PromoteArgs, ResolveArgs, TargetArgs, WaitArgs,
};

/// Parses `args` (the program name first) as clap would, or `None` to leave it to clap.
pub(crate) fn parse(args: &[OsString]) -> Option<Cli> {
    let mut words = args.iter().skip(1);
    // Root options written at each level: the root, the subcommand, `lb`'s subcommand.
    let mut levels: [Given; 3] = Default::default();
    let mut depth = 0;
    let mut name: Option<Name> = None;
    let mut sub = SubWords::default();
    while let Some(word) = words.next() {
        let word = word.to_str().filter(|w| !w.is_empty())?;
        if word.starts_with('-') {
            let (opt, attached) = option(word)?;
            let value = match opt.value() {
                Value::Required => Some(match attached {
                    Some(v) => v,
                    None => words
                        .next()
                        .and_then(|w| w.to_str())
                        .filter(|w| !w.is_empty() && !w.starts_with('-'))?,
                }),
                Value::EqualsOnly => attached,
                Value::None if attached.is_some() => return None,
                Value::None => None,
            };
            if value == Some("") {
                return None;
            }
            if !levels.get_mut(depth)?.set(opt, value)? {
                sub.set(name?, opt, value)?;
            }
        } else {
            match name {
                None => name = Some(Name::of(word)?),
                Some(Name::Lb) => name = Some(Name::of_lb(word)?),
                Some(_) => {
                    sub.positionals.push(word);
                    continue;
                }
            }
            depth += 1;
        }
    }
    let command = sub.command(name?)?;
    let [root, level1, level2] = levels;
    let given = root.overlay(level1).overlay(level2);
    let (conn, out) = given.finish()?;
    Some(Cli::new(conn, out, command))
}

/// The options this parser knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Host,
    Port,
    User,
    NoPassword,
    Prompt,
    Passfile,
    Pass,
    PreferLeader,
    Timeout,
    Format,
    Json,
    Verbose,
    Debug,
    NodeId,
    ProcessId,
    All,
    NodeHost,
    NodePort,
    Graceful,
    Switchover,
    Wait,
}

/// How an option takes its value.
enum Value {
    /// In the next word, or after `=` (long options).
    Required,
    /// Only after `=` (`--wait`, `require_equals`).
    EqualsOnly,
    /// A flag.
    None,
}

impl Opt {
    fn value(self) -> Value {
        match self {
            Opt::Host
            | Opt::Port
            | Opt::User
            | Opt::Passfile
            | Opt::Pass
            | Opt::Timeout
            | Opt::Format
            | Opt::NodeId
            | Opt::ProcessId
            | Opt::NodeHost
            | Opt::NodePort => Value::Required,
            Opt::Wait => Value::EqualsOnly,
            _ => Value::None,
        }
    }
}

/// The option a word names, with the value attached with `=` to a long option. `None` for
/// unknown options, `--`, short clusters and short options with attached values.
fn option(word: &str) -> Option<(Opt, Option<&str>)> {
    if let Some(long) = word.strip_prefix("--") {
        let (name, attached) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let opt = match name {
            "host" => Opt::Host,
            "port" => Opt::Port,
            "username" => Opt::User,
            "no-password" => Opt::NoPassword,
            "password" => Opt::Prompt,
            "passfile" => Opt::Passfile,
            "pass" => Opt::Pass,
            "prefer-leader" => Opt::PreferLeader,
            "timeout" => Opt::Timeout,
            "format" => Opt::Format,
            "json" => Opt::Json,
            "verbose" => Opt::Verbose,
            "debug" => Opt::Debug,
            "node-id" => Opt::NodeId,
            "process-id" => Opt::ProcessId,
            "all" => Opt::All,
            "node-host" => Opt::NodeHost,
            "node-port" => Opt::NodePort,
            "gracefully" => Opt::Graceful,
            "switchover" => Opt::Switchover,
            "wait" => Opt::Wait,
            _ => return None,
        };
        return Some((opt, attached));
    }
    let opt = match word {
        "-h" => Opt::Host,
        "-p" => Opt::Port,
        "-U" => Opt::User,
        "-w" => Opt::NoPassword,
        "-W" => Opt::Prompt,
        "-v" => Opt::Verbose,
        "-d" => Opt::Debug,
        "-n" => Opt::NodeId,
        "-P" => Opt::ProcessId,
        "-a" => Opt::All,
        "-g" => Opt::Graceful,
        "-s" => Opt::Switchover,
        _ => return None,
    };
    Some((opt, None))
}

/// A number as clap's `u32` parser takes it (digits only here).
fn number(text: &str) -> Option<u32> {
    digits(text)?.parse().ok()
}

/// A port as clap's `value_parser!(u16).range(1..)` takes it.
fn port(text: &str) -> Option<u16> {
    digits(text)?.parse().ok().filter(|&p| p != 0)
}

fn digits(text: &str) -> Option<&str> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// A `--host` value or $PCPHOST split on ',' (clap's `value_delimiter`); `None` if a piece
/// is empty.
fn hosts(text: &str) -> Option<Vec<String>> {
    text.split(',')
        .map(|h| (!h.is_empty()).then(|| h.to_owned()))
        .collect()
}

/// The root options written at one level.
#[derive(Debug, Default)]
struct Given {
    hosts: Option<Vec<String>>,
    port: Option<u16>,
    user: Option<String>,
    no_password: bool,
    prompt_password: bool,
    passfile: Option<PathBuf>,
    password: Option<String>,
    prefer_leader: bool,
    timeout: Option<Duration>,
    format: Option<Format>,
    json: bool,
    verbose: bool,
    debug: bool,
}

/// Sets `slot` once: `None` if it was set already at this level (clap rejects a repeated
/// option or flag).
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<bool> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(true)
}

fn flag(slot: &mut bool) -> Option<bool> {
    if *slot {
        return None;
    }
    *slot = true;
    Some(true)
}

impl Given {
    /// Takes a root option: `Some(true)` if taken, `Some(false)` if `opt` is not a root option,
    /// `None` if clap would reject it.
    fn set(&mut self, opt: Opt, value: Option<&str>) -> Option<bool> {
        match opt {
            Opt::Host => {
                let more = hosts(value?)?;
                self.hosts.get_or_insert_with(Vec::new).extend(more);
                Some(true)
            }
            Opt::Port => once(&mut self.port, Some(port(value?)?)),
            Opt::User => once(&mut self.user, value.map(str::to_owned)),
            Opt::NoPassword => flag(&mut self.no_password),
            Opt::Prompt => flag(&mut self.prompt_password),
            Opt::Passfile => once(&mut self.passfile, value.map(PathBuf::from)),
            Opt::Pass => once(&mut self.password, value.map(str::to_owned)),
            Opt::PreferLeader => flag(&mut self.prefer_leader),
            Opt::Timeout => once(&mut self.timeout, Some(cli::parse_seconds(value?).ok()?)),
            Opt::Format => {
                let format = match value? {
                    "human" => Format::Human,
                    "json" => Format::Json,
                    "pcp" => Format::Pcp,
                    _ => return None,
                };
                once(&mut self.format, Some(format))
            }
            Opt::Json => flag(&mut self.json),
            Opt::Verbose => flag(&mut self.verbose),
            Opt::Debug => flag(&mut self.debug),
            _ => Some(false),
        }
    }

    /// These options with those of a deeper level laid over them: the deeper level's value
    /// wins (clap's global arguments); a flag is set if set at either.
    fn overlay(self, later: Given) -> Given {
        Given {
            hosts: later.hosts.or(self.hosts),
            port: later.port.or(self.port),
            user: later.user.or(self.user),
            no_password: later.no_password || self.no_password,
            prompt_password: later.prompt_password || self.prompt_password,
            passfile: later.passfile.or(self.passfile),
            password: later.password.or(self.password),
            prefer_leader: later.prefer_leader || self.prefer_leader,
            timeout: later.timeout.or(self.timeout),
            format: later.format.or(self.format),
            json: later.json || self.json,
            verbose: later.verbose || self.verbose,
            debug: later.debug || self.debug,
        }
    }

    /// The options as clap gives them: environment variables and defaults for what is not
    /// written. `None` for conflicts, and for an environment variable clap might not take
    /// as it is read here (clap parses it at every level, even where the line gives the
    /// option).
    fn finish(self) -> Option<(ConnArgs, OutputArgs)> {
        if (self.no_password && self.prompt_password) || (self.json && self.format.is_some()) {
            return None;
        }
        let env_hosts = env("PCPHOST", hosts)?;
        let env_port = env("PCPPORT", port)?;
        let env_user = env("PCPUSER", |user| Some(user.to_owned()))?;
        let conn = ConnArgs {
            hosts: self.hosts.or(env_hosts).unwrap_or_default(),
            port: self.port.or(env_port).unwrap_or(pcp_client::DEFAULT_PORT),
            user: self.user.or(env_user),
            no_password: self.no_password,
            prompt_password: self.prompt_password,
            passfile: self.passfile,
            password: self.password,
            prefer_leader: self.prefer_leader,
            timeout: self.timeout,
        };
        let out = OutputArgs {
            format: self.format,
            json: self.json,
            verbose: self.verbose,
            debug: self.debug,
        };
        Some((conn, out))
    }
}

/// An environment variable clap reads, parsed: `Some(None)` if unset, `None` if set but
/// empty, not UTF-8 or not valid (left to clap).
fn env<T>(name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Option<Option<T>> {
    match std::env::var_os(name) {
        None => Some(None),
        Some(value) => value
            .to_str()
            .filter(|v| !v.is_empty())
            .and_then(parse)
            .map(Some),
    }
}

/// The subcommands taken here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    NodeCount,
    NodeInfo,
    HealthCheckStats,
    ProcCount,
    ProcInfo,
    PoolStatus,
    Attach,
    Detach,
    Promote,
    IsPrimary,
    Resolve,
    /// `lb`, its subcommand not read yet.
    Lb,
    LbAttach,
    LbDetach,
}

impl Name {
    fn of(word: &str) -> Option<Name> {
        Some(match word {
            "node-count" => Name::NodeCount,
            "node-info" => Name::NodeInfo,
            "health-check-stats" => Name::HealthCheckStats,
            "proc-count" => Name::ProcCount,
            "proc-info" => Name::ProcInfo,
            "pool-status" => Name::PoolStatus,
            "attach" => Name::Attach,
            "detach" => Name::Detach,
            "promote" => Name::Promote,
            "is-primary" => Name::IsPrimary,
            "resolve" => Name::Resolve,
            "lb" => Name::Lb,
            _ => return None,
        })
    }

    fn of_lb(word: &str) -> Option<Name> {
        match word {
            "attach" => Some(Name::LbAttach),
            "detach" => Some(Name::LbDetach),
            _ => None,
        }
    }

    /// Whether the subcommand has this option of its own (`lb` itself has none).
    fn takes(self, opt: Opt) -> bool {
        use Name::*;
        let target = matches!(self, Attach | Detach | Promote | IsPrimary);
        match opt {
            Opt::NodeId => target || matches!(self, NodeInfo | HealthCheckStats),
            Opt::ProcessId => self == ProcInfo,
            Opt::All => matches!(self, NodeInfo | ProcInfo),
            Opt::NodeHost | Opt::NodePort => target,
            Opt::Graceful => matches!(self, Detach | Promote),
            Opt::Switchover => self == Promote,
            Opt::Wait => matches!(self, Attach | Detach | Promote | LbAttach | LbDetach),
            _ => false,
        }
    }
}

/// What was written after the subcommand's name, other than root options.
#[derive(Debug, Default)]
struct SubWords<'a> {
    positionals: Vec<&'a str>,
    /// `-n` or `-P`.
    id: Option<u32>,
    all: bool,
    node_host: Option<&'a str>,
    node_port: Option<u16>,
    graceful: bool,
    switchover: bool,
    wait: Option<Duration>,
}

impl<'a> SubWords<'a> {
    /// Takes a subcommand option, `None` if the subcommand has no such option or clap would
    /// reject it.
    fn set(&mut self, name: Name, opt: Opt, value: Option<&'a str>) -> Option<bool> {
        if !name.takes(opt) {
            return None;
        }
        match opt {
            Opt::NodeId | Opt::ProcessId => once(&mut self.id, Some(number(value?)?)),
            Opt::All => flag(&mut self.all),
            Opt::NodeHost => once(&mut self.node_host, value),
            Opt::NodePort => once(&mut self.node_port, Some(port(value?)?)),
            Opt::Graceful => flag(&mut self.graceful),
            Opt::Switchover => flag(&mut self.switchover),
            Opt::Wait => {
                let wait = cli::parse_seconds(value.unwrap_or("30")).ok()?;
                once(&mut self.wait, Some(wait))
            }
            _ => None,
        }
    }

    /// The subcommand with its arguments; `None` where clap would reject them.
    fn command(self, name: Name) -> Option<Command> {
        let mut positionals = self.positionals.into_iter();
        let first = positionals.next();
        let second = positionals.next();
        if positionals.next().is_some()
            || (second.is_some() && !matches!(name, Name::LbAttach | Name::LbDetach))
        {
            return None;
        }
        let wait = WaitArgs { wait: self.wait };
        let bare = |command: Command| first.is_none().then_some(command);
        // `-n N` or a positional NODE_ID, not both.
        let select = || -> Option<NodeSelectArgs> {
            let node = first.map(number).map_or(Some(None), |n| n.map(Some))?;
            (self.id.is_none() || node.is_none()).then_some(NodeSelectArgs {
                node_id: self.id,
                node,
            })
        };
        // Exactly one of NODE_ID|HOST[:PORT], -n, --node-host; --node-port needs --node-host.
        let target = || -> Option<TargetArgs> {
            let given = [first.is_some(), self.id.is_some(), self.node_host.is_some()];
            let ok = given.iter().filter(|&&g| g).count() == 1
                && (self.node_port.is_none() || self.node_host.is_some());
            ok.then(|| TargetArgs {
                target: first.map(str::to_owned),
                node_id: self.id,
                node_host: self.node_host.map(str::to_owned),
                node_port: self.node_port,
            })
        };
        let lb = |wait| -> Option<LbArgs> {
            Some(LbArgs {
                host: first?.to_owned(),
                node_type: second.map(str::to_owned),
                wait,
            })
        };
        match name {
            Name::NodeCount => bare(Command::NodeCount),
            Name::ProcCount => bare(Command::ProcCount),
            Name::PoolStatus => bare(Command::PoolStatus),
            Name::NodeInfo => Some(Command::NodeInfo(NodeInfoArgs {
                select: select()?,
                all: self.all,
            })),
            Name::HealthCheckStats => Some(Command::HealthCheckStats(select()?)),
            Name::ProcInfo => {
                let select = select()?;
                Some(Command::ProcInfo(ProcInfoArgs {
                    pid_opt: select.node_id,
                    pid: select.node,
                    all: self.all,
                }))
            }
            Name::Attach => Some(Command::Attach(AttachArgs {
                target: target()?,
                wait,
            })),
            Name::Detach => Some(Command::Detach(DetachArgs {
                target: target()?,
                graceful: self.graceful,
                wait,
            })),
            Name::Promote => Some(Command::Promote(PromoteArgs {
                target: target()?,
                graceful: self.graceful,
                switchover: self.switchover,
                wait,
            })),
            Name::IsPrimary => Some(Command::IsPrimary(target()?)),
            Name::Resolve => Some(Command::Resolve(ResolveArgs {
                host: first?.to_owned(),
            })),
            Name::LbAttach => Some(Command::Lb(LbCommand::Attach(lb(wait)?))),
            Name::LbDetach => Some(Command::Lb(LbCommand::Detach(lb(wait)?))),
            Name::Lb => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(Into::into).collect()
    }

    /// Where this parser takes a line, the whole clap tree must give the same `Cli`. True if
    /// it took the line.
    fn agrees(args: &[OsString]) -> bool {
        let Some(quick) = parse(args) else {
            return false;
        };
        match cli::parse_whole_tree(args) {
            Some(whole) => assert_eq!(format!("{quick:?}"), format!("{whole:?}"), "{args:?}"),
            None => panic!("{args:?}: taken here, rejected by clap"),
        }
        true
    }

    /// Examples of every subcommand taken here, in each form.
    const EXAMPLES: &[&str] = &[
        "pcpctl node-count",
        "pcpctl -h db1 -p 9999 -U u -w node-count --json",
        "pcpctl node-info -h db1 -p 9999 -U u -w -v 1",
        "pcpctl -h a,b:1 -h /tmp node-info --all -n 2",
        "pcpctl node-info --node-id 2 -a",
        "pcpctl node-info --node-id=2 --format=human",
        "pcpctl health-check-stats 0 --format pcp",
        "pcpctl health-check-stats -n 1",
        "pcpctl proc-count -d",
        "pcpctl proc-info -P 123 -a --timeout 2.5",
        "pcpctl proc-info --process-id=123",
        "pcpctl proc-info 123 --all",
        "pcpctl pool-status --verbose --debug",
        "pcpctl attach 1",
        "pcpctl attach -n 1 --wait",
        "pcpctl attach db2:5432 --wait=3",
        "pcpctl attach --node-host db2 --node-port 5432 --wait=3",
        "pcpctl attach --wait 1",
        "pcpctl detach -g 2 --wait",
        "pcpctl detach --gracefully --node-host=db2",
        "pcpctl promote -g -s --node-host db3",
        "pcpctl promote 1 --switchover --wait=0.5",
        "pcpctl is-primary 10.0.0.2",
        "pcpctl is-primary -n 0",
        "pcpctl resolve db1:5433",
        "pcpctl resolve attach",
        "pcpctl lb attach 10.0.0.1 s --wait=2.5",
        "pcpctl lb detach 10.0.0.1",
        "pcpctl -U attach attach 1",
        "pcpctl -h a node-count -h b",
        "pcpctl -h a,b node-count -h c -h d",
        "pcpctl -p 1 node-count -p 2",
        "pcpctl -w node-count -w",
        "pcpctl --json node-count --json",
        "pcpctl --format json node-count --format pcp",
        "pcpctl --timeout 1 node-count --timeout 2",
        "pcpctl -U a node-count -U b --pass x --passfile /x",
        "pcpctl -h a lb -h b attach 10.0.0.1 -h c -v",
        "pcpctl -h a lb attach -w 10.0.0.1 p --wait=1",
        "pcpctl --host=db1 --port=9898 --username=u --no-password --prefer-leader node-count",
        "pcpctl --password node-count",
        "pcpctl --host=-x node-count",
    ];

    /// The command lines benches/cli/section.sh times (its `label|tool|subcommand` rows, with
    /// its connection options and `--format=pcp`), and the node-info and start-up lines it
    /// also runs.
    fn bench_lines() -> Vec<String> {
        let conn = "pcpctl -h 127.0.0.1 -p 9898 -U pcpadmin -w";
        let script = include_str!("../../benches/cli/section.sh");
        let rows: Vec<String> = script
            .lines()
            .filter_map(|line| {
                let row = line.trim().strip_prefix('"')?.strip_suffix('"')?;
                let mut fields = row.split('|');
                let (_label, _tool, sub) = (fields.next()?, fields.next()?, fields.next()?);
                fields
                    .next()
                    .is_none()
                    .then(|| format!("{conn} {sub} --format=pcp"))
            })
            .collect();
        assert!(rows.len() >= 8, "section.sh's rows not found: {rows:?}");
        let mut lines = rows;
        lines.push(format!("{conn} node-info --all --format=pcp"));
        lines.push(format!("{conn} attach -n 1 --format=pcp"));
        lines
    }

    /// The pcpctl command lines in README.md and docs/cli.md, EFM's %h and %t substituted,
    /// except those of subcommands left to clap.
    fn doc_lines() -> Vec<String> {
        let docs = [
            include_str!("../../README.md"),
            include_str!("../../docs/cli.md"),
        ];
        let left_to_clap = [
            "watch",
            "install-links",
            "completions",
            "man",
            "follow-primary",
        ];
        let mut lines = Vec::new();
        for line in docs.iter().flat_map(|doc| doc.lines()) {
            let line = line.trim();
            let Some(at) = line.find("pcpctl ") else {
                continue;
            };
            if !(at == 0 || line.contains("=/usr/local/bin/pcpctl ")) {
                continue;
            }
            let command = line.get(at..).unwrap_or_default();
            let command = [" #", " |", " >"]
                .iter()
                .fold(command, |c, cut| c.split(cut).next().unwrap_or(c))
                .trim();
            if command
                .split(' ')
                .any(|w| left_to_clap.contains(&w) || w.contains('`'))
            {
                continue;
            }
            let command = command.replace("%h", "10.0.0.12");
            if command.contains("%t") {
                lines.extend(["p", "s"].map(|t| command.replace("%t", t)));
            } else {
                lines.push(command);
            }
        }
        assert!(
            lines.iter().filter(|l| l.contains(" lb ")).count() >= 6,
            "the EFM hook lines not found: {lines:?}"
        );
        lines
    }

    #[test]
    fn takes_the_common_lines_as_clap_does() {
        let lines: Vec<String> = EXAMPLES
            .iter()
            .map(|l| l.to_string())
            .chain(bench_lines())
            .chain(doc_lines())
            .collect();
        for line in &lines {
            assert!(agrees(&words(line)), "not taken: {line}");
        }
    }

    #[test]
    fn agrees_with_clap_on_the_corpus() {
        let taken = cli::PARSE_CORPUS
            .iter()
            .filter(|line| agrees(&words(line)))
            .count();
        assert!(taken >= 20, "only {taken} lines of the corpus taken");
    }

    #[test]
    fn leaves_the_rest_to_clap() {
        for line in [
            "pcpctl",
            "pcpctl --help",
            "pcpctl node-count --help",
            "pcpctl --version",
            "pcpctl -V",
            "pcpctl help node-count",
            "pcpctl -- node-count",
            "pcpctl node-count --",
            "pcpctl -wv node-count",
            "pcpctl -p9999 node-count",
            "pcpctl -n=1 node-info",
            "pcpctl --bogus node-count",
            "pcpctl watch",
            "pcpctl recovery 1",
            "pcpctl node-count node-info",
            "pcpctl node-count 1",
            "pcpctl node-info 1 2",
            "pcpctl node-info -n 1 2",
            "pcpctl node-info -n 1 -n 2",
            "pcpctl node-info -1",
            "pcpctl node-info 4294967296",
            "pcpctl node-info +1",
            "pcpctl -p 0 node-count",
            "pcpctl -p 65536 node-count",
            "pcpctl -p 1 -p 2 node-count",
            "pcpctl -w -w node-count",
            "pcpctl -h -x node-count",
            "pcpctl -h a,,b node-count",
            "pcpctl --host= node-count",
            "pcpctl -U  node-count",
            "pcpctl --json=1 node-count",
            "pcpctl --format PCP node-count",
            "pcpctl --json node-count --format pcp",
            "pcpctl -w node-count -W",
            "pcpctl -n 1 node-info",
            "pcpctl lb",
            "pcpctl lb attach",
            "pcpctl lb -n 1 attach 10.0.0.1",
            "pcpctl lb attach 10.0.0.1 s extra",
            "pcpctl lb attach 10.0.0.1 --wait=",
            "pcpctl attach",
            "pcpctl attach 1 -n 1",
            "pcpctl attach --node-port 5432",
            "pcpctl attach 1 --node-port 5432",
            "pcpctl attach -n 1 --node-host db2",
            "pcpctl attach 1 --wait --wait",
            "pcpctl attach 1 --wait=-1",
            "pcpctl is-primary 1 --wait",
            "pcpctl detach 1 -s",
            "pcpctl node-info -P 1",
            "pcpctl proc-info -n 1",
            "pcpctl resolve",
            "pcpctl resolve a b",
        ] {
            assert!(parse(&words(line)).is_none(), "taken: {line}");
            // And clap does reject most of them; none of them is taken.
            agrees(&words(line));
        }
        let non_utf8 = {
            use std::os::unix::ffi::OsStringExt;
            OsString::from_vec(vec![0xff])
        };
        for at in 1..4 {
            let mut args = words("pcpctl -U u node-count");
            if let Some(word) = args.get_mut(at) {
                *word = non_utf8.clone();
            }
            assert!(parse(&args).is_none(), "{args:?}");
        }
    }

    const VOCABULARY: &[&str] = &[
        "-h",
        "--host",
        "-p",
        "--port",
        "-U",
        "--username",
        "-w",
        "--no-password",
        "-W",
        "--password",
        "--passfile",
        "--pass",
        "--prefer-leader",
        "--timeout",
        "--format",
        "--json",
        "-v",
        "--verbose",
        "-d",
        "--debug",
        "-n",
        "--node-id",
        "-P",
        "--process-id",
        "-a",
        "--all",
        "--node-host",
        "--node-port",
        "-g",
        "--gracefully",
        "-s",
        "--switchover",
        "--wait",
        "--wait=5",
        "--wait=",
        "--wait=x",
        "--help",
        "--version",
        "-V",
        "--",
        "-wv",
        "-p9999",
        "-x",
        "--bogus",
        "--host=db1",
        "--host=",
        "--host=a,b",
        "--host=-x",
        "--port=9999",
        "--port=0",
        "--format=pcp",
        "--format=json",
        "--format=bogus",
        "--json=1",
        "--timeout=2.5",
        "--node-id=1",
        "--username=u",
        "--node-host=db2",
        "--node-port=5432",
        "-n=1",
        "0",
        "1",
        "2",
        "9999",
        "65535",
        "65536",
        "4294967295",
        "4294967296",
        "-1",
        "+1",
        "007",
        "db1",
        "db2:5432",
        "a,b",
        "a,,b",
        "a,",
        "/tmp",
        "",
        "p",
        "s",
        "human",
        "json",
        "pcp",
        "2.5",
        "1e3",
        "nan",
        " 1",
        "-",
    ];

    /// Options with good values, taken as one piece by [`command_line`] (so that random lines
    /// are often good ones).
    const PAIRS: &[&str] = &[
        "-h db1",
        "--host a,b:1",
        "-p 9999",
        "--port 1",
        "-U u",
        "--username pcp",
        "--passfile /x",
        "--pass s",
        "--timeout 2.5",
        "--format pcp",
        "--format json",
        "--format human",
        "-n 1",
        "--node-id 0",
        "-P 123",
        "--process-id 0",
        "--node-host db2",
        "--node-port 5432",
    ];

    /// Random command lines: words before a subcommand name and after it, or any words.
    fn command_line() -> impl Strategy<Value = Vec<String>> {
        // Every subcommand name clap knows, and `lb`'s.
        let names: Vec<String> = cli::command()
            .get_subcommands()
            .map(|sub| sub.get_name().to_owned())
            .chain(["lb attach".into(), "lb detach".into(), "help".into()])
            .collect();
        let word = || proptest::sample::select(VOCABULARY).prop_map(|w| vec![w.to_owned()]);
        let pair = || {
            proptest::sample::select(PAIRS)
                .prop_map(|p| p.split(' ').map(str::to_owned).collect::<Vec<_>>())
        };
        let words = |n| {
            proptest::collection::vec(prop_oneof![1 => word(), 2 => pair()], 0..n)
                .prop_map(|w| w.concat())
        };
        let shaped = (words(5), proptest::sample::select(names.clone()), words(6)).prop_map(
            |(before, name, after)| {
                let mut line = before;
                line.extend(name.split(' ').map(str::to_owned));
                line.extend(after);
                line
            },
        );
        let any = proptest::collection::vec(
            prop_oneof![
                word(),
                proptest::sample::select(names).prop_map(|n| vec![n])
            ],
            0..8,
        )
        .prop_map(|w| w.concat());
        prop_oneof![3 => shaped, 1 => any]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn agrees_with_clap_on_random_lines(line in command_line()) {
            let args: Vec<OsString> =
                std::iter::once("pcpctl".to_owned()).chain(line).map(Into::into).collect();
            agrees(&args);
        }
    }

    /// Set in the child processes of [`environment_defaults_as_clap_reads_them`]: "taken" if
    /// the common lines must be taken in that environment, "left" if none may be.
    const CHILD: &str = "PCPCTL_QUICK_PARSE_TEST_CHILD";

    /// PCPHOST, PCPPORT and PCPUSER, which clap reads from the process environment: each
    /// environment is tried in a child process (this test binary, this test alone).
    #[test]
    fn environment_defaults_as_clap_reads_them() {
        if let Some(expect) = std::env::var_os(CHILD) {
            let taken = EXAMPLES
                .iter()
                .chain(cli::PARSE_CORPUS)
                .filter(|line| agrees(&words(line)))
                .count();
            match expect.to_str() {
                Some("taken") => assert!(taken >= 30, "only {taken} lines taken"),
                _ => assert_eq!(taken, 0, "lines taken"),
            }
            return;
        }
        let non_utf8 = {
            use std::os::unix::ffi::OsStringExt;
            OsString::from_vec(vec![b'a', 0xff])
        };
        let cases: Vec<(Vec<(&str, OsString)>, &str)> = vec![
            (vec![], "taken"),
            (
                vec![
                    ("PCPHOST", "db1,db2:9999".into()),
                    ("PCPPORT", "9797".into()),
                    ("PCPUSER", "someone".into()),
                ],
                "taken",
            ),
            (vec![("PCPHOST", "/tmp".into())], "taken"),
            (
                vec![("PCPHOST", "-x".into()), ("PCPUSER", "-U".into())],
                "taken",
            ),
            (vec![("PCPPORT", "65535".into())], "taken"),
            (vec![("PCPHOST", "".into())], "left"),
            (vec![("PCPHOST", "a,,b".into())], "left"),
            (vec![("PCPHOST", non_utf8.clone())], "left"),
            (vec![("PCPPORT", "".into())], "left"),
            (vec![("PCPPORT", "0".into())], "left"),
            (vec![("PCPPORT", "65536".into())], "left"),
            (vec![("PCPPORT", "x".into())], "left"),
            (vec![("PCPPORT", " 1".into())], "left"),
            (vec![("PCPUSER", "".into())], "left"),
            (vec![("PCPUSER", non_utf8)], "left"),
        ];
        let name = "quick_parse::tests::environment_defaults_as_clap_reads_them";
        let exe = std::env::current_exe().expect("the test binary");
        for (vars, expect) in cases {
            let mut child = std::process::Command::new(&exe);
            child.args(["--exact", name, "--nocapture", "--test-threads=1"]);
            for var in ["PCPHOST", "PCPPORT", "PCPUSER"] {
                child.env_remove(var);
            }
            child
                .envs(vars.iter().map(|(k, v)| (k, v)))
                .env(CHILD, expect);
            let out = child.output().expect("run the test binary");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("1 passed"),
                "{vars:?} ({expect}):\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
