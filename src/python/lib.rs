//! `segment_sendgrid._native`: the PyO3 bindings over `segment_sendgrid_core`.
//!
//! This layer only converts: Python arguments into core values (before the
//! GIL is released or a future is entered), core results into Python
//! objects, and core errors into the exception classes of
//! `segment_sendgrid.errors`.

mod actions;
mod arguments;
mod async_batch;
mod async_client_actions;
mod awaitables;
mod batch_input;
mod batch_outcome;
mod batch_report;
mod body_sink;
mod client;
mod client_actions;
mod convert;
mod direct;
mod emulator;
mod errors;
mod flat_contacts;
mod iterable_input;
mod list_actions;
mod logging;
mod mapping;
mod mapping_cache;
mod process;
mod results;
mod runtime;
mod table_files;
mod table_input;

use pyo3::prelude::*;

/// Allocations cross threads (built under the GIL, freed by the runtime):
/// mimalloc's per-thread heaps avoid the glibc arena lock contention.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Version of the package, taken from the crate (maturin uses the same).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", VERSION)?;
    // The package warns at import when this is true: debug builds are ~20x slower.
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_class::<mapping::Mapping>()?;
    m.add_function(wrap_pyfunction!(mapping::transform, m)?)?;
    m.add_function(wrap_pyfunction!(mapping::default_mapping, m)?)?;
    m.add_function(wrap_pyfunction!(table_files::read_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(table_files::read_parquet_rows, m)?)?;
    m.add_function(wrap_pyfunction!(table_files::parquet_row_count, m)?)?;
    m.add_function(wrap_pyfunction!(table_files::nest_column_names, m)?)?;
    m.add_class::<emulator::FakeSendGrid>()?;
    m.add_class::<results::RecordFailure>()?;
    m.add_class::<results::ImportJob>()?;
    m.add_class::<batch_report::BatchReport>()?;
    m.add_class::<batch_report::UpsertResult>()?;
    m.add_class::<batch_report::SendResult>()?;
    Ok(())
}
