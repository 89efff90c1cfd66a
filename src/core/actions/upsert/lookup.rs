//! Looking contacts up by identifier, to learn whether an import job
//! stored them: `POST /v3/marketing/contacts/search/emails` for emails and
//! `POST /v3/marketing/contacts/search/identifiers/{type}` for the other
//! identifiers, 100 values per request (SendGrid's limit for both), a few
//! requests at a time.

use std::collections::HashMap;

use futures::{stream, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};

use super::sent::IDENTIFIER_FIELDS;
use crate::client::{Idempotency, SendGridClient};
use crate::error::Error;

/// Values per search request (SendGrid accepts at most 100).
pub const SEARCH_BATCH: usize = 100;

/// What a search returned about one contact: enough to tell whether a
/// record was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundContact {
    /// In [`IDENTIFIER_FIELDS`] order.
    pub identifiers: [Option<String>; 4],
    pub updated_at: Option<String>,
    /// The contact's id and lists (what removing it from a list needs).
    pub id: Option<String>,
    pub list_ids: Option<Vec<String>>,
}

impl FoundContact {
    fn from_json(contact: &Value) -> Self {
        let text = |key: &str| {
            contact
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Self {
            identifiers: IDENTIFIER_FIELDS.map(text),
            updated_at: text("updated_at"),
            id: text("id"),
            list_ids: contact
                .get("list_ids")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| id.as_str().map(str::to_owned))
                        .collect()
                }),
        }
    }
}

/// The answer for one searched value.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Found(FoundContact),
    Missing,
    /// The search itself failed (after the client's retries).
    Failed(Error),
}

/// Normalises a searched value the way SendGrid stores it (emails are
/// lower-cased on write), so answers match what was sent.
pub fn normalize(kind: usize, value: &str) -> String {
    if kind == 0 {
        value.to_lowercase()
    } else {
        value.to_owned()
    }
}

/// Looks every value of identifier `kind` up; the answer is keyed by
/// [`normalize`]d value. A whole-run error (a refused key) stops it: `Err`.
pub async fn find_contacts(
    client: &SendGridClient,
    kind: usize,
    values: Vec<String>,
    concurrency: usize,
) -> Result<HashMap<String, Lookup>, Error> {
    let batches: Vec<Vec<String>> = values
        .chunks(SEARCH_BATCH)
        .map(<[String]>::to_vec)
        .collect();
    let mut answers = stream::iter(batches)
        .map(|batch| async move {
            let result = search(client, kind, &batch).await;
            (batch, result)
        })
        .buffer_unordered(concurrency.max(1));
    let mut found = HashMap::with_capacity(values.len());
    while let Some((batch, result)) = answers.next().await {
        match result {
            Ok(mut hits) => {
                for value in batch {
                    let key = normalize(kind, &value);
                    let answer = hits.remove(&key).map_or(Lookup::Missing, Lookup::Found);
                    found.insert(key, answer);
                }
            }
            Err(error) if error.is_whole_run() => return Err(error),
            Err(error) => {
                for value in batch {
                    found.insert(normalize(kind, &value), Lookup::Failed(error.clone()));
                }
            }
        }
    }
    Ok(found)
}

/// One search request: the contacts found, keyed by normalised value. A
/// 404 is SendGrid's answer when none of the values matched.
async fn search(
    client: &SendGridClient,
    kind: usize,
    values: &[String],
) -> Result<HashMap<String, FoundContact>, Error> {
    let (path, body) = if kind == 0 {
        (
            "/v3/marketing/contacts/search/emails".to_owned(),
            json!({ "emails": values }),
        )
    } else {
        (
            format!(
                "/v3/marketing/contacts/search/identifiers/{}",
                IDENTIFIER_FIELDS[kind]
            ),
            json!({ "identifiers": values }),
        )
    };
    let body = bytes::Bytes::from(body.to_string());
    let answer = match client
        .request(Method::POST, &path, Some(body), Idempotency::Idempotent)
        .await
    {
        Ok(response) => response.json()?,
        Err(Error::Api { status: 404, .. }) => return Ok(HashMap::new()),
        Err(error) => return Err(error),
    };
    let mut found = HashMap::new();
    let results = answer.get("result").and_then(Value::as_object);
    for (value, entry) in results.into_iter().flatten() {
        if let Some(contact) = entry.get("contact") {
            found.insert(normalize(kind, value), FoundContact::from_json(contact));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_identifiers_and_update_time_of_a_contact() {
        let found = FoundContact::from_json(&json!({
            "id": "c1", "email": "a@x.io", "phone_number_id": "", "external_id": "e1",
            "updated_at": "2026-01-02T03:04:05Z", "first_name": "A", "list_ids": ["l1"]
        }));
        assert_eq!(found.id.as_deref(), Some("c1"));
        assert_eq!(found.list_ids, Some(vec!["l1".to_owned()]));
        assert_eq!(
            found.identifiers,
            [Some("a@x.io".into()), None, Some("e1".into()), None]
        );
        assert_eq!(found.updated_at.as_deref(), Some("2026-01-02T03:04:05Z"));
        assert_eq!(normalize(0, "A@X.io"), "a@x.io");
        assert_eq!(normalize(2, "Ext-1"), "Ext-1");
    }
}
