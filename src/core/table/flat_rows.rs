//! Mappings made of field lookups (every default mapping, see
//! [`FieldPlan`]) evaluated straight on a table's rows: each `@path` is
//! resolved to a column once per schema, and a row's members are read in
//! place from the Arrow buffers (strings borrowed, numbers as they are),
//! with no document written and no mapping engine run.
//!
//! Only tables whose columns read are all plain scalars (strings, integers,
//! doubles, booleans, nulls; dotted names nest) and mappings whose members
//! are all scalars take it; the rest take the document path, with the
//! same result (the tests compare both on every case).

use smallvec::SmallVec;

use super::cells::{BatchRows, CellError, Cells, Step};
use super::plan::{Member, Node, RowPlan, Value};
use super::values::not_a_json_number;
use crate::actions::upsert::flat::Scalar;
use crate::json_doc::JsonRef;
use crate::mapping::FieldPlan;

/// A mapping's root members resolved against one schema.
#[derive(Debug)]
pub struct FlatRows {
    names: Vec<String>,
    members: Vec<Eval>,
    /// Members that are objects of scalars (one level: Upsert's
    /// `customFields`): their position and their members' names and plans.
    objects: Vec<(usize, Vec<(String, Eval)>)>,
    /// Every double column read, with its path: a NaN there fails the row
    /// whether or not a member uses it, as on the document path.
    doubles: Vec<(usize, Vec<String>)>,
}

#[derive(Debug)]
enum Eval {
    Undefined,
    Const(serde_json::Value),
    Leaf(usize),
    /// `@if exists` of a column, then the column itself, else `otherwise`
    /// (Segment's default mappings: `traits.x`, else `properties.x`).
    LeafOr(usize, Box<Eval>),
    IfExists {
        test: Box<Eval>,
        then_is_test: bool,
        then: Option<Box<Eval>>,
        otherwise: Option<Box<Eval>>,
    },
}

/// Members a row's list holds without the heap.
pub const FLAT_MEMBERS: usize = 24;

impl FlatRows {
    /// The fast evaluation of `plan` on rows of `rows`' schema, when both
    /// allow it (see the module docs).
    pub fn new(plan: &FieldPlan, rows: &RowPlan) -> Option<Self> {
        let FieldPlan::Object(members) = plan else {
            return None;
        };
        let mut doubles = Vec::new();
        if !scalar_leaves(&rows.members, &mut Vec::new(), &mut doubles) {
            return None;
        }
        let mut objects = Vec::new();
        let mut evals = Vec::with_capacity(members.len());
        for (position, (_, member)) in members.iter().enumerate() {
            if let FieldPlan::Object(inner) = member {
                let inner = inner
                    .iter()
                    .map(|(name, plan)| Some((name.clone(), simplify(resolve(plan, rows)?))))
                    .collect::<Option<Vec<_>>>()?;
                objects.push((position, inner));
                evals.push(Eval::Undefined);
                continue;
            }
            evals.push(simplify(resolve(member, rows)?));
        }
        Some(Self {
            names: plan_names(plan),
            members: evals,
            objects,
            doubles,
        })
    }

    /// The positions and member names of the members that are objects.
    pub fn objects(&self) -> impl Iterator<Item = (usize, impl Iterator<Item = &str>)> {
        self.objects
            .iter()
            .map(|(at, members)| (*at, members.iter().map(|(name, _)| name.as_str())))
    }

    /// The members of row `row`'s object member `object` (in the order of
    /// [`objects`](Self::objects)) into `out` (empty): names and values
    /// (`None`: undefined). Call after [`members`](Self::members), which
    /// checks the row's cells.
    pub fn object_members<'a>(
        &'a self,
        object: usize,
        batch: &'a BatchRows,
        row: usize,
        out: &mut SmallVec<[(&'a str, Option<Scalar<'a>>); FLAT_MEMBERS]>,
    ) {
        for (name, eval_node) in &self.objects[object].1 {
            out.push((name.as_str(), eval(eval_node, batch, row)));
        }
    }

    /// The mapping's member names, in output order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Row `row`'s members (`None`: undefined) into `members` (empty), or
    /// the cell that fails it. (Filled in place: the list is large to move.)
    pub fn members<'a>(
        &'a self,
        batch: &'a BatchRows,
        row: usize,
        members: &mut SmallVec<[Option<Scalar<'a>>; FLAT_MEMBERS]>,
    ) -> Result<(), CellError> {
        for (leaf, path) in &self.doubles {
            if let Err(value) = scalar(batch, *leaf, row) {
                let mut error = CellError::new(not_a_json_number(value));
                for key in path.iter().rev() {
                    error = error.at(Step::Key(key.clone()));
                }
                return Err(error);
            }
        }
        for member in &self.members {
            members.push(eval(member, batch, row));
        }
        Ok(())
    }
}

fn plan_names(plan: &FieldPlan) -> Vec<String> {
    match plan {
        FieldPlan::Object(members) => members.iter().map(|(name, _)| name.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Whether every column read is a scalar the fast path reads; gathers the
/// double columns with their paths.
fn scalar_leaves(
    members: &[Member],
    path: &mut Vec<String>,
    doubles: &mut Vec<(usize, Vec<String>)>,
) -> bool {
    members.iter().all(|member| {
        path.push(member.key.clone());
        let ok = match &member.node {
            Node::Group(children) => scalar_leaves(children, path, doubles),
            Node::Column { leaf, value, .. } => match scalar_value(value) {
                Some(is_double) => {
                    if is_double {
                        doubles.push((*leaf, path.clone()));
                    }
                    true
                }
                None => false,
            },
        };
        path.pop();
        ok
    })
}

/// `Some(is a double)` for the values read as scalars in place.
fn scalar_value(value: &Value) -> Option<bool> {
    match value {
        Value::Null | Value::Bool | Value::Int | Value::UInt64 | Value::Str => Some(false),
        Value::Float => Some(true),
        Value::Dictionary(values) => scalar_value(values),
        _ => None,
    }
}

fn resolve(plan: &FieldPlan, rows: &RowPlan) -> Option<Eval> {
    Some(match plan {
        FieldPlan::Const(value) => {
            // Only scalars: an object or array member needs the general path.
            Scalar::from_json(JsonRef::from(value))?;
            Eval::Const(value.clone())
        }
        FieldPlan::Object(_) => return None,
        FieldPlan::Path(segments) => {
            let mut members = &rows.members;
            let mut segments = segments.iter().peekable();
            loop {
                let Some(segment) = segments.next() else {
                    // The path ends on an object (a group of columns).
                    return None;
                };
                let Some(member) = members.iter().find(|m| m.key == segment.key()) else {
                    return Some(Eval::Undefined);
                };
                match &member.node {
                    Node::Group(children) => members = children,
                    // A path going on past a scalar: the engine's rules for that.
                    Node::Column { .. } if segments.peek().is_some() => return None,
                    Node::Column { leaf, .. } => break Eval::Leaf(*leaf),
                }
            }
        }
        FieldPlan::IfExists {
            test,
            then_is_test,
            then,
            otherwise,
        } => Eval::IfExists {
            test: Box::new(resolve(test, rows)?),
            then_is_test: *then_is_test,
            then: match then {
                Some(then) => Some(Box::new(resolve(then, rows)?)),
                None => None,
            },
            otherwise: match otherwise {
                Some(otherwise) => Some(Box::new(resolve(otherwise, rows)?)),
                None => None,
            },
        },
    })
}

/// The same evaluation in fewer steps: an `@if exists` whose test cannot
/// exist is its `else`, and one that tests a column and gives it is a
/// [`Eval::LeafOr`].
fn simplify(node: Eval) -> Eval {
    let Eval::IfExists {
        test,
        then_is_test,
        then,
        otherwise,
    } = node
    else {
        return node;
    };
    let otherwise = otherwise.map_or(Eval::Undefined, |o| simplify(*o));
    match *test {
        Eval::Undefined => otherwise,
        Eval::Leaf(leaf) if then_is_test => Eval::LeafOr(leaf, Box::new(otherwise)),
        test => Eval::IfExists {
            test: Box::new(simplify(test)),
            then_is_test,
            then: then.map(|t| Box::new(simplify(*t))),
            otherwise: Some(Box::new(otherwise)),
        },
    }
}

fn eval<'a>(node: &'a Eval, batch: &'a BatchRows, row: usize) -> Option<Scalar<'a>> {
    match node {
        Eval::Undefined => None,
        Eval::Const(value) => Scalar::from_json(JsonRef::from(value)),
        // Non-finite doubles were refused first.
        Eval::Leaf(leaf) => scalar(batch, *leaf, row).ok().flatten(),
        Eval::LeafOr(leaf, otherwise) => match scalar(batch, *leaf, row) {
            Ok(Some(Scalar::Null)) => eval(otherwise, batch, row),
            found => found.ok().flatten(),
        },
        Eval::IfExists {
            test,
            then_is_test,
            then,
            otherwise,
        } => {
            let tested = eval(test, batch, row);
            if matches!(tested, Some(ref s) if *s != Scalar::Null) {
                if *then_is_test {
                    return tested;
                }
                return then.as_ref().and_then(|then| eval(then, batch, row));
            }
            otherwise.as_ref().and_then(|o| eval(o, batch, row))
        }
    }
}

/// A cell as a scalar (`Err`: a non-finite double, `Ok(None)`: not a
/// scalar column, which [`FlatRows::new`] rules out).
fn scalar(batch: &BatchRows, leaf: usize, row: usize) -> Result<Option<Scalar<'_>>, f64> {
    let column = &batch.columns[leaf];
    if column.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
        return Ok(Some(Scalar::Null));
    }
    Ok(Some(match &column.cells {
        Cells::Null => Scalar::Null,
        Cells::Bool(a) => Scalar::Bool(a.value(row)),
        Cells::Int(a) => Scalar::Number(a.value(row).into()),
        Cells::UInt(a) => Scalar::Number(a.value(row).into()),
        Cells::Float(a) => {
            let value = a.value(row);
            Scalar::Number(serde_json::Number::from_f64(value).ok_or(value)?)
        }
        Cells::Str(a) => Scalar::Str(a.value(row)),
        Cells::LargeStr(a) => Scalar::Str(a.value(row)),
        Cells::StrView(a) => Scalar::Str(a.value(row)),
        _ => return Ok(None),
    }))
}
