//! The account's custom field definitions (`GET /v3/marketing/field_definitions`),
//! fetched once per client and cached; fetched again once when a payload
//! names a field the cache does not know (it may have just been created).
//! Segment fetches them before every call (deviation D15).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::Value;

use crate::client::{Idempotency, SendGridClient};
use crate::error::Result;

pub const FIELD_DEFINITIONS_PATH: &str = "/v3/marketing/field_definitions";

/// Past this many distinct unknown keys, unknown keys stop triggering a
/// refetch: a stream of misspelt keys must not become a stream of GETs.
const MAX_REFETCH_KEYS: usize = 1_000;

/// Custom fields by id and by lower-cased name (reserved fields are not
/// custom fields and are ignored, as Segment does).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldDefinitions {
    ids: HashSet<String>,
    id_by_lower_name: HashMap<String, String>,
}

impl FieldDefinitions {
    /// Reads the response body; a missing `custom_fields` means none.
    pub fn from_json(body: &Value) -> Self {
        let mut defs = Self::default();
        let items = body
            .get("custom_fields")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for item in items {
            let (Some(id), Some(name)) = (
                item.get("id").and_then(Value::as_str),
                item.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            defs.ids.insert(id.to_owned());
            // The first field of a name wins, like Segment's `filter(...)[0]`.
            defs.id_by_lower_name
                .entry(name.to_lowercase())
                .or_insert_with(|| id.to_owned());
        }
        defs
    }

    /// The field id a payload key stands for: an id (exact match, checked
    /// first) or a name (case-insensitive, JS `toLowerCase`).
    pub fn resolve(&self, key: &str) -> Option<&str> {
        if let Some(id) = self.ids.get(key) {
            return Some(id);
        }
        self.id_by_lower_name
            .get(&key.to_lowercase())
            .map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// The per-client cache.
#[derive(Debug, Default)]
pub struct FieldCatalog {
    /// Held across the fetch so concurrent first calls share one GET.
    current: tokio::sync::Mutex<Option<Arc<FieldDefinitions>>>,
    /// Unknown keys that already caused a refetch.
    refetched_for: Mutex<HashSet<String>>,
}

impl FieldCatalog {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached definitions, fetched on first use.
    pub async fn get(&self, client: &SendGridClient) -> Result<Arc<FieldDefinitions>> {
        let mut current = self.current.lock().await;
        if let Some(defs) = current.as_ref() {
            return Ok(defs.clone());
        }
        let defs = Arc::new(fetch(client).await?);
        *current = Some(defs.clone());
        Ok(defs)
    }

    /// Called when `key` is unknown to `seen`: fetches again unless `key`
    /// already caused a refetch, and returns the definitions to retry with
    /// (`None`: no refetch, the key is unknown).
    pub async fn refetch_for(
        &self,
        client: &SendGridClient,
        key: &str,
        seen: &Arc<FieldDefinitions>,
    ) -> Result<Option<Arc<FieldDefinitions>>> {
        {
            let mut tried = self.refetched_for.lock().unwrap_or_else(|e| e.into_inner());
            if tried.contains(key) || tried.len() >= MAX_REFETCH_KEYS {
                return Ok(None);
            }
            tried.insert(key.to_owned());
        }
        let mut current = self.current.lock().await;
        if let Some(defs) = current.as_ref() {
            // Someone else refetched meanwhile: use theirs.
            if !Arc::ptr_eq(defs, seen) {
                return Ok(Some(defs.clone()));
            }
        }
        let defs = Arc::new(fetch(client).await?);
        *current = Some(defs.clone());
        Ok(Some(defs))
    }
}

async fn fetch(client: &SendGridClient) -> Result<FieldDefinitions> {
    let response = client
        .request(
            Method::GET,
            FIELD_DEFINITIONS_PATH,
            None,
            Idempotency::Idempotent,
        )
        .await?;
    Ok(FieldDefinitions::from_json(&response.json()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_ids_exactly_and_names_case_insensitively() {
        let defs = FieldDefinitions::from_json(&json!({"custom_fields": [
            {"id": "e1_N", "name": "Age", "field_type": "Number"},
            {"id": "e6_T", "name": "Größe", "field_type": "Text"},
            {"id": "x", "name": "age"},
            {"name": "no id"},
        ], "reserved_fields": [{"id": "_rf0_T", "name": "first_name"}]}));
        assert_eq!(defs.len(), 3);
        assert_eq!(defs.resolve("e1_N"), Some("e1_N"));
        assert_eq!(defs.resolve("E1_N"), None);
        assert_eq!(defs.resolve("AGE"), Some("e1_N"));
        assert_eq!(defs.resolve("GRÖßE"), Some("e6_T"));
        assert_eq!(defs.resolve("GRÖSSE"), None);
        assert_eq!(defs.resolve("first_name"), None);
        assert!(FieldDefinitions::from_json(&json!({"reserved_fields": []})).is_empty());
        assert!(FieldDefinitions::from_json(&json!("junk")).is_empty());
    }
}
