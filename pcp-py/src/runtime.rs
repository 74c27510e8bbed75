//! Where the operations run.
//!
//! * A blocking `Client` has its own current-thread tokio runtime: its methods release the
//!   GIL (`py.detach`) and `block_on` the operation, so the socket is driven on the calling
//!   thread. Every 100 ms they take the GIL back briefly to run Python's signal handlers, so
//!   Ctrl-C interrupts a long wait (the operation is then dropped, which closes its session).
//! * Every `AsyncClient` of the process shares one multi-thread runtime ([`runtime`]); an
//!   operation is spawned there and its result handed to the asyncio loop
//!   ([`future_into_py`]).
//!
//! **fork().** A forked child has a copy of the parent's memory but none of its threads, so the
//! parent's runtime is dead there. The shared runtime is therefore kept per process id: the
//! first use in a child builds a new one. The parent's runtime is never touched in the child
//! (not even dropped: its worker threads do not exist there, and its epoll instance is shared
//! with the parent).

use std::future::Future;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::{intern, IntoPyObjectExt};
use tokio::runtime::Runtime;

use crate::errors::Failure;

struct Slot {
    pid: u32,
    runtime: Runtime,
}

/// The runtime of the current process; never freed (one per process that used it).
static SLOT: AtomicPtr<Slot> = AtomicPtr::new(std::ptr::null_mut());

fn build() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("pgpool-pcp")
        .build()
        .unwrap_or_else(|e| panic!("pgpool_pcp: cannot start the tokio runtime: {e}"))
}

/// The shared runtime of this process, built on first use (and again on first use in a forked
/// child). Lock-free, so a `fork()` at any moment cannot leave a lock held in the child.
#[allow(unsafe_code)]
pub(crate) fn runtime() -> &'static Runtime {
    let pid = std::process::id();
    loop {
        let current = SLOT.load(Ordering::Acquire);
        // SAFETY: SLOT only ever holds null or a pointer from `Box::into_raw` that was
        // published by the compare-exchange below and is never freed afterwards, so it is
        // valid for 'static.
        if let Some(slot) = unsafe { current.as_ref() } {
            if slot.pid == pid {
                return &slot.runtime;
            }
        }
        let fresh = Box::into_raw(Box::new(Slot {
            pid,
            runtime: build(),
        }));
        match SLOT.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // The previous slot (if any) belongs to the parent process: leaked on purpose.
            Ok(_) => {
                // SAFETY: just published; see above.
                return unsafe { &(*fresh).runtime };
            }
            Err(_) => {
                // Another thread published a runtime first: ours was never shared.
                // SAFETY: `fresh` came from `Box::into_raw` above and was not published.
                drop(unsafe { Box::from_raw(fresh) });
            }
        }
    }
}

/// A current-thread runtime for one blocking client: `block_on` then drives the client's
/// socket on the calling thread, with no hand-over to a worker thread and back (which would
/// cost more than the PCP round trip itself). No thread is started (except for DNS lookups,
/// in tokio's blocking pool).
pub(crate) fn client_runtime() -> Result<Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("pgpool-pcp-blocking")
        .build()
        .map_err(|e| {
            Failure::Python(pyo3::exceptions::PyRuntimeError::new_err(format!(
                "pgpool_pcp: cannot start a tokio runtime: {e}"
            )))
        })
}

/// Runs `fut` on `rt` with the GIL released, checking Python's signal handlers
/// every 100 ms (so `KeyboardInterrupt` ends a long wait).
pub(crate) fn block_on<T, F>(py: Python<'_>, rt: &Runtime, fut: F) -> Result<T, Failure>
where
    F: Future<Output = Result<T, Failure>> + Send,
    T: Send,
{
    py.detach(|| {
        rt.block_on(async move {
            let mut fut = std::pin::pin!(fut);
            let period = Duration::from_millis(100);
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tokio::select! {
                    biased;
                    out = &mut fut => return out,
                    _ = ticks.tick() => {
                        Python::attach(|py| py.check_signals()).map_err(Failure::Python)?;
                    }
                }
            }
        })
    })
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static SETTERS: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

/// `(set_result, set_exception)` helpers of `pgpool_pcp._aio` that skip a cancelled future.
fn setters(py: Python<'_>) -> PyResult<&(Py<PyAny>, Py<PyAny>)> {
    SETTERS.get_or_try_init(py, || {
        let module = py.import("pgpool_pcp._aio")?;
        Ok((
            module.getattr("set_result")?.unbind(),
            module.getattr("set_exception")?.unbind(),
        ))
    })
}

/// Aborts the tokio task when its asyncio future is cancelled (a done callback).
#[pyclass(frozen)]
struct AbortOnCancel {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future
            .call_method0(intern!(future.py(), "cancelled"))?
            .is_truthy()?
        {
            self.handle.abort();
        }
        Ok(())
    }
}

/// What an `AsyncClient` method returns: an awaitable that starts the operation when it is
/// awaited (so that, like a coroutine, it can be made outside a running event loop, e.g. for
/// `loop.run_until_complete`). It can be awaited once.
#[pyclass(frozen, module = "pgpool_pcp", name = "PcpCall")]
pub(crate) struct PcpCall {
    start: std::sync::Mutex<Option<Starter>>,
}

type Starter = Box<dyn for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyAny>> + Send>;

#[pymethods]
impl PcpCall {
    fn __await__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let start = self
            .start
            .lock()
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("poisoned"))?
            .take()
            .ok_or_else(|| {
                pyo3::exceptions::PyRuntimeError::new_err(
                    "cannot reuse an already awaited pgpool_pcp call",
                )
            })?;
        start(py)?.call_method0(intern!(py, "__await__"))
    }
}

/// A [`PcpCall`] that runs `fut` on the shared runtime when awaited.
pub(crate) fn awaitable<T, F>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Result<T, Failure>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let start: Starter = Box::new(move |py| future_into_py(py, fut));
    Ok(Bound::new(
        py,
        PcpCall {
            start: std::sync::Mutex::new(Some(start)),
        },
    )?
    .into_any())
}

/// Turns an operation into an asyncio future of the running loop, running the operation on
/// the shared runtime.
///
/// Leaner than `pyo3_async_runtimes::tokio::future_into_py` (one spawn, no contextvars copy,
/// no hop through the blocking pool): the worker that finished the operation takes the GIL
/// briefly and hands the result to the loop with `call_soon_threadsafe`. Cancelling the
/// asyncio future aborts the operation (its session is then closed, as after a lost
/// connection).
pub(crate) fn future_into_py<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Failure>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let get_running_loop = GET_RUNNING_LOOP.get_or_try_init(py, || {
        py.import("asyncio")?
            .getattr("get_running_loop")
            .map(Bound::unbind)
    })?;
    let event_loop = get_running_loop.bind(py).call0()?;
    let py_future = event_loop.call_method0(intern!(py, "create_future"))?;
    setters(py)?;
    let event_loop = event_loop.unbind();
    let target = py_future.clone().unbind();
    let task = runtime().spawn(async move {
        let result = fut.await;
        Python::attach(|py| {
            let Ok((set_result, set_exception)) = setters(py) else {
                return;
            };
            let (setter, value) = match result {
                Ok(value) => match value.into_py_any(py) {
                    Ok(value) => (set_result, value),
                    Err(e) => (set_exception, e.into_value(py).into_any()),
                },
                Err(failure) => (
                    set_exception,
                    failure.into_pyerr(py).into_value(py).into_any(),
                ),
            };
            // Fails only when the loop is closed: nobody is waiting any more.
            let _ = event_loop
                .bind(py)
                .call_method1(intern!(py, "call_soon_threadsafe"), (setter, target, value));
        });
    });
    py_future.call_method1(
        intern!(py, "add_done_callback"),
        (AbortOnCancel {
            handle: task.abort_handle(),
        },),
    )?;
    Ok(py_future)
}
