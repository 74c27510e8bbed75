//! Output byte-identical to Pgpool 4.3's `pcp_*` tools, plain and verbose (`-v`), so scripts
//! written against those tools keep working.

use std::fmt::Write as _;

use pcp_proto::{
    BackendStatus, ConfigItem, HealthCheckStats, LocalDateTime, NodeInfo, ProcessInfo,
    ReplicationDelay, Role, ServerMessage, Timestamp, UnixTime, WatchdogInfo,
};

/// `"<title padded to the longest> : <value>\n"` lines followed by a blank line, as the tools'
/// verbose mode prints a record.
fn titled_block(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (title, value) in rows {
        let _ = writeln!(out, "{title:<width$} : {value}");
    }
    out.push('\n');
    out
}

/// C's `%f` for the values Pgpool prints.
fn c_float(v: f64) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{v:.6}")
    }
}

/// An epoch as the tools print it: local time, `%F %T`.
pub(crate) fn local_time(t: UnixTime) -> String {
    use chrono::{Local, TimeZone};
    let secs = i64::try_from(t.0).unwrap_or(i64::MAX);
    match Local.timestamp_opt(secs, 0).single() {
        Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => "1970-01-01 00:00:00".to_owned(),
    }
}

fn opt_time(t: &Option<LocalDateTime>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Status name as the tools print it (`quarantine` for a quarantined down node).
fn status_name(node: &NodeInfo) -> String {
    match node.effective_status() {
        BackendStatus::Unknown(_) => "unknown".to_owned(),
        known => known.name().to_owned(),
    }
}

fn role_name(role: &Role) -> &str {
    match role {
        Role::Unknown(_) => "unknown",
        known => known.name(),
    }
}

/// `pcp_node_count`.
pub(crate) fn node_count(count: u32, verbose: bool) -> String {
    if verbose {
        format!("Node Count\n____________\n {count}\n")
    } else {
        format!("{count}\n")
    }
}

/// `pcp_node_info`: nodes with an empty host name are skipped unless `all`.
pub(crate) fn node_info(nodes: &[NodeInfo], all: bool, verbose: bool) -> String {
    let mut out = String::new();
    for node in nodes.iter().filter(|n| all || !n.hostname.is_empty()) {
        let delay = match node.replication_delay {
            ReplicationDelay::Bytes(b) => b.to_string(),
            ReplicationDelay::Time(d) => format!("{:.6}", d.as_secs_f64()),
        };
        let values = [
            node.hostname.clone(),
            node.port.to_string(),
            node.status
                .code()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-1".into()),
            c_float(node.weight.normalized()),
            status_name(node),
            opt(&node.pg_status),
            role_name(&node.role).to_owned(),
            node.pg_role
                .as_ref()
                .map(|r| r.name().to_owned())
                .unwrap_or_default(),
            delay,
            node.replication_state
                .as_ref()
                .map_or_else(|| "none".to_owned(), |s| s.name().to_owned()),
            node.replication_sync_state
                .as_ref()
                .map_or_else(|| "none".to_owned(), |s| s.name().to_owned()),
            local_time(node.status_changed),
        ];
        if verbose {
            let titles = [
                "Hostname",
                "Port",
                "Status",
                "Weight",
                "Status Name",
                "Backend Status Name",
                "Role",
                "Backend Role",
                "Replication Delay",
                "Replication State",
                "Replication Sync State",
                "Last Status Change",
            ];
            let rows: Vec<(&str, String)> = titles.into_iter().zip(values).collect();
            out.push_str(&titled_block(&rows));
        } else {
            out.push_str(&values.join(" "));
            out.push('\n');
        }
    }
    if out.is_empty() {
        out.push_str("No node information available\n\n");
    }
    out
}

/// `pcp_health_check_stats`.
pub(crate) fn health_check_stats(s: &HealthCheckStats, verbose: bool) -> String {
    let values = [
        s.node_id.to_string(),
        s.hostname.clone(),
        s.port.to_string(),
        s.status.name().to_owned(),
        s.role.name().to_owned(),
        opt_time(&s.last_status_change),
        s.total_count.to_string(),
        s.success_count.to_string(),
        s.fail_count.to_string(),
        s.skip_count.to_string(),
        s.retry_count.to_string(),
        c_float(s.average_retry_count),
        s.max_retry_count.to_string(),
        s.max_duration_ms.to_string(),
        s.min_duration_ms.to_string(),
        c_float(s.average_duration_ms),
        opt_time(&s.last_health_check),
        opt_time(&s.last_successful_health_check),
        opt_time(&s.last_skip_health_check),
        opt_time(&s.last_failed_health_check),
    ];
    if verbose {
        let titles = [
            "Node Id",
            "Host Name",
            "Port",
            "Status",
            "Role",
            "Last Status Change",
            "Total Count",
            "Success Count",
            "Fail Count",
            "Skip Count",
            "Retry Count",
            "Average Retry Count",
            "Max Retry Count",
            "Max Health Check Duration",
            "Minimum Health Check Duration",
            "Average Health Check Duration",
            "Last Health Check",
            "Last Successful Health Check",
            "Last Skip Health Check",
            "Last Failed Health Check",
        ];
        let rows: Vec<(&str, String)> = titles.into_iter().zip(values).collect();
        titled_block(&rows)
    } else {
        let mut out = values.join(" ");
        out.push('\n');
        out
    }
}

/// `pcp_proc_count`.
pub(crate) fn process_count(pids: &[u32], verbose: bool) -> String {
    let mut out = String::new();
    if verbose {
        out.push_str("No \t | \t PID\n_____________________\n");
        for (i, pid) in pids.iter().enumerate() {
            let _ = writeln!(out, "{i} \t | \t {pid}");
        }
        let _ = writeln!(out, "\nTotal Processes:{}", pids.len());
    } else {
        for pid in pids {
            let _ = write!(out, "{pid} ");
        }
        out.push('\n');
    }
    out
}

fn timestamp_text(t: &Option<Timestamp>) -> String {
    match t {
        None => String::new(),
        Some(Timestamp::Local(l)) => l.to_string(),
        Some(Timestamp::Unix(UnixTime(0))) => String::new(),
        Some(Timestamp::Unix(u)) => local_time(*u),
    }
}

fn with_note(value: String, note: &Option<String>) -> String {
    match note {
        Some(n) if !value.is_empty() => format!("{value} {n}"),
        _ => value,
    }
}

/// `pcp_proc_info` (4.3 columns): rows without a database are skipped unless `all`.
pub(crate) fn process_info(rows: &[ProcessInfo], all: bool, verbose: bool) -> String {
    let mut out = String::new();
    for p in rows.iter().filter(|p| all || !p.database.is_empty()) {
        let connected = match p.connected {
            Some(true) => "1".to_owned(),
            Some(false) => "0".to_owned(),
            None => String::new(),
        };
        let values = [
            p.database.clone(),
            p.username.clone(),
            with_note(timestamp_text(&p.start_time), &p.start_time_note),
            opt(&p.client_connection_count),
            opt(&p.major),
            opt(&p.minor),
            timestamp_text(&p.backend_connection_time),
            opt_time(&p.client_connection_time),
            with_note(opt(&p.client_idle_seconds), &p.client_idle_note),
            opt_time(&p.client_disconnection_time),
            opt(&p.pool_counter),
            opt(&p.backend_pid),
            connected,
            opt(&p.pid),
            opt(&p.backend_id),
            p.status
                .as_ref()
                .map(|s| s.name().to_owned())
                .unwrap_or_default(),
        ];
        if verbose {
            let titles = [
                "Database",
                "Username",
                "Start time",
                "Client connection count",
                "Major",
                "Minor",
                "Backend connection time",
                "Client connection time",
                "Client idle duration",
                "Client disconnection time",
                "Pool Counter",
                "Backend PID",
                "Connected",
                "PID",
                "Backend ID",
                "Status",
            ];
            let rows: Vec<(&str, String)> = titles.into_iter().zip(values).collect();
            out.push_str(&titled_block(&rows));
        } else {
            out.push_str(&values.join(" "));
            out.push('\n');
        }
    }
    if out.is_empty() {
        out.push_str("No process information available\n\n");
    }
    out
}

/// `pcp_pool_status`.
pub(crate) fn pool_status(items: &[ConfigItem], verbose: bool) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if verbose {
            let _ = write!(
                out,
                "Name [{i:3}]:\t{}\nValue:      \t{}\nDescription:\t{}\n\n",
                item.name, item.value, item.description
            );
        } else {
            let _ = write!(
                out,
                "name : {}\nvalue: {}\ndesc : {}\n\n",
                item.name, item.value, item.description
            );
        }
    }
    out
}

/// `pcp_watchdog_info` (4.3 layout).
pub(crate) fn watchdog_info(w: &WatchdogInfo, verbose: bool) -> String {
    let yes_no = |b: bool| if b { "YES" } else { "NO" };
    let member_remote = w.member_remote_node_count.unwrap_or(w.remote_node_count);
    let mut out = String::new();
    if verbose {
        out.push_str("Watchdog Cluster Information \n");
        let _ = writeln!(
            out,
            "Total Nodes              : {}",
            w.remote_node_count + 1
        );
        let _ = writeln!(out, "Remote Nodes             : {}", w.remote_node_count);
        let _ = writeln!(out, "Member Remote Nodes      : {member_remote}");
        let _ = writeln!(out, "Alive Remote Nodes       : {}", w.alive_node_count);
        let _ = writeln!(
            out,
            "Nodes required for quorum: {}",
            w.nodes_required_for_quorum.unwrap_or(0)
        );
        let _ = writeln!(
            out,
            "Quorum state             : {}",
            w.quorum_status.description()
        );
        let _ = writeln!(out, "Local node escalation    : {}", yes_no(w.escalated));
        let _ = writeln!(out, "Leader Node Name         : {}", w.leader_node_name);
        let _ = writeln!(out, "Leader Host Name         : {}\n", w.leader_host_name);
        out.push_str("Watchdog Node Information \n");
        for n in &w.nodes {
            let _ = writeln!(out, "Node Name         : {}", n.node_name);
            let _ = writeln!(out, "Host Name         : {}", n.host_name);
            let _ = writeln!(out, "Delegate IP       : {}", n.delegate_ip);
            let _ = writeln!(out, "Pgpool port       : {}", n.pgpool_port);
            let _ = writeln!(out, "Watchdog port     : {}", n.wd_port);
            let _ = writeln!(out, "Node priority     : {}", n.priority);
            let _ = writeln!(out, "Status            : {}", n.state.code());
            let _ = writeln!(out, "Status Name       : {}", n.state_name);
            let _ = writeln!(
                out,
                "Membership Status : {}\n",
                n.membership_string.as_deref().unwrap_or_default()
            );
        }
    } else {
        let _ = write!(
            out,
            "{} {} {} {} {}\n\n",
            w.remote_node_count + 1,
            member_remote + 1,
            yes_no(w.escalated),
            w.leader_node_name,
            w.leader_host_name
        );
        for n in &w.nodes {
            let _ = writeln!(
                out,
                "{} {} {} {} {} {} {} {}",
                n.node_name,
                n.host_name,
                n.pgpool_port,
                n.wd_port,
                n.state.code(),
                n.state_name,
                n.membership.unwrap_or(0),
                n.membership_string.as_deref().unwrap_or_default()
            );
        }
    }
    out
}

/// What the tools print after a command that returns nothing.
pub(crate) fn command_successful(program: &str) -> String {
    format!("{program} -- Command Successful\n")
}

/// A server error as the tools print it on stderr.
pub(crate) fn server_error(msg: &ServerMessage) -> String {
    let mut out = format!("{}:  {}\n", msg.severity, msg.message);
    if let Some(detail) = &msg.detail {
        let _ = writeln!(out, "DETAIL:  {detail}");
    }
    out.push('\n');
    out
}
