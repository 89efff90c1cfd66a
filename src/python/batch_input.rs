//! Feeding a batch's input into a core run without materialising it: a
//! Python iterable (`iterable_input`: records read on the calling thread,
//! GIL held, prepared directly or converted) or an Arrow table
//! (`table_input`: a record batch at a time), mapped with the GIL released;
//! chunks of them go to the run through a bounded channel, so the input is
//! read only as fast as requests go out.
//!
//! A record is a mapping or the JSON text of one (`str` or `bytes`, e.g. a
//! JSONL line): text is copied out as it is and parsed in Rust with the GIL
//! released, as far as the mapping reads it, several times faster than
//! `json.loads` followed by conversion. A table's row is written straight
//! into the form parsed text takes, or, for an action with its own path
//! ([`Prepare::table_direct`]), read in place.
//!
//! Ctrl-C (any signal handler's exception) while the run goes on, or a
//! `KeyboardInterrupt`/`SystemExit` out of the input, stops the run at once
//! (see `batch_outcome::interrupts`): no request starts after it, those in
//! flight end, and the exception is raised with the report.

use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, Stream, StreamExt};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use segment_sendgrid_core::with_body_sink;
use segment_sendgrid_core::JsonDoc;
use segment_sendgrid_core::RowPlan;
use segment_sendgrid_core::{map_doc, map_json_value, table_records, RowPayload};
use segment_sendgrid_core::{BatchAbort, CancellationToken, InputRecord};
use segment_sendgrid_core::{BatchReport, Error, Mapping, RecordFailure};
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::batch_outcome::{before_sending, finish, interrupts};
use crate::body_sink::PyBodySink;
use crate::iterable_input::{map_record, Read, Reader};
use crate::mapping::CompiledMapping;
use crate::runtime::{blocking_runtime, run_blocking};
use crate::table_input::{TableChunk, TableReader};

/// Records read per GIL round trip.
pub const CHUNK: usize = 512;

/// How one action's records are prepared for its run.
pub trait Prepare {
    /// What the action's run takes (built from a mapped payload, or directly).
    type Payload: From<Value> + Send + 'static;

    /// The record's payload made straight from the Python object, when the
    /// action has a faster path for it; `None`: convert and map it. The
    /// error is one that must propagate (see [`interrupts`]).
    fn prepare_directly(
        &self,
        mapping: &CompiledMapping,
        record: &Bound<'_, PyAny>,
        index: usize,
    ) -> PyResult<Option<Result<Self::Payload, RecordFailure>>>;

    /// The payload of a record given as JSON text (GIL released): parsed
    /// as far as the mapping reads it, then mapped.
    fn from_json_text(mapping: &Mapping, text: &str) -> Result<Self::Payload, Error> {
        Self::from_doc(mapping, &mapping.parse_record(text)?)
    }

    /// The payload of a record in document form: parsed JSON text, or a
    /// table's row (GIL released).
    fn from_doc(mapping: &Mapping, record: &JsonDoc) -> Result<Self::Payload, Error> {
        map_doc(mapping, record).map(Self::Payload::from)
    }

    /// The payload of a record converted to JSON (GIL released).
    fn from_value(mapping: &Mapping, record: &Value) -> Result<Self::Payload, Error> {
        map_json_value(mapping, record).map(Self::Payload::from)
    }

    /// The action's own path from a table's rows to payloads, when the
    /// mapping and the table's schema allow one; `None`: rows go through
    /// [`from_doc`](Self::from_doc).
    fn table_direct(_: &Mapping, _: &RowPlan) -> Option<TableDirect<Self::Payload>> {
        None
    }
}

/// An action's fast path from a table's rows (see `RowPayload`).
pub type TableDirect<P> = Box<RowPayload<P>>;

/// Mapped JSON payloads, for actions without a faster path.
pub struct MappedJson;

impl Prepare for MappedJson {
    type Payload = Value;

    fn prepare_directly(
        &self,
        _: &CompiledMapping,
        _: &Bound<'_, PyAny>,
        _: usize,
    ) -> PyResult<Option<Result<Value, RecordFailure>>> {
        Ok(None)
    }
}

/// Records read on the Python thread, to be mapped with the GIL released.
enum Chunk<P> {
    /// From an iterable: each record staged.
    Records(Vec<Read<P>>),
    /// Rows of an Arrow batch.
    Rows(TableChunk),
}

impl<P> Chunk<P> {
    fn is_empty(&self) -> bool {
        match self {
            Self::Records(records) => records.is_empty(),
            Self::Rows(rows) => rows.is_empty(),
        }
    }
}

/// What a chunk read returns: the chunk, the exception that stopped reading
/// (the input's, or one that must propagate), and whether the input is over.
type ChunkRead<P> = (Chunk<P>, Option<PyErr>, bool);

/// Where a batch's records come from: a Python iterable, or an Arrow table.
enum Source<'py, 'm, R: Prepare> {
    Iterable(Reader<'py, 'm, R>),
    Table(TableReader, Option<TableDirect<R::Payload>>),
}

impl<'py, 'm, R: Prepare> Source<'py, 'm, R> {
    /// An Arrow table (PyCapsule interface) or any iterable. A table whose
    /// columns the mapping cannot read raises here, before anything is sent.
    fn new(
        records: &Bound<'py, PyAny>,
        mapping: &'m CompiledMapping,
        prepare: R,
    ) -> PyResult<Self> {
        match TableReader::open(records, &mapping.compiled)? {
            Some(table) => {
                let direct = R::table_direct(&mapping.compiled, table.plan());
                Ok(Self::Table(table, direct))
            }
            None => Ok(Self::Iterable(Reader::new(records, mapping, prepare)?)),
        }
    }

    fn next_chunk(&mut self) -> ChunkRead<R::Payload> {
        match self {
            Self::Iterable(reader) => {
                let (records, error, done) = reader.next_chunk();
                (Chunk::Records(records), error, done)
            }
            Self::Table(table, _) => {
                let (rows, error, done) = table.next_chunk(CHUNK);
                let chunk = rows.map_or_else(|| Chunk::Records(Vec::new()), Chunk::Rows);
                (chunk, error, done)
            }
        }
    }

    fn read(&self) -> usize {
        match self {
            Self::Iterable(reader) => reader.read,
            Self::Table(table, _) => table.read(),
        }
    }

    /// The action's fast path for the table's rows, if any.
    fn direct(&self) -> Option<&TableDirect<R::Payload>> {
        match self {
            Self::Table(_, direct) => direct.as_ref(),
            Self::Iterable(_) => None,
        }
    }
}

/// Maps one chunk (GIL released).
fn map_chunk<R: Prepare>(
    mapping: &CompiledMapping,
    chunk: Chunk<R::Payload>,
    direct: Option<&TableDirect<R::Payload>>,
) -> Vec<InputRecord<R::Payload>> {
    match chunk {
        Chunk::Records(records) => records
            .into_iter()
            .map(|read| map_record::<R>(mapping, read))
            .collect(),
        Chunk::Rows(rows) => table_records(
            rows.batch(),
            rows.rows(),
            rows.first_index(),
            direct.map(|d| d.as_ref()),
            |record| R::from_doc(&mapping.compiled, record),
        ),
    }
}

/// The stream of records a run reads.
pub type RecordStream<P> = Pin<Box<dyn Stream<Item = InputRecord<P>> + Send>>;

/// Runs a batch over a Python iterable or a table. `consume` starts the
/// core run on the stream of mapped records, stopping when the token is
/// cancelled; a dry run's bodies go to `body_sink` when it has a callable.
/// Whole-run failures and the input's exceptions are raised with the
/// partial report attached as `.report`.
pub fn run_streaming<R, F, Fut>(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    mapping: &CompiledMapping,
    prepare: R,
    body_sink: &PyBodySink,
    consume: F,
) -> PyResult<BatchReport>
where
    R: Prepare,
    F: FnOnce(RecordStream<R::Payload>, CancellationToken) -> Fut,
    Fut: Future<Output = Result<BatchReport, BatchAbort>> + Send + 'static,
{
    let runtime = blocking_runtime(py)?;
    let mut reader = Source::new(records, mapping, prepare)?;
    // Chunks, not records, cross the channel: one wake-up per CHUNK records.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<InputRecord<R::Payload>>>(2);
    let input = Box::pin(stream::poll_fn(move |cx| rx.poll_recv(cx)).flat_map(stream::iter));
    let stop = CancellationToken::new();
    let sink = body_sink.sink(stop.clone());
    let run = runtime.spawn(with_body_sink(sink, consume(input, stop.clone())));
    // However this returns, the run sends nothing more afterwards.
    let _stop_on_exit = stop.clone().drop_guard();

    let mut input_error = None;
    loop {
        let (chunk, error, done) = reader.next_chunk();
        if let Some(error) = error {
            if interrupts(py, &error) {
                // Stop at once: the records of this chunk are not handed over.
                stop.cancel();
            }
            input_error = Some(error);
        }
        if stop.is_cancelled() {
            break;
        }
        let sender = tx.clone();
        let direct = reader.direct();
        let delivered = run_blocking(py, async move {
            if chunk.is_empty() {
                return true;
            }
            let mapped = map_chunk::<R>(mapping, chunk, direct);
            // An error means the run stopped (bad key …): stop reading.
            sender.send(mapped).await.is_ok()
        });
        match delivered {
            Ok(true) => {}
            Ok(false) => break,
            Err(signal) => {
                stop.cancel();
                input_error = Some(signal);
                break;
            }
        }
        if done || input_error.is_some() {
            break;
        }
    }
    drop(tx);
    let outcome = wait_for_run(py, run, &stop, &mut input_error)?;
    if let Some(error) = body_sink.take_error() {
        input_error = Some(error);
    }
    let interrupted = stop.is_cancelled();
    finish(py, outcome, input_error, reader.read(), interrupted)
}

/// Waits for the run to end, GIL released. A signal's exception (Ctrl-C)
/// stops the run, which then ends once its requests in flight have (at
/// most the client's timeout); the exception is kept to be raised with the
/// report, in place of an input error that did not stop the run. Later
/// signals while it winds down are not raised.
fn wait_for_run<T: Send>(
    py: Python<'_>,
    mut run: JoinHandle<T>,
    stop: &CancellationToken,
    input_error: &mut Option<PyErr>,
) -> PyResult<T> {
    loop {
        match run_blocking(py, &mut run) {
            Ok(joined) => {
                return joined
                    .map_err(|e| PyRuntimeError::new_err(format!("batch run failed: {e}")))
            }
            Err(signal) => {
                // The first exception that stopped the run is the one raised.
                if !stop.is_cancelled() {
                    *input_error = Some(signal);
                }
                stop.cancel();
            }
        }
    }
}

/// Reads, converts and maps a whole iterable up front (for async calls,
/// whose futures cannot touch Python objects). An exception of the input
/// is raised before anything is sent, with a report of every record read
/// as `not_sent`.
pub fn collect_records<R: Prepare>(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    mapping: &CompiledMapping,
    prepare: R,
) -> PyResult<Vec<InputRecord<R::Payload>>> {
    let mut reader = Source::new(records, mapping, prepare)?;
    let mut all = Vec::new();
    loop {
        let (chunk, error, done) = reader.next_chunk();
        if let Some(error) = error {
            return Err(before_sending(py, error, reader.read()));
        }
        let direct = reader.direct();
        let mapped = py.detach(|| map_chunk::<R>(mapping, chunk, direct));
        all.extend(mapped);
        if done {
            return Ok(all);
        }
    }
}
