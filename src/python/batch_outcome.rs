//! How a batch call ends, for both clients: the report, or an exception
//! carrying the report as `.report`, with every record read accounted for.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use sendgrid_core::actions::BatchAbort;
use sendgrid_core::{BatchReport, Outcome, RecordFailure};

use crate::errors::to_py_err;

/// The reason given to records read but never handed to the run.
const NOT_SENT: &str = "the run stopped before this record was sent";

/// Whether `error` must stop a batch at once rather than end it after the
/// records read so far are sent: a `BaseException` that is not an
/// `Exception` (`KeyboardInterrupt`, `SystemExit`, `CancelledError`). It is
/// never a record's failure: it propagates, with `.report`.
pub fn interrupts(py: Python<'_>, error: &PyErr) -> bool {
    !error.is_instance_of::<PyException>(py)
}

/// Turns a run's outcome into the report or the exception to raise.
/// `read` is how many records were taken from the input: a run that
/// stopped early never saw some of them, and they are reported `not_sent`.
/// A whole-run error wins over an input error, unless `interrupted` (the
/// caller stopped the run for its error: Ctrl-C, `SystemExit`).
pub fn finish(
    py: Python<'_>,
    outcome: Result<BatchReport, BatchAbort>,
    input_error: Option<PyErr>,
    read: usize,
    interrupted: bool,
) -> PyResult<BatchReport> {
    match (outcome, input_error) {
        (Ok(report), None) => Ok(account_for_all(report, read)),
        (Ok(report), Some(error)) => Err(with_report(py, error, account_for_all(report, read))),
        (Err(abort), Some(error)) if interrupted => {
            Err(with_report(py, error, account_for_all(abort.report, read)))
        }
        (Err(abort), _) => {
            let report = account_for_all(abort.report, read);
            Err(with_report(py, to_py_err(abort.error), report))
        }
    }
}

/// The report of a run that ended one way or the other.
pub fn report_of(outcome: Result<BatchReport, BatchAbort>) -> BatchReport {
    outcome.unwrap_or_else(|abort| abort.report)
}

/// `error` raised before any record was sent: every record read is `not_sent`.
pub fn before_sending(py: Python<'_>, error: PyErr, read: usize) -> PyErr {
    with_report(py, error, account_for_all(BatchReport::default(), read))
}

/// Adds a `not_sent` failure for every record read but absent from `report`.
pub fn account_for_all(mut report: BatchReport, read: usize) -> BatchReport {
    if report.total >= read {
        return report;
    }
    for index in report.total..read {
        report.failed.push(RecordFailure {
            index,
            reason: NOT_SENT.to_owned(),
            status_code: None,
            field: None,
            outcome: Outcome::NotSent,
            retryable: true,
        });
    }
    if !report.message_ids.is_empty() {
        report.message_ids.resize(read, None);
    }
    report.total = read;
    report
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
