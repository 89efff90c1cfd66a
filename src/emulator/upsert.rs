//! `PUT /v3/marketing/contacts`: validates the whole request (one bad
//! record rejects it with one error per bad record), then queues an import
//! job that applies the records.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::contacts::{ContactInput, IDENTIFIERS};
use super::errors::{json_response, ApiError, ErrorItem};
use super::fields::FieldStore;
use super::imports;
use super::state::Emulator;
use super::upsert_body::{parse_upsert, FieldKey, RawContacts, RawRecord, UpsertBody, TEXT_FIELDS};
use super::validate::{custom_value_error, is_e164, is_valid_email};
use segment_sendgrid_core::a_json_type;

pub const MAX_CONTACTS: usize = 30_000;

pub async fn upsert(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_upsert(&body) {
        Ok(request) => request,
        Err(e) => return e.into_response(),
    };
    drop(body);
    let validated = {
        let store = em.read();
        validate(request, &store.fields)
    };
    match validated {
        Ok((inputs, list_ids)) => {
            let requested = inputs.len();
            let job_id = imports::submit(&em, imports::Work::Upsert(inputs, list_ids), requested);
            json_response(StatusCode::ACCEPTED, &json!({ "job_id": job_id }))
        }
        Err(errors) => ApiError::new(StatusCode::BAD_REQUEST, errors).into_response(),
    }
}

fn validate_list_ids(
    list_ids: Option<&Value>,
    fields: &FieldStore,
    errors: &mut Vec<ErrorItem>,
) -> Vec<String> {
    match list_ids {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut ids = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(id) if fields.has_list(id) => ids.push(id.to_owned()),
                    Some(id) => errors.push(ErrorItem::new(
                        format!("list_ids[{i}]"),
                        format!("list_id '{id}' does not exist"),
                    )),
                    None => errors.push(ErrorItem::new(
                        format!("list_ids[{i}]"),
                        "list ids must be strings",
                    )),
                }
            }
            ids
        }
        Some(other) => {
            errors.push(ErrorItem::new(
                "list_ids",
                format!("list_ids must be an array, got {}", a_json_type(other)),
            ));
            Vec::new()
        }
    }
}

/// The records and the list ids, or every error found.
fn validate(
    request: UpsertBody,
    fields: &FieldStore,
) -> Result<(Vec<ContactInput>, Vec<String>), Vec<ErrorItem>> {
    let mut errors = Vec::new();
    let list_ids = validate_list_ids(request.list_ids.as_ref(), fields, &mut errors);
    let contacts = match request.contacts {
        RawContacts::Array(items) if items.is_empty() => {
            errors.push(ErrorItem::new(
                "contacts",
                "contacts must hold at least 1 contact",
            ));
            Vec::new()
        }
        RawContacts::Array(items) if items.len() > MAX_CONTACTS => {
            errors.push(ErrorItem::new(
                "contacts",
                format!(
                    "contacts holds {} records; at most {MAX_CONTACTS} are allowed per request",
                    items.len()
                ),
            ));
            Vec::new()
        }
        RawContacts::Array(items) => items,
        RawContacts::Other(kind) => {
            errors.push(ErrorItem::new(
                "contacts",
                format!("contacts must be an array, got {kind}"),
            ));
            Vec::new()
        }
        RawContacts::Missing => {
            errors.push(ErrorItem::new("contacts", "contacts is required"));
            Vec::new()
        }
    };
    let mut inputs = Vec::with_capacity(contacts.len());
    for (index, record) in contacts.into_iter().enumerate() {
        match validate_contact(index, record, fields) {
            Ok(input) => inputs.push(input),
            Err(item) => errors.push(item),
        }
    }
    if errors.is_empty() {
        Ok((inputs, list_ids))
    } else {
        Err(errors)
    }
}

/// One record; the error names the first bad field of it.
fn validate_contact(
    index: usize,
    record: RawRecord,
    fields: &FieldStore,
) -> Result<ContactInput, ErrorItem> {
    let at = |field: &str| format!("contacts[{index}].{field}");
    let record = match record {
        RawRecord::Object(record) => record,
        RawRecord::Other(kind) => {
            return Err(ErrorItem::new(
                format!("contacts[{index}]"),
                format!("each contact must be an object, got {kind}"),
            ))
        }
    };
    let mut input = ContactInput::default();
    input.fields.reserve(record.len());
    for (key, value) in record {
        if value.is_null() {
            continue;
        }
        match key {
            FieldKey::Identifier(kind) => {
                input.identifiers[kind] = Some(validate_identifier(index, kind, value)?);
            }
            FieldKey::Alternates => {
                let alternates = validate_alternates(&at("alternate_emails"), value)?;
                input.fields.push(("alternate_emails", alternates));
            }
            FieldKey::Custom => {
                validate_custom_fields(index, value, fields, &mut input)?;
            }
            FieldKey::Text(i) => {
                let (name, max) = TEXT_FIELDS[i];
                let Value::String(text) = &value else {
                    return Err(ErrorItem::new(at(name), format!("{name} must be a string")));
                };
                if let Some(max) = max.filter(|max| text.chars().count() > *max) {
                    return Err(ErrorItem::new(at(name), format!("{name} is longer than {max} characters")));
                }
                input.fields.push((name, value));
            }
            FieldKey::Unknown(key) => {
                return Err(ErrorItem::new(
                    at(&key),
                    format!("'{key}' is not a contact field; custom fields go in custom_fields, keyed by field id"),
                ))
            }
        }
    }
    if input.identifiers.iter().all(Option::is_none) {
        return Err(ErrorItem::new(
            format!("contacts[{index}]"),
            "a contact must have at least one identifier: email, phone_number_id, external_id or anonymous_id",
        ));
    }
    Ok(input)
}

/// An identifier (`IDENTIFIERS[kind]`): a valid string, the email
/// lower-cased.
fn validate_identifier(index: usize, kind: usize, value: Value) -> Result<String, ErrorItem> {
    let name = IDENTIFIERS[kind];
    let at = || format!("contacts[{index}].{name}");
    let Value::String(text) = value else {
        return Err(ErrorItem::new(at(), format!("{name} must be a string")));
    };
    let text = if kind == 0 { text.to_lowercase() } else { text };
    let valid = match kind {
        0 => text.len() <= 254 && is_valid_email(&text),
        1 => is_e164(&text),
        _ => !text.is_empty() && text.len() <= 254,
    };
    if !valid {
        return Err(ErrorItem::new(
            at(),
            format!("{name} '{text}' is not valid"),
        ));
    }
    Ok(text)
}

/// `custom_fields`: an object keyed by existing field ids, each value of its
/// field's type; added to `input` in order.
fn validate_custom_fields(
    index: usize,
    value: Value,
    fields: &FieldStore,
    input: &mut ContactInput,
) -> Result<(), ErrorItem> {
    let at = |field: &str| format!("contacts[{index}].{field}");
    let Value::Object(custom) = value else {
        return Err(ErrorItem::new(
            at("custom_fields"),
            "custom_fields must be an object",
        ));
    };
    for (id, value) in custom {
        let Some(field) = fields.field(&id) else {
            return Err(ErrorItem::new(
                at(&format!("custom_fields.{id}")),
                format!(
                    "custom field id '{id}' does not exist; custom fields are keyed by field id"
                ),
            ));
        };
        if let Some(problem) = custom_value_error(&field.field_type, &value) {
            return Err(ErrorItem::new(at(&format!("custom_fields.{id}")), problem));
        }
        input.custom_fields.push((id, value));
    }
    Ok(())
}

fn validate_alternates(field: &str, value: Value) -> Result<Value, ErrorItem> {
    let Value::Array(items) = value else {
        return Err(ErrorItem::new(field, "alternate_emails must be an array"));
    };
    if items.len() > 5 {
        return Err(ErrorItem::new(
            field,
            "at most 5 alternate_emails are allowed",
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item.as_str().map(str::to_lowercase) {
            Some(email) if email.len() <= 254 && is_valid_email(&email) => {
                out.push(Value::String(email))
            }
            _ => return Err(ErrorItem::new(field, format!("email {item} is not valid"))),
        }
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        body: Value,
        fields: &FieldStore,
    ) -> Result<(Vec<ContactInput>, Vec<String>), Vec<ErrorItem>> {
        let bytes = serde_json::to_vec(&body).unwrap();
        validate(parse_upsert(&bytes).unwrap(), fields)
    }

    #[test]
    fn one_error_per_bad_record_with_its_field() {
        let mut fields = FieldStore::default();
        let plan = fields.add_field("plan", "Number").unwrap();
        let body = json!({"contacts": [
            {"email": "OK@Example.com"},
            {"email": "x"},
            {"first_name": "no identifier"},
            {"email": "b@c.io", "custom_fields": {"nope": "1"}},
            {"email": "c@c.io", "custom_fields": {(plan.id.clone()): "abc"}},
            {"email": "d@c.io", "favourite": "blue"},
        ]});
        let errors = run(body, &fields).unwrap_err();
        let got: Vec<&str> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        let custom = format!("contacts[4].custom_fields.{}", plan.id);
        assert_eq!(
            got,
            vec![
                "contacts[1].email",
                "contacts[2]",
                "contacts[3].custom_fields.nope",
                custom.as_str(),
                "contacts[5].favourite"
            ]
        );
        assert_eq!(errors[0].message, "email 'x' is not valid");
    }

    #[test]
    fn valid_request_lowercases_and_checks_lists() {
        let mut fields = FieldStore::default();
        let list = fields.add_list("L").unwrap();
        let body = json!({"list_ids": [list.id], "contacts": [{"email": "A@B.io", "alternate_emails": ["X@B.io"]}]});
        let (inputs, lists) = run(body, &fields).unwrap();
        assert_eq!(inputs[0].identifiers[0].as_deref(), Some("a@b.io"));
        assert_eq!(
            inputs[0].fields,
            vec![("alternate_emails", json!(["x@b.io"]))]
        );
        assert_eq!(lists, vec![list.id]);
        let errors = run(
            json!({"list_ids": ["missing"], "contacts": [{"email": "a@b.io"}]}),
            &fields,
        )
        .unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("list_ids[0]"));
        let too_many: Vec<Value> = (0..MAX_CONTACTS + 1)
            .map(|i| json!({"external_id": i.to_string()}))
            .collect();
        let errors = run(json!({"contacts": too_many}), &fields).unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("contacts"));
    }
}
