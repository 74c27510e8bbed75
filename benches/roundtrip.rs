//! Round trips per second on one PCP connection through `pcp-client`, the counterpart of
//! `benches/libpcp/roundtrip.c`.
//!
//! usage: pcp-roundtrip HOST PORT USER PASSWORD COMMAND ITERATIONS [BATCH]
//!   COMMAND: node-count | node-info | node-count-pipelined (BATCH requests per write)
//! prints:  rust COMMAND ITERATIONS SECONDS

use std::process::ExitCode;
use std::time::Instant;

use pcp_client::proto::Request;
use pcp_client::{Client, Config, Endpoint};

fn usage() -> ExitCode {
    eprintln!("usage: pcp-roundtrip HOST PORT USER PASSWORD node-count|node-info|node-count-pipelined ITERATIONS [BATCH]");
    ExitCode::from(2)
}

async fn run(
    client: &mut Client,
    command: &str,
    iterations: u64,
    batch: usize,
) -> Result<(), String> {
    match command {
        "node-count" => {
            for _ in 0..iterations {
                client.node_count().await.map_err(|e| e.to_string())?;
            }
        }
        "node-info" => {
            for _ in 0..iterations {
                client.node_info(0).await.map_err(|e| e.to_string())?;
            }
        }
        "node-count-pipelined" => {
            let requests = vec![Request::NodeCount; batch.max(1)];
            let mut done = 0u64;
            while done < iterations {
                let n =
                    usize::try_from((iterations - done).min(requests.len() as u64)).unwrap_or(1);
                let replies = client
                    .pipeline(&requests[..n])
                    .await
                    .map_err(|e| e.to_string())?;
                for reply in replies {
                    reply.map_err(|e| e.to_string())?;
                }
                done += n as u64;
            }
        }
        other => return Err(format!("unknown command {other}")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, host, port, user, password, command, iterations, rest @ ..] = args.as_slice() else {
        return usage();
    };
    let (Ok(port), Ok(iterations)) = (port.parse::<u16>(), iterations.parse::<u64>()) else {
        return usage();
    };
    let batch = rest.first().and_then(|b| b.parse().ok()).unwrap_or(64);
    let runtime = match pcp_benches::current_thread_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let mut config = Config::new();
        config
            .endpoint(Endpoint::new(host, port))
            .user(user.as_str())
            .password(password.as_str());
        let mut client = config.connect().await.map_err(|e| e.to_string())?;
        let started = Instant::now();
        run(&mut client, command, iterations, batch).await?;
        let elapsed = started.elapsed();
        client.close().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(elapsed)
    });
    match result {
        Ok(elapsed) => {
            println!("rust {command} {iterations} {:.6}", elapsed.as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
