//! The contact store: contacts matched by any of their four identifiers,
//! the upsert rule (an update must carry every identifier the contact has),
//! SendGrid's contact JSON, and `POST /v3/marketing/contacts/search/emails`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use foldhash::HashMap;
use serde_json::{json, Map, Value};

use super::errors::{json_response, parse_object, ApiError, ErrorItem};
use super::state::Emulator;
use super::validate::{is_valid_email, uuid};

pub use super::upsert::upsert;

/// The identifier fields, in the order of `Contact::identifiers`.
pub const IDENTIFIERS: [&str; 4] = ["email", "phone_number_id", "external_id", "anonymous_id"];

/// Reserved text fields shown as `""` when unset, as SendGrid does.
const SHOWN_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "unique_name",
    "address_line_1",
    "address_line_2",
    "city",
    "state_province_region",
    "country",
    "postal_code",
    "phone_number",
    "whatsapp",
    "line",
    "facebook",
];

/// One validated record of an upsert request (emails already lower-cased).
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub identifiers: [Option<String>; 4],
    /// Reserved, non-identifier fields (`alternate_emails` included).
    pub fields: Vec<(&'static str, Value)>,
    /// Custom field id → value.
    pub custom_fields: Vec<(String, Value)>,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub identifiers: [Option<String>; 4],
    pub fields: Map<String, Value>,
    pub custom_fields: Map<String, Value>,
    pub list_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Contact {
    /// The contact as SendGrid returns it (`ContactDetails3`).
    pub fn to_json(&self, base_url: &str) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(self.id));
        for name in SHOWN_FIELDS {
            let value = self.fields.get(*name).cloned().unwrap_or_else(|| json!(""));
            out.insert((*name).into(), value);
        }
        for (name, value) in IDENTIFIERS.iter().zip(&self.identifiers) {
            if let Some(value) = value {
                out.insert((*name).into(), json!(value));
            }
        }
        let alternates = self.fields.get("alternate_emails").cloned();
        out.insert(
            "alternate_emails".into(),
            alternates.unwrap_or_else(|| json!([])),
        );
        out.insert("list_ids".into(), json!(self.list_ids));
        out.insert("segment_ids".into(), json!([]));
        out.insert(
            "custom_fields".into(),
            Value::Object(self.custom_fields.clone()),
        );
        out.insert("created_at".into(), json!(self.created_at));
        out.insert("updated_at".into(), json!(self.updated_at));
        let link = format!("{base_url}/v3/marketing/contacts/{}", self.id);
        out.insert("_metadata".into(), json!({ "self": link }));
        Value::Object(out)
    }

    fn alternate_emails(&self) -> Vec<String> {
        self.fields
            .get("alternate_emails")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Default)]
pub struct ContactStore {
    contacts: Vec<Contact>,
    /// identifier value → contact index, one map per identifier kind.
    by_identifier: [HashMap<String, usize>; 4],
    by_alternate_email: HashMap<String, usize>,
    list_counts: HashMap<String, usize>,
}

impl ContactStore {
    pub fn all(&self) -> &[Contact] {
        &self.contacts
    }

    pub fn count_in_list(&self, list_id: &str) -> usize {
        self.list_counts.get(list_id).copied().unwrap_or(0)
    }

    /// Primary or alternate email, already lower-cased.
    pub fn find_email(&self, email: &str) -> Option<&Contact> {
        let index = self.by_identifier[0]
            .get(email)
            .or_else(|| self.by_alternate_email.get(email))?;
        self.contacts.get(*index)
    }

    /// Applies one record. `Ok(true)`: created; `Ok(false)`: updated;
    /// `Err`: the record's error inside the job.
    /// `now` is the job's timestamp (formatted once per job, not per record).
    pub fn upsert(
        &mut self,
        input: ContactInput,
        list_ids: &[String],
        now: &str,
    ) -> Result<bool, String> {
        let mut matched: Option<usize> = None;
        for (kind, value) in input.identifiers.iter().enumerate() {
            let Some(index) = value.as_ref().and_then(|v| self.by_identifier[kind].get(v)) else {
                continue;
            };
            match matched {
                Some(other) if other != *index => {
                    return Err(
                        "the identifiers given belong to different existing contacts".into(),
                    )
                }
                _ => matched = Some(*index),
            }
        }
        let Some(index) = matched else {
            let contact = Contact {
                id: uuid(),
                identifiers: [None, None, None, None],
                fields: Map::new(),
                custom_fields: Map::new(),
                list_ids: Vec::new(),
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            };
            self.contacts.push(contact);
            self.merge(self.contacts.len() - 1, input, list_ids);
            return Ok(true);
        };
        let existing = &self.contacts[index];
        for (kind, have) in existing.identifiers.iter().enumerate() {
            if let Some(have) = have {
                if input.identifiers[kind].as_ref() != Some(have) {
                    return Err(format!(
                        "contact {} has {} '{have}'; an update must carry every identifier of the contact",
                        existing.id, IDENTIFIERS[kind]
                    ));
                }
            }
        }
        self.contacts[index].updated_at = now.to_owned();
        self.merge(index, input, list_ids);
        Ok(false)
    }

    /// Writes `input` into contact `index`, keeping the indexes in step.
    fn merge(&mut self, index: usize, input: ContactInput, list_ids: &[String]) {
        for (kind, value) in input.identifiers.into_iter().enumerate() {
            if let Some(value) = value {
                self.by_identifier[kind].insert(value.clone(), index);
                self.contacts[index].identifiers[kind] = Some(value);
            }
        }
        if input.fields.iter().any(|(k, _)| *k == "alternate_emails") {
            for old in self.contacts[index].alternate_emails() {
                self.by_alternate_email.remove(&old);
            }
        }
        let contact = &mut self.contacts[index];
        contact
            .fields
            .extend(input.fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
        contact.custom_fields.extend(input.custom_fields);
        for list in list_ids {
            if !contact.list_ids.contains(list) {
                contact.list_ids.push(list.clone());
                *self.list_counts.entry(list.clone()).or_default() += 1;
            }
        }
        for alternate in self.contacts[index].alternate_emails() {
            self.by_alternate_email.insert(alternate, index);
        }
    }
}

/// SendGrid: up to 100 addresses; 200 when any matches (misses listed with
/// `"contact not found"`), 404 when none does, 400 when one is invalid.
pub async fn search_emails(State(em): State<Arc<Emulator>>, body: Bytes) -> Response {
    let request = match parse_object(&body) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let Some(emails) = request.get("emails").and_then(Value::as_array) else {
        return ApiError::bad_request("emails", "emails is required and must be an array")
            .into_response();
    };
    if emails.is_empty() || emails.len() > 100 {
        return ApiError::bad_request("emails", "emails must hold 1 to 100 addresses")
            .into_response();
    }
    let mut errors = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        match email.as_str() {
            Some(text) if text.len() <= 100 && is_valid_email(text) => {}
            _ => errors.push(ErrorItem::new(
                format!("emails[{i}]"),
                format!("email {email} is not valid"),
            )),
        }
    }
    if !errors.is_empty() {
        return ApiError::new(StatusCode::BAD_REQUEST, errors).into_response();
    }
    let mut store = em.write();
    super::imports::settle(&mut store);
    let mut result = Map::new();
    let mut found = false;
    for email in emails.iter().filter_map(Value::as_str) {
        let entry = match store.contacts.find_email(&email.to_lowercase()) {
            Some(contact) => {
                found = true;
                json!({ "contact": contact.to_json(&em.base_url) })
            }
            None => json!({ "error": "contact not found" }),
        };
        result.insert(email.to_owned(), entry);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input(email: Option<&str>, external: Option<&str>, first: &str) -> ContactInput {
        ContactInput {
            identifiers: [email.map(Into::into), None, external.map(Into::into), None],
            fields: vec![("first_name", json!(first))],
            custom_fields: Vec::new(),
        }
    }

    #[test]
    fn upsert_matches_by_identifier_and_requires_all_of_them() {
        let mut store = ContactStore::default();
        let lists = vec!["l1".to_owned()];
        assert_eq!(
            store.upsert(input(Some("a@x.io"), None, "A"), &lists, "t"),
            Ok(true)
        );
        assert_eq!(
            store.upsert(input(Some("a@x.io"), Some("ext"), "B"), &lists, "t"),
            Ok(false)
        );
        assert_eq!(store.all().len(), 1);
        assert_eq!(store.count_in_list("l1"), 1);
        // The contact now has email and external_id: email alone is refused.
        let err = store
            .upsert(input(Some("a@x.io"), None, "C"), &[], "t")
            .unwrap_err();
        assert!(err.contains("external_id"), "{err}");
        assert_eq!(store.all()[0].fields["first_name"], "B");
        assert_eq!(
            store.upsert(input(None, Some("other"), "D"), &[], "t"),
            Ok(true)
        );
        let err = store
            .upsert(input(Some("a@x.io"), Some("other"), "E"), &[], "t")
            .unwrap_err();
        assert!(err.contains("different"), "{err}");
    }

    #[test]
    fn contact_json_has_the_required_sendgrid_keys() {
        let mut store = ContactStore::default();
        store
            .upsert(input(Some("a@x.io"), None, "A"), &[], "t")
            .unwrap();
        let json = store.all()[0].to_json("http://h");
        for key in ["id", "list_ids", "segment_ids", "created_at", "updated_at"] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["email"], "a@x.io");
        assert_eq!(json["city"], "");
        assert!(json.get("external_id").is_none());
    }
}
