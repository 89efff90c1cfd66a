//! Who a list member is: the four identifiers SendGrid keys contacts by,
//! and the set of input identities a mirror compares the list against.
//!
//! A mirror must hold the input's identities while it reads the list's
//! members, whatever their number: it keeps one 64-bit hash per identifier,
//! not the text. Two different identifiers that hash alike make a member
//! look like an input contact and so *keep* it: the rare mistake is on the
//! side of removing less, never more.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

use serde_json::{Map, Value};

pub use crate::actions::upsert::lookup::normalize as normalized;
/// The identifiers in Segment's order (its labels in messages).
pub use crate::actions::upsert::sent::IDENTIFIER_FIELDS as KINDS;

/// A contact's identifiers, by [`KINDS`] position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identifiers(pub [Option<String>; 4]);

impl Identifiers {
    /// The identifiers of an object with [`KINDS`] keys (a search result,
    /// an export line); non-string and empty values do not count.
    pub fn of_object(object: &Map<String, Value>) -> Self {
        let mut ids = Self::default();
        for (slot, kind) in ids.0.iter_mut().zip(KINDS) {
            *slot = object
                .get(kind)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
        }
        ids
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// `(kind position, value as SendGrid compares it)` of each identifier.
    pub fn keys(&self) -> impl Iterator<Item = (usize, String)> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter_map(|(kind, value)| Some((kind, normalized(kind, value.as_deref()?))))
    }
}

/// The identities of a mirror's input, hashed (see the module docs).
#[derive(Debug, Default)]
pub struct InputIdentities {
    hashes: HashSet<u64>,
}

impl InputIdentities {
    pub fn insert(&mut self, ids: &Identifiers) {
        for (kind, value) in ids.keys() {
            self.hashes.insert(hash(kind, &value));
        }
    }

    /// Whether any identifier of `ids` belongs to an input record.
    pub fn contains_any(&self, ids: &Identifiers) -> bool {
        ids.keys()
            .any(|(kind, value)| self.hashes.contains(&hash(kind, &value)))
    }
}

fn hash(kind: usize, value: &str) -> u64 {
    // Fixed seed: the hashes never leave the process, and keys are the
    // caller's own data, so no flooding concern.
    let mut hasher = foldhash::quality::FixedState::with_seed(0x5e9d_11a7).build_hasher();
    hasher.write_u8(kind as u8);
    hasher.write(value.as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(email: Option<&str>, external: Option<&str>) -> Identifiers {
        Identifiers([email.map(Into::into), None, external.map(Into::into), None])
    }

    #[test]
    fn an_input_identity_matches_by_any_identifier_and_email_case() {
        let mut input = InputIdentities::default();
        input.insert(&ids(Some("Ann@Example.com"), None));
        input.insert(&ids(None, Some("user-7")));
        assert!(input.contains_any(&ids(Some("ann@example.COM"), None)));
        assert!(input.contains_any(&ids(Some("other@example.com"), Some("user-7"))));
        assert!(!input.contains_any(&ids(Some("bob@example.com"), Some("user-8"))));
        assert!(!input.contains_any(&Identifiers::default()));
        assert_eq!(input.hashes.len(), 2);
    }

    #[test]
    fn the_same_text_of_another_kind_is_another_identity() {
        let mut input = InputIdentities::default();
        input.insert(&ids(None, Some("x")));
        let anonymous = Identifiers([None, None, None, Some("x".into())]);
        assert!(!input.contains_any(&anonymous));
    }

    #[test]
    fn identifiers_of_an_object_skip_empty_and_non_strings() {
        let object = serde_json::json!({"email": "a@b.co", "external_id": "", "anonymous_id": 7});
        let ids = Identifiers::of_object(object.as_object().unwrap());
        assert_eq!(ids.0, [Some("a@b.co".into()), None, None, None]);
    }
}
