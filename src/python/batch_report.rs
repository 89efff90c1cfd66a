//! `BatchReport`, `UpsertResult` and `SendResult` as Python classes.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use segment_sendgrid_core as core;

use crate::results::{list_of, ImportJob, RecordFailure};

/// The result of a batch call. Invariant: ``accepted + len(failed) == total``
/// and every input index is either accepted or appears once in ``failed``.
#[pyclass(frozen, get_all, eq, module = "segment_sendgrid._native")]
#[derive(Clone, PartialEq)]
pub struct BatchReport {
    total: usize,
    accepted: usize,
    /// Records not accepted, sorted by index.
    failed: Vec<RecordFailure>,
    /// Upserts: the job id of every accepted request.
    job_ids: Vec<String>,
    /// Sends: one entry per input record, the X-Message-Id or None.
    message_ids: Vec<Option<String>>,
    /// HTTP requests sent, retries included.
    requests: u64,
    /// Of which repeats of an earlier attempt.
    retries: u64,
    /// Upserts with ``wait=True``: the final state of each import job.
    imports: Vec<ImportJob>,
    /// ``dry_run=True``: the exact body of each request that would have been
    /// sent, in order; empty otherwise.
    request_bodies: Vec<String>,
    /// Sync List: members removed from the list (a dry run: that would be).
    removed: u64,
    /// Sync List mirror: members a removal request failed for.
    not_removed: u64,
    /// Delete Contacts: contacts deleted (a dry run: that would be).
    deleted: u64,
}

#[pymethods]
impl BatchReport {
    #[new]
    #[pyo3(signature = (total=0, accepted=0, failed=Vec::new(), job_ids=Vec::new(), message_ids=Vec::new(), requests=0, retries=0, imports=Vec::new(), request_bodies=Vec::new(), removed=0, not_removed=0, deleted=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        total: usize,
        accepted: usize,
        failed: Vec<RecordFailure>,
        job_ids: Vec<String>,
        message_ids: Vec<Option<String>>,
        requests: u64,
        retries: u64,
        imports: Vec<ImportJob>,
        request_bodies: Vec<String>,
        removed: u64,
        not_removed: u64,
        deleted: u64,
    ) -> Self {
        Self {
            total,
            accepted,
            failed,
            job_ids,
            message_ids,
            requests,
            retries,
            imports,
            request_bodies,
            removed,
            not_removed,
            deleted,
        }
    }

    /// A JSON-serialisable dict of the whole report (for XCom, logs, files).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("total", self.total)?;
        d.set_item("accepted", self.accepted)?;
        let failed = self
            .failed
            .iter()
            .map(|f| f.to_dict(py))
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("failed", failed)?;
        d.set_item("job_ids", &self.job_ids)?;
        d.set_item("message_ids", &self.message_ids)?;
        d.set_item("requests", self.requests)?;
        d.set_item("retries", self.retries)?;
        let imports = self
            .imports
            .iter()
            .map(|j| j.to_dict(py))
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("imports", imports)?;
        d.set_item("request_bodies", &self.request_bodies)?;
        d.set_item("removed", self.removed)?;
        d.set_item("not_removed", self.not_removed)?;
        d.set_item("deleted", self.deleted)?;
        Ok(d)
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items: [Bound<'py, PyAny>; 12] = [
            self.total.into_pyobject(py)?.into_any(),
            self.accepted.into_pyobject(py)?.into_any(),
            list_of(py, &self.failed)?.into_any(),
            self.job_ids.clone().into_pyobject(py)?.into_any(),
            self.message_ids.clone().into_pyobject(py)?.into_any(),
            self.requests.into_pyobject(py)?.into_any(),
            self.retries.into_pyobject(py)?.into_any(),
            list_of(py, &self.imports)?.into_any(),
            self.request_bodies.clone().into_pyobject(py)?.into_any(),
            self.removed.into_pyobject(py)?.into_any(),
            self.not_removed.into_pyobject(py)?.into_any(),
            self.deleted.into_pyobject(py)?.into_any(),
        ];
        PyTuple::new(py, items)
    }

    fn __repr__(&self) -> String {
        format!(
            "BatchReport(total={}, accepted={}, failed={}, requests={}, retries={})",
            self.total,
            self.accepted,
            self.failed.len(),
            self.requests,
            self.retries
        )
    }
}

impl From<core::BatchReport> for BatchReport {
    fn from(r: core::BatchReport) -> Self {
        Self {
            total: r.total,
            accepted: r.accepted,
            failed: r.failed.into_iter().map(Into::into).collect(),
            job_ids: r.job_ids,
            message_ids: r.message_ids,
            requests: r.requests,
            retries: r.retries,
            imports: r.imports.into_iter().map(Into::into).collect(),
            request_bodies: r.request_bodies,
            removed: r.removed,
            not_removed: r.not_removed,
            deleted: r.deleted,
        }
    }
}

/// The result of a single ``upsert_contact``: SendGrid queued an import job.
#[pyclass(frozen, get_all, eq, module = "segment_sendgrid._native")]
#[derive(Clone, PartialEq)]
pub struct UpsertResult {
    job_id: String,
    status_code: u16,
}

#[pymethods]
impl UpsertResult {
    #[new]
    fn new(job_id: String, status_code: u16) -> Self {
        Self {
            job_id,
            status_code,
        }
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.job_id, self.status_code).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "UpsertResult(job_id={:?}, status_code={})",
            self.job_id, self.status_code
        )
    }
}

/// The result of a single ``send_dynamic_template`` (sandbox sends answer 200).
#[pyclass(frozen, get_all, eq, module = "segment_sendgrid._native")]
#[derive(Clone, PartialEq)]
pub struct SendResult {
    message_id: Option<String>,
    status_code: u16,
}

#[pymethods]
impl SendResult {
    #[new]
    #[pyo3(signature = (message_id, status_code))]
    fn new(message_id: Option<String>, status_code: u16) -> Self {
        Self {
            message_id,
            status_code,
        }
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.message_id, self.status_code).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        let id = self
            .message_id
            .as_ref()
            .map_or("None".into(), |m| format!("{m:?}"));
        format!(
            "SendResult(message_id={id}, status_code={})",
            self.status_code
        )
    }
}

impl From<segment_sendgrid_core::UpsertResult> for UpsertResult {
    fn from(r: segment_sendgrid_core::UpsertResult) -> Self {
        Self {
            job_id: r.job_id,
            status_code: r.status_code,
        }
    }
}

impl From<segment_sendgrid_core::SendResult> for SendResult {
    fn from(r: segment_sendgrid_core::SendResult) -> Self {
        Self {
            message_id: r.message_id,
            status_code: r.status_code,
        }
    }
}
