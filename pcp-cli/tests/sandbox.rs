//! pcpctl against the real Pgpool-II sandbox (`scripts/sandbox up`), compared with the real
//! `pcp_*` tools of the release the sandbox runs (`PCP_SANDBOX_PGPOOL_BIN`: Debian's
//! `/usr/sbin` for 4.3.5, `/var/tmp/pcp-pgpool/V/bin` for a `scripts/pgpool-build` release)
//! on the same server. These tests fail when no sandbox runs: start one, or point
//! PCP_SANDBOX_ENV / PCP_SANDBOX_DIR at it.
//!
//! The tests share one server and some change it (detach, attach), so they take a lock.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::*;
use pcp_proto::Version;
use pcp_testkit::sandbox::Sandbox;

static SERVER: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    SERVER.lock().unwrap_or_else(|e| e.into_inner())
}

fn sandbox() -> Sandbox {
    Sandbox::require()
}

/// The connection options of the pcp_* tools for `sb`.
fn conn(sb: &Sandbox) -> Vec<String> {
    vec![
        "-h".into(),
        sb.pcp_host.clone(),
        "-p".into(),
        sb.pcp_port.to_string(),
        "-U".into(),
        sb.pcp_user.clone(),
        "-w".into(),
    ]
}

/// The running release's own tool: an older tool misreads a newer server (Debian's 4.3.5
/// `pcp_node_info` shifts a 4.6 server's last fields).
fn real_tool(sb: &Sandbox, tool: &str) -> PathBuf {
    let path = sb.pgpool_tool(tool);
    assert!(
        path.exists(),
        "{} is missing: the comparison needs Pgpool {}'s own tools (package pgpool2, or \
         scripts/pgpool-build)",
        path.display(),
        sb.pgpool_release()
    );
    path
}

/// The real tool.
fn real(sb: &Sandbox, tool: &str, args: &[&str]) -> Output {
    run(command(&real_tool(sb, tool))
        .args(conn(sb))
        .args(args)
        .env("PCPPASSFILE", &sb.pcppass_file))
}

/// The drop-in link, with the tools' exit codes or pcpctl's.
fn dropin(sb: &Sandbox, links: &Links, tool: &str, args: &[&str], compat: bool) -> Output {
    run(links
        .command(tool)
        .args(conn(sb))
        .args(args)
        .env("PCPPASSFILE", &sb.pcppass_file)
        .env("PCPCTL_COMPAT_EXIT", if compat { "1" } else { "0" }))
}

/// pcpctl with the sandbox's connection options.
fn pcpctl_sb(sb: &Sandbox) -> Command {
    let mut cmd = pcpctl();
    cmd.args(conn(sb)).env("PCPPASSFILE", &sb.pcppass_file);
    cmd
}

fn normalised(out: &Output) -> (String, String, i32) {
    (
        normalise_countdowns(&stdout(out)),
        normalise_countdowns(&stderr(out)),
        code(out),
    )
}

/// The pcpctl subcommand of a pcp_* tool.
fn subcommand(tool: &str) -> &'static str {
    match tool {
        "pcp_node_count" => "node-count",
        "pcp_node_info" => "node-info",
        "pcp_health_check_stats" => "health-check-stats",
        "pcp_proc_count" => "proc-count",
        "pcp_proc_info" => "proc-info",
        "pcp_pool_status" => "pool-status",
        "pcp_watchdog_info" => "watchdog-info",
        "pcp_attach_node" => "attach",
        "pcp_detach_node" => "detach",
        "pcp_recovery_node" => "recovery",
        "pcp_reload_config" => "reload",
        "pcp_promote_node" => "promote",
        "pcp_log_rotate" => "log-rotate",
        "pcp_invalidate_query_cache" => "invalidate-query-cache",
        other => panic!("no subcommand for {other}"),
    }
}

/// pcpctl's own form of a pcp_* command line (`-P` and `-a` have the same letters).
fn pcpctl_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.to_vec()
}

/// Compares the real tool, the drop-in link (compat exit codes) and `pcpctl --format=pcp`.
/// Retries a few times: the server's state can move between two calls (a child process
/// restarting, a countdown crossing a minute).
fn compare(sb: &Sandbox, links: &Links, tool: &str, args: &[&str]) {
    let mut last = String::new();
    for _ in 0..4 {
        let want = normalised(&real(sb, tool, args));
        let got = normalised(&dropin(sb, links, tool, args, true));
        let mut cmd = pcpctl_sb(sb);
        cmd.arg("--format=pcp")
            .arg(subcommand(tool))
            .args(pcpctl_args(args));
        let ours = normalised(&run(&mut cmd));
        let server_error = want.1.starts_with("ERROR:  ") || want.1.starts_with("FATAL:  ");
        let ours_ok = ours.0 == want.0
            && if server_error {
                ours.2 == 5 && ours.1.lines().count() == 1
            } else {
                ours.2 == 0 && ours.1.is_empty()
            };
        if got == want && ours_ok {
            return;
        }
        last = format!(
            "{tool} {args:?}\n--- real (rc {}):\n{}{}\n--- drop-in (rc {}):\n{}{}\n--- pcpctl --format=pcp (rc {}):\n{}{}",
            want.2, want.0, want.1, got.2, got.0, got.1, ours.2, ours.0, ours.1
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("output differs from the real tool:\n{last}");
}

fn node_ids(sb: &Sandbox) -> Vec<String> {
    (0..sb.pg_hosts.len()).map(|i| i.to_string()).collect()
}

#[test]
fn read_commands_match_the_real_tools_plain_and_verbose() {
    let _guard = lock();
    let sb = sandbox();
    let links = Links::new();
    let first_pid = stdout(&real(&sb, "pcp_proc_count", &[]))
        .split_whitespace()
        .next()
        .expect("a child pid")
        .to_owned();
    let ids = node_ids(&sb);
    let mut cases: Vec<(&str, Vec<&str>)> = vec![
        ("pcp_node_count", vec![]),
        ("pcp_node_info", vec![]),
        ("pcp_node_info", vec!["-a"]),
        ("pcp_proc_count", vec![]),
        ("pcp_proc_info", vec![]),
        ("pcp_proc_info", vec!["-a"]),
        ("pcp_proc_info", vec!["-P", &first_pid]),
        ("pcp_proc_info", vec!["-a", "-P", &first_pid]),
        ("pcp_pool_status", vec![]),
        ("pcp_watchdog_info", vec![]),
        ("pcp_watchdog_info", vec!["-n", "1"]),
        // Server errors: the same report on stderr.
        ("pcp_node_info", vec!["-n", "9"]),
        ("pcp_health_check_stats", vec!["-n", "9"]),
        ("pcp_proc_info", vec!["-P", "1"]),
    ];
    for id in &ids {
        cases.push(("pcp_node_info", vec!["-n", id]));
        cases.push(("pcp_health_check_stats", vec!["-n", id]));
    }
    for (tool, args) in &cases {
        for verbose in [false, true] {
            let mut args = args.clone();
            if verbose {
                args.insert(0, "-v");
            }
            compare(&sb, &links, tool, &args);
        }
    }
}

#[test]
fn drop_in_takes_positional_ids_and_long_options() {
    let _guard = lock();
    let sb = sandbox();
    let links = Links::new();
    for (tool, args) in [
        ("pcp_node_info", &["1"][..]),
        ("pcp_node_info", &["--node-id=2", "--verbose"]),
        ("pcp_node_info", &["--nod", "0"]),
        ("pcp_node_info", &["-n", "1", "2"]),
        ("pcp_health_check_stats", &["1"]),
        ("pcp_watchdog_info", &["0"]),
        ("pcp_node_count", &["extra"]),
    ] {
        let mut last = String::new();
        let same = (0..3).any(|_| {
            let want = normalised(&real(&sb, tool, args));
            let got = normalised(&dropin(&sb, &links, tool, args, true));
            last = format!("{want:?}\n{got:?}");
            want == got
        });
        assert!(same, "{tool} {args:?}:\n{last}");
    }
}

#[test]
fn unix_socket_endpoint() {
    let _guard = lock();
    let sb = sandbox();
    let dir = sb.pcp_socket_dir.display().to_string();
    let out = run(pcpctl()
        .args([
            "-h",
            &dir,
            "-p",
            &sb.pcp_port.to_string(),
            "-U",
            &sb.pcp_user,
            "-w",
        ])
        .env("PCPPASSFILE", &sb.pcppass_file)
        .arg("node-count"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{}\n", sb.pg_hosts.len()));
}

#[test]
fn server_error_exit_code_and_one_line_message() {
    let _guard = lock();
    let sb = sandbox();
    let out = run(pcpctl_sb(&sb).args(["node-info", "-n", "9"]));
    assert_eq!(code(&out), 5);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("DETAIL: invalid node ID : 9"), "{err}");

    let links = Links::new();
    let out = dropin(&sb, &links, "pcp_node_info", &["-n", "9"], false);
    assert_eq!(code(&out), 5);
    assert_eq!(
        stderr(&out),
        "ERROR:  informing node info failed\nDETAIL:  invalid node ID : 9\n\n"
    );
    let real_out = real(&sb, "pcp_node_info", &["-n", "9"]);
    assert_eq!(code(&real_out), 0, "the real tool exits 0 on server errors");
}

#[test]
fn bad_password_is_an_authentication_error() {
    let _guard = lock();
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let pass = dir.path().join("pcppass");
    std::fs::write(&pass, format!("*:*:{}:wrong-password\n", sb.pcp_user)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = run(pcpctl()
        .args(conn(&sb))
        .arg("node-count")
        .env("PCPPASSFILE", &pass));
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("authentication failed"));
    assert!(!stderr(&out).contains("wrong-password"));

    let links = Links::new();
    for (compat, want) in [(false, 4), (true, 1)] {
        let out = run(links
            .command("pcp_node_count")
            .args(conn(&sb))
            .env("PCPPASSFILE", &pass)
            .env("PCPCTL_COMPAT_EXIT", if compat { "1" } else { "0" }));
        assert_eq!(code(&out), want);
        let real_out = run(command(&real_tool(&sb, "pcp_node_count"))
            .args(conn(&sb))
            .env("PCPPASSFILE", &pass));
        assert_eq!(code(&real_out), 1);
        assert_eq!(stderr(&out), stderr(&real_out));
    }
}

#[test]
fn json_matches_the_sandbox() {
    let _guard = lock();
    let sb = sandbox();
    let out = run(pcpctl_sb(&sb).args(["--json", "node-info"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), sb.pg_hostnames.len());
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node["node_id"], i);
        assert_eq!(node["hostname"], sb.pg_hostnames[i].as_str());
        assert_eq!(node["port"], sb.pg_port);
        assert!(node["status"].is_string() && node["role"].is_string());
        assert!(node["last_status_change_epoch"].as_u64().unwrap() > 1_600_000_000);
    }
    assert_eq!(nodes.iter().filter(|n| n["is_primary"] == true).count(), 1);

    let out = run(pcpctl_sb(&sb).args(["--json", "proc-count"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let real_pids = stdout(&real(&sb, "pcp_proc_count", &[]));
    assert_eq!(
        doc["process_count"].as_u64().unwrap() as usize,
        real_pids.split_whitespace().count()
    );

    let out = run(pcpctl_sb(&sb).args(["--json", "pool-status"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let settings = doc["settings"].as_array().unwrap();
    assert!(settings.iter().any(|s| s["name"] == "pcp_port"
        && s["value"].as_str() == Some(sb.pcp_port.to_string().as_str())));

    let out = run(pcpctl_sb(&sb).args(["--json", "health-check-stats"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["nodes"].as_array().unwrap().len(), sb.pg_hosts.len());

    let out = run(pcpctl_sb(&sb).args(["--json", "watchdog-info"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    if sb.is_watchdog() {
        assert_eq!(code(&out), 0);
        assert_eq!(doc["node_count"], 3);
    } else {
        assert_eq!(code(&out), 5);
        assert_eq!(doc["error"]["detail"], "watchdog is not enabled");
    }
}

/// Node info of one node as JSON.
fn node_json(sb: &Sandbox, id: u32) -> serde_json::Value {
    let out = run(pcpctl_sb(sb).args(["--json", "node-info", &id.to_string()]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["nodes"][0].clone()
}

/// Waits until node `id` shows one of `wanted`, on three polls in a row spanning more than a
/// second: right after a failover or failback, sessions can still be served by Pgpool's
/// previous PCP process, whose view of the backends is older (it restarts about a second
/// later).
fn wait_status(sb: &Sandbox, id: u32, wanted: &[&str]) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut streak = 0;
    loop {
        let node = node_json(sb, id);
        if wanted.iter().any(|w| node["status"] == *w) {
            streak += 1;
            if streak >= 3 {
                return node;
            }
        } else {
            streak = 0;
        }
        assert!(
            Instant::now() < deadline,
            "node {id} did not become {wanted:?}: {node}"
        );
        std::thread::sleep(Duration::from_millis(600));
    }
}

/// Attaches the node again, whatever happened, so later tests see the sandbox as it was.
struct Reattach<'a> {
    sb: &'a Sandbox,
    id: u32,
}

impl Drop for Reattach<'_> {
    fn drop(&mut self) {
        let node = node_json(self.sb, self.id);
        if node["status"] == "down" {
            let _ = run(pcpctl_sb(self.sb).args(["attach", &self.id.to_string()]));
        }
        wait_status(self.sb, self.id, &["up", "waiting"]);
    }
}

#[test]
fn detach_and_attach_a_standby_then_restore() {
    let _guard = lock();
    let sb = sandbox();
    let links = Links::new();
    let id = u32::try_from(sb.pg_hosts.len() - 1).unwrap();
    let ids = id.to_string();
    let before = node_json(&sb, id);
    assert_eq!(
        before["role"], "standby",
        "node {id} should be a standby: {before}"
    );
    let _restore = Reattach { sb: &sb, id };

    // pcpctl detach: accepted, then applied asynchronously.
    let out = run(pcpctl_sb(&sb).args(["detach", &ids]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("node {id} (")) && text.contains("detach requested"),
        "{text}"
    );
    wait_status(&sb, id, &["down"]);

    // Detaching it again: whatever the real tool says, the drop-in says the same.
    let want = normalised(&real(&sb, "pcp_detach_node", &[&ids]));
    let got = normalised(&dropin(&sb, &links, "pcp_detach_node", &[&ids], true));
    assert_eq!(got, want);

    // Node info of a down node, compared.
    compare(&sb, &links, "pcp_node_info", &["-n", &ids]);
    compare(&sb, &links, "pcp_node_info", &["-v", "-n", &ids]);

    // Attach with the pcp layout, then wait until it is back.
    let out = run(pcpctl_sb(&sb).args(["--format=pcp", "attach", "-n", &ids]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "pcp_attach_node -- Command Successful\n");
    wait_status(&sb, id, &["up", "waiting"]);

    // The drop-in attach prints what the real one prints.
    let want = normalised(&real(&sb, "pcp_attach_node", &["-n", &ids]));
    let got = normalised(&dropin(&sb, &links, "pcp_attach_node", &["-n", &ids], true));
    assert_eq!(got, want);
    assert_eq!(want.0, "pcp_attach_node -- Command Successful\n");
    wait_status(&sb, id, &["up", "waiting"]);
}

#[test]
fn harmless_actions_match_the_real_tools() {
    let _guard = lock();
    let sb = sandbox();
    let links = Links::new();
    // Online recovery of the primary is refused by the server.
    let primary = (0..sb.pg_hosts.len() as u32)
        .find(|&i| node_json(&sb, i)["is_primary"] == true)
        .expect("a primary");
    let p = primary.to_string();
    let want = normalised(&real(&sb, "pcp_recovery_node", &[&p]));
    let got = normalised(&dropin(&sb, &links, "pcp_recovery_node", &[&p], true));
    assert_eq!(got, want);
    assert!(want.1.starts_with("ERROR:  "), "{want:?}");
    let out = run(pcpctl_sb(&sb).args(["recovery", &p]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));

    // Reload.
    let want = normalised(&real(&sb, "pcp_reload_config", &[]));
    let got = normalised(&dropin(&sb, &links, "pcp_reload_config", &[], true));
    assert_eq!(got, want);
    let out = run(pcpctl_sb(&sb).args(["--json", "reload"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["command"], "reload");
    assert_eq!(doc["result"], "accepted");

    // is-primary by node id.
    let out = run(pcpctl_sb(&sb).args(["is-primary", &p]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let standby = (primary + 1) % sb.pg_hosts.len() as u32;
    let out = run(pcpctl_sb(&sb).args(["is-primary", &standby.to_string()]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

/// The tools 4.6 added: compared with the real ones on 4.6+ (plain, `-v`, both scopes); on
/// 4.3 the real tools do not exist and the server does not know the packets.
#[test]
fn log_rotate_and_invalidate_query_cache_per_release() {
    let _guard = lock();
    let sb = sandbox();
    let links = Links::new();
    let version = sb.pgpool_version();
    let cases: [(&str, &[&str]); 4] = [
        ("pcp_log_rotate", &[]),
        ("pcp_log_rotate", &["-s", "local"]),
        ("pcp_log_rotate", &["-s", "cluster"]),
        ("pcp_invalidate_query_cache", &[]),
    ];
    if version >= Version::new(4, 6) {
        for (tool, args) in cases {
            for verbose in [false, true] {
                let mut args = args.to_vec();
                if verbose {
                    args.insert(0, "-v");
                }
                compare(&sb, &links, tool, &args);
                // The sandbox runs without logging_collector and without the query cache:
                // both are server ERRORs, which the real tools report with exit 0.
                let out = real(&sb, tool, &args);
                let want = if tool == "pcp_log_rotate" {
                    "ERROR:  process log rotation request failed\n\
                     DETAIL:  logging_collector is disabled\n\n"
                } else {
                    "ERROR:  query cache is not enabled\n\n"
                };
                assert_eq!(
                    (code(&out), stderr(&out).as_str()),
                    (0, want),
                    "{tool} {args:?}"
                );
                assert_eq!(stdout(&out), "", "{tool} {args:?}");
            }
        }
        // pcpctl's own exit code for a server error.
        for sub in [
            &["log-rotate"][..],
            &["log-rotate", "-s", "cluster"],
            &["invalidate-query-cache"],
        ] {
            let out = run(pcpctl_sb(&sb).args(sub));
            assert_eq!(code(&out), 5, "{sub:?}: {}", stderr(&out));
            assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
        }
        return;
    }
    assert_eq!(
        version,
        Version::new(4, 3),
        "no expectation for Pgpool {version}"
    );
    for (tool, args) in cases {
        assert!(
            !sb.pgpool_tool(tool).exists(),
            "Pgpool {} has no {tool}",
            sb.pgpool_release()
        );
        // The drop-in link still speaks the packet; 4.3 answers "unknown PCP packet type"
        // (FATAL), printed as the pcp_* tools print a server's report: exit 0 with the
        // tools' exit codes, pcpctl's "unsupported" code (10) without.
        let packet = if tool == "pcp_log_rotate" { 'V' } else { 'G' };
        let want = format!(
            "FATAL:  PCP processing request\nDETAIL:  unknown PCP packet type \"{packet}\"\n\n"
        );
        for (compat, rc) in [(true, 0), (false, 10)] {
            let out = dropin(&sb, &links, tool, args, compat);
            assert_eq!(
                (code(&out), stderr(&out), stdout(&out)),
                (rc, want.clone(), String::new()),
                "{tool} {args:?} (compat exit codes: {compat})"
            );
        }
    }
}

/// Write commands that fail on the server, compared with the real tools (exit code,
/// stdout, stderr): promoting the primary (FATAL), promoting and recovering a node id
/// Pgpool does not have (ERROR). None changes the cluster.
#[test]
fn write_command_errors_match_the_real_tools() {
    let _guard = lock();
    let sb = sandbox();
    let links = Links::new();
    let primary = (0..sb.pg_hosts.len() as u32)
        .find(|&i| node_json(&sb, i)["is_primary"] == true)
        .expect("a primary");
    let p = primary.to_string();
    let cases: [(&str, Vec<&str>); 5] = [
        ("pcp_promote_node", vec!["-n", &p]),
        ("pcp_promote_node", vec!["-n", "9"]),
        ("pcp_promote_node", vec!["9"]),
        ("pcp_recovery_node", vec!["-n", "9"]),
        ("pcp_recovery_node", vec!["9"]),
    ];
    for (tool, args) in &cases {
        for verbose in [false, true] {
            let mut args = args.clone();
            if verbose {
                args.insert(0, "-v");
            }
            let mut last = String::new();
            let same = (0..3).any(|_| {
                let want = normalised(&real(&sb, tool, &args));
                let got = normalised(&dropin(&sb, &links, tool, &args, true));
                last = format!("real: {want:?}\ndrop-in: {got:?}");
                want == got
                    && want.2 == 0
                    && (want.1.starts_with("ERROR:  ") || want.1.starts_with("FATAL:  "))
            });
            assert!(same, "{tool} {args:?}:\n{last}");
        }
    }
    // pcpctl's own exit codes: the primary is already primary (nothing to do); promote
    // looks node 9 up first (7: no such node), recovery sends it (5: the server's ERROR).
    let out = run(pcpctl_sb(&sb).args(["promote", &p]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for (sub, want) in [("promote", 7), ("recovery", 5)] {
        let out = run(pcpctl_sb(&sb).args([sub, "9"]));
        assert_eq!(code(&out), want, "{sub}: {}", stderr(&out));
    }
    // The real tools' words, per release line.
    let promote = stderr(&real(&sb, "pcp_promote_node", &["-n", "9"]));
    let recovery = stderr(&real(&sb, "pcp_recovery_node", &["-n", "9"]));
    match (sb.pgpool_version().major, sb.pgpool_version().minor) {
        (4, 3) => {
            assert!(promote.starts_with("ERROR:  "), "{promote}");
            assert!(recovery.starts_with("ERROR:  "), "{recovery}");
        }
        _ => {
            assert_eq!(
                promote,
                "ERROR:  could not process promote request\nDETAIL:  node id 9 is not valid\n\n"
            );
            assert_eq!(
                recovery,
                "ERROR:  process recovery request failed\nDETAIL:  node id 9 is not valid\n\n"
            );
        }
    }
}

#[test]
fn glue_by_host_against_the_sandbox() {
    let _guard = lock();
    let sb = sandbox();
    // Configured names and the addresses they stand for map to the same node ids.
    for (i, (name, addr)) in sb.pg_hostnames.iter().zip(&sb.pg_hosts).enumerate() {
        for host in [name.clone(), addr.clone(), format!("{addr}:{}", sb.pg_port)] {
            let out = run(pcpctl_sb(&sb).args(["resolve", &host]));
            assert_eq!(code(&out), 0, "{host}: {}", stderr(&out));
            assert_eq!(stdout(&out), format!("{i}\n"), "{host}");
        }
    }
    let out = run(pcpctl_sb(&sb).args(["resolve", "192.0.2.1"]));
    assert_eq!(code(&out), 7, "{}", stderr(&out));

    let primary = (0..sb.pg_hosts.len())
        .find(|&i| node_json(&sb, i as u32)["is_primary"] == true)
        .expect("a primary");
    let out = run(pcpctl_sb(&sb).args(["is-primary", &sb.pg_hosts[primary]]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Detach a standby by address; once Pgpool shows it, detaching again is a no-op.
    let id = u32::try_from(sb.pg_hosts.len() - 1).unwrap();
    assert_ne!(id as usize, primary);
    let host = sb.pg_hosts[id as usize].clone();
    let _restore = Reattach { sb: &sb, id };
    let out = run(pcpctl_sb(&sb).args(["--json", "detach", &host]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["result"], "accepted", "{doc}");
    assert_eq!(doc["node_id"], id);
    wait_status(&sb, id, &["down"]);
    let out = run(pcpctl_sb(&sb).args(["--json", "lb", "detach", &host, "s"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["result"], "already_applied", "{doc}");

    // Attach it back by name or address.
    let out = run(pcpctl_sb(&sb).args(["attach", "--node-host", &host]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    wait_status(&sb, id, &["up", "waiting"]);
}

/// `--wait` polls on fresh PCP sessions: Pgpool finishes a failover or failback only after
/// the PCP workers from before it have exited.
#[test]
fn wait_sees_detach_and_attach_applied() {
    let _guard = lock();
    let sb = sandbox();
    let id = u32::try_from(sb.pg_hosts.len() - 1).unwrap();
    let host = sb.pg_hosts[id as usize].clone();
    let _restore = Reattach { sb: &sb, id };
    for (args, status) in [
        (["detach", "--wait=20"], "down"),
        (["attach", "--wait=20"], "waiting"),
    ] {
        let out = run(pcpctl_sb(&sb).args(["--json", args[0], &host, args[1]]));
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["result"], "applied", "{doc}");
        assert!(
            doc["node"]["status"] == status || doc["node"]["status"] == "up",
            "{doc}"
        );
    }
}
