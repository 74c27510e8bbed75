//! pcpctl against a hostile fake server (every fault of `pcp_testkit::faults` that a pcpctl
//! command can reach): a non-zero exit code of the right class with a one-line message, and
//! `--json` carrying the same class; and every read command in every release's format
//! through `pcpctl --json`, with the commands a release lacks exiting as unsupported.

mod common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use pcp_proto::{NodeSelector, Request, Version, WatchdogState};
use pcp_testkit::{Expect, FakeServer, Fault, Model};

fn pcppass() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "*:*:pcpadmin:secret").unwrap();
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    file
}

async fn pcpctl_at(port: u16, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let pass = pcppass();
        let mut cmd = pcpctl();
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "pcpadmin",
            "-w",
        ])
        .args(&args)
        .env("PCPPASSFILE", pass.path());
        run(&mut cmd)
    })
    .await
    .unwrap()
}

/// The pcpctl command that sends `request`, if there is one.
fn args_for(request: &Request) -> Option<Vec<&'static str>> {
    Some(match request {
        Request::NodeCount => vec!["node-count"],
        Request::NodeInfo {
            node: NodeSelector::All,
        } => vec!["node-info"],
        Request::NodeInfo {
            node: NodeSelector::Id(0),
        } => vec!["node-info", "0"],
        Request::PoolStatus => vec!["pool-status"],
        Request::WatchdogInfo { .. } => vec!["watchdog-info"],
        _ => return None,
    })
}

/// pcpctl's exit code and JSON error kind for a client error kind.
fn exit_for(kind: &str) -> (i32, &'static str) {
    match kind {
        "Protocol" => (9, "protocol"),
        "Closed" | "Io" => (3, "connection"),
        "Timeout" => (6, "timeout"),
        "Server" => (5, "server"),
        "Unsupported" => (10, "unsupported"),
        other => panic!("no exit code for {other}"),
    }
}

async fn check_fault(fault: Fault) -> &'static str {
    let Some(args) = args_for(&fault.request) else {
        return "";
    };
    let command = fault.command;
    let actions = fault.actions.clone();
    let server = FakeServer::builder()
        .model(Model::new(fault.version).with_watchdog(2, WatchdogState::Leader))
        .handler(move |request, _| (request.command() == command).then(|| actions.clone()))
        .start()
        .await
        .unwrap();
    for json in [false, true] {
        let mut all: Vec<String> = vec!["--timeout".into(), "1".into()];
        if json {
            all.push("--json".into());
        }
        all.extend(args.iter().map(|s| s.to_string()));
        let started = Instant::now();
        let out = pcpctl_at(server.port(), all.clone()).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(5), "{}: {took:?}", fault.name);
        let Some(status) = out.status.code() else {
            panic!(
                "{}: pcpctl killed by a signal: {:?}",
                fault.name, out.status
            )
        };
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{}: {err}", fault.name);
        match fault.expect {
            Expect::Ok => assert_eq!(status, 0, "{} {all:?}: {err}", fault.name),
            Expect::Error { kind, .. } => {
                let (want, word) = exit_for(kind);
                assert_eq!(status, want, "{} {all:?}: {err}", fault.name);
                if json {
                    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
                        .unwrap_or_else(|e| panic!("{}: {e}: {}", fault.name, stdout(&out)));
                    assert_eq!(doc["error"]["kind"], word, "{}: {doc}", fault.name);
                } else {
                    assert!(out.stdout.is_empty(), "{}: {}", fault.name, stdout(&out));
                    assert_eq!(err.lines().count(), 1, "{}: {err:?}", fault.name);
                    assert!(!err.contains("secret"), "{}: {err}", fault.name);
                }
            }
        }
    }
    fault.name
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reachable_fault_exits_non_zero_with_one_line() {
    let mut tasks = tokio::task::JoinSet::new();
    for fault in Fault::all() {
        tasks.spawn(check_fault(fault));
    }
    let mut checked = 0;
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok("") => {}
            Ok(_) => checked += 1,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        checked >= 30,
        "only {checked} faults reached through pcpctl"
    );
}

async fn json_of(port: u16, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["--json".to_owned()];
    all.extend(args.iter().map(|s| s.to_string()));
    let out = pcpctl_at(port, all).await;
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {} {}", stdout(&out), stderr(&out)));
    (code(&out), doc)
}

#[tokio::test]
async fn every_release_format_through_json() {
    let releases = [
        ("4.0", Version::new(4, 0)),
        ("4.1", Version::new(4, 1)),
        ("4.2", Version::new(4, 2)),
        ("4.3", Version::new(4, 3)),
        ("4.4", Version::new(4, 4)),
        ("4.5", Version::new(4, 5)),
        ("4.6", Version::new(4, 6)),
        ("4.7", Version::new(4, 7)),
        ("master", Version::new(4, 8)),
    ];
    for (label, version) in releases {
        let model = Model::new(version).with_watchdog(3, WatchdogState::Leader);
        let server = FakeServer::builder()
            .model(model.clone())
            .start()
            .await
            .unwrap();
        let port = server.port();

        let (rc, doc) = json_of(port, &["node-count"]).await;
        assert_eq!(
            (rc, doc),
            (0, serde_json::json!({ "node_count": 3 })),
            "{label}"
        );

        let (rc, doc) = json_of(port, &["node-info"]).await;
        assert_eq!(rc, 0, "{label}: {doc}");
        let nodes = doc["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 3, "{label}");
        for (i, node) in nodes.iter().enumerate() {
            let want = model.node_as_sent(i).unwrap();
            assert_eq!(node["node_id"], i, "{label}");
            assert_eq!(node["hostname"], want.hostname.as_str(), "{label}");
            assert_eq!(node["port"], want.port, "{label}");
            assert_eq!(node["status"], "up", "{label}");
            assert_eq!(node["is_primary"], i == 0, "{label}");
            assert_eq!(
                node["last_status_change_epoch"], 1_795_628_742u64,
                "{label}"
            );
        }

        let (rc, doc) = json_of(port, &["health-check-stats", "-n", "1"]).await;
        if version >= Version::new(4, 2) {
            assert_eq!(rc, 0, "{label}: {doc}");
        } else {
            assert_eq!(rc, 10, "{label}: {doc}");
            assert_eq!(doc["error"]["kind"], "unsupported", "{label}");
        }

        let (rc, doc) = json_of(port, &["proc-count"]).await;
        assert_eq!(rc, 0, "{label}");
        assert_eq!(doc["pids"], serde_json::json!(model.pids), "{label}");

        let (rc, doc) = json_of(port, &["proc-info", "--all"]).await;
        assert_eq!(rc, 0, "{label}: {doc}");
        assert_eq!(
            doc["processes"].as_array().unwrap().len(),
            model.process_info_reply(0).processes.len(),
            "{label}"
        );

        let (rc, doc) = json_of(port, &["pool-status"]).await;
        assert_eq!(rc, 0, "{label}");
        assert_eq!(
            doc["settings"].as_array().unwrap().len(),
            model.pool_status().len(),
            "{label}"
        );

        let (rc, doc) = json_of(port, &["watchdog-info"]).await;
        assert_eq!(rc, 0, "{label}: {doc}");
        assert_eq!(doc["node_count"], 3, "{label}");

        for (args, since) in [
            (&["reload"][..], Version::new(4, 2)),
            (&["log-rotate"][..], Version::new(4, 6)),
            (&["invalidate-query-cache"][..], Version::new(4, 6)),
        ] {
            let (rc, doc) = json_of(port, args).await;
            if version >= since {
                assert_eq!(rc, 0, "{label} {args:?}: {doc}");
            } else {
                assert_eq!(rc, 10, "{label} {args:?}: {doc}");
                assert_eq!(doc["error"]["kind"], "unsupported", "{label}");
            }
        }
    }
}

/// Secrets: a password given in argv works but warns; a group- or world-readable `.pcppass`
/// is refused with a visible warning; with every log level on, neither the password nor the
/// file's contents reach stderr or stdout.
#[tokio::test]
async fn passwords_stay_out_of_messages_and_logs() {
    const SECRET: &str = "hunter2-Xq7";
    let server = FakeServer::builder()
        .password(SECRET)
        .start()
        .await
        .unwrap();
    let port = server.port().to_string();
    let run_with = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        tokio::task::spawn_blocking(move || {
            let mut cmd = pcpctl();
            cmd.args(["-h", "127.0.0.1", "-U", "pcpadmin"])
                .args(&args)
                .env("RUST_LOG", "trace");
            for (k, v) in env {
                cmd.env(k, v);
            }
            run(&mut cmd)
        })
    };
    let no_secret = |out: &Output, what: &str| {
        let all = format!("{}{}", stdout(out), stderr(out));
        assert!(
            !all.contains(SECRET),
            "{what}: the password was printed: {all}"
        );
    };

    // Password in argv: accepted, with a warning, and never echoed (even at trace level).
    let args = vec![
        "-p".into(),
        port.clone(),
        "-d".into(),
        "--pass".into(),
        SECRET.into(),
    ];
    let mut with_cmd = args.clone();
    with_cmd.push("node-count".into());
    let out = run_with(with_cmd, vec![]).await.unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: a password on the command line"));
    no_secret(&out, "argv password");

    // A wrong password: authentication error (4), one line without either password.
    let out = run_with(
        vec![
            "-p".into(),
            port.clone(),
            "--pass".into(),
            "wrong-Zz9".into(),
            "node-count".into(),
        ],
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(!stderr(&out).contains("wrong-Zz9"), "{}", stderr(&out));

    // A .pcppass readable by group/others: refused with a visible warning, never read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pcppass");
    std::fs::write(&path, format!("*:*:pcpadmin:{SECRET}\n")).unwrap();
    for mode in [0o640, 0o604, 0o644] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run_with(
            vec![
                "-p".into(),
                port.clone(),
                "-w".into(),
                "-d".into(),
                "node-count".into(),
            ],
            vec![("PCPPASSFILE", path.display().to_string())],
        )
        .await
        .unwrap();
        assert_eq!(code(&out), 4, "mode {mode:o}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("warning"), "mode {mode:o}: {err}");
        assert!(
            err.contains("group or world access"),
            "mode {mode:o}: {err}"
        );
        no_secret(&out, "insecure .pcppass");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run_with(
        vec![
            "-p".into(),
            port,
            "-w".into(),
            "-d".into(),
            "node-count".into(),
        ],
        vec![("PCPPASSFILE", path.display().to_string())],
    )
    .await
    .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    no_secret(&out, "private .pcppass at trace level");
}
