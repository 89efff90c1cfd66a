//! Template pre-flight: `GET /v3/templates/{id}` once per client (cached),
//! because SendGrid may accept a send to a missing, legacy or version-less
//! template with 202 and drop it silently.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::variables::variables_of;
use crate::client::{Idempotency, SendGridClient};
use crate::error::{ApiErrorDetail, Error, Result};

/// Path-segment encoding: everything but unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub const FORBIDDEN_HINT: &str = "the API key may not read templates: grant it template read access (Template Engine, templates.read) or pass check_template=False";

/// The active version's texts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActiveVersion {
    pub subject: String,
    pub html_content: String,
    pub plain_content: String,
}

/// What SendGrid said about one template id.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateInfo {
    Missing,
    Found {
        generation: String,
        active: Option<ActiveVersion>,
    },
}

impl TemplateInfo {
    fn from_json(value: &Value) -> Self {
        let text =
            |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        let active = value
            .get("versions")
            .and_then(Value::as_array)
            .and_then(|versions| {
                versions
                    .iter()
                    .find(|v| v.get("active").and_then(Value::as_i64) == Some(1))
            })
            .map(|v| ActiveVersion {
                subject: text(v, "subject"),
                html_content: text(v, "html_content"),
                plain_content: text(v, "plain_content"),
            });
        Self::Found {
            generation: text(value, "generation"),
            active,
        }
    }

    /// Why a send to `id` must be refused, if it must.
    pub fn refusal(&self, id: &str) -> Option<String> {
        match self {
            Self::Missing => Some(format!(
                "Template {id} does not exist in this SendGrid account; SendGrid would accept the mail and drop it"
            )),
            Self::Found { generation, .. } if generation != "dynamic" => Some(format!(
                "Template {id} is not a Dynamic Template (its generation is {generation:?})"
            )),
            Self::Found { active: None, .. } => Some(format!(
                "Template {id} has no active version; SendGrid would accept the mail and drop it"
            )),
            Self::Found { .. } => None,
        }
    }
}

/// Looked-up templates of one client. Answers (including "missing") are
/// kept for the client's life; failed lookups are not, so they are retried.
#[derive(Debug, Default)]
pub struct TemplateCache {
    cells: Mutex<HashMap<String, Arc<OnceCell<Arc<TemplateInfo>>>>>,
}

impl TemplateCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The template `id`, fetched at most once even under concurrent calls.
    pub async fn get(&self, client: &SendGridClient, id: &str) -> Result<Arc<TemplateInfo>> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(id.to_owned()).or_default().clone()
        };
        cell.get_or_try_init(|| fetch(client, id)).await.cloned()
    }

    /// Ok(()) when `id` may be sent to; `Err(Validation)` naming why not.
    pub async fn check(&self, client: &SendGridClient, id: &str) -> Result<()> {
        let info = self.get(client, id).await?;
        match info.refusal(id) {
            Some(reason) => Err(Error::validation(reason, Some("template_id"))),
            None => Ok(()),
        }
    }

    /// The variables the active version uses (HTML, plain text, subject).
    pub async fn variables(&self, client: &SendGridClient, id: &str) -> Result<Vec<String>> {
        self.check(client, id).await?;
        match &*self.get(client, id).await? {
            TemplateInfo::Found {
                active: Some(version),
                ..
            } => Ok(variables_of([
                version.html_content.as_str(),
                version.plain_content.as_str(),
                version.subject.as_str(),
            ])),
            _ => Ok(Vec::new()),
        }
    }
}

async fn fetch(client: &SendGridClient, id: &str) -> Result<Arc<TemplateInfo>> {
    let path = format!("/v3/templates/{}", utf8_percent_encode(id, SEGMENT));
    match client
        .request(Method::GET, &path, None, Idempotency::Idempotent)
        .await
    {
        Ok(response) => Ok(Arc::new(TemplateInfo::from_json(&response.json()?))),
        Err(Error::Api { status: 404, .. }) => Ok(Arc::new(TemplateInfo::Missing)),
        Err(Error::Api {
            status: 403,
            mut errors,
            body,
            method,
            path,
            reset_at,
        }) => {
            errors.push(ApiErrorDetail {
                message: FORBIDDEN_HINT.to_owned(),
                field: None,
            });
            Err(Error::Api {
                status: 403,
                errors,
                body,
                method,
                path,
                reset_at,
            })
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refusals() {
        let legacy =
            TemplateInfo::from_json(&json!({"generation": "legacy", "versions": [{"active": 1}]}));
        assert!(legacy
            .refusal("x")
            .unwrap()
            .contains("not a Dynamic Template"));
        let inactive =
            TemplateInfo::from_json(&json!({"generation": "dynamic", "versions": [{"active": 0}]}));
        assert!(inactive
            .refusal("d-1")
            .unwrap()
            .contains("no active version"));
        let good = TemplateInfo::from_json(
            &json!({"generation": "dynamic", "versions": [{"active": 0}, {"active": 1, "subject": "{{a}}"}]}),
        );
        assert_eq!(good.refusal("d-1"), None);
        assert!(TemplateInfo::Missing
            .refusal("d-1")
            .unwrap()
            .contains("does not exist"));
    }
}
