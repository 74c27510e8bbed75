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
    let mut text = String::new();
    push_timestamp(&mut text, t);
    text
}

/// `pcp_proc_info` in the layout of the server's release: rows without a database are skipped
/// unless `all`, and from 4.5 on (4.4 cannot be told from 4.3) rows without a pid too.
pub(crate) fn process_info(
    rows: &[ProcessInfo],
    all: bool,
    verbose: bool,
    layout: ProcessInfoLayout,
) -> String {
    // 4.4+ also skip rows without a pid; the 4.3–4.4 layout keeps 4.3's behaviour.
    let skip_no_pid = matches!(layout, ProcessInfoLayout::V4_5 | ProcessInfoLayout::V4_7);
    let mut shown = rows
        .iter()
        .filter(|p| all || !p.database.is_empty())
        .filter(|p| !(skip_no_pid && p.pid.is_none()))
        .peekable();
    let Some(&first) = shown.peek() else {
        return "No process information available\n\n".to_owned();
    };
    let mut out = String::with_capacity(rows.len().saturating_mul(if verbose { 600 } else { 120 }));
    if layout == ProcessInfoLayout::V4_0 {
        for p in shown {
            out.push_str(&process_record_4_0(p, verbose));
        }
        return out;
    }
    // The titles do not depend on the row: measure them once.
    let mut widest = TitleWidth(0);
    process_fields(first, layout, &mut widest);
    for p in shown {
        let mut record = RecordWriter {
            out: &mut out,
            verbose,
            width: widest.0,
            first: true,
        };
        process_fields(p, layout, &mut record);
        out.push('\n');
    }
    out
}

/// Where the fields of one record go.
trait FieldSink {
    /// One field: `value` writes its text.
    fn field(&mut self, title: &str, value: impl FnOnce(&mut String));
}

/// Measures the widest title.
struct TitleWidth(usize);

impl FieldSink for TitleWidth {
    fn field(&mut self, title: &str, _value: impl FnOnce(&mut String)) {
        self.0 = self.0.max(title.len());
    }
}

/// Writes one record straight into the output, without a string per field (process info
/// has thousands of records): the values on one line separated by spaces or, verbose, one
/// `title : value` line each, titles padded to `width` (as [`titled_block`]). The caller ends
/// the record with a newline.
struct RecordWriter<'a> {
    out: &'a mut String,
    verbose: bool,
    width: usize,
    first: bool,
}

impl FieldSink for RecordWriter<'_> {
    fn field(&mut self, title: &str, value: impl FnOnce(&mut String)) {
        if self.verbose {
            let _ = write!(self.out, "{title:<width$} : ", width = self.width);
        } else if !self.first {
            self.out.push(' ');
        }
        self.first = false;
        value(self.out);
        if self.verbose {
            self.out.push('\n');
        }
    }
}

fn push_opt<T: std::fmt::Display>(out: &mut String, v: &Option<T>) {
    if let Some(v) = v {
        let _ = write!(out, "{v}");
    }
}

/// A number in decimal, if any: by hand, as the formatting machinery costs about five times
/// as much per number (process info has some ten per row, thousands of rows).
fn push_opt_number<T: Copy + Into<u64>>(out: &mut String, v: &Option<T>) {
    let Some(v) = *v else { return };
    let mut rest: u64 = v.into();
    let mut buf = [b'0'; 20]; // u64::MAX has 20 digits
    let mut len = 0;
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
        if rest == 0 {
            break;
        }
    }
    let digits = buf.get(buf.len() - len..).unwrap_or_default();
    out.push_str(std::str::from_utf8(digits).unwrap_or_default());
}

/// Writes `value`, then ` note` if a note is given and the value was not empty.
fn push_noted(out: &mut String, note: &Option<String>, value: impl FnOnce(&mut String)) {
    let before = out.len();
    value(out);
    if let Some(note) = note {
        if out.len() > before {
            out.push(' ');
            out.push_str(note);
        }
    }
}

fn push_timestamp(out: &mut String, t: &Option<Timestamp>) {
    match t {
        None | Some(Timestamp::Unix(UnixTime(0))) => {}
        Some(Timestamp::Local(l)) => {
            let _ = write!(out, "{l}");
        }
        Some(Timestamp::Unix(u)) => out.push_str(&local_time(*u)),
    }
}

fn flag_text(flag: Option<bool>) -> &'static str {
    match flag {
        Some(true) => "1",
        Some(false) => "0",
        None => "",
    }
}

/// The fields of one process-info record in the 4.3+ layouts.
fn process_fields(p: &ProcessInfo, layout: ProcessInfoLayout, sink: &mut impl FieldSink) {
    sink.field("Database", |o| o.push_str(&p.database));
    sink.field("Username", |o| o.push_str(&p.username));
    sink.field("Start time", |o| {
        push_noted(o, &p.start_time_note, |o| push_timestamp(o, &p.start_time))
    });
    sink.field("Client connection count", |o| {
        push_opt_number(o, &p.client_connection_count)
    });
    sink.field("Major", |o| push_opt_number(o, &p.major));
    sink.field("Minor", |o| push_opt_number(o, &p.minor));
    sink.field("Backend connection time", |o| {
        push_timestamp(o, &p.backend_connection_time)
    });
    sink.field("Client connection time", |o| {
        push_opt(o, &p.client_connection_time)
    });
    sink.field("Client idle duration", |o| {
        push_noted(o, &p.client_idle_note, |o| {
            push_opt_number(o, &p.client_idle_seconds)
        })
    });
    sink.field("Client disconnection time", |o| {
        push_opt(o, &p.client_disconnection_time)
    });
    sink.field("Pool Counter", |o| push_opt_number(o, &p.pool_counter));
    sink.field("Backend PID", |o| push_opt_number(o, &p.backend_pid));
    sink.field("Connected", |o| o.push_str(flag_text(p.connected)));
    sink.field("PID", |o| push_opt_number(o, &p.pid));
    sink.field("Backend ID", |o| push_opt_number(o, &p.backend_id));
    sink.field("Status", |o| {
        if let Some(status) = &p.status {
            o.push_str(status.name());
        }
    });
    if matches!(layout, ProcessInfoLayout::V4_5 | ProcessInfoLayout::V4_7) {
        sink.field("Load balance node", |o| {
            o.push_str(flag_text(p.load_balance_node))
        });
    }
    if layout == ProcessInfoLayout::V4_7 {
        sink.field("client_host", |o| {
            o.push_str(p.client_host.as_deref().unwrap_or_default())
        });
        sink.field("client_port", |o| {
            o.push_str(p.client_port.as_deref().unwrap_or_default())
        });
        sink.field("statement", |o| {
            o.push_str(p.statement.as_deref().unwrap_or_default())
        });
    }
}

/// One process-info record in the 4.0–4.2 layout: 11 fields, times formatted here from epochs.
fn process_record_4_0(p: &ProcessInfo, verbose: bool) -> String {
    let rows: Vec<(&str, String)> = vec![
        ("Database", p.database.clone()),
        ("Username", p.username.clone()),
        ("Start time", timestamp_text(&p.start_time)),
        ("Creation time", timestamp_text(&p.backend_connection_time)),
        ("Major", opt(&p.major)),
        ("Minor", opt(&p.minor)),
        ("Counter", opt(&p.pool_counter)),
        ("Backend PID", opt(&p.backend_pid)),
        ("Connected", flag_text(p.connected).to_owned()),
        ("PID", opt(&p.pid)),
        ("Backend ID", opt(&p.backend_id)),
    ];
    if verbose {
        let mut out = fixed_lines(&rows, 13);
        out.push('\n');
        return out;
    }
    let values: Vec<&str> = rows.iter().map(|(_, v)| v.as_str()).collect();
    format!("{}\n", values.join(" "))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_by_hand_are_decimal() {
        for v in [
            0u64,
            1,
            9,
            10,
            99,
            100,
            12345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = String::from("x");
            push_opt_number(&mut out, &Some(v));
            assert_eq!(out, format!("x{v}"));
        }
        let mut out = String::new();
        push_opt_number(&mut out, &Some(7u32));
        push_opt_number::<u32>(&mut out, &None);
        assert_eq!(out, "7");
    }
}
