//! Tables in: rows of Arrow record batches read as events, without a
//! Python object per row.
//!
//! A row is an event whose keys are the column names (a dotted name nests,
//! [`columns`]); struct columns are objects, list columns arrays, map
//! columns objects. What a mapping reads is worked out once per schema
//! ([`RowPlan`]): only those columns (and struct fields) are read, and a
//! column it reads whose type has no JSON form is refused before any row
//! is. Each row is then written straight into a reused
//! [`JsonDoc`](crate::json_doc::JsonDoc), the form JSON text is parsed
//! into, so a table's rows go through exactly the code that JSON lines and
//! dicts do. Values JSON lacks (instants, dates, decimals) follow the one
//! rule of [`values`], which the Python converter follows too.

mod cell_values;
mod cells;
pub mod columns;
mod flat_rows;
mod parquet_file;
mod plan;
pub mod values;

pub use cells::BatchRows;
pub use columns::nest_columns;
pub use flat_rows::FlatRows;
pub use parquet_file::{parquet_rows, ParquetBatches};
pub use plan::RowPlan;

#[cfg(test)]
mod tests;
