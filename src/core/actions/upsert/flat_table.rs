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
    /// Whether the mapping's one object member is `customFields`.
    custom: bool,
}

impl FlatTable {
    /// The fast path for `mapping` on tables planned as `plan`, when both
    /// allow one: members of field lookups, and at most one object member,
    /// `customFields`, of field lookups.
    pub fn new(mapping: &Mapping, plan: &RowPlan) -> Option<Self> {
        let rows = FlatRows::new(&mapping.field_plan()?, plan)?;
        let names: Vec<&str> = rows.names().collect();
        let objects: Vec<&str> = rows.objects().map(|(at, _)| names[at]).collect();
        let custom = match objects.as_slice() {
            [] => false,
            ["customFields"] => true,
            _ => return None,
        };
        let layout = ContactLayout::new(names.iter().copied())?;
        Some(Self {
            rows,
            layout,
            custom,
        })
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
        let encoded = if self.custom {
            let mut custom = SmallVec::new();
            self.rows.object_members(0, batch, row, &mut custom);
            self.layout.encode_with_custom(&members, &mut custom)
        } else {
            self.layout.encode(&members).map(UpsertPayload::Encoded)
        };
        encoded.map_err(|error| RecordFailure::from_error(index, error))
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
    use crate::actions::upsert::contact::build_contact;
    use crate::actions::upsert::fields::FieldDefinitions;
    use crate::actions::upsert::flat::payload_from_doc;
    use crate::actions::upsert::payload::validate_payload;
    use crate::json_doc::DocWriter;
    use crate::mapping::default_mapping;

    /// A payload as the bytes of the contact sent (custom fields resolved
    /// against `defs`), or the record's failure.
    type Sent = Vec<Result<String, String>>;

    fn defs() -> FieldDefinitions {
        FieldDefinitions::from_json(&json!({"custom_fields": [
            {"id": "e1_T", "name": "plan", "field_type": "Text"},
            {"id": "e2_N", "name": "Score", "field_type": "Number"},
            {"id": "e3_D", "name": "signed_up", "field_type": "Date"},
        ]}))
    }

    fn sent(payload: Result<UpsertPayload, RecordFailure>) -> Result<String, String> {
        let contact = match payload.map_err(|f| f.reason)? {
            UpsertPayload::Encoded(contact) => contact,
            UpsertPayload::Pending(pending) => pending
                .finish(&defs())
                .map_err(|e| e.into_error().to_string())?,
            UpsertPayload::Mapped(value) => {
                let valid = validate_payload(value).map_err(|e| e.to_string())?;
                build_contact(&valid, &defs()).map_err(|e| e.into_error().to_string())?
            }
        };
        Ok(String::from_utf8(contact.json).unwrap())
    }

    fn default_upsert() -> Mapping {
        Mapping::compile(&default_mapping("upsert_contact").unwrap()).unwrap()
    }

    /// Every row's contact (or failure) on the fast path and on the document path.
    fn both(mapping: &Mapping, batch: &RecordBatch) -> (Sent, Sent) {
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
                (sent(fast.payload(&bound, row, row)), sent(general))
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
            .starts_with("traits.score: nan is not a JSON number"));
    }

    #[test]
    fn custom_fields_are_resolved_as_on_the_document_path() {
        let batch = RecordBatch::try_from_iter([
            (
                "traits.email",
                Arc::new(StringArray::from(vec![
                    "a@x.io", "b@x.io", "c@x.io", "d@x.io",
                ])) as ArrayRef,
            ),
            (
                "traits.plan",
                Arc::new(StringArray::from(vec![
                    Some("pro"),
                    None,
                    Some(""),
                    Some("free"),
                ])),
            ),
            (
                "traits.score",
                Arc::new(Float64Array::from(vec![1.5, 2.0, f64::NAN, 0.0])),
            ),
            (
                "traits.signed_up",
                Arc::new(StringArray::from(vec!["2024-01-02", "x", "y", "z"])),
            ),
            (
                "traits.vip",
                Arc::new(arrow_array::BooleanArray::from(vec![
                    true, false, true, false,
                ])),
            ),
        ])
        .unwrap();
        let mapping = Mapping::compile(&json!({
            "primary_email": {"@path": "$.traits.email"},
            "customFields": {
                "plan": {"@path": "$.traits.plan"},
                "score": {"@path": "$.traits.score"},
                "signed_up": {"@path": "$.traits.signed_up"},
                "missing": {"@path": "$.traits.not_a_column"},
            },
        }))
        .unwrap();
        let (fast, general) = both(&mapping, &batch);
        assert_eq!(fast, general);
        assert_eq!(
            fast[0].as_deref(),
            Ok(
                r#"{"email":"a@x.io","custom_fields":{"e1_T":"pro","e2_N":1.5,"e3_D":"2024-01-02"}}"#
            )
        );
        assert!(fast[2]
            .as_ref()
            .unwrap_err()
            .starts_with("traits.score: nan"));
        let unknown = Mapping::compile(&json!({
            "primary_email": {"@path": "$.traits.email"},
            "customFields": {"vip": {"@path": "$.traits.vip"}, "plan": {"@path": "$.traits.plan"}},
        }))
        .unwrap();
        let (fast, general) = both(&unknown, &batch);
        assert_eq!(fast, general);
        assert!(fast[0]
            .as_ref()
            .unwrap_err()
            .contains("Unknown custom field 'vip'"));
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
