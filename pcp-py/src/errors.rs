//! The exception hierarchy (`pgpool_pcp.exceptions`) and how client errors map onto it.
//!
//! One class per [`ErrorKind`], all under `PcpError`, so callers can catch selectively.
//! `PcpTimeoutError` is also a built-in `TimeoutError` and `InvalidArgumentError` a
//! `ValueError`; `create_exception!` takes one base only, so those two are made with `type()`
//! when the module is initialised.
//!
//! Every instance raised from a client error carries `kind`, `command` and `fatal`, and the
//! server's report (`severity`, `message`, `detail`, `hint`, `code`; `None` when there is
//! none).

use pcp_client::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

create_exception!(
    pgpool_pcp.exceptions,
    PcpError,
    PyException,
    "Base class of every error raised by pgpool_pcp."
);
create_exception!(
    pgpool_pcp.exceptions,
    ConnectError,
    PcpError,
    "Connecting or talking to Pgpool failed at the socket level, or the connection was closed."
);
create_exception!(
    pgpool_pcp.exceptions,
    AuthenticationError,
    PcpError,
    "Pgpool refused the user name or password."
);
create_exception!(
    pgpool_pcp.exceptions,
    ServerError,
    PcpError,
    "Pgpool answered the command with an error; see severity, message and detail."
);
create_exception!(
    pgpool_pcp.exceptions,
    NodeNotFoundError,
    PcpError,
    "No configured backend matches the host given."
);
create_exception!(
    pgpool_pcp.exceptions,
    AmbiguousHostError,
    PcpError,
    "The host given matches several backends; give the port too."
);
create_exception!(
    pgpool_pcp.exceptions,
    ProtocolError,
    PcpError,
    "Pgpool sent bytes that are not a valid reply."
);
create_exception!(
    pgpool_pcp.exceptions,
    UnsupportedError,
    PcpError,
    "The Pgpool server is too old for the command."
);
create_exception!(
    pgpool_pcp.exceptions,
    NotAppliedError,
    PcpError,
    "Pgpool accepted the request but node info did not show its effect in time."
);
create_exception!(
    pgpool_pcp.exceptions,
    ConfigError,
    PcpError,
    "The connection settings are unusable."
);

static TIMEOUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INVALID_ARGUMENT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const MODULE: &str = "pgpool_pcp.exceptions";

/// A class deriving from `PcpError` and a built-in exception.
fn two_base_type<'py>(
    py: Python<'py>,
    name: &str,
    builtin: Bound<'py, PyType>,
    doc: &str,
) -> PyResult<Bound<'py, PyType>> {
    let bases = PyTuple::new(py, [py.get_type::<PcpError>(), builtin])?;
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", MODULE)?;
    namespace.set_item("__doc__", doc)?;
    let ty = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(ty)
}

fn timeout_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    TIMEOUT_ERROR
        .get_or_try_init(py, || {
            two_base_type(
                py,
                "PcpTimeoutError",
                py.get_type::<PyTimeoutError>(),
                "A connect, request or overall time limit ran out (also a TimeoutError).",
            )
            .map(Bound::unbind)
        })
        .map(|t| t.bind(py))
}

fn invalid_argument_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    INVALID_ARGUMENT_ERROR
        .get_or_try_init(py, || {
            two_base_type(
                py,
                "InvalidArgumentError",
                py.get_type::<PyValueError>(),
                "An argument cannot be sent to Pgpool (too long, contains NUL, ...); nothing was sent (also a ValueError).",
            )
            .map(Bound::unbind)
        })
        .map(|t| t.bind(py))
}

/// Adds the exception classes to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("PcpError", py.get_type::<PcpError>())?;
    m.add("ConnectError", py.get_type::<ConnectError>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    m.add("NodeNotFoundError", py.get_type::<NodeNotFoundError>())?;
    m.add("AmbiguousHostError", py.get_type::<AmbiguousHostError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("UnsupportedError", py.get_type::<UnsupportedError>())?;
    m.add("NotAppliedError", py.get_type::<NotAppliedError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("PcpTimeoutError", timeout_error(py)?)?;
    m.add("InvalidArgumentError", invalid_argument_error(py)?)?;
    Ok(())
}

/// Why an operation failed, before it becomes a Python exception (which needs the GIL).
#[derive(Debug)]
pub(crate) enum Failure {
    /// The client library's error.
    Pcp(Error),
    /// The client was made in another process (before a `fork()`).
    Forked { created_in: u32 },
    /// `close()` was called.
    Closed,
    /// A Python exception (a signal handler raised, a conversion failed).
    Python(PyErr),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Pcp(err)
    }
}

impl From<PyErr> for Failure {
    fn from(err: PyErr) -> Self {
        Failure::Python(err)
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Io => "io",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Authentication => "authentication",
        ErrorKind::Server => "server",
        ErrorKind::Protocol => "protocol",
        ErrorKind::Closed => "closed",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Config => "config",
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::NodeNotFound => "node_not_found",
        ErrorKind::AmbiguousHost => "ambiguous_host",
        ErrorKind::NotApplied => "not_applied",
        _ => "other",
    }
}

fn class_for(py: Python<'_>, kind: ErrorKind) -> PyResult<Bound<'_, PyType>> {
    Ok(match kind {
        ErrorKind::Io | ErrorKind::Closed => py.get_type::<ConnectError>(),
        ErrorKind::Timeout => timeout_error(py)?.clone(),
        ErrorKind::Authentication => py.get_type::<AuthenticationError>(),
        ErrorKind::Server => py.get_type::<ServerError>(),
        ErrorKind::Protocol => py.get_type::<ProtocolError>(),
        ErrorKind::Unsupported => py.get_type::<UnsupportedError>(),
        ErrorKind::Config => py.get_type::<ConfigError>(),
        ErrorKind::InvalidArgument => invalid_argument_error(py)?.clone(),
        ErrorKind::NodeNotFound => py.get_type::<NodeNotFoundError>(),
        ErrorKind::AmbiguousHost => py.get_type::<AmbiguousHostError>(),
        ErrorKind::NotApplied => py.get_type::<NotAppliedError>(),
        _ => py.get_type::<PcpError>(),
    })
}

/// Builds an instance of `ty` with `text` and the standard attributes.
fn instance<'py>(
    ty: &Bound<'py, PyType>,
    text: String,
    kind: &str,
    err: Option<&Error>,
) -> PyResult<PyErr> {
    let value = ty.call1((text,))?;
    let server = err.and_then(Error::as_server_error);
    value.setattr("kind", kind)?;
    value.setattr("command", err.and_then(Error::command).map(|c| c.name()))?;
    value.setattr("fatal", err.is_some_and(Error::is_fatal))?;
    value.setattr("severity", server.map(|s| s.severity.name().to_owned()))?;
    value.setattr("message", server.map(|s| s.message.clone()))?;
    value.setattr("detail", server.and_then(|s| s.detail.clone()))?;
    value.setattr("hint", server.and_then(|s| s.hint.clone()))?;
    value.setattr("code", server.and_then(|s| s.code.clone()))?;
    Ok(PyErr::from_value(value))
}

impl Failure {
    /// The Python exception for this failure.
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let built = match self {
            Failure::Pcp(err) => class_for(py, err.kind())
                .and_then(|ty| instance(&ty, err.to_string(), kind_name(err.kind()), Some(&err))),
            Failure::Forked { created_in } => instance(
                &py.get_type::<PcpError>(),
                format!(
                    "this client was created in process {created_in} and cannot be used after fork() \
                     (this is process {}): create a new Client in the child process",
                    std::process::id()
                ),
                "forked",
                None,
            ),
            Failure::Closed => instance(
                &py.get_type::<ConnectError>(),
                "the client is closed".to_owned(),
                "closed",
                None,
            ),
            Failure::Python(err) => Ok(err),
        };
        built.unwrap_or_else(|e| e)
    }
}

/// Shorthand: a result whose error becomes a Python exception.
pub(crate) fn to_py<T>(py: Python<'_>, result: Result<T, Failure>) -> PyResult<T> {
    result.map_err(|f| f.into_pyerr(py))
}
