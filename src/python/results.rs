//! Result types returned to Python: single-call results and the per-record
//! `BatchReport`. Immutable, comparable, picklable, and `to_dict()`-able so
//! a report can go straight into JSON, an Airflow XCom or a log line.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use segment_sendgrid_core as core;

/// One record of a batch that was not accepted.
#[pyclass(
    frozen,
    get_all,
    eq,
    from_py_object,
    module = "segment_sendgrid._native"
)]
#[derive(Clone, PartialEq)]
pub struct RecordFailure {
    /// Position of the record in the input (0-based).
    index: usize,
    reason: String,
    /// HTTP status when SendGrid answered, else None.
    status_code: Option<u16>,
    /// The payload field at fault, when known.
    field: Option<String>,
    /// "invalid", "rejected", "not_sent" or "unknown" (may have been applied).
    outcome: String,
    /// Whether sending the record again later may succeed.
    retryable: bool,
}

#[pymethods]
impl RecordFailure {
    #[new]
    #[pyo3(signature = (index, reason, status_code=None, field=None, outcome="invalid".to_owned(), retryable=false))]
    #[pyo3(
        text_signature = "(index, reason, status_code=None, field=None, outcome='invalid', retryable=False)"
    )]
    fn new(
        index: usize,
        reason: String,
        status_code: Option<u16>,
        field: Option<String>,
        outcome: String,
        retryable: bool,
    ) -> Self {
        Self {
            index,
            reason,
            status_code,
            field,
            outcome,
            retryable,
        }
    }

    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("index", self.index)?;
        d.set_item("reason", &self.reason)?;
        d.set_item("status_code", self.status_code)?;
        d.set_item("field", &self.field)?;
        d.set_item("outcome", &self.outcome)?;
        d.set_item("retryable", self.retryable)?;
        Ok(d)
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            self.index,
            &self.reason,
            self.status_code,
            &self.field,
            &self.outcome,
            self.retryable,
        )
            .into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "RecordFailure(index={}, reason={:?}, status_code={}, field={}, outcome={:?}, retryable={})",
            self.index,
            self.reason,
            opt(&self.status_code),
            self.field.as_ref().map_or("None".into(), |f| format!("{f:?}")),
            self.outcome,
            if self.retryable { "True" } else { "False" },
        )
    }
}

impl From<core::RecordFailure> for RecordFailure {
    fn from(f: core::RecordFailure) -> Self {
        Self {
            index: f.index,
            reason: f.reason,
            status_code: f.status_code,
            field: f.field,
            outcome: f.outcome.as_str().to_owned(),
            retryable: f.retryable,
        }
    }
}

/// The final state of one contacts import job (`wait=True`).
#[pyclass(
    frozen,
    get_all,
    eq,
    from_py_object,
    module = "segment_sendgrid._native"
)]
#[derive(Clone, PartialEq)]
pub struct ImportJob {
    id: String,
    /// "pending", "completed", "errored", "failed", or "timeout".
    status: String,
    requested: u64,
    created: u64,
    updated: u64,
    errored: u64,
    errors_url: Option<String>,
}

#[pymethods]
impl ImportJob {
    #[new]
    #[pyo3(signature = (id, status, requested=0, created=0, updated=0, errored=0, errors_url=None))]
    fn new(
        id: String,
        status: String,
        requested: u64,
        created: u64,
        updated: u64,
        errored: u64,
        errors_url: Option<String>,
    ) -> Self {
        Self {
            id,
            status,
            requested,
            created,
            updated,
            errored,
            errors_url,
        }
    }

    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", &self.id)?;
        d.set_item("status", &self.status)?;
        d.set_item("requested", self.requested)?;
        d.set_item("created", self.created)?;
        d.set_item("updated", self.updated)?;
        d.set_item("errored", self.errored)?;
        d.set_item("errors_url", &self.errors_url)?;
        Ok(d)
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            &self.id,
            &self.status,
            self.requested,
            self.created,
            self.updated,
            self.errored,
            &self.errors_url,
        )
            .into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "ImportJob(id={:?}, status={:?}, requested={}, created={}, updated={}, errored={})",
            self.id, self.status, self.requested, self.created, self.updated, self.errored
        )
    }
}

impl From<core::ImportJob> for ImportJob {
    fn from(j: core::ImportJob) -> Self {
        Self {
            id: j.id,
            status: j.status,
            requested: j.requested,
            created: j.created,
            updated: j.updated,
            errored: j.errored,
            errors_url: j.errors_url,
        }
    }
}

fn opt<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "None".to_owned(), T::to_string)
}

/// Converts a list of pyclass values for a getter or `to_dict`.
pub fn list_of<'py, T>(py: Python<'py>, items: &[T]) -> PyResult<Bound<'py, PyList>>
where
    T: Clone + for<'a> IntoPyObject<'a>,
{
    PyList::new(py, items.iter().cloned())
}
