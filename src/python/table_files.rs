//! Table helpers for the CLI: Parquet files streamed as Arrow batches (and
//! their row count), the
//! rows of one picked out again for the failed-records file, and the
//! column-name rule its CSV reader shares with tables.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3_arrow::PyRecordBatchReader;
use segment_sendgrid_core::{nest_columns, parquet_rows, ParquetBatches};

use crate::errors::to_py_err;

/// A Parquet file as a stream of record batches (``__arrow_c_stream__``),
/// read row group by row group, ``batch_size`` rows at a time.
#[pyfunction]
#[pyo3(signature = (path, batch_size = 65_536))]
pub fn read_parquet(path: PathBuf, batch_size: usize) -> PyResult<PyRecordBatchReader> {
    ParquetBatches::open(&path, batch_size)
        .map(|batches| PyRecordBatchReader::new(Box::new(batches)))
        .map_err(to_py_err)
}

/// The number of rows of a Parquet file (from its footer).
#[pyfunction]
pub fn parquet_row_count(path: PathBuf) -> PyResult<usize> {
    ParquetBatches::open(&path, 1)
        .map(|batches| batches.num_rows())
        .map_err(to_py_err)
}

/// The rows at ``indexes`` (0-based, any order) of a Parquet file: each its
/// event's JSON text (columns with no JSON form left out), or ``None`` and
/// why it has none.
#[pyfunction]
pub fn read_parquet_rows(
    py: Python<'_>,
    path: PathBuf,
    indexes: Vec<usize>,
) -> PyResult<Vec<(Option<String>, Option<String>)>> {
    let rows = py
        .detach(|| parquet_rows(&path, &indexes))
        .map_err(to_py_err)?;
    Ok(rows
        .into_iter()
        .map(|row| match row {
            Ok(text) => (Some(text), None),
            Err(reason) => (None, Some(reason)),
        })
        .collect())
}

/// A table header's key paths (``traits.email`` → ``("traits", "email")``);
/// ``ValueError`` when the names cannot give one object per row.
#[pyfunction]
pub fn nest_column_names(names: Vec<String>) -> PyResult<Vec<Vec<String>>> {
    nest_columns(&names).map_err(|e| PyValueError::new_err(e.to_string()))
}
