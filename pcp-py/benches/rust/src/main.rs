//! Rust baseline for `benches/roundtrip.py`: the per-call cost of a node-count round trip with
//! `pcp_client` on one session, on a current-thread and on a multi-thread tokio runtime.
//!
//! Usage: pcp-py-roundtrip HOST PORT USER PASSWORD [ITERATIONS] [ROUNDS]
//! Prints one JSON object: the median over rounds of the mean per-call time, in microseconds.
//!
//! `pcp-py-roundtrip HOST PORT USER PASSWORD serve`: one session on a current-thread runtime;
//! for each line `N` read from stdin, runs N calls and prints the mean per-call wall time and
//! CPU time of the process (µs; the runtime runs on the main thread only), so that a driver can
//! interleave it with other clients.

use std::time::{Duration, Instant};

use pcp_client::{Config, Endpoint};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn rounds(config: Config, iterations: u32, rounds: u32) -> Result<f64, pcp_client::Error> {
    let mut client = config.connect().await?;
    for _ in 0..iterations.min(200) {
        client.node_count().await?;
    }
    let mut per_call = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(client.node_count().await?);
        }
        per_call.push(start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations));
    }
    client.close().await?;
    Ok(median(per_call))
}

/// CPU time of the calling thread so far (ns), from the scheduler's statistics.
fn thread_cpu_ns() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::{BufRead, Write};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut client = rt.block_on(config.connect())?;
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let n: u32 = line?.trim().parse()?;
        let (start, cpu) = (Instant::now(), thread_cpu_ns());
        for _ in 0..n {
            std::hint::black_box(rt.block_on(client.node_count())?);
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n.max(1));
        let cpu_us = (thread_cpu_ns() - cpu) / 1e3 / f64::from(n.max(1));
        writeln!(stdout, "{us:.2} {cpu_us:.2}")?;
        stdout.flush()?;
    }
    rt.block_on(client.close())?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, what: &str| -> Result<String, String> {
        args.get(i)
            .cloned()
            .ok_or_else(|| format!("missing {what}; usage: pcp-py-roundtrip HOST PORT USER PASSWORD [ITERATIONS] [ROUNDS]"))
    };
    let host = arg(0, "HOST")?;
    let port: u16 = arg(1, "PORT")?.parse()?;
    let user = arg(2, "USER")?;
    let password = arg(3, "PASSWORD")?;
    if args.get(4).map(String::as_str) == Some("serve") {
        let mut config = Config::new();
        config
            .endpoint(Endpoint::tcp(host, port))
            .user(user)
            .password(password);
        return serve(config);
    }
    let iterations: u32 = args.get(4).map_or(Ok(2000), |s| s.parse())?;
    let round_count: u32 = args.get(5).map_or(Ok(5), |s| s.parse())?;

    let mut config = Config::new();
    config
        .endpoint(Endpoint::tcp(host, port))
        .user(user)
        .password(password)
        .request_timeout(Some(Duration::from_secs(10)));

    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(rounds(config.clone(), iterations, round_count))?;
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(rounds(config, iterations, round_count))?;
    println!(
        "{{\"iterations\": {iterations}, \"rounds\": {round_count}, \"current_thread_us\": {current:.2}, \"multi_thread_us\": {multi:.2}}}"
    );
    Ok(())
}
