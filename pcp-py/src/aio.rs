//! The bridge between asyncio and the `AsyncClient` operations.
//!
//! A method of `AsyncClient` returns a [`PcpCall`]: one object that is at the same time the
//! coroutine the caller awaits (or hands to `asyncio.run`, `create_task`, `gather`) and the
//! future-like object that coroutine yields to its asyncio task (asyncio accepts any object
//! with `_asyncio_future_blocking`, `add_done_callback`, `result`, `cancel`, ...). One Python
//! object per call, no `asyncio.Future`, no done callback of our own.
//!
//! **The operation runs on the loop's thread.** It is an ordinary `pcp_client` future (the
//! same code as for the blocking `Client`, timeouts and reconnection included), polled by the
//! asyncio loop's thread inside the shared tokio runtime's context: the first poll, when the
//! call is first resumed, writes the request at once. Tokio's I/O and timer driver runs on the
//! runtime's threads and only wakes the future: the waker queues the call on the loop's
//! [`Notifier`] and writes one byte to a socket pair whose read end the loop watches
//! (`loop.add_reader`), without the GIL. The loop then runs [`Drain`] on its own thread, which
//! polls every queued call (reading and decoding the reply) and wakes the tasks of those that
//! finished directly, in their context, in one batch. So a round trip costs one thread
//! hand-over (driver → loop), where spawning the operation on tokio and handing the result back
//! with `call_soon_threadsafe` cost three and the GIL on a tokio thread.
//!
//! An operation therefore makes progress only while its loop runs, like any asyncio I/O.
//! Cancelling the task (`task.cancel()`, `asyncio.wait_for`, ...) calls [`PcpCall::cancel`],
//! which drops the operation: its session is then closed, as after a lost connection.

use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PySystemExit};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use pyo3::{intern, IntoPyObjectExt};

use crate::errors::Failure;
use crate::runtime::runtime;

pyo3::import_exception!(asyncio, CancelledError);
pyo3::import_exception!(asyncio, InvalidStateError);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A finished operation, turned into Python on the loop's thread.
type Completion = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

/// The operation of a call.
type Operation = Pin<Box<dyn Future<Output = Completion> + Send>>;

// ------------------------------------------------------------------ wake-ups per loop

/// Calls woken for one event loop, and the socket pair that wakes it.
struct Notifier {
    /// The process that made it (a forked child makes its own).
    pid: u32,
    woken: Mutex<Vec<Arc<Core>>>,
    /// A byte is in the socket pair, or is about to be: later wake-ups need not write one.
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
            woken: Mutex::new(Vec::new()),
            signalled: AtomicBool::new(false),
            wake,
            watched,
        })
    }

    /// Called from any thread (mostly tokio's driver), without the GIL.
    fn push(&self, core: Arc<Core>) {
        lock(&self.woken).push(core);
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
        // From here on, a call woken after the `take` below writes a new byte.
        notifier.signalled.store(false, Ordering::Release);
        let batch = std::mem::take(&mut *lock(&notifier.woken));
        let mut batch = batch.into_iter();
        while let Some(core) = batch.next() {
            if let Err(stop) = Core::resume(py, &core) {
                // KeyboardInterrupt or SystemExit from a task: leave the rest for the next turn.
                let rest: Vec<_> = batch.collect();
                if !rest.is_empty() {
                    lock(&notifier.woken).extend(rest);
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
    New(Operation),
    /// Polled at least once and pending; the call keeps itself alive until it ends.
    Running(Operation, Py<PcpCall>),
    Done(PyResult<Py<PyAny>>),
    Cancelled(Option<Py<PyAny>>),
}

struct State {
    stage: Stage,
    /// asyncio's `_asyncio_future_blocking` (the task sets it back to False).
    blocking: bool,
    /// The coroutine has returned (or raised) its outcome: it cannot be resumed again.
    returned: bool,
    event_loop: Option<Py<PyAny>>,
    callbacks: Callbacks,
}

/// The shared part of a call: its state, and its waker.
struct Core {
    state: Mutex<State>,
    /// Queued on the notifier for a poll (set by a wake-up, cleared before the poll).
    queued: AtomicBool,
    /// The notifier of the loop the call runs on, set before the first poll.
    notifier: OnceLock<Arc<Notifier>>,
}

impl Wake for Core {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            if let Some(notifier) = self.notifier.get() {
                notifier.push(Arc::clone(self));
            }
        }
    }
}

impl Core {
    /// Polls the operation once, on the loop's thread, in the runtime's context.
    fn poll(self: &Arc<Self>, py: Python<'_>, op: &mut Operation) -> Option<PyResult<Py<PyAny>>> {
        let waker = Waker::from(Arc::clone(self));
        let _context = runtime().enter();
        match op.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(completion) => Some(completion(py)),
            Poll::Pending => None,
        }
    }

    /// Called by [`Drain`] for a woken call: polls it and, if it finished, wakes its waiters.
    /// Errs only with KeyboardInterrupt or SystemExit from a waiter.
    fn resume(py: Python<'_>, core: &Arc<Core>) -> PyResult<()> {
        core.queued.store(false, Ordering::Release);
        let (call, callbacks, event_loop) = {
            let mut state = lock(&core.state);
            let Stage::Running(op, _) = &mut state.stage else {
                return Ok(()); // cancelled meanwhile, or a late wake-up
            };
            let Some(outcome) = core.poll(py, op) else {
                return Ok(());
            };
            let Stage::Running(_, call) = std::mem::replace(&mut state.stage, Stage::Done(outcome))
            else {
                unreachable!()
            };
            (
                call,
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

    /// Drops the operation if it has not finished; true if it had not.
    fn stop(&self, msg: Option<Py<PyAny>>) -> (bool, Callbacks) {
        let mut state = lock(&self.state);
        if matches!(state.stage, Stage::Done(_) | Stage::Cancelled(_)) {
            return (false, Vec::new());
        }
        let _context = runtime().enter();
        state.stage = Stage::Cancelled(msg);
        (true, std::mem::take(&mut state.callbacks))
    }
}

/// What an `AsyncClient` method returns: a coroutine (send/throw/close/`__await__`) that runs
/// the operation once, and the future-like object it yields to the asyncio task. It can be
/// made outside a running loop (the operation starts when it is first resumed) and awaited
/// once.
#[pyclass(frozen, module = "pgpool_pcp", name = "PcpCall")]
pub(crate) struct PcpCall {
    core: Arc<Core>,
}

impl PcpCall {
    fn new(op: Operation) -> Self {
        PcpCall {
            core: Arc::new(Core {
                state: Mutex::new(State {
                    stage: Stage::New(op),
                    blocking: false,
                    returned: false,
                    event_loop: None,
                    callbacks: Vec::new(),
                }),
                queued: AtomicBool::new(false),
                notifier: OnceLock::new(),
            }),
        }
    }

    /// One step of the coroutine: starts the operation (which may finish at once), or returns
    /// its outcome.
    fn step<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let core = &slf.get().core;
        let mut state = lock(&core.state);
        let outcome = match &state.stage {
            Stage::New(_) => {
                let event_loop = running_loop(py)?;
                let notifier = notifier(py, &event_loop)?;
                let _ = core.notifier.set(notifier);
                let Stage::New(mut op) =
                    std::mem::replace(&mut state.stage, Stage::Cancelled(None))
                else {
                    unreachable!()
                };
                state.event_loop = Some(event_loop.unbind());
                match core.poll(py, &mut op) {
                    None => {
                        state.stage = Stage::Running(op, slf.clone().unbind());
                        state.blocking = true;
                        return Ok(slf.clone().into_any());
                    }
                    Some(outcome) => {
                        state.stage = Stage::Done(outcome);
                        &state.stage
                    }
                }
            }
            _ if state.returned => {
                return Err(PyRuntimeError::new_err(
                    "cannot reuse an already awaited pgpool_pcp call",
                ))
            }
            other => other,
        };
        let returned = !matches!(outcome, Stage::Running(..));
        let out = match outcome {
            Stage::New(_) => unreachable!(),
            Stage::Running(..) => Err(PyRuntimeError::new_err(
                "await wasn't used with future (a pgpool_pcp call was resumed before its result)",
            )),
            Stage::Done(Ok(value)) => Err(pyo3::exceptions::PyStopIteration::new_err((
                value.clone_ref(py),
            ))),
            Stage::Done(Err(e)) => Err(e.clone_ref(py)),
            Stage::Cancelled(msg) => Err(cancelled(py, msg)),
        };
        state.returned |= returned;
        out
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
        if !matches!(lock(&slf.get().core.state).stage, Stage::New(_)) {
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
        self.core.stop(None);
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
        self.core.stop(None);
    }

    #[getter]
    fn _asyncio_future_blocking(&self) -> Option<bool> {
        let state = lock(&self.core.state);
        match state.stage {
            // Not a future before it starts: `asyncio.ensure_future` wraps it in a task.
            Stage::New(_) => None,
            _ => Some(state.blocking),
        }
    }

    #[setter(_asyncio_future_blocking)]
    fn set_asyncio_future_blocking(&self, value: bool) {
        lock(&self.core.state).blocking = value;
    }

    fn get_loop(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        lock(&self.core.state)
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
        let mut state = lock(&slf.get().core.state);
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
        let mut state = lock(&self.core.state);
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
        let (pending, callbacks) = slf.get().core.stop(msg);
        if !callbacks.is_empty() {
            let event_loop = lock(&slf.get().core.state)
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
        matches!(lock(&self.core.state).stage, Stage::Cancelled(_))
    }

    fn done(&self) -> bool {
        matches!(
            lock(&self.core.state).stage,
            Stage::Done(_) | Stage::Cancelled(_)
        )
    }

    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match &lock(&self.core.state).stage {
            Stage::Done(Ok(value)) => Ok(value.clone_ref(py)),
            Stage::Done(Err(e)) => Err(e.clone_ref(py)),
            Stage::Cancelled(msg) => Err(cancelled(py, msg)),
            _ => Err(InvalidStateError::new_err("Result is not set.")),
        }
    }

    fn exception(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match &lock(&self.core.state).stage {
            Stage::Done(Ok(_)) => Ok(None),
            Stage::Done(Err(e)) => Ok(Some(e.clone_ref(py).into_value(py).into_any())),
            Stage::Cancelled(msg) => Err(cancelled(py, msg)),
            _ => Err(InvalidStateError::new_err("Exception is not set.")),
        }
    }

    fn __repr__(&self) -> &'static str {
        match lock(&self.core.state).stage {
            Stage::New(_) => "<pgpool_pcp call (not started)>",
            Stage::Running(..) => "<pgpool_pcp call (pending)>",
            Stage::Done(_) => "<pgpool_pcp call (finished)>",
            Stage::Cancelled(_) => "<pgpool_pcp call (cancelled)>",
        }
    }
}

/// A [`PcpCall`] that runs `fut` once it is awaited.
pub(crate) fn awaitable<T, F>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = Result<T, Failure>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let op: Operation = Box::pin(async move {
        let result = fut.await;
        Box::new(move |py: Python<'_>| match result {
            Ok(value) => value.into_py_any(py),
            Err(failure) => Err(failure.into_pyerr(py)),
        }) as Completion
    });
    Ok(Bound::new(py, PcpCall::new(op))?.into_any())
}
