//! pcpctl against the fake PCP server of pcp-testkit: JSON schema, human output and its
//! escaping, exit codes for every error class, the requests actually sent.

mod common;

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use common::*;
use pcp_proto::{Request, Scope, ShutdownMode, Version, WatchdogState};
use pcp_testkit::{Action, FakeServer, Model};

/// A `.pcppass` with the fake server's credentials.
fn pcppass(password: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "*:*:pcpadmin:{password}").unwrap();
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    file
}

/// Runs pcpctl against `server` with `args` (off the runtime's threads).
async fn pcpctl_at(server: &FakeServer, password: &str, args: &[&str]) -> Output {
    let pass = pcppass(password);
    let mut cmd = pcpctl();
    cmd.args([
        "-h",
        "127.0.0.1",
        "-p",
        &server.port().to_string(),
        "-U",
        "pcpadmin",
        "-w",
    ])
    .args(args)
    .env("PCPPASSFILE", pass.path());
    tokio::task::spawn_blocking(move || {
        let out = run(&mut cmd);
        drop(pass);
        out
    })
    .await
    .unwrap()
}

async fn ok(server: &FakeServer, args: &[&str]) -> String {
    let out = pcpctl_at(server, "secret", args).await;
    assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    stdout(&out)
}

async fn json(server: &FakeServer, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let text = ok(server, &all).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_schema_of_every_read_command() {
    let model = Model::new(Version::new(4, 3)).with_watchdog(3, WatchdogState::Leader);
    let server = FakeServer::builder().model(model).start().await.unwrap();

    let doc = json(&server, &["node-count"]).await;
    assert_eq!(doc, serde_json::json!({ "node_count": 3 }));

    let doc = json(&server, &["node-info"]).await;
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    assert_eq!(
        keys(&nodes[0]),
        sorted(&[
            "node_id",
            "hostname",
            "port",
            "status",
            "status_code",
            "quarantined",
            "pg_status",
            "weight",
            "role",
            "is_primary",
            "pg_role",
            "replication_delay_bytes",
            "replication_delay_seconds",
            "replication_state",
            "replication_sync_state",
            "last_status_change",
            "last_status_change_epoch",
        ])
    );
    assert_eq!(nodes[0]["hostname"], "localhost");
    assert_eq!(nodes[0]["role"], "primary");
    assert_eq!(nodes[0]["is_primary"], true);
    assert_eq!(nodes[0]["replication_state"], serde_json::Value::Null);
    assert_eq!(nodes[1]["node_id"], 1);
    assert_eq!(nodes[1]["status"], "up");
    assert_eq!(nodes[1]["status_code"], 2);
    assert_eq!(nodes[1]["replication_state"], "streaming");
    assert_eq!(nodes[1]["replication_sync_state"], "async");
    assert_eq!(nodes[1]["last_status_change_epoch"], 1_795_628_742u64);
    let weight = nodes[1]["weight"].as_f64().unwrap();
    assert!((weight - 1.0 / 3.0).abs() < 1e-6, "{weight}");
    let when = nodes[1]["last_status_change"].as_str().unwrap();
    assert_eq!(when.len(), 25, "RFC 3339 with offset: {when}");

    let doc = json(&server, &["node-info", "-n", "2"]).await;
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(doc["nodes"][0]["node_id"], 2);

    let doc = json(&server, &["health-check-stats"]).await;
    let stats = doc["nodes"].as_array().unwrap();
    assert_eq!(stats.len(), 3);
    for key in [
        "node_id",
        "hostname",
        "port",
        "status",
        "role",
        "last_status_change",
        "total_count",
        "success_count",
        "fail_count",
        "skip_count",
        "retry_count",
        "average_retry_count",
        "max_retry_count",
        "max_duration_ms",
        "min_duration_ms",
        "average_duration_ms",
        "last_health_check",
        "last_successful_health_check",
        "last_skip_health_check",
        "last_failed_health_check",
    ] {
        assert!(
            stats[0].get(key).is_some(),
            "health-check-stats lacks {key}"
        );
    }

    let doc = json(&server, &["proc-count"]).await;
    assert_eq!(
        doc,
        serde_json::json!({ "process_count": 4, "pids": [4101, 4102, 4103, 4104] })
    );

    let doc = json(&server, &["proc-info", "--all"]).await;
    let procs = doc["processes"].as_array().unwrap();
    assert!(!procs.is_empty());
    for key in [
        "pid",
        "start_time",
        "start_time_note",
        "client_connection_count",
        "pool_id",
        "backend_id",
        "database",
        "username",
        "protocol_major",
        "protocol_minor",
        "backend_connection_time",
        "client_connection_time",
        "client_disconnection_time",
        "client_idle_seconds",
        "client_idle_note",
        "pool_counter",
        "backend_pid",
        "connected",
        "status",
        "load_balance_node",
        "client_host",
        "client_port",
        "statement",
    ] {
        assert!(procs[0].get(key).is_some(), "proc-info lacks {key}");
    }

    let doc = json(&server, &["pool-status"]).await;
    let settings = doc["settings"].as_array().unwrap();
    assert!(settings
        .iter()
        .any(|s| s["name"] == "backend_hostname0" && s["value"] == "localhost"));
    assert_eq!(
        keys(&settings[0]),
        sorted(&["name", "value", "description"])
    );

    let doc = json(&server, &["watchdog-info"]).await;
    assert_eq!(doc["node_count"], 3);
    assert_eq!(doc["quorum"], "exists");
    assert_eq!(doc["escalated"], true);
    let wd = doc["nodes"].as_array().unwrap();
    assert_eq!(wd.len(), 3);
    assert_eq!(wd[0]["state"], "LEADER");
    assert_eq!(wd[0]["state_code"], 4);
    for key in [
        "id",
        "node_name",
        "host_name",
        "delegate_ip",
        "pgpool_port",
        "watchdog_port",
        "priority",
        "state",
        "state_code",
        "membership",
        "membership_code",
        "lifecheck_started",
    ] {
        assert!(wd[0].get(key).is_some(), "watchdog node lacks {key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_send_the_right_requests() {
    let server = FakeServer::start(Version::new(4, 3)).await.unwrap();

    // Attach of an attached node: nothing is sent.
    let text = ok(&server, &["attach", "1"]).await;
    assert!(
        text.starts_with("node 1 (127.0.0.2:5432): nothing to do, already attached"),
        "{text}"
    );
    assert!(!server.requests().contains(&Request::AttachNode { node: 1 }));
    server.update_model(|m| m.nodes[1].status = pcp_proto::BackendStatus::Down);
    let text = ok(&server, &["attach", "1"]).await;
    assert!(
        text.starts_with("node 1 (127.0.0.2:5432): attach requested"),
        "{text}"
    );
    let doc = json(&server, &["detach", "-n", "2", "-g"]).await;
    assert_eq!(doc["command"], "detach");
    assert_eq!(doc["result"], "accepted");
    assert_eq!(doc["node_id"], 2);
    assert_eq!(doc["graceful"], true);
    let text = ok(&server, &["--format=pcp", "promote", "2", "-s"]).await;
    assert_eq!(text, "pcp_promote_node -- Command Successful\n");
    let text = ok(&server, &["--format", "pcp", "recovery", "1"]).await;
    assert_eq!(text, "pcp_recovery_node -- Command Successful\n");
    let doc = json(&server, &["stop", "-m", "fast", "-s", "cluster"]).await;
    assert_eq!(doc["mode"], "fast");
    assert_eq!(doc["scope"], "cluster");
    ok(&server, &["reload", "--scope", "cluster"]).await;

    let sent: Vec<Request> = server
        .requests()
        .into_iter()
        .filter(|r| {
            !matches!(
                r,
                Request::Salt | Request::Authenticate { .. } | Request::Terminate
            )
        })
        .collect();
    assert!(sent.contains(&Request::AttachNode { node: 1 }), "{sent:?}");
    assert!(sent.contains(&Request::DetachNode {
        node: 2,
        graceful: true
    }));
    assert!(sent.contains(&Request::PromoteNode {
        node: 2,
        graceful: false,
        switchover: true
    }));
    assert!(sent.contains(&Request::RecoverNode { node: 1 }));
    assert!(sent.contains(&Request::StopPgpool {
        mode: ShutdownMode::Fast,
        scope: Scope::Cluster
    }));
    assert!(sent.contains(&Request::ReloadConfig {
        scope: Scope::Cluster
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_in_actions_print_command_successful() {
    let server = FakeServer::start(Version::new(4, 3)).await.unwrap();
    let links = Links::new();
    let pass = pcppass("secret");
    let port = server.port().to_string();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "pcp_attach_node",
            &["-n", "1"],
            "pcp_attach_node -- Command Successful\n",
        ),
        (
            "pcp_detach_node",
            &["-g", "2"],
            "pcp_detach_node -- Command Successful\n",
        ),
        (
            "pcp_promote_node",
            &["--switchover", "--node-id=2"],
            "pcp_promote_node -- Command Successful\n",
        ),
        (
            "pcp_stop_pgpool",
            &["-m", "i", "-s", "l"],
            "pcp_stop_pgpool -- Command Successful\n",
        ),
        (
            "pcp_reload_config",
            &[],
            "pcp_reload_config -- Command Successful\n",
        ),
        ("pcp_node_count", &["-v"], "Node Count\n____________\n 3\n"),
    ];
    for (tool, args, want) in cases {
        let mut cmd = links.command(tool);
        cmd.args(["-h", "127.0.0.1", "-p", &port, "-U", "pcpadmin", "-w"])
            .args(*args)
            .env("PCPPASSFILE", pass.path());
        let out = tokio::task::spawn_blocking(move || run(&mut cmd))
            .await
            .unwrap();
        assert_eq!(code(&out), 0, "{tool}: {}", stderr(&out));
        assert_eq!(stdout(&out), *want, "{tool}");
    }
    assert!(server.requests().contains(&Request::StopPgpool {
        mode: ShutdownMode::Immediate,
        scope: Scope::Local
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_classes_map_to_exit_codes() {
    let server = FakeServer::start(Version::new(4, 3)).await.unwrap();

    // Server error: 5, one line on stderr with the detail.
    let out = pcpctl_at(&server, "secret", &["node-info", "9"]).await;
    assert_eq!(code(&out), 5);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("informing node info failed") && err.contains("invalid node ID : 9"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = pcpctl_at(&server, "secret", &["--json", "node-info", "9"]).await;
    assert_eq!(code(&out), 5);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "server");
    assert_eq!(doc["error"]["severity"], "ERROR");
    assert_eq!(doc["error"]["detail"], "invalid node ID : 9");

    // Authentication: 4.
    let out = pcpctl_at(&server, "wrong", &["node-count"]).await;
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(!stderr(&out).contains("wrong"), "no password in messages");

    // Unsupported (4.6 command on a 4.3 server): 10.
    let out = pcpctl_at(&server, "secret", &["log-rotate"]).await;
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    let out = pcpctl_at(&server, "secret", &["invalidate-query-cache"]).await;
    assert_eq!(code(&out), 10, "{}", stderr(&out));

    // Timeout: 6.
    server.push_script(vec![Action::Hang]);
    let out = pcpctl_at(&server, "secret", &["--timeout", "0.5", "node-count"]).await;
    assert_eq!(code(&out), 6, "{}", stderr(&out));

    // Protocol: 9.
    server.push_script(vec![Action::Raw(bytes_of(b"l\x00\x00\x00\x08zz\x00\x00"))]);
    let out = pcpctl_at(&server, "secret", &["node-count"]).await;
    assert_eq!(code(&out), 9, "{}", stderr(&out));

    // is-primary: 0 for the primary, 1 otherwise.
    let out = pcpctl_at(&server, "secret", &["is-primary", "0"]).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("is the primary"));
    let out = pcpctl_at(&server, "secret", &["is-primary", "-n", "1"]).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("is not the primary"));

    // Drop-in: the server's report in the tools' layout; exit 5, or 0 in compat mode.
    let links = Links::new();
    let pass = pcppass("secret");
    for (compat, want) in [("0", 5), ("1", 0)] {
        let mut cmd = links.command("pcp_node_info");
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.port().to_string(),
            "-U",
            "pcpadmin",
            "-w",
            "9",
        ])
        .env("PCPPASSFILE", pass.path())
        .env("PCPCTL_COMPAT_EXIT", compat);
        let out = tokio::task::spawn_blocking(move || run(&mut cmd))
            .await
            .unwrap();
        assert_eq!(code(&out), want);
        assert_eq!(
            stderr(&out),
            "ERROR:  informing node info failed\nDETAIL:  invalid node ID : 9\n\n"
        );
    }
}

fn bytes_of(b: &'static [u8]) -> bytes::Bytes {
    bytes::Bytes::from_static(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_text_is_escaped_for_people_and_kept_for_machines() {
    let mut model = Model::new(Version::new(4, 3));
    model.nodes[1].hostname = "evil\x1b[2J\nhost".to_owned();
    let server = FakeServer::builder().model(model).start().await.unwrap();

    let text = ok(&server, &["node-info"]).await;
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("evil\\x1b[2J\\nhost"), "{text}");
    assert_eq!(text.lines().count(), 4, "one line per node: {text}");

    let doc = json(&server, &["node-info"]).await;
    assert_eq!(doc["nodes"][1]["hostname"], "evil\x1b[2J\nhost");

    // The pcp layout is byte-exact when not printing to a terminal.
    let text = ok(&server, &["--format=pcp", "node-info", "1"]).await;
    assert!(text.starts_with("evil\x1b[2J\nhost 5432 2 "), "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn human_output_is_a_table() {
    let server = FakeServer::start(Version::new(4, 3)).await.unwrap();
    let text = ok(&server, &["node-info"]).await;
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ID  HOST"), "{text}");
    assert!(lines[1].starts_with("0   localhost  5432"), "{text}");
    assert!(
        lines[2].contains("standby") && lines[2].contains("streaming (async)"),
        "{text}"
    );
    // Local time, as the tools print it.
    let text = ok(&server, &["--format=pcp", "node-info", "0"]).await;
    let pcp_time = &text.trim_end()[text.trim_end().len() - 19..];
    assert!(lines[1].ends_with(pcp_time), "{} vs {pcp_time}", lines[1]);

    let text = ok(&server, &["proc-count"]).await;
    assert_eq!(text, "4101 4102 4103 4104\n");
    let text = ok(&server, &["node-count"]).await;
    assert_eq!(text, "3\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn glue_commands() {
    let server = FakeServer::start(Version::new(4, 3)).await.unwrap();

    // Host to node id, through pool status; names and addresses match each other.
    assert_eq!(ok(&server, &["resolve", "127.0.0.2"]).await, "1\n");
    assert_eq!(ok(&server, &["resolve", "127.0.0.1:5432"]).await, "0\n");
    let doc = json(&server, &["resolve", "localhost"]).await;
    assert_eq!(
        doc,
        serde_json::json!({"query": "localhost", "node_id": 0, "hostname": "localhost", "port": 5432})
    );
    let out = pcpctl_at(&server, "secret", &["resolve", "10.9.9.9"]).await;
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("node 2 (127.0.0.3:5432)"),
        "names the backends"
    );
    let out = pcpctl_at(&server, "secret", &["resolve", "127.0.0.2:9"]).await;
    assert_eq!(code(&out), 7);
    let out = pcpctl_at(&server, "secret", &["resolve", "[::1"]).await;
    assert_eq!(code(&out), 2);

    // is-primary by host.
    let doc = json(&server, &["is-primary", "localhost"]).await;
    assert_eq!(doc["is_primary"], true);
    assert_eq!(doc["node"]["node_id"], 0);
    let out = pcpctl_at(
        &server,
        "secret",
        &["is-primary", "--node-host", "127.0.0.3"],
    )
    .await;
    assert_eq!(code(&out), 1);

    // Detach by host: sent once; Pgpool (the model) never shows it, so --wait gives up: 8.
    let out = pcpctl_at(
        &server,
        "secret",
        &["detach", "127.0.0.3:5432", "--wait=0.3"],
    )
    .await;
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert!(stderr(&out).contains("not down"), "{}", stderr(&out));
    assert!(server.requests().contains(&Request::DetachNode {
        node: 2,
        graceful: false
    }));

    // Once down, detach is a no-op that reports already_applied.
    server.update_model(|m| m.nodes[2].status = pcp_proto::BackendStatus::Down);
    server.clear_seen();
    let doc = json(&server, &["detach", "--node-host", "127.0.0.3", "--wait"]).await;
    assert_eq!(doc["result"], "already_applied");
    assert_eq!(doc["node"]["status"], "down");
    assert!(!server
        .requests()
        .iter()
        .any(|r| matches!(r, Request::DetachNode { .. })));

    // EFM hooks.
    let doc = json(&server, &["lb", "attach", "127.0.0.3", "s"]).await;
    assert_eq!(doc["command"], "lb-attach");
    assert_eq!(doc["result"], "accepted");
    assert_eq!(doc["node_id"], 2);
    assert_eq!(
        doc["steps"],
        serde_json::json!([{"action": "attach", "result": "accepted"}])
    );
    assert!(server.requests().contains(&Request::AttachNode { node: 2 }));
    let doc = json(&server, &["lb", "attach", "localhost", "p", "--wait=1"]).await;
    assert_eq!(doc["result"], "already_applied");
    assert_eq!(doc["steps"].as_array().unwrap().len(), 2);
    let out = pcpctl_at(&server, "secret", &["lb", "detach", "127.0.0.3", "x"]).await;
    assert_eq!(code(&out), 2, "unknown %t: {}", stderr(&out));
    let doc = json(&server, &["lb", "detach", "127.0.0.3", "s"]).await;
    assert_eq!(doc["result"], "already_applied");

    // follow-primary: nothing to do for the old primary; a streaming standby is attached.
    let doc = json(&server, &["follow-primary", "0", "--old-primary", "0"]).await;
    assert_eq!(doc["result"], "skipped");
    // The standby is not streaming yet; Pgpool's replication check then sees it streaming.
    server.update_model(|m| {
        m.nodes[2].replication_state = None;
        m.config.push(pcp_proto::ConfigItem {
            name: "sr_check_period".into(),
            value: "1".into(),
            description: "streaming replication check period".into(),
        });
    });
    server.clear_seen();
    let starts_streaming = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        server.update_model(|m| {
            m.nodes[2].replication_state = Some(pcp_proto::ReplicationState::Streaming)
        });
    };
    let (doc, ()) = tokio::join!(
        json(
            &server,
            &["follow-primary", "127.0.0.3", "--stream-timeout=5"]
        ),
        starts_streaming
    );
    assert_eq!(doc["command"], "follow-primary");
    assert_eq!(doc["result"], "accepted");
    assert!(server.requests().contains(&Request::AttachNode { node: 2 }));
}
