//! The glue operations timed inside a running program: what an HA daemon, a monitoring job or
//! the Python package pays per operation, without a process start. The counterpart of the
//! whole-process figures of `benches/glue/section.sh`.
//!
//! usage: pcp-bench-glue OP HOST [RUNS] [fresh|kept] [FILE]
//!   OP:    is-primary | attach | detach
//!   HOST:  the backend as EFM names it (HOST[:PORT])
//!   RUNS:  operations to time (default 1)
//!   fresh: every operation opens its own PCP session, as a hook does (default);
//!   kept:  one session, opened before the first timed operation, serves them all
//!
//! Connection from PCP_HOST, PCP_PORT, PCP_USER and PCPPASSFILE (the sandbox's env file).
//! Prints one line per operation, the operation's wall time in microseconds, on standard output
//! or appended to FILE.
//! attach and detach do not wait for Pgpool to apply the change (as the baseline script).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use pcp_client::glue::host::HostSpec;
use pcp_client::glue::ops::{GlueOptions, Target};
use pcp_client::{Client, Config};

fn config() -> Result<Config, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let port = var("PCP_PORT")?
        .parse::<u16>()
        .map_err(|e| format!("PCP_PORT: {e}"))?;
    let mut config = Config::new();
    config
        .host(&var("PCP_HOST")?, port)
        .user(var("PCP_USER")?)
        .pcppass_file(var("PCPPASSFILE")?);
    Ok(config)
}

async fn operation(client: &mut Client, op: &str, target: &Target) -> Result<(), String> {
    let options = GlueOptions::default();
    let result = match op {
        "is-primary" => client.is_primary(target).await.map(|_| ()),
        "attach" => client.attach(target, &options).await.map(|_| ()),
        "detach" => client.detach(target, false, &options).await.map(|_| ()),
        other => return Err(format!("unknown operation {other}")),
    };
    result.map_err(|e| e.to_string())
}

async fn run(op: &str, target: &Target, runs: u32, kept: bool) -> Result<Vec<u128>, String> {
    let config = config()?;
    let mut kept_client = if kept {
        let mut client = Client::connect(config.clone())
            .await
            .map_err(|e| e.to_string())?;
        client.node_count().await.map_err(|e| e.to_string())?;
        Some(client)
    } else {
        None
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        match kept_client.as_mut() {
            Some(client) => operation(client, op, target).await?,
            None => {
                let mut client = Client::connect(config.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                operation(&mut client, op, target).await?;
                client.close().await.map_err(|e| e.to_string())?;
            }
        }
        times.push(start.elapsed().as_micros());
    }
    Ok(times)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(op), Some(host)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: pcp-bench-glue is-primary|attach|detach HOST[:PORT] [RUNS] [fresh|kept] [FILE]"
        );
        return ExitCode::from(2);
    };
    let runs = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(1);
    let kept = args.get(3).is_some_and(|mode| mode == "kept");
    let target = match host.parse::<HostSpec>() {
        Ok(spec) => Target::Host(spec),
        Err(e) => {
            eprintln!("pcp-bench-glue: {host}: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match pcp_benches::current_thread_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pcp-bench-glue: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(op, &target, runs, kept)) {
        Ok(times) => {
            let text: String = times.iter().map(|t| format!("{t}\n")).collect();
            let written = match args.get(4) {
                Some(path) => std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut file| file.write_all(text.as_bytes())),
                None => std::io::stdout().write_all(text.as_bytes()),
            };
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("pcp-bench-glue: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("pcp-bench-glue: {e}");
            ExitCode::FAILURE
        }
    }
}
