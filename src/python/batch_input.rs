//! Feeding a Python iterable into a core batch run without materialising it:
//! records are read on the calling thread (GIL held) and either prepared
//! there directly (an action's fast path, see [`Prepare`]) or converted, then
//! mapped with the GIL released; chunks of them go to the run through a
//! bounded channel, so the input is read only as fast as requests go out.
//!
//! A record is a mapping or the JSON text of one (`str` or `bytes`, e.g. a
//! JSONL line): text is copied out as it is and parsed in Rust with the GIL
//! released, as far as the mapping reads it, several times faster than
//! `json.loads` followed by conversion.

use std::future::Future;

use futures::stream::{self, Stream, StreamExt};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyString};
use sendgrid_core::actions::{BatchAbort, InputRecord};
use sendgrid_core::{BatchReport, Error, Mapping, Outcome, RecordFailure};
use serde_json::Value;

use crate::convert::Converter;
use crate::errors::to_py_err;
use crate::mapping::CompiledMapping;
use crate::runtime::{run_blocking, runtime};

/// Records read per GIL round trip.
const CHUNK: usize = 512;

/// How one action's records are prepared for its run.
pub trait Prepare {
    /// What the action's run takes (built from a mapped payload, or directly).
    type Payload: From<Value> + Send + 'static;

    /// The record's payload made straight from the Python object, when the
    /// action has a faster path for it; `None`: convert and map it.
    fn prepare_directly(
        &self,
        mapping: &CompiledMapping,
        record: &Bound<'_, PyAny>,
        index: usize,
    ) -> Option<Result<Self::Payload, RecordFailure>>;

    /// The payload of a record given as JSON text (GIL released): parsed
    /// as far as the mapping reads it, then mapped.
    fn from_json_text(mapping: &Mapping, text: &str) -> Result<Self::Payload, Error> {
        let record = mapping.parse_record(text)?;
        let mapped = mapping.apply(&record)?;
        Ok(mapped
            .unwrap_or_else(|| Value::Object(Default::default()))
            .into())
    }
}

/// Mapped JSON payloads, for actions without a faster path.
pub struct MappedJson;

impl Prepare for MappedJson {
    type Payload = Value;

    fn prepare_directly(
        &self,
        _: &CompiledMapping,
        _: &Bound<'_, PyAny>,
        _: usize,
    ) -> Option<Result<Value, RecordFailure>> {
        None
    }
}

/// A record as it leaves the Python thread.
enum Staged<P> {
    /// Prepared directly: ready for the run.
    Ready(P),
    /// Converted to JSON: the mapping engine runs on it with the GIL released.
    Input(Value),
    /// JSON text, parsed and mapped with the GIL released.
    Text(String),
}

/// A record read and staged, or why it cannot be.
type Read<P> = (usize, Result<Staged<P>, RecordFailure>);

/// Reads a Python iterable chunk by chunk, staging each record.
struct Reader<'py, 'm, R> {
    iter: Bound<'py, PyIterator>,
    mapping: &'m CompiledMapping,
    prepare: R,
    converter: Converter<'py>,
    /// How many records were taken from the iterable.
    read: usize,
}

impl<'py, 'm, R: Prepare> Reader<'py, 'm, R> {
    fn new(
        records: &Bound<'py, PyAny>,
        mapping: &'m CompiledMapping,
        prepare: R,
    ) -> PyResult<Self> {
        Ok(Self {
            iter: records.try_iter()?,
            mapping,
            prepare,
            converter: Converter::new(records.py()),
            read: 0,
        })
    }

    /// Reads up to `CHUNK` records. Returns the staged records, the
    /// iterator's exception if it raised (reading stops there), and whether
    /// the input is over.
    fn next_chunk(&mut self) -> (Vec<Read<R::Payload>>, Option<PyErr>, bool) {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let record = match self.iter.next() {
                Some(Ok(record)) => record,
                None => return (chunk, None, true),
                Some(Err(err)) => return (chunk, Some(err), true),
            };
            let index = self.read;
            self.read += 1;
            let staged = if let Some(text) = json_text(&record) {
                text.map(Staged::Text)
                    .map_err(|reason| RecordFailure::invalid(index, reason, None))
            } else {
                match self.prepare.prepare_directly(self.mapping, &record, index) {
                    Some(prepared) => prepared.map(Staged::Ready),
                    None => convert_record(&record, self.mapping, &mut self.converter, index)
                        .map(Staged::Input),
                }
            };
            chunk.push((index, staged));
        }
        (chunk, None, false)
    }
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
        let reason = format!("record must be a mapping (dict) or its JSON text, got {kind}");
        return Err(RecordFailure::invalid(index, reason, None));
    }
    mapping.convert_record(converter, record).map_err(|err| {
        let reason = err.value(record.py()).to_string();
        RecordFailure::invalid(index, reason, None)
    })
}

/// A record given as JSON text (`str`, or UTF-8 `bytes`), copied out so it
/// can be parsed with the GIL released; `None` when it is not text.
pub fn json_text(record: &Bound<'_, PyAny>) -> Option<Result<String, String>> {
    if let Ok(text) = record.cast_exact::<PyString>() {
        return Some(text.to_str().map(str::to_owned).map_err(|_| {
            "the record's JSON text is not valid Unicode (a lone surrogate)".to_owned()
        }));
    }
    let bytes = record.cast_exact::<PyBytes>().ok()?;
    Some(
        std::str::from_utf8(bytes.as_bytes())
            .map(str::to_owned)
            .map_err(|e| format!("the record's JSON text is not valid UTF-8: {e}")),
    )
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
fn map_record<R: Prepare>(
    mapping: &CompiledMapping,
    (index, read): Read<R::Payload>,
) -> InputRecord<R::Payload> {
    let payload = read.and_then(|staged| match staged {
        Staged::Ready(payload) => Ok(payload),
        Staged::Text(text) => R::from_json_text(&mapping.compiled, &text)
            .map_err(|err| RecordFailure::from_error(index, err)),
        Staged::Input(input) => match mapping.compiled.apply(&input) {
            Ok(Some(payload)) => Ok(payload.into()),
            Ok(None) => Ok(Value::Object(Default::default()).into()),
            Err(err) => Err(RecordFailure::invalid(index, err.to_string(), None)),
        },
    });
    InputRecord { index, payload }
}

/// Runs a batch over a Python iterable. `consume` starts the core run on the
/// stream of mapped records. Whole-run failures and iterator exceptions are
/// raised with the partial report attached as `.report`.
pub fn run_streaming<R, F, Fut>(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    mapping: &CompiledMapping,
    prepare: R,
    consume: F,
) -> PyResult<BatchReport>
where
    R: Prepare,
    F: FnOnce(std::pin::Pin<Box<dyn Stream<Item = InputRecord<R::Payload>> + Send>>) -> Fut,
    Fut: Future<Output = Result<BatchReport, BatchAbort>> + Send + 'static,
{
    let mut reader = Reader::new(records, mapping, prepare)?;
    // Chunks, not records, cross the channel: one wake-up per CHUNK records.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<InputRecord<R::Payload>>>(2);
    let input = Box::pin(stream::poll_fn(move |cx| rx.poll_recv(cx)).flat_map(stream::iter));
    let run = runtime().spawn(consume(input));

    let mut input_error = None;
    loop {
        let (chunk, error, done) = reader.next_chunk();
        let sender = tx.clone();
        let delivered = run_blocking(py, async move {
            let mapped: Vec<InputRecord<R::Payload>> = chunk
                .into_iter()
                .map(|converted| map_record::<R>(mapping, converted))
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
    finish(py, outcome, input_error, reader.read)
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
pub fn collect_records<R: Prepare>(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    mapping: &CompiledMapping,
    prepare: R,
) -> PyResult<Vec<InputRecord<R::Payload>>> {
    let mut reader = Reader::new(records, mapping, prepare)?;
    let mut all = Vec::new();
    loop {
        let (chunk, error, done) = reader.next_chunk();
        if let Some(error) = error {
            return Err(error);
        }
        let mapped: Vec<InputRecord<R::Payload>> = py.detach(|| {
            chunk
                .into_iter()
                .map(|c| map_record::<R>(mapping, c))
                .collect()
        });
        all.extend(mapped);
        if done {
            return Ok(all);
        }
    }
}
