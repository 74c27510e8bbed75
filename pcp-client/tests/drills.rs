//! End-to-end failover drills on the real sandbox (`scripts/sandbox up`): the tests play EDB
//! Failover Manager's part (stop, promote and rebuild PostgreSQL nodes) and call the glue exactly
//! as EFM's load-balancer hooks and Pgpool's follow-primary hook would, with the arguments those
//! pass (`%h` is the node's IP address, `%t` is `p` or `s`). What they check is what a client of
//! Pgpool sees: `SHOW POOL_NODES`, and real sessions on the Pgpool port (writes reach the new
//! primary, reads are balanced over the live standbys and never reach a node that is down).
//!
//! One drill per failover scenario of the EDB architecture guide (appendix A), plus switchover
//! and switchback, plus the same hook run by three agents at once. The drills run one at a time
//! (a global lock), each checks that it starts from the nominal layout (node0 primary, node1 and
//! node2 standbys, all up in Pgpool and streaming) and puts it back before it ends; if a drill
//! fails half-way it tries to restore that layout before reporting the failure, so that the test
//! binaries that run after it still find a usable sandbox.
//!
//! The sandbox is found through `PCP_SANDBOX_ENV`, else `$PCP_SANDBOX_DIR/sandbox.env`, else
//! `/var/tmp/pcp-sandbox/sandbox.env`; without one every drill fails. Run with `--nocapture` to
//! see each step and its timing.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use pcp_client::glue::host::HostSpec;
use pcp_client::glue::ops::{FollowOutcome, GlueOptions, OpReport, Target};
use pcp_client::glue::policy::{Action, EfmNodeType, Outcome};
use pcp_client::glue::wait::WaitPolicy;
use pcp_client::proto::Role;
use pcp_client::{Client, Config, Endpoint};
use pcp_testkit::sandbox::Sandbox;
use tokio::sync::Mutex;

/// One drill at a time: they all change the cluster.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// How long a hook may wait for Pgpool to show its change (what `--wait` would allow).
const HOOK_WAIT: Duration = Duration::from_secs(30);
/// How long `follow-primary` may wait for the standby to stream from the new primary.
const FOLLOW_WAIT: Duration = Duration::from_secs(60);
/// Separate sessions opened to check load balancing.
const READ_SESSIONS: usize = 12;
/// The table the write checks insert into (dropped at the end of every drill).
const WRITES_TABLE: &str = "pcp_drill_writes";

// ---------------------------------------------------------------------------------------------
// The drills
// ---------------------------------------------------------------------------------------------

/// Appendix A, "Primary Database is Down": EFM detaches the failed primary, promotes node1,
/// points node2 at it and attaches node1 as the primary; node2 comes back through
/// follow-primary as soon as it streams; the old primary is rebuilt as a standby and resumed.
/// The drill ends with a switchover back to node0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn primary_database_down_failover() {
    run_drill("failover", |d| async move {
        d.step("the primary's database fails: pg-stop 0");
        d.sandbox(&["pg-stop", "0"]);

        // The agent on node0 sees its database fail and runs the detach hook for it.
        let detach = d.detach_primary(0).await;
        assert_eq!(detach.node, 0);
        d.expect_pool(None, &[1, 2], &[0]);
        // The standbys keep serving reads while there is no primary.
        d.check_reads(&[1, 2], &[1, 2]);

        let timings = d.promote_and_follow(0, 1).await;
        d.step(format!(
            "failover: promotion -> remaining standby attached and streaming {:.2} s, \
             -> old primary rebuilt and attached {:.2} s",
            timings.0.as_secs_f64(),
            timings.1.as_secs_f64()
        ));

        d.step("back to the starting layout: switchover node1 -> node0");
        d.switchover(1, 0).await;
    })
    .await;
}

/// Appendix A, "Standby agent exits or standby node fails" and "Standby gets added back to
/// cluster": the detach hook takes node2 out of load balancing, the attach hook after
/// `efm resume` puts it back. Repeating either hook changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standby_down_and_added_back() {
    run_drill("standby", |d| async move {
        d.step("a standby fails: pg-stop 2");
        d.sandbox(&["pg-stop", "2"]);
        let detach = d.hook_detach(2, "s").await;
        assert_eq!(detach.node, 2);
        assert_eq!(detach.outcome, Outcome::Applied, "{detach:?}");
        // Another agent reports the same failure: nothing more happens.
        let again = d.hook_detach(2, "s").await;
        assert_eq!(again.outcome, Outcome::AlreadyApplied, "{again:?}");
        d.expect_pool(Some(0), &[0, 1], &[2]);
        let id = d.check_write(0);
        d.wait_replicated(id, &[1]);
        d.check_reads(&[0, 1], &[1]);

        d.step("the standby is back: pg-start 2, then efm resume runs the attach hook");
        d.sandbox(&["pg-start", "2"]);
        let attach = d.hook_attach(2, "s").await;
        assert_eq!(attach.len(), 1, "{attach:?}");
        assert_eq!(attach[0].outcome, Outcome::Applied, "{attach:?}");
        let again = d.hook_attach(2, "s").await;
        assert_eq!(again[0].outcome, Outcome::AlreadyApplied, "{again:?}");
        d.wait_streaming(0, &[1, 2]);
        d.expect_pool(Some(0), &[0, 1, 2], &[]);
        let id = d.check_write(0);
        d.wait_replicated(id, &[1, 2]);
        d.check_reads(&[0, 1, 2], &[1, 2]);
    })
    .await;
}

/// A planned switchover to node2 and the switchback to node0; each time the old primary
/// rejoins as a standby of the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switchover_and_switchback() {
    run_drill("switchover", |d| async move {
        d.switchover(0, 2).await;
        d.switchover(2, 0).await;
    })
    .await;
}

/// Three agents run the same detach hook for the same failed standby at the same moment (EFM
/// may run it on the failed node's agent and on others): Pgpool degenerates the node once and no
/// other node goes down. The same for the attach hook when the standby comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_hook_from_three_agents() {
    run_drill("concurrent", |d| async move {
        d.step("a standby fails: pg-stop 1");
        d.sandbox(&["pg-stop", "1"]);
        let mark = d.pgpool_log_mark();
        let agents = tokio::join!(
            d.agent_detach(1, "s"),
            d.agent_detach(1, "s"),
            d.agent_detach(1, "s")
        );
        let reports = [agents.0, agents.1, agents.2];
        let changed = reports
            .iter()
            .filter(|r| r.outcome != Outcome::AlreadyApplied)
            .count();
        d.step(format!(
            "three detach hooks: {}",
            reports
                .iter()
                .map(|r| r.outcome.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        assert!(
            changed >= 1,
            "someone must have detached node1: {reports:?}"
        );
        let host = &d.sb.pg_hostnames[1];
        let version = d.sb.pgpool_version();
        for (log, text) in d.pgpool_log_since(&mark) {
            let requests = text
                .matches("received degenerate backend request for node_id: 1 ")
                .count();
            let degenerations = text
                .matches(&logged_as(
                    version,
                    &format!("starting degeneration. shutdown host {host}("),
                ))
                .count();
            d.step(format!(
                "{}: {requests} detach request(s) reached Pgpool, {degenerations} degeneration(s)",
                log.display()
            ));
            assert_eq!(
                degenerations,
                1,
                "node1 must be degenerated exactly once; {} says:\n{text}",
                log.display()
            );
            assert_eq!(
                text.matches(&logged_as(version, "starting degeneration. shutdown host "))
                    .count(),
                1,
                "another node was degenerated:\n{text}"
            );
        }
        d.expect_pool(Some(0), &[0, 2], &[1]);
        let id = d.check_write(0);
        d.wait_replicated(id, &[2]);
        d.check_reads(&[0, 2], &[2]);

        d.step("the standby is back: pg-start 1; three agents run the attach hook");
        d.sandbox(&["pg-start", "1"]);
        let mark = d.pgpool_log_mark();
        let agents = tokio::join!(
            d.agent_attach(1, "s"),
            d.agent_attach(1, "s"),
            d.agent_attach(1, "s")
        );
        let reports = [agents.0, agents.1, agents.2];
        d.step(format!(
            "three attach hooks: {}",
            reports
                .iter()
                .map(|r| r.outcome.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for (log, text) in d.pgpool_log_since(&mark) {
            let failbacks = text
                .matches(&logged_as(
                    version,
                    &format!("starting fail back. reconnect host {host}("),
                ))
                .count();
            d.step(format!("{}: {failbacks} failback(s)", log.display()));
            assert_eq!(
                failbacks,
                1,
                "node1 must be failed back exactly once; {} says:\n{text}",
                log.display()
            );
            assert!(
                !text.contains(&logged_as(version, "starting degeneration")),
                "a node went down during the attach:\n{text}"
            );
        }
        d.wait_streaming(0, &[1, 2]);
        d.expect_pool(Some(0), &[0, 1, 2], &[]);
        let id = d.check_write(0);
        d.wait_replicated(id, &[1, 2]);
        d.check_reads(&[0, 1, 2], &[1, 2]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Running a drill
// ---------------------------------------------------------------------------------------------

/// Runs one drill: waits for its turn, checks the nominal layout, runs the drill in a task (so
/// that a failed assertion can be caught), restores the layout if it failed, and checks the
/// nominal layout again at the end.
async fn run_drill<F, Fut>(name: &'static str, drill: F)
where
    F: FnOnce(Drill) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let sandbox = Sandbox::require();
    let _turn = SERIAL.lock().await;
    let d = Drill {
        sb: sandbox,
        name,
        start: Instant::now(),
    };
    d.step("checking the starting layout");
    d.assert_nominal();

    let started = Instant::now();
    let task = tokio::spawn(drill(d.clone()));
    match task.await {
        Ok(()) => {}
        Err(failure) => {
            d.step("FAILED; restoring the nominal layout for the tests that follow");
            restore_nominal(&d).await;
            match failure.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("drill {name} did not finish: {e}"),
            }
        }
    }
    d.step("checking that the layout is back to nominal");
    d.assert_nominal();
    d.drop_writes_table();
    eprintln!(
        "DRILL {name}: passed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

/// Puts the sandbox back to node0 primary, node1 and node2 streaming standbys of it, all up in
/// Pgpool with node0 as Pgpool's primary. Best effort: it reports what fails and goes on.
async fn restore_nominal(d: &Drill) {
    let running = |k: usize| d.node_sql(k, "select 1").is_ok();
    let primary = |k: usize| d.node_sql(k, "select pg_is_in_recovery()").as_deref() == Ok("f");
    let try_script = |args: &[&str]| match d.sb.script(args) {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            eprintln!(
                "restore: scripts/sandbox {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            false
        }
        Err(e) => {
            eprintln!("restore: scripts/sandbox {}: {e}", args.join(" "));
            false
        }
    };
    if !(running(0) && primary(0)) {
        match (1..3).find(|&k| running(k) && primary(k)) {
            Some(p) => {
                let p = p.to_string();
                try_script(&["pg-rebuild", "0", &p]);
                try_script(&["pg-stop", &p]);
                try_script(&["pg-promote", "0"]);
            }
            None => {
                try_script(&["pg-start", "0"]);
                try_script(&["pg-promote", "0"]);
            }
        }
    }
    for k in 1..3 {
        if !d.is_streaming_from(k, 0) {
            try_script(&["pg-rebuild", &k.to_string(), "0"]);
        }
    }
    let options = GlueOptions::waiting(HOOK_WAIT);
    let mut client = match pcp_config(&d.sb).connect().await {
        Ok(client) => client,
        Err(e) => {
            eprintln!("restore: cannot connect to PCP: {e}");
            return;
        }
    };
    for k in 0..3 {
        if let Err(e) = client.attach(&Target::Node(k), &options).await {
            eprintln!("restore: attach {k}: {e}");
        }
    }
    match client
        .promote(&Target::Node(0), false, false, &options)
        .await
    {
        Ok(report) if report.outcome == Outcome::AlreadyApplied => {}
        Ok(_) => {
            // Promoting in Pgpool takes the other nodes down (no follow_primary_command).
            for k in 1..3 {
                if let Err(e) = client.attach(&Target::Node(k), &options).await {
                    eprintln!("restore: attach {k} after promote: {e}");
                }
            }
        }
        Err(e) => eprintln!("restore: promote 0: {e}"),
    }
    let _ = client.close().await;
}

// ---------------------------------------------------------------------------------------------
// The drill context: EFM's actions, the hooks, and what Pgpool's clients see
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Drill {
    sb: Sandbox,
    name: &'static str,
    start: Instant,
}

/// How Pgpool `version` logs one of its failover steps, given 4.3's wording (`starting
/// degeneration. shutdown host H(`, `failover done. shutdown host H(`, `starting fail back.
/// reconnect host H(`, `failback done. ...`): 4.6 and 4.7 frame these four between `=== `
/// and ` ===` and capitalise them (`=== Failover done. shutdown host H(P) ===`); the
/// promotion and follow-primary steps keep 4.3's words. A release line without an
/// expectation fails the drill until someone reads its log.
fn logged_as(version: pcp_client::proto::Version, phrase: &str) -> String {
    let framed = [
        "starting degeneration",
        "starting fail back",
        "failover done",
        "failback done",
    ]
    .iter()
    .any(|p| phrase.starts_with(p));
    match (version.major, version.minor) {
        (4, 3) => phrase.to_owned(),
        (4, 6..=7) if framed => {
            let mut chars = phrase.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or(' ');
            format!("=== {first}{}", chars.as_str())
        }
        (4, 6..=7) => phrase.to_owned(),
        _ => panic!("no expectation of Pgpool {version}'s log: check it and add one"),
    }
}

/// A row of `SHOW POOL_NODES`.
#[derive(Debug, Clone)]
struct PoolNode {
    id: usize,
    status: String,
    role: String,
    replication_state: String,
}

/// The sizes of Pgpool's logs at a moment, to read what was logged after it.
struct LogMark(Vec<(PathBuf, u64)>);

fn pcp_config(sb: &Sandbox) -> Config {
    // As `pcpctl -h HOST -p PORT -U USER -w` with PCPPASSFILE: the password comes from the file.
    let mut config = Config::new();
    config
        .endpoint(Endpoint::tcp(&sb.pcp_host, sb.pcp_port))
        .user(&sb.pcp_user)
        .pcppass_file(sb.pcppass_file.clone())
        .connect_timeout(Duration::from_secs(10))
        .request_timeout(Some(Duration::from_secs(30)));
    config
}

impl Drill {
    fn step(&self, msg: impl Display) {
        eprintln!(
            "[{} +{:6.2}s] {msg}",
            self.name,
            self.start.elapsed().as_secs_f64()
        );
    }

    // ----- EFM's part: scripts/sandbox

    /// Runs `scripts/sandbox ARGS` and fails the drill if it fails.
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

    /// Starts `scripts/sandbox ARGS` without waiting for it.
    fn sandbox_background(&self, args: &[&str]) -> (Child, Instant) {
        let child = Command::new(Sandbox::script_path())
            .args(args)
            .env("PCP_SANDBOX_DIR", &self.sb.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("scripts/sandbox {}: {e}", args.join(" ")));
        (child, Instant::now())
    }

    /// Waits for a background `scripts/sandbox` and fails the drill if it failed.
    async fn finish_background(&self, (child, started): (Child, Instant), what: &str) {
        let out: Output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("join the waiting thread")
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            out.status.success(),
            "scripts/sandbox {what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.step(format!(
            "scripts/sandbox {what} finished ({:.2} s after it started)",
            started.elapsed().as_secs_f64()
        ));
    }

    // ----- the hooks, as EFM and Pgpool call them

    /// EFM's `%h` for node K: its IP address (node0 is `localhost` in Pgpool, not here).
    fn efm_host(&self, k: usize) -> &str {
        &self.sb.pg_hosts[k]
    }

    async fn hook_client(&self) -> Client {
        pcp_config(&self.sb)
            .connect()
            .await
            .expect("connect to PCP as a hook would")
    }

    /// `script.load.balancer.attach = pcpctl lb attach %h %t --wait`, run on its own connection
    /// like a separate process.
    async fn hook_attach(&self, k: usize, t: &str) -> Vec<OpReport> {
        let reports = self.agent_attach_reports(k, t).await;
        for r in &reports {
            self.step(format!(
                "attach hook {} {t}: {} node {} -> {} ({:.2} s)",
                self.efm_host(k),
                r.action,
                r.node,
                r.outcome,
                r.elapsed.as_secs_f64()
            ));
        }
        reports
    }

    async fn agent_attach_reports(&self, k: usize, t: &str) -> Vec<OpReport> {
        let host: HostSpec = self.efm_host(k).parse().expect("%h");
        let node_type: EfmNodeType = t.parse().expect("%t");
        let mut client = self.hook_client().await;
        let reports = client
            .lb_attach(&host, node_type, &GlueOptions::waiting(HOOK_WAIT))
            .await
            .unwrap_or_else(|e| panic!("attach hook {host} {t}: {e}"));
        client.close().await.ok();
        reports
    }

    /// One agent's attach hook for a standby (a single report).
    async fn agent_attach(&self, k: usize, t: &str) -> OpReport {
        let mut reports = self.agent_attach_reports(k, t).await;
        assert_eq!(reports.len(), 1, "{reports:?}");
        reports.remove(0)
    }

    /// `script.load.balancer.detach = pcpctl lb detach %h %t --wait`.
    async fn hook_detach(&self, k: usize, t: &str) -> OpReport {
        let report = self.agent_detach(k, t).await;
        self.step(format!(
            "detach hook {} {t}: node {} -> {} ({:.2} s)",
            self.efm_host(k),
            report.node,
            report.outcome,
            report.elapsed.as_secs_f64()
        ));
        report
    }

    async fn agent_detach(&self, k: usize, t: &str) -> OpReport {
        let host: HostSpec = self.efm_host(k).parse().expect("%h");
        let node_type: EfmNodeType = t.parse().expect("%t");
        let mut client = self.hook_client().await;
        let report = client
            .lb_detach(&host, node_type, &GlueOptions::waiting(HOOK_WAIT))
            .await
            .unwrap_or_else(|e| panic!("detach hook {host} {t}: {e}"));
        client.close().await.ok();
        report
    }

    /// The detach hook `p` for the primary, node K. The hook returns once node info shows the
    /// node down; Pgpool then looks for a new primary (`search_primary_node_timeout`) and
    /// restarts its children, which drops the client sessions opened meanwhile. The drill
    /// waits for the end of that failover (Pgpool's log) before it looks through Pgpool again.
    async fn detach_primary(&self, k: usize) -> OpReport {
        let mark = self.pgpool_log_mark();
        let detach = self.hook_detach(k, "p").await;
        assert_eq!(detach.outcome, Outcome::Applied, "{detach:?}");
        let done = logged_as(
            self.sb.pgpool_version(),
            &format!("failover done. shutdown host {}(", self.sb.pg_hostnames[k]),
        );
        self.wait_pgpool_log(&mark, &done, Duration::from_secs(30));
        detach
    }

    /// Pgpool's primary as `SHOW POOL_NODES` would show it: what Pgpool passes as `%P` when
    /// the promote request below makes it fail over (`-1`, here `None`, when it has none).
    async fn pgpool_primary(&self) -> Option<usize> {
        let mut client = self.hook_client().await;
        let all = client.node_info_all().await.expect("node info");
        client.close().await.ok();
        all.nodes
            .iter()
            .position(|n| n.role == Role::Primary && n.status.is_usable())
    }

    /// Pgpool's `follow_primary_command = 'pcpctl follow-primary %d --old-primary %P --wait'`
    /// for node K, started the way the recommended configuration runs it (detached from
    /// Pgpool's follow child, see docs/efm-integration.md), i.e. concurrently for every node.
    fn spawn_follow_primary(
        &self,
        k: usize,
        old_primary: Option<usize>,
    ) -> tokio::task::JoinHandle<(FollowOutcome, Duration)> {
        let d = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let mut client = d.hook_client().await;
            let outcome = client
                .follow_primary(
                    k as u32,
                    old_primary.map(|p| p as u32),
                    WaitPolicy::with_timeout(FOLLOW_WAIT),
                    &GlueOptions::waiting(HOOK_WAIT),
                )
                .await
                .unwrap_or_else(|e| {
                    panic!("follow-primary {k} --old-primary {old_primary:?}: {e}")
                });
            client.close().await.ok();
            (outcome, started.elapsed())
        })
    }

    /// Waits for a follow-primary started by [`spawn_follow_primary`].
    async fn finish_follow_primary(
        &self,
        k: usize,
        task: tokio::task::JoinHandle<(FollowOutcome, Duration)>,
    ) -> FollowOutcome {
        let (outcome, took) = match task.await {
            Ok(done) => done,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("follow-primary {k}: {e}"),
            },
        };
        match &outcome {
            FollowOutcome::SkippedOldPrimary => self.step(format!(
                "follow-primary {k}: the old primary, nothing to do ({:.2} s)",
                took.as_secs_f64()
            )),
            FollowOutcome::Attached(report) => self.step(format!(
                "follow-primary {k}: streaming, attach -> {} ({:.2} s)",
                report.outcome,
                took.as_secs_f64()
            )),
        }
        outcome
    }

    /// What EFM does once the old primary `old` is out of Pgpool and its database is stopped:
    /// promote `new`, re-point the third node at it, attach hook `p` for `new`; Pgpool then runs
    /// its follow-primary hook for every node it took down; finally the old primary is rebuilt
    /// as a standby and `efm resume` runs the attach hook `s` for it. Returns the times from
    /// the PostgreSQL promotion until the third node, then the old primary, are attached and
    /// streaming.
    async fn promote_and_follow(&self, old: usize, new: usize) -> (Duration, Duration) {
        let other = (0..3).find(|&k| k != old && k != new).expect("three nodes");
        let promoted_at = Instant::now();
        self.step(format!("EFM promotes node{new}"));
        self.sandbox(&["pg-promote", &new.to_string()]);

        // EFM points the other standby at the new primary. This runs while the hooks below
        // run: follow-primary must wait for it to stream, not for a fixed time.
        self.step(format!(
            "EFM re-points node{other} at node{new} (pg-rebuild {other} {new}, in the background)"
        ));
        let rebuild_args = ["pg-rebuild".to_owned(), other.to_string(), new.to_string()];
        let rebuild_args: Vec<&str> = rebuild_args.iter().map(String::as_str).collect();
        let rebuild = self.sandbox_background(&rebuild_args);

        // Post-promotion: attach hook with %t = p for the new primary.
        let percent_p = self.pgpool_primary().await;
        let attach = self.hook_attach(new, "p").await;
        assert_eq!(attach.len(), 2, "attach, then promote: {attach:?}");
        assert_eq!(attach[0].action, Action::Attach);
        assert_eq!(
            attach[0].outcome,
            Outcome::AlreadyApplied,
            "node{new} never left Pgpool: {:?}",
            attach[0]
        );
        assert_eq!(attach[1].action, Action::Promote);
        assert_eq!(
            attach[1].outcome,
            Outcome::Applied,
            "the promote request made node{new} Pgpool's primary: {:?}",
            attach[1]
        );

        // Pgpool's promotion took every other node down and runs follow_primary_command
        // (%d %P) for each, with %P = the primary it had before (none: EFM had detached it).
        self.expect_pool(Some(new), &[new], &[old, other]);
        let follow_other = self.spawn_follow_primary(other, percent_p);
        let follow_old = self.spawn_follow_primary(old, percent_p);
        match self.finish_follow_primary(other, follow_other).await {
            FollowOutcome::Attached(_) => {}
            FollowOutcome::SkippedOldPrimary => panic!("node{other} is not the old primary"),
        }
        assert!(
            self.is_streaming_from(other, new),
            "follow-primary attached node{other} before it streamed from node{new}"
        );
        let standby_back = promoted_at.elapsed();
        self.finish_background(rebuild, &rebuild_args.join(" "))
            .await;

        self.expect_pool(Some(new), &[new, other], &[old]);
        let id = self.check_write(new);
        self.wait_replicated(id, &[other]);
        self.check_reads(&[new, other], &[other]);
        self.step(format!(
            "promotion -> node{other} attached and streaming: {:.2} s",
            standby_back.as_secs_f64()
        ));

        // The old primary is rebuilt as a standby; `efm resume` runs the attach hook. The
        // follow-primary still waiting for it (Pgpool passed %P = -1, so it could not tell it
        // was the old primary) may attach it first: either way it is attached once.
        self.step(format!(
            "old primary node{old} rebuilt as a standby of node{new}"
        ));
        self.sandbox(&["pg-rebuild", &old.to_string(), &new.to_string()]);
        let resume = self.hook_attach(old, "s").await;
        assert_eq!(resume.len(), 1, "{resume:?}");
        assert_ne!(resume[0].outcome, Outcome::Accepted, "{resume:?}");
        match self.finish_follow_primary(old, follow_old).await {
            FollowOutcome::Attached(_) => assert_eq!(percent_p, None),
            FollowOutcome::SkippedOldPrimary => assert_eq!(percent_p, Some(old)),
        }
        self.wait_streaming(new, &[old, other]);
        self.expect_pool(Some(new), &[0, 1, 2], &[]);
        let id = self.check_write(new);
        self.wait_replicated(id, &[old, other]);
        self.check_reads(&[0, 1, 2], &[old, other]);
        (standby_back, promoted_at.elapsed())
    }

    /// A planned switchover the way EFM performs it (`efm promote -switchover`): detach hook for
    /// the primary, stop its database, then [`promote_and_follow`].
    async fn switchover(&self, from: usize, to: usize) {
        let other = (0..3).find(|&k| k != from && k != to).expect("three nodes");
        self.step(format!("switchover node{from} -> node{to}"));
        let started = Instant::now();
        self.detach_primary(from).await;
        self.expect_pool(None, &[to, other], &[from]);
        self.check_reads(&[to, other], &[to, other]);
        self.sandbox(&["pg-stop", &from.to_string()]);
        let (standby_back, old_back) = self.promote_and_follow(from, to).await;
        self.step(format!(
            "switchover node{from} -> node{to} done in {:.2} s; promotion -> node{other} attached \
             and streaming {:.2} s, -> old primary node{from} back {:.2} s",
            started.elapsed().as_secs_f64(),
            standby_back.as_secs_f64(),
            old_back.as_secs_f64()
        ));
    }

    // ----- SQL: through Pgpool, and on the nodes themselves

    fn psql(&self, host: &str, port: u16, db: &str, commands: &[&str]) -> Result<String, String> {
        let mut cmd = self.sb.psql();
        cmd.args(["-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h",
                host,
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
            ])
            .env("PGCONNECT_TIMEOUT", "10");
        for c in commands {
            cmd.args(["-c", c]);
        }
        let out = cmd.output().map_err(|e| format!("psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// A session on the Pgpool port (`-h 127.0.0.1 -p $PGPOOL_PORT -U postgres -d test`).
    fn pgpool_sql(&self, commands: &[&str]) -> Result<String, String> {
        let host = self
            .sb
            .vars
            .get("PGPOOL_HOST")
            .map(String::as_str)
            .unwrap_or("127.0.0.1");
        self.psql(host, self.sb.pgpool_port, "test", commands)
    }

    /// A session on node K itself, bypassing Pgpool.
    fn node_sql(&self, k: usize, sql: &str) -> Result<String, String> {
        self.psql(&self.sb.pg_hosts[k], self.sb.pg_port, "test", &[sql])
    }

    /// Which node an `inet_server_addr()` belongs to (node0 may answer on `::1` as well).
    fn node_of(&self, addr: &str) -> Option<usize> {
        let ip: IpAddr = addr.trim().parse().ok()?;
        if ip.is_loopback() && ip.is_ipv6() && self.sb.pg_hostnames[0] == "localhost" {
            return Some(0);
        }
        self.sb
            .pg_hosts
            .iter()
            .position(|h| h.parse::<IpAddr>().ok() == Some(ip))
    }

    fn pool_nodes(&self) -> Vec<PoolNode> {
        let host = self
            .sb
            .vars
            .get("PGPOOL_HOST")
            .map(String::as_str)
            .unwrap_or("127.0.0.1");
        let out = self
            .sb
            .psql()
            .args(["-A", "-F", "|", "-P", "footer=off"])
            .args(["-h", host, "-p", &self.sb.pgpool_port.to_string()])
            .args(["-U", "postgres", "-d", "test", "-c", "show pool_nodes"])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "SHOW POOL_NODES: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().expect("a header").split('|').collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("no {name} column in {header:?}"))
        };
        let (id, status, role, repl) = (
            col("node_id"),
            col("status"),
            col("role"),
            col("replication_state"),
        );
        lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                PoolNode {
                    id: f[id].parse().expect("node id"),
                    status: f[status].to_owned(),
                    role: f[role].to_owned(),
                    replication_state: f[repl].to_owned(),
                }
            })
            .collect()
    }

    /// `SHOW POOL_NODES` shows exactly `up` as up (or waiting for its first session), `down` as
    /// down, and `primary` (if given) as the only primary among the live nodes.
    fn expect_pool(&self, primary: Option<usize>, up: &[usize], down: &[usize]) {
        let nodes = self.pool_nodes();
        let summary = nodes
            .iter()
            .map(|n| {
                format!(
                    "{}:{}/{}{}",
                    n.id,
                    n.status,
                    n.role,
                    if n.replication_state.is_empty() {
                        String::new()
                    } else {
                        format!("/{}", n.replication_state)
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        self.step(format!("SHOW POOL_NODES: {summary}"));
        assert_eq!(nodes.len(), up.len() + down.len(), "{nodes:?}");
        for n in &nodes {
            if down.contains(&n.id) {
                assert_eq!(n.status, "down", "node {} should be down: {summary}", n.id);
                continue;
            }
            assert!(up.contains(&n.id), "unexpected node {}: {summary}", n.id);
            assert!(
                n.status == "up" || n.status == "waiting",
                "node {} should be up: {summary}",
                n.id
            );
            if let Some(p) = primary {
                let want = if n.id == p { "primary" } else { "standby" };
                assert_eq!(n.role, want, "role of node {}: {summary}", n.id);
            }
        }
    }

    fn ensure_writes_table(&self) {
        self.pgpool_sql(&[&format!(
            "create table if not exists {WRITES_TABLE} \
             (id bigserial primary key, drill text not null, at timestamptz not null default now())"
        )])
        .unwrap_or_else(|e| panic!("create {WRITES_TABLE} through Pgpool: {e}"));
    }

    fn drop_writes_table(&self) {
        if let Err(e) = self.pgpool_sql(&[&format!("drop table if exists {WRITES_TABLE}")]) {
            eprintln!("drop {WRITES_TABLE}: {e}");
        }
    }

    /// In one transaction through Pgpool: an INSERT, then `inet_server_addr()`, which must be
    /// `primary`'s address. Returns the inserted id.
    fn check_write(&self, primary: usize) -> i64 {
        self.ensure_writes_table();
        let insert = format!(
            "insert into {WRITES_TABLE} (drill) values ('{}') returning id",
            self.name
        );
        let out = self
            .pgpool_sql(&["begin", &insert, "select inet_server_addr()", "commit"])
            .unwrap_or_else(|e| panic!("write through Pgpool: {e}"));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out:?}");
        let id: i64 = lines[0].parse().expect("inserted id");
        let node = self.node_of(lines[1]);
        assert_eq!(
            node,
            Some(primary),
            "the write went to {} instead of node{primary}",
            lines[1]
        );
        self.step(format!("write through Pgpool reached node{primary}"));
        id
    }

    /// Waits until the row `id` is visible on every node of `standbys` (read directly): they
    /// replay the new primary's WAL.
    fn wait_replicated(&self, id: i64, standbys: &[usize]) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let sql = format!("select count(*) from {WRITES_TABLE} where id = {id}");
        for &k in standbys {
            loop {
                match self.node_sql(k, &sql) {
                    Ok(n) if n == "1" => break,
                    other => {
                        assert!(
                            Instant::now() < deadline,
                            "row {id} never reached node{k}: {other:?}"
                        );
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        }
        self.step(format!("the write replicated to {}", nodes(standbys)));
    }

    /// Several separate sessions through Pgpool: each `select inet_server_addr()` succeeds on
    /// a node of `allowed`, and at least one lands on a node of `standbys`.
    fn check_reads(&self, allowed: &[usize], standbys: &[usize]) {
        let mut hits: BTreeMap<usize, usize> = BTreeMap::new();
        for i in 0..READ_SESSIONS {
            let addr = self
                .pgpool_sql(&["select inet_server_addr()"])
                .unwrap_or_else(|e| panic!("read session {i} through Pgpool failed: {e}"));
            let node = self
                .node_of(&addr)
                .unwrap_or_else(|| panic!("read answered by unknown address {addr:?}"));
            assert!(
                allowed.contains(&node),
                "a read reached node{node}, which should not serve (allowed {allowed:?})"
            );
            *hits.entry(node).or_default() += 1;
        }
        let summary = hits
            .iter()
            .map(|(k, n)| format!("node{k}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.step(format!("{READ_SESSIONS} read sessions: {summary}"));
        assert!(
            standbys.iter().any(|k| hits.contains_key(k)),
            "no read reached a standby ({standbys:?}): {summary}"
        );
    }

    /// Whether node K streams from node FROM, as FROM's `pg_stat_replication` says.
    fn is_streaming_from(&self, k: usize, from: usize) -> bool {
        self.node_sql(
            from,
            &format!(
                "select count(*) from pg_stat_replication \
                 where application_name = 'node{k}' and state = 'streaming'"
            ),
        )
        .as_deref()
            == Ok("1")
    }

    /// Waits until every node of `standbys` streams from `primary`.
    fn wait_streaming(&self, primary: usize, standbys: &[usize]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        for &k in standbys {
            while !self.is_streaming_from(k, primary) {
                assert!(
                    Instant::now() < deadline,
                    "node{k} does not stream from node{primary}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// node0 is the primary and node1, node2 stream from it (PostgreSQL), and Pgpool shows
    /// all three up with node0 as its primary (SHOW POOL_NODES and PCP node info).
    fn assert_nominal(&self) {
        assert_eq!(
            self.node_sql(0, "select pg_is_in_recovery()").as_deref(),
            Ok("f"),
            "node0 must be the primary"
        );
        for k in 1..3 {
            assert_eq!(
                self.node_sql(k, "select pg_is_in_recovery()").as_deref(),
                Ok("t"),
                "node{k} must be a standby"
            );
        }
        self.wait_streaming(0, &[1, 2]);
        self.expect_pool(Some(0), &[0, 1, 2], &[]);
    }

    // ----- Pgpool's logs

    fn pgpool_logs(&self) -> Vec<PathBuf> {
        (0..self.sb.pgpool_ports.len())
            .map(|i| self.sb.dir.join(format!("pgpool{i}")).join("pgpool.log"))
            .filter(|p| p.exists())
            .collect()
    }

    fn pgpool_log_mark(&self) -> LogMark {
        LogMark(
            self.pgpool_logs()
                .into_iter()
                .map(|p| {
                    let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                    (p, len)
                })
                .collect(),
        )
    }

    /// Waits until every Pgpool log has logged `needle` since `mark`.
    fn wait_pgpool_log(&self, mark: &LogMark, needle: &str, limit: Duration) {
        let started = Instant::now();
        loop {
            let missing: Vec<PathBuf> = mark
                .0
                .iter()
                .filter(|(path, from)| {
                    let bytes = std::fs::read(path).unwrap_or_default();
                    let from = (*from as usize).min(bytes.len());
                    !String::from_utf8_lossy(&bytes[from..]).contains(needle)
                })
                .map(|(path, _)| path.clone())
                .collect();
            if missing.is_empty() {
                self.step(format!(
                    "Pgpool logged \"{needle}\" ({:.2} s)",
                    started.elapsed().as_secs_f64()
                ));
                return;
            }
            assert!(
                started.elapsed() < limit,
                "{missing:?} never logged {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What each log got since `mark`, read once Pgpool has had the time to act (the hooks
    /// waited until node info showed the change; the log lines come with it).
    fn pgpool_log_since(&self, mark: &LogMark) -> Vec<(PathBuf, String)> {
        std::thread::sleep(Duration::from_millis(500));
        mark.0
            .iter()
            .map(|(path, from)| {
                let bytes = std::fs::read(path).unwrap_or_default();
                let from = (*from as usize).min(bytes.len());
                (
                    path.clone(),
                    String::from_utf8_lossy(&bytes[from..]).into_owned(),
                )
            })
            .collect()
    }
}

fn nodes(ks: &[usize]) -> String {
    ks.iter()
        .map(|k| format!("node{k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Not a drill: what the hooks rely on. EFM's `%h` (an IP) finds each backend, also node0,
/// which Pgpool knows as `localhost`, and `is_primary` agrees with the nominal layout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn efm_addresses_map_to_pgpool_backends() {
    let sandbox = Sandbox::require();
    let _turn = SERIAL.lock().await;
    let mut client = pcp_config(&sandbox).connect().await.expect("connect");
    for (k, host) in sandbox.pg_hosts.iter().enumerate() {
        let spec: HostSpec = host.parse().expect("host");
        let backend = client
            .resolve_backend(&spec)
            .await
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(backend.id as usize, k, "{host}");
        assert_eq!(backend.hostname, sandbox.pg_hostnames[k]);
        let state = client
            .node_state(&Target::Host(spec))
            .await
            .expect("node_state");
        assert_eq!(state.node_id as usize, k);
        assert_eq!(state.is_primary(), k == 0, "{host}: {state:?}");
    }
    client.close().await.ok();
}
