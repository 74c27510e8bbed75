//! Output for people: aligned tables, states and roles in words, times in local time.
//! Server-supplied text is always escaped (a table row stays one line).

use std::fmt::Write as _;

use pcp_proto::{
    HealthCheckStats, LocalDateTime, NodeInfo, ProcessInfo, ReplicationDelay, Timestamp,
    WatchdogInfo,
};

use crate::output::pcp_format::local_time;
use crate::report::{ActionKind, ActionReport, ActionResult, NodeRow, Report};
use crate::sanitize::escape;

/// A table: a header row and data rows, columns separated by two spaces, no trailing blanks.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: Vec<&'static str>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| escape(&c).into_owned()).collect());
    }

    fn render(&self) -> String {
        let cols = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (i, cell) in cells.enumerate() {
                if i + 1 < cols {
                    let pad = widths.get(i).copied().unwrap_or(0);
                    let _ = write!(text, "{cell:<pad$}  ");
                } else {
                    text.push_str(cell);
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut self.header.iter().copied());
        for row in &self.rows {
            line(&mut row.iter().map(String::as_str));
        }
        out
    }
}

/// `Title: value` lines, titles padded, a blank line after the block.
fn block(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0) + 1;
    let mut out = String::new();
    for (title, value) in rows {
        let title = format!("{title}:");
        let _ = writeln!(out, "{title:<width$} {}", escape(value));
    }
    out.push('\n');
    out
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text
    }
}

fn opt_local(t: &Option<LocalDateTime>) -> String {
    t.map(|t| t.to_string()).unwrap_or_else(|| "-".to_owned())
}

fn timestamp(t: &Option<Timestamp>) -> String {
    match t {
        None => "-".to_owned(),
        Some(Timestamp::Local(l)) => l.to_string(),
        Some(Timestamp::Unix(u)) if u.0 == 0 => "-".to_owned(),
        Some(Timestamp::Unix(u)) => local_time(*u),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub(crate) fn delay(d: &ReplicationDelay) -> String {
    match d {
        ReplicationDelay::Bytes(b) => format!("{b} B"),
        ReplicationDelay::Time(t) => format!("{:.3} s", t.as_secs_f64()),
    }
}

pub(crate) fn replication(n: &NodeInfo) -> String {
    match (&n.replication_state, &n.replication_sync_state) {
        (Some(s), Some(y)) => format!("{s} ({y})"),
        (Some(s), None) => s.to_string(),
        (None, Some(y)) => format!("({y})"),
        (None, None) => "-".to_owned(),
    }
}

/// The text for `report`.
pub(crate) fn render(report: &Report, verbose: bool) -> String {
    match report {
        Report::NodeCount(n) => format!("{n}\n"),
        Report::NodeInfo {
            nodes,
            include_unused,
            ..
        } => node_info(nodes, *include_unused, verbose),
        Report::HealthCheckStats(stats) => health(stats, verbose),
        Report::ProcCount(pids) => {
            let list: Vec<String> = pids.iter().map(u32::to_string).collect();
            if verbose {
                format!("{} processes: {}\n", pids.len(), list.join(" "))
            } else {
                format!("{}\n", list.join(" "))
            }
        }
        Report::ProcInfo {
            rows, include_idle, ..
        } => proc_info(rows, *include_idle, verbose),
        Report::PoolStatus(items) => {
            let mut t = if verbose {
                Table::new(vec!["NAME", "VALUE", "DESCRIPTION"])
            } else {
                Table::new(vec!["NAME", "VALUE"])
            };
            for item in items {
                let mut cells = vec![item.name.clone(), item.value.clone()];
                if verbose {
                    cells.push(item.description.clone());
                }
                t.row(cells);
            }
            t.render()
        }
        Report::WatchdogInfo(w) => watchdog(w, verbose),
        Report::Action(a) => action(a),
        Report::Resolve(r) => {
            if verbose {
                format!(
                    "{} is node {} ({}:{})\n",
                    escape(&r.query),
                    r.node_id,
                    escape(&r.hostname),
                    r.port
                )
            } else {
                format!("{}\n", r.node_id)
            }
        }
        Report::IsPrimary(r) => {
            let n = &r.node;
            format!(
                "node {} ({}:{}) is {}the primary ({})\n",
                n.node_id,
                escape(&n.hostname),
                n.port,
                if r.is_primary() { "" } else { "not " },
                escape(&n.to_string())
            )
        }
    }
}

fn node_info(nodes: &[NodeRow], include_unused: bool, verbose: bool) -> String {
    let shown: Vec<&NodeRow> = nodes
        .iter()
        .filter(|n| include_unused || !n.info.hostname.is_empty())
        .collect();
    if shown.is_empty() {
        return "no nodes\n".to_owned();
    }
    if verbose {
        return shown
            .iter()
            .map(|n| {
                let i = &n.info;
                block(&[
                    ("Node", n.id.to_string()),
                    ("Host", i.hostname.clone()),
                    ("Port", i.port.to_string()),
                    ("Status", i.effective_status().to_string()),
                    (
                        "Backend status",
                        i.pg_status
                            .as_ref()
                            .map_or_else(|| "-".to_owned(), ToString::to_string),
                    ),
                    ("Role", i.role.to_string()),
                    (
                        "Backend role",
                        i.pg_role
                            .as_ref()
                            .map_or_else(|| "-".to_owned(), ToString::to_string),
                    ),
                    (
                        "Load-balance weight",
                        format!("{:.6}", i.weight.normalized()),
                    ),
                    ("Replication delay", delay(&i.replication_delay)),
                    (
                        "Replication state",
                        i.replication_state
                            .as_ref()
                            .map_or_else(|| "-".to_owned(), ToString::to_string),
                    ),
                    (
                        "Replication sync state",
                        i.replication_sync_state
                            .as_ref()
                            .map_or_else(|| "-".to_owned(), ToString::to_string),
                    ),
                    ("Last status change", local_time(i.status_changed)),
                ])
            })
            .collect();
    }
    let mut t = Table::new(vec![
        "ID",
        "HOST",
        "PORT",
        "STATUS",
        "ROLE",
        "WEIGHT",
        "REPLICATION",
        "DELAY",
        "LAST CHANGE",
    ]);
    for n in shown {
        let i = &n.info;
        let standby = !i.role.is_primary();
        t.row(vec![
            n.id.to_string(),
            or_dash(i.hostname.clone()),
            i.port.to_string(),
            i.effective_status().to_string(),
            i.role.to_string(),
            format!("{:.3}", i.weight.normalized()),
            replication(i),
            if standby {
                delay(&i.replication_delay)
            } else {
                "-".to_owned()
            },
            local_time(i.status_changed),
        ]);
    }
    t.render()
}

fn health(stats: &[HealthCheckStats], verbose: bool) -> String {
    let ms = |v: f64| {
        if v.is_finite() {
            format!("{v:.1}")
        } else {
            "-".to_owned()
        }
    };
    if verbose {
        return stats
            .iter()
            .map(|s| {
                block(&[
                    ("Node", s.node_id.to_string()),
                    ("Host", s.hostname.clone()),
                    ("Port", s.port.to_string()),
                    ("Status", s.status.to_string()),
                    ("Role", s.role.to_string()),
                    ("Last status change", opt_local(&s.last_status_change)),
                    ("Checks", s.total_count.to_string()),
                    ("Succeeded", s.success_count.to_string()),
                    ("Failed", s.fail_count.to_string()),
                    ("Skipped", s.skip_count.to_string()),
                    ("Retries", s.retry_count.to_string()),
                    ("Average retries", ms(s.average_retry_count)),
                    ("Most retries", s.max_retry_count.to_string()),
                    ("Longest check (ms)", s.max_duration_ms.to_string()),
                    ("Shortest check (ms)", s.min_duration_ms.to_string()),
                    ("Average check (ms)", ms(s.average_duration_ms)),
                    ("Last check", opt_local(&s.last_health_check)),
                    ("Last success", opt_local(&s.last_successful_health_check)),
                    ("Last skip", opt_local(&s.last_skip_health_check)),
                    ("Last failure", opt_local(&s.last_failed_health_check)),
                ])
            })
            .collect();
    }
    let mut t = Table::new(vec![
        "ID",
        "HOST",
        "PORT",
        "STATUS",
        "ROLE",
        "CHECKS",
        "OK",
        "FAILED",
        "SKIPPED",
        "RETRIES",
        "AVG MS",
        "LAST CHECK",
        "LAST FAILURE",
    ]);
    for s in stats {
        t.row(vec![
            s.node_id.to_string(),
            or_dash(s.hostname.clone()),
            s.port.to_string(),
            s.status.to_string(),
            s.role.to_string(),
            s.total_count.to_string(),
            s.success_count.to_string(),
            s.fail_count.to_string(),
            s.skip_count.to_string(),
            s.retry_count.to_string(),
            ms(s.average_duration_ms),
            opt_local(&s.last_health_check),
            opt_local(&s.last_failed_health_check),
        ]);
    }
    t.render()
}

fn proc_info(rows: &[ProcessInfo], include_idle: bool, verbose: bool) -> String {
    let shown: Vec<&ProcessInfo> = rows
        .iter()
        .filter(|p| include_idle || !p.database.is_empty())
        .collect();
    if shown.is_empty() {
        return "no connections\n".to_owned();
    }
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    if verbose {
        return shown
            .iter()
            .map(|p| {
                block(&[
                    ("PID", opt(p.pid.map(|p| p.to_string()))),
                    (
                        "Started",
                        match &p.start_time_note {
                            Some(note) => format!("{} {note}", timestamp(&p.start_time)),
                            None => timestamp(&p.start_time),
                        },
                    ),
                    (
                        "Clients served",
                        opt(p.client_connection_count.map(|c| c.to_string())),
                    ),
                    ("Pool slot", opt(p.pool_id.map(|c| c.to_string()))),
                    ("Backend", opt(p.backend_id.map(|c| c.to_string()))),
                    ("Database", or_dash(p.database.clone())),
                    ("User", or_dash(p.username.clone())),
                    (
                        "Protocol",
                        match (p.major, p.minor) {
                            (Some(a), Some(b)) if a > 0 => format!("{a}.{b}"),
                            _ => "-".to_owned(),
                        },
                    ),
                    ("Backend connected", timestamp(&p.backend_connection_time)),
                    ("Client connected", opt_local(&p.client_connection_time)),
                    (
                        "Client disconnected",
                        opt_local(&p.client_disconnection_time),
                    ),
                    (
                        "Client idle (s)",
                        match (&p.client_idle_seconds, &p.client_idle_note) {
                            (Some(s), Some(n)) => format!("{s} {n}"),
                            (Some(s), None) => s.to_string(),
                            _ => "-".to_owned(),
                        },
                    ),
                    ("Pool counter", opt(p.pool_counter.map(|c| c.to_string()))),
                    ("Backend PID", opt(p.backend_pid.map(|c| c.to_string()))),
                    ("Connected", opt(p.connected.map(|c| yes_no(c).to_owned()))),
                    ("Status", opt(p.status.as_ref().map(ToString::to_string))),
                    (
                        "Load-balance node",
                        opt(p.load_balance_node.map(|c| yes_no(c).to_owned())),
                    ),
                    ("Client", opt(client_addr(p))),
                    ("Statement", opt(p.statement.clone())),
                ])
            })
            .collect();
    }
    let mut t = Table::new(vec![
        "PID",
        "SLOT",
        "BACKEND",
        "DATABASE",
        "USER",
        "CONNECTED",
        "STATUS",
        "BACKEND PID",
        "CLIENT CONNECTED",
        "IDLE S",
    ]);
    for p in shown {
        t.row(vec![
            opt(p.pid.map(|p| p.to_string())),
            opt(p.pool_id.map(|c| c.to_string())),
            opt(p.backend_id.map(|c| c.to_string())),
            or_dash(p.database.clone()),
            or_dash(p.username.clone()),
            opt(p.connected.map(|c| yes_no(c).to_owned())),
            opt(p.status.as_ref().map(ToString::to_string)),
            opt(p.backend_pid.filter(|&b| b != 0).map(|c| c.to_string())),
            opt_local(&p.client_connection_time),
            opt(p.client_idle_seconds.map(|c| c.to_string())),
        ]);
    }
    t.render()
}

fn client_addr(p: &ProcessInfo) -> Option<String> {
    match (&p.client_host, &p.client_port) {
        (Some(h), Some(port)) => Some(format!("{h}:{port}")),
        (Some(h), None) => Some(h.clone()),
        _ => None,
    }
}

fn watchdog(w: &WatchdogInfo, verbose: bool) -> String {
    let mut rows = vec![
        ("Total nodes", (w.remote_node_count + 1).to_string()),
        ("Remote nodes", w.remote_node_count.to_string()),
    ];
    if let Some(m) = w.member_remote_node_count {
        rows.push(("Member remote nodes", m.to_string()));
    }
    rows.push(("Alive remote nodes", w.alive_node_count.to_string()));
    if let Some(q) = w.nodes_required_for_quorum {
        rows.push(("Nodes for quorum", q.to_string()));
    }
    let quorum = match w.quorum_status {
        pcp_proto::QuorumStatus::Exists => "exists".to_owned(),
        pcp_proto::QuorumStatus::OnTheEdge => "on the edge".to_owned(),
        pcp_proto::QuorumStatus::Absent => "absent".to_owned(),
        pcp_proto::QuorumStatus::NoLeader => "no leader".to_owned(),
        pcp_proto::QuorumStatus::Unknown(code) => format!("unknown ({code})"),
    };
    rows.push(("Quorum", quorum));
    rows.push(("Local node escalated", yes_no(w.escalated).to_owned()));
    rows.push(("Leader", w.leader_node_name.clone()));
    rows.push(("Leader host", w.leader_host_name.clone()));
    let mut out = block(&rows);
    let mut t = if verbose {
        Table::new(vec![
            "ID",
            "NAME",
            "HOST",
            "PGPOOL PORT",
            "WD PORT",
            "PRIORITY",
            "STATE",
            "MEMBERSHIP",
            "DELEGATE IP",
        ])
    } else {
        Table::new(vec![
            "ID",
            "NAME",
            "HOST",
            "PGPOOL PORT",
            "WD PORT",
            "STATE",
            "MEMBERSHIP",
        ])
    };
    for n in &w.nodes {
        let mut cells = vec![
            n.id.to_string(),
            n.node_name.clone(),
            n.host_name.clone(),
            n.pgpool_port.to_string(),
            n.wd_port.to_string(),
        ];
        if verbose {
            cells.push(n.priority.to_string());
        }
        cells.push(n.state_name.clone());
        cells.push(or_dash(n.membership_string.clone().unwrap_or_default()));
        if verbose {
            cells.push(or_dash(n.delegate_ip.clone()));
        }
        t.row(cells);
    }
    out.push_str(&t.render());
    out
}

fn action(a: &ActionReport) -> String {
    let host = a
        .host
        .clone()
        .or_else(|| a.node.as_ref().map(|n| (n.hostname.clone(), n.port)));
    let node = match (a.node_id, host) {
        (Some(id), Some((h, p))) => format!("node {id} ({}:{p})", escape(&h)),
        (Some(id), None) => format!("node {id}"),
        (None, _) => String::new(),
    };
    let state = a
        .node
        .as_ref()
        .map(|n| format!(" (now {})", escape(&n.to_string())))
        .unwrap_or_default();
    let what = match a.kind {
        ActionKind::Attach | ActionKind::LbAttach => "attach",
        ActionKind::FollowPrimary => "follow-primary attach",
        ActionKind::Detach | ActionKind::LbDetach => {
            if a.graceful {
                "graceful detach"
            } else {
                "detach"
            }
        }
        ActionKind::Promote => match (a.graceful, a.switchover) {
            (_, true) => "switchover",
            (true, false) => "graceful promote",
            (false, false) => "promote",
        },
        ActionKind::Recovery => "online recovery",
        ActionKind::Stop => "stop",
        ActionKind::Reload => "configuration reload",
        ActionKind::LogRotate => "log rotation",
        ActionKind::InvalidateQueryCache => "query cache invalidation",
    };
    if a.steps.len() > 1 {
        let steps: Vec<String> = a
            .steps
            .iter()
            .map(|s| format!("{} {}", s.action, s.result.name().replace('_', " ")))
            .collect();
        return format!("{node}: {}{state}\n", steps.join(", "));
    }
    match (a.kind, a.result) {
        (ActionKind::Stop, _) => format!(
            "Pgpool shutdown requested (mode {}, scope {})\n",
            a.mode.map_or("smart", pcp_proto::ShutdownMode::name),
            a.scope.map_or("local", pcp_proto::Scope::name)
        ),
        (ActionKind::Reload | ActionKind::LogRotate, _) => format!(
            "{what} requested (scope {})\n",
            a.scope.map_or("local", pcp_proto::Scope::name)
        ),
        (ActionKind::InvalidateQueryCache, _) => format!("{what} requested\n"),
        (ActionKind::Recovery, _) => format!("{node}: {what} done\n"),
        (_, ActionResult::Accepted) => format!(
            "{node}: {what} requested; Pgpool applies it asynchronously (use --wait to wait)\n"
        ),
        (_, ActionResult::Applied) => format!("{node}: {what} applied{state}\n"),
        (_, ActionResult::AlreadyApplied) => {
            format!(
                "{node}: nothing to do, already {}{state}\n",
                already(a.kind)
            )
        }
        (_, ActionResult::Skipped) => {
            format!("{node}: nothing to do (the old primary)\n")
        }
        (_, ActionResult::WouldApply) => format!("{node}: {what} would be requested (dry run)\n"),
    }
}

fn already(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Attach | ActionKind::LbAttach | ActionKind::FollowPrimary => "attached",
        ActionKind::Detach | ActionKind::LbDetach => "detached",
        _ => "the primary",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_and_trims() {
        let mut t = Table::new(vec!["A", "LONG HEADER", "C"]);
        t.row(vec!["xxxx".into(), "y".into(), "".into()]);
        t.row(vec!["\x1b".into(), "z".into(), "last".into()]);
        assert_eq!(
            t.render(),
            "A     LONG HEADER  C\nxxxx  y\n\\x1b  z            last\n"
        );
    }
}
