//! The bridge between asyncio and the tokio runtime that runs `AsyncClient` operations.
//!
//! A method of `AsyncClient` returns a [`PcpCall`]: one object that is at the same time the
//! coroutine the caller awaits (or hands to `asyncio.run`, `create_task`, `gather`) and the
//! future-like object that coroutine yields to its asyncio task (asyncio accepts any object
//! with `_asyncio_future_blocking`, `add_done_callback`, `result`, `cancel`, ...). One Python
//! object per call, no `asyncio.Future`, no done callback of our own.
//!
//! When it is first resumed, the call spawns its operation on the runtime. The operation's
//! result comes back to the loop without the GIL: the tokio thread queues it on the loop's
//! [`Notifier`] and writes one byte to a socket pair whose read end the loop watches
//! (`loop.add_reader`); the loop then runs [`Drain`] on its own thread, which turns every
//! queued result into Python and wakes the waiting tasks directly (in their context), in one
//! batch. Compared with `call_soon_threadsafe` from the tokio thread: no GIL taken off the
//! loop's thread, no handle and no self-pipe round of asyncio's, no second loop iteration.
//!
//! Cancelling the task (`task.cancel()`, `asyncio.wait_for`, ...) calls [`PcpCall::cancel`],
//! which aborts the tokio task: its session is then dropped, as after a lost connection.

use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PySystemExit};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use pyo3::{intern, IntoPyObjectExt};
use tokio::task::AbortHandle;

use crate::errors::Failure;
use crate::runtime::runtime;

pyo3::import_exception!(asyncio, CancelledError);
pyo3::import_exception!(asyncio, InvalidStateError);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A finished operation, turned into Python on the loop's thread.
type Completion = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// Spawns the operation; it reports to the notifier with the call when it ends.
type Starter = Box<dyn FnOnce(Py<PcpCall>, Arc<Notifier>) -> AbortHandle + Send>;

// ------------------------------------------------------------------ completion queue per loop

/// Finished operations waiting for one event loop, and the socket pair that wakes it.
struct Notifier {
    /// The process that made it (a forked child makes its own).
    pid: u32,
    done: Mutex<Vec<(Py<PcpCall>, Completion)>>,
    /// A byte is in the socket pair, or is about to be: later results need not write one.
    signalled: AtomicBool,
    wake: UnixStream,
    watched: UnixStream,
}

impl Notifier {
    fn new() -> std::io::Result<Self> {
        let (wake, watched) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        watched.set_nonblocking(true)?;
        Ok(Notifier {
            pid: std::process::id(),
            done: Mutex::new(Vec::new()),
            signalled: AtomicBool::new(false),
            wake,
            watched,
        })
    }

    /// Called on a tokio thread, without the GIL.
    fn push(&self, call: Py<PcpCall>, completion: Completion) {
        lock(&self.done).push((call, completion));
        self.signal();
    }

    fn signal(&self) {
        if !self.signalled.swap(true, Ordering::AcqRel) {
            // Cannot block; a full buffer means the loop has bytes to read anyway.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// The reader callback of a loop's notifier (`loop.add_reader(fd, drain)`).
#[pyclass(frozen)]
struct Drain {
    notifier: Arc<Notifier>,
}

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let notifier = &self.notifier;
        let mut bytes = [0u8; 64];
        while let Ok(64) = (&notifier.watched).read(&mut bytes) {}
        // From here on, a result queued after the `take` below writes a new byte.
        notifier.signalled.store(false, Ordering::Release);
        let batch = std::mem::take(&mut *lock(&notifier.done));
        let mut batch = batch.into_iter();
        while let Some((call, completion)) = batch.next() {
            if let Err(stop) = PcpCall::complete(py, call, completion) {
                // KeyboardInterrupt or SystemExit from a task: leave the rest for the next turn.
                let rest: Vec<_> = batch.collect();
                if !rest.is_empty() {
                    lock(&notifier.done).extend(rest);
                    notifier.signal();
                }
                return Err(stop);
            }
        }
        Ok(())
    }
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
/// `weakref.WeakKeyDictionary`: event loop → its [`Drain`].
static REGISTRY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

thread_local! {
    /// The loop this thread used last and its notifier (a loop runs on one thread).
    static LAST: std::cell::RefCell<Option<(Py<PyAny>, Arc<Notifier>)>> =
        const { std::cell::RefCell::new(None) };
}

fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    GET_RUNNING_LOOP
        .get_or_try_init(py, || {
            py.import("asyncio")?
                .getattr("get_running_loop")
                .map(Bound::unbind)
        })?
        .bind(py)
        .call0()
}

/// The notifier of `event_loop`, made and registered with the loop on first use.
fn notifier(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Notifier>> {
    let pid = std::process::id();
    let cached = LAST.with(|last| {
        last.borrow()
            .as_ref()
            .filter(|(lp, n)| lp.as_ptr() == event_loop.as_ptr() && n.pid == pid)
            .map(|(_, n)| Arc::clone(n))
    });
    if let Some(n) = cached {
        return Ok(n);
    }
    let registry = REGISTRY
        .get_or_try_init(py, || {
            py.import("weakref")?
                .getattr("WeakKeyDictionary")?
                .call0()
                .map(Bound::unbind)
        })?
        .bind(py);
    let known = registry
        .call_method1(intern!(py, "get"), (event_loop,))?
        .cast_into::<Drain>()
        .ok()
        .map(|d| Arc::clone(&d.get().notifier))
        .filter(|n| n.pid == pid);
    let n = match known {
        Some(n) => n,
        None => {
            let n = Arc::new(Notifier::new().map_err(|e| {
                PyRuntimeError::new_err(format!("pgpool_pcp: cannot make a socket pair: {e}"))
            })?);
            let drain = Bound::new(
                py,
                Drain {
                    notifier: Arc::clone(&n),
                },
            )?;
            event_loop.call_method1(intern!(py, "add_reader"), (n.watched.as_raw_fd(), &drain))?;
            registry.set_item(event_loop, drain)?;
            n
        }
    };
    LAST.with(|last| *last.borrow_mut() = Some((event_loop.clone().unbind(), Arc::clone(&n))));
    Ok(n)
}

// ------------------------------------------------------------------ the call object

/// `(callback, context)` pairs from `add_done_callback`.
type Callbacks = Vec<(Py<PyAny>, Option<Py<PyAny>>)>;

enum Stage {
    /// Made, not awaited yet.
    New(Starter),
    /// Spawned; waiting for its result.
    Running(AbortHandle),
    Done(PyResult<Py<PyAny>>),
    Cancelled(Option<Py<PyAny>>),
}

struct State {
    stage: Stage,
    /// asyncio's `_asyncio_future_blocking` (the task sets it back to False).
    blocking: bool,
    event_loop: Option<Py<PyAny>>,
    callbacks: Callbacks,
}

/// What an `AsyncClient` method returns: a coroutine (send/throw/close/`__await__`) that runs
/// the operation once, and the future-like object it yields to the asyncio task. It can be
/// made outside a running loop (the operation starts when it is first resumed) and awaited
/// once.
#[pyclass(frozen, module = "pgpool_pcp", name = "PcpCall")]
pub(crate) struct PcpCall {
    state: Mutex<State>,
}

impl PcpCall {
    fn new(start: Starter) -> Self {
        PcpCall {
            state: Mutex::new(State {
                stage: Stage::New(start),
                blocking: false,
                event_loop: None,
                callbacks: Vec::new(),
            }),
        }
    }

    /// One step of the coroutine: starts the operation, or returns its outcome.
    fn step<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut state = lock(&slf.get().state);
        match &state.stage {
            Stage::New(_) => {
                let event_loop = running_loop(py)?;
                let notifier = notifier(py, &event_loop)?;
                let Stage::New(start) = std::mem::replace(&mut state.stage, Stage::Cancelled(None))
                else {
                    unreachable!()
                };
                state.stage = Stage::Running(start(slf.clone().unbind(), notifier));
                state.event_loop = Some(event_loop.unbind());
                state.blocking = true;
                Ok(slf.clone().into_any())
            }
            Stage::Running(_) => Err(PyRuntimeError::new_err(
                "await wasn't used with future (a pgpool_pcp call was resumed before its result)",
            )),
            Stage::Done(Ok(value)) => Err(pyo3::exceptions::PyStopIteration::new_err((
                value.clone_ref(py),
            ))),
            Stage::Done(Err(e)) => Err(e.clone_ref(py)),
            Stage::Cancelled(msg) => Err(cancelled(py, msg)),
        }
    }

    /// Called by [`Drain`] on the loop's thread: stores the outcome and wakes the waiters.
    /// Errs only with KeyboardInterrupt or SystemExit from a waiter.
    fn complete(py: Python<'_>, call: Py<PcpCall>, completion: Completion) -> PyResult<()> {
        let (callbacks, event_loop) = {
            let mut state = lock(&call.get().state);
            if !matches!(state.stage, Stage::Running(_)) {
                return Ok(()); // cancelled meanwhile
            }
            state.stage = Stage::Done(completion(py));
            (
                std::mem::take(&mut state.callbacks),
                state.event_loop.as_ref().map(|l| l.clone_ref(py)),
            )
        };
        let call = call.into_bound(py);
        for (callback, context) in callbacks {
            let ran = match context {
                Some(context) => context
                    .bind(py)
                    .call_method1(intern!(py, "run"), (callback, &call)),
                None => callback.bind(py).call1((&call,)),
            };
            if let Err(e) = ran {
                if e.is_instance_of::<PyKeyboardInterrupt>(py)
                    || e.is_instance_of::<PySystemExit>(py)
                {
                    return Err(e);
                }
                if let Some(event_loop) = &event_loop {
                    let report = PyDict::new(py);
                    report.set_item("message", "exception in a pgpool_pcp completion callback")?;
                    report.set_item("exception", e.into_value(py))?;
                    report.set_item("future", &call)?;
                    event_loop
                        .bind(py)
                        .call_method1(intern!(py, "call_exception_handler"), (report,))?;
                }
            }
        }
        Ok(())
    }

    /// Stops the operation if it runs; true if it was still pending.
    fn stop(&self, msg: Option<Py<PyAny>>) -> (bool, Callbacks) {
        let mut state = lock(&self.state);
        match &state.stage {
            Stage::Done(_) | Stage::Cancelled(_) => (false, Vec::new()),
            Stage::New(_) | Stage::Running(_) => {
                if let Stage::Running(handle) = &state.stage {
                    handle.abort();
                }
                state.stage = Stage::Cancelled(msg);
                (true, std::mem::take(&mut state.callbacks))
            }
        }
    }
}

fn cancelled(py: Python<'_>, msg: &Option<Py<PyAny>>) -> PyErr {
    match msg {
        Some(m) => CancelledError::new_err((m.clone_ref(py),)),
        None => CancelledError::new_err(()),
    }
}

/// `loop.call_soon(callback, call, context=context)`.
fn call_soon(
    event_loop: &Bound<'_, PyAny>,
    call: &Bound<'_, PyAny>,
    callback: Py<PyAny>,
    context: Option<Py<PyAny>>,
) -> PyResult<()> {
    let py = event_loop.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("context", context)?;
    event_loop.call_method(intern!(py, "call_soon"), (callback, call), Some(&kwargs))?;
    Ok(())
}

#[pymethods]
impl PcpCall {
    fn __await__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        if !matches!(lock(&slf.get().state).stage, Stage::New(_)) {
            return Err(PyRuntimeError::new_err(
                "cannot reuse an already awaited pgpool_pcp call",
            ));
        }
        Ok(slf)
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::step(slf)
    }

    /// Coroutine protocol: resumes (the value is ignored).
    fn send<'py>(
        slf: &Bound<'py, Self>,
        _value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::step(slf)
    }

    /// Coroutine protocol: stops the operation and raises the exception at the await.
    #[pyo3(signature = (typ, val = None, _tb = None))]
    fn throw(
        &self,
        typ: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.stop(None);
        let is_class = typ.is_instance_of::<pyo3::types::PyType>();
        let exc = match val {
            Some(v) if is_class && !v.is_instance(typ)? => {
                if v.is_none() {
                    typ.call0()?
                } else {
                    typ.call1((v,))?
                }
            }
            Some(v) if is_class => v.clone(),
            _ if is_class => typ.call0()?,
            _ => typ.clone(),
        };
        Err(PyErr::from_value(exc))
    }

    /// Coroutine protocol: stops the operation if it runs.
    fn close(&self) {
        self.stop(None);
    }

    #[getter]
    fn _asyncio_future_blocking(&self) -> Option<bool> {
        let state = lock(&self.state);
        match state.stage {
            // Not a future before it starts: `asyncio.ensure_future` wraps it in a task.
            Stage::New(_) => None,
            _ => Some(state.blocking),
        }
    }

    #[setter(_asyncio_future_blocking)]
    fn set_asyncio_future_blocking(&self, value: bool) {
        lock(&self.state).blocking = value;
    }

    fn get_loop(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        lock(&self.state)
            .event_loop
            .as_ref()
            .map(|l| l.clone_ref(py))
            .ok_or_else(|| PyRuntimeError::new_err("this pgpool_pcp call has not started"))
    }

    #[pyo3(signature = (callback, *, context = None))]
    fn add_done_callback(
        slf: &Bound<'_, Self>,
        callback: Py<PyAny>,
        context: Option<Py<PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let mut state = lock(&slf.get().state);
        match &state.stage {
            Stage::Done(_) | Stage::Cancelled(_) => {
                let event_loop = state.event_loop.as_ref().map(|l| l.clone_ref(py));
                drop(state);
                let event_loop = match event_loop {
                    Some(l) => l.into_bound(py),
                    None => running_loop(py)?,
                };
                call_soon(&event_loop, slf.as_any(), callback, context)
            }
            _ => {
                state.callbacks.push((callback, context));
                Ok(())
            }
        }
    }

    fn remove_done_callback(&self, py: Python<'_>, callback: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut state = lock(&self.state);
        let before = state.callbacks.len();
        let mut kept = Vec::with_capacity(before);
        for (cb, ctx) in std::mem::take(&mut state.callbacks) {
            if !cb.bind(py).eq(callback)? {
                kept.push((cb, ctx));
            }
        }
        state.callbacks = kept;
        Ok(before - state.callbacks.len())
    }

    /// Cancels the call (aborting the operation, whose session is then dropped).
    #[pyo3(signature = (msg = None))]
    fn cancel(slf: &Bound<'_, Self>, msg: Option<Py<PyAny>>) -> PyResult<bool> {
        let py = slf.py();
        let (pending, callbacks) = slf.get().stop(msg);
        if !callbacks.is_empty() {
            let event_loop = lock(&slf.get().state)
                .event_loop
                .as_ref()
                .map(|l| l.clone_ref(py));
            if let Some(event_loop) = event_loop {
                let event_loop = event_loop.into_bound(py);
                for (callback, context) in callbacks {
                    call_soon(&event_loop, slf.as_any(), callback, context)?;
                }
            }
        }
        Ok(pending)
    }

    fn cancelled(&self) -> bool {
        matches!(lock(&self.state).stage, Stage::Cancelled(_))
    }

    fn done(&self) -> bool {
        matches!(
            lock(&self.state).stage,
            Stage::Done(_) | Stage::Cancelled(_)
        )
    }

    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &lock(&self.state).stage {
            Stage::Done(Ok(value)) => Ok(value.clone_ref(py)),
            Stage::Done(Err(e)) => Err(e.clone_ref(py)),
            Stage::Cancelled(msg) => Err(cancelled(py, msg)),
            _ => Err(InvalidStateError::new_err("Result is not set.")),
        }
    }

    fn exception(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match &lock(&self.state).stage {
            Stage::Done(Ok(_)) => Ok(None),
            Stage::Done(Err(e)) => Ok(Some(e.clone_ref(py).into_value(py).into_any())),
            Stage::Cancelled(msg) => Err(cancelled(py, msg)),
            _ => Err(InvalidStateError::new_err("Exception is not set.")),
        }
    }

    fn __repr__(&self) -> &'static str {
        match lock(&self.state).stage {
            Stage::New(_) => "<pgpool_pcp call (not started)>",
            Stage::Running(_) => "<pgpool_pcp call (pending)>",
            Stage::Done(_) => "<pgpool_pcp call (finished)>",
            Stage::Cancelled(_) => "<pgpool_pcp call (cancelled)>",
        }
    }
}

/// A [`PcpCall`] that runs `fut` on the shared runtime once it is awaited.
pub(crate) fn awaitable<T, F>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Result<T, Failure>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let start: Starter = Box::new(move |call, notifier| {
        runtime()
            .spawn(async move {
                let result = fut.await;
                notifier.push(
                    call,
                    Box::new(move |py| match result {
                        Ok(value) => value.into_py_any(py),
                        Err(failure) => Err(failure.into_pyerr(py)),
                    }),
                );
            })
            .abort_handle()
    });
    Ok(Bound::new(py, PcpCall::new(start))?.into_any())
}
