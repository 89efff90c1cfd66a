//! The JSON of one cell that is not a container: scalars as they are, and
//! the values written as text or numbers by the rule of [`super::values`]
//! (instants, dates, times, decimals, UUIDs). One place for the document
//! writer and the fast path of field lookups.

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Decimal256Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use serde_json::{Number, Value as Json};

use super::cells::{Cells, Column};
use super::values::{
    decimal_number, iso_date, iso_instant, iso_time, not_a_json_number, to_millis,
};

/// Cell `row` of `column` as JSON, or why it has no JSON form (a NaN, an
/// instant out of range). Containers are not read here (`Null`).
pub(super) fn cell_json(column: &Column, row: usize) -> Result<Json, String> {
    if column.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
        return Ok(Json::Null);
    }
    Ok(match &column.cells {
        Cells::Null => Json::Null,
        Cells::Bool(a) => Json::Bool(a.value(row)),
        Cells::Int(a) => Json::Number(a.value(row).into()),
        Cells::UInt(a) => Json::Number(a.value(row).into()),
        Cells::Float(a) => {
            let value = a.value(row);
            Json::Number(Number::from_f64(value).ok_or_else(|| not_a_json_number(value))?)
        }
        Cells::Str(a) => Json::String(a.value(row).to_owned()),
        Cells::LargeStr(a) => Json::String(a.value(row).to_owned()),
        Cells::StrView(a) => Json::String(a.value(row).to_owned()),
        Cells::Instant(a, unit) => {
            let raw = a.value(row);
            let ms = to_millis(raw, *unit)
                .ok_or_else(|| format!("{raw} is outside a JavaScript Date's range"))?;
            Json::String(iso_instant(ms)?)
        }
        Cells::Date(a) => Json::String(iso_date(a.value(row))?),
        Cells::Time(a) => Json::String(iso_time(a.value(row))?),
        Cells::Decimal(a) => {
            let text = decimal_text(a, row);
            Json::Number(
                decimal_number(&text)
                    .ok_or_else(|| format!("Decimal('{text}') is not a JSON number"))?,
            )
        }
        Cells::Uuid(a) => {
            let bytes: [u8; 16] = a.value(row).try_into().unwrap_or_default();
            Json::String(uuid::Uuid::from_bytes(bytes).hyphenated().to_string())
        }
        Cells::Struct(_) | Cells::List(..) | Cells::Map(..) => Json::Null,
    })
}

/// Why cell `row` of `column` has no JSON form, if it has none: a double
/// is checked in place; other kinds are written to find out.
pub(super) fn cell_error(column: &Column, row: usize) -> Option<String> {
    if column.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
        return None;
    }
    match &column.cells {
        Cells::Float(a) => {
            let value = a.value(row);
            (!value.is_finite()).then(|| not_a_json_number(value))
        }
        _ => cell_json(column, row).err(),
    }
}

/// A decimal cell's text as Python's `str(Decimal)` has its digits: with
/// a negative scale, an exponent (`12E+2`), which makes it a double there.
fn decimal_text(array: &ArrayRef, row: usize) -> String {
    match array.data_type() {
        DataType::Decimal256(_, scale) if *scale < 0 => {
            format!(
                "{}E+{}",
                array.as_primitive::<Decimal256Type>().value(row),
                -scale
            )
        }
        DataType::Decimal128(_, scale) if *scale < 0 => {
            format!(
                "{}E+{}",
                array.as_primitive::<Decimal128Type>().value(row),
                -scale
            )
        }
        DataType::Decimal256(..) => array.as_primitive::<Decimal256Type>().value_as_string(row),
        _ => array.as_primitive::<Decimal128Type>().value_as_string(row),
    }
}
