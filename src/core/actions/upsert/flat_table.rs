//! The Upsert Contact fast path for tables: a mapping of field lookups on
//! a table of scalar columns ([`FlatRows`]) gives each row's members in
//! place, and the contact layout worked out once for the mapping's member
//! names writes the contact's bytes. No document, no mapping engine, no
//! JSON tree; the result is the document path's (tests compare both).

use smallvec::SmallVec;

use super::api::UpsertPayload;
use super::flat::ContactLayout;
use crate::mapping::Mapping;
use crate::report::RecordFailure;
use crate::table::{BatchRows, FlatRows, RowPlan};

/// See the module docs.
#[derive(Debug)]
pub struct FlatTable {
    rows: FlatRows,
    layout: ContactLayout,
}

impl FlatTable {
    /// The fast path for `mapping` on tables planned as `plan`, when both
    /// allow one.
    pub fn new(mapping: &Mapping, plan: &RowPlan) -> Option<Self> {
        let rows = FlatRows::new(&mapping.field_plan()?, plan)?;
        let layout = ContactLayout::new(rows.names())?;
        Some(Self { rows, layout })
    }

    /// Row `row` of `batch` (input record `index`) as a payload, or its
    /// failure.
    pub fn payload(
        &self,
        batch: &BatchRows,
        row: usize,
        index: usize,
    ) -> Result<UpsertPayload, RecordFailure> {
        let mut members = SmallVec::new();
        self.rows
            .members(batch, row, &mut members)
            .map_err(|cell| RecordFailure::invalid(index, cell.into_reason(), None))?;
        self.layout
            .encode(&members)
            .map(UpsertPayload::Encoded)
            .map_err(|error| RecordFailure::from_error(index, error))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int8Type;
    use arrow_array::{
        ArrayRef, DictionaryArray, Float64Array, Int64Array, RecordBatch, StringArray,
        StringViewArray,
    };
    use serde_json::json;

    use super::*;
    use crate::actions::upsert::flat::payload_from_doc;
    use crate::json_doc::DocWriter;
    use crate::mapping::default_mapping;

    type Payloads = Vec<Result<UpsertPayload, RecordFailure>>;

    fn default_upsert() -> Mapping {
        Mapping::compile(&default_mapping("upsert_contact").unwrap()).unwrap()
    }

    /// Every row's payload (or failure) on the fast path and on the document path.
    fn both(mapping: &Mapping, batch: &RecordBatch) -> (Payloads, Payloads) {
        let plan = RowPlan::new(&batch.schema(), mapping.reads()).unwrap();
        let fast = FlatTable::new(mapping, &plan).expect("a fast path");
        let bound = plan.bind(batch).unwrap();
        let mut doc = DocWriter::new();
        (0..bound.len())
            .map(|row| {
                let general = match bound.write_row(row, &mut doc) {
                    Ok(()) => payload_from_doc(mapping, doc.finish())
                        .map_err(|e| RecordFailure::from_error(row, e)),
                    Err(cell) => Err(RecordFailure::invalid(row, cell.into_reason(), None)),
                };
                (fast.payload(&bound, row, row), general)
            })
            .unzip()
    }

    #[test]
    fn the_fast_path_gives_the_document_paths_payloads_and_failures() {
        let emails: DictionaryArray<Int8Type> = vec![
            Some("a@x.io"),
            None,
            Some("not an email"),
            Some("d@x.io"),
            Some(""),
        ]
        .into_iter()
        .collect();
        let batch = RecordBatch::try_from_iter([
            ("traits.email", Arc::new(emails) as ArrayRef),
            (
                "traits.first_name",
                Arc::new(StringViewArray::from(vec![
                    Some("Zoë"),
                    Some("B"),
                    None,
                    Some("𝄞"),
                    Some("E"),
                ])),
            ),
            (
                "properties.first_name",
                Arc::new(StringArray::from(vec!["p1", "p2", "p3", "p4", "p5"])),
            ),
            (
                "traits.phone",
                Arc::new(StringArray::from(vec![
                    None,
                    Some("+14155550100"),
                    None,
                    None,
                    None,
                ])),
            ),
            (
                "traits.address.city",
                Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5])),
            ),
            (
                "traits.score",
                Arc::new(Float64Array::from(vec![1.5, 2.0, 3.0, f64::NAN, 0.0])),
            ),
            (
                "anonymousId",
                Arc::new(StringArray::from(vec![
                    Some("anon"),
                    None,
                    None,
                    None,
                    None,
                ])),
            ),
        ])
        .unwrap();
        let mapping = default_upsert();
        let (fast, general) = both(&mapping, &batch);
        assert_eq!(fast, general);
        assert!(fast[0].is_ok());
        // The score is read by no member of the default mapping: not read at all.
        assert!(fast[3].is_ok());
        // A mapping that reads it fails its NaN row whichever member it feeds.
        let reads_score = Mapping::compile(&json!({
            "primary_email": {"@path": "$.traits.email"},
            "first_name": {"@path": "$.traits.first_name"},
            "unused": {"@path": "$.traits.score"},
        }))
        .unwrap();
        let (fast, general) = both(&reads_score, &batch);
        assert_eq!(fast, general);
        assert!(fast[3]
            .as_ref()
            .unwrap_err()
            .reason
            .starts_with("traits.score: nan is not a JSON number"));
    }

    #[test]
    fn tables_or_mappings_it_does_not_cover_take_the_document_path() {
        let mapping = default_upsert();
        let nested = RecordBatch::try_from_iter([(
            "traits",
            Arc::new(arrow_array::StructArray::from(vec![(
                Arc::new(arrow_schema::Field::new(
                    "email",
                    arrow_schema::DataType::Utf8,
                    true,
                )),
                Arc::new(StringArray::from(vec!["a@x.io"])) as ArrayRef,
            )])) as ArrayRef,
        )])
        .unwrap();
        let plan = RowPlan::new(&nested.schema(), mapping.reads()).unwrap();
        assert!(FlatTable::new(&mapping, &plan).is_none(), "struct columns");
        let flat = RecordBatch::try_from_iter([(
            "traits.email",
            Arc::new(StringArray::from(vec!["a@x.io"])) as ArrayRef,
        )])
        .unwrap();
        let plan = RowPlan::new(&flat.schema(), mapping.reads()).unwrap();
        assert!(FlatTable::new(&mapping, &plan).is_some());
        let templated =
            Mapping::compile(&json!({"primary_email": {"@template": "{{traits.email}}"}})).unwrap();
        let plan = RowPlan::new(&flat.schema(), templated.reads()).unwrap();
        assert!(FlatTable::new(&templated, &plan).is_none(), "a template");
    }
}
