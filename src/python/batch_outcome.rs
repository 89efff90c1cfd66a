//! How a batch call ends, for both clients: the report, or an exception
//! carrying the report as `.report`, with every record read accounted for.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use segment_sendgrid_core::BatchAbort;
use segment_sendgrid_core::BatchReport;
use segment_sendgrid_core::{account_for_all, settle, Ending, Raised};

use crate::errors::to_py_err;

/// Whether `error` must stop a batch at once rather than end it after the
/// records read so far are sent: a `BaseException` that is not an
/// `Exception` (`KeyboardInterrupt`, `SystemExit`, `CancelledError`). It is
/// never a record's failure: it propagates, with `.report`.
pub fn interrupts(py: Python<'_>, error: &PyErr) -> bool {
    !error.is_instance_of::<PyException>(py)
}

/// Turns a run's outcome into the report or the exception to raise (see
/// `segment_sendgrid_core::actions::accounting::settle`): `read` records were taken
/// from the input, `interrupted` when the caller stopped the run.
pub fn finish(
    py: Python<'_>,
    outcome: Result<BatchReport, BatchAbort>,
    input_error: Option<PyErr>,
    read: usize,
    interrupted: bool,
) -> PyResult<BatchReport> {
    match settle(outcome, input_error, read, interrupted) {
        Ending::Done(report) => Ok(report),
        Ending::Raise { error, report } => {
            let error = match error {
                Raised::Input(error) => error,
                Raised::Run(error) => to_py_err(error),
            };
            Err(with_report(py, error, report))
        }
    }
}

/// `error` raised before any record was sent: every record read is `not_sent`.
pub fn before_sending(py: Python<'_>, error: PyErr, read: usize) -> PyErr {
    with_report(py, error, account_for_all(BatchReport::default(), read))
}

/// Attaches the partial report to an exception as `.report`.
fn with_report(py: Python<'_>, error: PyErr, report: BatchReport) -> PyErr {
    let report = crate::batch_report::BatchReport::from(report);
    if let Ok(report) = Py::new(py, report) {
        // Exceptions without a __dict__ cannot carry it; the error still propagates.
        let _ = error.value(py).setattr("report", report);
    }
    error
}
