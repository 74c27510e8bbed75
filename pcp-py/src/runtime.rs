//! Where the operations run.
//!
//! * A blocking `Client` has its own current-thread tokio runtime: its methods release the
//!   GIL (`py.detach`) and `block_on` the operation, so the socket is driven on the calling
//!   thread. Every 100 ms they take the GIL back briefly to run Python's signal handlers, so
//!   Ctrl-C interrupts a long wait (the operation is then dropped, which closes its session).
//! * Every `AsyncClient` of the process shares one multi-thread runtime ([`runtime`]); an
//!   operation is spawned there and its result handed to the asyncio loop (`crate::aio`).
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
