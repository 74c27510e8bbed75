//! The one error type of the CLI: a client error, or a failure of the CLI's own, each with its
//! exit code.

use std::fmt;

use pcp_proto::ServerMessage;

use crate::exit::ExitCode;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum CliError {
    /// The PCP client failed (connection, authentication, server error, ...).
    Client(pcp_client::Error),
    /// A failure of the CLI's own, with its exit code.
    Other {
        /// Exit code.
        code: ExitCode,
        /// One-line message.
        message: String,
    },
}

impl CliError {
    /// An invalid command line or setting.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError::Other {
            code: ExitCode::Usage,
            message: message.into(),
        }
    }

    /// A local failure.
    pub(crate) fn local(message: impl Into<String>) -> Self {
        CliError::Other {
            code: ExitCode::Local,
            message: message.into(),
        }
    }

    /// The exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Client(e) => ExitCode::from(e),
            CliError::Other { code, .. } => *code,
        }
    }

    /// The server's report, if the server sent one.
    pub(crate) fn server_message(&self) -> Option<&ServerMessage> {
        match self {
            CliError::Client(e) => e.as_server_error(),
            CliError::Other { .. } => None,
        }
    }

    /// The client error, if this is one.
    pub(crate) fn client(&self) -> Option<&pcp_client::Error> {
        match self {
            CliError::Client(e) => Some(e),
            CliError::Other { .. } => None,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Client(e) => write!(f, "{e}"),
            CliError::Other { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for CliError {}

impl From<pcp_client::Error> for CliError {
    fn from(e: pcp_client::Error) -> Self {
        CliError::Client(e)
    }
}

/// Output errors: a closed pipe is not worth a message (see `main`).
impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::local(format!("cannot write the output: {e}"))
    }
}

/// Whether an I/O error anywhere in the chain is a broken pipe (`pcpctl ... | head`).
pub(crate) fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}
