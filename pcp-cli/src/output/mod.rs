//! Printers: human (tables), JSON (one document) and pcp (byte-identical to Pgpool 4.3's
//! `pcp_*` tools). Chosen once; each turns a [`Report`] into the text for stdout.

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
            Format::Human => human::render(report, self.verbose),
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
            } => {
                let infos: Vec<_> = nodes.iter().map(|n| n.info.clone()).collect();
                pcp_format::node_info(&infos, *include_unused, v)
            }
            Report::HealthCheckStats(stats) => stats
                .iter()
                .map(|s| pcp_format::health_check_stats(s, v))
                .collect(),
            Report::ProcCount(pids) => pcp_format::process_count(pids, v),
            Report::ProcInfo { rows, include_idle } => {
                pcp_format::process_info(rows, *include_idle, v)
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
