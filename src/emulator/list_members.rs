//! Taking contacts off a list and deleting contacts:
//! `DELETE /v3/marketing/lists/{id}/contacts?contact_ids=…` (membership only;
//! applied at once, answered 202 with a job id) and
//! `DELETE /v3/marketing/contacts?ids=…` or `?delete_all_contacts=true` (a
//! `delete` job, pending for `import_delay_ms` like imports and followed at
//! `GET /v3/marketing/contacts/imports/{id}`).
//!
//! The spec sets no count for either id list; what bounds them is the URL,
//! which the request pipeline caps (`pipeline::MAX_URI_BYTES`, 414 past it).

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::errors::{json_response, shown, ApiError, ErrorItem};
use super::imports::{self, Work};
use super::state::Emulator;
use super::validate::uuid;

#[derive(Debug, serde::Deserialize)]
pub struct ListContactsQuery {
    contact_ids: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
pub struct DeleteQuery {
    ids: Option<String>,
    delete_all_contacts: Option<String>,
}

/// The comma-separated ids of `value` (blank entries dropped), or the 400 of
/// `field` when there is none.
fn id_list(field: &str, value: Option<&str>) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        let message = format!("{field} is required: a comma-separated list of contact ids");
        return Err(ApiError::bad_request(field, message));
    }
    Ok(ids)
}

pub async fn remove_from_list(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<ListContactsQuery>, QueryRejection>,
) -> Response {
    let Ok(Path(list_id)) = id else {
        return ApiError::not_found().into_response();
    };
    let Ok(Query(query)) = query else {
        return super::templates::bad_query();
    };
    let ids = match id_list("contact_ids", query.contact_ids.as_deref()) {
        Ok(ids) => ids,
        Err(error) => return error.into_response(),
    };
    let mut store = em.write();
    imports::settle(&mut store);
    if !store.fields.has_list(&list_id) {
        return super::lists::list_not_found(&list_id);
    }
    // The spec answers 404 when "one or more contact IDs do not exist".
    if let Some(unknown) = ids.iter().find(|id| store.contacts.find_id(id).is_none()) {
        let message = format!("contact '{}' not found", shown(unknown));
        return ApiError::new(
            StatusCode::NOT_FOUND,
            vec![ErrorItem::new("contact_ids", message)],
        )
        .into_response();
    }
    store.contacts.remove_from_list(&list_id, &ids);
    json_response(StatusCode::ACCEPTED, &json!({ "job_id": uuid() }))
}

pub async fn delete_contacts(
    State(em): State<Arc<Emulator>>,
    query: Result<Query<DeleteQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return super::templates::bad_query();
    };
    let all = match query.delete_all_contacts.as_deref() {
        None => false,
        Some("true") => true,
        Some(_) => {
            let message = "delete_all_contacts must be \"true\" when given";
            return ApiError::bad_request("delete_all_contacts", message).into_response();
        }
    };
    let work = match (all, query.ids.as_deref()) {
        (true, Some(_)) => {
            let message = "give either ids or delete_all_contacts, not both";
            return ApiError::bad_request("ids", message).into_response();
        }
        (true, None) => Work::Delete(None),
        (false, ids) => match id_list("ids", ids) {
            Ok(ids) => Work::Delete(Some(ids)),
            Err(error) => return error.into_response(),
        },
    };
    let requested = match &work {
        Work::Delete(Some(ids)) => ids.len(),
        _ => em.read().contacts.all().len(),
    };
    let job_id = imports::submit(&em, work, requested);
    json_response(StatusCode::ACCEPTED, &json!({ "job_id": job_id }))
}
