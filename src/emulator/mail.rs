//! `POST /v3/mail/send`: SendGrid's request rules, then 202 with an
//! `X-Message-Id` (message stored) or, in sandbox mode, 200 (nothing stored).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::errors::{parse_object, ApiError};
use super::mail_rules::Check;
use super::state::Emulator;
use super::validate::message_id;

pub async fn send(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let mut check = Check::default();
    {
        let store = em.read();
        check.message(&request, &store);
    }
    if !check.errors.is_empty() {
        return ApiError::new(StatusCode::BAD_REQUEST, check.errors).into_response();
    }
    let sandbox = request
        .get("mail_settings")
        .and_then(|m| m.pointer("/sandbox_mode/enable"))
        == Some(&Value::Bool(true));
    if sandbox {
        // Validated only, never queued: 200 and nothing stored.
        return StatusCode::OK.into_response();
    }
    let id = message_id();
    em.write()
        .messages
        .push(json!({ "x_message_id": id, "body": Value::Object(request) }));
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::ACCEPTED;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-message-id", value);
    }
    response
}
