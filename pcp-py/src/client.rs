//! `Client` (blocking, GIL released during IO) and `AsyncClient` (asyncio), both over one
//! `pcp_client::Client` session guarded by a tokio mutex: calls on one client run one at a
//! time, in order; open several clients for concurrency.
//!
//! The session opens on first use (or `connect()`, `with`, `async with`) and reconnects by
//! itself after it was lost (a call in flight is never retried). `close()` is final.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pcp_client::{Client as PcpClient, Config};
use pyo3::prelude::*;

use crate::aio::awaitable;
use crate::config::options;
use crate::errors::{to_py, Failure};
use crate::ops::{self, Op};
use crate::runtime::{block_on, client_runtime, runtime};
use crate::types::{
    Backend, ConfigItem, HealthCheckStats, NodeInfo, NodeInfoReply, OpReport, ProcessInfoReply,
    WatchdogInfo,
};

struct Session {
    config: Config,
    client: Option<PcpClient>,
    closed: bool,
}

/// What a `Client`/`AsyncClient` object owns.
pub(crate) struct Shared {
    /// The process that made the client: after `fork()` the child must not use it.
    pid: u32,
    /// A blocking client's own current-thread runtime (None: the shared one).
    runtime: Option<tokio::runtime::Runtime>,
    closed: AtomicBool,
    summary: String,
    session: tokio::sync::Mutex<Session>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if std::process::id() != self.pid {
            // Inherited through fork(): the socket is registered with the parent's runtime
            // (dead here, and its epoll instance is shared with the parent). Dropping it
            // would deregister the parent's socket, so it is leaked instead.
            if let Some(client) = self.session.get_mut().client.take() {
                std::mem::forget(client);
            }
            // A runtime's blocking-pool threads do not exist in the child either.
            if let Some(runtime) = self.runtime.take() {
                std::mem::forget(runtime);
            }
        }
    }
}

impl Shared {
    fn new(config: Config, summary: String, runtime: Option<tokio::runtime::Runtime>) -> Arc<Self> {
        Arc::new(Shared {
            pid: std::process::id(),
            runtime,
            closed: AtomicBool::new(false),
            summary,
            session: tokio::sync::Mutex::new(Session {
                config,
                client: None,
                closed: false,
            }),
        })
    }

    /// The shared state, unless this is a forked child of the process that made it.
    fn checked(self: &Arc<Self>) -> Result<Arc<Self>, Failure> {
        if std::process::id() == self.pid {
            Ok(Arc::clone(self))
        } else {
            Err(Failure::Forked {
                created_in: self.pid,
            })
        }
    }
}

/// Runs `op` on the session, connecting first if there is none.
async fn run<T>(shared: Arc<Shared>, op: Op<T>) -> Result<T, Failure> {
    let mut guard = shared.session.lock().await;
    let session = &mut *guard;
    if session.closed {
        return Err(Failure::Closed);
    }
    let client = match &mut session.client {
        Some(client) => client,
        slot @ None => slot.insert(PcpClient::connect(session.config.clone()).await?),
    };
    op(client).await
}

/// Ends the session (sending `X`) but keeps the client usable: the next call reconnects.
async fn disconnect(shared: Arc<Shared>) -> Result<(), Failure> {
    let mut guard = shared.session.lock().await;
    if let Some(client) = guard.client.as_mut() {
        // A session that is already gone needs no goodbye.
        let _ = client.disconnect().await;
    }
    Ok(())
}

/// Ends the session for good.
async fn close(shared: Arc<Shared>) -> Result<(), Failure> {
    shared.closed.store(true, Ordering::Release);
    let mut guard = shared.session.lock().await;
    guard.closed = true;
    if let Some(client) = guard.client.take() {
        let _ = client.close().await;
    }
    Ok(())
}

/// The method list, once: `$cb!(args [specs])`.
macro_rules! with_methods {
    ($cb:ident!($($args:tt)*)) => {
        $cb!($($args)* [
        /// Opens the session now (otherwise the first call does).
            fn connect() -> () = ops::connect();
        /// The Pgpool releases the server can be ("4.3", "4.4+", ...), probing if needed.
            fn server_generation() -> String = ops::server_generation();
        /// Number of configured backends (`pcp_node_count`).
            fn node_count() -> u32 = ops::node_count();
        /// One backend's information (`pcp_node_info -n`).
            fn node_info(node_id: u32) -> NodeInfo = ops::node_info(node_id);
        /// Every backend's information.
            fn node_info_all() -> NodeInfoReply = ops::node_info_all();
        /// Health-check statistics of one backend (Pgpool 4.2+).
            fn health_check_stats(node_id: u32) -> HealthCheckStats = ops::health_check_stats(node_id);
        /// Health-check statistics of every backend, in node-id order (Pgpool 4.2+).
            fn health_check_stats_all() -> Vec<HealthCheckStats> = ops::health_check_stats_all();
        /// PIDs of Pgpool's child processes (`pcp_proc_count`).
            fn process_count() -> Vec<u32> = ops::process_count();
        /// Connection-pool information of one child process, or of all.
            #[pyo3(signature = (pid = None))]
            fn process_info(pid: Option<u32>) -> ProcessInfoReply = ops::process_info(pid);
        /// Pgpool's configuration (`pcp_pool_status`).
            fn pool_status() -> Vec<ConfigItem> = ops::pool_status();
        /// Watchdog cluster information; all nodes (local first) when node_id is None.
            #[pyo3(signature = (node_id = None))]
            fn watchdog_info(node_id: Option<u32>) -> WatchdogInfo = ops::watchdog_info(node_id);
        /// Attaches a node (`C`); Pgpool only queues the request.
            fn attach_node(node_id: u32) -> () = ops::attach_node(node_id);
        /// Detaches a node (`D`, or graceful `d`).
            #[pyo3(signature = (node_id, graceful = false))]
            fn detach_node(node_id: u32, graceful: bool) -> () = ops::detach_node(node_id, graceful);
        /// Promotes a node in Pgpool's view (`J`/`j`); switchover (4.3+) detaches the primary.
            #[pyo3(signature = (node_id, graceful = false, switchover = false))]
            fn promote_node(node_id: u32, graceful: bool, switchover: bool) -> () =
                ops::promote_node(node_id, graceful, switchover);
        /// Online recovery of a node (`O`); may take minutes (long_timeout).
            fn recover_node(node_id: u32) -> () = ops::recover_node(node_id);
        /// Stops Pgpool (mode smart/fast/immediate; scope local/cluster).
            #[pyo3(signature = (mode = "smart", scope = "local"))]
            fn stop_pgpool(mode: &str, scope: &str) -> () =
                ops::stop_pgpool(ops::shutdown_mode(mode)?, ops::scope(scope)?);
        /// Reloads Pgpool's configuration (4.2+).
            #[pyo3(signature = (scope = "local"))]
            fn reload_config(scope: &str) -> () = ops::reload_config(ops::scope(scope)?);
        /// Rotates Pgpool's log (4.6+).
            #[pyo3(signature = (scope = "local"))]
            fn log_rotate(scope: &str) -> () = ops::log_rotate(ops::scope(scope)?);
        /// Invalidates the query cache (4.6+).
            fn invalidate_query_cache() -> () = ops::invalidate_query_cache();
        /// Sets a session parameter (Pgpool accepts only client_min_messages).
            fn set_parameter(name: String, value: String) -> () = ops::set_parameter(name, value);
        /// The configured backends, from pool status.
            fn backends() -> Vec<Backend> = ops::backends();
        /// The backend a host[:port] designates (names and addresses match by resolving).
            fn resolve(host: &str) -> Backend = ops::resolve(ops::host_spec(host)?);
        /// Whether the backend (node id or host[:port]) is Pgpool's primary.
            fn is_primary(target: &Bound<'_, PyAny>) -> bool = ops::is_primary(ops::target(target)?);
        /// Attaches a backend unless it is up already; wait=seconds until Pgpool shows it;
        /// dry_run=True sends nothing and reports whether a request would be sent.
            #[pyo3(signature = (target, *, wait = None, dry_run = false))]
            fn attach(target: &Bound<'_, PyAny>, wait: Option<f64>, dry_run: bool) -> OpReport =
                ops::attach(ops::target(target)?, ops::glue_options(wait, dry_run)?);
        /// Detaches a backend unless it is down already; wait=seconds until Pgpool shows it.
            #[pyo3(signature = (target, *, graceful = false, wait = None, dry_run = false))]
            fn detach(target: &Bound<'_, PyAny>, graceful: bool, wait: Option<f64>, dry_run: bool) -> OpReport =
                ops::detach(ops::target(target)?, graceful, ops::glue_options(wait, dry_run)?);
        /// Makes a backend Pgpool's primary unless it is already.
            #[pyo3(signature = (target, *, graceful = false, switchover = false, wait = None, dry_run = false))]
            fn promote(target: &Bound<'_, PyAny>, graceful: bool, switchover: bool, wait: Option<f64>, dry_run: bool) -> OpReport =
                ops::promote(ops::target(target)?, graceful, switchover, ops::glue_options(wait, dry_run)?);
        /// Pgpool's follow-primary step: once the node streams, attach it.
            #[pyo3(signature = (node_id, *, old_primary = None, timeout = 60.0, wait = None))]
            fn follow_primary(node_id: u32, old_primary: Option<u32>, timeout: f64, wait: Option<f64>) -> Option<OpReport> =
                ops::follow_primary(node_id, old_primary, ops::seconds("timeout", timeout)?, ops::glue_options(wait, false)?);
        /// EFM's script.load.balancer.attach (%h %t).
            #[pyo3(signature = (host, node_type = "s", *, wait = None, dry_run = false))]
            fn lb_attach(host: &str, node_type: &str, wait: Option<f64>, dry_run: bool) -> Vec<OpReport> =
                ops::lb_attach(ops::host_spec(host)?, ops::node_type(node_type)?, ops::glue_options(wait, dry_run)?);
        /// EFM's script.load.balancer.detach (%h %t).
            #[pyo3(signature = (host, node_type = "s", *, wait = None, dry_run = false))]
            fn lb_detach(host: &str, node_type: &str, wait: Option<f64>, dry_run: bool) -> OpReport =
                ops::lb_detach(ops::host_spec(host)?, ops::node_type(node_type)?, ops::glue_options(wait, dry_run)?);
        /// Polls node info until the node is up, down, primary or streaming.
            #[pyo3(signature = (node_id, until, *, timeout = 30.0))]
            fn wait_for_node(node_id: u32, until: &str, timeout: f64) -> NodeInfo =
                ops::wait_for_node(node_id, ops::condition(until)?, ops::seconds("timeout", timeout)?);
        ]);
    };
}

/// Both classes: the constructor, the lifecycle methods given, then every command and glue
/// operation, each a one-liner that builds the operation (`ops::*`) and hands it to the
/// class's `call`. (Everything is expanded before `#[pymethods]` sees it.)
macro_rules! client_class {
    (sync $ty:ident $name:literal { $($lifecycle:tt)* }
     [ $( $(#[$meta:meta])* fn $fname:ident($($arg:ident : $aty:ty),*) -> $out:ty = $op:expr; )* ]) => {
        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = (
                hosts = None, *, port = 9898, user = None, password = None, pcppass_file = None,
                connect_timeout = 10.0, timeout = Some(30.0), long_timeout = None,
                overall_timeout = None, prefer_leader = false
            ), text_signature = "(hosts=None, *, port=9898, user=None, password=None, pcppass_file=None, connect_timeout=10.0, timeout=30.0, long_timeout=None, overall_timeout=None, prefer_leader=False)")]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                hosts: Option<&Bound<'_, PyAny>>,
                port: u16,
                user: Option<String>,
                password: Option<String>,
                pcppass_file: Option<PathBuf>,
                connect_timeout: f64,
                timeout: Option<f64>,
                long_timeout: Option<f64>,
                overall_timeout: Option<f64>,
                prefer_leader: bool,
            ) -> PyResult<Self> {
                let opts = options(
                    hosts, port, user, password, pcppass_file, connect_timeout, timeout,
                    long_timeout, overall_timeout, prefer_leader,
                )?;
                let runtime = to_py(py, client_runtime())?;
                Ok($ty { shared: Shared::new(opts.config, opts.summary, Some(runtime)) })
            }

            fn __repr__(&self) -> String {
                let state = if self.shared.closed.load(Ordering::Acquire) { ", closed" } else { "" };
                format!(concat!($name, "({}{})"), self.shared.summary, state)
            }

            /// True once `close()` was called.
            #[getter]
            fn closed(&self) -> bool {
                self.shared.closed.load(Ordering::Acquire)
            }
            $($lifecycle)*
            $(
                $(#[$meta])*
                fn $fname(&self, py: Python<'_>, $($arg: $aty),*) -> PyResult<$out> {
                    let op = $op;
                    self.call(py, op)
                }
            )*
        }
    };

    (async $ty:ident $name:literal { $($lifecycle:tt)* }
     [ $( $(#[$meta:meta])* fn $fname:ident($($arg:ident : $aty:ty),*) -> $out:ty = $op:expr; )* ]) => {
        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = (
                hosts = None, *, port = 9898, user = None, password = None, pcppass_file = None,
                connect_timeout = 10.0, timeout = Some(30.0), long_timeout = None,
                overall_timeout = None, prefer_leader = false
            ), text_signature = "(hosts=None, *, port=9898, user=None, password=None, pcppass_file=None, connect_timeout=10.0, timeout=30.0, long_timeout=None, overall_timeout=None, prefer_leader=False)")]
            #[allow(clippy::too_many_arguments)]
            fn new(
                hosts: Option<&Bound<'_, PyAny>>,
                port: u16,
                user: Option<String>,
                password: Option<String>,
                pcppass_file: Option<PathBuf>,
                connect_timeout: f64,
                timeout: Option<f64>,
                long_timeout: Option<f64>,
                overall_timeout: Option<f64>,
                prefer_leader: bool,
            ) -> PyResult<Self> {
                let opts = options(
                    hosts, port, user, password, pcppass_file, connect_timeout, timeout,
                    long_timeout, overall_timeout, prefer_leader,
                )?;
                let mut config = opts.config;
                // Its operations are polled on the event loop's thread, outside the tokio
                // runtime whose I/O driver a busy poll relies on (see `crate::aio`).
                config.busy_poll(None);
                Ok($ty { shared: Shared::new(config, opts.summary, None) })
            }

            fn __repr__(&self) -> String {
                let state = if self.shared.closed.load(Ordering::Acquire) { ", closed" } else { "" };
                format!(concat!($name, "({}{})"), self.shared.summary, state)
            }

            /// True once `close()` was called.
            #[getter]
            fn closed(&self) -> bool {
                self.shared.closed.load(Ordering::Acquire)
            }
            $($lifecycle)*
            $(
                $(#[$meta])*
                fn $fname<'py>(&self, py: Python<'py>, $($arg: $aty),*) -> PyResult<Bound<'py, PyAny>> {
                    let op: Op<$out> = $op;
                    self.call(py, op)
                }
            )*
        }
    };
}

/// A blocking PCP client.
#[pyclass(frozen, module = "pgpool_pcp", name = "Client")]
pub(crate) struct Client {
    shared: Arc<Shared>,
}

impl Client {
    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.shared.runtime.as_ref().unwrap_or_else(|| runtime())
    }

    fn call<T: Send>(&self, py: Python<'_>, op: Op<T>) -> PyResult<T> {
        let shared = to_py(py, self.shared.checked())?;
        to_py(py, block_on(py, self.runtime(), run(shared, op)))
    }
}

with_methods!(client_class!(sync Client "Client" {
    fn __enter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        slf.get().call(slf.py(), ops::connect())?;
        Ok(slf)
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// Ends the session (the next call reconnects), e.g. before waiting for a failover.
    fn disconnect(&self, py: Python<'_>) -> PyResult<()> {
        let shared = to_py(py, self.shared.checked())?;
        to_py(py, block_on(py, self.runtime(), disconnect(shared)))
    }

    /// Closes the session for good; later calls raise ConnectError. Safe to call twice.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let shared = to_py(py, self.shared.checked())?;
        to_py(py, block_on(py, self.runtime(), close(shared)))
    }
}));

/// An asyncio PCP client.
#[pyclass(frozen, module = "pgpool_pcp", name = "AsyncClient")]
pub(crate) struct AsyncClient {
    shared: Arc<Shared>,
}

impl AsyncClient {
    fn call<'py, T>(&self, py: Python<'py>, op: Op<T>) -> PyResult<Bound<'py, PyAny>>
    where
        T: for<'a> IntoPyObject<'a> + Send + 'static,
    {
        let shared = to_py(py, self.shared.checked())?;
        awaitable(py, run(shared, op))
    }
}

with_methods!(client_class!(async AsyncClient "AsyncClient" {
    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let shared = to_py(py, slf.get().shared.checked())?;
        let this: Py<Self> = slf.unbind();
        awaitable(py, async move {
            run(shared, ops::connect()).await?;
            Ok(this)
        })
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(&self, py: Python<'py>, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        let shared = to_py(py, self.shared.checked())?;
        awaitable(py, async move {
            close(shared).await?;
            Ok(false)
        })
    }

    /// Ends the session (the next call reconnects), e.g. before waiting for a failover.
    fn disconnect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let shared = to_py(py, self.shared.checked())?;
        awaitable(py, disconnect(shared))
    }

    /// Closes the session for good; later calls raise ConnectError. Safe to call twice.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let shared = to_py(py, self.shared.checked())?;
        awaitable(py, close(shared))
    }
}));
