//! The default mappings of Segment's SendGrid (Actions) destination, as data,
//! and `{...defaults, ...mapping}`, which is what Segment runs when a
//! subscription keeps the defaults.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::js;

/// Upsert Contact fields whose default is
/// `@if exists $.traits.X then $.traits.X else $.properties.X`, in Segment's
/// field order: (field, X).
const TRAIT_OR_PROPERTY_FIELDS: [(&str, &str); 16] = [
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("country", "address.country"),
    ("postal_code", "address.postal_code"),
    ("city", "address.city"),
    ("state", "address.state"),
    ("address_line_1", "address.line1"),
    ("address_line_2", "address.line2"),
    ("phone_number", "phone"),
    ("whatsapp", "whatsapp"),
    ("line", "line"),
    ("facebook", "facebook"),
    ("unique_name", "unique_name"),
    ("primary_email", "email"),
    ("phone_number_id", "phone"),
    ("external_id", "external_id"),
];

/// Every field of Send Email in Segment's definition order (only `to` has a
/// default).
const SEND_EMAIL_FIELDS: [&str; 14] = [
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
];

/// Sync List (Segment's `syncAudience`) fields in definition order.
const SYNC_LIST_FIELDS: [&str; 11] = [
    "segment_computation_action",
    "external_audience_id",
    "segment_audience_key",
    "traits_or_props",
    "identifiers",
    "user_attributes",
    "custom_text_fields",
    "custom_number_fields",
    "custom_date_fields",
    "enable_batching",
    "batch_size",
];

/// Sync List user attributes whose default is `@if exists $.traits.X then
/// $.traits.X else $.properties.X`: (attribute, X).
const SYNC_LIST_ATTRIBUTES: [(&str, &str); 9] = [
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("phone_number", "phone"),
    ("address_line_1", "street"),
    ("address_line_2", "address_line_2"),
    ("city", "city"),
    ("state_province_region", "state"),
    ("country", "country"),
    ("postal_code", "postal_code"),
];

/// Upsert Contact fields after the defaulted ones, in definition order.
const UPSERT_CONTACT_LAST_FIELDS: [&str; 1] = ["customFields"];

/// Action names accepted by [`default_mapping`], with Segment's own names.
const ACTIONS: &str = "upsert_contact (updateUserProfile), send_dynamic_template (sendEmail, \
                       send_email), sync_list (syncAudience, delete_contacts)";

/// Segment's canonical name of an action.
fn canonical(action: &str) -> Result<&'static str> {
    match action {
        "upsert_contact" | "updateUserProfile" => Ok("upsert_contact"),
        "send_dynamic_template" | "send_email" | "sendEmail" => Ok("send_dynamic_template"),
        "sync_list" | "syncAudience" | "delete_contacts" => Ok("sync_list"),
        other => Err(Error::Config(format!(
            "unknown action {other:?}; the actions with default mappings are {ACTIONS}"
        ))),
    }
}

/// The default mapping of an action: `"upsert_contact"` (Segment's
/// `updateUserProfile`) or `"send_dynamic_template"` (Segment's `sendEmail`).
pub fn default_mapping(action: &str) -> Result<Value> {
    Ok(match canonical(action)? {
        "upsert_contact" => upsert_contact(),
        "sync_list" => sync_list(),
        _ => send_email(),
    })
}

/// `a` from `$.traits.a`, else from `$.properties.a`.
fn trait_or_property(source: &str) -> Value {
    let from_traits = json!({ "@path": format!("$.traits.{source}") });
    let from_properties = json!({ "@path": format!("$.properties.{source}") });
    json!({ "@if": { "exists": from_traits, "then": from_traits, "else": from_properties } })
}

/// Segment's `syncAudience` defaults (SendGrid Lists (Actions)), used by
/// `sync_list` and, for its identifiers, `delete_contacts`.
fn sync_list() -> Value {
    let attributes: Map<String, Value> = SYNC_LIST_ATTRIBUTES
        .iter()
        .map(|(field, source)| ((*field).to_owned(), trait_or_property(source)))
        .collect();
    json!({
        "segment_computation_action": { "@path": "$.context.personas.computation_class" },
        "external_audience_id": { "@path": "$.context.personas.external_audience_id" },
        "segment_audience_key": { "@path": "$.context.personas.computation_key" },
        "traits_or_props": {
            "@if": { "exists": { "@path": "$.properties" }, "then": { "@path": "$.properties" }, "else": { "@path": "$.traits" } }
        },
        "identifiers": {
            "email": {
                "@if": { "exists": { "@path": "$.traits.email" }, "then": { "@path": "$.traits.email" }, "else": { "@path": "$.context.traits.email" } }
            }
        },
        "user_attributes": attributes,
        "enable_batching": true,
        "batch_size": 100
    })
}

fn upsert_contact() -> Value {
    let mut fields = Map::new();
    fields.insert("enable_batching".into(), Value::Bool(true));
    for (field, source) in TRAIT_OR_PROPERTY_FIELDS {
        fields.insert(field.into(), trait_or_property(source));
    }
    fields.insert("anonymous_id".into(), json!({ "@path": "$.anonymousId" }));
    Value::Object(fields)
}

fn send_email() -> Value {
    json!({
        "to": {
            "email": { "@path": "$.properties.email" },
            "name": { "@path": "$.properties.name" }
        }
    })
}

/// Every field of an action in Segment's definition order.
fn field_order(action: &str) -> Result<Vec<&'static str>> {
    Ok(match canonical(action)? {
        "upsert_contact" => std::iter::once("enable_batching")
            .chain(TRAIT_OR_PROPERTY_FIELDS.iter().map(|(field, _)| *field))
            .chain(["anonymous_id"])
            .chain(UPSERT_CONTACT_LAST_FIELDS)
            .collect(),
        "sync_list" => SYNC_LIST_FIELDS.to_vec(),
        _ => SEND_EMAIL_FIELDS.to_vec(),
    })
}

/// The mapping that runs for `action`: the user's `mapping` over the
/// action's defaults, or `mapping` alone when `use_defaults` is false.
///
/// Segment spreads every field of the action (without a value when it has
/// no default) and then the mapping, so fields keep the action's definition
/// order and fields the action does not define come last.
pub fn effective_mapping(action: &str, mapping: &Value, use_defaults: bool) -> Result<Value> {
    let Value::Object(fields) = mapping else {
        return Err(Error::Mapping(format!(
            "mapping: must be an object of fields, not {}",
            js::type_name(mapping)
        )));
    };
    if !use_defaults {
        return Ok(mapping.clone());
    }
    let defaults = default_mapping(action)?;
    let mut merged: Vec<(String, Option<Value>)> = field_order(action)?
        .into_iter()
        .map(|field| (field.to_owned(), defaults.get(field).cloned()))
        .collect();
    for (key, value) in js::entries_in_js_order(fields) {
        match merged.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = Some(value.clone()),
            None => merged.push((key.to_owned(), Some(value.clone()))),
        }
    }
    merged.sort_by_key(|(k, _)| js::order_key(k));
    Ok(Value::Object(
        merged
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_action_names_the_valid_ones() {
        let err = default_mapping("nope").unwrap_err().to_string();
        assert!(
            err.contains("upsert_contact") && err.contains("send_dynamic_template"),
            "{err}"
        );
        let no_defaults = effective_mapping("upsert_contact", &json!({"x": 1}), false).unwrap();
        assert_eq!(
            default_mapping("syncAudience").unwrap(),
            default_mapping("sync_list").unwrap()
        );
        assert_eq!(no_defaults, json!({"x": 1}));
    }
}
