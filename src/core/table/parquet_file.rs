//! Parquet files as streams of record batches (arrow-rs `parquet`): read
//! row group by row group, a batch at a time, so a file of any size takes
//! the memory of one batch and the pages being decoded. And the rows of a
//! file picked by position, as events, for the records a run reports failed.

use std::fs::File;
use std::path::Path;

use arrow_array::{RecordBatch, RecordBatchReader};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReaderBuilder, RowSelection};

use super::plan::RowPlan;
use crate::error::Error;
use crate::json_doc::{DocWriter, PathTrie};

/// A Parquet file's batches, in order.
pub type ParquetBatches = Box<dyn RecordBatchReader + Send>;

fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, Error> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| Error::config(format!("cannot read {shown}: {e}")))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::config(format!("{shown}: not a Parquet file we can read: {e}")))
}

impl RowPlan {
    /// Opens `path` for reading `batch_size` rows at a time.
    pub fn parquet_batches(path: &Path, batch_size: usize) -> Result<ParquetBatches, Error> {
        let reader = open(path)?
            .with_batch_size(batch_size.max(1))
            .build()
            .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
        Ok(Box::new(reader))
    }
}

/// The rows at `indexes` (ascending, 0-based) of a Parquet file, each as its
/// event's JSON text, or why it has none (a cell with no JSON form).
pub fn parquet_rows(path: &Path, indexes: &[usize]) -> Result<Vec<Result<String, String>>, Error> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let builder = open(path)?;
    let mut whole = PathTrie::default();
    whole.insert::<&str>(&[]);
    let plan = RowPlan::new(builder.schema(), &whole)?;
    let total = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let wanted: Vec<usize> = indexes.iter().copied().filter(|&i| i < total).collect();
    let selection = RowSelection::from_consecutive_ranges(wanted.iter().map(|&i| i..i + 1), total);
    let reader = builder
        .with_row_selection(selection)
        .with_batch_size(1024)
        .build()
        .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
    let mut rows = Vec::with_capacity(indexes.len());
    let mut out = DocWriter::new();
    for batch in reader {
        let batch: RecordBatch =
            batch.map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
        let bound = plan.bind(&batch)?;
        for row in 0..bound.len() {
            rows.push(match bound.write_row(row, &mut out) {
                Ok(()) => serde_json::to_string(&out.finish().root()).map_err(|e| e.to_string()),
                Err(err) => Err(err.into_reason()),
            });
        }
    }
    // Positions past the end (none, for a report of this file) have no row.
    rows.resize_with(indexes.len(), || Err("no such row in the file".to_owned()));
    Ok(rows)
}
