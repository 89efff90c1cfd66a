//! Python values → `serde_json::Value`, with errors that name the path
//! (`traits.avatar: bytes is not JSON`), cycle and depth protection, and a
//! projected mode that converts only the paths a mapping reads.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use segment_sendgrid_core::PathTrie;
use segment_sendgrid_core::{decimal_number, float_number, iso_civil_instant, not_a_json_number};
use serde_json::{Map, Number, Value};

/// Why a str holding a lone surrogate (`"\ud800"`) cannot be converted.
const LONE_SURROGATE: &str = "with a lone surrogate is not JSON (it has no UTF-8 form)";

/// Deeper input is refused: real events are a handful of levels deep, and
/// the limit keeps recursion far from the stack's end.
pub const MAX_DEPTH: usize = 256;

/// Python types checked by `isinstance` (limited API: no direct FFI checks).
struct ExtraTypes {
    datetime: Py<PyType>,
    uuid: Py<PyType>,
    date: Py<PyType>,
    time: Py<PyType>,
    decimal: Py<PyType>,
    mapping: Py<PyType>,
    sequence: Py<PyType>,
}

static EXTRA_TYPES: PyOnceLock<ExtraTypes> = PyOnceLock::new();

fn extra_types(py: Python<'_>) -> PyResult<&ExtraTypes> {
    EXTRA_TYPES.get_or_try_init(py, || {
        let datetime = py.import("datetime")?;
        let abc = py.import("collections.abc")?;
        let get = |module: &Bound<'_, PyModule>, name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        Ok(ExtraTypes {
            datetime: get(&datetime, "datetime")?,
            uuid: get(&py.import("uuid")?, "UUID")?,
            date: get(&datetime, "date")?,
            time: get(&datetime, "time")?,
            decimal: get(&py.import("decimal")?, "Decimal")?,
            mapping: get(&abc, "Mapping")?,
            sequence: get(&abc, "Sequence")?,
        })
    })
}

/// One step of the path to the value being converted.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The exact built-in type of a value, read from its type pointer: one load
/// and no call into CPython, where the stable ABI's `PyUnicode_Check` and
/// friends are calls. Subclasses are `Other`, so their own behaviour is
/// left to the general conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exact {
    None,
    Str,
    Bool,
    Int,
    Float,
    Dict,
    Other,
}

pub fn exact_type(obj: &Bound<'_, PyAny>) -> Exact {
    if obj.is_none() {
        Exact::None
    } else if obj.is_exact_instance_of::<PyString>() {
        Exact::Str
    } else if obj.is_exact_instance_of::<PyDict>() {
        Exact::Dict
    } else if obj.is_exact_instance_of::<PyBool>() {
        Exact::Bool
    } else if obj.is_exact_instance_of::<PyInt>() {
        Exact::Int
    } else if obj.is_exact_instance_of::<PyFloat>() {
        Exact::Float
    } else {
        Exact::Other
    }
}

/// A Python int as an exact JSON number, when it fits 64 bits (signed or not).
pub fn int_within_64_bits(obj: &Bound<'_, PyAny>) -> Option<Number> {
    match obj.extract::<i64>() {
        Ok(v) => Some(v.into()),
        Err(_) => obj.extract::<u64>().ok().map(Number::from),
    }
}

/// Converts one Python value, tracking the path for error messages.
pub struct Converter<'py> {
    py: Python<'py>,
    steps: Vec<Step>,
    /// Containers on the current path, to detect cycles.
    open: Vec<usize>,
}

impl<'py> Converter<'py> {
    pub fn new(py: Python<'py>) -> Self {
        Self {
            py,
            steps: Vec::new(),
            open: Vec::new(),
        }
    }

    /// Converts `obj` entirely.
    pub fn convert(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        self.steps.clear();
        self.open.clear();
        self.value(obj, None)
    }

    /// Converts only the parts of `obj` that `trie` selects.
    pub fn convert_projected(
        &mut self,
        obj: &Bound<'py, PyAny>,
        trie: &PathTrie,
    ) -> PyResult<Value> {
        self.steps.clear();
        self.open.clear();
        self.value(obj, Some(trie))
    }

    fn path(&self) -> String {
        let mut text = String::new();
        for step in &self.steps {
            match step {
                Step::Key(key) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(key);
                }
                Step::Index(i) => text.push_str(&format!("[{i}]")),
            }
        }
        if text.is_empty() {
            "value".to_owned()
        } else {
            text
        }
    }

    fn error(&self, what: impl std::fmt::Display) -> PyErr {
        PyTypeError::new_err(format!("{}: {what}", self.path()))
    }

    fn value(&mut self, obj: &Bound<'py, PyAny>, trie: Option<&PathTrie>) -> PyResult<Value> {
        let trie = trie.filter(|t| !t.is_whole());
        if let Ok(dict) = obj.cast::<PyDict>() {
            return self.nested(obj, |this| this.dict(dict, trie));
        }
        if let Ok(text) = obj.cast::<PyString>() {
            return Ok(Value::String(self.text(text)?));
        }
        if obj.is_instance_of::<PyBool>() {
            return Ok(Value::Bool(obj.is_truthy()?));
        }
        if obj.is_instance_of::<PyInt>() {
            return self.int(obj);
        }
        if obj.is_instance_of::<PyFloat>() {
            return self.float(obj.extract::<f64>()?);
        }
        if obj.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(list) = obj.cast::<PyList>() {
            return self.nested(obj, |this| this.items(list.iter()));
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            return self.nested(obj, |this| this.items(tuple.iter()));
        }
        self.uncommon(obj, trie)
    }

    /// Types past the fast path: dates, decimals, any Mapping or Sequence.
    fn uncommon(&mut self, obj: &Bound<'py, PyAny>, trie: Option<&PathTrie>) -> PyResult<Value> {
        let types = extra_types(self.py)?;
        let is = |t: &Py<PyType>| obj.is_instance(t.bind(self.py));
        // The rule tables follow too (`segment_sendgrid_core::table::values`).
        if is(&types.datetime)? {
            return instant(obj)
                .map(Value::String)
                .map_err(|reason| self.error(reason));
        }
        if is(&types.date)? || is(&types.time)? {
            return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
        }
        if is(&types.uuid)? {
            return Ok(Value::String(obj.str()?.extract()?));
        }
        if is(&types.decimal)? {
            return self.decimal(obj);
        }
        if obj.is_instance_of::<pyo3::types::PyBytes>()
            || obj.is_instance_of::<pyo3::types::PyByteArray>()
        {
            return Err(self.error(format!("{} is not JSON", type_name(obj))));
        }
        if is(&types.mapping)? {
            return self.nested(obj, |this| this.mapping(obj, trie));
        }
        if is(&types.sequence)? {
            return self.nested(obj, |this| {
                this.items(obj.try_iter()?.collect::<PyResult<Vec<_>>>()?.into_iter())
            });
        }
        Err(self.error(format!("{} is not JSON", type_name(obj))))
    }

    /// Guards recursion into a container: depth limit and cycle check.
    fn nested(
        &mut self,
        obj: &Bound<'py, PyAny>,
        body: impl FnOnce(&mut Self) -> PyResult<Value>,
    ) -> PyResult<Value> {
        let id = obj.as_ptr() as usize;
        if self.open.contains(&id) {
            return Err(self.error("cyclic reference (a container contains itself)"));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        self.open.push(id);
        let result = body(self);
        self.open.pop();
        result
    }

    fn dict(&mut self, dict: &Bound<'py, PyDict>, trie: Option<&PathTrie>) -> PyResult<Value> {
        let mut map = Map::new();
        match trie {
            None => {
                for (key, value) in dict.iter() {
                    let key = self.key(&key)?;
                    self.steps.push(Step::Key(key.clone()));
                    let converted = self.value(&value, None);
                    self.steps.pop();
                    map.insert(key, converted?);
                }
            }
            Some(trie) => {
                for (key, child) in trie.children() {
                    if let Some(value) = dict.get_item(key)? {
                        self.steps.push(Step::Key(key.to_owned()));
                        let converted = self.value(&value, Some(child));
                        self.steps.pop();
                        map.insert(key.to_owned(), converted?);
                    }
                }
            }
        }
        Ok(Value::Object(map))
    }

    fn mapping(&mut self, obj: &Bound<'py, PyAny>, trie: Option<&PathTrie>) -> PyResult<Value> {
        let as_dict = PyDict::new(self.py);
        for key in obj.try_iter()? {
            let key = key?;
            let value = obj.get_item(&key)?;
            as_dict.set_item(key, value)?;
        }
        self.dict(&as_dict, trie)
    }

    /// A str's text.
    fn text(&self, text: &Bound<'py, PyString>) -> PyResult<String> {
        match text.to_cow() {
            Ok(text) => Ok(text.into_owned()),
            Err(_) => Err(self.error(format!("str {LONE_SURROGATE}"))),
        }
    }

    fn key(&self, key: &Bound<'py, PyAny>) -> PyResult<String> {
        match key.cast::<PyString>() {
            Ok(text) => self
                .text(text)
                .map_err(|_| self.error(format!("key {LONE_SURROGATE}"))),
            Err(_) => Err(self.error(format!(
                "key {} ({}) is not a str",
                key.repr()?,
                type_name(key)
            ))),
        }
    }

    fn items(&mut self, items: impl Iterator<Item = Bound<'py, PyAny>>) -> PyResult<Value> {
        let mut out = Vec::with_capacity(items.size_hint().0);
        for (i, item) in items.enumerate() {
            self.steps.push(Step::Index(i));
            let converted = self.value(&item, None);
            self.steps.pop();
            out.push(converted?);
        }
        Ok(Value::Array(out))
    }

    fn int(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        if let Some(number) = int_within_64_bits(obj) {
            return Ok(Value::Number(number));
        }
        // Beyond 64 bits a JSON number is a double, as in JavaScript.
        match obj.extract::<f64>() {
            Ok(as_float) => self.float(as_float),
            // OverflowError: past 1.8e308, no double holds it.
            Err(_) => Err(self.error(format!(
                "an int of {} bits is not JSON (too large for a JSON number, a double)",
                obj.call_method0("bit_length")?
            ))),
        }
    }

    fn float(&self, v: f64) -> PyResult<Value> {
        float_number(v)
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| self.error(not_a_json_number(v)))
    }

    fn decimal(&self, obj: &Bound<'py, PyAny>) -> PyResult<Value> {
        let text: String = obj.str()?.to_cow()?.into_owned();
        decimal_number(&text)
            .map(Value::Number)
            .ok_or_else(|| self.error(format!("Decimal('{text}') is not a JSON number")))
    }
}

/// A `datetime` (a pandas `Timestamp` too) as JavaScript's `toISOString()`
/// writes it: in UTC, to the millisecond; a naive one is taken as UTC.
fn instant(obj: &Bound<'_, PyAny>) -> Result<String, String> {
    let read = || -> PyResult<((i64, i64, i64), i64, i64)> {
        let field = |name: &str| obj.getattr(name)?.extract::<i64>();
        let date = (field("year")?, field("month")?, field("day")?);
        let seconds = (field("hour")? * 60 + field("minute")?) * 60 + field("second")?;
        let micros = seconds * 1_000_000 + field("microsecond")?;
        let offset = obj.call_method0("utcoffset")?;
        let offset_micros = if offset.is_none() {
            0
        } else {
            let part = |name: &str| offset.getattr(name)?.extract::<i64>();
            (part("days")? * 86_400 + part("seconds")?) * 1_000_000 + part("microseconds")?
        };
        Ok((date, micros, offset_micros))
    };
    let (date, micros, offset) =
        read().map_err(|_| format!("{} is not a valid datetime", type_name(obj)))?;
    iso_civil_instant(date, micros, offset)
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}
