//! One batch's arrays bound to their [`Value`] plans, and a row of them
//! written into a [`DocWriter`]. Arrays are cast once per batch to the few
//! forms read here (64-bit integers and doubles, decoded dictionaries,
//! plain lists), so writing a cell is one match and one read.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, FixedSizeBinaryArray, Float64Array, Int64Array,
    LargeStringArray, RecordBatch, StringArray, StringViewArray, UInt64Array,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::DataType;
use serde_json::Value as Json;

use super::cell_values::cell_json;
use super::plan::{Member, Node, RowPlan, Value};
use super::values::{float_number, TimeUnit};
use crate::error::Error;
use crate::json_doc::DocWriter;

/// A cell that has no JSON form: where it is (steps from the row, innermost
/// first) and why.
pub struct CellError {
    steps: Vec<Step>,
    reason: String,
}

pub(super) enum Step {
    Key(String),
    Index(usize),
}

impl CellError {
    pub(super) fn new(reason: String) -> Self {
        Self {
            steps: Vec::new(),
            reason,
        }
    }

    pub(super) fn at(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// `traits.tags[2]: nan is not a JSON number …`, the path spelled as the
    /// Python converter spells it.
    pub fn into_reason(self) -> String {
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Key(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                Step::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        format!("{path}: {}", self.reason)
    }
}

/// The rows of one batch, ready to be written; see [`RowPlan::bind`].
pub struct BatchRows {
    members: Vec<(String, Bound)>,
    /// The columns read, by their plan's leaf number.
    pub(super) columns: Vec<Column>,
    len: usize,
}

enum Bound {
    Group(Vec<(String, Bound)>),
    /// A leaf number.
    Column(usize),
}

/// An array bound to its plan: its validity, then its cells.
pub(super) struct Column {
    pub(super) nulls: Option<NullBuffer>,
    pub(super) cells: Cells,
}

pub(super) enum Offsets {
    Small(OffsetBuffer<i32>),
    Large(OffsetBuffer<i64>),
}

impl Offsets {
    fn range(&self, row: usize) -> std::ops::Range<usize> {
        match self {
            Self::Small(o) => o[row] as usize..o[row + 1] as usize,
            Self::Large(o) => o[row] as usize..o[row + 1] as usize,
        }
    }
}

pub(super) enum Cells {
    Null,
    Bool(BooleanArray),
    Int(Int64Array),
    UInt(UInt64Array),
    Float(Float64Array),
    Str(StringArray),
    LargeStr(LargeStringArray),
    StrView(StringViewArray),
    /// Counts of a unit since the epoch.
    Instant(Int64Array, TimeUnit),
    /// Days since the epoch.
    Date(Int64Array),
    /// Microseconds since midnight.
    Time(Int64Array),
    Decimal(ArrayRef),
    Uuid(FixedSizeBinaryArray),
    Struct(Vec<(String, Column)>),
    List(Offsets, Box<Column>),
    Map(OffsetBuffer<i32>, Box<Column>, Box<Column>),
}

fn cast_error(err: arrow_schema::ArrowError) -> Error {
    Error::Mapping(format!("table: {err}"))
}

fn cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, Error> {
    arrow_cast::cast(array, to).map_err(cast_error)
}

impl RowPlan {
    /// Binds one batch (of the plan's schema) for writing its rows.
    pub fn bind(&self, batch: &RecordBatch) -> Result<BatchRows, Error> {
        let mut columns = Vec::with_capacity(self.leaves());
        let members = bind_members(&self.members, batch, &mut columns)?;
        Ok(BatchRows {
            members,
            columns,
            len: batch.num_rows(),
        })
    }
}

/// Binds the columns of `members`, pushing them in leaf order.
fn bind_members(
    members: &[Member],
    batch: &RecordBatch,
    columns: &mut Vec<Column>,
) -> Result<Vec<(String, Bound)>, Error> {
    members
        .iter()
        .map(|member| {
            let bound = match &member.node {
                Node::Group(children) => Bound::Group(bind_members(children, batch, columns)?),
                Node::Column { index, leaf, value } => {
                    debug_assert_eq!(*leaf, columns.len());
                    columns.push(bind(batch.column(*index), value)?);
                    Bound::Column(*leaf)
                }
            };
            Ok((member.key.clone(), bound))
        })
        .collect()
}

/// Days since the epoch of a date column (Date64 counts milliseconds: floored).
fn date_days(array: &ArrayRef) -> Result<Int64Array, Error> {
    Ok(match array.data_type() {
        DataType::Date64 => {
            let ms: Int64Array = reinterpret(array)?;
            ms.unary(|v: i64| v.div_euclid(86_400_000))
        }
        _ => reinterpret(array)?,
    })
}

/// Microseconds since midnight of a time column of any unit.
fn time_micros(array: &ArrayRef) -> Result<Int64Array, Error> {
    let (raw, to_micros): (Int64Array, fn(i64) -> i64) = match array.data_type() {
        DataType::Time32(arrow_schema::TimeUnit::Second) => {
            (reinterpret(array)?, |v| v * 1_000_000)
        }
        DataType::Time32(_) => (reinterpret(array)?, |v| v * 1000),
        DataType::Time64(arrow_schema::TimeUnit::Nanosecond) => {
            (reinterpret(array)?, |v| v.div_euclid(1000))
        }
        _ => (reinterpret(array)?, |v| v),
    };
    Ok(raw.unary(to_micros))
}

fn bind(array: &ArrayRef, value: &Value) -> Result<Column, Error> {
    let nulls = array.logical_nulls();
    let cells = match value {
        Value::Null => Cells::Null,
        Value::Bool => Cells::Bool(array.as_boolean().clone()),
        Value::Int => Cells::Int(
            cast(array, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .clone(),
        ),
        Value::UInt64 => Cells::UInt(array.as_primitive::<UInt64Type>().clone()),
        Value::Float => Cells::Float(
            cast(array, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .clone(),
        ),
        Value::Str => match array.data_type() {
            DataType::Utf8 => Cells::Str(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 => Cells::LargeStr(array.as_string::<i64>().clone()),
            _ => Cells::StrView(array.as_string_view().clone()),
        },
        Value::Instant(unit) => Cells::Instant(reinterpret(array)?, *unit),
        Value::Date => Cells::Date(date_days(array)?),
        Value::Time => Cells::Time(time_micros(array)?),
        Value::Decimal => match array.data_type() {
            DataType::Decimal256(..) | DataType::Decimal128(..) => Cells::Decimal(array.clone()),
            DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => {
                Cells::Decimal(cast(array, &DataType::Decimal128(*p, *s))?)
            }
            other => unreachable!("planned as a decimal: {other}"),
        },
        Value::Uuid => Cells::Uuid(array.as_fixed_size_binary().clone()),
        Value::Struct(fields) => {
            let structs = array.as_struct();
            let children = fields
                .iter()
                .map(|(at, name, value)| Ok((name.clone(), bind(structs.column(*at), value)?)))
                .collect::<Result<_, Error>>()?;
            Cells::Struct(children)
        }
        Value::List(item) => bind_list(array, item)?,
        Value::Map(item) => {
            let map = array.as_map();
            Cells::Map(
                map.offsets().clone(),
                Box::new(bind(map.keys(), &Value::Str)?),
                Box::new(bind(map.values(), item)?),
            )
        }
        Value::Dictionary(values) => {
            let DataType::Dictionary(_, value_type) = array.data_type() else {
                unreachable!("planned as a dictionary")
            };
            let decoded = cast(array, value_type)?;
            return bind(&decoded, values);
        }
    };
    Ok(Column { nulls, cells })
}

fn bind_list(array: &ArrayRef, item: &Value) -> Result<Cells, Error> {
    Ok(match array.data_type() {
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            Cells::List(
                Offsets::Small(list.offsets().clone()),
                Box::new(bind(list.values(), item)?),
            )
        }
        DataType::LargeList(_) => {
            let list = array.as_list::<i64>();
            Cells::List(
                Offsets::Large(list.offsets().clone()),
                Box::new(bind(list.values(), item)?),
            )
        }
        DataType::ListView(field) | DataType::FixedSizeList(field, _) => {
            bind_list(&cast(array, &DataType::List(field.clone()))?, item)?
        }
        DataType::LargeListView(field) => {
            bind_list(&cast(array, &DataType::LargeList(field.clone()))?, item)?
        }
        other => unreachable!("planned as a list: {other}"),
    })
}

/// The values of an array of 32- or 64-bit integers underneath (dates,
/// times, instants) as 64-bit integers.
fn reinterpret(array: &ArrayRef) -> Result<Int64Array, Error> {
    let width = match array.data_type().primitive_width() {
        Some(4) => DataType::Int32,
        _ => DataType::Int64,
    };
    let raw = arrow_array::make_array(
        array
            .to_data()
            .into_builder()
            .data_type(width)
            .build()
            .map_err(cast_error)?,
    );
    Ok(cast(&raw, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

impl BatchRows {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes row `row` as an event into `out` (reset first); the error is
    /// the record's: a cell with no JSON form.
    pub fn write_row(&self, row: usize, out: &mut DocWriter) -> Result<(), CellError> {
        out.reset();
        out.begin_object(None);
        self.write_members(&self.members, row, out)?;
        out.end_object();
        Ok(())
    }

    fn write_members(
        &self,
        members: &[(String, Bound)],
        row: usize,
        out: &mut DocWriter,
    ) -> Result<(), CellError> {
        for (key, bound) in members {
            match bound {
                Bound::Group(children) => {
                    out.begin_object(Some(key));
                    self.write_members(children, row, out)
                        .map_err(|e| e.at(Step::Key(key.clone())))?;
                    out.end_object();
                }
                Bound::Column(leaf) => write_cell(&self.columns[*leaf], row, Some(key), out)
                    .map_err(|e| e.at(Step::Key(key.clone())))?,
            }
        }
        Ok(())
    }
}

fn write_cell(
    column: &Column,
    row: usize,
    key: Option<&str>,
    out: &mut DocWriter,
) -> Result<(), CellError> {
    if column.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
        out.null(key);
        return Ok(());
    }
    match &column.cells {
        Cells::Null => out.null(key),
        Cells::Bool(a) => out.bool(key, a.value(row)),
        Cells::Int(a) => out.i64(key, a.value(row)),
        Cells::UInt(a) => out.u64(key, a.value(row)),
        Cells::Float(a) => out.f64(key, float_number(a.value(row)).map_err(CellError::new)?),
        Cells::Str(a) => out.str(key, a.value(row)),
        Cells::LargeStr(a) => out.str(key, a.value(row)),
        Cells::StrView(a) => out.str(key, a.value(row)),
        Cells::Instant(..)
        | Cells::Date(_)
        | Cells::Time(_)
        | Cells::Decimal(_)
        | Cells::Uuid(_) => match cell_json(column, row).map_err(CellError::new)? {
            Json::String(text) => out.str(key, &text),
            Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => out.i64(key, i),
                (_, Some(u), _) => out.u64(key, u),
                (_, _, Some(f)) => out.f64(key, f),
                _ => out.null(key),
            },
            _ => out.null(key),
        },
        Cells::Struct(fields) => {
            out.begin_object(key);
            for (name, field) in fields {
                write_cell(field, row, Some(name), out)
                    .map_err(|e| e.at(Step::Key(name.clone())))?;
            }
            out.end_object();
        }
        Cells::List(offsets, items) => {
            out.begin_array(key);
            for (i, at) in offsets.range(row).enumerate() {
                write_cell(items, at, None, out).map_err(|e| e.at(Step::Index(i)))?;
            }
            out.end_array();
        }
        Cells::Map(offsets, keys, values) => {
            out.begin_object(key);
            let range = offsets[row] as usize..offsets[row + 1] as usize;
            for at in range {
                let name = match &keys.cells {
                    Cells::Str(a) => a.value(at),
                    Cells::LargeStr(a) => a.value(at),
                    Cells::StrView(a) => a.value(at),
                    _ => unreachable!("map keys are strings"),
                };
                write_cell(values, at, Some(name), out)
                    .map_err(|e| e.at(Step::Key(name.to_owned())))?;
            }
            out.end_map();
        }
    }
    Ok(())
}
