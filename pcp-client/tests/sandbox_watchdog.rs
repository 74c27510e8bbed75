//! The client against the sandbox's watchdog profile (`scripts/sandbox up --watchdog`: three
//! Pgpools in one watchdog cluster).
//!
//! These tests run only when the sandbox (or `$PCP_SANDBOX_PROFILE`) is the watchdog profile;
//! otherwise they print why and return, unless `PCP_REQUIRE_WATCHDOG=1`, which makes them fail.

mod common;

use std::time::{Duration, Instant};

use pcp_client::proto::{NodeSelector, QuorumStatus, WatchdogInfo, WatchdogState};
use pcp_client::{Client, Config, Endpoint, EndpointSelection};
use pcp_testkit::sandbox::Sandbox;
use tokio::sync::RwLock;

static CLUSTER: RwLock<()> = RwLock::const_new(());

/// The watchdog sandbox, or `None` (after saying why) when these tests do not apply.
fn watchdog_sandbox() -> Option<Sandbox> {
    let required = std::env::var("PCP_REQUIRE_WATCHDOG").is_ok_and(|v| v == "1");
    let loaded = Sandbox::from_env();
    let profile = std::env::var("PCP_SANDBOX_PROFILE")
        .ok()
        .or_else(|| loaded.as_ref().ok().map(|s| s.profile.clone()));
    if profile.as_deref() != Some("watchdog") {
        let why = format!(
            "the sandbox profile is {profile:?}, not \"watchdog\"; start one with \
             `scripts/sandbox up --watchdog`"
        );
        assert!(!required, "PCP_REQUIRE_WATCHDOG=1 but {why}");
        eprintln!("skipping watchdog test: {why}");
        return None;
    }
    let sandbox = match loaded {
        Ok(sandbox) => sandbox,
        Err(e) => panic!("{e}"),
    };
    assert!(
        sandbox.is_watchdog(),
        "{} is not a watchdog sandbox",
        sandbox.env_file.display()
    );
    assert_eq!(sandbox.pcp_ports.len(), 3, "{sandbox:?}");
    Some(sandbox)
}

fn config(sandbox: &Sandbox, ports: &[u16]) -> Config {
    let mut config = common::sandbox(sandbox, ports);
    config.connect_timeout(Duration::from_secs(10));
    config
}

async fn watchdog_of(sandbox: &Sandbox, port: u16) -> WatchdogInfo {
    let mut client = config(sandbox, &[port]).connect().await.unwrap();
    let info = client.watchdog_info(NodeSelector::All).await.unwrap();
    client.close().await.unwrap();
    info
}

/// Waits (up to a minute) until every Pgpool sees the whole cluster: three members, two of
/// them remote and alive, quorum, and one leader they agree on. A test that ran just before
/// (the watchdog drill) may have stopped and restarted a Pgpool, and the cluster takes a few
/// seconds to form again.
async fn settled(sandbox: &Sandbox) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut views = Vec::new();
        for port in &sandbox.pcp_ports {
            let view = async {
                let mut client = config(sandbox, &[*port]).connect().await?;
                let info = client.watchdog_info(NodeSelector::All).await;
                client.close().await.ok();
                info
            }
            .await;
            views.push(view.map_err(|e| e.to_string()));
        }
        let leaders: std::collections::BTreeSet<String> = views
            .iter()
            .filter_map(|v| v.as_ref().ok())
            .map(|i| i.leader_node_name.clone())
            .collect();
        let whole = leaders.len() == 1
            && views.iter().all(|v| {
                v.as_ref().is_ok_and(|i| {
                    i.quorum_status == QuorumStatus::Exists
                        && i.nodes.len() == 3
                        && i.alive_node_count == 2
                })
            });
        if whole {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the watchdog cluster is not whole after 60 s: {views:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The index of the Pgpool whose local watchdog node is the leader.
async fn leader_index(sandbox: &Sandbox) -> usize {
    let mut leaders = Vec::new();
    for (i, port) in sandbox.pcp_ports.iter().enumerate() {
        let info = watchdog_of(sandbox, *port).await;
        if info.nodes.first().map(|n| n.state) == Some(WatchdogState::Leader) {
            leaders.push(i);
        }
    }
    assert_eq!(leaders.len(), 1, "exactly one leader expected: {leaders:?}");
    leaders[0]
}

#[tokio::test]
async fn three_members_and_one_leader() {
    let Some(sandbox) = watchdog_sandbox() else {
        return;
    };
    let _shared = CLUSTER.read().await;
    settled(&sandbox).await;
    let mut leader_names = Vec::new();
    for (i, port) in sandbox.pcp_ports.iter().enumerate() {
        let info = watchdog_of(&sandbox, *port).await;
        assert_eq!(info.nodes.len(), 3, "{info:?}");
        assert_eq!(info.node_count, 3);
        assert_eq!(info.remote_node_count, 2);
        assert_eq!(info.member_remote_node_count, Some(2), "4.3 keys");
        assert!(!info.master_keys);
        assert_eq!(info.quorum_status, QuorumStatus::Exists);
        // The local node comes first.
        assert_eq!(
            info.nodes[0].pgpool_port,
            i64::from(sandbox.pgpool_ports[i]),
            "{info:?}"
        );
        assert_eq!(
            info.leader().map(|n| n.node_name.clone()),
            Some(info.leader_node_name.clone())
        );
        leader_names.push(info.leader_node_name.clone());
    }
    leader_names.dedup();
    assert_eq!(leader_names.len(), 1, "every member names the same leader");
    leader_index(&sandbox).await;
}

#[tokio::test]
async fn prefer_watchdog_leader_connects_to_the_leader() {
    let Some(sandbox) = watchdog_sandbox() else {
        return;
    };
    let _shared = CLUSTER.read().await;
    settled(&sandbox).await;
    let leader = leader_index(&sandbox).await;
    let mut ports = sandbox.pcp_ports.clone();
    for _ in 0..ports.len() {
        let mut config = config(&sandbox, &ports);
        config.endpoint_selection(EndpointSelection::PreferWatchdogLeader);
        let mut client = config.connect().await.unwrap();
        assert_eq!(
            client.endpoint().map(Endpoint::port),
            Some(sandbox.pcp_ports[leader]),
            "endpoints in order {ports:?}"
        );
        assert_eq!(client.node_count().await.unwrap(), 3);
        client.close().await.unwrap();
        ports.rotate_left(1);
    }
}

async fn wait_until_connectable(sandbox: &Sandbox, port: u16) -> Client {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match config(sandbox, &[port]).connect().await {
            Ok(client) => return client,
            Err(e) => {
                assert!(Instant::now() < deadline, "pcp port {port}: {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

#[tokio::test]
async fn next_endpoint_when_the_first_pgpool_stops() {
    let Some(sandbox) = watchdog_sandbox() else {
        return;
    };
    let _exclusive = CLUSTER.write().await;
    settled(&sandbox).await;
    let ports = sandbox.pcp_ports.clone();
    let mut client = config(&sandbox, &ports).connect().await.unwrap();
    assert_eq!(client.endpoint().map(Endpoint::port), Some(ports[0]));
    assert_eq!(client.node_count().await.unwrap(), 3);

    let out = sandbox.script(&["pgpool-stop", "0"]).unwrap();
    assert!(
        out.status.success(),
        "pgpool-stop 0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Restarts Pgpool 0 even if an assertion below fails.
    let restore = RestartOnDrop(&sandbox);

    // The open session died with Pgpool 0; the next call lands on Pgpool 1.
    let count = match client.node_count().await {
        Ok(count) => count,
        // Only if the session's death is noticed mid-call: then the call after it.
        Err(e) if e.is_fatal() => {
            eprintln!("the session's death was noticed mid-call: {e}");
            client.node_count().await.unwrap()
        }
        Err(e) => panic!("{e}"),
    };
    assert_eq!(count, 3);
    assert_eq!(client.endpoint().map(Endpoint::port), Some(ports[1]));
    assert_eq!(client.sessions_opened(), 2);
    client.close().await.unwrap();
    // A fresh client skips the stopped endpoint.
    let mut fresh = config(&sandbox, &ports).connect().await.unwrap();
    assert_eq!(fresh.endpoint().map(Endpoint::port), Some(ports[1]));
    // The watchdog cluster goes on without it: a leader is there, or elected within seconds
    // (when Pgpool 0 was the leader).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let info = fresh.watchdog_info(NodeSelector::All).await.unwrap();
        if info.leader().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "no leader after 60 s: {info:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    fresh.close().await.unwrap();

    drop(restore);
    let mut back = wait_until_connectable(&sandbox, ports[0]).await;
    assert_eq!(back.node_count().await.unwrap(), 3);
    back.close().await.unwrap();
}

/// Starts Pgpool 0 again when dropped.
struct RestartOnDrop<'a>(&'a Sandbox);

impl Drop for RestartOnDrop<'_> {
    fn drop(&mut self) {
        match self.0.script(&["pgpool-start", "0"]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "pgpool-start 0 failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("pgpool-start 0 failed: {e}"),
        }
    }
}
