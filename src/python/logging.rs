//! Rust's `log` records go to Python's `logging` through `pyo3-log`, under
//! the `segment_sendgrid` logger (targets `segment_sendgrid::client` become
//! `segment_sendgrid.client`, and so on).
//!
//! pyo3-log caches each logger's level so a disabled level costs no GIL.
//! The cache is dropped at the start of every call into the library, so a
//! `logging` configuration made after import (or changed between calls)
//! takes effect on the next call.

use std::sync::OnceLock;

use pyo3_log::ResetHandle;

static HANDLE: OnceLock<Option<ResetHandle>> = OnceLock::new();

/// Installs the bridge (once; if another extension installed a `log`
/// logger first, this one stays silent rather than failing the import).
pub fn install() {
    HANDLE.get_or_init(|| pyo3_log::try_init().ok());
}

/// Forgets cached levels, so the current `logging` configuration applies.
pub fn refresh() {
    if let Some(Some(handle)) = HANDLE.get() {
        handle.reset();
    }
}
