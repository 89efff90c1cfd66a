//! One contact list: `GET /v3/marketing/lists/{id}` (with an optional
//! contact sample) and `GET /v3/marketing/lists/{id}/contacts/count`, plus
//! the list JSON every list endpoint shares.

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::{json_response, ApiError, ErrorItem};
use super::fields::ContactList;
use super::state::Emulator;

/// SendGrid's `List`: id, name, contact_count and a self link.
pub fn list_json(base_url: &str, list: &ContactList, contact_count: usize) -> Value {
    json!({
        "id": list.id,
        "name": list.name,
        "contact_count": contact_count,
        "_metadata": {"self": format!("{base_url}/v3/marketing/lists/{}", list.id)},
    })
}

/// 404 for a list id in a path.
pub(super) fn list_not_found(id: &str) -> Response {
    let message = format!("list '{}' not found", super::errors::shown(id));
    ApiError::new(StatusCode::NOT_FOUND, vec![ErrorItem::new("id", message)]).into_response()
}

#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    contact_sample: Option<String>,
}

pub async fn get_list(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::not_found().into_response();
    };
    let Ok(Query(query)) = query else {
        return super::templates::bad_query();
    };
    // Any case: Python clients send `True` for a boolean query value.
    let sample = match query.contact_sample.as_deref() {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(_) => {
            return ApiError::bad_request("contact_sample", "contact_sample must be true or false")
                .into_response()
        }
    };
    let mut store = em.write();
    super::imports::settle(&mut store);
    let Some(list) = store.fields.lists.iter().find(|l| l.id == id) else {
        return list_not_found(&id);
    };
    let mut body = list_json(&em.base_url, list, store.contacts.count_in_list(&id));
    if sample {
        // The spec's schema declares `contact_sample` as one contact (its
        // prose says "up to 50"): the schema is what typed clients parse, so
        // it is the list's most recently written contact, absent when empty.
        let on_list = |c: &super::contacts::Contact| c.list_ids.contains(&id);
        if let Some(contact) = store.contacts.most_recent(1, on_list).first() {
            body["contact_sample"] = contact.to_json(&em.base_url);
        }
    }
    json_response(StatusCode::OK, &body)
}

/// The emulator bills nothing separately: every stored contact counts.
pub async fn list_count(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::not_found().into_response();
    };
    let mut store = em.write();
    super::imports::settle(&mut store);
    if !store.fields.has_list(&id) {
        return list_not_found(&id);
    }
    let count = store.contacts.count_in_list(&id);
    json_response(
        StatusCode::OK,
        &json!({"contact_count": count, "billable_count": count}),
    )
}
