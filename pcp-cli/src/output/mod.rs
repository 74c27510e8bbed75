//! Printers: human (tables), JSON (one document) and pcp (byte-identical to the `pcp_*` tools
//! of the connected server's release, 4.3's when it is not known). Chosen once; each turns a
//! [`Report`] into the text for stdout.

pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod pcp_format;

use std::io::{IsTerminal, Write};

use crate::cli::Format;
use crate::error::{is_broken_pipe, CliError};
use crate::report::Report;
use crate::sanitize;

/// How reports are printed.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    /// The format.
    pub(crate) format: Format,
    /// `-v`.
    pub(crate) verbose: bool,
    /// In drop-in mode: the name the tool was invoked as (for "<prog> -- Command Successful").
    pub(crate) program: Option<String>,
}

impl Printer {
    /// The text for `report`. Server-supplied text is escaped in human output always, in pcp
    /// output when `terminal` is true; JSON escapes it itself.
    pub(crate) fn render(&self, report: &Report, terminal: bool) -> String {
        match self.format {
            // The human renderers escape each field; this pass makes sure that no path (a
            // role or state word of a newer server, say) lets a control character through.
            // Already escaped text is unchanged by it (backslashes are left alone).
            Format::Human => {
                sanitize::escape_keep_newlines(&human::render(report, self.verbose)).into_owned()
            }
            Format::Json => json::render(report),
            Format::Pcp => {
                let text = self.render_pcp(report);
                if terminal {
                    sanitize::escape_keep_newlines(&text).into_owned()
                } else {
                    text
                }
            }
        }
    }

    fn render_pcp(&self, report: &Report) -> String {
        let v = self.verbose;
        match report {
            Report::NodeCount(n) => pcp_format::node_count(*n, v),
            Report::NodeInfo {
                nodes,
                include_unused,
                layout,
            } => {
                let infos: Vec<_> = nodes.iter().map(|n| n.info.clone()).collect();
                // 4.3's layout when the server's generation is not known.
                let layout = layout.unwrap_or(pcp_proto::NodeInfoLayout::V4_3);
                pcp_format::node_info(&infos, *include_unused, v, layout)
            }
            Report::HealthCheckStats(stats) => stats
                .iter()
                .map(|s| pcp_format::health_check_stats(s, v))
                .collect(),
            Report::ProcCount(pids) => pcp_format::process_count(pids, v),
            Report::ProcInfo {
                rows,
                include_idle,
                layout,
            } => {
                let layout = layout.unwrap_or(pcp_proto::ProcessInfoLayout::V4_3);
                pcp_format::process_info(rows, *include_idle, v, layout)
            }
            Report::PoolStatus(items) => pcp_format::pool_status(items, v),
            Report::WatchdogInfo(w) => pcp_format::watchdog_info(w, v),
            Report::Action(a) => {
                let program = self.program.as_deref().unwrap_or(a.kind.pcp_program());
                pcp_format::command_successful(program)
            }
            // No pcp_* tool does these: the plain human text.
            Report::Resolve(_) | Report::IsPrimary(_) => human::render(report, v),
        }
    }

    /// Prints `report` on stdout. A closed pipe (`| head`) is not an error.
    pub(crate) fn print(&self, report: &Report) -> Result<(), CliError> {
        let stdout = std::io::stdout();
        let text = self.render(report, stdout.is_terminal());
        write_all(&mut stdout.lock(), text.as_bytes())
    }
}

/// Writes and flushes, treating a broken pipe as success.
pub(crate) fn write_all(out: &mut dyn Write, bytes: &[u8]) -> Result<(), CliError> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if is_broken_pipe(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ActionKind, ActionReport, IsPrimaryReport, NodeRow, ResolveReport};
    use pcp_client::glue::state::NodeState;
    use pcp_proto::{BackendStatus, NodeInfo, ReplicationDelay, Role, UnixTime, Weight};

    const EVIL: &str = "x\u{1b}[2J\u{202e}\ry";

    fn evil_node() -> NodeInfo {
        NodeInfo {
            hostname: EVIL.to_owned(),
            port: 5432,
            status: BackendStatus::Unknown(EVIL.to_owned()),
            quarantine: None,
            pg_status: None,
            weight: Weight { raw: 1.0 },
            role: Role::Unknown(EVIL.to_owned()),
            pg_role: Some(Role::Unknown(EVIL.to_owned())),
            replication_delay: ReplicationDelay::Bytes(0),
            replication_state: None,
            replication_sync_state: None,
            status_changed: UnixTime(0),
            extra: Vec::new(),
        }
    }

    /// Every human rendering of server text: no control character but the line ends.
    #[test]
    fn human_output_never_carries_control_characters() {
        let node = NodeRow {
            id: 1,
            info: evil_node(),
        };
        let mut action = ActionReport::accepted(ActionKind::Attach, Some(1));
        let state = NodeState::from_node_info(1, &evil_node());
        action.node = Some(state.clone());
        action.host = Some((EVIL.to_owned(), 5432));
        action.result = crate::report::ActionResult::Applied;
        let reports = [
            Report::NodeInfo {
                nodes: vec![node.clone()],
                include_unused: true,
                layout: None,
            },
            Report::Action(action),
            Report::IsPrimary(IsPrimaryReport { node: state }),
            Report::Resolve(ResolveReport {
                query: EVIL.to_owned(),
                node_id: 1,
                hostname: EVIL.to_owned(),
                port: 5432,
            }),
        ];
        for verbose in [false, true] {
            let printer = Printer {
                format: Format::Human,
                verbose,
                program: None,
            };
            for report in &reports {
                let text = printer.render(report, true);
                assert!(
                    !text
                        .chars()
                        .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
                    "{text:?}"
                );
            }
        }
    }
}
