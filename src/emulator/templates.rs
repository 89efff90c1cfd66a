//! Transactional templates: the store, `GET /v3/templates` (generations
//! filter, required `page_size` 1–200, token paging) and
//! `GET /v3/templates/{id}`; plus the paging helpers the lists endpoint shares.

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};

use super::errors::{json_response, ApiError};
use super::state::Emulator;
use super::validate::{dynamic_template_id, template_now, uuid};

/// SendGrid allows 300 templates per account.
pub const MAX_TEMPLATES: usize = 300;

/// A version as given to `add_template`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionSpec {
    pub name: String,
    pub subject: String,
    pub html_content: String,
    pub plain_content: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub generation: String,
    pub updated_at: String,
    pub versions: Vec<(String, VersionSpec)>,
}

impl Template {
    /// Builds a template under SendGrid's rules: name ≤ 100, generation
    /// `legacy|dynamic`, at most one active version. Dynamic ids are `d-` +
    /// 32 hex, legacy ids UUIDs.
    pub fn new(name: &str, versions: Vec<VersionSpec>, generation: &str) -> Result<Self, String> {
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err("template name must be 1 to 100 characters".into());
        }
        let id = match generation {
            "dynamic" => dynamic_template_id(),
            "legacy" => uuid(),
            other => {
                return Err(format!(
                    "generation '{other}' is not valid; use dynamic or legacy"
                ))
            }
        };
        if versions.iter().filter(|v| v.active).count() > 1 {
            return Err("only one version of a template can be active".into());
        }
        for version in &versions {
            if version.name.chars().count() > 100 || version.subject.chars().count() > 255 {
                return Err(format!(
                    "version '{}': name is limited to 100 characters and subject to 255",
                    version.name
                ));
            }
        }
        Ok(Self {
            id,
            name: name.to_owned(),
            generation: generation.to_owned(),
            updated_at: template_now(),
            versions: versions.into_iter().map(|v| (uuid(), v)).collect(),
        })
    }

    pub fn has_active_version(&self) -> bool {
        self.versions.iter().any(|(_, v)| v.active)
    }

    pub fn to_json(&self) -> Value {
        let versions: Vec<Value> = self
            .versions
            .iter()
            .map(|(id, v)| {
                json!({
                    "id": id,
                    "template_id": self.id,
                    // An integer 0/1 on SendGrid, not a boolean.
                    "active": u8::from(v.active),
                    "name": v.name,
                    "subject": v.subject,
                    "updated_at": self.updated_at,
                    "generate_plain_content": true,
                    "html_content": v.html_content,
                    "plain_content": v.plain_content,
                    "editor": "code",
                })
            })
            .collect();
        json!({
            "id": self.id,
            "name": self.name,
            "generation": self.generation,
            "updated_at": self.updated_at,
            "versions": versions,
        })
    }
}

/// Opaque page tokens: base64 of the offset. `None` token = first page;
/// `None` result = a token we never issued.
pub fn decode_page_token(token: Option<&str>) -> Option<usize> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Some(0);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

fn encode_page_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// `_metadata` with `self`, `prev`/`next` when they exist, and `count`.
pub fn page_metadata(base: &str, query: &str, offset: usize, size: usize, total: usize) -> Value {
    let link = |at: usize| format!("{base}?{query}&page_token={}", encode_page_token(at));
    let mut meta = json!({ "self": link(offset), "count": total });
    if offset > 0 {
        meta["prev"] = json!(link(offset.saturating_sub(size)));
    }
    if offset + size < total {
        meta["next"] = json!(link(offset + size));
    }
    meta
}

#[derive(Debug, serde::Deserialize)]
pub struct TemplatesQuery {
    generations: Option<String>,
    page_size: Option<String>,
    page_token: Option<String>,
}

/// The 400 for a query string that cannot be read (bad escapes, repeated
/// parameters), in SendGrid's error shape rather than the framework's text.
pub fn bad_query() -> Response {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        vec![super::errors::ErrorItem::general(
            "the query string is not valid: check its escapes and repeated parameters",
        )],
    )
    .into_response()
}

fn bad(field: &str, message: &str) -> Response {
    ApiError::bad_request(field, message).into_response()
}

pub async fn list(
    State(em): State<Arc<Emulator>>,
    query: Result<Query<TemplatesQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_query();
    };
    let generations = query.generations.as_deref().unwrap_or("legacy");
    let wanted: Vec<&str> = generations.split(',').map(str::trim).collect();
    if wanted.is_empty() || wanted.iter().any(|g| *g != "legacy" && *g != "dynamic") {
        return bad(
            "generations",
            "generations must be legacy, dynamic or legacy,dynamic",
        );
    }
    let page_size = match query.page_size.as_deref().map(|s| s.trim().parse::<f64>()) {
        None => return bad("page_size", "page_size is required"),
        Some(Ok(n)) if (1.0..=200.0).contains(&n) && n.fract() == 0.0 => n as usize,
        Some(_) => {
            return bad(
                "page_size",
                "page_size must be a whole number from 1 to 200",
            )
        }
    };
    let Some(offset) = decode_page_token(query.page_token.as_deref()) else {
        return bad("page_token", "page_token is not valid");
    };
    let store = em.read();
    let matching: Vec<&Template> = store
        .templates
        .iter()
        .filter(|t| wanted.contains(&t.generation.as_str()))
        .collect();
    let result: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|t| t.to_json())
        .collect();
    let base = format!("{}/v3/templates", em.base_url);
    let query = format!("generations={generations}&page_size={page_size}");
    let metadata = page_metadata(&base, &query, offset, page_size, matching.len());
    json_response(
        StatusCode::OK,
        &json!({"result": result, "_metadata": metadata}),
    )
}

pub async fn get_one(
    State(em): State<Arc<Emulator>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return ApiError::not_found().into_response();
    };
    let store = em.read();
    match store.templates.iter().find(|t| t.id == id) {
        Some(template) => json_response(StatusCode::OK, &template.to_json()),
        None => ApiError::not_found().into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_follow_sendgrid_rules() {
        let active = VersionSpec {
            name: "v1".into(),
            active: true,
            ..Default::default()
        };
        let t = Template::new("Welcome", vec![active.clone()], "dynamic").unwrap();
        assert!(t.id.starts_with("d-") && t.has_active_version());
        assert_eq!(t.to_json()["versions"][0]["active"], 1);
        assert_eq!(Template::new("L", vec![], "legacy").unwrap().id.len(), 36);
        assert!(Template::new("x", vec![active.clone(), active], "dynamic").is_err());
        assert!(Template::new("x", vec![], "modern").is_err());
        assert!(Template::new("", vec![], "dynamic").is_err());
    }

    #[test]
    fn page_tokens_round_trip() {
        assert_eq!(decode_page_token(None), Some(0));
        assert_eq!(decode_page_token(Some(&encode_page_token(40))), Some(40));
        assert_eq!(decode_page_token(Some("garbage!")), None);
        let meta = page_metadata("http://h/v3/templates", "page_size=2", 2, 2, 5);
        assert!(meta["prev"].is_string() && meta["next"].is_string());
        assert_eq!(meta["count"], 5);
    }
}
