//! The contact store: contacts matched by any of their four identifiers,
//! the upsert rule (an update must carry every identifier the contact has),
//! lookups for the read endpoints and SendGrid's contact JSON.

use std::cmp::Reverse;

use foldhash::HashMap;
use serde_json::{json, Map, Value};

use super::validate::uuid;

pub use super::upsert::upsert;

/// The identifier fields, in the order of `Contact::identifiers`.
pub const IDENTIFIERS: [&str; 4] = ["email", "phone_number_id", "external_id", "anonymous_id"];

/// Reserved text fields shown as `""` when unset, as SendGrid does.
pub const SHOWN_FIELDS: &[&str] = &[
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
    /// When it was last written, as a store-wide counter: the order of the
    /// "most recent contacts" samples (timestamps tie within a second).
    pub touched: u64,
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
    /// contact id → contact index.
    by_id: HashMap<String, usize>,
    list_counts: HashMap<String, usize>,
    /// Counter behind `Contact::touched`.
    clock: u64,
}

/// A record the store refused: the record's error message and the
/// identifiers it carried (for the import job's errors file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub message: String,
    pub identifiers: [Option<String>; 4],
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

    /// The contact whose identifier of `kind` (index into [`IDENTIFIERS`])
    /// is exactly `value`; emails are stored lower-cased.
    pub fn find_identifier(&self, kind: usize, value: &str) -> Option<&Contact> {
        let index = self.by_identifier.get(kind)?.get(value)?;
        self.contacts.get(*index)
    }

    pub fn find_id(&self, id: &str) -> Option<&Contact> {
        self.contacts.get(*self.by_id.get(id)?)
    }

    /// Takes `list_id` off the contacts `ids` names (those on it); returns
    /// how many were.
    pub fn remove_from_list(&mut self, list_id: &str, ids: &[String]) -> usize {
        let mut removed = 0;
        for id in ids {
            let Some(&index) = self.by_id.get(id) else {
                continue;
            };
            let lists = &mut self.contacts[index].list_ids;
            if let Some(at) = lists.iter().position(|l| l == list_id) {
                lists.remove(at);
                removed += 1;
            }
        }
        if let Some(count) = self.list_counts.get_mut(list_id) {
            *count -= removed;
        }
        removed
    }

    /// Deletes the contacts `ids` names (`None`: all); returns how many
    /// existed. Unknown ids are skipped, as a repeated delete would find them.
    pub fn delete(&mut self, ids: Option<&[String]>) -> usize {
        let Some(ids) = ids else {
            let count = self.contacts.len();
            let clock = self.clock;
            *self = Self::default();
            self.clock = clock;
            return count;
        };
        ids.iter().filter(|id| self.delete_one(id)).count()
    }

    fn delete_one(&mut self, id: &str) -> bool {
        let Some(index) = self.by_id.remove(id) else {
            return false;
        };
        let gone = self.contacts.swap_remove(index);
        self.unindex(&gone, index);
        // The last contact moved into `index`: point its entries there.
        if let Some(moved) = self.contacts.get(index) {
            let old = self.contacts.len();
            self.by_id.insert(moved.id.clone(), index);
            for (kind, value) in moved.identifiers.iter().enumerate() {
                if let Some(value) = value {
                    self.by_identifier[kind].insert(value.clone(), index);
                }
            }
            for alternate in moved.alternate_emails() {
                if self.by_alternate_email.get(&alternate) == Some(&old) {
                    self.by_alternate_email.insert(alternate, index);
                }
            }
        }
        true
    }

    /// Drops the index entries and list counts of `gone`, which was at `index`.
    fn unindex(&mut self, gone: &Contact, index: usize) {
        for (kind, value) in gone.identifiers.iter().enumerate() {
            if let Some(value) = value {
                self.by_identifier[kind].remove(value);
            }
        }
        for alternate in gone.alternate_emails() {
            if self.by_alternate_email.get(&alternate) == Some(&index) {
                self.by_alternate_email.remove(&alternate);
            }
        }
        for list in &gone.list_ids {
            if let Some(count) = self.list_counts.get_mut(list) {
                *count -= 1;
            }
        }
    }

    /// Up to `limit` of the contacts `keep` accepts, most recently written
    /// first.
    pub fn most_recent(&self, limit: usize, keep: impl Fn(&Contact) -> bool) -> Vec<&Contact> {
        let mut picked: Vec<&Contact> = self.contacts.iter().filter(|c| keep(c)).collect();
        picked.sort_unstable_by_key(|c| Reverse(c.touched));
        picked.truncate(limit);
        picked
    }

    /// Applies one record. `Ok(true)`: created; `Ok(false)`: updated;
    /// `Err`: the record's error inside the job.
    /// `now` is the job's timestamp (formatted once per job, not per record).
    pub fn upsert(
        &mut self,
        input: ContactInput,
        list_ids: &[String],
        now: &str,
    ) -> Result<bool, Rejected> {
        let refuse = |message: String, input: ContactInput| Rejected {
            message,
            identifiers: input.identifiers,
        };
        let mut matched: Option<usize> = None;
        for (kind, value) in input.identifiers.iter().enumerate() {
            let Some(index) = value.as_ref().and_then(|v| self.by_identifier[kind].get(v)) else {
                continue;
            };
            match matched {
                Some(other) if other != *index => {
                    let message = "the identifiers given belong to different existing contacts";
                    return Err(refuse(message.into(), input));
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
                touched: 0,
            };
            self.by_id.insert(contact.id.clone(), self.contacts.len());
            self.contacts.push(contact);
            self.merge(self.contacts.len() - 1, input, list_ids);
            return Ok(true);
        };
        let existing = &self.contacts[index];
        for (kind, have) in existing.identifiers.iter().enumerate() {
            if let Some(have) = have {
                if input.identifiers[kind].as_ref() != Some(have) {
                    let message = format!(
                        "contact {} has {} '{have}'; an update must carry every identifier of the contact",
                        existing.id, IDENTIFIERS[kind]
                    );
                    return Err(refuse(message, input));
                }
            }
        }
        self.contacts[index].updated_at = now.to_owned();
        self.merge(index, input, list_ids);
        Ok(false)
    }

    /// Writes `input` into contact `index`, keeping the indexes in step.
    fn merge(&mut self, index: usize, input: ContactInput, list_ids: &[String]) {
        self.clock += 1;
        self.contacts[index].touched = self.clock;
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
        assert!(err.message.contains("external_id"), "{err:?}");
        assert_eq!(err.identifiers, [Some("a@x.io".into()), None, None, None]);
        assert_eq!(store.all()[0].fields["first_name"], "B");
        assert_eq!(
            store.upsert(input(None, Some("other"), "D"), &[], "t"),
            Ok(true)
        );
        let err = store
            .upsert(input(Some("a@x.io"), Some("other"), "E"), &[], "t")
            .unwrap_err();
        assert!(err.message.contains("different"), "{err:?}");
        assert_eq!(err.identifiers[2].as_deref(), Some("other"));
    }

    #[test]
    fn lookups_by_identifier_and_recency() {
        let mut store = ContactStore::default();
        for (email, external) in [("a@x.io", "1"), ("b@x.io", "2"), ("c@x.io", "3")] {
            store
                .upsert(input(Some(email), Some(external), "N"), &[], "t")
                .unwrap();
        }
        assert_eq!(
            store.find_identifier(2, "2").unwrap().identifiers[0].as_deref(),
            Some("b@x.io")
        );
        assert!(store.find_identifier(2, "4").is_none());
        assert!(store.find_identifier(9, "2").is_none());
        // Updating "a" makes it the most recent.
        store
            .upsert(input(Some("a@x.io"), Some("1"), "M"), &[], "t")
            .unwrap();
        let recent: Vec<&str> = store
            .most_recent(2, |_| true)
            .iter()
            .filter_map(|c| c.identifiers[0].as_deref())
            .collect();
        assert_eq!(recent, ["a@x.io", "c@x.io"]);
        assert_eq!(
            store
                .most_recent(9, |c| c.identifiers[2].as_deref() == Some("2"))
                .len(),
            1
        );
    }

    #[test]
    fn deletes_and_list_removals_keep_every_index_in_step() {
        let mut store = ContactStore::default();
        let lists = vec!["l1".to_owned()];
        for (email, external) in [("a@x.io", "1"), ("b@x.io", "2"), ("c@x.io", "3")] {
            store
                .upsert(input(Some(email), Some(external), "N"), &lists, "t")
                .unwrap();
        }
        let id = |store: &ContactStore, email: &str| store.find_email(email).unwrap().id.clone();
        let (a, c) = (id(&store, "a@x.io"), id(&store, "c@x.io"));
        assert_eq!(store.remove_from_list("l1", &[c.clone(), "nope".into()]), 1);
        assert_eq!(store.remove_from_list("l1", std::slice::from_ref(&c)), 0);
        assert_eq!(store.count_in_list("l1"), 2);
        // Deleting the first moves the last ("c") into its slot.
        assert_eq!(store.delete(Some(&[a.clone(), "nope".into()])), 1);
        assert!(store.find_email("a@x.io").is_none() && store.find_id(&a).is_none());
        assert_eq!(store.find_identifier(2, "3").unwrap().id, c);
        assert_eq!(
            store.find_id(&c).unwrap().identifiers[0].as_deref(),
            Some("c@x.io")
        );
        assert_eq!(store.count_in_list("l1"), 1);
        // A deleted identifier can be upserted again as a new contact.
        assert_eq!(
            store.upsert(input(Some("a@x.io"), None, "A"), &[], "t"),
            Ok(true)
        );
        assert_eq!(store.delete(None), 3);
        assert_eq!((store.all().len(), store.count_in_list("l1")), (0, 0));
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
