//! The client's error type: one opaque [`Error`] with a [`kind`](Error::kind) to branch on.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use pcp_proto::{Command, DecodeError, EncodeError, ServerMessage};

/// What went wrong, coarsely: the thing a caller (a CLI mapping exit codes, a binding mapping
/// exception classes) branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Connecting or talking to the server failed at the socket level.
    Io,
    /// A connect, request or overall time limit ran out.
    Timeout,
    /// The server refused the user name or password (or anything else went wrong while
    /// authenticating).
    Authentication,
    /// The server answered the command with an error (`E` frame); see
    /// [`Error::as_server_error`].
    Server,
    /// The server sent bytes that are not a valid reply: the stream cannot be trusted any more.
    Protocol,
    /// The connection was closed, by the server or earlier by this client.
    Closed,
    /// The server is too old for the command.
    Unsupported,
    /// The configuration is unusable (no user name, no endpoint, …).
    Config,
    /// An argument cannot be sent (too long, contains NUL, …); nothing was sent.
    InvalidArgument,
    /// Reserved for the failover glue: no backend matches a host name.
    NodeNotFound,
    /// Reserved for the failover glue: a host name matches several backends.
    AmbiguousHost,
    /// Reserved for the failover glue: the server accepted a request whose effect never showed.
    NotApplied,
}

impl ErrorKind {
    fn phrase(self) -> &'static str {
        match self {
            ErrorKind::Io => "I/O error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Server => "server error",
            ErrorKind::Protocol => "protocol error",
            ErrorKind::Closed => "connection closed",
            ErrorKind::Unsupported => "not supported by this server",
            ErrorKind::Config => "invalid configuration",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::NodeNotFound => "node not found",
            ErrorKind::AmbiguousHost => "ambiguous host",
            ErrorKind::NotApplied => "request not applied",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.phrase())
    }
}

type Source = Box<dyn StdError + Send + Sync + 'static>;

struct Inner {
    kind: ErrorKind,
    command: Option<Command>,
    context: Option<String>,
    server: Option<ServerMessage>,
    source: Option<Source>,
    fatal: bool,
}

/// An error from the PCP client.
///
/// Opaque on purpose: branch on [`kind`](Error::kind), read the server's report with
/// [`as_server_error`](Error::as_server_error), and ask [`is_fatal`](Error::is_fatal) whether
/// the connection it happened on is gone. `Display` shows the command, the server's message and
/// its detail. Passwords never appear in it.
pub struct Error(Box<Inner>);

impl Error {
    fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            command: None,
            context: None,
            server: None,
            source: None,
            fatal: false,
        }))
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The server's error report (severity, message, detail), for server-reported failures:
    /// command errors, FATAL authentication failures and "unknown packet type" answers.
    pub fn as_server_error(&self) -> Option<&ServerMessage> {
        self.0.server.as_ref()
    }

    /// Whether the connection this error happened on is no longer usable (server FATAL, EOF,
    /// socket error, timeout in the middle of a reply, undecodable reply). The next call on the
    /// [`Client`](crate::Client) then reconnects. `false` for a server ERROR, which leaves the
    /// session usable, and for errors raised before anything was sent.
    pub fn is_fatal(&self) -> bool {
        self.0.fatal
    }

    /// The command that failed, when the error belongs to one.
    pub fn command(&self) -> Option<Command> {
        self.0.command
    }

    /// Whether this is a [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.0.kind == ErrorKind::Timeout
    }

    // ----- constructors (crate-private) -----

    pub(crate) fn io(err: std::io::Error) -> Self {
        let mut e = Error::new(ErrorKind::Io);
        e.0.source = Some(Box::new(err));
        e.0.fatal = true;
        e
    }

    pub(crate) fn timeout(what: &str, limit: Duration) -> Self {
        Error::new(ErrorKind::Timeout)
            .with_context(format!("{what} took longer than {}", fmt_duration(limit)))
    }

    pub(crate) fn protocol(err: DecodeError) -> Self {
        let mut e = Error::new(ErrorKind::Protocol);
        e.0.source = Some(Box::new(err));
        e.0.fatal = true;
        e
    }

    pub(crate) fn protocol_msg(msg: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Protocol).with_context(msg);
        e.0.fatal = true;
        e
    }

    pub(crate) fn encode(err: EncodeError) -> Self {
        let mut e = Error::new(ErrorKind::InvalidArgument);
        e.0.source = Some(Box::new(err));
        e
    }

    pub(crate) fn invalid_argument(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument).with_context(msg)
    }

    pub(crate) fn closed(msg: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Closed).with_context(msg);
        e.0.fatal = true;
        e
    }

    pub(crate) fn other(kind: ErrorKind, msg: impl Into<String>) -> Self {
        Error::new(kind).with_context(msg)
    }

    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config).with_context(msg)
    }

    pub(crate) fn unsupported(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported).with_context(msg)
    }

    /// A server-reported error for `command`. FATAL and PANIC close the connection; a FATAL
    /// "unknown PCP packet type" becomes [`ErrorKind::Unsupported`].
    pub(crate) fn server(command: Command, msg: ServerMessage) -> Self {
        let unknown_packet = msg.closes_connection()
            && [Some(msg.message.as_str()), msg.detail.as_deref()]
                .into_iter()
                .flatten()
                .any(|t| t.contains("unknown PCP packet type"));
        let kind = if unknown_packet {
            ErrorKind::Unsupported
        } else {
            ErrorKind::Server
        };
        let mut e = Error::new(kind).with_command(command);
        e.0.fatal = msg.closes_connection();
        e.0.server = Some(msg);
        e
    }

    /// The server refused the login.
    pub(crate) fn authentication(msg: ServerMessage) -> Self {
        let mut e = Error::new(ErrorKind::Authentication);
        e.0.fatal = true;
        e.0.server = Some(msg);
        e
    }

    // ----- adjusters -----

    pub(crate) fn with_context(mut self, context: impl Into<String>) -> Self {
        let context = context.into();
        self.0.context = Some(match self.0.context.take() {
            Some(inner) => format!("{context}: {inner}"),
            None => context,
        });
        self
    }

    pub(crate) fn with_command(mut self, command: Command) -> Self {
        // A refused login (even one read with a pipelined request's reply) is about the
        // session, not about the command.
        if self.0.kind != ErrorKind::Authentication {
            self.0.command.get_or_insert(command);
        }
        self
    }

    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    pub(crate) fn fatal(mut self) -> Self {
        self.0.fatal = true;
        self
    }

    pub(crate) fn not_fatal(mut self) -> Self {
        self.0.fatal = false;
        self
    }
}

pub(crate) fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind);
        if let Some(command) = self.0.command {
            d.field("command", &command);
        }
        if let Some(context) = &self.0.context {
            d.field("context", context);
        }
        if let Some(server) = &self.0.server {
            d.field("server", server);
        }
        if let Some(source) = &self.0.source {
            d.field("source", source);
        }
        d.field("fatal", &self.0.fatal);
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.server, self.0.command) {
            (Some(_), Some(command)) => write!(f, "{command} failed")?,
            (Some(_), None) => f.write_str(self.0.kind.phrase())?,
            (None, Some(command)) => write!(f, "{command}: {}", self.0.kind.phrase())?,
            (None, None) => f.write_str(self.0.kind.phrase())?,
        }
        if let Some(context) = &self.0.context {
            write!(f, ": {context}")?;
        }
        if let Some(server) = &self.0.server {
            write!(f, ": {}: {}", server.severity, server.message)?;
            if let Some(detail) = &server.detail {
                write!(f, " (DETAIL: {detail})")?;
            }
        }
        if let Some(source) = &self.0.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn StdError + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::io(err)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use pcp_proto::Severity;

    #[test]
    fn display_shows_message_and_detail() {
        let msg = ServerMessage::new(Severity::Error, "informing node info failed")
            .with_detail("invalid node ID : 7");
        let e = Error::server(Command::NodeInfo, msg);
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(!e.is_fatal());
        assert_eq!(
            e.to_string(),
            "node info failed: ERROR: informing node info failed (DETAIL: invalid node ID : 7)"
        );
    }

    #[test]
    fn unknown_packet_type_is_unsupported_and_fatal() {
        let msg = ServerMessage::new(Severity::Fatal, "PCP processing request")
            .with_detail("unknown PCP packet type \"V\"");
        let e = Error::server(Command::LogRotate, msg);
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.is_fatal());
        assert!(e.as_server_error().is_some());
    }

    #[test]
    fn error_is_small_and_send() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
