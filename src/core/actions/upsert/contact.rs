//! A validated payload → the contact object SendGrid receives, as Segment's
//! `convertPayload` builds it, serialised once to the exact bytes sent.
//!
//! Key order: the payload's keys (minus `state`, `primary_email`,
//! `enable_batching`, `customFields`, and our `list_ids`), then
//! `state_province_region`, `email`, `custom_fields` (always present).

use serde_json::{Map, Value};

use super::fields::FieldDefinitions;
use crate::error::Error;
use crate::js;

/// Segment's message when no identifier is left after validation.
pub const NO_IDENTIFIER: &str = "Contact must have at least one identifying field included (email, phone_number_id, external_id, anonymous_id).";

/// Segment's message for a custom field key that is neither an id nor a name.
pub fn unknown_custom_field_message(key: &str) -> String {
    format!(
        "Unknown custom field '{key}'. To see your defined custom fields, visit https://mc.sendgrid.com/custom-fields"
    )
}

/// Payload keys that `convertPayload` renames or drops.
pub(super) const NOT_COPIED: &[&str] = &[
    "state",
    "primary_email",
    "enable_batching",
    "customFields",
    "list_ids",
];

/// One contact ready to be placed in a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// The contact object's JSON text, exactly as it is sent.
    pub json: Vec<u8>,
    /// The record's own `list_ids` (from the mapping), when it has them.
    pub list_ids: Option<Vec<String>>,
}

/// Why a payload cannot become a contact.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactError {
    /// No identifier: Segment's message.
    NoIdentifier,
    /// A `customFields` key the definitions do not know.
    UnknownCustomField(String),
}

impl ContactError {
    pub fn into_error(self) -> Error {
        match self {
            Self::NoIdentifier => Error::validation(NO_IDENTIFIER, None),
            Self::UnknownCustomField(key) => {
                Error::validation(unknown_custom_field_message(&key), Some("customFields"))
            }
        }
    }
}

/// The identifiers a contact needs at least one of (truthy), in Segment's order.
pub(super) const IDENTIFIERS: &[&str] = &[
    "primary_email",
    "phone_number_id",
    "external_id",
    "anonymous_id",
];

/// Payload keys `convertPayload` moves to the end under another name, in order.
pub(super) const RENAMED: &[(&str, &str)] = &[
    ("state", "state_province_region"),
    ("primary_email", "email"),
];

/// Builds and serialises the contact for a payload that passed
/// [`super::payload::validate_payload`].
pub fn build_contact(
    payload: &Map<String, Value>,
    fields: &FieldDefinitions,
) -> Result<Contact, ContactError> {
    let identified = IDENTIFIERS
        .iter()
        .any(|key| is_truthy_identifier(payload.get(*key)));
    if !identified {
        return Err(ContactError::NoIdentifier);
    }
    let custom_fields = match payload.get("customFields") {
        Some(Value::Object(custom)) => {
            convert_custom_fields(custom.iter().map(|(k, v)| (k.as_str(), v)), fields)?
        }
        _ => Map::new(),
    };

    let mut entries: Vec<(&str, &Value)> = payload
        .iter()
        .filter(|(key, _)| !NOT_COPIED.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value))
        .collect();
    for (from, to) in RENAMED {
        if let Some(value) = payload.get(*from) {
            entries.push((to, value));
        }
    }
    let custom_value = Value::Object(custom_fields);
    entries.push(("custom_fields", &custom_value));

    let mut json = Vec::with_capacity(256);
    json.push(b'{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            json.push(b',');
        }
        js::write_json_string(&mut json, key);
        json.push(b':');
        js::write_json(&mut json, value);
    }
    json.push(b'}');

    let list_ids = payload
        .get("list_ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        });
    Ok(Contact { json, list_ids })
}

/// A contact encoded but for its custom fields, which are named by the
/// mapping and need the account's field definitions (fetched by the run).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingContact {
    /// The contact's JSON up to its `custom_fields` member (`{` and members,
    /// each followed by `,`).
    pub(super) head: Vec<u8>,
    /// The `customFields` members the mapping defined, in order.
    pub(super) custom: Vec<(String, Value)>,
}

impl PendingContact {
    /// The contact, its custom fields resolved against `fields` as
    /// [`build_contact`] resolves them.
    pub fn finish(&self, fields: &FieldDefinitions) -> Result<Contact, ContactError> {
        let custom = self.custom.iter().map(|(k, v)| (k.as_str(), v));
        let converted = convert_custom_fields(custom, fields)?;
        let mut json = Vec::with_capacity(self.head.len() + 24 + converted.len() * 24);
        json.extend_from_slice(&self.head);
        json.extend_from_slice(b"\"custom_fields\":");
        js::write_json(&mut json, &Value::Object(converted));
        json.push(b'}');
        Ok(Contact {
            json,
            list_ids: None,
        })
    }
}

/// The `email` member of a contact's JSON text, to match SendGrid's "email
/// 'x' is not valid" to its contact. Read back from the bytes only when a
/// request failed, so a run keeps no second copy of every address.
pub fn sent_email(json: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Sent {
        email: Option<String>,
    }
    serde_json::from_slice::<Sent>(json).ok()?.email
}

/// JS truthiness of an identifier value (`""` and `null` do not count).
pub(super) fn is_truthy_identifier(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(_) => true,
    }
}

/// Keys → field ids; strings and numbers are sent as they are, booleans,
/// arrays and objects as their `JSON.stringify` text; `null` values are left
/// out (deviation D4: Segment sends the string "null"). When two keys name
/// the same field, the later value wins (in the first key's position).
fn convert_custom_fields<'v>(
    custom: impl Iterator<Item = (&'v str, &'v Value)>,
    fields: &FieldDefinitions,
) -> Result<Map<String, Value>, ContactError> {
    let mut converted = Map::new();
    for (key, value) in custom {
        let id = fields
            .resolve(key)
            .ok_or_else(|| ContactError::UnknownCustomField(key.to_owned()))?;
        let sent = match value {
            Value::Null => continue,
            Value::String(_) | Value::Number(_) => value.clone(),
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
                Value::String(js::stringify(value))
            }
        };
        converted.insert(id.to_owned(), sent);
    }
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> FieldDefinitions {
        FieldDefinitions::from_json(&json!({"custom_fields": [
            {"id": "e1_N", "name": "Age"}, {"id": "e2_T", "name": "Source"},
            {"id": "e3_D", "name": "Signup_Date"}, {"id": "w4_T", "name": "favorite_color"},
            {"id": "e5_N", "name": "lifetime_value"},
        ]}))
    }

    fn build(payload: Value) -> Result<Contact, ContactError> {
        let Value::Object(map) = payload else {
            panic!()
        };
        build_contact(&map, &defs())
    }

    fn text(contact: &Contact) -> String {
        String::from_utf8(contact.json.clone()).unwrap()
    }

    #[test]
    fn orders_keys_like_convert_payload() {
        let contact = build(json!({
            "enable_batching": true, "first_name": "Jane", "state": "CA", "city": null,
            "primary_email": "j@example.com", "anonymous_id": "a", "list_ids": ["l"],
        }))
        .unwrap();
        assert_eq!(
            text(&contact),
            r#"{"first_name":"Jane","city":null,"anonymous_id":"a","state_province_region":"CA","email":"j@example.com","custom_fields":{}}"#
        );
        assert_eq!(sent_email(&contact.json).as_deref(), Some("j@example.com"));
        assert_eq!(contact.list_ids, Some(vec!["l".to_owned()]));
    }

    #[test]
    fn converts_custom_field_keys_and_values() {
        let contact = build(json!({"external_id": "x", "customFields": {
            "Age": true, "Source": false, "Signup_Date": ["a", 1, true, null, {"k": "v"}],
            "favorite_color": {"z": 1, "a": {"nested": [1, 2]}, "s": "str"},
            "lifetime_value": null,
        }}))
        .unwrap();
        assert_eq!(
            text(&contact),
            r#"{"external_id":"x","custom_fields":{"e1_N":"true","e2_T":"false","e3_D":"[\"a\",1,true,null,{\"k\":\"v\"}]","w4_T":"{\"z\":1,\"a\":{\"nested\":[1,2]},\"s\":\"str\"}"}}"#
        );
        let numbers = build(json!({"external_id": "x", "customFields": {
            "Age": 1e21, "lifetime_value": 0.30000000000000004, "Source": 5e-7, "e1_N": 7}}))
        .unwrap();
        assert_eq!(
            text(&numbers),
            r#"{"external_id":"x","custom_fields":{"e1_N":7,"e5_N":0.30000000000000004,"e2_T":5e-7}}"#
        );
    }

    #[test]
    fn identifier_and_unknown_field_errors_carry_segment_messages() {
        for payload in [
            json!({"first_name": "X", "anonymous_id": null}),
            json!({"first_name": "X", "primary_email": ""}),
            json!({}),
        ] {
            assert_eq!(build(payload).unwrap_err(), ContactError::NoIdentifier);
        }
        let err =
            build(json!({"anonymous_id": "a", "customFields": {"shoe_size": 1}})).unwrap_err();
        assert_eq!(err, ContactError::UnknownCustomField("shoe_size".into()));
        assert_eq!(
            err.into_error().to_string(),
            "Unknown custom field 'shoe_size'. To see your defined custom fields, visit https://mc.sendgrid.com/custom-fields"
        );
    }
}
