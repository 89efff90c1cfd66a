//! Segment's schema stage for a mapped Upsert Contact payload, run between
//! the mapping and the action: `removeEmptyValues`, then AJV with
//! `coerceTypes: "array"` and `removeAdditional`. The rules are those the
//! recorded vectors show; messages follow `@segment/ajv-human-errors`
//! (`<Label> must be <expected> but it was <actual>.`).

use serde_json::{Map, Value};

use crate::error::Error;
use crate::js;
use crate::json_kind::a_json_type;

/// The JSON-schema type of one action field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `type: ["string", "null"]` (every contact field has `allowNull`).
    NullableString,
    /// `type: "boolean"` (`enable_batching`, accepted and never sent).
    Boolean,
    /// `type: "object"` (`customFields`).
    Object,
    /// Ours: `list_ids`, an array of list ids (a single id is wrapped).
    StringList,
}

#[derive(Debug)]
pub(super) struct Field {
    pub name: &'static str,
    label: &'static str,
    pub kind: Kind,
}

/// The action's fields in Segment's declaration order, which is also the
/// order AJV checks them in. Labels are Segment's field labels.
const FIELDS: &[Field] = &[
    field(
        "enable_batching",
        "Batch Data to SendGrid Contacts PUT API",
        Kind::Boolean,
    ),
    field("first_name", "First Name", Kind::NullableString),
    field("last_name", "Last Name", Kind::NullableString),
    field("country", "Country", Kind::NullableString),
    field("postal_code", "Postal Code", Kind::NullableString),
    field("city", "City", Kind::NullableString),
    field("state", "State", Kind::NullableString),
    field("address_line_1", "Address Line 1", Kind::NullableString),
    field("address_line_2", "Address Line 2", Kind::NullableString),
    field("phone_number", "Phone Number", Kind::NullableString),
    field("whatsapp", "WhatsApp", Kind::NullableString),
    field("line", "Line", Kind::NullableString),
    field("facebook", "Facebook", Kind::NullableString),
    field("unique_name", "Unique Name", Kind::NullableString),
    field("primary_email", "Email Address", Kind::NullableString),
    field("phone_number_id", "Phone Number ID", Kind::NullableString),
    field("external_id", "External ID", Kind::NullableString),
    field("anonymous_id", "Anonymous ID", Kind::NullableString),
    field("customFields", "Other Fields", Kind::Object),
    field("list_ids", "List IDs", Kind::StringList),
];

const fn field(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { name, label, kind }
}

/// The field named `name` and its position in declaration order.
pub(super) fn spec(name: &str) -> Option<(usize, &'static Field)> {
    FIELDS.iter().enumerate().find(|(_, f)| f.name == name)
}

/// Message for a record that is not a JSON object.
pub const NOT_A_MAPPING: &str = "record must be a mapping";

/// Runs the schema stage on a mapped payload and returns the validated
/// payload (same key order, coerced values, unknown keys removed).
pub fn validate_payload(payload: Value) -> Result<Map<String, Value>, Error> {
    let Value::Object(payload) = payload else {
        return Err(Error::validation(NOT_A_MAPPING, None));
    };
    let mut cleaned = remove_empty_values(payload);
    for field in FIELDS {
        if let Some(value) = cleaned.get_mut(field.name) {
            coerce(field, value)?;
        }
    }
    Ok(cleaned)
}

/// `removeEmptyValues(payload, schema, isRoot = true)` followed by
/// `removeAdditional`: a top-level `""` is dropped whatever the field type
/// (single-event behaviour, used for batches too: deviation D5); `null` is
/// dropped where the field does not accept null; values under
/// `customFields` are left alone (its schema declares no properties); keys
/// that are not fields are dropped.
fn remove_empty_values(payload: Map<String, Value>) -> Map<String, Value> {
    payload
        .into_iter()
        .filter(|(key, value)| {
            let Some((_, field)) = spec(key) else {
                return false;
            };
            match value {
                Value::String(s) => !s.is_empty(),
                Value::Null => field.kind == Kind::NullableString,
                _ => true,
            }
        })
        .collect()
}

/// AJV's type check with `coerceTypes: "array"` for one field, in place.
pub(super) fn coerce(field: &Field, value: &mut Value) -> Result<(), Error> {
    let coerced = match (field.kind, &*value) {
        (Kind::NullableString, Value::String(_) | Value::Null) => return Ok(()),
        (Kind::NullableString, Value::Number(n)) => Value::String(js::number_to_string(n)),
        (Kind::NullableString, Value::Bool(b)) => Value::String(b.to_string()),
        (Kind::NullableString, Value::Array(items)) if items.len() == 1 => {
            match unwrap_nullable_string(&items[0]) {
                Some(coerced) => coerced,
                None => return Err(type_error(field, value)),
            }
        }
        (Kind::Boolean, Value::Bool(_)) => return Ok(()),
        (Kind::Boolean, Value::String(s)) if s == "true" => Value::Bool(true),
        (Kind::Boolean, Value::String(s)) if s == "false" => Value::Bool(false),
        (Kind::Boolean, Value::Number(n)) if n.as_f64() == Some(1.0) => Value::Bool(true),
        (Kind::Boolean, Value::Number(n)) if n.as_f64() == Some(0.0) => Value::Bool(false),
        (Kind::Object, Value::Object(_)) => return Ok(()),
        (Kind::StringList, _) => return coerce_list(field, value),
        _ => return Err(type_error(field, value)),
    };
    *value = coerced;
    Ok(())
}

/// AJV's `coerceTypes: "array"` on a one-item array for `["string", "null"]`,
/// as recorded: the item is coerced, never taken as it is (`[null]` → `""`,
/// `[""]` → `null`, `[7]` → `"7"`), and any other string, array or object
/// item is a type error (`["Solo"]` fails).
fn unwrap_nullable_string(item: &Value) -> Option<Value> {
    match item {
        Value::Null => Some(Value::String(String::new())),
        Value::String(s) if s.is_empty() => Some(Value::Null),
        Value::Number(n) => Some(Value::String(js::number_to_string(n))),
        Value::Bool(b) => Some(Value::String(b.to_string())),
        _ => None,
    }
}

fn coerce_list(field: &Field, value: &mut Value) -> Result<(), Error> {
    match value {
        Value::Null => *value = Value::Array(Vec::new()),
        Value::String(s) => *value = Value::Array(vec![Value::String(std::mem::take(s))]),
        Value::Array(items) => {
            if let Some(bad) = items
                .iter()
                .find(|item| !matches!(item, Value::String(s) if !s.trim().is_empty()))
            {
                return Err(Error::validation(
                    format!(
                        "{} must be a list of non-empty strings but it held {}.",
                        field.label,
                        a_json_type(bad)
                    ),
                    Some(field.name),
                ));
            }
        }
        other => {
            return Err(Error::validation(
                format!(
                    "{} must be a list of strings but it was {}.",
                    field.label,
                    a_json_type(&*other)
                ),
                Some(field.name),
            ))
        }
    }
    Ok(())
}

fn type_error(field: &Field, value: &Value) -> Error {
    let expected = match field.kind {
        Kind::NullableString => "a string or null",
        Kind::Boolean => "a boolean",
        Kind::Object | Kind::StringList => "an object",
    };
    // AJV unwraps a one-item array before the failing check, so the message
    // names the item's type (recorded: `["Solo"]` → "but it was a string").
    let actual = match value {
        Value::Array(items) if items.len() == 1 => a_json_type(&items[0]),
        other => a_json_type(other),
    };
    Error::validation(
        format!("{} must be {expected} but it was {actual}.", field.label),
        Some(field.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(payload: Value) -> String {
        match validate_payload(payload) {
            Err(Error::PayloadValidation { message, .. }) => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn coerces_scalars_and_keeps_order() {
        let out = validate_payload(json!({
            "enable_batching": true, "first_name": 42, "last_name": true,
            "phone_number": 15555550123u64, "postal_code": 1e21, "anonymous_id": "a",
        }))
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"enable_batching": true, "first_name": "42", "last_name": "true",
                   "phone_number": "15555550123", "postal_code": "1e+21", "anonymous_id": "a"})
        );
    }

    #[test]
    fn removes_empty_strings_disallowed_nulls_and_unknown_keys() {
        let out = validate_payload(json!({
            "primary_email": "", "first_name": null, "customFields": null,
            "enable_batching": null, "not_a_field": "x", "another": "",
            "customFields2": {}, "city": "c",
        }))
        .unwrap();
        assert_eq!(Value::Object(out), json!({"first_name": null, "city": "c"}));
        let nested = validate_payload(json!({"customFields": {"a": "", "b": null}})).unwrap();
        assert_eq!(nested["customFields"], json!({"a": "", "b": null}));
    }

    #[test]
    fn reports_segment_messages() {
        assert_eq!(
            message(json!({"first_name": {"a": 1}})),
            "First Name must be a string or null but it was an object."
        );
        assert_eq!(
            message(json!({"first_name": ["Solo"]})),
            "First Name must be a string or null but it was a string."
        );
        assert_eq!(
            message(json!({"first_name": [[null]]})),
            "First Name must be a string or null but it was an array."
        );
        assert_eq!(
            message(json!({"last_name": ["x", "y"]})),
            "Last Name must be a string or null but it was an array."
        );
        assert_eq!(
            message(json!({"customFields": "not-an-object"})),
            "Other Fields must be an object but it was a string."
        );
        assert_eq!(message(json!([1])), NOT_A_MAPPING);
        // AJV stops at the first field in declaration order.
        assert!(message(json!({"city": {}, "first_name": []})).starts_with("First Name"));
    }

    #[test]
    fn one_item_arrays_are_coerced_like_ajv() {
        let out = validate_payload(json!({
            "first_name": [null], "last_name": [""], "city": [7], "country": [false],
        }))
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"first_name": "", "last_name": null, "city": "7", "country": "false"})
        );
    }

    #[test]
    fn list_ids_are_wrapped_and_checked() {
        let out = validate_payload(json!({"list_ids": "l1"})).unwrap();
        assert_eq!(out["list_ids"], json!(["l1"]));
        assert!(message(json!({"list_ids": [1]})).starts_with("List IDs"));
        assert!(message(json!({"list_ids": {"a": 1}})).starts_with("List IDs"));
    }
}
