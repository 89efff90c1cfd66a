//! Reading a Python iterable of records, chunk by chunk on the calling
//! thread (GIL held): each record is prepared directly (an action's fast
//! path, see [`Prepare`]), kept as JSON text to be parsed with the GIL
//! released, or converted to JSON; anything wrong with one record is that
//! record's failure, except an exception that must propagate (Ctrl-C).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyString};
use segment_sendgrid_core::InputRecord;
use segment_sendgrid_core::RecordFailure;
use segment_sendgrid_core::{record_from_text, value_record};
use serde_json::Value;

use crate::batch_input::{Prepare, CHUNK};
use crate::batch_outcome::interrupts;
use crate::convert::Converter;
use crate::mapping::CompiledMapping;

/// A record as it leaves the Python thread.
pub enum Staged<P> {
    /// Prepared directly: ready for the run.
    Ready(P),
    /// Converted to JSON: the mapping engine runs on it with the GIL released.
    Input(Value),
    /// JSON text, parsed and mapped with the GIL released.
    Text(String),
}

/// A record read and staged, or why it cannot be.
pub type Read<P> = (usize, Result<Staged<P>, RecordFailure>);

/// Reads a Python iterable chunk by chunk, staging each record.
pub struct Reader<'py, 'm, R> {
    iter: Bound<'py, PyIterator>,
    mapping: &'m CompiledMapping,
    prepare: R,
    converter: Converter<'py>,
    /// How many records were taken from the iterable.
    pub read: usize,
}

impl<'py, 'm, R: Prepare> Reader<'py, 'm, R> {
    pub fn new(
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
    /// exception that stopped reading (the iterator's, or one of a record's
    /// that must propagate: the record is then counted read, not staged),
    /// and whether the input is over.
    pub fn next_chunk(&mut self) -> (Vec<Read<R::Payload>>, Option<PyErr>, bool) {
        let mut chunk = Vec::with_capacity(CHUNK);
        while chunk.len() < CHUNK {
            let record = match self.iter.next() {
                Some(Ok(record)) => record,
                None => return (chunk, None, true),
                Some(Err(err)) => return (chunk, Some(err), true),
            };
            let index = self.read;
            self.read += 1;
            match self.stage(&record, index) {
                Ok(staged) => chunk.push((index, staged)),
                Err(err) => return (chunk, Some(err), true),
            }
        }
        (chunk, None, false)
    }

    fn stage(
        &mut self,
        record: &Bound<'py, PyAny>,
        index: usize,
    ) -> PyResult<Result<Staged<R::Payload>, RecordFailure>> {
        if let Some(text) = json_text(record) {
            return Ok(text
                .map(Staged::Text)
                .map_err(|reason| RecordFailure::invalid(index, reason, None)));
        }
        Ok(
            match self.prepare.prepare_directly(self.mapping, record, index)? {
                Some(prepared) => prepared.map(Staged::Ready),
                None => convert_record(record, self.mapping, &mut self.converter, index)?
                    .map(Staged::Input),
            },
        )
    }
}

/// Converts one record; anything wrong with it becomes that record's
/// failure, except an exception that must propagate (see [`interrupts`]).
pub fn convert_record<'py>(
    record: &Bound<'py, PyAny>,
    mapping: &CompiledMapping,
    converter: &mut Converter<'py>,
    index: usize,
) -> PyResult<Result<Value, RecordFailure>> {
    if !is_mapping(record)? {
        let kind = record
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        let reason = format!("record must be a mapping (dict) or its JSON text, got {kind}");
        return Ok(Err(RecordFailure::invalid(index, reason, None)));
    }
    match mapping.convert_record(converter, record) {
        Ok(value) => Ok(Ok(value)),
        Err(err) if interrupts(record.py(), &err) => Err(err),
        Err(err) => {
            let reason = err.value(record.py()).to_string();
            Ok(Err(RecordFailure::invalid(index, reason, None)))
        }
    }
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

/// Whether `record` is a `Mapping`; an `isinstance` check that fails counts
/// as no, unless its exception must propagate (see [`interrupts`]).
pub fn is_mapping(record: &Bound<'_, PyAny>) -> PyResult<bool> {
    if record.is_instance_of::<PyDict>() {
        return Ok(true);
    }
    if record.is_instance_of::<PyString>() {
        return Ok(false);
    }
    let py = record.py();
    match py
        .import("collections.abc")
        .and_then(|abc| abc.getattr("Mapping"))
        .and_then(|mapping| record.is_instance(&mapping))
    {
        Ok(is) => Ok(is),
        Err(err) if interrupts(py, &err) => Err(err),
        Err(_) => Ok(false),
    }
}

/// Applies the mapping to one converted record.
pub fn map_record<R: Prepare>(
    mapping: &CompiledMapping,
    (index, read): Read<R::Payload>,
) -> InputRecord<R::Payload> {
    let payload = read.and_then(|staged| match staged {
        Staged::Ready(payload) => Ok(payload),
        Staged::Text(text) => record_from_text(index, R::from_json_text(&mapping.compiled, &text)),
        Staged::Input(input) => value_record(index, R::from_value(&mapping.compiled, &input)),
    });
    InputRecord { index, payload }
}
