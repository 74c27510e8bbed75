//! Failover drill for the sandbox's watchdog profile (`scripts/sandbox up --watchdog`: three
//! Pgpools in one watchdog cluster): the leader Pgpool stops, another one takes over, and EFM's
//! hooks keep working through a client that knows every PCP endpoint.
//!
//! Runs only when the sandbox (or `$PCP_SANDBOX_PROFILE`) is the watchdog profile; otherwise it
//! says why and returns, unless `PCP_REQUIRE_WATCHDOG=1`, which makes it fail. It leaves the
//! cluster as it found it: every Pgpool running, the same watchdog leader, node0 primary and
//! node1, node2 standbys, all up and streaming.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use pcp_client::glue::host::HostSpec;
use pcp_client::glue::ops::{GlueOptions, OpReport};
use pcp_client::glue::policy::{EfmNodeType, Outcome};
use pcp_client::proto::{NodeSelector, WatchdogState};
use pcp_client::{Client, Config, Endpoint, EndpointSelection};
use pcp_testkit::sandbox::Sandbox;

const HOOK_WAIT: Duration = Duration::from_secs(30);
const READ_SESSIONS: usize = 12;

/// The watchdog sandbox, or `None` (after saying why) when this drill does not apply.
fn watchdog_sandbox() -> Option<Sandbox> {
    let required = std::env::var("PCP_REQUIRE_WATCHDOG").is_ok_and(|v| v == "1");
    let loaded = Sandbox::from_env();
    let profile = std::env::var("PCP_SANDBOX_PROFILE")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| loaded.as_ref().ok().map(|s| s.profile.clone()));
    if profile.as_deref() != Some("watchdog") {
        let why = format!(
            "the sandbox profile is {profile:?}, not \"watchdog\"; start one with \
             `scripts/sandbox up --watchdog`"
        );
        assert!(!required, "PCP_REQUIRE_WATCHDOG=1 but {why}");
        eprintln!("skipping the watchdog drill: {why}");
        return None;
    }
    let sandbox = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert!(
        sandbox.is_watchdog(),
        "{} is not a watchdog sandbox",
        sandbox.env_file.display()
    );
    assert_eq!(sandbox.pcp_ports.len(), 3, "{sandbox:?}");
    Some(sandbox)
}

struct Drill {
    sb: Sandbox,
    start: Instant,
}

impl Drill {
    fn step(&self, msg: impl Display) {
        eprintln!(
            "[watchdog +{:6.2}s] {msg}",
            self.start.elapsed().as_secs_f64()
        );
    }

    fn sandbox(&self, args: &[&str]) {
        let started = Instant::now();
        let out = self
            .sb
            .script(args)
            .unwrap_or_else(|e| panic!("scripts/sandbox {}: {e}", args.join(" ")));
        assert!(
            out.status.success(),
            "scripts/sandbox {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        self.step(format!(
            "scripts/sandbox {} ({:.2} s)",
            args.join(" "),
            started.elapsed().as_secs_f64()
        ));
    }

    /// A client for the PCP endpoints `ports`, logging in with the sandbox's `.pcppass`.
    fn config(&self, ports: &[u16], selection: EndpointSelection) -> Config {
        let mut config = Config::new();
        for port in ports {
            config.endpoint(Endpoint::tcp(&self.sb.pcp_host, *port));
        }
        config
            .user(&self.sb.pcp_user)
            .pcppass_file(self.sb.pcppass_file.clone())
            .endpoint_selection(selection)
            .connect_timeout(Duration::from_secs(5))
            .request_timeout(Some(Duration::from_secs(30)));
        config
    }

    /// What EFM's hooks are configured with: every Pgpool, the watchdog leader first
    /// (`pcpctl -h pgpool0,pgpool1,pgpool2 --prefer-leader`).
    async fn hook_client(&self) -> Client {
        let client = self
            .config(&self.sb.pcp_ports, EndpointSelection::PreferWatchdogLeader)
            .connect()
            .await
            .expect("connect to a Pgpool of the watchdog cluster");
        self.step(format!(
            "hook connected to PCP port {:?}",
            client.endpoint().map(Endpoint::port)
        ));
        client
    }

    async fn hook_detach(&self, k: usize, t: &str) -> OpReport {
        let host: HostSpec = self.sb.pg_hosts[k].parse().expect("%h");
        let node_type: EfmNodeType = t.parse().expect("%t");
        let mut client = self.hook_client().await;
        let report = client
            .lb_detach(&host, node_type, &GlueOptions::waiting(HOOK_WAIT))
            .await
            .unwrap_or_else(|e| panic!("detach hook {host} {t}: {e}"));
        client.close().await.ok();
        self.step(format!(
            "detach hook {host} {t}: node {} -> {}",
            report.node, report.outcome
        ));
        report
    }

    async fn hook_attach(&self, client: &mut Client, k: usize, t: &str) -> Vec<OpReport> {
        let host: HostSpec = self.sb.pg_hosts[k].parse().expect("%h");
        let node_type: EfmNodeType = t.parse().expect("%t");
        let reports = client
            .lb_attach(&host, node_type, &GlueOptions::waiting(HOOK_WAIT))
            .await
            .unwrap_or_else(|e| panic!("attach hook {host} {t}: {e}"));
        for r in &reports {
            self.step(format!(
                "attach hook {host} {t}: {} node {} -> {}",
                r.action, r.node, r.outcome
            ));
        }
        reports
    }

    /// The index of the Pgpool that is the watchdog leader, asking the running ones; waits up
    /// to `limit` until they agree on one.
    async fn leader(&self, running: &[usize], limit: Duration) -> usize {
        let started = Instant::now();
        loop {
            let mut views = BTreeMap::new();
            for &i in running {
                let port = self.sb.pcp_ports[i];
                let view = async {
                    let mut client = self
                        .config(&[port], EndpointSelection::InOrder)
                        .connect()
                        .await
                        .ok()?;
                    let info = client.watchdog_info(NodeSelector::All).await.ok()?;
                    client.close().await.ok();
                    let local = info.nodes.first()?;
                    Some((
                        local.state == WatchdogState::Leader,
                        info.leader_node_name.clone(),
                    ))
                }
                .await;
                views.insert(i, view);
            }
            let leaders: Vec<usize> = views
                .iter()
                .filter(|(_, v)| v.as_ref().is_some_and(|(leader, _)| *leader))
                .map(|(i, _)| *i)
                .collect();
            let names: std::collections::BTreeSet<_> = views
                .values()
                .map(|v| v.as_ref().map(|(_, name)| name.clone()))
                .collect();
            if leaders.len() == 1 && names.len() == 1 {
                return leaders[0];
            }
            assert!(
                started.elapsed() < limit,
                "no single watchdog leader among {running:?} after {limit:?}: {views:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    fn psql(&self, pgpool: usize, sql: &str) -> Result<String, String> {
        let out = self
            .sb
            .psql()
            .args(["-q", "-A", "-t", "-h", "127.0.0.1"])
            .args(["-p", &self.sb.pgpool_ports[pgpool].to_string()])
            .args(["-U", "postgres", "-d", "test", "-c", sql])
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// `SHOW POOL_NODES` through Pgpool `pgpool`: node id -> (status, role).
    fn pool_nodes(&self, pgpool: usize) -> BTreeMap<usize, (String, String)> {
        self.show_pool_nodes(pgpool)
            .unwrap_or_else(|e| panic!("SHOW POOL_NODES via pgpool{pgpool}: {e}"))
    }

    fn show_pool_nodes(&self, pgpool: usize) -> Result<BTreeMap<usize, (String, String)>, String> {
        let out = self
            .sb
            .psql()
            .args(["-A", "-F", "|", "-P", "footer=off", "-h", "127.0.0.1"])
            .args(["-p", &self.sb.pgpool_ports[pgpool].to_string()])
            .args(["-U", "postgres", "-d", "test", "-c", "show pool_nodes"])
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('|').collect();
        let col = |name: &str| header.iter().position(|h| *h == name);
        let (Some(id), Some(status), Some(role)) = (col("node_id"), col("status"), col("role"))
        else {
            return Err(format!("unexpected header {header:?}"));
        };
        Ok(lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                (
                    f[id].parse().unwrap_or(usize::MAX),
                    (f[status].to_owned(), f[role].to_owned()),
                )
            })
            .collect())
    }

    /// Every running Pgpool shows node0 primary and the nodes in `down` down, the others up.
    /// Waits a little: the watchdog propagates a change from the leader to the others.
    async fn expect_pools(&self, running: &[usize], down: &[usize]) {
        let started = Instant::now();
        for &i in running {
            loop {
                let nodes = self.pool_nodes(i);
                let ok = nodes.len() == 3
                    && nodes.iter().all(|(id, (status, role))| {
                        let up = status == "up" || status == "waiting";
                        let role_ok = *id != 0 || role == "primary";
                        role_ok
                            && if down.contains(id) {
                                status == "down"
                            } else {
                                up
                            }
                    });
                if ok {
                    self.step(format!("pgpool{i} SHOW POOL_NODES: {nodes:?}"));
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "pgpool{i} shows {nodes:?}, expected down {down:?}"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }

    /// Separate read sessions through Pgpool `pgpool` never reach a node of `down`.
    fn check_reads(&self, pgpool: usize, down: &[usize]) {
        let mut hits: BTreeMap<usize, usize> = BTreeMap::new();
        for i in 0..READ_SESSIONS {
            let addr = self
                .psql(pgpool, "select inet_server_addr()")
                .unwrap_or_else(|e| panic!("read session {i} via pgpool{pgpool}: {e}"));
            let ip: IpAddr = addr.parse().expect("an address");
            let node = if ip.is_loopback() && ip.is_ipv6() {
                0
            } else {
                self.sb
                    .pg_hosts
                    .iter()
                    .position(|h| h.parse::<IpAddr>().ok() == Some(ip))
                    .unwrap_or_else(|| panic!("unknown address {addr}"))
            };
            assert!(
                !down.contains(&node),
                "a read via pgpool{pgpool} reached node{node}"
            );
            *hits.entry(node).or_default() += 1;
        }
        self.step(format!(
            "{READ_SESSIONS} reads via pgpool{pgpool}: {hits:?}"
        ));
        assert!(
            hits.keys().any(|k| *k != 0),
            "no read reached a standby: {hits:?}"
        );
    }

    fn is_streaming_from_node0(&self, k: usize) -> bool {
        let out = self
            .sb
            .psql()
            .args(["-q", "-A", "-t", "-h", &self.sb.pg_hosts[0]])
            .args([
                "-p",
                &self.sb.pg_port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args([
                "-c",
                &format!(
                    "select count(*) from pg_stat_replication \
                     where application_name = 'node{k}' and state = 'streaming'"
                ),
            ])
            .output();
        matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).trim() == "1")
    }

    fn wait_streaming(&self) {
        let started = Instant::now();
        for k in 1..3 {
            while !self.is_streaming_from_node0(k) {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "node{k} does not stream from node0"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_pgpool_stops_and_the_hooks_keep_working() {
    let Some(sandbox) = watchdog_sandbox() else {
        return;
    };
    let d = Drill {
        sb: sandbox,
        start: Instant::now(),
    };
    let all: Vec<usize> = (0..d.sb.pcp_ports.len()).collect();
    d.step("checking the starting layout");
    d.wait_streaming();
    d.expect_pools(&all, &[]).await;
    let leader = d.leader(&all, Duration::from_secs(10)).await;
    d.step(format!("the watchdog leader is pgpool{leader}"));

    // Whatever happens below, every Pgpool runs again at the end.
    let guard = RestartOnDrop {
        sb: d.sb.clone(),
        stopped: vec![leader],
    };
    let stopped_at = Instant::now();
    d.sandbox(&["pgpool-stop", &leader.to_string()]);
    let survivors: Vec<usize> = all.iter().copied().filter(|&i| i != leader).collect();
    let new_leader = d.leader(&survivors, Duration::from_secs(60)).await;
    d.step(format!(
        "pgpool{new_leader} took over as leader {:.2} s after pgpool{leader} stopped",
        stopped_at.elapsed().as_secs_f64()
    ));

    // A standby fails while the old leader is gone: the detach hook, configured with every
    // Pgpool, lands on the new leader.
    d.sandbox(&["pg-stop", "2"]);
    let detach = d.hook_detach(2, "s").await;
    assert_eq!(detach.outcome, Outcome::Applied, "{detach:?}");
    d.expect_pools(&survivors, &[2]).await;
    for &i in &survivors {
        d.check_reads(i, &[2]);
    }

    // It comes back: the attach hook, this time with the endpoints in order and the stopped
    // Pgpool first (pcpctl -h without --prefer-leader): the client moves on to the next one.
    d.sandbox(&["pg-start", "2"]);
    let mut ports = vec![d.sb.pcp_ports[leader]];
    ports.extend(survivors.iter().map(|&i| d.sb.pcp_ports[i]));
    let mut client = d
        .config(&ports, EndpointSelection::InOrder)
        .connect()
        .await
        .expect("connect past the stopped Pgpool");
    assert_ne!(
        client.endpoint().map(Endpoint::port),
        Some(d.sb.pcp_ports[leader]),
        "the stopped Pgpool cannot have answered"
    );
    let attach = d.hook_attach(&mut client, 2, "s").await;
    assert_eq!(attach[0].outcome, Outcome::Applied, "{attach:?}");
    let again = d.hook_attach(&mut client, 2, "s").await;
    assert_eq!(again[0].outcome, Outcome::AlreadyApplied, "{again:?}");
    client.close().await.ok();
    d.wait_streaming();
    d.expect_pools(&survivors, &[]).await;
    for &i in &survivors {
        d.check_reads(i, &[]);
    }

    // The old leader comes back and learns the backends' state from the cluster.
    drop(guard);
    d.step(format!("pgpool{leader} started again"));
    d.expect_pools(&all, &[]).await;
    let now_leader = d.leader(&all, Duration::from_secs(30)).await;
    if now_leader != leader {
        // Give the leadership back (the highest wd_priority wins the election): restart the
        // current leader while the original one is running.
        d.step(format!(
            "pgpool{now_leader} is still the leader; restarting it so that pgpool{leader} leads again"
        ));
        let guard = RestartOnDrop {
            sb: d.sb.clone(),
            stopped: vec![now_leader],
        };
        d.sandbox(&["pgpool-stop", &now_leader.to_string()]);
        let others: Vec<usize> = all.iter().copied().filter(|&i| i != now_leader).collect();
        let back = d.leader(&others, Duration::from_secs(60)).await;
        drop(guard);
        assert_eq!(back, leader, "pgpool{leader} should lead again");
        d.expect_pools(&all, &[]).await;
        assert_eq!(d.leader(&all, Duration::from_secs(30)).await, leader);
    }
    d.wait_streaming();
    eprintln!(
        "DRILL watchdog: passed in {:.2} s",
        d.start.elapsed().as_secs_f64()
    );
}

/// Starts the stopped Pgpools again when dropped (also when the drill fails).
struct RestartOnDrop {
    sb: Sandbox,
    stopped: Vec<usize>,
}

impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        for i in &self.stopped {
            let i = i.to_string();
            match self.sb.script(&["pgpool-start", &i]) {
                Ok(out) if out.status.success() => {}
                Ok(out) => eprintln!(
                    "pgpool-start {i} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(e) => eprintln!("pgpool-start {i}: {e}"),
            }
        }
    }
}
