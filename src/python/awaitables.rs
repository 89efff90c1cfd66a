//! Core futures as Python awaitables, run on this process's runtime (see
//! `runtime`): pyo3-async-runtimes' generic glue with the library's own
//! runtime in place of its global one, which a forked child cannot use.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use pyo3_async_runtimes::generic::{self, ContextExt};
use pyo3_async_runtimes::TaskLocals;
use segment_sendgrid_core::Error;
use tokio::runtime::Handle;

use crate::errors::to_py_err;
use crate::runtime::runtime;

/// pyo3-async-runtimes' view of the library's runtime.
struct LibraryRuntime;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

/// The runtime to spawn on: the current one inside a task (the glue's own
/// nested spawns), else this process's, which [`start_on_runtime`] made
/// sure exists before anything is spawned.
fn spawn_handle() -> Handle {
    Handle::try_current().unwrap_or_else(|_| {
        Python::attach(|py| runtime(py).map(|r| r.handle().clone()))
            .expect("the runtime is built before anything is spawned on it")
    })
}

impl generic::Runtime for LibraryRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        spawn_handle().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_handle().spawn_blocking(f)
    }
}

impl ContextExt for LibraryRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}

/// `segment_sendgrid._aio.run_lazily`, looked up once.
static RUN_LAZILY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A future that produces a Python result, boxed to live in a closure.
type PendingFuture<T> = Pin<Box<dyn Future<Output = PyResult<T>> + Send>>;

/// A Python callable that, called once inside a running event loop, starts
/// `future` on the runtime and returns its asyncio future.
pub fn start_on_runtime<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
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
            let py = args.py();
            let future = pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .take()
                .ok_or_else(|| PyRuntimeError::new_err("this coroutine was already awaited"))?;
            runtime(py)?;
            crate::logging::refresh();
            Ok(generic::future_into_py::<LibraryRuntime, _, T>(py, future)?.unbind())
        },
    )?;
    Ok(start.into_any())
}

/// Wraps `future` in a Python coroutine. Nothing runs until the coroutine is
/// awaited, so `asyncio.run(client.check())` works; the future must own all
/// its input (convert Python values before calling this).
pub fn awaitable_py<'py, F, T>(py: Python<'py>, future: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let start = start_on_runtime(py, future)?;
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
