//! Running core futures from Python: the one tokio runtime (owned by
//! pyo3-async-runtimes), blocking with the GIL released for sync methods,
//! awaitables for async ones.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use sendgrid_core::Error;

use crate::errors::to_py_err;

/// How often a blocked sync call wakes up to let Ctrl-C through.
const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// Runs `future` to completion on the shared runtime with the GIL released.
/// Pending signals (Ctrl-C) are checked periodically; a raised
/// `KeyboardInterrupt` cancels the future.
pub fn block_on<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    run_blocking(py, future).and_then(|result| result.map_err(to_py_err))
}

/// Like [`block_on`] for futures whose output is not a core `Result`.
pub fn run_blocking<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking segment_sendgrid call was made from inside the library's async runtime; use AsyncClient there",
        ));
    }
    crate::logging::refresh();
    let runtime = pyo3_async_runtimes::tokio::get_runtime();
    py.detach(|| {
        runtime.block_on(async {
            tokio::pin!(future);
            loop {
                tokio::select! {
                    output = &mut future => return Ok(output),
                    _ = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}

/// The shared runtime, for spawning background work (batch consumers).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    pyo3_async_runtimes::tokio::get_runtime()
}

/// `segment_sendgrid._aio.run_lazily`, looked up once.
static RUN_LAZILY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A future that produces a Python result, boxed to live in a closure.
type PendingFuture<T> = Pin<Box<dyn Future<Output = PyResult<T>> + Send>>;

/// Wraps `future` in a Python coroutine. Nothing runs until the coroutine is
/// awaited, so `asyncio.run(client.check())` works; the future must own all
/// its input (convert Python values before calling this).
pub fn awaitable_py<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let pending: Mutex<Option<PendingFuture<T>>> = Mutex::new(Some(Box::pin(future)));
    let start = PyCFunction::new_closure(
        py,
        Some(c"start"),
        None,
        move |args: &Bound<'_, PyTuple>,
              _kwargs: Option<&Bound<'_, PyDict>>|
              -> PyResult<Py<PyAny>> {
            let future = pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take()
                .ok_or_else(|| PyRuntimeError::new_err("this coroutine was already awaited"))?;
            crate::logging::refresh();
            Ok(pyo3_async_runtimes::tokio::future_into_py(args.py(), future)?.unbind())
        },
    )?;
    let run_lazily = RUN_LAZILY.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("segment_sendgrid._aio")?
                .getattr("run_lazily")?
                .unbind(),
        )
    })?;
    run_lazily.bind(py).call1((start,))
}

/// [`awaitable_py`] for futures of a core `Result`.
pub fn awaitable<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    awaitable_py(py, async move { future.await.map_err(to_py_err) })
}
