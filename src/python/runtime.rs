//! The library's tokio runtime, one per process, and running core futures
//! from Python's sync methods: blocking with the GIL released, while
//! Ctrl-C is still noticed. (Awaitables: `awaitables`.)

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use segment_sendgrid_core::Error;
use tokio::runtime::Runtime;

use crate::errors::to_py_err;
use crate::process::current_pid;

/// How often a blocked sync call wakes up to let Ctrl-C through.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The runtime of this process and the id of the process that built it.
static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// This process's runtime, built on first use, and built again in a forked
/// child: the parent's has no threads there and is leaked, never used or
/// dropped (see `process`). Taking `py` keeps every caller attached, so no
/// thread holds the lock when Python forks (the forking thread holds the GIL).
pub fn runtime(_py: Python<'_>) -> PyResult<&'static Runtime> {
    let mut current = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = current_pid();
    if let Some((owner, runtime)) = *current {
        if owner == pid {
            return Ok(runtime);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("segment-sendgrid")
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the async runtime: {e}")))?;
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *current = Some((pid, runtime));
    Ok(runtime)
}

/// The runtime, for a call that blocks on it: refused from inside it
/// (a sync method called from the library's own async tasks would deadlock).
pub fn blocking_runtime(py: Python<'_>) -> PyResult<&'static Runtime> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking segment_sendgrid call was made from inside the library's async runtime; use AsyncClient there",
        ));
    }
    runtime(py)
}

/// Runs `future` to completion on the runtime with the GIL released.
/// Pending signals (Ctrl-C) are checked periodically; a raised
/// `KeyboardInterrupt` cancels the future.
pub fn block_on<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    run_blocking(py, future).and_then(|result| result.map_err(to_py_err))
}

/// Like [`block_on`] for futures whose output is not a core `Result`. The
/// error is what a signal handler raised (the future is then dropped).
pub fn run_blocking<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let runtime = blocking_runtime(py)?;
    crate::logging::refresh();
    py.detach(|| {
        runtime.block_on(async {
            tokio::pin!(future);
            loop {
                tokio::select! {
                    output = &mut future => return Ok(output),
                    () = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}
