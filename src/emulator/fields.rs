//! Custom field definitions (with SendGrid's reserved fields and name rules)
//! and contact lists: their stores and their endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::{json_response, parse_object, ApiError};
use super::lists::list_json;
use super::state::Emulator;
use super::validate::uuid;

/// SendGrid allows 500 custom fields per account (current docs).
pub const MAX_CUSTOM_FIELDS: usize = 500;

/// The reserved fields of the spec example (`_rf0_T` … `_rf23_T`), plus the
/// three non-email identifiers the docs list as reserved: (id, name, type,
/// read-only).
pub const RESERVED_FIELDS: &[(&str, &str, &str, bool)] = &[
    ("_rf0_T", "first_name", "Text", false),
    ("_rf1_T", "last_name", "Text", false),
    ("_rf2_T", "email", "Text", false),
    ("_rf3_T", "alternate_emails", "Text", false),
    ("_rf4_T", "address_line_1", "Text", false),
    ("_rf5_T", "address_line_2", "Text", false),
    ("_rf6_T", "city", "Text", false),
    ("_rf7_T", "state_province_region", "Text", false),
    ("_rf8_T", "postal_code", "Text", false),
    ("_rf9_T", "country", "Text", false),
    ("_rf10_T", "phone_number", "Text", false),
    ("_rf11_T", "whatsapp", "Text", false),
    ("_rf12_T", "line", "Text", false),
    ("_rf13_T", "facebook", "Text", false),
    ("_rf14_T", "unique_name", "Text", false),
    ("_rf15_T", "email_domains", "Text", true),
    ("_rf16_D", "last_clicked", "Date", true),
    ("_rf17_D", "last_opened", "Date", true),
    ("_rf18_D", "last_emailed", "Date", true),
    ("_rf19_T", "singlesend_id", "Text", true),
    ("_rf20_T", "automation_id", "Text", true),
    ("_rf21_D", "created_at", "Date", true),
    ("_rf22_D", "updated_at", "Date", true),
    ("_rf23_T", "contact_id", "Text", true),
    ("_rf24_T", "phone_number_id", "Text", false),
    ("_rf25_T", "external_id", "Text", false),
    ("_rf26_T", "anonymous_id", "Text", false),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub id: String,
    pub name: String,
    pub field_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactList {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Default)]
pub struct FieldStore {
    pub custom: Vec<CustomField>,
    pub lists: Vec<ContactList>,
}

impl FieldStore {
    pub fn field(&self, id: &str) -> Option<&CustomField> {
        self.custom.iter().find(|f| f.id == id)
    }

    pub fn has_list(&self, id: &str) -> bool {
        self.lists.iter().any(|l| l.id == id)
    }

    /// Creates a custom field under SendGrid's rules; the error is the
    /// message of the 400. Ids look like SendGrid's: `e<n>_<T|N|D>`.
    pub fn add_field(&mut self, name: &str, field_type: &str) -> Result<CustomField, String> {
        let suffix = match field_type {
            "Text" => 'T',
            "Number" => 'N',
            "Date" => 'D',
            other => {
                return Err(format!(
                    "field_type '{other}' is not valid; use Text, Number or Date"
                ))
            }
        };
        check_field_name(name)?;
        let lower = name.to_ascii_lowercase();
        if RESERVED_FIELDS.iter().any(|(_, n, _, _)| *n == lower) {
            return Err(format!("'{name}' is a reserved field name"));
        }
        if self
            .custom
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(name))
        {
            return Err(format!("a custom field named '{name}' already exists"));
        }
        if self.custom.len() >= MAX_CUSTOM_FIELDS {
            return Err(format!(
                "the account already has the maximum of {MAX_CUSTOM_FIELDS} custom fields"
            ));
        }
        let field = CustomField {
            id: format!("e{}_{suffix}", self.custom.len() + 1),
            name: name.to_owned(),
            field_type: field_type.to_owned(),
        };
        self.custom.push(field.clone());
        Ok(field)
    }

    pub fn add_list(&mut self, name: &str) -> Result<ContactList, String> {
        let length = name.chars().count();
        if name.trim().is_empty() || length > 100 {
            return Err("list name must be 1 to 100 characters".into());
        }
        if self.lists.iter().any(|l| l.name == name) {
            return Err(format!("a list named '{name}' already exists"));
        }
        let list = ContactList {
            id: uuid(),
            name: name.to_owned(),
        };
        self.lists.push(list.clone());
        Ok(list)
    }
}

/// Letters, digits and `_`, starting with a letter or `_`, 1–100 chars.
fn check_field_name(name: &str) -> Result<(), String> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if name.is_empty() || name.len() > 100 || !first_ok || !rest_ok {
        return Err(format!(
            "custom field name '{name}' is not valid: use 1 to 100 letters, digits or underscores, starting with a letter or underscore"
        ));
    }
    Ok(())
}

fn field_json(base: &str, field: &CustomField) -> Value {
    json!({
        "id": field.id,
        "name": field.name,
        "field_type": field.field_type,
        "_metadata": {"self": format!("{base}/v3/marketing/field_definitions/{}", field.id)},
    })
}

pub async fn list_fields(State(em): State<Arc<Emulator>>) -> Response {
    let store = em.read();
    let custom: Vec<Value> = store
        .fields
        .custom
        .iter()
        .map(|f| json!({"id": f.id, "name": f.name, "field_type": f.field_type}))
        .collect();
    let reserved: Vec<Value> = RESERVED_FIELDS
        .iter()
        .map(|(id, name, kind, read_only)| {
            json!({"id": id, "name": name, "field_type": kind, "read_only": read_only})
        })
        .collect();
    let body = json!({
        "custom_fields": custom,
        "reserved_fields": reserved,
        "_metadata": {"self": format!("{}/v3/marketing/field_definitions", em.base_url)},
    });
    json_response(StatusCode::OK, &body)
}

pub async fn create_field(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let Some(name) = request.get("name").and_then(Value::as_str) else {
        return ApiError::bad_request("name", "name is required and must be a string")
            .into_response();
    };
    let Some(field_type) = request.get("field_type").and_then(Value::as_str) else {
        return ApiError::bad_request("field_type", "field_type is required: Text, Number or Date")
            .into_response();
    };
    let created = em.write().fields.add_field(name, field_type);
    match created {
        // SendGrid answers 200 here, not 201 (docs/sendgrid-api-facts.md §8.9).
        Ok(field) => json_response(StatusCode::OK, &field_json(&em.base_url, &field)),
        Err(message) => {
            let field = if message.starts_with("field_type") {
                "field_type"
            } else {
                "name"
            };
            ApiError::bad_request(field, message).into_response()
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    page_size: Option<String>,
    page_token: Option<String>,
}

pub async fn list_lists(
    State(em): State<Arc<Emulator>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return super::templates::bad_query();
    };
    let page_size = match query.page_size.as_deref().map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            return ApiError::bad_request("page_size", "page_size must be a number from 1 to 1000")
                .into_response()
        }
    };
    let Some(offset) = super::templates::decode_page_token(query.page_token.as_deref()) else {
        return ApiError::bad_request("page_token", "page_token is not valid").into_response();
    };
    let mut store = em.write();
    super::imports::settle(&mut store);
    let base = format!("{}/v3/marketing/lists", em.base_url);
    let result: Vec<Value> = store
        .fields
        .lists
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|list| list_json(&em.base_url, list, store.contacts.count_in_list(&list.id)))
        .collect();
    let metadata = super::templates::page_metadata(
        &base,
        &format!("page_size={page_size}"),
        offset,
        page_size,
        store.fields.lists.len(),
    );
    json_response(
        StatusCode::OK,
        &json!({"result": result, "_metadata": metadata}),
    )
}

pub async fn create_list(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let Some(name) = request.get("name").and_then(Value::as_str) else {
        return ApiError::bad_request("name", "name is required and must be a string")
            .into_response();
    };
    let created = em.write().fields.add_list(name);
    match created {
        Ok(list) => json_response(StatusCode::CREATED, &list_json(&em.base_url, &list, 0)),
        Err(message) => ApiError::bad_request("name", message).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_follow_sendgrid_rules() {
        let mut store = FieldStore::default();
        let plan = store.add_field("plan", "Text").unwrap();
        assert_eq!(plan.id, "e1_T");
        assert_eq!(store.add_field("_age2", "Number").unwrap().id, "e2_N");
        for (name, kind) in [
            ("PLAN", "Text"),
            ("first_name", "Text"),
            ("1abc", "Text"),
            ("a-b", "Text"),
            ("", "Text"),
            ("ok", "Boolean"),
        ] {
            assert!(store.add_field(name, kind).is_err(), "{name} {kind}");
        }
        assert_eq!(store.custom.len(), 2);
    }

    #[test]
    fn lists_need_a_unique_name() {
        let mut store = FieldStore::default();
        let list = store.add_list("VIP").unwrap();
        assert_eq!(list.id.len(), 36);
        assert!(store.add_list("VIP").is_err());
        assert!(store.add_list(" ").is_err());
        assert!(store.has_list(&list.id));
    }
}
