//! `FakeSendGrid`: the Python face of the core emulator. The server runs on
//! the library's tokio runtime of the process that started it; Python
//! arguments are converted before anything blocks, and blocking calls
//! release the GIL. In a forked child the parent's server does not run:
//! using it there raises (see `process`); `start()` serves anew.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use segment_sendgrid_emulator::{
    EmulatorError, EmulatorHandle, EmulatorOptions, FakeSendGrid as CoreFakeSendGrid, VersionSpec,
};
use serde_json::Value;

use crate::process::ProcessBound;
use crate::runtime::runtime;

fn to_py(error: EmulatorError) -> PyErr {
    match error {
        EmulatorError::InvalidArgument(message) => PyValueError::new_err(message),
        EmulatorError::Io(message) => PyOSError::new_err(message),
    }
}

/// A non-negative int that fits `T`, with the parameter named in the error.
fn bounded<T: TryFrom<i64>>(value: i64, name: &str, max: &str) -> PyResult<T> {
    T::try_from(value)
        .ok()
        .filter(|_| value >= 0)
        .ok_or_else(|| PyValueError::new_err(format!("{name} must be 0 to {max}, got {value}")))
}

fn to_python(py: Python<'_>, values: &[Value]) -> PyResult<Py<PyAny>> {
    Ok(pythonize::pythonize(py, values)?.unbind())
}

/// A SendGrid look-alike served from Rust on 127.0.0.1 (see the docs of
/// `segment_sendgrid.testing`), only in the process that started it.
#[pyclass(module = "segment_sendgrid._native", frozen)]
pub struct FakeSendGrid {
    options: EmulatorOptions,
    /// Locked only while attached, never across a detach (fork safety).
    handle: Mutex<Option<ProcessBound<Arc<EmulatorHandle>>>>,
}

impl FakeSendGrid {
    /// The server, if it was started in this process and not stopped.
    fn serving(&self) -> Option<Arc<EmulatorHandle>> {
        let guard = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().and_then(ProcessBound::get).cloned()
    }

    /// The id of the process that started the server, if not this one.
    fn started_elsewhere(&self) -> Option<u32> {
        let guard = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|handle| handle.is_foreign())
            .map(ProcessBound::pid)
    }

    /// The running server, or a clear error before `start()`, after
    /// `stop()`, or in a process forked from the one that started it.
    fn running(&self) -> PyResult<Arc<EmulatorHandle>> {
        if let Some(handle) = self.serving() {
            return Ok(handle);
        }
        Err(PyRuntimeError::new_err(match self.started_elsewhere() {
            Some(pid) => format!(
                "FakeSendGrid is not running in this process: it was started in process {pid}, \
                 which this one was forked from, and serves only there; start a FakeSendGrid here"
            ),
            None => {
                "FakeSendGrid is not running: call start() or use it as a context manager".into()
            }
        }))
    }

    fn start_server(&self, py: Python<'_>) -> PyResult<()> {
        if self.serving().is_some() {
            return Err(PyRuntimeError::new_err("FakeSendGrid is already running"));
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(PyRuntimeError::new_err(
                "FakeSendGrid.start() cannot run inside the library's async runtime",
            ));
        }
        let runtime = runtime(py)?;
        let options = self.options.clone();
        let handle = py
            .detach(|| runtime.block_on(CoreFakeSendGrid::start(options)))
            .map_err(to_py)?;
        let mut guard = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_some_and(|own| own.get().is_some()) {
            // Another thread started it meanwhile: this server is not needed.
            drop(guard);
            py.detach(|| handle.stop());
            return Err(PyRuntimeError::new_err("FakeSendGrid is already running"));
        }
        // A server of the process this one was forked from is leaked, not stopped.
        *guard = Some(ProcessBound::new(Arc::new(handle)));
        Ok(())
    }
}

#[pymethods]
impl FakeSendGrid {
    #[new]
    #[pyo3(signature = (*, api_key = "SG.fake-key", scopes = None, port = 0, latency_ms = 0, import_delay_ms = 0))]
    fn new(
        api_key: &str,
        scopes: Option<Vec<String>>,
        port: i64,
        latency_ms: i64,
        import_delay_ms: i64,
    ) -> PyResult<Self> {
        let options = EmulatorOptions {
            api_key: api_key.to_owned(),
            scopes,
            port: bounded(port, "port", "65535")?,
            latency_ms: bounded(latency_ms, "latency_ms", "2**63-1")?,
            import_delay_ms: bounded(import_delay_ms, "import_delay_ms", "2**63-1")?,
        };
        if options.api_key.trim().is_empty() {
            return Err(PyValueError::new_err("api_key must not be empty"));
        }
        Ok(Self {
            options,
            handle: Mutex::new(None),
        })
    }

    /// Binds 127.0.0.1 and starts serving; returns self.
    fn start(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        slf.get().start_server(slf.py())?;
        Ok(slf)
    }

    /// Stops serving; returns once the port is released. Idempotent.
    fn stop(&self, py: Python<'_>) {
        let handle = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take();
        // In a forked child the parent's server is not stopped (it is not here).
        if let Some(handle) = handle.and_then(ProcessBound::take) {
            py.detach(|| handle.stop());
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        Self::start(slf)
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        self.stop(py);
        false
    }

    #[getter]
    fn url(&self) -> PyResult<String> {
        Ok(self.running()?.url())
    }

    #[getter]
    fn port(&self) -> PyResult<u16> {
        Ok(self.running()?.port())
    }

    #[getter]
    fn api_key(&self) -> String {
        self.options.api_key.trim().to_owned()
    }

    #[getter(running)]
    fn running_state(&self) -> bool {
        self.serving().is_some_and(|h| h.is_running())
    }

    /// A `segment_sendgrid.Client` pointed at this emulator.
    #[pyo3(signature = (**kwargs))]
    fn client<'py>(
        &self,
        py: Python<'py>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let url = self.running()?.url();
        let arguments = PyDict::new(py);
        if let Some(kwargs) = kwargs {
            for name in ["api_key", "endpoint"] {
                if kwargs.contains(name)? {
                    return Err(PyTypeError::new_err(format!(
                        "client() sets {name} itself; pass the other Client arguments only"
                    )));
                }
            }
            arguments.update(kwargs.as_mapping())?;
        }
        arguments.set_item("api_key", self.api_key())?;
        arguments.set_item("endpoint", url)?;
        let class = py.import("segment_sendgrid")?.getattr("Client")?;
        class.call((), Some(&arguments))
    }

    #[pyo3(signature = (name, field_type = "Text"))]
    fn add_custom_field(&self, name: &str, field_type: &str) -> PyResult<String> {
        self.running()?
            .add_custom_field(name, field_type)
            .map_err(to_py)
    }

    fn add_list(&self, name: &str) -> PyResult<String> {
        self.running()?.add_list(name).map_err(to_py)
    }

    #[pyo3(signature = (name, versions = None, generation = "dynamic"))]
    fn add_template(
        &self,
        name: &str,
        versions: Option<&Bound<'_, PyList>>,
        generation: &str,
    ) -> PyResult<String> {
        let specs = match versions {
            None => default_versions(name),
            Some(list) => version_specs(list)?,
        };
        self.running()?
            .add_template(name, specs, generation)
            .map_err(to_py)
    }

    fn add_ip_pool(&self, name: &str) -> PyResult<()> {
        self.running()?.add_ip_pool(name).map_err(to_py)
    }

    fn add_suppression_group(&self, name: &str) -> PyResult<i64> {
        self.running()?.add_suppression_group(name).map_err(to_py)
    }

    #[pyo3(signature = (domain, valid = true))]
    fn add_domain(&self, domain: &str, valid: bool) -> PyResult<i64> {
        self.running()?.add_domain(domain, valid).map_err(to_py)
    }

    fn contacts(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_python(py, &self.running()?.contacts())
    }

    fn messages(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_python(py, &self.running()?.messages())
    }

    fn requests(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_python(py, &self.running()?.requests())
    }

    fn import_jobs(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_python(py, &self.running()?.import_jobs())
    }

    fn reset(&self) -> PyResult<()> {
        self.running()?.reset();
        Ok(())
    }

    #[pyo3(signature = (path, status = 500, count = 1, body = None, after_processing = false))]
    fn fail_next(
        &self,
        path: &str,
        status: i64,
        count: i64,
        body: Option<&Bound<'_, PyAny>>,
        after_processing: bool,
    ) -> PyResult<()> {
        let body: Option<Value> = match body {
            None => None,
            Some(obj) => Some(pythonize::depythonize(obj).map_err(|e| {
                PyTypeError::new_err(format!("body must be JSON-serializable or a str: {e}"))
            })?),
        };
        let status = bounded(status, "status", "599")?;
        let count = bounded(count, "count", "2**32-1")?;
        self.running()?
            .fail_next(path, status, count, body, after_processing)
            .map_err(to_py)
    }

    #[pyo3(signature = (path, count = 1))]
    fn drop_next(&self, path: &str, count: i64) -> PyResult<()> {
        let count = bounded(count, "count", "2**32-1")?;
        self.running()?.drop_next(path, count).map_err(to_py)
    }

    fn set_latency(&self, ms: i64) -> PyResult<()> {
        let ms = bounded(ms, "ms", "2**63-1")?;
        self.running()?.set_latency(ms);
        Ok(())
    }

    /// Origin of download links: import jobs' `errors_url`, exports' `urls`
    /// (None: back to `url`).
    fn set_download_base(&self, base: Option<String>) -> PyResult<()> {
        self.running()?.set_download_base(base).map_err(to_py)
    }

    /// Split size of contact export files in bytes (None: the request's
    /// `max_file_size` MB).
    fn set_export_file_bytes(&self, size: Option<i64>) -> PyResult<()> {
        let size = match size {
            None => None,
            Some(b) if b < 1 => {
                let message = format!("size must be at least 1, got {b}");
                return Err(PyValueError::new_err(message));
            }
            Some(b) => Some(bounded::<usize>(b, "size", "2**63-1")?),
        };
        self.running()?.set_export_file_bytes(size).map_err(to_py)
    }

    #[pyo3(signature = (limit, window_s, path = None))]
    fn set_rate_limit(&self, limit: i64, window_s: f64, path: Option<&str>) -> PyResult<()> {
        let limit = bounded(limit, "limit", "2**63-1")?;
        self.running()?
            .set_rate_limit(limit, window_s, path)
            .map_err(to_py)
    }

    fn __repr__(&self) -> String {
        match self.serving() {
            Some(handle) => format!("FakeSendGrid(url={:?}, running=True)", handle.url()),
            None => "FakeSendGrid(running=False)".to_owned(),
        }
    }
}

/// One active version whose subject and body show the template's name.
fn default_versions(name: &str) -> Vec<VersionSpec> {
    vec![VersionSpec {
        name: format!("{name} v1"),
        subject: name.to_owned(),
        html_content: format!("<p>{name}</p>"),
        plain_content: name.to_owned(),
        active: true,
    }]
}

const VERSION_KEYS: [&str; 5] = ["name", "subject", "html_content", "plain_content", "active"];

/// Dicts with the keys of `VERSION_KEYS`; missing texts are empty, and when
/// no version says `active`, the first one is (as on SendGrid).
fn version_specs(list: &Bound<'_, PyList>) -> PyResult<Vec<VersionSpec>> {
    let mut specs = Vec::with_capacity(list.len());
    let mut any_active_key = false;
    for (i, item) in list.iter().enumerate() {
        let dict = item
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err(format!("versions[{i}] must be a dict")))?;
        let mut spec = VersionSpec {
            name: format!("v{}", i + 1),
            ..VersionSpec::default()
        };
        for (key, value) in dict.iter() {
            let key: String = key
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("versions[{i}] keys must be str")))?;
            let text = || -> PyResult<String> {
                Ok(value
                    .cast::<PyString>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!("versions[{i}][{key:?}] must be a str"))
                    })?
                    .to_cow()?
                    .into_owned())
            };
            match key.as_str() {
                "name" => spec.name = text()?,
                "subject" => spec.subject = text()?,
                "html_content" => spec.html_content = text()?,
                "plain_content" => spec.plain_content = text()?,
                "active" => {
                    any_active_key = true;
                    spec.active = if value.is_instance_of::<PyBool>() {
                        value.extract::<bool>()?
                    } else {
                        match value.extract::<i64>() {
                            Ok(0) => false,
                            Ok(1) => true,
                            _ => {
                                return Err(PyTypeError::new_err(format!(
                                    "versions[{i}][\"active\"] must be a bool (or 0/1)"
                                )))
                            }
                        }
                    }
                }
                other => {
                    return Err(PyValueError::new_err(format!(
                        "versions[{i}] has unknown key {other:?}; allowed: {}",
                        VERSION_KEYS.join(", ")
                    )))
                }
            }
        }
        specs.push(spec);
    }
    if !any_active_key {
        if let Some(first) = specs.first_mut() {
            first.active = true;
        }
    }
    Ok(specs)
}
