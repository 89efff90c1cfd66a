//! Mappings that are only field lookups (Segment's defaults and most user
//! mappings) evaluated straight on Python dicts: no JSON tree is built, output
//! keys are interned once, and string values are passed through untouched.
//!
//! The semantics are the engine's (see `segment_sendgrid_core::mapping::FieldPlan`).
//! Whenever a record needs more than plain dict lookups and scalar values
//! (a list or string on a path, a nested object as a value, a non-dict
//! record, a non-finite float) the evaluator gives up on that record and
//! the caller runs the general engine, so results never differ.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString};
use pythonize::pythonize;
use segment_sendgrid_core::FieldPlan;
use serde_json::Value;

use crate::convert::{exact_type, int_within_64_bits, Exact};

/// A compiled field plan with Python keys ready. Every path prefix read is
/// numbered once, so sibling fields (`traits.a`, `traits.b`) look
/// `traits` up once per record.
pub struct DirectPlan {
    root: PlanNode,
    /// Prefix `i` is `prefixes[i].0` (a shorter prefix, `None` for the
    /// record itself) followed by the key `prefixes[i].1`.
    prefixes: Vec<(Option<usize>, Py<PyString>)>,
    /// Whether prefix `i` is read more than once per record (a parent of
    /// other prefixes, or a path used twice): only those are remembered, so
    /// a leaf read once costs no extra reference.
    remembered: Vec<bool>,
}

enum PlanNode {
    Const(Value),
    Object(Vec<Member>),
    /// The id of the path's full prefix; `None` is the record itself.
    Path(Option<usize>),
    IfExists {
        test: Box<PlanNode>,
        then_is_test: bool,
        then: Option<Box<PlanNode>>,
        otherwise: Option<Box<PlanNode>>,
    },
}

/// An object member: its key as Python (for output dicts) and as Rust (for
/// encoders that write it themselves).
struct Member {
    key: Py<PyString>,
    name: String,
    node: PlanNode,
}

/// A member of a flat result: a Python scalar, or a constant of the mapping.
pub enum FlatValue<'py, 'p> {
    Python(Bound<'py, PyAny>),
    Const(&'p Value),
}

/// Values found for each prefix of the current record.
type Found<'py> = [Option<Got<'py>>];

/// Most plans read fewer prefixes than this: their memo needs no heap.
const INLINE_PREFIXES: usize = 16;

/// Runs `f` with an empty memo of `len` prefixes.
fn with_found<'py, R>(len: usize, f: impl FnOnce(&mut Found<'py>) -> R) -> R {
    if len <= INLINE_PREFIXES {
        let mut inline: [Option<Got<'py>>; INLINE_PREFIXES] = Default::default();
        f(&mut inline[..len])
    } else {
        f(&mut vec![None; len])
    }
}

/// Why the evaluator stopped: the record needs the general engine.
pub struct GiveUp;

/// A lookup's result: JS `undefined` or a Python value.
#[derive(Clone)]
enum Got<'py> {
    Undefined,
    Value(Bound<'py, PyAny>),
}

impl DirectPlan {
    pub fn new(py: Python<'_>, plan: &FieldPlan) -> Self {
        let mut prefixes = Vec::new();
        let mut ids = HashMap::new();
        let mut reads = Vec::new();
        let root = PlanNode::new(py, plan, &mut prefixes, &mut ids, &mut reads);
        let mut uses = vec![0usize; prefixes.len()];
        let parents = prefixes.iter().filter_map(|(parent, _)| *parent);
        for id in parents.chain(reads) {
            uses[id] += 1;
        }
        let remembered = uses.into_iter().map(|n| n > 1).collect();
        Self {
            root,
            prefixes,
            remembered,
        }
    }

    /// Maps `record`; `Ok(None)` means "use the general engine".
    pub fn apply<'py>(&self, record: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if record.cast::<PyDict>().is_err() {
            return Ok(None);
        }
        let evaluated = with_found(self.prefixes.len(), |found| {
            self.root.eval(self, record, found)
        });
        match evaluated {
            Ok(Got::Value(value)) => Ok(Some(value)),
            Ok(Got::Undefined) => Ok(Some(record.py().None().into_bound(record.py()))),
            Err(Ok(GiveUp)) => Ok(None),
            Err(Err(err)) => Err(err),
        }
    }

    /// The names of the root's members, in output order, when the mapping
    /// builds an object (the members [`flat_members`](Self::flat_members) gives).
    pub fn flat_names(&self) -> Option<impl Iterator<Item = &str>> {
        let PlanNode::Object(members) = &self.root else {
            return None;
        };
        Some(members.iter().map(|member| member.name.as_str()))
    }

    /// Maps `record` to the members of a flat object (the root's members,
    /// each a scalar): one entry per member of
    /// [`flat_names`](Self::flat_names), `None` where it is undefined.
    /// `Ok(false)`: the mapping or the record needs the general engine.
    pub fn flat_members<'py, 'p>(
        &'p self,
        record: &Bound<'py, PyAny>,
        out: &mut impl Extend<Option<FlatValue<'py, 'p>>>,
    ) -> PyResult<bool> {
        let PlanNode::Object(members) = &self.root else {
            return Ok(false);
        };
        if record.cast::<PyDict>().is_err() {
            return Ok(false);
        }
        with_found(self.prefixes.len(), |found| {
            self.flat_into(members, record, found, out)
        })
    }

    fn flat_into<'py, 'p>(
        &'p self,
        members: &'p [Member],
        record: &Bound<'py, PyAny>,
        found: &mut Found<'py>,
        out: &mut impl Extend<Option<FlatValue<'py, 'p>>>,
    ) -> PyResult<bool> {
        for Member { node, .. } in members {
            let value = match node {
                PlanNode::Object(_) => return Ok(false),
                PlanNode::Const(value) => Some(FlatValue::Const(value)),
                _ => match node.eval(self, record, found) {
                    Ok(Got::Value(value)) => Some(FlatValue::Python(value)),
                    Ok(Got::Undefined) => None,
                    Err(Ok(GiveUp)) => return Ok(false),
                    Err(Err(err)) => return Err(err),
                },
            };
            out.extend([value]);
        }
        Ok(true)
    }

    /// `get(record, prefix id)`, remembered per record. Segment's `get`
    /// composes: `get(p + k) = step(get(p), k)`.
    fn get<'py>(
        &self,
        id: Option<usize>,
        record: &Bound<'py, PyAny>,
        found: &mut Found<'py>,
    ) -> Result<Got<'py>, PyResult<GiveUp>> {
        let Some(id) = id else {
            return Ok(Got::Value(record.clone()));
        };
        if let Some(Some(known)) = found.get(id) {
            return Ok(known.clone());
        }
        let (parent, key) = &self.prefixes[id];
        let key = key.bind(record.py());
        let got = match *parent {
            None => step(record, key)?,
            // A remembered parent is stepped from where it is kept: sibling
            // paths then cost no reference count traffic on it.
            Some(parent) if self.remembered[parent] => {
                if found[parent].is_none() {
                    self.get(Some(parent), record, found)?;
                }
                match &found[parent] {
                    Some(Got::Value(base)) => step(base, key)?,
                    _ => Got::Undefined,
                }
            }
            Some(parent) => match self.get(Some(parent), record, found)? {
                Got::Value(base) => step(&base, key)?,
                Got::Undefined => Got::Undefined,
            },
        };
        if self.remembered[id] {
            found[id] = Some(got.clone());
        }
        Ok(got)
    }
}

impl PlanNode {
    fn new(
        py: Python<'_>,
        plan: &FieldPlan,
        prefixes: &mut Vec<(Option<usize>, Py<PyString>)>,
        ids: &mut HashMap<(Option<usize>, String), usize>,
        reads: &mut Vec<usize>,
    ) -> Self {
        match plan {
            FieldPlan::Const(value) => Self::Const(value.clone()),
            FieldPlan::Object(members) => Self::Object(
                members
                    .iter()
                    .map(|(name, node)| Member {
                        key: PyString::intern(py, name).unbind(),
                        name: name.clone(),
                        node: Self::new(py, node, prefixes, ids, reads),
                    })
                    .collect(),
            ),
            FieldPlan::Path(segments) => {
                let mut id = None;
                for segment in segments {
                    let entry = (id, segment.key().to_owned());
                    id = Some(*ids.entry(entry).or_insert_with(|| {
                        prefixes.push((id, PyString::intern(py, segment.key()).unbind()));
                        prefixes.len() - 1
                    }));
                }
                reads.extend(id);
                Self::Path(id)
            }
            FieldPlan::IfExists {
                test,
                then_is_test,
                then,
                otherwise,
            } => Self::IfExists {
                test: Box::new(Self::new(py, test, prefixes, ids, reads)),
                then_is_test: *then_is_test,
                then: then
                    .as_ref()
                    .map(|t| Box::new(Self::new(py, t, prefixes, ids, reads))),
                otherwise: otherwise
                    .as_ref()
                    .map(|o| Box::new(Self::new(py, o, prefixes, ids, reads))),
            },
        }
    }

    fn eval<'py>(
        &self,
        plan: &DirectPlan,
        record: &Bound<'py, PyAny>,
        found: &mut Found<'py>,
    ) -> Result<Got<'py>, PyResult<GiveUp>> {
        let py = record.py();
        match self {
            Self::Const(value) => Ok(Got::Value(pythonize(py, value).map_err(|e| Err(e.into()))?)),
            Self::Object(members) => {
                let out = PyDict::new(py);
                for Member { key, node, .. } in members {
                    if let Got::Value(value) = node.eval(plan, record, found)? {
                        out.set_item(key.bind(py), value).map_err(Err)?;
                    }
                }
                Ok(Got::Value(out.into_any()))
            }
            Self::Path(id) => match plan.get(*id, record, found)? {
                Got::Value(value) => scalar(value),
                undefined => Ok(undefined),
            },
            Self::IfExists {
                test,
                then_is_test,
                then,
                otherwise,
            } => {
                let tested = test.eval(plan, record, found)?;
                let exists = matches!(&tested, Got::Value(v) if !v.is_none());
                if exists {
                    if *then_is_test {
                        return Ok(tested);
                    }
                    return match then {
                        Some(then) => then.eval(plan, record, found),
                        None => Ok(Got::Undefined),
                    };
                }
                match otherwise {
                    Some(otherwise) => otherwise.eval(plan, record, found),
                    None => Ok(Got::Undefined),
                }
            }
        }
    }
}

/// One step of Segment's `get` on dicts: a falsy value is the result as
/// it is, a missing key is `undefined`, a truthy primitive has no
/// properties. Lists, strings and other containers (index and `.length`
/// semantics) give up.
fn step<'py>(
    current: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> Result<Got<'py>, PyResult<GiveUp>> {
    // Exact dicts by pointer; subclasses (OrderedDict, defaultdict) too.
    if let Ok(dict) = current
        .cast_exact::<PyDict>()
        .or_else(|_| current.cast::<PyDict>())
    {
        return match dict.get_item(key).map_err(Err)? {
            Some(child) => Ok(Got::Value(child)),
            None => Ok(Got::Undefined),
        };
    }
    let kind = exact_type(current);
    match js_falsy(current, kind)? {
        Some(true) => Ok(Got::Value(current.clone())),
        Some(false) if matches!(kind, Exact::Bool | Exact::Int | Exact::Float) => {
            Ok(Got::Undefined)
        }
        _ => Err(Ok(GiveUp)),
    }
}

/// JS truthiness of a value of an exact built-in scalar type:
/// `Some(is_falsy)`, `None` for anything else.
fn js_falsy(value: &Bound<'_, PyAny>, kind: Exact) -> Result<Option<bool>, PyResult<GiveUp>> {
    Ok(Some(match kind {
        Exact::None => true,
        Exact::Str => {
            value
                .cast_exact::<PyString>()
                .map_err(|e| Err(e.into()))?
                .len()
                .map_err(Err)?
                == 0
        }
        Exact::Bool | Exact::Int => !value.is_truthy().map_err(Err)?,
        Exact::Float => {
            let v = value
                .cast_exact::<PyFloat>()
                .map_err(|e| Err(e.into()))?
                .value();
            if v.is_nan() {
                return Err(Ok(GiveUp));
            }
            v == 0.0
        }
        Exact::Dict | Exact::Other => return Ok(None),
    }))
}

/// Accepts a result that needs no conversion: str, bool, None, an int that
/// fits 64 bits, a finite float (exact types only, so subclasses with their
/// own behaviour take the general path).
fn scalar(value: Bound<'_, PyAny>) -> Result<Got<'_>, PyResult<GiveUp>> {
    let plain = match exact_type(&value) {
        Exact::None | Exact::Str | Exact::Bool => true,
        Exact::Int => int_within_64_bits(&value).is_some(),
        Exact::Float => value
            .cast_exact::<PyFloat>()
            .is_ok_and(|f| f.value().is_finite()),
        Exact::Dict | Exact::Other => false,
    };
    if plain {
        Ok(Got::Value(value))
    } else {
        Err(Ok(GiveUp))
    }
}
