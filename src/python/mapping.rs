//! `Mapping`, `transform` and `default_mapping`: Segment mapping-kit from
//! Python. Records are converted only along the paths the mapping reads, and
//! the mapping itself runs with the GIL released.

use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pythonize::pythonize;
use segment_sendgrid_core as core;
use serde_json::Value;

use crate::convert::Converter;
use crate::direct::DirectPlan;
use crate::errors::to_py_err;
use crate::mapping_cache::{self, Purpose};

/// A Segment mapping compiled once, applied to many records.
///
/// ``mapping`` is the JSON of ``@path``, ``@if``, ``@template`` … directives
/// that Segment uses. Invalid mappings raise ``MappingError`` naming the path
/// of the bad part.
#[pyclass(frozen, module = "segment_sendgrid._native")]
pub struct Mapping {
    inner: Arc<CompiledMapping>,
    /// The mapping over each action's defaults (or alone), compiled the
    /// first time a client call takes it: indexed by purpose - 1.
    effective: [OnceLock<Arc<CompiledMapping>>; 4],
}

/// A compiled mapping with what the bindings need to feed it: the source
/// (for repr, pickling and merging over defaults) and the paths it reads.
pub struct CompiledMapping {
    pub compiled: core::Mapping,
    pub source: Value,
    /// The mapping as dict lookups, when it is only that.
    direct: Option<DirectPlan>,
}

impl CompiledMapping {
    pub fn compile(py: Python<'_>, source: Value) -> PyResult<Self> {
        let compiled = core::Mapping::compile(&source).map_err(to_py_err)?;
        let direct = compiled.field_plan().map(|plan| DirectPlan::new(py, &plan));
        Ok(Self {
            compiled,
            source,
            direct,
        })
    }

    /// Maps one Python record to a Python value. The result is built straight
    /// from the mapping's borrowed output, with no intermediate JSON tree.
    pub fn apply_to_python<'py>(
        &self,
        converter: &mut Converter<'py>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = record.py();
        if let Some(direct) = &self.direct {
            if let Some(mapped) = direct.apply(record)? {
                return Ok(mapped);
            }
        }
        let input = self.convert_record(converter, record)?;
        match self.compiled.apply_borrowed(&input).map_err(to_py_err)? {
            Some(mapped) => Ok(pythonize(py, &mapped)?),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// Converts the part of `record` this mapping reads.
    pub fn convert_record<'py>(
        &self,
        converter: &mut Converter<'py>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Value> {
        converter.convert_projected(record, self.compiled.reads())
    }

    /// The mapping as dict lookups, when it is only that.
    pub fn direct(&self) -> Option<&DirectPlan> {
        self.direct.as_ref()
    }
}

impl Mapping {
    fn from_compiled(inner: Arc<CompiledMapping>) -> Self {
        Self {
            inner,
            effective: Default::default(),
        }
    }

    /// What a client call runs for this mapping and `purpose` (an action,
    /// over its defaults or not), compiled once per `Mapping` object.
    pub fn effective(
        &self,
        purpose: Purpose,
        compile: impl FnOnce(&Value) -> PyResult<CompiledMapping>,
    ) -> PyResult<Arc<CompiledMapping>> {
        let Some(cell) = self.effective.get(usize::from(purpose).wrapping_sub(1)) else {
            return Ok(Arc::new(compile(&self.inner.source)?));
        };
        if let Some(compiled) = cell.get() {
            return Ok(Arc::clone(compiled));
        }
        let compiled = Arc::new(compile(&self.inner.source)?);
        Ok(Arc::clone(cell.get_or_init(|| compiled)))
    }
}

#[pymethods]
impl Mapping {
    #[new]
    fn new(mapping: &Bound<'_, PyAny>) -> PyResult<Self> {
        let source = Converter::new(mapping.py()).convert(mapping)?;
        let compiled = CompiledMapping::compile(mapping.py(), source)?;
        Ok(Self::from_compiled(Arc::new(compiled)))
    }

    /// Maps one record (a dict or any Mapping).
    fn apply<'py>(&self, record: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        self.inner
            .apply_to_python(&mut Converter::new(record.py()), record)
    }

    /// Maps every record of an iterable; returns a list in input order.
    fn apply_many<'py>(&self, records: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let py = records.py();
        let out = PyList::empty(py);
        let mut converter = Converter::new(py);
        for (index, record) in records.try_iter()?.enumerate() {
            let mapped = self
                .inner
                .apply_to_python(&mut converter, &record?)
                .map_err(|e| prefix_error(py, e, index))?;
            out.append(mapped)?;
        }
        Ok(out)
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, [pythonize(py, &self.inner.source)?])
    }

    fn __repr__(&self) -> String {
        let fields: Vec<String> = match &self.inner.source {
            Value::Object(map) => map.keys().map(|k| format!("{k:?}")).collect(),
            other => vec![other.to_string()],
        };
        let mut reads: Vec<String> = self
            .inner
            .compiled
            .input_paths()
            .iter()
            .map(|path| {
                let keys: Vec<&str> = path.iter().map(|s| s.key()).collect();
                if keys.is_empty() {
                    "$".to_owned()
                } else {
                    format!("$.{}", keys.join("."))
                }
            })
            .collect();
        reads.sort();
        reads.dedup();
        format!("Mapping(fields=[{}], reads={reads:?})", fields.join(", "))
    }
}

/// Prefixes an error message with the record index, keeping its class.
fn prefix_error(py: Python<'_>, error: PyErr, index: usize) -> PyErr {
    let message = format!("record {index}: {}", error.value(py));
    let class = error.get_type(py);
    match class.call1((message,)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(_) => error,
    }
}

/// Applies a Segment ``mapping`` (a dict, or a :class:`Mapping`) to one
/// ``data`` record. The mappings of recent calls stay compiled: calling again
/// with an equal dict does not compile it again.
#[pyfunction]
pub fn transform<'py>(
    mapping: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = mapping.py();
    if let Ok(compiled) = mapping.cast::<Mapping>() {
        return compiled.get().apply(data);
    }
    let source = Converter::new(py).convert(mapping)?;
    let compiled = mapping_cache::compiled(mapping_cache::TRANSFORM, source, |source| {
        CompiledMapping::compile(py, source)
    })?;
    compiled.apply_to_python(&mut Converter::new(py), data)
}

/// Segment's default mapping of ``action``: ``"upsert_contact"`` or
/// ``"send_dynamic_template"``.
#[pyfunction]
pub fn default_mapping(py: Python<'_>, action: &str) -> PyResult<Py<PyAny>> {
    let value = core::default_mapping(action).map_err(to_py_err)?;
    Ok(pythonize(py, &value)?.unbind())
}
