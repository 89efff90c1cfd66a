//! Tables as a batch's input: any object with the Arrow PyCapsule interface
//! (`__arrow_c_stream__`: a pyarrow `Table` or `RecordBatchReader`, a pandas
//! or polars `DataFrame`, a DuckDB result; `__arrow_c_array__`: a
//! `RecordBatch`) is read batch by batch through pyo3-arrow, and its rows
//! are mapped in Rust without a Python object per row (see
//! `segment_sendgrid_core::table`). Only the batch being read is held.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use arrow_array::RecordBatchReader;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PySystemExit, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3_arrow::input::AnyRecordBatch;
use segment_sendgrid_core::Mapping;
use segment_sendgrid_core::{BatchRows, RowPlan};

use crate::errors::to_py_err;

/// Rows `rows` of a bound batch, the first being input record `first_index`.
pub struct TableChunk {
    batch: Arc<BatchRows>,
    rows: Range<usize>,
    first_index: usize,
}

impl TableChunk {
    pub fn batch(&self) -> &BatchRows {
        &self.batch
    }

    pub fn rows(&self) -> Range<usize> {
        self.rows.clone()
    }

    pub fn first_index(&self) -> usize {
        self.first_index
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Reads an Arrow stream a batch at a time, handing out its rows in chunks.
pub struct TableReader {
    stream: Box<dyn RecordBatchReader + Send>,
    plan: RowPlan,
    /// The batch being handed out, and its next row.
    current: Option<(Arc<BatchRows>, usize)>,
    read: usize,
}

/// Whether `records` is an Arrow table or batch (PyCapsule interface).
pub fn is_table(records: &Bound<'_, PyAny>) -> PyResult<bool> {
    if records.is_instance_of::<PyDict>() || records.is_instance_of::<PyString>() {
        return Ok(false);
    }
    let py = records.py();
    Ok(records.hasattr(intern!(py, "__arrow_c_stream__"))?
        || records.hasattr(intern!(py, "__arrow_c_array__"))?)
}

impl TableReader {
    /// The reader of `records` when it is an Arrow object, `None` for any
    /// other input. Raises `MappingError` when a column the mapping reads
    /// cannot be read (before anything is sent).
    pub fn open(records: &Bound<'_, PyAny>, mapping: &Mapping) -> PyResult<Option<Self>> {
        if !is_table(records)? {
            return Ok(None);
        }
        let stream = records
            .extract::<AnyRecordBatch>()
            .and_then(AnyRecordBatch::into_reader)
            .map_err(|err| {
                PyTypeError::new_err(format!(
                    "events: an Arrow object must be a table or record batch (struct rows): {}",
                    err.value(records.py())
                ))
            })?;
        let plan = RowPlan::new(&stream.schema(), mapping.reads()).map_err(to_py_err)?;
        Ok(Some(Self {
            stream,
            plan,
            current: None,
            read: 0,
        }))
    }

    /// What is read of the table's rows.
    pub fn plan(&self) -> &RowPlan {
        &self.plan
    }

    /// Rows handed out so far.
    pub fn read(&self) -> usize {
        self.read
    }

    /// Up to `size` rows of the current batch, reading the next batch when
    /// it is done (GIL held: a stream made by Python code needs it).
    /// Returns the rows (`None`: none left), the exception that stopped
    /// reading, and whether the table is over.
    pub fn next_chunk(&mut self, size: usize) -> (Option<TableChunk>, Option<PyErr>, bool) {
        loop {
            if let Some((batch, next)) = &mut self.current {
                if *next < batch.len() {
                    let rows = *next..(*next + size).min(batch.len());
                    *next = rows.end;
                    let first_index = self.read;
                    self.read += rows.len();
                    let chunk = TableChunk {
                        batch: Arc::clone(batch),
                        rows,
                        first_index,
                    };
                    return (Some(chunk), None, false);
                }
            }
            self.current = None;
            // arrow-rs panics on a batch that does not match its stream's
            // schema (pyarrow does not check what a Python source yields).
            let next = catch_unwind(AssertUnwindSafe(|| self.stream.next()));
            match next {
                Ok(None) => return (None, None, true),
                Ok(Some(Err(err))) => return (None, Some(stream_error(&err.to_string())), true),
                Err(_) => {
                    let what = "a record batch that does not match the table's schema";
                    return (None, Some(stream_error(what)), true);
                }
                Ok(Some(Ok(batch))) => match self.plan.bind(&batch) {
                    Ok(bound) => self.current = Some((Arc::new(bound), 0)),
                    Err(err) => return (None, Some(to_py_err(err)), true),
                },
            }
        }
    }
}

/// The exception for a stream that failed. A Python source's exception
/// crosses the Arrow C stream interface as text only (pyarrow writes
/// `Python exception: ` and its traceback, whose last line is the
/// exception): Ctrl-C and `SystemExit` are raised as themselves, so they
/// stop the run at once; anything else is a `RuntimeError` quoting it.
fn stream_error(what: &str) -> PyErr {
    let raised = what.split_once("Python exception: ").map(|(_, detail)| {
        detail
            .lines()
            .map(str::trim)
            .rfind(|line| !line.is_empty())
            .unwrap_or(detail)
    });
    let is = |name: &str| {
        raised.is_some_and(|last| last == name || last.starts_with(&format!("{name}:")))
    };
    if is("KeyboardInterrupt") {
        return PyKeyboardInterrupt::new_err("while reading the table");
    }
    if is("SystemExit") {
        return PySystemExit::new_err("while reading the table");
    }
    PyRuntimeError::new_err(format!(
        "reading the table's record batch failed: {}",
        raised.unwrap_or(what)
    ))
}
