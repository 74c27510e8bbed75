//! One process watching several Pgpool instances: the time of one "watch cycle" (node info of
//! every backend from every Pgpool), measured side by side for
//!
//! * `rust`: pcp-client, one session per Pgpool kept open, every Pgpool asked at once
//!   (`node_info_all` on each session, concurrently, on one current-thread runtime);
//! * `rust-reconnect`: the same, but each cycle opens a new session per Pgpool (connect, log
//!   in, node info, close), to show what the kept-open sessions save;
//! * `python` (with `--python`): a child process holding one `pgpool_pcp.AsyncClient` per
//!   Pgpool (`benches/watch/watch.py`); it times its own `asyncio.gather` per cycle;
//! * `tool`: the anchor, one `pcp_node_info` process per Pgpool (all nodes, Pgpool 4.3+), one
//!   after the other, as a shell loop would run them;
//! * `tool-n` (with `--nodes K`): one `pcp_node_info -n N` process per Pgpool and node.
//!
//! Rounds are interleaved: each round runs one cycle of each contender, starting at a
//! different one each round, so a slow moment of the machine hits all of them alike.
//!
//! usage: pcp-bench-watch [--runs N] [--warmup N] [--raw FILE] [--tool PATH] [--nodes K]
//!                        [--python CMD] [--only NAME,...] HOST USER PASSWORD PORT...
//!
//! CMD is split on white space; the ports are appended. `--only` keeps the named contenders.
//! The tools read the password from `PCPPASSFILE` (inherited). Prints one line per
//! contender, as `pcp-bench-exec` does:
//!   NAME  RUNS  MEDIAN_US  MIN_US  MAX_US  P25_US  P75_US
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::Instant;

use pcp_benches::stats::{summary_line, write_raw};
use pcp_client::{Client, Config, Endpoint};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

struct Options {
    runs: usize,
    warmup: usize,
    raw: Option<String>,
    tool: String,
    nodes: Option<u32>,
    python: Option<String>,
    only: Option<Vec<String>>,
    host: String,
    user: String,
    password: String,
    ports: Vec<u16>,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        runs: 20,
        warmup: 2,
        raw: None,
        tool: "/usr/sbin/pcp_node_info".to_owned(),
        nodes: None,
        python: None,
        only: None,
        host: String::new(),
        user: String::new(),
        password: String::new(),
        ports: Vec::new(),
    };
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => options.runs = number(&value()?)?,
            "--warmup" => options.warmup = number(&value()?)?,
            "--raw" => options.raw = Some(value()?),
            "--tool" => options.tool = value()?,
            "--nodes" => options.nodes = Some(number(&value()?)?),
            "--python" => options.python = Some(value()?),
            "--only" => options.only = Some(value()?.split(',').map(str::to_owned).collect()),
            _ => positional.push(arg),
        }
    }
    let [host, user, password, ports @ ..] = positional.as_slice() else {
        return Err("expected HOST USER PASSWORD PORT...".to_owned());
    };
    options.ports = ports.iter().map(|p| number(p)).collect::<Result<_, _>>()?;
    if options.ports.is_empty() || options.runs == 0 {
        return Err("nothing to run (no port, or --runs 0)".to_owned());
    }
    (options.host, options.user, options.password) = (host.clone(), user.clone(), password.clone());
    Ok(options)
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("not a number: {text:?}"))
}

fn config(options: &Options, port: u16) -> Config {
    let mut config = Config::new();
    config
        .endpoint(Endpoint::new(&options.host, port))
        .user(options.user.as_str())
        .password(options.password.as_str());
    config
}

/// Node info of every backend from every session at once; returns the sessions in their
/// order and the number of nodes each reported.
async fn poll_all(sessions: Vec<Client>) -> Result<(Vec<Client>, Vec<usize>), String> {
    let count = sessions.len();
    let mut set = JoinSet::new();
    for (i, mut client) in sessions.into_iter().enumerate() {
        set.spawn(async move {
            let reply = client.node_info_all().await;
            (i, client, reply)
        });
    }
    let mut back: Vec<Option<(Client, usize)>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (i, client, reply) = joined.map_err(|e| e.to_string())?;
        let reply = reply.map_err(|e| format!("node info: {e}"))?;
        back[i] = Some((client, reply.nodes.len()));
    }
    Ok(back.into_iter().flatten().unzip())
}

/// One new session per Pgpool, all at once: connect, node info of every backend, close.
async fn poll_reconnecting(configs: &[Config]) -> Result<Vec<usize>, String> {
    let mut set = JoinSet::new();
    for config in configs {
        let config = config.clone();
        set.spawn(async move {
            let mut client = config
                .connect()
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let reply = client
                .node_info_all()
                .await
                .map_err(|e| format!("node info: {e}"))?;
            client.close().await.map_err(|e| format!("close: {e}"))?;
            Ok::<_, String>(reply.nodes.len())
        });
    }
    let mut counts = Vec::new();
    while let Some(joined) = set.join_next().await {
        counts.push(joined.map_err(|e| e.to_string())??);
    }
    Ok(counts)
}

/// The Python watcher: a child that answers each line on its stdin with one cycle's time in
/// microseconds.
struct PythonWatcher {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl PythonWatcher {
    fn start(command: &str, ports: &[u16]) -> Result<Self, String> {
        let words: Vec<&str> = command.split_whitespace().collect();
        let (program, args) = words.split_first().ok_or("empty --python command")?;
        let mut child = Command::new(program)
            .args(args)
            .args(ports.iter().map(u16::to_string))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{program}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut watcher = PythonWatcher {
            child,
            stdin,
            stdout,
        };
        let ready = watcher.line()?;
        if ready != "ready" {
            return Err(format!("python watcher: expected \"ready\", got {ready:?}"));
        }
        Ok(watcher)
    }

    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err("python watcher ended".to_owned()),
            Ok(_) => Ok(line.trim().to_owned()),
            Err(e) => Err(format!("python watcher: {e}")),
        }
    }

    fn cycle(&mut self) -> Result<f64, String> {
        writeln!(self.stdin, "cycle")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("python watcher: {e}"))?;
        let answer = self.line()?;
        answer
            .parse()
            .map_err(|_| format!("python watcher: {answer:?}"))
    }

    fn finish(mut self) -> Result<(), String> {
        drop(self.stdin);
        let status = self.child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("python watcher ended with {status}"))
        }
    }
}

/// The anchor: the tool once per Pgpool (and node, with `nodes`), one process after the
/// other.
fn run_tools(options: &Options, nodes: Option<u32>) -> Result<(), String> {
    for port in &options.ports {
        let port = port.to_string();
        let base = [
            "-h",
            options.host.as_str(),
            "-p",
            &port,
            "-U",
            &options.user,
            "-w",
        ];
        let ids: Vec<Option<String>> = match nodes {
            Some(n) => (0..n).map(|k| Some(k.to_string())).collect(),
            None => vec![None],
        };
        for id in ids {
            let mut command = Command::new(&options.tool);
            command.args(base);
            if let Some(id) = &id {
                command.args(["-n", id]);
            }
            let status = command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .map_err(|e| format!("{}: {e}", options.tool))?;
            if !status.success() {
                return Err(format!("{} -p {port} ended with {status}", options.tool));
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Contender {
    Rust,
    RustReconnect,
    Python,
    Tool,
    ToolPerNode(u32),
}

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::Rust => "rust",
            Contender::RustReconnect => "rust-reconnect",
            Contender::Python => "python",
            Contender::Tool => "tool",
            Contender::ToolPerNode(_) => "tool-n",
        }
    }
}

fn check_counts(what: &str, counts: &[usize], expected: &mut Option<usize>) -> Result<(), String> {
    for &n in counts {
        let want = *expected.get_or_insert(n);
        if n != want || n == 0 {
            return Err(format!(
                "{what}: a Pgpool reported {n} nodes, another {want}"
            ));
        }
    }
    Ok(())
}

fn run(options: &Options) -> Result<(), String> {
    let runtime: Runtime = pcp_benches::current_thread_runtime()?;
    let configs: Vec<Config> = options.ports.iter().map(|&p| config(options, p)).collect();
    let mut sessions = runtime.block_on(async {
        let mut sessions = Vec::new();
        for config in &configs {
            sessions.push(
                config
                    .connect()
                    .await
                    .map_err(|e| format!("connect: {e}"))?,
            );
        }
        Ok::<_, String>(sessions)
    })?;
    let mut python = match &options.python {
        Some(command) => Some(PythonWatcher::start(command, &options.ports)?),
        None => None,
    };

    let mut contenders = vec![Contender::Rust, Contender::RustReconnect];
    if python.is_some() {
        contenders.push(Contender::Python);
    }
    contenders.push(Contender::Tool);
    if let Some(n) = options.nodes {
        contenders.push(Contender::ToolPerNode(n));
    }
    if let Some(only) = &options.only {
        contenders.retain(|c| only.iter().any(|name| name == c.name()));
        if contenders.is_empty() {
            return Err(format!("--only {}: no such contender", only.join(",")));
        }
    }
    let k = contenders.len();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut nodes_seen = None;
    for round in 0..options.warmup + options.runs {
        for i in 0..k {
            let at = (round + i) % k;
            let contender = contenders[at];
            let started = Instant::now();
            let micros = match contender {
                Contender::Rust => {
                    let (back, counts) = runtime.block_on(poll_all(sessions))?;
                    let micros = started.elapsed().as_secs_f64() * 1e6;
                    sessions = back;
                    check_counts("rust", &counts, &mut nodes_seen)?;
                    micros
                }
                Contender::RustReconnect => {
                    let counts = runtime.block_on(poll_reconnecting(&configs))?;
                    let micros = started.elapsed().as_secs_f64() * 1e6;
                    check_counts("rust-reconnect", &counts, &mut nodes_seen)?;
                    micros
                }
                Contender::Python => python.as_mut().ok_or("no python watcher")?.cycle()?,
                Contender::Tool => {
                    run_tools(options, None)?;
                    started.elapsed().as_secs_f64() * 1e6
                }
                Contender::ToolPerNode(n) => {
                    run_tools(options, Some(n))?;
                    started.elapsed().as_secs_f64() * 1e6
                }
            };
            if round >= options.warmup {
                samples[at].push(micros);
            }
        }
    }
    if let Some(python) = python {
        python.finish()?;
    }
    runtime.block_on(async {
        for client in sessions {
            client.close().await.map_err(|e| format!("close: {e}"))?;
        }
        Ok::<_, String>(())
    })?;

    if let Some(path) = &options.raw {
        let series = contenders
            .iter()
            .zip(&samples)
            .map(|(c, s)| (c.name(), s.as_slice()));
        write_raw(path, series).map_err(|e| format!("{path}: {e}"))?;
    }
    for (contender, s) in contenders.iter().zip(&mut samples) {
        println!("{}", summary_line(contender.name(), s));
    }
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("pcp-bench-watch: {message}");
            eprintln!(
                "usage: pcp-bench-watch [--runs N] [--warmup N] [--raw FILE] [--tool PATH] [--nodes K] [--python CMD] [--only NAME,...] HOST USER PASSWORD PORT..."
            );
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("pcp-bench-watch: {message}");
            ExitCode::FAILURE
        }
    }
}
