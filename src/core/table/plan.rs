//! What a mapping reads of a table, worked out once per schema: the columns
//! (and struct fields) it reaches, nested by the column-name rule, and for
//! each the form its cells take in JSON. A column it reads whose type has
//! no JSON form is refused here, before any row is read.

use arrow_schema::{DataType, Field, Fields, Schema};

use super::columns::nest_columns;
use super::values::TimeUnit;
use crate::error::Error;
use crate::json_doc::{PathTrie, MAX_NESTED_PATH};

/// One member of an event made from a row: a column, or an object gathered
/// from dotted column names.
#[derive(Debug)]
pub(super) struct Member {
    pub key: String,
    pub node: Node,
}

#[derive(Debug)]
pub(super) enum Node {
    /// Columns whose names start with this member's key and a dot.
    Group(Vec<Member>),
    /// The column at `index` of the batch; `leaf` numbers the columns read
    /// in the order their members are written.
    Column {
        index: usize,
        leaf: usize,
        value: Value,
    },
}

/// How one array's cells become JSON.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Null,
    Bool,
    /// Any integer type of up to 64 bits, signed or not (read as i64).
    Int,
    UInt64,
    /// Float16, Float32 (widened exactly, as Python's `float` does) and Float64.
    Float,
    Str,
    Instant(TimeUnit),
    Date,
    Time,
    Decimal,
    /// The canonical `arrow.uuid` extension (16 bytes): its hyphenated text,
    /// as a Python `uuid.UUID` is written.
    Uuid,
    /// The fields read, by their position in the struct.
    Struct(Vec<(usize, String, Value)>),
    List(Box<Value>),
    /// Keys are strings; an entry repeated keeps its first place, last value.
    Map(Box<Value>),
    /// Dictionary-encoded: the values' plan (cells are decoded per batch).
    Dictionary(Box<Value>),
}

/// The rows of tables of one schema, as a mapping reads them.
#[derive(Debug)]
pub struct RowPlan {
    pub(super) members: Vec<Member>,
    leaves: usize,
}

impl RowPlan {
    /// The plan of `schema` for a mapping that reads `reads`. Errors
    /// ([`Error::Mapping`]) name the column: names that do not nest, or a
    /// type read that has no JSON form.
    pub fn new(schema: &Schema, reads: &PathTrie) -> Result<Self, Error> {
        Self::build(schema, reads, false)
    }

    /// The plan of the columns `reads` reaches; with `skip_unreadable`, a
    /// column with no JSON form is left out instead of refused.
    fn build(schema: &Schema, reads: &PathTrie, skip_unreadable: bool) -> Result<Self, Error> {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let paths = nest_columns(&names).map_err(|e| Error::Mapping(format!("table: {e}")))?;
        let mut members = Vec::new();
        for (index, (path, field)) in paths.iter().zip(schema.fields()).enumerate() {
            let Some(trie) = reached(reads, path) else {
                continue;
            };
            let value = match plan_field(field, trie, &path.join("."), 0) {
                Ok(value) => value,
                Err(_) if skip_unreadable => continue,
                Err(error) => return Err(error),
            };
            let leaf = 0; // numbered below, once the tree is whole
            insert(&mut members, path, Node::Column { index, leaf, value });
        }
        let mut leaves = 0;
        number_leaves(&mut members, &mut leaves);
        Ok(Self { members, leaves })
    }

    /// How many columns are read.
    pub(super) fn leaves(&self) -> usize {
        self.leaves
    }

    /// The plan that reads every column with a JSON form and leaves the
    /// others out (to show a table's rows as they are, not to map them).
    pub fn readable(schema: &Schema) -> Result<Self, Error> {
        Self::build(schema, &whole(), true)
    }

    /// Whether no column is read (every row is then `{}`).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

/// The sub-trie that reads the value at `path`, if the mapping reads it.
fn reached<'t>(reads: &'t PathTrie, path: &[String]) -> Option<&'t PathTrie> {
    let mut node = reads;
    for key in path {
        if node.is_whole() {
            return Some(node);
        }
        node = node.child(key)?;
    }
    Some(node)
}

fn number_leaves(members: &mut [Member], next: &mut usize) {
    for member in members {
        match &mut member.node {
            Node::Group(children) => number_leaves(children, next),
            Node::Column { leaf, .. } => {
                *leaf = *next;
                *next += 1;
            }
        }
    }
}

fn insert(members: &mut Vec<Member>, path: &[String], node: Node) {
    let (key, rest) = path.split_first().expect("a column path has a name");
    if rest.is_empty() {
        members.push(Member {
            key: key.clone(),
            node,
        });
        return;
    }
    let at = match members.iter().position(|m| &m.key == key) {
        Some(at) => at,
        None => {
            members.push(Member {
                key: key.clone(),
                node: Node::Group(Vec::new()),
            });
            members.len() - 1
        }
    };
    match &mut members[at].node {
        Node::Group(children) => insert(children, rest, node),
        // `nest_columns` refuses a name that is both a value and a parent.
        Node::Column { .. } => unreachable!("column names were checked"),
    }
}

fn no_json_form(column: &str, data_type: &DataType) -> Error {
    Error::Mapping(format!(
        "table column {column:?} is {data_type}, which has no JSON form; \
         leave it out or convert it (to a string, say)"
    ))
}

/// [`plan_value`] of a field's array, minding its extension type.
fn plan_field(field: &Field, trie: &PathTrie, column: &str, depth: usize) -> Result<Value, Error> {
    match (field.extension_type_name(), field.data_type()) {
        (Some("arrow.uuid"), DataType::FixedSizeBinary(16)) => Ok(Value::Uuid),
        (_, data_type) => plan_value(data_type, trie, column, depth),
    }
}

/// The plan of one array read through `trie` (`column` names it in errors).
fn plan_value(
    data_type: &DataType,
    trie: &PathTrie,
    column: &str,
    depth: usize,
) -> Result<Value, Error> {
    if depth > MAX_NESTED_PATH {
        return Err(Error::Mapping(format!(
            "table column {column:?} is nested more than {MAX_NESTED_PATH} levels deep"
        )));
    }
    Ok(match data_type {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => Value::Int,
        DataType::UInt64 => Value::UInt64,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => Value::Float,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Value::Str,
        DataType::Timestamp(unit, _) => Value::Instant(time_unit(unit)),
        DataType::Date32 | DataType::Date64 => Value::Date,
        DataType::Time32(_) | DataType::Time64(_) => Value::Time,
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => Value::Decimal,
        DataType::Struct(fields) => Value::Struct(plan_fields(fields, trie, column, depth)?),
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::ListView(item)
        | DataType::LargeListView(item)
        | DataType::FixedSizeList(item, _) => {
            // Arrays are read whole: a path may index any element.
            let item_column = format!("{column}[]");
            Value::List(Box::new(plan_field(
                item,
                &whole(),
                &item_column,
                depth + 1,
            )?))
        }
        DataType::Map(entries, _) => {
            let DataType::Struct(kv) = entries.data_type() else {
                return Err(no_json_form(column, data_type));
            };
            let key_type = kv.first().map(|f| f.data_type());
            if !matches!(
                key_type,
                Some(DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
            ) {
                return Err(Error::Mapping(format!(
                    "table column {column:?} is a map whose keys are not strings, \
                     which has no JSON form"
                )));
            }
            let value_type = kv.get(1).map(|f| f.data_type()).unwrap_or(&DataType::Null);
            Value::Map(Box::new(plan_value(
                value_type,
                &whole(),
                column,
                depth + 1,
            )?))
        }
        DataType::Dictionary(_, values) => {
            Value::Dictionary(Box::new(plan_value(values, trie, column, depth)?))
        }
        _ => return Err(no_json_form(column, data_type)),
    })
}

fn plan_fields(
    fields: &Fields,
    trie: &PathTrie,
    column: &str,
    depth: usize,
) -> Result<Vec<(usize, String, Value)>, Error> {
    let mut planned = Vec::new();
    for (at, field) in fields.iter().enumerate() {
        let Some(child) = field_trie(trie, field) else {
            continue;
        };
        if planned.iter().any(|(_, name, _)| name == field.name()) {
            return Err(Error::Mapping(format!(
                "table column {column:?} has two fields named {:?}",
                field.name()
            )));
        }
        let name = format!("{column}.{}", field.name());
        let value = plan_field(field, child, &name, depth + 1)?;
        planned.push((at, field.name().clone(), value));
    }
    Ok(planned)
}

/// A trie that reads everything.
fn whole() -> PathTrie {
    let mut trie = PathTrie::default();
    trie.insert::<&str>(&[]);
    trie
}

fn field_trie<'t>(trie: &'t PathTrie, field: &Field) -> Option<&'t PathTrie> {
    if trie.is_whole() {
        Some(trie)
    } else {
        trie.child(field.name())
    }
}

fn time_unit(unit: &arrow_schema::TimeUnit) -> TimeUnit {
    match unit {
        arrow_schema::TimeUnit::Second => TimeUnit::Second,
        arrow_schema::TimeUnit::Millisecond => TimeUnit::Millisecond,
        arrow_schema::TimeUnit::Microsecond => TimeUnit::Microsecond,
        arrow_schema::TimeUnit::Nanosecond => TimeUnit::Nanosecond,
    }
}
