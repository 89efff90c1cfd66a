//! Upsert records encoded straight from Python dicts: with a mapping made
//! of field lookups (every default mapping), each record's contact bytes
//! are written on the reading thread from borrowed Python strings. No JSON
//! tree is built, no mapping engine runs and nothing but bytes crosses to
//! the run. Records or mappings this path does not cover take the general
//! one (convert → engine → schema stage → contact), with identical results.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyString};
use segment_sendgrid_core::FlatTable;
use segment_sendgrid_core::JsonDoc;
use segment_sendgrid_core::RowPlan;
use segment_sendgrid_core::UpsertPayload;
use segment_sendgrid_core::{payload_from_record, ContactLayout, Scalar};
use segment_sendgrid_core::{Error, Mapping, RecordFailure};
use serde_json::{Number, Value};
use smallvec::SmallVec;

use crate::batch_input::{Prepare, TableDirect};
use crate::batch_outcome::interrupts;
use crate::convert::{exact_type, int_within_64_bits, Exact};
use crate::direct::FlatValue;
use crate::mapping::CompiledMapping;

/// Members a record's scratch lists hold without the heap (Segment's
/// default mapping has 17).
const FLAT_MEMBERS: usize = 24;

/// [`Prepare`] for Upsert Contact runs: the contact layout of the run's
/// mapping is worked out once, when the mapping is made of field lookups.
pub struct FlatContacts {
    layout: Option<ContactLayout>,
}

impl FlatContacts {
    pub fn new(mapping: &CompiledMapping) -> Self {
        let layout = mapping
            .direct()
            .and_then(|direct| direct.flat_names())
            .and_then(ContactLayout::new);
        Self { layout }
    }
}

impl Prepare for FlatContacts {
    type Payload = UpsertPayload;

    fn prepare_directly(
        &self,
        mapping: &CompiledMapping,
        record: &Bound<'_, PyAny>,
        index: usize,
    ) -> PyResult<Option<Result<UpsertPayload, RecordFailure>>> {
        let (Some(layout), Some(direct)) = (self.layout.as_ref(), mapping.direct()) else {
            return Ok(None);
        };
        let mut members = SmallVec::<[_; FLAT_MEMBERS]>::new();
        match direct.flat_members(record, &mut members) {
            Ok(true) => {}
            // The general path reports the record's own errors.
            Err(err) if interrupts(record.py(), &err) => return Err(err),
            Ok(false) | Err(_) => return Ok(None),
        }
        let scalars = members
            .iter()
            .map(|member| match member {
                Some(value) => scalar(value).map(Some),
                None => Some(None),
            })
            .collect::<Option<SmallVec<[_; FLAT_MEMBERS]>>>();
        let Some(scalars) = scalars else {
            return Ok(None);
        };
        Ok(Some(match layout.encode(&scalars) {
            Ok(contact) => Ok(UpsertPayload::Encoded(contact)),
            Err(error) => Err(RecordFailure::from_error(index, error)),
        }))
    }

    fn from_doc(mapping: &Mapping, record: &JsonDoc) -> Result<UpsertPayload, Error> {
        payload_from_record(mapping, record)
    }

    fn from_value(mapping: &Mapping, record: &Value) -> Result<UpsertPayload, Error> {
        payload_from_record(mapping, record)
    }

    fn table_direct(mapping: &Mapping, plan: &RowPlan) -> Option<TableDirect<UpsertPayload>> {
        let table = FlatTable::new(mapping, plan)?;
        Some(Box::new(move |batch, row, index| {
            table.payload(batch, row, index)
        }))
    }
}

/// A member as a borrowed scalar; `None` for anything else (the general
/// path then converts it, or reports why it cannot).
fn scalar<'a>(value: &'a FlatValue<'_, 'a>) -> Option<Scalar<'a>> {
    let value = match value {
        FlatValue::Const(constant) => return Scalar::from_json((*constant).into()),
        FlatValue::Python(value) => value,
    };
    match exact_type(value) {
        Exact::None => Some(Scalar::Null),
        // Zero-copy: CPython keeps the UTF-8 form of the string.
        Exact::Str => value
            .cast_exact::<PyString>()
            .ok()?
            .to_str()
            .ok()
            .map(Scalar::Str),
        Exact::Bool => Some(Scalar::Bool(value.is(PyBool::new(value.py(), true)))),
        Exact::Int => int_within_64_bits(value).map(Scalar::Number),
        Exact::Float => {
            Number::from_f64(value.cast_exact::<PyFloat>().ok()?.value()).map(Scalar::Number)
        }
        Exact::Dict | Exact::Other => None,
    }
}
