//! Which list a run works on: one given by id, or one found by name
//! (created when missing and the caller allows it).
//!
//! Segment's `createAudience` reads the first page of lists only, so a list
//! beyond it is never found and a twin is created; this reads every page
//! (deviation D21). Names match exactly (case and spaces), the first wins.

use reqwest::Method;
use serde_json::{json, Value};

use super::removal::encoded;
use crate::client::{Idempotency, SendGridClient};
use crate::error::Error;

/// SendGrid's largest page of lists.
const PAGE_SIZE: u32 = 1000;
/// Pages read at most (SendGrid accounts hold at most 1,000 lists).
const MAX_PAGES: usize = 100;
/// SendGrid's limit on a list name.
const MAX_NAME_CHARS: usize = 100;

/// The list a run names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListTarget {
    /// Each record names its own (`external_audience_id`).
    PerRecord,
    Id(String),
    Name {
        name: String,
        create: bool,
    },
}

/// The list's id, when the run names one; `None` for a list that a dry
/// run would create. Creates the list (`POST /v3/marketing/lists`) when
/// the name is not found, `create` is on and this is not a dry run.
pub async fn resolve(
    client: &SendGridClient,
    target: &ListTarget,
    dry_run: bool,
) -> Result<Option<String>, Error> {
    match target {
        ListTarget::PerRecord => Ok(None),
        ListTarget::Id(id) => Ok(Some(id.clone())),
        ListTarget::Name { name, create } => {
            if let Some(id) = find_by_name(client, name).await? {
                return Ok(Some(id));
            }
            if !create {
                let message = format!(
                    "no SendGrid list is named {name:?} (a missing list is created only with \
                     create_list=True, and never to remove members from)"
                );
                return Err(Error::config(message));
            }
            if dry_run {
                log::info!(target: "segment_sendgrid::lists", "dry run: list {name:?} would be created");
                return Ok(None);
            }
            create_list(client, name).await.map(Some)
        }
    }
}

/// Checks a list name before any request.
pub fn check_name(name: &str) -> Result<(), Error> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        let message = format!("list_name must be 1 to {MAX_NAME_CHARS} characters (got {chars})");
        return Err(Error::config(message));
    }
    Ok(())
}

async fn find_by_name(client: &SendGridClient, name: &str) -> Result<Option<String>, Error> {
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut path = format!("/v3/marketing/lists?page_size={PAGE_SIZE}");
        if let Some(token) = &token {
            path.push_str(&format!("&page_token={}", encoded(token)));
        }
        let page = client
            .request(Method::GET, &path, None, Idempotency::Idempotent)
            .await?
            .json()?;
        let lists = page.get("result").and_then(Value::as_array);
        let found = lists
            .into_iter()
            .flatten()
            .find(|list| list.get("name").and_then(Value::as_str) == Some(name));
        if let Some(id) = found
            .and_then(|list| list.get("id"))
            .and_then(Value::as_str)
        {
            return Ok(Some(id.to_owned()));
        }
        token = next_token(&page);
        if token.is_none() {
            return Ok(None);
        }
    }
    Ok(None)
}

/// The `page_token` of `_metadata.next`, SendGrid's link to the next page.
fn next_token(page: &Value) -> Option<String> {
    let next = page.pointer("/_metadata/next")?.as_str()?;
    let url = url::Url::parse(next).ok()?;
    let token = url.query_pairs().find(|(key, _)| key == "page_token")?.1;
    (!token.is_empty()).then(|| token.into_owned())
}

async fn create_list(client: &SendGridClient, name: &str) -> Result<String, Error> {
    let body = json!({ "name": name }).to_string();
    // Not retried after a possible arrival: a retry could create a twin.
    let created = client
        .request(
            Method::POST,
            "/v3/marketing/lists",
            Some(body.into()),
            Idempotency::NotIdempotent,
        )
        .await?
        .json()?;
    let id = created
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    let id = id.ok_or_else(|| Error::Transport {
        message: "SendGrid created the list but its answer has no id".into(),
        maybe_sent: true,
    })?;
    log::info!(target: "segment_sendgrid::lists", "created list {name:?} ({id})");
    Ok(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_token_comes_from_the_next_link() {
        let page = json!({"_metadata": {"next": "https://api.sendgrid.com/v3/marketing/lists?page_size=1000&page_token=abc%3D"}});
        assert_eq!(next_token(&page).as_deref(), Some("abc="));
        assert_eq!(next_token(&json!({"_metadata": {}})), None);
        assert_eq!(
            next_token(&json!({"_metadata": {"next": "not a url"}})),
            None
        );
    }

    #[test]
    fn list_names_are_1_to_100_characters() {
        assert!(check_name("VIP").is_ok());
        assert!(check_name(&"é".repeat(100)).is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
    }
}
