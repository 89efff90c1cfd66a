//! The one conversion from the core `Error` to a Python exception. The
//! classes are defined in Python (`segment_sendgrid/errors.py`) because they
//! need multiple inheritance (`ConfigError(SendGridError, ValueError)`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyModule};
use segment_sendgrid_core::{ApiErrorDetail, Error};

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Converts a core error into the matching `segment_sendgrid` exception.
pub fn to_py_err(error: Error) -> PyErr {
    Python::attach(|py| build(py, &error).unwrap_or_else(|failure| failure))
}

fn class_for(error: &Error) -> &'static str {
    match error {
        Error::Config(_) => "ConfigError",
        Error::Mapping(_) => "MappingError",
        Error::PayloadValidation { .. } => "PayloadValidationError",
        Error::Limit { .. } => "LimitExceededError",
        Error::Transport { .. } => "TransportError",
        Error::Api { status, .. } => match status {
            401 => "AuthenticationError",
            403 => "ForbiddenError",
            413 => "PayloadTooLargeError",
            429 => "RateLimitError",
            500..=599 => "ServerError",
            _ => "ApiError",
        },
    }
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let module = ERRORS_MODULE.get_or_try_init(py, || {
        PyModule::import(py, "segment_sendgrid.errors").map(Bound::unbind)
    })?;
    let class = module.bind(py).getattr(class_for(error))?;
    let kwargs = PyDict::new(py);
    match error {
        Error::Config(_) | Error::Mapping(_) => {}
        Error::PayloadValidation { field, .. } => kwargs.set_item("field", field)?,
        Error::Transport { maybe_sent, .. } => kwargs.set_item("maybe_sent", maybe_sent)?,
        Error::Limit { count, limit, .. } => {
            kwargs.set_item("count", count)?;
            kwargs.set_item("limit", limit)?;
        }
        Error::Api {
            status,
            errors,
            body,
            reset_at,
            ..
        } => {
            kwargs.set_item("status_code", status)?;
            kwargs.set_item("errors", details_to_list(py, errors)?)?;
            kwargs.set_item("body", body)?;
            if *status == 429 {
                kwargs.set_item("reset_at", reset_at)?;
            }
        }
    }
    let instance = class.call((error.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

fn details_to_list<'py>(
    py: Python<'py>,
    errors: &[ApiErrorDetail],
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for detail in errors {
        let item = PyDict::new(py);
        item.set_item("message", &detail.message)?;
        item.set_item("field", &detail.field)?;
        list.append(item)?;
    }
    Ok(list)
}
