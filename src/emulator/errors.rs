//! SendGrid's error body `{"errors":[{"field": …, "message": …}]}` as an
//! axum response, and the JSON helpers every handler shares.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use segment_sendgrid_core::a_json_type;
use serde_json::{json, Value};

/// One entry of the `errors` array. `field` is JSON `null` when the error is
/// about the request as a whole (as SendGrid answers 401/403/429).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    pub field: Option<String>,
    pub message: String,
}

impl ErrorItem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn general(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
        }
    }
}

/// An answer with a non-2xx status and SendGrid's error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<ErrorItem>,
}

impl ApiError {
    pub fn new(status: StatusCode, errors: Vec<ErrorItem>) -> Self {
        Self { status, errors }
    }

    /// The status with SendGrid's stock message for it.
    pub fn status(status: StatusCode) -> Self {
        Self::new(status, vec![ErrorItem::general(stock_message(status))])
    }

    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            vec![ErrorItem::new(field, message)],
        )
    }

    pub fn unauthorized() -> Self {
        Self::status(StatusCode::UNAUTHORIZED)
    }

    pub fn forbidden() -> Self {
        Self::status(StatusCode::FORBIDDEN)
    }

    pub fn not_found() -> Self {
        Self::status(StatusCode::NOT_FOUND)
    }

    /// A 404 for a path this emulator does not serve, worded so it cannot
    /// be read as "the resource does not exist" on a real endpoint.
    pub fn not_emulated(method: &str, path: &str) -> Self {
        // The path is echoed, so a long one is cut (it is the client's input).
        let mut shown: String = path.chars().take(200).collect();
        if shown.len() < path.len() {
            shown.push('…');
        }
        Self::new(
            StatusCode::NOT_FOUND,
            vec![ErrorItem::general(format!(
                "not emulated: {method} {shown} is not an endpoint of this SendGrid emulator \
                 (segment_sendgrid.testing.FakeSendGrid)"
            ))],
        )
    }

    pub fn too_large() -> Self {
        Self::status(StatusCode::PAYLOAD_TOO_LARGE)
    }

    pub fn body(&self) -> Value {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({"field": e.field, "message": e.message}))
            .collect();
        json!({ "errors": errors })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// The message SendGrid uses for a bare status (spec examples of S-MAIL,
/// the rate-limit page, the scopes 401 example).
pub fn stock_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid request",
        401 => "authorization required",
        403 => "access forbidden",
        404 => "not found",
        405 => "method not allowed",
        406 => "not acceptable",
        408 => "request timeout",
        413 => "content too large",
        415 => "unsupported media type",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => "error",
    }
}

/// A JSON body with `status`.
/// An id echoed in a message, cut at 100 characters (a caller's id may be huge).
pub fn shown(id: &str) -> String {
    id.chars().take(100).collect()
}

pub fn json_response(status: StatusCode, value: &Value) -> Response {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    raw_json_response(status, Bytes::from(bytes))
}

/// Pre-serialized JSON (user-supplied fault bodies are sent as given).
pub fn raw_json_response(status: StatusCode, bytes: Bytes) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Parses a request body; malformed JSON is SendGrid's 400, not a panic.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            vec![ErrorItem::general(
                "request body is empty; a JSON object is required",
            )],
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            vec![ErrorItem::general(format!(
                "request body is not valid JSON: {e}"
            ))],
        )
    })
}

/// A JSON object body, or a 400 naming what was received instead.
pub fn parse_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match parse_json(body)? {
        Value::Object(map) => Ok(map),
        other => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            vec![ErrorItem::general(format!(
                "request body must be a JSON object, got {}",
                a_json_type(&other)
            ))],
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_sendgrid_shape_with_null_field() {
        let body = ApiError::unauthorized().body();
        assert_eq!(
            body,
            json!({"errors":[{"field":null,"message":"authorization required"}]})
        );
        let bad = ApiError::bad_request("contacts[3].email", "email 'x' is not valid").body();
        assert_eq!(bad["errors"][0]["field"], "contacts[3].email");
    }

    #[test]
    fn malformed_and_non_object_bodies_are_400() {
        assert_eq!(
            parse_json(b"{").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            parse_json(b"  ").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        let err = parse_object(b"[1]").unwrap_err();
        assert!(err.errors[0].message.contains("an array"));
        assert!(parse_object(br#"{"a":1}"#).is_ok());
    }

    #[test]
    fn not_emulated_names_the_request_and_cuts_long_paths() {
        let body = ApiError::not_emulated("GET", "/v3/foo").body();
        assert_eq!(
            body,
            json!({"errors":[{"field":null,"message":"not emulated: GET /v3/foo is not an endpoint of this SendGrid emulator (segment_sendgrid.testing.FakeSendGrid)"}]})
        );
        let long = format!("/{}", "é".repeat(500));
        let message = &ApiError::not_emulated("PUT", &long).errors[0].message;
        assert!(message.contains("é…") && message.len() < 600, "{message}");
    }
}
