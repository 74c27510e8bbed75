//! Real faults on the sandbox (PostgreSQL 15 + Pgpool-II, plain or production profile): Pgpool killed
//! in the middle of a stream of commands, Pgpool restarted under a connected client, a backend
//! made unreachable while node info and health-check stats are read, and 32 concurrent
//! sessions × 1,000 commands.
//!
//! Three agents calling the same hook for one event at once is the drill
//! `same_hook_from_three_agents` in `tests/drills.rs` (exactly one failover, no node wrongly
//! down); it is not repeated here.
//!
//! The sandbox is found like in `tests/sandbox.rs`; without one these tests fail. Each test
//! leaves the sandbox as it found it (node 0 primary, every node up, Pgpool running) and they
//! run one at a time.

mod common;

use std::time::{Duration, Instant};

use pcp_client::glue::ops::{GlueOptions, Target};
use pcp_client::proto::{BackendStatus, NodeInfo, Role};
use pcp_client::{Client, Config, ErrorKind};
use pcp_testkit::sandbox::Sandbox;
use tokio::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

fn config(sandbox: &Sandbox, limit: Duration) -> Config {
    let mut config = common::sandbox(sandbox, &[]);
    config
        .connect_timeout(Duration::from_secs(5))
        .request_timeout(Some(limit));
    config
}

fn plain_sandbox() -> Sandbox {
    let sandbox = Sandbox::require();
    assert!(
        !sandbox.is_watchdog(),
        "these tests need the plain profile (scripts/sandbox up)"
    );
    sandbox
}

fn script(sandbox: &Sandbox, args: &[&str]) {
    let out = sandbox.script(args).expect("run scripts/sandbox");
    assert!(
        out.status.success(),
        "scripts/sandbox {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Pgpool's current pid (`pgpool-start` rewrites it in sandbox.env).
fn pgpool_pid(sandbox: &Sandbox) -> i32 {
    let now = Sandbox::from_file(&sandbox.env_file).expect("sandbox.env");
    now.vars
        .get("PGPOOL_PID")
        .and_then(|p| p.parse().ok())
        .expect("PGPOOL_PID in sandbox.env")
}

fn signal(what: &str, target: &str) {
    let status = std::process::Command::new("kill")
        .args([what, "--", target])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {what} {target}");
}

/// The nominal state: node 0 primary, every node up.
fn assert_nominal(nodes: &[NodeInfo]) {
    assert_eq!(nodes.len(), 3, "{nodes:?}");
    assert_eq!(nodes[0].role, Role::Primary, "{nodes:?}");
    for node in nodes {
        assert!(
            matches!(node.status, BackendStatus::Up | BackendStatus::Waiting),
            "{nodes:?}"
        );
    }
}

/// Attaches every node Pgpool shows down (as EFM would once the node is back), waiting for it.
async fn reattach_down_nodes(sandbox: &Sandbox) {
    let mut client = config(sandbox, Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let options = GlueOptions::waiting(Duration::from_secs(30));
    for node in client.node_states().await.unwrap() {
        if node.status.is_detached() {
            client
                .attach(&Target::Node(node.node_id), &options)
                .await
                .unwrap_or_else(|e| panic!("attach node {}: {e}", node.node_id));
        }
    }
    client.close().await.ok();
}

/// Starts Pgpool again if it is not answering, and waits until it reports the nominal state.
async fn ensure_pgpool(sandbox: &Sandbox) {
    let mut c = config(sandbox, Duration::from_secs(5));
    c.connect_timeout(Duration::from_secs(2));
    if c.connect().await.is_err() {
        script(sandbox, &["pgpool-start", "0"]);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut client) = c.connect().await {
            if let Ok(all) = client.node_info_all().await {
                if all.nodes.len() == 3 && all.nodes[0].role == Role::Primary {
                    assert_nominal(&all.nodes);
                    return;
                }
            }
        }
        assert!(Instant::now() < deadline, "Pgpool did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgpool_killed_mid_command_then_restarted_and_the_client_reconnects() {
    let sandbox = plain_sandbox();
    let _one = ONE_AT_A_TIME.lock().await;
    let limit = Duration::from_secs(3);
    let mut client = config(&sandbox, limit).connect().await.unwrap();
    assert_nominal(&client.node_info_all().await.unwrap().nodes);
    let opened = client.sessions_opened();

    // A stream of commands on one session; Pgpool's whole process group is SIGKILLed while it
    // runs. Every call ends within its limit, with a connection error once Pgpool is gone.
    let pid = pgpool_pid(&sandbox);
    let worker = tokio::spawn(async move {
        let mut kinds = Vec::new();
        let mut slowest = Duration::ZERO;
        for _ in 0..2000 {
            let started = Instant::now();
            let r = client.node_info_all().await;
            slowest = slowest.max(started.elapsed());
            match r {
                Ok(all) => assert_nominal(&all.nodes),
                Err(e) => {
                    kinds.push((e.kind(), e.is_fatal()));
                    if kinds.len() >= 3 {
                        break;
                    }
                }
            }
        }
        (client, kinds, slowest)
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    signal("-KILL", &format!("-{pid}"));
    let (mut client, kinds, slowest) = tokio::time::timeout(Duration::from_secs(60), worker)
        .await
        .expect("the calls end")
        .unwrap();
    eprintln!("after SIGKILL: {kinds:?}; slowest call {slowest:?}");
    assert!(slowest < limit + Duration::from_secs(1), "{slowest:?}");
    assert!(!kinds.is_empty(), "the kill was noticed");
    // The call in flight sees the connection close (or reset); later ones cannot connect.
    let (first, fatal) = kinds[0];
    assert!(
        matches!(first, ErrorKind::Closed | ErrorKind::Io),
        "{kinds:?}"
    );
    assert!(fatal, "{kinds:?}");
    for (kind, _) in &kinds[1..] {
        assert!(
            matches!(kind, ErrorKind::Io | ErrorKind::Closed),
            "{kinds:?}"
        );
    }
    assert!(!client.is_connected());

    // Pgpool restarted: the same client reconnects on its next call.
    script(&sandbox, &["pgpool-start", "0"]);
    let started = Instant::now();
    let all = loop {
        match client.node_info_all().await {
            Ok(all) => break all,
            Err(e) => {
                assert!(started.elapsed() < Duration::from_secs(20), "{e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    assert_nominal(&all.nodes);
    assert!(client.sessions_opened() > opened);

    // A clean restart under an idle connected client: the next call just works.
    let before = client.sessions_opened();
    script(&sandbox, &["pgpool-stop", "0"]);
    script(&sandbox, &["pgpool-start", "0"]);
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.sessions_opened(), before + 1, "one new session");
    ensure_pgpool(&sandbox).await;
}

/// Stops a backend's postmaster with SIGSTOP (connections to it hang rather than being
/// refused) and resumes it when dropped, even if the test fails.
/// Node `k`'s postmaster stopped (`scripts/sandbox pg-freeze`) until dropped.
struct Frozen<'a>(&'a Sandbox, String);

impl Frozen<'_> {
    fn new(sandbox: &Sandbox, k: usize) -> Frozen<'_> {
        script(sandbox, &["pg-freeze", &k.to_string()]);
        Frozen(sandbox, k.to_string())
    }
}

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        script(self.0, &["pg-thaw", &self.1]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_backend_node_info_ends_within_its_limit() {
    let sandbox = plain_sandbox();
    let _one = ONE_AT_A_TIME.lock().await;
    let limit = Duration::from_secs(3);
    let mut client = config(&sandbox, limit).connect().await.unwrap();
    {
        let _frozen = Frozen::new(&sandbox, 2);
        for _ in 0..3 {
            for call in 0..3 {
                let started = Instant::now();
                let r = match call {
                    0 => client.node_info(2).await.map(|_| ()),
                    1 => client.node_info_all().await.map(|_| ()),
                    _ => client.health_check_stats(2).await.map(|_| ()),
                };
                let took = started.elapsed();
                assert!(
                    took < limit + Duration::from_secs(1),
                    "call {call}: {took:?}"
                );
                eprintln!(
                    "backend 2 frozen: call {call} took {took:?}: {:?}",
                    r.as_ref().err()
                );
                if let Err(e) = r {
                    assert_eq!(e.kind(), ErrorKind::Timeout, "call {call}: {e}");
                }
            }
        }
    }
    // With health checks on (production profile), Pgpool may have failed node 2 over while it
    // hung: attach it again.
    reattach_down_nodes(&sandbox).await;
    ensure_pgpool(&sandbox).await;
}

/// What must not change while nothing fails over. Replication state and delay are left out:
/// Pgpool's streaming-replication check refreshes them, and leaves them blank when a check
/// does not complete (seen under this load).
fn stable(n: &NodeInfo) -> (String, u16, BackendStatus, Role, u64) {
    (
        n.hostname.clone(),
        n.port,
        n.status.clone(),
        n.role.clone(),
        n.weight.raw.to_bits(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_sessions_times_a_thousand_commands() {
    let sandbox = plain_sandbox();
    let _one = ONE_AT_A_TIME.lock().await;
    let config = config(&sandbox, Duration::from_secs(10));
    let mut first = config.connect().await.unwrap();
    let all = first.node_info_all().await.unwrap();
    assert_nominal(&all.nodes);
    let baseline: Vec<_> = all.nodes.iter().map(stable).collect();
    let pids = {
        let mut p = first.process_count().await.unwrap();
        p.sort_unstable();
        p
    };
    // With health checks on (the production profile), every node-info request makes Pgpool
    // probe each backend it reports (about 25 ms here with SCRAM): 16,000 of them would test
    // Pgpool's probing, not the client. There the node reads are health-check statistics,
    // which Pgpool answers from memory, compared on the same fields.
    let probing = first
        .pool_status()
        .await
        .unwrap()
        .iter()
        .any(|i| i.name == "health_check_period" && i.value.trim() != "0");
    first.close().await.unwrap();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for session in 0..32u32 {
        let config = config.clone();
        let baseline = baseline.clone();
        let pids = pids.clone();
        tasks.spawn(async move {
            let mut client: Client = config.connect().await.expect("connect");
            let mut errors = Vec::new();
            for i in 0..1000u32 {
                let outcome = match (session + i) % 4 {
                    0 => client.node_count().await.map(|n| n == 3),
                    1 | 3 if probing => client.health_check_stats(i % 3).await.map(|h| {
                        let (host, port, status, role, _) = &baseline[(i % 3) as usize];
                        (&h.hostname, &h.port, &h.status, &h.role) == (host, port, status, role)
                    }),
                    1 => client
                        .node_info(i % 3)
                        .await
                        .map(|n| stable(&n) == baseline[(i % 3) as usize]),
                    2 => client.process_count().await.map(|mut p| {
                        p.sort_unstable();
                        p == pids
                    }),
                    _ => client
                        .node_info_all()
                        .await
                        .map(|all| all.nodes.iter().map(stable).eq(baseline.iter().cloned())),
                };
                match outcome {
                    Ok(true) => {}
                    Ok(false) => errors.push(format!("session {session} #{i}: inconsistent")),
                    Err(e) => errors.push(format!("session {session} #{i}: {e}")),
                }
            }
            assert_eq!(client.sessions_opened(), 1, "session {session} reconnected");
            client.close().await.expect("close");
            errors
        });
    }
    let mut errors = Vec::new();
    while let Some(r) = tasks.join_next().await {
        errors.extend(r.unwrap());
    }
    let took = started.elapsed();
    eprintln!("32 sessions x 1000 commands in {took:?}");
    assert!(
        errors.is_empty(),
        "{} errors: {:?}",
        errors.len(),
        &errors[..errors.len().min(10)]
    );
    assert!(took < Duration::from_secs(120), "{took:?}");
}
