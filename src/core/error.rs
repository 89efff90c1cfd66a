//! The one error type of the core. The bindings map each variant to one
//! Python exception class (see `src/python/errors.rs`).

use serde::{Deserialize, Serialize};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One entry of SendGrid's `{"errors": [...]}` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiErrorDetail {
    pub message: String,
    pub field: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum Error {
    /// Bad client configuration (missing key, bad endpoint, bad limits).
    #[error("{0}")]
    Config(String),

    /// A mapping that cannot be compiled or applied.
    #[error("{0}")]
    Mapping(String),

    /// A payload that fails the action's validation before anything is sent.
    #[error("{message}")]
    PayloadValidation {
        message: String,
        field: Option<String>,
    },

    /// A guarded run would change more than its limit allows (`max_removals`,
    /// `max_deletes`); nothing was changed.
    #[error("{message}")]
    Limit {
        message: String,
        count: u64,
        limit: u64,
    },

    /// No HTTP answer was received. `maybe_sent` is false only when the
    /// request provably never left (connection refused, DNS, TLS handshake).
    #[error("{message}")]
    Transport { message: String, maybe_sent: bool },

    /// SendGrid answered with a non-2xx status.
    #[error("{}", api_message(*status, errors, method, path))]
    Api {
        status: u16,
        errors: Vec<ApiErrorDetail>,
        body: String,
        method: String,
        path: String,
        /// Epoch seconds from `X-RateLimit-Reset`, when the server sent it.
        reset_at: Option<f64>,
    },
}

impl Error {
    pub fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }

    pub fn validation(message: impl Into<String>, field: Option<&str>) -> Self {
        Self::PayloadValidation {
            message: message.into(),
            field: field.map(str::to_owned),
        }
    }

    /// Whether every further request of a run would fail the same way, so
    /// the run stops: a refused key (401/403), a redirect (the endpoint is
    /// wrong or a proxy is in the way: SendGrid's API never redirects), or
    /// bad configuration.
    pub fn is_whole_run(&self) -> bool {
        matches!(
            self,
            Self::Api {
                status: 300..=399 | 401 | 403,
                ..
            } | Self::Config(_)
        )
    }

    /// The HTTP status, when SendGrid answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn api_message(status: u16, errors: &[ApiErrorDetail], method: &str, path: &str) -> String {
    let mut text = format!("SendGrid answered {status} to {method} {path}");
    let details: Vec<String> = errors
        .iter()
        .map(|e| match &e.field {
            Some(field) => format!("{} (field {field})", e.message),
            None => e.message.clone(),
        })
        .collect();
    if !details.is_empty() {
        text.push_str(": ");
        text.push_str(&details.join("; "));
    }
    text
}

/// Parses SendGrid's error body defensively: `errors` may be an array, a
/// single object (import-status quirk) or missing; `field` may be the string
/// `"null"` (spec examples) or JSON null.
pub fn parse_error_details(body: &str) -> Vec<ApiErrorDetail> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let items: Vec<&serde_json::Value> = match value.get("errors") {
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(obj @ serde_json::Value::Object(_)) => vec![obj],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| {
            let message = item.get("message")?.as_str()?.to_owned();
            let field = item
                .get("field")
                .and_then(|f| f.as_str())
                .filter(|f| *f != "null" && !f.is_empty())
                .map(str::to_owned);
            Some(ApiErrorDetail { message, field })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_array_single_object_and_null_string_fields() {
        let body = r#"{"errors":[{"message":"bad","field":"contacts.0.email"},{"message":"x","field":"null"}]}"#;
        let details = parse_error_details(body);
        assert_eq!(details.len(), 2);
        assert_eq!(details[0].field.as_deref(), Some("contacts.0.email"));
        assert_eq!(details[1].field, None);
        let single = parse_error_details(r#"{"errors":{"message":"one"}}"#);
        assert_eq!(single[0].message, "one");
        assert!(parse_error_details("<html>").is_empty());
    }

    #[test]
    fn api_error_text_names_status_route_and_messages() {
        let err = Error::Api {
            status: 401,
            errors: parse_error_details(r#"{"errors":[{"message":"authorization required"}]}"#),
            body: String::new(),
            method: "GET".into(),
            path: "/v3/scopes".into(),
            reset_at: None,
        };
        assert_eq!(
            err.to_string(),
            "SendGrid answered 401 to GET /v3/scopes: authorization required"
        );
        assert_eq!(err.status(), Some(401));
    }
}
