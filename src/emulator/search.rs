//! Contact searches: by emails (`POST …/contacts/search/emails`), by one
//! kind of identifier (`POST …/contacts/search/identifiers/{type}`), both
//! through one exact-lookup path, and by SGQL (`POST …/contacts/search`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::contacts::{Contact, ContactStore, IDENTIFIERS};
use super::errors::{json_response, parse_object, ApiError, ErrorItem};
use super::state::Emulator;
use super::validate::{is_e164, is_valid_email, short_json};

/// Both exact searches take 1 to 100 values.
const MAX_VALUES: usize = 100;

/// SGQL search answers only the first 50 matches (plus the full count).
const MAX_SEARCH_RESULTS: usize = 50;

/// One exact search: which body member holds the values and how a value is
/// checked and looked up.
struct ExactSearch {
    /// `emails` or `identifiers`.
    member: &'static str,
    /// Index into [`IDENTIFIERS`].
    kind: usize,
    /// The emails endpoint matches alternate emails too (its doc says so;
    /// the identifiers doc names no alternates, so there `email` is the
    /// primary email only).
    alternates: bool,
}

impl ExactSearch {
    fn valid(&self, text: &str) -> bool {
        match self.kind {
            // The emails endpoint bounds each address at 100 characters.
            0 if self.alternates => text.len() <= 100 && is_valid_email(text),
            0 => text.len() <= 254 && is_valid_email(text),
            1 => is_e164(text),
            _ => !text.is_empty() && text.len() <= 254,
        }
    }

    fn find<'s>(&self, contacts: &'s ContactStore, text: &str) -> Option<&'s Contact> {
        match self.kind {
            0 if self.alternates => contacts.find_email(&text.to_lowercase()),
            0 => contacts.find_identifier(0, &text.to_lowercase()),
            kind => contacts.find_identifier(kind, text),
        }
    }

    /// 200 when any value matches (misses listed with `"contact not
    /// found"`), 404 when none does, 400 when one is invalid.
    fn run(&self, em: &Emulator, body: &[u8]) -> Response {
        let member = self.member;
        let request = match parse_object(body) {
            Ok(map) => map,
            Err(e) => return e.into_response(),
        };
        let Some(values) = request.get(member).and_then(Value::as_array) else {
            return ApiError::bad_request(
                member,
                format!("{member} is required and must be an array"),
            )
            .into_response();
        };
        if values.is_empty() || values.len() > MAX_VALUES {
            let message = format!("{member} must hold 1 to {MAX_VALUES} values");
            return ApiError::bad_request(member, message).into_response();
        }
        let name = IDENTIFIERS[self.kind];
        let errors: Vec<ErrorItem> = values
            .iter()
            .enumerate()
            .filter(|(_, value)| !value.as_str().is_some_and(|text| self.valid(text)))
            .map(|(i, value)| {
                let message = format!("{name} {} is not valid", short_json(value));
                ErrorItem::new(format!("{member}[{i}]"), message)
            })
            .collect();
        if !errors.is_empty() {
            return ApiError::new(StatusCode::BAD_REQUEST, errors).into_response();
        }
        let mut store = em.write();
        super::imports::settle(&mut store);
        let mut result = Map::new();
        let mut found = false;
        for text in values.iter().filter_map(Value::as_str) {
            let entry = match self.find(&store.contacts, text) {
                Some(contact) => {
                    found = true;
                    json!({ "contact": contact.to_json(&em.base_url) })
                }
                None => json!({ "error": "contact not found" }),
            };
            result.insert(text.to_owned(), entry);
        }
        if !found {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                vec![ErrorItem::general("no contacts found")],
            )
            .into_response();
        }
        json_response(StatusCode::OK, &json!({ "result": result }))
    }
}

/// `{"emails": [...]}`: primary or alternate addresses, any case.
pub async fn search_emails(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let search = ExactSearch {
        member: "emails",
        kind: 0,
        alternates: true,
    };
    search.run(&em, &body)
}

/// `{"identifiers": [...]}` of the path's type; exact match on the stored
/// value (emails compared lower-cased).
pub async fn search_identifiers(
    State(em): State<Arc<Emulator>>,
    kind: Result<Path<String>, PathRejection>,
    body: Bytes,
) -> Response {
    let name = match kind {
        Ok(Path(name)) => name,
        Err(_) => String::new(),
    };
    let Some(kind) = IDENTIFIERS.iter().position(|k| *k == name) else {
        let message = format!(
            "identifier_type {} is not valid; use one of {}",
            short_json(&json!(name)),
            IDENTIFIERS.join(", ")
        );
        return ApiError::bad_request("identifier_type", message).into_response();
    };
    let search = ExactSearch {
        member: "identifiers",
        kind,
        alternates: false,
    };
    search.run(&em, &body)
}

/// `{"query": "<SGQL>"}`: the first 50 matches in store order, and how
/// many matched in all.
pub async fn search_query(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return ApiError::bad_request("query", "query is required and must be a string")
            .into_response();
    };
    let filter = match super::sgql::parse(query) {
        Ok(filter) => filter,
        Err(e) => {
            let message = format!("query is outside this emulator's SGQL: {e}");
            return ApiError::bad_request("query", message).into_response();
        }
    };
    let mut store = em.write();
    super::imports::settle(&mut store);
    let mut count = 0usize;
    let mut result = Vec::new();
    for contact in store.contacts.all().iter().filter(|c| filter.matches(c)) {
        count += 1;
        if result.len() < MAX_SEARCH_RESULTS {
            result.push(contact.to_json(&em.base_url));
        }
    }
    let body = json!({
        "result": result,
        "contact_count": count,
        "_metadata": {"self": format!("{}/v3/marketing/contacts/search", em.base_url)},
    });
    json_response(StatusCode::OK, &body)
}
