//! `--json`: one JSON document per run, from explicit view structs whose shape is the
//! documented, stable schema (docs/cli.md). Keys are only ever added, never renamed or
//! removed; absent values are `null`, never missing.

use chrono::{Local, TimeZone};
use pcp_client::glue::state::NodeState;
use pcp_proto::{
    HealthCheckStats, LocalDateTime, NodeInfo, ProcessInfo, ReplicationDelay, Scope, ShutdownMode,
    Timestamp, UnixTime, WatchdogInfo,
};
use serde::Serialize;

use crate::error::CliError;
use crate::report::{ActionReport, NodeRow, Report};

/// A server-local wall-clock time: `YYYY-MM-DDTHH:MM:SS`, no offset (the server does not say
/// which zone it is in).
fn local_text(t: &LocalDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// An epoch as RFC 3339 in this machine's zone, with its offset.
fn rfc3339(t: UnixTime) -> Option<String> {
    let secs = i64::try_from(t.0).ok()?;
    Local
        .timestamp_opt(secs, 0)
        .single()
        .map(|dt| dt.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

fn timestamp(t: &Option<Timestamp>) -> Option<String> {
    match t {
        None => None,
        Some(Timestamp::Local(l)) => Some(local_text(l)),
        Some(Timestamp::Unix(u)) if u.0 == 0 => None,
        Some(Timestamp::Unix(u)) => rfc3339(*u),
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// `node-count`.
#[derive(Serialize)]
struct NodeCountDoc {
    node_count: u32,
}

/// One backend.
#[derive(Serialize, Clone, PartialEq)]
pub(crate) struct NodeView {
    node_id: u32,
    hostname: String,
    port: u16,
    /// up, waiting, down, quarantine, unused (or the server's word).
    status: String,
    /// 0..3 as on the wire; null for name-only states.
    status_code: Option<u8>,
    quarantined: Option<bool>,
    /// Live probe (4.3+): up, down, unknown.
    pg_status: Option<String>,
    /// Normalised load-balancing weight, 0..1.
    weight: f64,
    role: String,
    is_primary: bool,
    /// Role reported by the backend itself (4.3+).
    pg_role: Option<String>,
    replication_delay_bytes: Option<u64>,
    replication_delay_seconds: Option<f64>,
    replication_state: Option<String>,
    replication_sync_state: Option<String>,
    /// RFC 3339, local zone.
    last_status_change: Option<String>,
    last_status_change_epoch: u64,
}

impl NodeView {
    pub(crate) fn new(id: u32, n: &NodeInfo) -> Self {
        let (bytes, seconds) = match n.replication_delay {
            ReplicationDelay::Bytes(b) => (Some(b), None),
            ReplicationDelay::Time(d) => (None, Some(d.as_secs_f64())),
        };
        NodeView {
            node_id: id,
            hostname: n.hostname.clone(),
            port: n.port,
            status: n.effective_status().to_string(),
            status_code: n.status.code(),
            quarantined: n
                .quarantine
                .as_ref()
                .map(|q| *q == pcp_proto::Quarantine::Yes),
            pg_status: n.pg_status.as_ref().map(ToString::to_string),
            weight: n.weight.normalized(),
            role: n.role.to_string(),
            is_primary: n.role.is_primary(),
            pg_role: n.pg_role.as_ref().map(ToString::to_string),
            replication_delay_bytes: bytes,
            replication_delay_seconds: seconds,
            replication_state: n.replication_state.as_ref().map(ToString::to_string),
            replication_sync_state: n.replication_sync_state.as_ref().map(ToString::to_string),
            last_status_change: rfc3339(n.status_changed),
            last_status_change_epoch: n.status_changed.0,
        }
    }
}

#[derive(Serialize)]
struct NodesDoc {
    nodes: Vec<NodeView>,
}

#[derive(Serialize)]
struct HealthView {
    node_id: u32,
    hostname: String,
    port: u16,
    status: String,
    role: String,
    last_status_change: Option<String>,
    total_count: u64,
    success_count: u64,
    fail_count: u64,
    skip_count: u64,
    retry_count: u64,
    average_retry_count: Option<f64>,
    max_retry_count: u64,
    max_duration_ms: u64,
    min_duration_ms: u64,
    average_duration_ms: Option<f64>,
    last_health_check: Option<String>,
    last_successful_health_check: Option<String>,
    last_skip_health_check: Option<String>,
    last_failed_health_check: Option<String>,
}

impl HealthView {
    fn new(s: &HealthCheckStats) -> Self {
        let t = |t: &Option<LocalDateTime>| t.as_ref().map(local_text);
        HealthView {
            node_id: s.node_id,
            hostname: s.hostname.clone(),
            port: s.port,
            status: s.status.to_string(),
            role: s.role.to_string(),
            last_status_change: t(&s.last_status_change),
            total_count: s.total_count,
            success_count: s.success_count,
            fail_count: s.fail_count,
            skip_count: s.skip_count,
            retry_count: s.retry_count,
            average_retry_count: finite(s.average_retry_count),
            max_retry_count: s.max_retry_count,
            max_duration_ms: s.max_duration_ms,
            min_duration_ms: s.min_duration_ms,
            average_duration_ms: finite(s.average_duration_ms),
            last_health_check: t(&s.last_health_check),
            last_successful_health_check: t(&s.last_successful_health_check),
            last_skip_health_check: t(&s.last_skip_health_check),
            last_failed_health_check: t(&s.last_failed_health_check),
        }
    }
}

#[derive(Serialize)]
struct HealthDoc {
    nodes: Vec<HealthView>,
}

#[derive(Serialize)]
struct ProcCountDoc {
    process_count: usize,
    pids: Vec<u32>,
}

#[derive(Serialize)]
struct ProcView {
    pid: Option<u32>,
    start_time: Option<String>,
    start_time_note: Option<String>,
    client_connection_count: Option<u64>,
    pool_id: Option<u32>,
    backend_id: Option<u32>,
    database: Option<String>,
    username: Option<String>,
    protocol_major: Option<u32>,
    protocol_minor: Option<u32>,
    backend_connection_time: Option<String>,
    client_connection_time: Option<String>,
    client_disconnection_time: Option<String>,
    client_idle_seconds: Option<u64>,
    client_idle_note: Option<String>,
    pool_counter: Option<u64>,
    backend_pid: Option<u32>,
    connected: Option<bool>,
    status: Option<String>,
    load_balance_node: Option<bool>,
    client_host: Option<String>,
    client_port: Option<String>,
    statement: Option<String>,
}

impl ProcView {
    fn new(p: &ProcessInfo) -> Self {
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        ProcView {
            pid: p.pid,
            start_time: timestamp(&p.start_time),
            start_time_note: p.start_time_note.clone(),
            client_connection_count: p.client_connection_count,
            pool_id: p.pool_id,
            backend_id: p.backend_id,
            database: text(&p.database),
            username: text(&p.username),
            protocol_major: p.major,
            protocol_minor: p.minor,
            backend_connection_time: timestamp(&p.backend_connection_time),
            client_connection_time: p.client_connection_time.as_ref().map(local_text),
            client_disconnection_time: p.client_disconnection_time.as_ref().map(local_text),
            client_idle_seconds: p.client_idle_seconds,
            client_idle_note: p.client_idle_note.clone(),
            pool_counter: p.pool_counter,
            backend_pid: p.backend_pid,
            connected: p.connected,
            status: p.status.as_ref().map(ToString::to_string),
            load_balance_node: p.load_balance_node,
            client_host: p.client_host.clone(),
            client_port: p.client_port.clone(),
            statement: p.statement.clone(),
        }
    }
}

#[derive(Serialize)]
struct ProcInfoDoc {
    processes: Vec<ProcView>,
}

#[derive(Serialize)]
struct SettingView {
    name: String,
    value: String,
    description: String,
}

#[derive(Serialize)]
struct PoolStatusDoc {
    settings: Vec<SettingView>,
}

#[derive(Serialize)]
struct WatchdogNodeView {
    id: i64,
    node_name: String,
    host_name: String,
    delegate_ip: String,
    pgpool_port: i64,
    watchdog_port: i64,
    priority: i64,
    state: String,
    state_code: i64,
    membership: Option<String>,
    membership_code: Option<i64>,
    lifecheck_started: Option<bool>,
}

#[derive(Serialize)]
struct WatchdogDoc {
    node_count: i64,
    remote_node_count: i64,
    member_remote_node_count: Option<i64>,
    alive_remote_node_count: i64,
    nodes_required_for_quorum: Option<i64>,
    quorum: &'static str,
    quorum_code: i64,
    escalated: bool,
    leader_node_name: String,
    leader_host_name: String,
    nodes: Vec<WatchdogNodeView>,
}

fn quorum_word(q: pcp_proto::QuorumStatus) -> &'static str {
    match q {
        pcp_proto::QuorumStatus::Exists => "exists",
        pcp_proto::QuorumStatus::OnTheEdge => "on_the_edge",
        pcp_proto::QuorumStatus::Absent => "absent",
        pcp_proto::QuorumStatus::NoLeader => "no_leader",
        pcp_proto::QuorumStatus::Unknown(_) => "unknown",
    }
}

impl WatchdogDoc {
    fn new(w: &WatchdogInfo) -> Self {
        WatchdogDoc {
            node_count: w.remote_node_count + 1,
            remote_node_count: w.remote_node_count,
            member_remote_node_count: w.member_remote_node_count,
            alive_remote_node_count: w.alive_node_count,
            nodes_required_for_quorum: w.nodes_required_for_quorum,
            quorum: quorum_word(w.quorum_status),
            quorum_code: w.quorum_status.code(),
            escalated: w.escalated,
            leader_node_name: w.leader_node_name.clone(),
            leader_host_name: w.leader_host_name.clone(),
            nodes: w
                .nodes
                .iter()
                .map(|n| WatchdogNodeView {
                    id: n.id,
                    node_name: n.node_name.clone(),
                    host_name: n.host_name.clone(),
                    delegate_ip: n.delegate_ip.clone(),
                    pgpool_port: n.pgpool_port,
                    watchdog_port: n.wd_port,
                    priority: n.priority,
                    state: n.state_name.clone(),
                    state_code: n.state.code(),
                    membership: n.membership_string.clone(),
                    membership_code: n.membership,
                    lifecheck_started: n.lifecheck_started,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ActionDoc {
    command: &'static str,
    /// accepted, applied, already_applied.
    result: &'static str,
    node_id: Option<u32>,
    graceful: bool,
    switchover: bool,
    mode: Option<&'static str>,
    scope: Option<&'static str>,
    node: Option<StateView>,
    steps: Vec<StepView>,
}

#[derive(Serialize)]
struct StepView {
    action: &'static str,
    result: &'static str,
}

impl ActionDoc {
    fn new(a: &ActionReport) -> Self {
        ActionDoc {
            command: a.kind.name(),
            result: a.result.name(),
            node_id: a.node_id,
            graceful: a.graceful,
            switchover: a.switchover,
            mode: a.mode.map(ShutdownMode::name),
            scope: a.scope.map(Scope::name),
            node: a.node.as_ref().map(StateView::new),
            steps: a
                .steps
                .iter()
                .map(|s| StepView {
                    action: s.action,
                    result: s.result.name(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ResolveDoc {
    query: String,
    node_id: u32,
    hostname: String,
    port: u16,
}

#[derive(Serialize)]
struct IsPrimaryDoc {
    is_primary: bool,
    node: StateView,
}

/// A node as Pgpool holds it in memory (actions and `is-primary` read no node info).
#[derive(Serialize)]
struct StateView {
    node_id: u32,
    hostname: String,
    port: u16,
    status: String,
    /// Null when the role was not read (attach, detach).
    role: Option<String>,
    /// Null when the role was not read.
    is_primary: Option<bool>,
}

impl StateView {
    fn new(n: &NodeState) -> Self {
        StateView {
            node_id: n.node_id,
            hostname: n.hostname.clone(),
            port: n.port,
            status: n.status.to_string(),
            role: n.role.as_ref().map(ToString::to_string),
            is_primary: n.role.as_ref().map(|_| n.is_primary()),
        }
    }
}

/// The error document: `{"error": {...}}`.
#[derive(Serialize)]
struct ErrorDoc<'a> {
    error: ErrorView<'a>,
}

#[derive(Serialize)]
struct ErrorView<'a> {
    /// connection, authentication, server, timeout, ... (the exit code's name).
    kind: &'static str,
    exit_code: u8,
    /// The one-line message also printed on stderr.
    message: String,
    /// The server's report, when it sent one.
    severity: Option<&'a str>,
    server_message: Option<&'a str>,
    detail: Option<&'a str>,
    hint: Option<&'a str>,
}

fn to_string<T: Serialize>(doc: &T) -> String {
    match serde_json::to_string_pretty(doc) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Serialising these plain structs cannot fail; keep the output valid JSON anyway.
        Err(e) => format!(
            "{{\"error\":{{\"kind\":\"local\",\"message\":{:?}}}}}\n",
            e.to_string()
        ),
    }
}

fn nodes_doc(nodes: &[NodeRow], include_unused: bool) -> NodesDoc {
    NodesDoc {
        nodes: nodes
            .iter()
            .filter(|n| include_unused || !n.info.hostname.is_empty())
            .map(|n| NodeView::new(n.id, &n.info))
            .collect(),
    }
}

/// The document for `report`.
pub(crate) fn render(report: &Report) -> String {
    match report {
        Report::NodeCount(n) => to_string(&NodeCountDoc { node_count: *n }),
        Report::NodeInfo {
            nodes,
            include_unused,
            ..
        } => to_string(&nodes_doc(nodes, *include_unused)),
        Report::HealthCheckStats(stats) => to_string(&HealthDoc {
            nodes: stats.iter().map(HealthView::new).collect(),
        }),
        Report::ProcCount(pids) => to_string(&ProcCountDoc {
            process_count: pids.len(),
            pids: pids.clone(),
        }),
        Report::ProcInfo {
            rows, include_idle, ..
        } => to_string(&ProcInfoDoc {
            processes: rows
                .iter()
                .filter(|p| *include_idle || !p.database.is_empty())
                .map(ProcView::new)
                .collect(),
        }),
        Report::PoolStatus(items) => to_string(&PoolStatusDoc {
            settings: items
                .iter()
                .map(|i| SettingView {
                    name: i.name.clone(),
                    value: i.value.clone(),
                    description: i.description.clone(),
                })
                .collect(),
        }),
        Report::WatchdogInfo(w) => to_string(&WatchdogDoc::new(w)),
        Report::Action(a) => to_string(&ActionDoc::new(a)),
        Report::Resolve(r) => to_string(&ResolveDoc {
            query: r.query.clone(),
            node_id: r.node_id,
            hostname: r.hostname.clone(),
            port: r.port,
        }),
        Report::IsPrimary(r) => to_string(&IsPrimaryDoc {
            is_primary: r.is_primary(),
            node: StateView::new(&r.node),
        }),
    }
}

/// The error document for `err`.
pub(crate) fn render_error(err: &CliError) -> String {
    let code = err.exit_code();
    let server = err.server_message();
    to_string(&ErrorDoc {
        error: ErrorView {
            kind: code.name(),
            exit_code: code.code(),
            message: err.to_string(),
            severity: server.map(|s| s.severity.name()),
            server_message: server.map(|s| s.message.as_str()),
            detail: server.and_then(|s| s.detail.as_deref()),
            hint: server.and_then(|s| s.hint.as_deref()),
        },
    })
}
