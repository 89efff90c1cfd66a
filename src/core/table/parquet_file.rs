//! Parquet files as streams of record batches (arrow-rs `parquet`), read
//! one row group at a time, a batch at a time within it: a file of any size
//! takes the memory of one batch and the pages being decoded, and a row
//! group that cannot be read stops the stream after the ones before it.
//! And the rows of a file picked by position, as events, for the records a
//! run reports failed.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder, RowSelection,
};

use super::plan::RowPlan;
use crate::error::Error;
use crate::json_doc::DocWriter;

/// A Parquet file's batches, in order; see the module docs.
pub struct ParquetBatches {
    file: File,
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    batch_size: usize,
    next_group: usize,
    current: Option<ParquetRecordBatchReader>,
}

fn open(path: &Path) -> Result<(File, ArrowReaderMetadata), Error> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| Error::config(format!("cannot read {shown}: {e}")))?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
        .map_err(|e| Error::config(format!("{shown}: not a Parquet file we can read: {e}")))?;
    Ok((file, metadata))
}

fn builder(
    file: &File,
    path: &Path,
    metadata: &ArrowReaderMetadata,
) -> Result<ParquetRecordBatchReaderBuilder<File>, Error> {
    let file = file
        .try_clone()
        .map_err(|e| Error::config(format!("cannot read {}: {e}", path.display())))?;
    Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(
        file,
        metadata.clone(),
    ))
}

impl ParquetBatches {
    /// Opens `path` for reading `batch_size` rows at a time.
    pub fn open(path: &Path, batch_size: usize) -> Result<Self, Error> {
        let (file, metadata) = open(path)?;
        Ok(Self {
            file,
            path: path.to_owned(),
            metadata,
            batch_size: batch_size.max(1),
            next_group: 0,
            current: None,
        })
    }

    /// Rows in the file (from its footer).
    pub fn num_rows(&self) -> usize {
        usize::try_from(self.metadata.metadata().file_metadata().num_rows()).unwrap_or(0)
    }

    fn next_group(&mut self) -> Option<Result<ParquetRecordBatchReader, ArrowError>> {
        if self.next_group >= self.metadata.metadata().num_row_groups() {
            return None;
        }
        let group = self.next_group;
        self.next_group += 1;
        let reader = builder(&self.file, &self.path, &self.metadata)
            .map_err(|e| ArrowError::ExternalError(Box::new(e)))
            .and_then(|b| {
                b.with_row_groups(vec![group])
                    .with_batch_size(self.batch_size)
                    .build()
                    .map_err(|e| ArrowError::ParquetError(format!("row group {group}: {e}")))
            });
        Some(reader)
    }
}

impl Iterator for ParquetBatches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(reader) = &mut self.current {
                match reader.next() {
                    Some(batch) => return Some(batch),
                    None => self.current = None,
                }
            }
            match self.next_group()? {
                Ok(reader) => self.current = Some(reader),
                Err(err) => {
                    // Nothing is read past a row group that cannot be.
                    self.next_group = usize::MAX;
                    return Some(Err(err));
                }
            }
        }
    }
}

impl RecordBatchReader for ParquetBatches {
    fn schema(&self) -> SchemaRef {
        self.metadata.schema().clone()
    }
}

/// The rows at `indexes` (0-based, any order) of a Parquet file, each as
/// its event's JSON text, or why it has none (a cell with no JSON form, or
/// no such row). Columns with no JSON form are left out of the events.
pub fn parquet_rows(path: &Path, indexes: &[usize]) -> Result<Vec<Result<String, String>>, Error> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    let (file, metadata) = open(path)?;
    let plan = RowPlan::readable(metadata.schema())?;
    let total = usize::try_from(metadata.metadata().file_metadata().num_rows()).unwrap_or(0);
    let mut wanted: Vec<usize> = indexes.iter().copied().filter(|&i| i < total).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let selection = RowSelection::from_consecutive_ranges(wanted.iter().map(|&i| i..i + 1), total);
    let reader = builder(&file, path, &metadata)?
        .with_row_selection(selection)
        .with_batch_size(1024)
        .build()
        .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
    let mut found = Vec::with_capacity(wanted.len());
    let mut out = DocWriter::new();
    for batch in reader {
        let batch = batch.map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
        let bound = plan.bind(&batch)?;
        for row in 0..bound.len() {
            found.push(match bound.write_row(row, &mut out) {
                Ok(()) => serde_json::to_string(&out.finish().root()).map_err(|e| e.to_string()),
                Err(err) => Err(err.into_reason()),
            });
        }
    }
    Ok(indexes
        .iter()
        .map(|index| match wanted.binary_search(index) {
            Ok(at) if at < found.len() => found[at].clone(),
            _ => Err(format!("the file has no row {}", index + 1)),
        })
        .collect())
}
