//! Quick start: connect to Pgpool's PCP port, print every backend, and say which is the
//! primary.
//!
//! ```sh
//! PCPHOST=127.0.0.1 PCPPORT=9898 PCPUSER=pcpadmin \
//!     cargo run -p pgpool-pcp-client --example node_status
//! ```
//!
//! The password comes from the `.pcppass` file (`$PCPPASSFILE`, else `~/.pcppass`), as with
//! Pgpool's own tools. The test `pcp-client/tests/example_quickstart.rs` runs this against the
//! sandbox (`scripts/sandbox up`).

use std::fmt::Write as _;
use std::process::ExitCode;

use pcp_client::{Client, Config, Endpoint, DEFAULT_PORT};

/// A table of the backends: id, address, status, role, replication state.
pub async fn report(client: &mut Client) -> Result<String, pcp_client::Error> {
    let reply = client.node_info_all().await?;
    let mut out = format!("Pgpool {} layout\n", reply.generation());
    for (id, node) in reply.nodes.iter().enumerate() {
        let replication = node
            .replication_state
            .as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        let _ = writeln!(
            out,
            "node {id}: {}:{} {} {} {replication}",
            node.hostname,
            node.port,
            node.effective_status(),
            node.role,
        );
    }
    match reply.nodes.iter().position(|n| n.role.is_primary()) {
        Some(id) => {
            let _ = writeln!(out, "primary: node {id}");
        }
        None => out.push_str("primary: none\n"),
    }
    Ok(out)
}

/// The configuration from `$PCPHOST`, `$PCPPORT` and `$PCPUSER`.
pub fn config_from_env() -> Config {
    let host = std::env::var("PCPHOST").unwrap_or_else(|_| "localhost".to_owned());
    let port = std::env::var("PCPPORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_PORT);
    let mut config = Config::new();
    config.endpoint(Endpoint::tcp(host, port));
    if let Ok(user) = std::env::var("PCPUSER") {
        config.user(user);
    }
    config
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let run = async {
        let mut client = config_from_env().connect().await?;
        let text = report(&mut client).await?;
        client.close().await?;
        Ok::<_, pcp_client::Error>(text)
    };
    match run.await {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("node_status: {e}");
            ExitCode::FAILURE
        }
    }
}
