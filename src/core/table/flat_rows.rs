//! Mappings made of field lookups (every default mapping, see
//! [`FieldPlan`]) evaluated straight on a table's rows: each `@path` is
//! resolved to a column once per schema, and a row's members are read in
//! place from the Arrow buffers (strings borrowed, numbers as they are),
//! with no document written and no mapping engine run.
//!
//! It takes tables whose columns read are scalars (strings, integers,
//! doubles, booleans, nulls; dotted names nest) or values written as text
//! (instants, dates, times, decimals, UUIDs: only inside an object member,
//! Upsert's `customFields`, whose values are owned anyway), and mappings
//! whose members are scalars or one level of objects of scalars. The rest
//! take the document path, with the same result (the tests compare both).

use serde_json::Value as Json;
use smallvec::SmallVec;

use super::cell_values::{cell_error, cell_json};
use super::cells::{BatchRows, CellError, Cells, Step};
use super::plan::{Member, Node, RowPlan, Value};
use crate::actions::upsert::flat::Scalar;
use crate::json_doc::JsonRef;
use crate::mapping::FieldPlan;

/// A mapping's root members resolved against one schema.
#[derive(Debug)]
pub struct FlatRows {
    names: Vec<String>,
    members: Vec<Eval>,
    /// Members that are objects (one level: Upsert's `customFields`):
    /// their position and their members' names and plans.
    objects: Vec<(usize, Vec<(String, Eval)>)>,
    /// Every column read whose cells can fail (NaN, an instant out of
    /// range), with its path: such a cell fails the row whether or not a
    /// member uses it, as on the document path.
    fallible: Vec<(usize, Vec<String>)>,
}

#[derive(Debug)]
enum Eval {
    Undefined,
    Const(Json),
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

/// How a column read is taken by this path.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Read {
    /// Borrowed or copied as a [`Scalar`].
    Scalar,
    /// Written as text (owned): only where values are owned.
    Text,
}

impl FlatRows {
    /// The fast evaluation of `plan` on rows of `rows`' schema, when both
    /// allow it (see the module docs).
    pub fn new(plan: &FieldPlan, rows: &RowPlan) -> Option<Self> {
        let FieldPlan::Object(members) = plan else {
            return None;
        };
        let mut reads = vec![Read::Scalar; rows.leaves()];
        let mut fallible = Vec::new();
        if !flat_leaves(&rows.members, &mut Vec::new(), &mut reads, &mut fallible) {
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
            let eval = simplify(resolve(member, rows)?);
            if eval.reads_text(&reads) {
                return None;
            }
            evals.push(eval);
        }
        Some(Self {
            names: members.iter().map(|(name, _)| name.clone()).collect(),
            members: evals,
            objects,
            fallible,
        })
    }

    /// The mapping's member names, in output order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The positions and member names of the members that are objects.
    pub fn objects(&self) -> impl Iterator<Item = (usize, impl Iterator<Item = &str>)> {
        self.objects
            .iter()
            .map(|(at, members)| (*at, members.iter().map(|(name, _)| name.as_str())))
    }

    /// Row `row`'s members (`None`: undefined) into `members` (empty), or
    /// the cell that fails it. (Filled in place: the list is large to move.)
    pub fn members<'a>(
        &'a self,
        batch: &'a BatchRows,
        row: usize,
        members: &mut SmallVec<[Option<Scalar<'a>>; FLAT_MEMBERS]>,
    ) -> Result<(), CellError> {
        for (leaf, path) in &self.fallible {
            if let Some(reason) = cell_error(&batch.columns[*leaf], row) {
                let mut error = CellError::new(reason);
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

    /// The members of row `row`'s object member `object` (in the order of
    /// [`objects`](Self::objects)) into `out` (empty): names and values
    /// (`None`: undefined). Call after [`members`](Self::members), which
    /// checks the row's cells.
    pub fn object_members<'a>(
        &'a self,
        object: usize,
        batch: &'a BatchRows,
        row: usize,
        out: &mut SmallVec<[(&'a str, Option<Json>); FLAT_MEMBERS]>,
    ) {
        for (name, node) in &self.objects[object].1 {
            out.push((name.as_str(), eval(node, batch, row)));
        }
    }
}

impl Eval {
    /// Whether a column this reads is written as text.
    fn reads_text(&self, reads: &[Read]) -> bool {
        match self {
            Self::Undefined | Self::Const(_) => false,
            Self::Leaf(leaf) => reads[*leaf] == Read::Text,
            Self::LeafOr(leaf, otherwise) => {
                reads[*leaf] == Read::Text || otherwise.reads_text(reads)
            }
            Self::IfExists {
                test,
                then,
                otherwise,
                ..
            } => [Some(test), then.as_ref(), otherwise.as_ref()]
                .into_iter()
                .flatten()
                .any(|node| node.reads_text(reads)),
        }
    }
}

/// Whether every column read is one this path takes; marks the columns
/// read as text and gathers those whose cells can fail, with their paths.
fn flat_leaves(
    members: &[Member],
    path: &mut Vec<String>,
    reads: &mut [Read],
    fallible: &mut Vec<(usize, Vec<String>)>,
) -> bool {
    members.iter().all(|member| {
        path.push(member.key.clone());
        let ok = match &member.node {
            Node::Group(children) => flat_leaves(children, path, reads, fallible),
            Node::Column { leaf, value, .. } => match taken(value) {
                Some((read, can_fail)) => {
                    reads[*leaf] = read;
                    if can_fail {
                        fallible.push((*leaf, path.clone()));
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

/// How a column of this plan is read, and whether its cells can fail.
fn taken(value: &Value) -> Option<(Read, bool)> {
    match value {
        Value::Null | Value::Bool | Value::Int | Value::UInt64 | Value::Str => {
            Some((Read::Scalar, false))
        }
        Value::Float => Some((Read::Scalar, true)),
        Value::Instant(_) | Value::Date | Value::Time => Some((Read::Text, true)),
        Value::Decimal | Value::Uuid => Some((Read::Text, false)),
        Value::Dictionary(values) => taken(values),
        Value::Struct(_) | Value::List(_) | Value::Map(_) => None,
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

/// A member's value as this path hands it out: a borrowed scalar, or (in
/// object members) owned JSON.
trait Taken<'a>: Sized {
    /// Cell `row` of column `leaf` (`None`: a value of no such form, which
    /// [`FlatRows::new`] rules out; cells that fail were checked first).
    fn leaf(batch: &'a BatchRows, leaf: usize, row: usize) -> Option<Self>;
    fn constant(value: &'a Json) -> Option<Self>;
    fn is_null(&self) -> bool;
}

impl<'a> Taken<'a> for Scalar<'a> {
    fn leaf(batch: &'a BatchRows, leaf: usize, row: usize) -> Option<Self> {
        scalar(batch, leaf, row)
    }

    fn constant(value: &'a Json) -> Option<Self> {
        Scalar::from_json(JsonRef::from(value))
    }

    fn is_null(&self) -> bool {
        *self == Scalar::Null
    }
}

impl<'a> Taken<'a> for Json {
    fn leaf(batch: &'a BatchRows, leaf: usize, row: usize) -> Option<Self> {
        cell_json(&batch.columns[leaf], row).ok()
    }

    fn constant(value: &'a Json) -> Option<Self> {
        Some(value.clone())
    }

    fn is_null(&self) -> bool {
        self.is_null()
    }
}

fn eval<'a, T: Taken<'a>>(node: &'a Eval, batch: &'a BatchRows, row: usize) -> Option<T> {
    match node {
        Eval::Undefined => None,
        Eval::Const(value) => T::constant(value),
        Eval::Leaf(leaf) => T::leaf(batch, *leaf, row),
        Eval::LeafOr(leaf, otherwise) => match T::leaf(batch, *leaf, row) {
            Some(found) if !found.is_null() => Some(found),
            Some(_) => eval(otherwise, batch, row),
            None => None,
        },
        Eval::IfExists {
            test,
            then_is_test,
            then,
            otherwise,
        } => {
            let tested: Option<T> = eval(test, batch, row);
            if tested.as_ref().is_some_and(|t| !t.is_null()) {
                if *then_is_test {
                    return tested;
                }
                return then.as_ref().and_then(|then| eval(then, batch, row));
            }
            otherwise.as_ref().and_then(|o| eval(o, batch, row))
        }
    }
}

/// A scalar cell, borrowed (`None` for a cell of another form, or a
/// non-finite double: both ruled out or checked first).
fn scalar(batch: &BatchRows, leaf: usize, row: usize) -> Option<Scalar<'_>> {
    let column = &batch.columns[leaf];
    if column.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
        return Some(Scalar::Null);
    }
    Some(match &column.cells {
        Cells::Null => Scalar::Null,
        Cells::Bool(a) => Scalar::Bool(a.value(row)),
        Cells::Int(a) => Scalar::Number(a.value(row).into()),
        Cells::UInt(a) => Scalar::Number(a.value(row).into()),
        Cells::Float(a) => Scalar::Number(serde_json::Number::from_f64(a.value(row))?),
        Cells::Str(a) => Scalar::Str(a.value(row)),
        Cells::LargeStr(a) => Scalar::Str(a.value(row)),
        Cells::StrView(a) => Scalar::Str(a.value(row)),
        _ => return None,
    })
}
