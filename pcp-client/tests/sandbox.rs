//! The client against a real Pgpool brought up by `scripts/sandbox up`: Debian's 4.3.5, or
//! the release of `PCP_SANDBOX_PGPOOL` (`scripts/pgpool-build`). Where releases differ, the
//! tests assert what the running release (`Sandbox::pgpool_version`) does.
//!
//! The sandbox is found through `PCP_SANDBOX_ENV`, else `$PCP_SANDBOX_DIR/sandbox.env`, else
//! `/var/tmp/pcp-sandbox/sandbox.env`. Without one these tests fail (they never pass silently).
//! Tests that change the cluster (detach/attach) take the write side of a lock; the others
//! take the read side, so they never see the cluster in the middle of a change.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use pcp_client::proto::{
    BackendStatus, NodeInfoLayout, NodeSelector, ProcessInfoLayout, Reply, Request, Role, Scope,
    Severity, Version,
};
use pcp_client::{Client, Config, Endpoint, ErrorKind, PasswordSource};
use pcp_testkit::sandbox::Sandbox;
use tokio::sync::RwLock;

static CLUSTER: RwLock<()> = RwLock::const_new(());

fn config(sandbox: &Sandbox) -> Config {
    let mut config = common::sandbox(sandbox, &[]);
    config
        .connect_timeout(Duration::from_secs(10))
        .request_timeout(Some(Duration::from_secs(30)));
    config
}

/// The node-info layout a release sends, written out per release line (not derived from
/// the code under test): a release without an entry fails the test until someone checks it.
fn expected_node_layout(version: Version) -> NodeInfoLayout {
    match (version.major, version.minor) {
        (4, 3) => NodeInfoLayout::V4_3,
        (4, 4..=7) => NodeInfoLayout::V4_4,
        _ => panic!("no node-info expectation for Pgpool {version}: check it and add one"),
    }
}

/// The process-info layout a release sends (see [`expected_node_layout`]).
fn expected_process_layout(version: Version) -> ProcessInfoLayout {
    match (version.major, version.minor) {
        (4, 3..=4) => ProcessInfoLayout::V4_3,
        (4, 5..=6) => ProcessInfoLayout::V4_5,
        (4, 7) => ProcessInfoLayout::V4_7,
        _ => panic!("no process-info expectation for Pgpool {version}: check it and add one"),
    }
}

async fn connect(sandbox: &Sandbox) -> Client {
    config(sandbox)
        .connect()
        .await
        .expect("connect to the sandbox's Pgpool")
}

#[test]
fn sandbox_is_running() {
    let sandbox = Sandbox::require();
    assert_eq!(sandbox.pg_hostnames.len(), 3, "{sandbox:?}");
}

#[tokio::test]
async fn node_count_and_node_info() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    assert_eq!(client.node_count().await.unwrap(), 3);

    let node0 = client.node_info(0).await.unwrap();
    assert_eq!(node0.role, Role::Primary);
    assert_eq!(node0.hostname, "localhost");
    assert_eq!(node0.port, sandbox.pg_port);
    assert!(node0.status.is_usable(), "{node0:?}");
    assert!(
        node0.quarantine.is_some(),
        "4.3.5 (and every later release) sends the quarantine flag"
    );
    let version = sandbox.pgpool_version();
    let layout = expected_node_layout(version);
    let known = client.known_generation().unwrap();
    assert!(known.contains(version), "{known} lacks {version}");
    if version == Version::new(4, 3) {
        // 4.3 layout: one generation only.
        assert!(known.contains(Version::new(4, 3)) && known.until == Some(Version::new(4, 3)));
    } else {
        // 4.4+ (13 fields, delay-by-time flag): open-ended, 4.3 ruled out.
        assert_eq!(known, layout.generation(), "{version}");
        assert!(!known.contains(Version::new(4, 3)), "{known}");
    }

    let all = client.node_info_all().await.unwrap();
    assert_eq!(all.layout, layout, "Pgpool {version}");
    assert_eq!(all.nodes.len(), 3);
    for (i, node) in all.nodes.iter().enumerate() {
        assert_eq!(node.hostname, sandbox.pg_hostnames[i]);
        assert_eq!(node.port, sandbox.pg_port);
        let want = if i == 0 { Role::Primary } else { Role::Standby };
        assert_eq!(node.role, want, "node {i}");
        assert!(node.pg_status.is_some() && node.pg_role.is_some());
        let share = node.weight.normalized();
        assert!((share - 1.0 / 3.0).abs() < 1e-5, "weight {share}");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn process_count_and_process_info() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    let version = sandbox.pgpool_version();
    // 4.3–4.4: 17 fields; 4.5–4.6: 18 (load-balance node); 4.7: 21 (client host, port and
    // statement too).
    let layout = expected_process_layout(version);
    let children: usize = 4; // PCP_SANDBOX_NUM_INIT_CHILDREN's default
                             // Children restart by themselves now and then (e.g. after a failback), so a pid can
                             // vanish between `N` and `P`: try the whole round a few times.
    let mut attempts = 0;
    let pids = loop {
        attempts += 1;
        let pids = client.process_count().await.unwrap();
        assert_eq!(pids.len(), children, "{pids:?}");
        let mut vanished = None;
        for pid in &pids {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                vanished = Some(format!("/proc/{pid} is gone"));
                break;
            }
            match client.process_info(Some(*pid)).await {
                Ok(reply) => {
                    assert_eq!(reply.layout, Some(layout), "Pgpool {version}");
                    assert!(!reply.processes.is_empty());
                    for row in &reply.processes {
                        assert_eq!(row.pid, Some(*pid));
                        assert!(row.start_time.is_some(), "{row:?}");
                        assert!(row.backend_id.is_some_and(|b| b < 3), "{row:?}");
                        // The load-balance flag exists since 4.5 and is always filled in.
                        assert_eq!(
                            row.load_balance_node.is_some(),
                            layout != ProcessInfoLayout::V4_3,
                            "Pgpool {version}: {row:?}"
                        );
                        assert!(row.extra.is_empty(), "Pgpool {version}: {row:?}");
                    }
                    // max_pool × backends rows per child.
                    assert_eq!(reply.processes.len() % 3, 0, "{}", reply.processes.len());
                }
                Err(e) if e.kind() == ErrorKind::Server => {
                    vanished = Some(e.to_string());
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
        match vanished {
            None => break pids,
            Some(why) if attempts < 5 => {
                eprintln!("children changed ({why}); again");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Some(why) => panic!("children keep changing: {why}"),
        }
    };
    let all = client.process_info(None).await.unwrap();
    assert_eq!(all.layout, Some(layout), "Pgpool {version}");
    // Rows for every child (rows of children that restarted meanwhile carry new pids).
    assert_eq!(
        all.processes.len() % (children * 3),
        0,
        "{}",
        all.processes.len()
    );
    let listed: std::collections::BTreeSet<u32> =
        all.processes.iter().filter_map(|p| p.pid).collect();
    assert_eq!(listed.len(), pids.len());
    // An unknown pid is an ERROR that leaves the session usable.
    let err = client.process_info(Some(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(err.to_string().contains("invalid process ID"), "{err}");
    assert_eq!(client.process_count().await.unwrap().len(), children);
    assert_eq!(client.sessions_opened(), 1);
}

#[tokio::test]
async fn pool_status_and_health_check_stats() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    let items = client.pool_status().await.unwrap();
    let value = |name: &str| {
        items
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.value.clone())
    };
    assert_eq!(value("backend_hostname0").as_deref(), Some("localhost"));
    assert_eq!(
        value("backend_port0"),
        Some(sandbox.pg_port.to_string()),
        "{items:?}"
    );
    assert_eq!(value("backend_hostname1").as_deref(), Some("127.0.0.2"));

    let stats = client.health_check_stats(0).await.unwrap();
    assert_eq!(stats.node_id, 0);
    assert_eq!(stats.hostname, "localhost");
    assert_eq!(stats.port, sandbox.pg_port);
    assert_eq!(stats.role, Role::Primary);
    // The off-by-one id check of the server: id == node count is its own ERROR.
    let err = client.health_check_stats(3).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(
        err.as_server_error()
            .and_then(|m| m.detail.as_deref())
            .is_some_and(|d| d.contains("does not exist")),
        "{err}"
    );
}

#[tokio::test]
async fn error_keeps_the_session() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    let err = client.node_info(7).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert!(!err.is_fatal());
    let msg = err.as_server_error().unwrap();
    assert_eq!(msg.severity, Severity::Error);
    assert_eq!(msg.message, "informing node info failed");
    assert_eq!(msg.detail.as_deref(), Some("invalid node ID : 7"));
    assert!(err.to_string().contains("invalid node ID : 7"));
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.sessions_opened(), 1, "same session after the ERROR");
}

#[tokio::test]
async fn fatal_paths() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    // Wrong password: FATAL during login.
    let mut bad = config(&sandbox);
    bad.password("not-the-password");
    let err = bad.connect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    let msg = err.as_server_error().unwrap();
    assert_eq!(msg.severity, Severity::Fatal);
    assert!(msg.message.contains("authentication failed"), "{msg}");
    assert!(!format!("{err}{err:?}").contains("not-the-password"));

    // Promoting the current primary: FATAL, the session is closed, the next call reconnects.
    let mut client = connect(&sandbox).await;
    let err = client.promote_node(0, false, false).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert!(err.is_fatal());
    let msg = err.as_server_error().unwrap();
    assert_eq!(msg.severity, Severity::Fatal);
    assert!(
        msg.detail
            .as_deref()
            .unwrap_or("")
            .contains("already primary"),
        "{msg}"
    );
    assert!(!client.is_connected());
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.sessions_opened(), 2);
}

#[tokio::test]
async fn pipelined_login() {
    let sandbox = Sandbox::require();
    // Exclusive: a detach is sent below (with a wrong password, so it must not run).
    let _exclusive = CLUSTER.write().await;
    let mut good = config(&sandbox);
    good.pipeline_login(true);
    let mut client = good.connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.node_info(0).await.unwrap().role, Role::Primary);
    assert_eq!(client.sessions_opened(), 1);
    client.close().await.unwrap();
    // A pipeline as the first thing on the session: the verdict comes before its replies.
    let mut client = good.connect().await.unwrap();
    let results = client
        .pipeline(&[Request::NodeCount, Request::ProcessCount])
        .await
        .unwrap();
    assert!(matches!(results[0], Ok(Reply::NodeCount(3))), "{results:?}");
    assert!(matches!(&results[1], Ok(Reply::ProcessCount(p)) if !p.is_empty()));
    client.close().await.unwrap();
    // Closing before any request sends the login and `X` together.
    good.connect().await.unwrap().close().await.unwrap();

    // Wrong password: connect only exchanged the salt; the first request fails with the
    // refusal, as a login error, and Pgpool does not run it (standby 2 stays up).
    let mut bad = config(&sandbox);
    bad.password("not-the-password").pipeline_login(true);
    let mut client = bad.connect().await.unwrap();
    let err = client.detach_node(2, false).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication, "{err}");
    assert!(err.is_fatal());
    assert!(!client.is_connected());
    assert_eq!(err.as_server_error().unwrap().severity, Severity::Fatal);
    let text = err.to_string();
    assert!(text.starts_with("authentication failed: at "), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    // A detach that ran would show within Pgpool's failover (well under a second here).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut check = connect(&sandbox).await;
    let node2 = check.node_info(2).await.unwrap();
    assert!(node2.status.is_usable(), "{node2:?}");
    check.close().await.unwrap();
}

/// The two commands of 4.6: Unsupported on 4.3, server ERRORs on 4.6+ (as configured here).
#[tokio::test]
async fn log_rotate_and_invalidate_query_cache() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let version = sandbox.pgpool_version();
    match (version.major, version.minor) {
        (4, 3) => unsupported_commands_on_4_3(&sandbox).await,
        (4, 6..=7) => log_rotate_and_invalidate_query_cache_on_4_6(&sandbox).await,
        _ => panic!("no expectation for Pgpool {version}: check it and add one"),
    }
}

async fn unsupported_commands_on_4_3(sandbox: &Sandbox) {
    // Generation unknown: the request goes out and the FATAL "unknown PCP packet type" maps
    // to Unsupported.
    let mut client = connect(sandbox).await;
    let err = client.log_rotate(Scope::Local).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.is_fatal());
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(client.sessions_opened(), 2);
    // Once a reply revealed 4.3, 4.6 commands are refused without sending.
    client.node_info(0).await.unwrap();
    let err = client.invalidate_query_cache().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(!err.is_fatal());
    assert_eq!(client.node_count().await.unwrap(), 3);
    assert_eq!(
        client.sessions_opened(),
        2,
        "the session survived the refusal"
    );
}

/// 4.6 knows both commands. The sandbox runs without `logging_collector` and without the
/// query cache, so both are server ERRORs (not FATAL): the session goes on.
async fn log_rotate_and_invalidate_query_cache_on_4_6(sandbox: &Sandbox) {
    let mut client = connect(sandbox).await;
    // Before any reply revealed the release, and after one did: the same ERROR.
    for reveal in [false, true] {
        if reveal {
            client.node_info(0).await.unwrap();
            assert!(!client
                .known_generation()
                .unwrap()
                .contains(Version::new(4, 3)));
        }
        let err = client.log_rotate(Scope::Local).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server, "{err}");
        assert!(!err.is_fatal(), "{err}");
        let msg = err.as_server_error().unwrap();
        assert_eq!(msg.severity, Severity::Error);
        assert_eq!(msg.message, "process log rotation request failed");
        assert_eq!(msg.detail.as_deref(), Some("logging_collector is disabled"));

        let err = client.invalidate_query_cache().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server, "{err}");
        assert!(!err.is_fatal(), "{err}");
        let msg = err.as_server_error().unwrap();
        assert_eq!(msg.severity, Severity::Error);
        assert_eq!(msg.message, "query cache is not enabled");
        assert_eq!(client.node_count().await.unwrap(), 3);
    }
    assert_eq!(client.sessions_opened(), 1, "ERRORs keep the session");
    client.close().await.unwrap();
}

#[tokio::test]
async fn pipeline_on_a_real_server() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    let results = client
        .pipeline(&[
            Request::NodeCount,
            Request::NodeInfo {
                node: NodeSelector::All,
            },
            Request::NodeInfo {
                node: NodeSelector::Id(7),
            },
            Request::ProcessCount,
            Request::PoolStatus,
            Request::HealthCheckStats { node: 1 },
        ])
        .await
        .unwrap();
    assert!(matches!(results[0], Ok(Reply::NodeCount(3))), "{results:?}");
    assert!(matches!(&results[1], Ok(Reply::NodeInfo(r)) if r.nodes.len() == 3));
    assert_eq!(results[2].as_ref().unwrap_err().kind(), ErrorKind::Server);
    assert!(matches!(&results[3], Ok(Reply::ProcessCount(p)) if !p.is_empty()));
    assert!(matches!(&results[4], Ok(Reply::PoolStatus(items)) if items.len() > 100));
    assert!(matches!(&results[5], Ok(Reply::HealthCheckStats(s)) if s.node_id == 1));
    assert_eq!(client.sessions_opened(), 1);
}

#[tokio::test]
async fn notices_after_set_parameter() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    client
        .set_parameter("client_min_messages", "debug1")
        .await
        .unwrap();
    client.node_count().await.unwrap();
    let notices = client.take_notices();
    assert!(
        notices.iter().any(|n| n.severity == Severity::Debug),
        "{notices:?}"
    );
    let err = client.set_parameter("work_mem", "1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    client.reload_config(Scope::Local).await.unwrap();
}

#[tokio::test]
async fn unix_socket_endpoint() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut unix = Config::new();
    unix.endpoint(Endpoint::unix(&sandbox.pcp_socket_dir, sandbox.pcp_port))
        .user(&sandbox.pcp_user)
        .password(sandbox.pcp_password.as_str());
    let mut client = unix.connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    // The same through a `-h`-style host string.
    let mut config = Config::new();
    config
        .host(sandbox.pcp_socket_dir.to_str().unwrap(), sandbox.pcp_port)
        .user(&sandbox.pcp_user)
        .password(sandbox.pcp_password.as_str());
    let mut client = config.connect().await.unwrap();
    assert_eq!(client.node_info(1).await.unwrap().role, Role::Standby);
}

#[tokio::test]
async fn watchdog_info_without_watchdog() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.read().await;
    let mut client = connect(&sandbox).await;
    let result = client.watchdog_info(NodeSelector::All).await;
    if sandbox.is_watchdog() {
        let info = result.unwrap();
        assert_eq!(info.nodes.len(), sandbox.pcp_ports.len());
        return;
    }
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert_eq!(
        err.as_server_error().and_then(|m| m.detail.as_deref()),
        Some("watchdog is not enabled")
    );
    assert_eq!(client.node_count().await.unwrap(), 3);
}

/// PCPPASSFILE is read from the environment; the lookup runs in a child process so that no
/// test changes this process's environment.
#[test]
fn pcppass_through_pcppassfile() {
    let sandbox = Sandbox::require();
    let _shared = CLUSTER.blocking_read();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "pcppassfile_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PCPPASSFILE", &sandbox.pcppass_file)
        .env("PCP_SANDBOX_ENV", &sandbox.env_file)
        .env("PCP_TEST_PCPPASS_CHILD", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[tokio::test]
#[ignore = "run by pcppass_through_pcppassfile with PCPPASSFILE set"]
async fn pcppassfile_child() {
    if std::env::var_os("PCP_TEST_PCPPASS_CHILD").is_none() {
        return;
    }
    let sandbox = Sandbox::require();
    let mut config = Config::new();
    let endpoint = Endpoint::tcp(&sandbox.pcp_host, sandbox.pcp_port);
    config.endpoint(endpoint.clone()).user(&sandbox.pcp_user);
    assert_eq!(config.pcppass_path(), Some(sandbox.pcppass_file.clone()));
    let lookup = config.resolve_password(&endpoint, &sandbox.pcp_user);
    assert_eq!(
        lookup.source,
        PasswordSource::File(sandbox.pcppass_file.clone())
    );
    assert!(lookup.warnings.is_empty(), "{:?}", lookup.warnings);
    let mut client = config.connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
    // Through the socket directory as well (the sandbox file uses `*` for the host).
    let mut unix = Config::new();
    unix.endpoint(Endpoint::unix(&sandbox.pcp_socket_dir, sandbox.pcp_port))
        .user(&sandbox.pcp_user);
    let mut client = unix.connect().await.unwrap();
    assert_eq!(client.node_count().await.unwrap(), 3);
}

/// Polls node `id` on fresh sessions until `pred` holds.
async fn wait_for_node(
    sandbox: &Sandbox,
    id: u32,
    what: &str,
    pred: impl Fn(&BackendStatus) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut client = connect(sandbox).await;
        let node = client.node_info(id).await.unwrap();
        client.close().await.unwrap();
        if pred(&node.status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "node {id} never became {what}: {node:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until the child processes stop changing (a failover/failback restarts them).
async fn wait_for_stable_children(sandbox: &Sandbox) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = Vec::new();
    loop {
        let mut client = connect(sandbox).await;
        let mut pids = client.process_count().await.unwrap();
        client.close().await.unwrap();
        pids.sort_unstable();
        if pids == last
            && pids
                .iter()
                .all(|p| Path::new(&format!("/proc/{p}")).exists())
        {
            return;
        }
        assert!(Instant::now() < deadline, "children keep changing");
        last = pids;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Runs one action on a fresh session and closes it at once.
///
/// Pgpool 4.3 restarts its PCP listener after every failover/failback, and the new listener
/// accepts nothing until every open PCP session has ended: a session kept open across the
/// change would block every new connection (observed: a 10 s connect timeout).
async fn on_fresh_session<F, Fut>(sandbox: &Sandbox, action: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Client>,
{
    let client = action(connect(sandbox).await).await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn attach_up_node_and_detach_attach_standby() {
    let sandbox = Sandbox::require();
    let _exclusive = CLUSTER.write().await;
    // Attaching a node that is already up is accepted (the main process then just logs
    // "invalid failback request").
    on_fresh_session(&sandbox, |mut c| async move {
        c.attach_node(1).await.unwrap();
        c
    })
    .await;
    wait_for_node(&sandbox, 1, "up", BackendStatus::is_usable).await;

    // Detach standby 2, wait until Pgpool shows it down, attach it again, wait until it is
    // back.
    on_fresh_session(&sandbox, |mut c| async move {
        c.detach_node(2, false).await.unwrap();
        c
    })
    .await;
    wait_for_node(&sandbox, 2, "down", |s| *s == BackendStatus::Down).await;
    on_fresh_session(&sandbox, |mut c| async move {
        c.attach_node(2).await.unwrap();
        c
    })
    .await;
    wait_for_node(&sandbox, 2, "up", BackendStatus::is_usable).await;
    wait_for_stable_children(&sandbox).await;
    let mut client = connect(&sandbox).await;
    let all = client.node_info_all().await.unwrap();
    assert!(all.nodes.iter().all(|n| n.status.is_usable()), "{all:?}");
    assert_eq!(all.nodes[0].role, Role::Primary);
    client.close().await.unwrap();
}
