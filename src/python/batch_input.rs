//! Feeding a Python iterable into a core batch run without materialising it:
//! records are read and converted on the calling thread (GIL held), mapped
//! and handed to the run with the GIL released, through a bounded channel,
//! so the input is read only as fast as requests go out.

use std::future::Future;

use futures::stream::{self, Stream, StreamExt};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyIterator, PyString};
use sendgrid_core::actions::{BatchAbort, InputRecord};
use sendgrid_core::{BatchReport, Outcome, RecordFailure};
use serde_json::Value;

use crate::convert::Converter;
use crate::errors::to_py_err;
use crate::mapping::CompiledMapping;
use crate::runtime::{run_blocking, runtime};

/// Records read per GIL round trip.
const CHUNK: usize = 512;

/// A record read and converted, not yet mapped.
type Converted = (usize, Result<Value, RecordFailure>);

/// Reads up to `CHUNK` records. Returns the converted records and, if the
/// iterator raised, its exception (reading stops there).
fn read_chunk<'py>(
    iter: &mut Bound<'py, PyIterator>,
    mapping: &CompiledMapping,
    converter: &mut Converter<'py>,
    next_index: &mut usize,
) -> (Vec<Converted>, Option<PyErr>, bool) {
    let mut chunk = Vec::with_capacity(CHUNK);
    while chunk.len() < CHUNK {
        let record = match iter.next() {
            Some(Ok(record)) => record,
            None => return (chunk, None, true),
            Some(Err(err)) => return (chunk, Some(err), true),
        };
        let index = *next_index;
        *next_index += 1;
        chunk.push((index, convert_record(&record, mapping, converter, index)));
    }
    (chunk, None, false)
}

/// Converts one record; anything wrong with it becomes that record's failure.
pub fn convert_record<'py>(
    record: &Bound<'py, PyAny>,
    mapping: &CompiledMapping,
    converter: &mut Converter<'py>,
    index: usize,
) -> Result<Value, RecordFailure> {
    if !is_mapping(record) {
        let kind = record
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        let reason = format!("record must be a mapping (dict), got {kind}");
        return Err(RecordFailure::invalid(index, reason, None));
    }
    mapping.convert_record(converter, record).map_err(|err| {
        let reason = err.value(record.py()).to_string();
        RecordFailure::invalid(index, reason, None)
    })
}

pub fn is_mapping(record: &Bound<'_, PyAny>) -> bool {
    if record.is_instance_of::<PyDict>() {
        return true;
    }
    if record.is_instance_of::<PyString>() {
        return false;
    }
    let py = record.py();
    py.import("collections.abc")
        .and_then(|abc| abc.getattr("Mapping"))
        .and_then(|mapping| record.is_instance(&mapping))
        .unwrap_or(false)
}

/// Applies the mapping to one converted record.
pub fn map_record(mapping: &CompiledMapping, (index, converted): Converted) -> InputRecord {
    let payload = converted.and_then(|input| match mapping.compiled.apply(&input) {
        Ok(Some(payload)) => Ok(payload),
        Ok(None) => Ok(Value::Object(Default::default())),
        Err(err) => Err(RecordFailure::invalid(index, err.to_string(), None)),
    });
    InputRecord { index, payload }
}

/// Runs a batch over a Python iterable. `consume` starts the core run on the
/// stream of mapped records. Whole-run failures and iterator exceptions are
/// raised with the partial report attached as `.report`.
pub fn run_streaming<F, Fut>(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    mapping: &CompiledMapping,
    consume: F,
) -> PyResult<BatchReport>
where
    F: FnOnce(std::pin::Pin<Box<dyn Stream<Item = InputRecord> + Send>>) -> Fut,
    Fut: Future<Output = Result<BatchReport, BatchAbort>> + Send + 'static,
{
    let mut iter = records.try_iter()?;
    // Chunks, not records, cross the channel: one wake-up per CHUNK records.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<InputRecord>>(2);
    let input = Box::pin(stream::poll_fn(move |cx| rx.poll_recv(cx)).flat_map(stream::iter));
    let run = runtime().spawn(consume(input));

    let mut converter = Converter::new(py);
    let mut next_index = 0usize;
    let mut input_error = None;
    loop {
        let (chunk, error, done) = read_chunk(&mut iter, mapping, &mut converter, &mut next_index);
        let sender = tx.clone();
        let delivered = run_blocking(py, async move {
            let mapped: Vec<InputRecord> = chunk
                .into_iter()
                .map(|converted| map_record(mapping, converted))
                .collect();
            // An error means the run stopped (bad key …): stop reading.
            mapped.is_empty() || sender.send(mapped).await.is_ok()
        });
        match delivered {
            Ok(true) => {}
            Ok(false) => break,
            Err(interrupt) => {
                input_error = Some(interrupt);
                break;
            }
        }
        if error.is_some() {
            input_error = error;
        }
        if done || input_error.is_some() {
            break;
        }
    }
    drop(tx);
    let abort = run.abort_handle();
    let joined = run_blocking(py, run).inspect_err(|_| abort.abort())?;
    let outcome = joined
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("batch run failed: {e}")))?;
    finish(py, outcome, input_error, next_index)
}

/// Turns a run's outcome into the report or the exception to raise.
/// `read` is how many records were taken from the input: a run that
/// stopped early never saw some of them, and they are reported `not_sent`.
pub fn finish(
    py: Python<'_>,
    outcome: Result<BatchReport, BatchAbort>,
    input_error: Option<PyErr>,
    read: usize,
) -> PyResult<BatchReport> {
    match (outcome, input_error) {
        (Ok(report), None) => Ok(account_for_all(report, read)),
        (Ok(report), Some(error)) => Err(with_report(py, error, account_for_all(report, read))),
        (Err(abort), _) => {
            let report = account_for_all(abort.report, read);
            Err(with_report(py, to_py_err(abort.error), report))
        }
    }
}

/// Adds a `not_sent` failure for every record read but absent from `report`.
fn account_for_all(mut report: BatchReport, read: usize) -> BatchReport {
    if report.total >= read {
        return report;
    }
    for index in report.total..read {
        report.failed.push(RecordFailure {
            index,
            reason: "the run stopped before this record was sent".to_owned(),
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

/// Reads, converts and maps a whole iterable up front (for async calls,
/// whose futures cannot touch Python objects). An iterator error is raised
/// before anything is sent.
pub fn collect_records(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    mapping: &CompiledMapping,
) -> PyResult<Vec<InputRecord>> {
    let mut iter = records.try_iter()?;
    let mut converter = Converter::new(py);
    let mut next_index = 0usize;
    let mut all = Vec::new();
    loop {
        let (chunk, error, done) = read_chunk(&mut iter, mapping, &mut converter, &mut next_index);
        if let Some(error) = error {
            return Err(error);
        }
        let mapped: Vec<InputRecord> =
            py.detach(|| chunk.into_iter().map(|c| map_record(mapping, c)).collect());
        all.extend(mapped);
        if done {
            return Ok(all);
        }
    }
}
