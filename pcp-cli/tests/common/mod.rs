//! Helpers shared by the integration tests: running the built `pcpctl`, drop-in links, and
//! normalising the few volatile values of the pcp output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub(crate) fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pcpctl"))
}

/// Environment variables that would change the tests' outcome if inherited.
const SCRUB: &[&str] = &[
    "PCPHOST",
    "PCPPORT",
    "PCPUSER",
    "PCPPASSWORD",
    "PCPPASSFILE",
    "PCPCTL_COMPAT_EXIT",
    "RUST_LOG",
];

/// A command for `program` with a clean environment (HOME kept away from a real .pcppass).
pub(crate) fn command(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    for key in SCRUB {
        cmd.env_remove(key);
    }
    cmd.env("HOME", "/nonexistent");
    cmd
}

/// `pcpctl` with a clean environment.
pub(crate) fn pcpctl() -> Command {
    command(&bin())
}

/// Runs and captures.
pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run the command")
}

/// stdout as text.
pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit status (panics on a signal).
pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// The `pcp_*` names of drop-in mode.
pub(crate) const TOOLS: &[&str] = &[
    "pcp_node_count",
    "pcp_node_info",
    "pcp_health_check_stats",
    "pcp_proc_count",
    "pcp_proc_info",
    "pcp_pool_status",
    "pcp_watchdog_info",
    "pcp_attach_node",
    "pcp_detach_node",
    "pcp_promote_node",
    "pcp_recovery_node",
    "pcp_stop_pgpool",
    "pcp_reload_config",
    "pcp_log_rotate",
    "pcp_invalidate_query_cache",
];

/// A temporary directory with a symlink per `pcp_*` name to the built binary.
pub(crate) struct Links {
    pub(crate) dir: tempfile::TempDir,
}

impl Links {
    pub(crate) fn new() -> Links {
        let dir = tempfile::tempdir().expect("temp dir");
        for tool in TOOLS {
            std::os::unix::fs::symlink(bin(), dir.path().join(tool)).expect("symlink");
        }
        Links { dir }
    }

    pub(crate) fn path(&self, tool: &str) -> PathBuf {
        self.dir.path().join(tool)
    }

    /// A command for the drop-in `tool`, clean environment.
    pub(crate) fn command(&self, tool: &str) -> Command {
        command(&self.path(tool))
    }
}

/// Replaces the countdowns Pgpool prints in process info (`(4:59 before process
/// restarting)`, `(0:30 before client disconnected)`) with `(N:NN before ...)`.
pub(crate) fn normalise_countdowns(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
        let m = digits(after);
        let countdown = m > 0
            && after[m..].starts_with(':')
            && digits(&after[m + 1..]) > 0
            && after[m + 1 + digits(&after[m + 1..])..].starts_with(" before ");
        if countdown {
            out.push_str("(N:NN");
            rest = &after[m + 1 + digits(&after[m + 1..])..];
        } else {
            out.push('(');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn countdowns_are_normalised() {
    assert_eq!(
        normalise_countdowns("a 2026-11-25 18:35:48 (4:59 before process restarting) 1 (x)"),
        "a 2026-11-25 18:35:48 (N:NN before process restarting) 1 (x)"
    );
    assert_eq!(
        normalise_countdowns("(12:05 before client"),
        "(N:NN before client"
    );
}
