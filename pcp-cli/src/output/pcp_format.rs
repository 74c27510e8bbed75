//! Output byte-identical to the `pcp_*` tools of the connected server's release, plain and
//! verbose (`-v`), so scripts written against those tools keep working. The reply's layout
//! tells the release (node info and process info layouts, the watchdog JSON's keys); 4.3's
//! layout, verified byte for byte against the real 4.3.5 tools, is the default. The other
//! releases' layouts follow section 8 of the PCP protocol notes.

use std::fmt::Write as _;

use pcp_proto::{
    BackendStatus, ConfigItem, HealthCheckStats, LocalDateTime, NodeInfo, NodeInfoLayout,
    ProcessInfo, ProcessInfoLayout, ReplicationDelay, Role, ServerMessage, Timestamp, UnixTime,
    Version, WatchdogInfo,
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

/// As [`titled_block`] without the blank line (4.1 and 4.2 node info).
fn titled_lines(rows: &[(&str, String)]) -> String {
    let mut out = titled_block(rows);
    out.pop();
    out
}

/// `"<title padded to width>: <value>\n"` lines, the fixed layouts of 4.0–4.2.
fn fixed_lines(rows: &[(&str, String)], width: usize) -> String {
    let mut out = String::new();
    for (title, value) in rows {
        let _ = writeln!(out, "{title:<width$}: {value}");
    }
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

/// The role as a release's tools name it: 4.0 says `master`/`slave` for the non-streaming
/// modes' main node and replicas.
fn role_name_for(role: &Role, layout: NodeInfoLayout) -> &str {
    match (role, layout) {
        (Role::Main, NodeInfoLayout::V4_0) => "master",
        (Role::Replica, NodeInfoLayout::V4_0) => "slave",
        _ => role_name(role),
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

/// `pcp_node_info` in the layout of the server's release: nodes with an empty host name are
/// skipped unless `all`.
pub(crate) fn node_info(
    nodes: &[NodeInfo],
    all: bool,
    verbose: bool,
    layout: NodeInfoLayout,
) -> String {
    let mut out = String::new();
    for node in nodes.iter().filter(|n| all || !n.hostname.is_empty()) {
        out.push_str(&node_record(node, verbose, layout));
    }
    if out.is_empty() {
        out.push_str("No node information available\n\n");
    }
    out
}

fn node_record(node: &NodeInfo, verbose: bool, layout: NodeInfoLayout) -> String {
    let delay = match node.replication_delay {
        ReplicationDelay::Bytes(b) => b.to_string(),
        // 4.4+: by time; the verbose layout names the unit.
        ReplicationDelay::Time(d) if verbose => {
            let secs = d.as_secs_f64();
            let unit = if secs > 1.0 { "seconds" } else { "second" };
            format!("{secs:.6} {unit}")
        }
        ReplicationDelay::Time(d) => format!("{:.6}", d.as_secs_f64()),
    };
    let status = node
        .status
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "-1".into());
    // 4.1 and 4.2 print an empty string for a missing replication state, 4.3+ `none`.
    let missing = if layout == NodeInfoLayout::V4_1 {
        ""
    } else {
        "none"
    };
    let rep_state = node
        .replication_state
        .as_ref()
        .map_or_else(|| missing.to_owned(), |s| s.name().to_owned());
    let sync_state = node
        .replication_sync_state
        .as_ref()
        .map_or_else(|| missing.to_owned(), |s| s.name().to_owned());
    let role = role_name_for(&node.role, layout).to_owned();
    let rows: Vec<(&str, String)> = match layout {
        NodeInfoLayout::V4_0 => vec![
            ("Hostname", node.hostname.clone()),
            ("Port", node.port.to_string()),
            ("Status", status),
            ("Weight", c_float(node.weight.normalized())),
            ("Status Name", status_name(node)),
            ("Role", role),
            ("Replication Delay", delay),
            ("Last Status Change", local_time(node.status_changed)),
        ],
        NodeInfoLayout::V4_1 => vec![
            ("Hostname", node.hostname.clone()),
            ("Port", node.port.to_string()),
            ("Status", status),
            ("Weight", c_float(node.weight.normalized())),
            ("Status Name", status_name(node)),
            ("Role", role),
            ("Replication Delay", delay),
            ("Replication State", rep_state),
            ("Replication Sync State", sync_state),
            ("Last Status Change", local_time(node.status_changed)),
        ],
        // 4.3, 4.4+ (and any later layout: the newest known columns).
        _ => vec![
            ("Hostname", node.hostname.clone()),
            ("Port", node.port.to_string()),
            ("Status", status),
            ("Weight", c_float(node.weight.normalized())),
            ("Status Name", status_name(node)),
            ("Backend Status Name", opt(&node.pg_status)),
            ("Role", role),
            (
                "Backend Role",
                node.pg_role
                    .as_ref()
                    .map(|r| r.name().to_owned())
                    .unwrap_or_default(),
            ),
            ("Replication Delay", delay),
            ("Replication State", rep_state),
            ("Replication Sync State", sync_state),
            ("Last Status Change", local_time(node.status_changed)),
        ],
    };
    if !verbose {
        let values: Vec<&str> = rows.iter().map(|(_, v)| v.as_str()).collect();
        let mut line = values.join(" ");
        line.push('\n');
        return line;
    }
    match layout {
        // A fixed block: titles padded to 18, `: `, no blank line.
        NodeInfoLayout::V4_0 => fixed_lines(&rows, 18),
        NodeInfoLayout::V4_1 => titled_lines(&rows),
        _ => titled_block(&rows),
    }
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

/// `pcp_proc_info` in the layout of the server's release: rows without a database are skipped
/// unless `all`, and from 4.5 on (4.4 cannot be told from 4.3) rows without a pid too.
pub(crate) fn process_info(
    rows: &[ProcessInfo],
    all: bool,
    verbose: bool,
    layout: ProcessInfoLayout,
) -> String {
    let mut out = String::new();
    // 4.4+ also skip rows without a pid; the 4.3–4.4 layout keeps 4.3's behaviour.
    let skip_no_pid = matches!(layout, ProcessInfoLayout::V4_5 | ProcessInfoLayout::V4_7);
    for p in rows
        .iter()
        .filter(|p| all || !p.database.is_empty())
        .filter(|p| !(skip_no_pid && p.pid.is_none()))
    {
        out.push_str(&process_record(p, verbose, layout));
    }
    if out.is_empty() {
        out.push_str("No process information available\n\n");
    }
    out
}

fn process_record(p: &ProcessInfo, verbose: bool, layout: ProcessInfoLayout) -> String {
    let connected = match p.connected {
        Some(true) => "1".to_owned(),
        Some(false) => "0".to_owned(),
        None => String::new(),
    };
    if layout == ProcessInfoLayout::V4_0 {
        // 4.0–4.2: 11 fields, times formatted here from epochs.
        let rows: Vec<(&str, String)> = vec![
            ("Database", p.database.clone()),
            ("Username", p.username.clone()),
            ("Start time", timestamp_text(&p.start_time)),
            ("Creation time", timestamp_text(&p.backend_connection_time)),
            ("Major", opt(&p.major)),
            ("Minor", opt(&p.minor)),
            ("Counter", opt(&p.pool_counter)),
            ("Backend PID", opt(&p.backend_pid)),
            ("Connected", connected),
            ("PID", opt(&p.pid)),
            ("Backend ID", opt(&p.backend_id)),
        ];
        if verbose {
            let mut out = fixed_lines(&rows, 13);
            out.push('\n');
            return out;
        }
        let values: Vec<&str> = rows.iter().map(|(_, v)| v.as_str()).collect();
        return format!("{}\n", values.join(" "));
    }
    let mut rows: Vec<(&str, String)> = vec![
        ("Database", p.database.clone()),
        ("Username", p.username.clone()),
        (
            "Start time",
            with_note(timestamp_text(&p.start_time), &p.start_time_note),
        ),
        ("Client connection count", opt(&p.client_connection_count)),
        ("Major", opt(&p.major)),
        ("Minor", opt(&p.minor)),
        (
            "Backend connection time",
            timestamp_text(&p.backend_connection_time),
        ),
        (
            "Client connection time",
            opt_time(&p.client_connection_time),
        ),
        (
            "Client idle duration",
            with_note(opt(&p.client_idle_seconds), &p.client_idle_note),
        ),
        (
            "Client disconnection time",
            opt_time(&p.client_disconnection_time),
        ),
        ("Pool Counter", opt(&p.pool_counter)),
        ("Backend PID", opt(&p.backend_pid)),
        ("Connected", connected),
        ("PID", opt(&p.pid)),
        ("Backend ID", opt(&p.backend_id)),
        (
            "Status",
            p.status
                .as_ref()
                .map(|s| s.name().to_owned())
                .unwrap_or_default(),
        ),
    ];
    if matches!(layout, ProcessInfoLayout::V4_5 | ProcessInfoLayout::V4_7) {
        let lb = match p.load_balance_node {
            Some(true) => "1",
            Some(false) => "0",
            None => "",
        };
        rows.push(("Load balance node", lb.to_owned()));
    }
    if layout == ProcessInfoLayout::V4_7 {
        rows.push(("client_host", p.client_host.clone().unwrap_or_default()));
        rows.push(("client_port", p.client_port.clone().unwrap_or_default()));
        rows.push(("statement", p.statement.clone().unwrap_or_default()));
    }
    if verbose {
        titled_block(&rows)
    } else {
        let values: Vec<&str> = rows.iter().map(|(_, v)| v.as_str()).collect();
        format!("{}\n", values.join(" "))
    }
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

/// `pcp_watchdog_info` in the layout of the server's release, as the reply's JSON keys tell
/// it: 4.0–4.2 have no membership, 4.0–4.1 say "Master" for the leader, 4.8+ (master) add
/// whether the lifecheck started.
pub(crate) fn watchdog_info(w: &WatchdogInfo, verbose: bool) -> String {
    let generation = w.generation();
    let membership = generation.since >= Version::new(4, 3);
    let lifecheck = generation.since >= Version::new(4, 8);
    let leader = if w.master_keys { "Master" } else { "Leader" };
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
        if membership {
            let _ = writeln!(out, "Member Remote Nodes      : {member_remote}");
        }
        let _ = writeln!(out, "Alive Remote Nodes       : {}", w.alive_node_count);
        if membership {
            let _ = writeln!(
                out,
                "Nodes required for quorum: {}",
                w.nodes_required_for_quorum.unwrap_or(0)
            );
        }
        let quorum = match (w.quorum_status, w.master_keys) {
            (pcp_proto::QuorumStatus::NoLeader, true) => "NO MASTER NODE",
            (q, _) => q.description(),
        };
        let _ = writeln!(out, "Quorum state             : {quorum}");
        let _ = writeln!(out, "Local node escalation    : {}", yes_no(w.escalated));
        let _ = writeln!(out, "{leader} Node Name         : {}", w.leader_node_name);
        let _ = writeln!(out, "{leader} Host Name         : {}\n", w.leader_host_name);
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
            if membership {
                let _ = writeln!(
                    out,
                    "Membership Status : {}",
                    n.membership_string.as_deref().unwrap_or_default()
                );
            }
            if lifecheck {
                let _ = writeln!(
                    out,
                    "Lifecheck Started : {}",
                    yes_no(n.lifecheck_started.unwrap_or(false))
                );
            }
            out.push('\n');
        }
    } else {
        if membership {
            let _ = write!(
                out,
                "{} {} {} {} {}\n\n",
                w.remote_node_count + 1,
                member_remote + 1,
                yes_no(w.escalated),
                w.leader_node_name,
                w.leader_host_name
            );
        } else {
            let _ = write!(
                out,
                "{} {} {} {}\n\n",
                w.remote_node_count + 1,
                yes_no(w.escalated),
                w.leader_node_name,
                w.leader_host_name
            );
        }
        for n in &w.nodes {
            let _ = write!(
                out,
                "{} {} {} {} {} {}",
                n.node_name,
                n.host_name,
                n.pgpool_port,
                n.wd_port,
                n.state.code(),
                n.state_name,
            );
            if membership {
                let _ = write!(
                    out,
                    " {} {}",
                    n.membership.unwrap_or(0),
                    n.membership_string.as_deref().unwrap_or_default()
                );
            }
            if lifecheck {
                let _ = write!(out, " {}", yes_no(n.lifecheck_started.unwrap_or(false)));
            }
            out.push('\n');
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
