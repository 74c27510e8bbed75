//! `pcpctl watch`: a live node table, refreshed every `--interval`, for watching a failover as
//! it happens; with `--json`, one JSON line per change (schema in docs/cli.md).
//!
//! Every refresh opens a PCP session, reads node info and ends the session before the pause:
//! an open PCP session keeps Pgpool's main process from finishing a failover, and Pgpool
//! restarts its PCP listener after one. A refresh that fails (listener restarting, Pgpool
//! down) is reported and the next one tries again. SIGINT (Ctrl-C) and SIGTERM stop it
//! cleanly, with exit code 0.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::time::Duration;

use chrono::Local;
use pcp_client::{Client, Config};
use pcp_proto::NodeInfo;
use serde_json::{json, Value};
use tokio::signal::unix::{signal, SignalKind};

use crate::cli::{Format, WatchArgs};
use crate::error::CliError;
use crate::exit::ExitCode;
use crate::output::human::{delay, replication};
use crate::output::json::NodeView;
use crate::output::pcp_format::local_time;
use crate::output::write_all;
use crate::sanitize::escape;
use crate::settings::{self, ConnSettings};

/// The columns of the human table.
const HEADER: [&str; 9] = [
    "ID",
    "HOST",
    "PORT",
    "STATUS",
    "ROLE",
    "BACKEND ROLE",
    "REPLICATION",
    "DELAY",
    "LAST CHANGE",
];

/// The cells of a node's row (server text escaped).
fn cells(id: u32, n: &NodeInfo) -> Vec<String> {
    let dash = || "-".to_owned();
    let cells = vec![
        id.to_string(),
        if n.hostname.is_empty() {
            dash()
        } else {
            n.hostname.clone()
        },
        n.port.to_string(),
        n.effective_status().to_string(),
        n.role.to_string(),
        n.pg_role.as_ref().map_or_else(dash, ToString::to_string),
        replication(n),
        if n.role.is_primary() {
            dash()
        } else {
            delay(&n.replication_delay)
        },
        local_time(n.status_changed),
    ];
    // Every cell: roles and states of a newer server are its own words.
    cells.into_iter().map(|c| escape(&c).into_owned()).collect()
}

/// The table, the cells that differ from `previous` (same node id and column) highlighted
/// when `highlight` (reverse video).
fn table(
    rows: &[Vec<String>],
    previous: &BTreeMap<String, Vec<String>>,
    highlight: bool,
) -> String {
    let mut widths: Vec<usize> = HEADER.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String], changed: &dyn Fn(usize) -> bool| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths.get(i).copied().unwrap_or(0);
            let fill = " ".repeat(pad.saturating_sub(cell.chars().count()));
            if highlight && changed(i) {
                let _ = write!(text, "\x1b[7m{cell}\x1b[0m");
            } else {
                text.push_str(cell);
            }
            if i + 1 < cells.len() {
                text.push_str(&fill);
                text.push_str("  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    let header: Vec<String> = HEADER.iter().map(|h| (*h).to_owned()).collect();
    line(&mut out, &header, &|_| false);
    for row in rows {
        let before = row.first().and_then(|id| previous.get(id));
        line(&mut out, row, &|i| {
            // A node not seen before is new as a whole; otherwise the cells that moved.
            !previous.is_empty() && before.is_none_or(|b| b.get(i) != row.get(i))
        });
    }
    out
}

/// The current time, RFC 3339 with milliseconds, local zone.
fn now() -> String {
    Local::now().format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// The keys of `a` and `b` (JSON objects) whose values differ.
fn changed_keys(a: &Value, b: &Value) -> Vec<String> {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => b
            .iter()
            .filter(|(k, v)| a.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// State kept between refreshes.
struct Watcher {
    json: bool,
    terminal: bool,
    all: bool,
    interval: Duration,
    refresh: u64,
    /// JSON mode: each node's last document.
    docs: BTreeMap<u32, Value>,
    /// Human mode: each node's last cells, by id text.
    rows: BTreeMap<String, Vec<String>>,
    /// The last refresh's error, if it failed.
    error: Option<String>,
    /// Human mode: what was last printed (off a terminal, a table is printed only on change).
    last_text: String,
}

impl Watcher {
    fn json_line(&self, doc: Value) -> String {
        format!("{}\n", serde_json::to_string(&doc).unwrap_or_default())
    }

    /// The output for a successful refresh.
    fn nodes(&mut self, nodes: &[(u32, NodeInfo)]) -> String {
        let error = self.error.take();
        let nodes: Vec<&(u32, NodeInfo)> = nodes
            .iter()
            .filter(|(_, n)| self.all || !n.hostname.is_empty())
            .collect();
        if self.json {
            let mut out = String::new();
            if error.is_some() {
                out.push_str(&self.json_line(json!({
                    "event": "reachable", "time": now(), "refresh": self.refresh,
                })));
            }
            let mut seen = BTreeMap::new();
            for (id, info) in nodes {
                let doc = serde_json::to_value(NodeView::new(*id, info)).unwrap_or(Value::Null);
                let line = match self.docs.get(id) {
                    None => Some(json!({
                        "event": "node", "time": now(), "refresh": self.refresh,
                        "changed": [], "node": doc,
                    })),
                    Some(before) => {
                        let changed = changed_keys(before, &doc);
                        (!changed.is_empty()).then(|| {
                            json!({
                                "event": "change", "time": now(), "refresh": self.refresh,
                                "changed": changed, "node": doc,
                            })
                        })
                    }
                };
                if let Some(line) = line {
                    out.push_str(&self.json_line(line));
                }
                seen.insert(*id, doc);
            }
            for id in self.docs.keys().filter(|id| !seen.contains_key(id)) {
                out.push_str(&self.json_line(json!({
                    "event": "gone", "time": now(), "refresh": self.refresh, "node_id": id,
                })));
            }
            self.docs = seen;
            return out;
        }
        let rows: Vec<Vec<String>> = nodes.iter().map(|(id, n)| cells(*id, n)).collect();
        let body = if rows.is_empty() {
            "no nodes\n".to_owned()
        } else {
            table(&rows, &self.rows, self.terminal)
        };
        self.rows = rows
            .into_iter()
            .filter_map(|r| Some((r.first()?.clone(), r)))
            .collect();
        self.screen(body)
    }

    /// The output for a failed refresh.
    fn failed(&mut self, err: &CliError) -> String {
        let message = escape(&err.to_string()).into_owned();
        let repeated = self.error.as_deref() == Some(message.as_str());
        self.error = Some(message.clone());
        if self.json {
            if repeated {
                return String::new();
            }
            return self.json_line(json!({
                "event": "unreachable", "time": now(), "refresh": self.refresh,
                "error": err.to_string(),
            }));
        }
        self.screen(format!("unreachable: {message}\n"))
    }

    /// Human mode: on a terminal, the whole screen redrawn with a title line; elsewhere the
    /// table with a time line, only when it changed.
    fn screen(&mut self, body: String) -> String {
        if self.terminal {
            let title = format!(
                "pcpctl watch: every {} s, {}  (Ctrl-C to stop)\n\n",
                self.interval.as_secs_f64(),
                Local::now().format("%H:%M:%S")
            );
            return format!("\x1b[H\x1b[2J{title}{body}");
        }
        if body == self.last_text {
            return String::new();
        }
        self.last_text = body.clone();
        format!("{}\n{body}\n", now())
    }
}

/// One refresh: a session for node info, ended before returning.
async fn poll(
    config: &Config,
    client: &mut Option<Client>,
) -> Result<Vec<(u32, NodeInfo)>, CliError> {
    let mut c = match client.take() {
        Some(c) => c,
        None => config.connect().await?,
    };
    let result = c.node_info_all().await;
    // Release Pgpool's PCP worker while idle; the next refresh connects again.
    if let Err(e) = c.disconnect().await {
        tracing::debug!("ending the session: {e}");
    }
    *client = Some(c);
    Ok(result?
        .nodes
        .into_iter()
        .zip(0u32..)
        .map(|(n, id)| (id, n))
        .collect())
}

/// Runs `pcpctl watch`.
pub(crate) fn run(
    conn: &ConnSettings,
    args: &WatchArgs,
    format: Format,
) -> Result<ExitCode, CliError> {
    let config = settings::client_config(conn)?;
    let runtime = crate::async_runtime()?;
    let stdout = std::io::stdout();
    let mut watcher = Watcher {
        json: format == Format::Json,
        terminal: format != Format::Json && stdout.is_terminal(),
        all: args.all,
        interval: args.interval,
        refresh: 0,
        docs: BTreeMap::new(),
        rows: BTreeMap::new(),
        error: None,
        last_text: String::new(),
    };
    runtime.block_on(async {
        let mut interrupt = signal(SignalKind::interrupt())
            .map_err(|e| CliError::local(format!("cannot catch SIGINT: {e}")))?;
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|e| CliError::local(format!("cannot catch SIGTERM: {e}")))?;
        let mut client: Option<Client> = None;
        loop {
            watcher.refresh += 1;
            let started = tokio::time::Instant::now();
            let outcome = tokio::select! {
                r = poll(&config, &mut client) => Some(r),
                _ = interrupt.recv() => None,
                _ = terminate.recv() => None,
            };
            let Some(outcome) = outcome else { break };
            let text = match outcome {
                Ok(nodes) => watcher.nodes(&nodes),
                Err(err) => {
                    client = None;
                    watcher.failed(&err)
                }
            };
            write_all(&mut stdout.lock(), text.as_bytes())?;
            if args.count.is_some_and(|n| watcher.refresh >= n) {
                break;
            }
            let stop = tokio::select! {
                () = tokio::time::sleep_until(started + args.interval) => false,
                _ = interrupt.recv() => true,
                _ = terminate.recv() => true,
            };
            if stop {
                break;
            }
        }
        if let Some(mut c) = client {
            let _ = c.disconnect().await;
        }
        Ok::<(), CliError>(())
    })?;
    Ok(ExitCode::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_cells_are_highlighted_on_a_terminal_only() {
        let before: BTreeMap<String, Vec<String>> =
            [("1".to_owned(), vec!["1".to_owned(), "up".to_owned()])].into();
        let rows = vec![vec!["1".to_owned(), "down".to_owned()]];
        let text = table(&rows, &before, true);
        assert!(text.contains("\x1b[7mdown\x1b[0m"), "{text:?}");
        assert!(!text.contains("\x1b[7m1\x1b[0m"), "{text:?}");
        let plain = table(&rows, &before, false);
        assert!(!plain.contains('\x1b'), "{plain:?}");
        // The first table has nothing to compare with: nothing highlighted.
        assert!(!table(&rows, &BTreeMap::new(), true).contains('\x1b'));
    }

    #[test]
    fn changed_keys_lists_what_moved() {
        let a = json!({"status": "up", "role": "standby", "port": 5432});
        let b = json!({"status": "down", "role": "standby", "port": 5432});
        assert_eq!(changed_keys(&a, &b), vec!["status".to_owned()]);
    }
}
