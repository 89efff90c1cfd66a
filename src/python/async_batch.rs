//! `AsyncClient` batches as awaitables that wind down when cancelled. The
//! run is a task of its own; when the awaiting Python task is cancelled,
//! the run is stopped (no record read, no request started after that) and
//! `segment_sendgrid._aio.run_batch` awaits its end (the requests in
//! flight: at most the client's timeout) and raises the `CancelledError`
//! with the final report as `.report`.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use futures::future::{BoxFuture, FutureExt, Shared};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use segment_sendgrid_core::with_body_sink;

use crate::body_sink::PyBodySink;
use pyo3::sync::PyOnceLock;
use segment_sendgrid_core::{account_for_all, report_of};
use segment_sendgrid_core::{BatchAbort, CancellationToken};

use crate::awaitables::start_on_runtime;
use crate::batch_outcome::finish;
use crate::batch_report::BatchReport;

type Outcome = Result<segment_sendgrid_core::BatchReport, BatchAbort>;

/// The run's outcome, for whichever of the two awaitables asks (the run's
/// task failing, e.g. a panic, is the `Err`).
type SharedRun = Shared<BoxFuture<'static, Result<Outcome, String>>>;

/// `segment_sendgrid._aio.run_batch`, looked up once.
static RUN_BATCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A coroutine running the batch `run(stop)` over `read` records: the
/// report, or the whole-run error with the partial report as `.report`;
/// cancelled, a `CancelledError` with the final report as `.report`.
pub fn awaitable_batch<'py, F, Fut>(
    py: Python<'py>,
    read: usize,
    body_sink: PyBodySink,
    run: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce(CancellationToken) -> Fut + Send + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let started: Arc<OnceLock<SharedRun>> = Arc::default();
    let main = {
        let started = Arc::clone(&started);
        async move {
            let stop = CancellationToken::new();
            // Dropped unfinished when the awaiting task is cancelled: stops the run.
            let guard = stop.clone().drop_guard();
            let sink = body_sink.sink(stop.clone());
            let shared = started
                .get_or_init(|| spawn_run(with_body_sink(sink, run(stop))))
                .clone();
            let joined = shared.await;
            guard.disarm();
            let outcome = joined.map_err(PyRuntimeError::new_err)?;
            let sink_error = body_sink.take_error();
            let stopped = sink_error.is_some();
            Python::attach(|py| finish(py, outcome, sink_error, read, stopped))
                .map(BatchReport::from)
        }
    };
    let wind_down = async move {
        let joined = match started.get().cloned() {
            Some(run) => run.await,
            // Cancelled before the run started: nothing was sent.
            None => Ok(Ok(segment_sendgrid_core::BatchReport::default())),
        };
        let report = report_of(joined.map_err(PyRuntimeError::new_err)?);
        Ok(BatchReport::from(account_for_all(report, read)))
    };
    let start = start_on_runtime(py, main)?;
    let wind_down = start_on_runtime(py, wind_down)?;
    let run_batch = RUN_BATCH.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("segment_sendgrid._aio")?
                .getattr("run_batch")?
                .unbind(),
        )
    })?;
    run_batch.bind(py).call1((start, wind_down))
}

/// Spawns the run on the current runtime (the caller is one of its tasks).
fn spawn_run(run: impl Future<Output = Outcome> + Send + 'static) -> SharedRun {
    tokio::spawn(run)
        .map(|joined| joined.map_err(|e| format!("batch run failed: {e}")))
        .boxed()
        .shared()
}
