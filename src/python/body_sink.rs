//! `on_request_body=`: a dry run's bodies handed to a Python callable as
//! each is made (in order) instead of kept in `report.request_bodies`, so a
//! dry run of any size holds one body at a time (the CLI's `--dry-run`
//! prints them so). An exception the callable raises stops the run, as
//! Ctrl-C does, and is raised with the report.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use segment_sendgrid_core::BodySink;
use segment_sendgrid_core::CancellationToken;

/// The callable of one call, and the exception it raised, if any.
#[derive(Default)]
pub struct PyBodySink {
    callback: Option<Arc<Py<PyAny>>>,
    error: Arc<Mutex<Option<PyErr>>>,
}

impl PyBodySink {
    /// `on_request_body` as given (`None`: bodies are kept in the report).
    pub fn new(callback: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let callback = callback.filter(|c| !c.is_none());
        if let Some(callback) = callback {
            if !callback.is_callable() {
                return Err(PyTypeError::new_err(
                    "on_request_body must be callable (it is given each body, a str)",
                ));
            }
        }
        Ok(Self {
            callback: callback.map(|c| Arc::new(c.clone().unbind())),
            error: Arc::default(),
        })
    }

    /// The core's sink for a run stopped by `stop`: calls the callable
    /// (taking the GIL), and on its first exception keeps it and stops the
    /// run; bodies made after that are dropped (nothing is sent anyway).
    pub fn sink(&self, stop: CancellationToken) -> Option<BodySink> {
        let callback = Arc::clone(self.callback.as_ref()?);
        let error = Arc::clone(&self.error);
        Some(Arc::new(move |body: String| {
            if stop.is_cancelled() {
                return;
            }
            Python::attach(|py| {
                if let Err(raised) = callback.call1(py, (body,)) {
                    let mut slot = error.lock().unwrap_or_else(|e| e.into_inner());
                    slot.get_or_insert(raised);
                    stop.cancel();
                }
            });
        }))
    }

    /// The exception the callable raised, once the run is over.
    pub fn take_error(&self) -> Option<PyErr> {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}
