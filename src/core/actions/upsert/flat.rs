//! The fast path of the Upsert Contact stages for the common payload: a flat
//! object of scalars, as a mapping made of field lookups produces it (every
//! default mapping). Segment's schema stage ([`super::payload`]) and
//! `convertPayload` ([`super::contact`]) run in one pass over borrowed
//! values and write the contact's bytes directly: no JSON tree, no map.
//!
//! The result is byte for byte that of `validate_payload` then
//! `build_contact` (a differential test below checks it); payloads this
//! path does not cover (`customFields`, `list_ids`) return `None`, and the
//! caller takes the general path.

use serde_json::{Map, Number, Value};

use super::api::UpsertPayload;
pub use super::flat_layout::ContactLayout;
use crate::error::Error;
use crate::json_doc::{JsonDoc, JsonRef, JsonView};
use crate::mapping::{Mapped, Mapping, MemberValue};
use smallvec::SmallVec;

/// One value of a flat payload, borrowed from wherever the record lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(&'a str),
}

impl<'a> Scalar<'a> {
    /// A JSON scalar; `None` for arrays and objects.
    pub fn from_json(value: JsonRef<'a>) -> Option<Self> {
        Some(match value.view() {
            JsonView::Null => Self::Null,
            JsonView::Bool(b) => Self::Bool(b),
            JsonView::Number(n) => Self::Number(n),
            JsonView::String(s) => Self::Str(s),
            JsonView::Array(_) | JsonView::Object(_) => return None,
        })
    }

    pub(super) fn to_value(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::Str(s) => Value::String((*s).to_owned()),
        }
    }
}

/// Validates a flat payload (members in the mapping's order) and encodes its
/// contact; `None` when the payload needs the general path. Callers with
/// many records of one mapping keep a [`ContactLayout`] instead (as the
/// runs do: this one-off form serves the differential tests).
#[cfg(test)]
pub fn encode_flat_contact(
    members: &[(&str, Scalar<'_>)],
) -> Option<Result<crate::actions::upsert::contact::Contact, Error>> {
    let layout = ContactLayout::new(members.iter().map(|(name, _)| *name))?;
    let values: SmallVec<[Option<Scalar<'_>>; 24]> = members
        .iter()
        .map(|(_, value)| Some(value.clone()))
        .collect();
    Some(layout.encode(&values))
}

/// Encodes the contact of a mapping's result when it is a flat object of
/// scalars (through a [`ContactLayout`]), or one whose `customFields` is an
/// object of scalars (then [`UpsertPayload::Pending`] until the run resolves
/// the custom fields, or encoded when none is defined).
pub fn encode_mapped_contact(mapped: &Mapped<'_>) -> Option<Result<UpsertPayload, Error>> {
    let mut custom = None;
    let members = mapped
        .members()?
        .map(|(key, value)| {
            let scalar = match value {
                MemberValue::Str(text) => Scalar::Str(text),
                MemberValue::Json(json) => Scalar::from_json(json)?,
                MemberValue::Built if key == "customFields" => {
                    custom = Some(custom_members(mapped)?);
                    return Some((key, None));
                }
                MemberValue::Built => return None,
            };
            Some((key, Some(scalar)))
        })
        .collect::<Option<SmallVec<[_; 24]>>>()?;
    let layout = ContactLayout::new(members.iter().map(|(name, _)| *name))?;
    let values: SmallVec<[Option<Scalar<'_>>; 24]> =
        members.into_iter().map(|(_, value)| value).collect();
    Some(match custom {
        Some(mut custom) => layout.encode_with_custom(&values, &mut custom),
        None => layout.encode(&values).map(UpsertPayload::Encoded),
    })
}

/// The members of a built `customFields` object, when all are scalars.
fn custom_members<'m>(mapped: &'m Mapped<'_>) -> Option<Vec<(&'m str, Option<Value>)>> {
    mapped
        .object_member("customFields")?
        .map(|(name, value)| {
            let scalar = match value {
                MemberValue::Str(text) => Scalar::Str(text),
                MemberValue::Json(json) => Scalar::from_json(json)?,
                MemberValue::Built => return None,
            };
            Some((name, Some(scalar.to_value())))
        })
        .collect()
}

/// One event's JSON text → its payload for
/// [`ContactsApi::upsert_many`](super::ContactsApi::upsert_many). Only what
/// the mapping reads is parsed; the contact is encoded in one pass when the
/// result is flat, else the mapped payload is left to the run. Errors are
/// the record's: text that is not JSON, or a mapping error.
pub fn payload_from_json(mapping: &Mapping, text: &str) -> Result<UpsertPayload, Error> {
    payload_from_doc(mapping, &mapping.parse_record(text)?)
}

/// [`payload_from_json`] of a record already in document form (a table's
/// row): the same stages, without the parse.
pub fn payload_from_doc(mapping: &Mapping, record: &JsonDoc) -> Result<UpsertPayload, Error> {
    payload_from_record(mapping, record)
}

/// [`payload_from_doc`] of a record in any JSON form (a `serde_json::Value`
/// converted from a Python dict, say).
pub fn payload_from_record<'a>(
    mapping: &'a Mapping,
    record: impl Into<JsonRef<'a>>,
) -> Result<UpsertPayload, Error> {
    let Some(mapped) = mapping.apply_borrowed(record)? else {
        return Ok(UpsertPayload::Mapped(Value::Object(Map::new())));
    };
    if let Some(encoded) = encode_mapped_contact(&mapped) {
        return encoded;
    }
    let payload = mapped.into_value()?.unwrap_or(Value::Null);
    Ok(UpsertPayload::Mapped(payload))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map};

    use super::*;
    use crate::actions::upsert::contact::{build_contact, sent_email, ContactError};
    use crate::actions::upsert::fields::FieldDefinitions;
    use crate::actions::upsert::payload::validate_payload;

    /// The general path: schema stage, then `convertPayload`.
    fn general(
        members: &[(&str, Scalar<'_>)],
    ) -> Result<crate::actions::upsert::contact::Contact, Error> {
        let map: Map<String, Value> = members
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.to_value()))
            .collect();
        let valid = validate_payload(Value::Object(map))?;
        build_contact(&valid, &FieldDefinitions::default()).map_err(ContactError::into_error)
    }

    const KEYS: &[&str] = &[
        "enable_batching",
        "first_name",
        "state",
        "primary_email",
        "phone_number_id",
        "external_id",
        "anonymous_id",
        "city",
        "postal_code",
        "not_a_field",
        "unique_name",
    ];

    fn values() -> Vec<Scalar<'static>> {
        let mut values = vec![
            Scalar::Null,
            Scalar::Bool(true),
            Scalar::Bool(false),
            Scalar::Str(""),
            Scalar::Str("a@example.com"),
            Scalar::Str("true"),
            Scalar::Str("Zoë \"q\"\n\u{2028}"),
        ];
        for n in [
            json!(0),
            json!(1),
            json!(-7),
            json!(1e21),
            json!(0.5),
            json!(u64::MAX),
        ] {
            let Value::Number(n) = n else { unreachable!() };
            values.push(Scalar::Number(n));
        }
        values
    }

    #[test]
    fn equals_the_general_path_on_every_small_payload() {
        let values = values();
        // A deterministic walk over payloads of 0–6 members (xorshift).
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..20_000 {
            let mut members: Vec<(&str, Scalar<'_>)> = Vec::new();
            for _ in 0..next(7) {
                let key = KEYS[next(KEYS.len())];
                if members.iter().all(|(k, _)| *k != key) {
                    members.push((key, values[next(values.len())].clone()));
                }
            }
            let fast = encode_flat_contact(&members).expect("flat payload");
            let slow = general(&members);
            match (&fast, &slow) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{members:?}"),
                (Err(a), Err(b)) => assert_eq!(a, b, "{members:?}"),
                _ => panic!("{members:?}: {fast:?} vs {slow:?}"),
            }
        }
    }

    #[test]
    fn json_text_gives_the_contact_of_the_general_path() {
        use crate::mapping::default_mapping;
        let mapping = Mapping::compile(&default_mapping("upsert_contact").unwrap()).unwrap();
        let text = r#"{"anonymousId": "a1", "context": {"ip": "1.2.3.4"}, "traits": {
            "email": "z@example.com", "first_name": "Zo\u00eb", "phone": 14155550100,
            "address": {"city": "", "state": "CA", "country": null}, "plan": "pro"}}"#;
        let Ok(UpsertPayload::Encoded(fast)) = payload_from_json(&mapping, text) else {
            panic!("not encoded");
        };
        let full: Value = serde_json::from_str(text).unwrap();
        let payload = validate_payload(mapping.apply(&full).unwrap().unwrap()).unwrap();
        assert_eq!(
            fast,
            build_contact(&payload, &FieldDefinitions::default()).unwrap()
        );
        assert!(String::from_utf8(fast.json)
            .unwrap()
            .contains(r#""phone_number":"14155550100""#));

        // A nested object other than customFields takes the general path; bad text
        // is the record's error.
        let nested = Mapping::compile(&json!({"primary_email": {"@path": "$.e"},
            "first_name": {"a": {"@path": "$.p"}}}))
        .unwrap();
        let mapped = payload_from_json(&nested, r#"{"e": "a@b.co", "p": "x", "q": 1}"#).unwrap();
        assert_eq!(
            mapped,
            UpsertPayload::Mapped(json!({"primary_email": "a@b.co", "first_name": {"a": "x"}}))
        );
        let err = payload_from_json(&nested, "{\"e\": ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid JSON: EOF while parsing a value (column 6)"
        );
        let err = payload_from_json(&nested, "[1, 2]").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a JSON object, got an array"),
            "{err}"
        );
    }

    /// The contact sent for a payload (custom fields resolved), or the error.
    fn resolved(payload: Result<UpsertPayload, Error>) -> Result<String, String> {
        let fields = FieldDefinitions::from_json(&json!({"custom_fields": [
            {"id": "e1_T", "name": "plan"}, {"id": "e2_N", "name": "Score"},
            {"id": "e3_T", "name": "2"},
        ]}));
        let contact = match payload.map_err(|e| e.to_string())? {
            UpsertPayload::Encoded(contact) => contact,
            UpsertPayload::Pending(pending) => pending
                .finish(&fields)
                .map_err(|e| e.into_error().to_string())?,
            UpsertPayload::Mapped(value) => {
                let valid = validate_payload(value).map_err(|e| e.to_string())?;
                build_contact(&valid, &fields).map_err(|e| e.into_error().to_string())?
            }
        };
        Ok(String::from_utf8(contact.json).unwrap())
    }

    #[test]
    fn custom_fields_of_scalars_are_encoded_as_the_general_path_resolves_them() {
        let mapping = Mapping::compile(&json!({
            "primary_email": {"@path": "$.e"},
            "customFields": {"plan": {"@path": "$.p"}, "score": {"@path": "$.s"},
                             "2": {"@template": "{{p}}!"}, "gone": {"@path": "$.none"},
                             "flag": {"@path": "$.b"}},
        }))
        .unwrap();
        for text in [
            r#"{"e": "a@b.co", "p": "pro", "s": 1.5}"#,
            r#"{"e": "a@b.co", "p": null, "s": "7"}"#,
            r#"{"e": "", "p": "x"}"#,
            r#"{"e": "a@b.co", "p": "x", "b": true}"#,
            r#"{"e": "a@b.co", "p": "x", "s": [1]}"#,
        ] {
            let fast = payload_from_json(&mapping, text);
            assert!(
                !matches!(fast, Ok(UpsertPayload::Mapped(_))) || text.contains('['),
                "{text}"
            );
            let record: Value = serde_json::from_str(text).unwrap();
            let general = mapping
                .apply(&record)
                .map(|v| UpsertPayload::Mapped(v.unwrap()));
            assert_eq!(resolved(fast), resolved(general), "{text}");
        }
        let text = r#"{"e": "a@b.co", "p": "pro", "s": 1.5}"#;
        assert_eq!(
            resolved(payload_from_json(&mapping, text)).unwrap(),
            r#"{"email":"a@b.co","custom_fields":{"e3_T":"pro!","e1_T":"pro","e2_N":1.5}}"#
        );
        let unknown = r#"{"e": "a@b.co", "b": false}"#;
        assert!(resolved(payload_from_json(&mapping, unknown))
            .unwrap_err()
            .contains("Unknown custom field 'flag'"));
    }

    #[test]
    fn leaves_list_ids_to_the_general_path() {
        let members = [
            ("anonymous_id", Scalar::Str("a")),
            ("list_ids", Scalar::Str("x")),
        ];
        assert!(encode_flat_contact(&members).is_none());
    }

    #[test]
    fn a_scalar_custom_fields_member_fails_or_is_dropped_as_on_the_general_path() {
        for value in [
            Scalar::Str("x"),
            Scalar::Number(3.into()),
            Scalar::Bool(true),
            Scalar::Null,
            Scalar::Str(""),
        ] {
            let members = [("anonymous_id", Scalar::Str("a")), ("customFields", value)];
            let fast = encode_flat_contact(&members).expect("the fast path takes it");
            assert_eq!(
                fast.map_err(|e| e.to_string()),
                general(&members).map_err(|e| e.to_string()),
                "{members:?}"
            );
        }
    }

    #[test]
    fn writes_the_contact_in_convert_payload_order() {
        let members = [
            ("enable_batching", Scalar::Bool(true)),
            ("state", Scalar::Str("CA")),
            ("first_name", Scalar::Str("Zoë")),
            ("primary_email", Scalar::Str("z@example.com")),
            ("postal_code", Scalar::Number(Number::from(94107))),
            ("anonymous_id", Scalar::Str("anon")),
        ];
        let contact = encode_flat_contact(&members).unwrap().unwrap();
        assert_eq!(
            String::from_utf8(contact.json.clone()).unwrap(),
            r#"{"first_name":"Zoë","postal_code":"94107","anonymous_id":"anon","state_province_region":"CA","email":"z@example.com","custom_fields":{}}"#
        );
        assert_eq!(sent_email(&contact.json).as_deref(), Some("z@example.com"));
    }
}
