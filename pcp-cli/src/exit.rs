//! Exit codes: one per kind of outcome, documented in `--help` and docs/cli.md.

use pcp_client::ErrorKind;

/// What `pcpctl` exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ExitCode {
    /// The command did what was asked.
    Success,
    /// A check answered "no" (`is-primary`: the node is not the primary).
    No,
    /// Invalid command line or settings (clap's usage errors, an unusable configuration).
    Usage,
    /// Pgpool could not be reached, or the connection broke.
    Connection,
    /// Pgpool refused the user name or password.
    Authentication,
    /// Pgpool answered the command with an error.
    Server,
    /// A time limit ran out (`--timeout`).
    Timeout,
    /// No backend, or several, match the host given.
    NotFound,
    /// Pgpool accepted the request, but node info did not show it applied within `--wait`.
    NotApplied,
    /// Pgpool sent something that is not a valid reply.
    Protocol,
    /// The Pgpool server is too old for the command.
    Unsupported,
    /// A local failure: writing the output, creating links, or an internal error.
    Local,
}

impl ExitCode {
    /// The process exit status.
    pub(crate) fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::No => 1,
            ExitCode::Usage => 2,
            ExitCode::Connection => 3,
            ExitCode::Authentication => 4,
            ExitCode::Server => 5,
            ExitCode::Timeout => 6,
            ExitCode::NotFound => 7,
            ExitCode::NotApplied => 8,
            ExitCode::Protocol => 9,
            ExitCode::Unsupported => 10,
            ExitCode::Local => 11,
        }
    }

    /// A stable word for JSON output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExitCode::Success => "success",
            ExitCode::No => "no",
            ExitCode::Usage => "usage",
            ExitCode::Connection => "connection",
            ExitCode::Authentication => "authentication",
            ExitCode::Server => "server",
            ExitCode::Timeout => "timeout",
            ExitCode::NotFound => "not_found",
            ExitCode::NotApplied => "not_applied",
            ExitCode::Protocol => "protocol",
            ExitCode::Unsupported => "unsupported",
            ExitCode::Local => "local",
        }
    }

    /// Every code, in order.
    #[cfg(test)]
    pub(crate) const ALL: [ExitCode; 12] = [
        ExitCode::Success,
        ExitCode::No,
        ExitCode::Usage,
        ExitCode::Connection,
        ExitCode::Authentication,
        ExitCode::Server,
        ExitCode::Timeout,
        ExitCode::NotFound,
        ExitCode::NotApplied,
        ExitCode::Protocol,
        ExitCode::Unsupported,
        ExitCode::Local,
    ];
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

impl From<&pcp_client::Error> for ExitCode {
    fn from(err: &pcp_client::Error) -> Self {
        match err.kind() {
            ErrorKind::Io | ErrorKind::Closed => ExitCode::Connection,
            ErrorKind::Timeout => ExitCode::Timeout,
            ErrorKind::Authentication => ExitCode::Authentication,
            ErrorKind::Server => ExitCode::Server,
            ErrorKind::Protocol => ExitCode::Protocol,
            ErrorKind::Unsupported => ExitCode::Unsupported,
            ErrorKind::Config | ErrorKind::InvalidArgument => ExitCode::Usage,
            ErrorKind::NodeNotFound | ErrorKind::AmbiguousHost => ExitCode::NotFound,
            ErrorKind::NotApplied => ExitCode::NotApplied,
            _ => ExitCode::Local,
        }
    }
}

/// The table printed at the end of `pcpctl --help` (keep in sync with docs/cli.md; a test
/// checks).
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
   0  success
   1  no: the check answered no (is-primary: not the primary)
   2  usage: invalid command line or settings
   3  connection: Pgpool unreachable, or the connection broke
   4  authentication: user name or password refused
   5  server: Pgpool answered with an error
   6  timeout: a time limit ran out
   7  not found: no backend, or several, match the host
   8  not applied: accepted, but not applied within --wait
   9  protocol: invalid reply from Pgpool
  10  unsupported: the Pgpool server is too old for the command
  11  local: output, links or internal failure

Drop-in mode (invoked as pcp_*): the same codes. With PCPCTL_COMPAT_EXIT=1, the
pcp_* tools' codes instead: 0 also when Pgpool reports an error, 1 for connection,
authentication and usage errors.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_listed() {
        let mut seen = std::collections::HashSet::new();
        for code in ExitCode::ALL {
            assert!(seen.insert(code.code()), "{code:?}");
            assert!(
                EXIT_CODES_HELP.contains(&format!("{:>4}  ", code.code())),
                "{code:?} missing from the help"
            );
        }
    }
}
