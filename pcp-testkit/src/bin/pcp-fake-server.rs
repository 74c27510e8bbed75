//! `pcp-fake-server`: the fake PCP server as a process, for tests outside Rust (Python) and for
//! trying a client by hand.
//!
//! ```text
//! pcp-fake-server [--version 4.3|master] [--fault NAME] [--user U] [--password P]
//! pcp-fake-server --list     (one fault a line: name, call, error kind or Ok, fatal, what)
//! ```
//!
//! Prints `PORT=<port>` on the first line of stdout once it listens on 127.0.0.1, then serves
//! until stdin is closed or it is killed. With `--fault`, every request of the fault's command
//! (on every connection) gets the fault's actions; other requests get the model's answer.

use std::io::{BufRead, Write};

use pcp_proto::{NodeSelector, Request, Version, WatchdogState};
use pcp_testkit::{Expect, FakeServer, Fault, Model};

fn parse_version(text: &str) -> Option<Version> {
    if text == "master" {
        return Some(Version::new(4, 8));
    }
    let (major, minor) = text.split_once('.')?;
    Some(Version::new(major.parse().ok()?, minor.parse().ok()?))
}

/// The request as a client method call: `node_count`, `node_info 0`, `node_info_all`, ….
fn call_name(request: &Request) -> String {
    match request {
        Request::NodeInfo {
            node: NodeSelector::All,
        } => "node_info_all".into(),
        Request::NodeInfo {
            node: NodeSelector::Id(id),
        } => format!("node_info {id}"),
        Request::SetParameter { name, value } => format!("set_parameter {name} {value}"),
        other => other.command().name().replace(' ', "_"),
    }
}

fn usage(message: &str) -> ! {
    eprintln!("pcp-fake-server: {message}");
    eprintln!(
        "usage: pcp-fake-server [--version X.Y|master] [--fault NAME] [--watchdog] [--user U] [--password P] | --list"
    );
    std::process::exit(2);
}

fn main() {
    let mut version = None;
    let mut fault = None;
    let mut user = "pcpadmin".to_owned();
    let mut password = "secret".to_owned();
    let mut watchdog = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--version" => {
                let text = value();
                version = Some(
                    parse_version(&text).unwrap_or_else(|| usage(&format!("bad version {text}"))),
                );
            }
            "--fault" => {
                let name = value();
                fault =
                    Some(Fault::named(&name).unwrap_or_else(|| usage(&format!("no fault {name}"))));
            }
            "--user" => user = value(),
            "--password" => password = value(),
            "--watchdog" => watchdog = true,
            "--list" => {
                // name, call, expected error kind (or Ok), fatal, description
                for f in Fault::all() {
                    let (kind, fatal) = match f.expect {
                        Expect::Ok => ("Ok", false),
                        Expect::Error { kind, fatal } => (kind, fatal),
                    };
                    println!(
                        "{}\t{}\t{kind}\t{fatal}\t{}",
                        f.name,
                        call_name(&f.request),
                        f.what
                    );
                }
                return;
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let version = version
        .or_else(|| fault.as_ref().map(|f| f.version))
        .unwrap_or(Version::new(4, 3));
    let mut model = Model::new(version);
    if watchdog || fault.is_some() {
        model = model.with_watchdog(2, WatchdogState::Leader);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| usage(&format!("tokio: {e}")));
    runtime.block_on(async move {
        let mut builder = FakeServer::builder()
            .user(&user)
            .password(&password)
            .model(model);
        if let Some(fault) = fault {
            builder = builder.handler(move |request, _| {
                (request.command() == fault.command).then(|| fault.actions.clone())
            });
        }
        let server = builder
            .start()
            .await
            .unwrap_or_else(|e| usage(&format!("cannot listen: {e}")));
        println!("PORT={}", server.port());
        let _ = std::io::stdout().flush();
        // Serve until stdin reaches its end (the parent went away) or a signal kills us.
        let _ = tokio::task::spawn_blocking(|| {
            let stdin = std::io::stdin();
            let mut line = String::new();
            while stdin
                .lock()
                .read_line(&mut line)
                .map(|n| n > 0)
                .unwrap_or(false)
            {
                line.clear();
            }
        })
        .await;
        drop(server);
    });
}
