//! Segment's schema stage for a mapped "Send Email with Dynamic Template"
//! payload: `removeEmptyValues`, then AJV with `coerceTypes: "array"`,
//! `removeAdditional` and ajv-formats, as the recorded vectors show it.
//! The result is a typed [`SendPayload`]; the action's own checks follow in
//! `mail.rs`.

use serde_json::{Map, Value};

use super::formats::{is_email, parse_date_time};
use crate::error::{Error, Result};
use crate::js::{js_trim, number_to_string};
use crate::json_kind::a_json_type;

/// An address after the schema stage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Address {
    pub email: Option<String>,
    pub name: Option<String>,
}

/// The validated, coerced payload (Segment's field names).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SendPayload {
    pub domain: Option<String>,
    pub from: Address,
    pub to: Address,
    pub cc: Option<Vec<Address>>,
    pub bcc: Option<Vec<Address>>,
    pub headers: Option<Map<String, Value>>,
    pub dynamic_template_data: Option<Map<String, Value>>,
    pub template_id: String,
    pub custom_args: Option<Map<String, Value>>,
    pub send_at: Option<String>,
    pub reply_to: Option<Address>,
    pub categories: Option<Vec<String>>,
    pub ip_pool_name: Option<String>,
    pub group_id: Option<String>,
    pub sandbox_mode: Option<bool>,
}

/// Field labels, as Segment's schema messages name them.
fn label(field: &str) -> &'static str {
    match field {
        "domain" => "Validated Domain",
        "from" => "From",
        "to" => "To",
        "cc" => "CC",
        "bcc" => "BCC",
        "headers" => "Headers",
        "dynamic_template_data" => "Dynamic Template Data",
        "template_id" => "Dynamic Template",
        "custom_args" => "Custom Args",
        "send_at" => "Send At",
        "reply_to" => "Reply To",
        "categories" => "Categories",
        "ip_pool_name" => "IP Pool",
        "group_id" => "Group ID",
        "sandbox_mode" => "Sandbox Mode",
        _ => "Value",
    }
}

/// Segment's field definition order; the first failing field is reported.
const FIELD_ORDER: [&str; 15] = [
    "domain",
    "from",
    "to",
    "cc",
    "bcc",
    "headers",
    "dynamic_template_data",
    "template_id",
    "custom_args",
    "send_at",
    "reply_to",
    "categories",
    "ip_pool_name",
    "group_id",
    "sandbox_mode",
];

/// `multiple: true` fields and whether their items are typed `string`
/// (else `object`).
const LIST_FIELDS: [(&str, bool); 3] = [("cc", false), ("bcc", false), ("categories", true)];

/// `removeEmptyValues` as recorded: top-level `""` and `null` go (D5: in
/// batches too); inside the typed address objects `null` goes but `""`
/// stays; in the lists, items that are empty for their item type go (see
/// [`is_empty_item`]), while members of the items that stay are left alone
/// (Segment filters on a cleaned copy and keeps the original item); free-form
/// objects are left alone.
pub fn remove_empty_values(payload: &mut Map<String, Value>) {
    payload.retain(|_, v| !matches!(v, Value::Null) && v.as_str() != Some(""));
    for field in ["from", "to", "reply_to"] {
        if let Some(Value::Object(address)) = payload.get_mut(field) {
            for key in ["email", "name"] {
                if address.get(key) == Some(&Value::Null) {
                    address.remove(key);
                }
            }
        }
    }
    for (field, string_items) in LIST_FIELDS {
        if let Some(Value::Array(items)) = payload.get_mut(field) {
            items.retain(|item| !is_empty_item(item, string_items));
        }
    }
}

/// Segment drops a list item when `removeEmptyValues(item, itemSchema)` is
/// `undefined`: `null` (no item type allows it), and `""` unless items are
/// strings. Recorded: `cc: [null, {…}]` sends the one cc, `categories:
/// ["a", null]` sends `["a"]`, `cc: ["", {…}]` the one cc.
fn is_empty_item(item: &Value, string_items: bool) -> bool {
    match item {
        Value::Null => true,
        Value::String(s) => s.is_empty() && !string_items,
        _ => false,
    }
}

fn type_error(label: &str, expected: &str, value: &Value, field: &str) -> Error {
    Error::validation(
        format!(
            "{label} must be {expected} but it was {}.",
            a_json_type(value)
        ),
        Some(field),
    )
}

/// AJV's coercion to `string` (with `coerceTypes: "array"` unwrapping a
/// one-item array first).
fn coerce_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(number_to_string(n)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(items) if items.len() == 1 && !items[0].is_array() => coerce_string(&items[0]),
        _ => None,
    }
}

fn coerce_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        Value::Number(n) if n.as_f64() == Some(1.0) => Some(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Some(false),
        Value::Null => Some(false),
        Value::Array(items) if items.len() == 1 && !items[0].is_array() => coerce_bool(&items[0]),
        _ => None,
    }
}

fn string_field(value: &Value, label: &str, field: &str) -> Result<String> {
    coerce_string(value).ok_or_else(|| type_error(label, "a string", value, field))
}

fn object_field(value: Value, field: &str) -> Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(type_error(label(field), "an object", &other, field)),
    }
}

/// An address object: extra keys dropped (`removeAdditional`), `email`
/// required or not, the email format checked unless `blank_ok` and blank.
fn address(
    value: Value,
    path: &str,
    owner: &str,
    email_required: bool,
    blank_ok: bool,
) -> Result<Address> {
    let map = match value {
        Value::Object(map) => map,
        other => {
            return Err(type_error(
                &schema_label(path, owner),
                "an object",
                &other,
                path,
            ))
        }
    };
    let email_path = format!("{path}.email");
    let email_label = format!("{owner} Email");
    let email = match map.get("email") {
        None if email_required => {
            return Err(Error::validation(
                format!("{owner} is missing the required field 'email'."),
                Some(&email_path),
            ))
        }
        None => None,
        Some(v) => Some(string_field(v, &email_label, &email_path)?),
    };
    if let Some(email) = &email {
        // D6, D16: a blank cc/bcc address (a `null` one became `""` above,
        // as AJV coerces it) is dropped later, not a schema error.
        let skip = blank_ok && js_trim(email).is_empty();
        if !skip && !is_email(email) {
            return Err(Error::validation(
                format!("{email_label} must be a valid email address string but it was not."),
                Some(&email_path),
            ));
        }
    }
    let name = match map.get("name") {
        None => None,
        Some(v) => Some(string_field(
            v,
            &format!("{owner} Name"),
            &format!("{path}.name"),
        )?),
    };
    Ok(Address { email, name })
}

/// How AJV's messages name the value at `path` (`cc.1`): list items have an
/// untitled schema, named by their JSON pointer (recorded: "The value at
/// /cc/0 must be an object but it was an array."); fields by their label.
fn schema_label(path: &str, label: &str) -> String {
    if path.contains('.') {
        format!("The value at /{}", path.replace('.', "/"))
    } else {
        label.to_owned()
    }
}

/// `multiple: true` fields: a single value becomes a one-item list.
fn arrify(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// Runs the schema stage on one mapped payload.
pub fn validate_schema(payload: Value) -> Result<SendPayload> {
    let mut map = match payload {
        Value::Object(map) => map,
        other => return Err(type_error("The root value", "an object", &other, "")),
    };
    remove_empty_values(&mut map);
    for required in ["from", "to", "template_id"] {
        if !map.contains_key(required) {
            return Err(Error::validation(
                format!("The root value is missing the required field '{required}'."),
                Some(required),
            ));
        }
    }
    let mut out = SendPayload::default();
    // Unknown top-level keys are never read: removeAdditional drops them.
    for field in FIELD_ORDER {
        let Some(value) = map.remove(field) else {
            continue;
        };
        let lbl = label(field);
        match field {
            "domain" => out.domain = Some(string_field(&value, lbl, field)?),
            "from" => out.from = address(value, "from", lbl, true, false)?,
            "to" => out.to = address(value, "to", lbl, true, false)?,
            "reply_to" => out.reply_to = Some(address(value, "reply_to", lbl, false, false)?),
            "cc" | "bcc" => {
                let list = arrify(value)
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| address(item, &format!("{field}.{i}"), lbl, false, true))
                    .collect::<Result<Vec<_>>>()?;
                if field == "cc" {
                    out.cc = Some(list);
                } else {
                    out.bcc = Some(list);
                }
            }
            "headers" => out.headers = Some(object_field(value, field)?),
            "dynamic_template_data" => {
                out.dynamic_template_data = Some(object_field(value, field)?)
            }
            "custom_args" => out.custom_args = Some(object_field(value, field)?),
            "template_id" => out.template_id = string_field(&value, lbl, field)?,
            "send_at" => {
                let text = string_field(&value, lbl, field)?;
                if parse_date_time(&text).is_none() {
                    return Err(Error::validation(
                        format!("{lbl} must be a valid date and time string but it was not."),
                        Some("send_at"),
                    ));
                }
                out.send_at = Some(text);
            }
            "categories" => {
                let items = arrify(value)
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let path = format!("categories.{i}");
                        string_field(item, &schema_label(&path, lbl), &path)
                    })
                    .collect::<Result<Vec<_>>>()?;
                out.categories = Some(items);
            }
            "ip_pool_name" => out.ip_pool_name = Some(string_field(&value, lbl, field)?),
            "group_id" => out.group_id = Some(string_field(&value, lbl, field)?),
            "sandbox_mode" => {
                out.sandbox_mode = Some(
                    coerce_bool(&value)
                        .ok_or_else(|| type_error(lbl, "a boolean", &value, field))?,
                )
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(extra: Value) -> Result<SendPayload> {
        let mut payload =
            json!({"from": {"email": "a@b.co"}, "to": {"email": "c@d.co"}, "template_id": "d-1"});
        for (k, v) in extra.as_object().unwrap() {
            payload[k] = v.clone();
        }
        validate_schema(payload)
    }

    /// Null list items go before the item checks; the items that stay keep
    /// their own null members (a cc name becomes "", as AJV coerces it).
    #[test]
    fn null_list_items_are_removed() {
        let out = schema(json!({
            "cc": [null, {"email": "x@y.co", "name": null}, ""],
            "bcc": [null],
            "categories": [null, "a", "", null],
        }))
        .unwrap();
        let cc = Address {
            email: Some("x@y.co".into()),
            name: Some(String::new()),
        };
        assert_eq!(out.cc, Some(vec![cc]));
        assert_eq!(out.bcc, Some(vec![]));
        assert_eq!(out.categories, Some(vec!["a".to_owned(), String::new()]));
    }

    /// Items that are not empty still fail as before, and free-form objects
    /// keep their nulls.
    #[test]
    fn other_items_and_objects_are_untouched() {
        let err = schema(json!({"cc": [null, [null]]})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The value at /cc/0 must be an object but it was an array."
        );
        let err = schema(json!({"categories": [null, "a", {}]})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The value at /categories/1 must be a string but it was an object."
        );
        let out = schema(json!({"dynamic_template_data": {"a": [null, {"b": null}]}})).unwrap();
        assert_eq!(
            Value::Object(out.dynamic_template_data.unwrap()),
            json!({"a": [null, {"b": null}]})
        );
    }
}
