//! EFM's hooks while a backend hangs, on the sandbox's production profile (health checks on,
//! passwords): `scripts/sandbox up --production`.
//!
//! A hung host (a frozen VM, a network partition) is played by stopping a node's postmaster
//! with SIGSTOP (`scripts/sandbox pg-freeze K`). With health checks on, Pgpool 4.3+ probes every
//! backend a node-info request reports, so a request that reads node info waits Pgpool's
//! `connect_timeout` (10 s). pcpctl's hooks read Pgpool's memory instead (pool status,
//! health-check statistics): each must finish in under a second and do the right thing.
//!
//! The test checks first that the hang is real (a bare `pcp_node_info` of the hung node takes
//! seconds), so that it cannot pass against a server that does not probe.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use pcp_testkit::sandbox::Sandbox;

/// What a hook may take while a backend hangs (Pgpool's `connect_timeout` is 10 s).
const HOOK_LIMIT: Duration = Duration::from_secs(1);

/// pcpctl with the sandbox's connection options.
fn pcpctl_sb(sb: &Sandbox) -> std::process::Command {
    let mut cmd = pcpctl();
    cmd.args([
        "-h",
        &sb.pcp_host,
        "-p",
        &sb.pcp_port.to_string(),
        "-U",
        &sb.pcp_user,
        "-w",
    ])
    .env("PCPPASSFILE", &sb.pcppass_file);
    cmd
}

/// Runs pcpctl with `args` (and `--json`); its exit code, JSON document and wall time.
fn hook(sb: &Sandbox, args: &[&str]) -> (i32, serde_json::Value, Duration) {
    let start = Instant::now();
    let out: Output = run(pcpctl_sb(sb).arg("--json").args(args));
    let took = start.elapsed();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: no JSON ({e}): {} {}", stdout(&out), stderr(&out)));
    (code(&out), doc, took)
}

/// A hook that must succeed within [`HOOK_LIMIT`]; its document.
fn quick_hook(sb: &Sandbox, args: &[&str], expected_code: i32) -> serde_json::Value {
    let (code, doc, took) = hook(sb, args);
    eprintln!(
        "pcpctl {args:?}: exit {code} in {:.3} s",
        took.as_secs_f64()
    );
    assert_eq!(code, expected_code, "{args:?}: {doc}");
    assert!(
        took < HOOK_LIMIT,
        "{args:?} took {:.2} s with a hung backend: {doc}",
        took.as_secs_f64()
    );
    doc
}

/// Pgpool's value of a setting and every backend's status, from pool status (no probe).
fn pool(sb: &Sandbox) -> (serde_json::Value, Vec<String>) {
    let (code, doc, _) = hook(sb, &["pool-status"]);
    assert_eq!(code, 0, "{doc}");
    let settings = doc["settings"].as_array().expect("settings").clone();
    let statuses = (0..sb.pg_hosts.len())
        .map(|k| {
            let name = format!("backend_status{k}");
            settings
                .iter()
                .find(|s| s["name"] == name.as_str())
                .and_then(|s| s["value"].as_str())
                .unwrap_or_else(|| panic!("pool status lacks {name}"))
                .to_owned()
        })
        .collect();
    (serde_json::Value::Array(settings), statuses)
}

fn setting(settings: &serde_json::Value, name: &str) -> String {
    settings
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .and_then(|s| s["value"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Waits until pool status shows `wanted` for every node, or panics after `limit`.
fn wait_statuses(sb: &Sandbox, wanted: &[&[&str]], limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let (_, now) = pool(sb);
        if now.iter().zip(wanted).all(|(s, w)| w.contains(&s.as_str())) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "statuses {now:?}, waited for {wanted:?}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn sandbox_cmd(sb: &Sandbox, args: &[&str]) {
    let out = sb.script(args).expect("run scripts/sandbox");
    assert!(
        out.status.success(),
        "scripts/sandbox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Thaws the node and brings the sandbox back to its starting layout (node 0 primary, every
/// node up), whatever happened.
struct Restore<'a> {
    sb: &'a Sandbox,
    frozen: Option<usize>,
}

impl Restore<'_> {
    fn thaw(&mut self) {
        if let Some(k) = self.frozen.take() {
            sandbox_cmd(self.sb, &["pg-thaw", &k.to_string()]);
        }
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.thaw();
        let sb = self.sb;
        let up: &[&str] = &["up", "waiting"];
        let nodes = sb.pg_hosts.len();
        // Node 0 back first (it is the real primary), made Pgpool's primary, then the others.
        let _ = run(pcpctl_sb(sb).args(["attach", "0", "--wait=30"]));
        let _ = run(pcpctl_sb(sb).args(["promote", "0", "--wait=30"]));
        for k in 1..nodes {
            let _ = run(pcpctl_sb(sb).args(["attach", &k.to_string(), "--wait=30"]));
        }
        wait_statuses(sb, &vec![up; nodes], Duration::from_secs(60));
        if !std::thread::panicking() {
            let (code, doc, _) = hook(sb, &["is-primary", "0"]);
            assert_eq!(code, 0, "node 0 is Pgpool's primary again: {doc}");
        }
    }
}

/// The hooks about a hung standby and about the others while it hangs; then about a hung
/// primary (promote of a standby, as EFM's attach hook does after a failover).
#[test]
fn hooks_never_wait_on_a_hung_backend() {
    let sb = Sandbox::require();
    let (settings, statuses) = pool(&sb);
    let period: u64 = setting(&settings, "health_check_period")
        .parse()
        .unwrap_or(0);
    assert!(
        sb.production && period > 0,
        "this test needs the sandbox's production profile, health checks on \
         (health_check_period = {period}): start it with `scripts/sandbox up --production`"
    );
    assert!(
        statuses.iter().all(|s| s == "up" || s == "waiting"),
        "every node must be up at the start: {statuses:?}"
    );
    let nodes = sb.pg_hosts.len();
    assert!(nodes >= 3, "needs a primary and two standbys");
    let host = |k: usize| sb.pg_hosts[k].clone();
    let standby = nodes - 1;
    let mut restore = Restore {
        sb: &sb,
        frozen: None,
    };

    // --- A standby hangs.
    sandbox_cmd(&sb, &["pg-freeze", &standby.to_string()]);
    restore.frozen = Some(standby);

    // About the hung node: EFM's detach hook (from another agent) waits until Pgpool shows the
    // node down. Detaching a standby takes Pgpool a fraction of a second (no primary search);
    // the wait polls every 100-200 ms at first, so it may end at most a second after that.
    let (code, doc, took) = hook(&sb, &["lb", "detach", &host(standby), "s", "--wait=30"]);
    eprintln!(
        "lb detach --wait of the hung node: exit {code} in {:.3} s",
        took.as_secs_f64()
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["node_id"], standby, "{doc}");
    assert_eq!(doc["result"], "applied", "{doc}");
    assert_eq!(doc["node"]["status"], "down", "{doc}");
    assert!(
        took < HOOK_LIMIT + HOOK_LIMIT,
        "lb detach --wait took {:.2} s",
        took.as_secs_f64()
    );
    // Repeats, as other agents run them: nothing is sent.
    let doc = quick_hook(&sb, &["lb", "detach", &host(standby), "s"], 0);
    assert_eq!(doc["result"], "already_applied", "{doc}");
    let doc = quick_hook(&sb, &["detach", &host(standby)], 0);
    assert_eq!(doc["result"], "already_applied", "{doc}");

    // About the others, while it hangs.
    let doc = quick_hook(&sb, &["attach", &host(1)], 0);
    assert_eq!(doc["result"], "already_applied", "{doc}");
    let doc = quick_hook(&sb, &["lb", "attach", &host(1), "s"], 0);
    assert_eq!(doc["result"], "already_applied", "{doc}");
    let doc = quick_hook(&sb, &["is-primary", &host(0)], 0);
    assert_eq!(doc["is_primary"], true, "{doc}");
    let doc = quick_hook(&sb, &["is-primary", &host(1)], 1);
    assert_eq!(doc["is_primary"], false, "{doc}");

    // The hang is real: node info of the hung node makes Pgpool probe it.
    let start = Instant::now();
    let _ = run(pcpctl_sb(&sb).args(["--timeout", "30", "node-info", &standby.to_string()]));
    let probe = start.elapsed();
    eprintln!(
        "node-info of the hung node (Pgpool probes it): {:.2} s",
        probe.as_secs_f64()
    );
    assert!(
        probe >= Duration::from_secs(3),
        "node info of a frozen backend answered in {:.2} s: the backend does not hang, so this \
         test proves nothing",
        probe.as_secs_f64()
    );

    restore.thaw();
    let doc = quick_hook(&sb, &["attach", &standby.to_string()], 0);
    assert_eq!(doc["result"], "accepted", "{doc}");
    wait_statuses(
        &sb,
        &vec![&["up", "waiting"][..]; nodes],
        Duration::from_secs(60),
    );

    // --- The primary hangs; EFM promotes node 1 and runs its attach hook with `p`: in
    // Pgpool, node 1 becomes the primary (Pgpool only changes its own view).
    sandbox_cmd(&sb, &["pg-freeze", "0"]);
    restore.frozen = Some(0);
    let doc = quick_hook(&sb, &["lb", "attach", &host(1), "p"], 0);
    let steps = doc["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2, "{doc}");
    assert_eq!(steps[0]["result"], "already_applied", "{doc}");
    assert_eq!(steps[1]["action"], "promote", "{doc}");
    assert_eq!(steps[1]["result"], "accepted", "{doc}");
    // Pgpool applies it: node 1 is Pgpool's primary (is-primary reads it from memory).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, doc, took) = hook(&sb, &["is-primary", &host(1)]);
        assert!(
            took < HOOK_LIMIT,
            "is-primary took {:.2} s",
            took.as_secs_f64()
        );
        if code == 0 {
            assert_eq!(doc["node"]["role"], "primary", "{doc}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node 1 never became primary: {doc}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let doc = quick_hook(&sb, &["promote", &host(1)], 0);
    assert_eq!(doc["result"], "already_applied", "{doc}");
    drop(restore);
}
