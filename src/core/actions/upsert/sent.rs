//! What each accepted `PUT /v3/marketing/contacts` sent, kept while a run
//! with `wait=True` may still have to verify its import job: per contact,
//! its input index and its identifiers. A 202 only means "queued"; when the
//! job later ends `errored`, these tell which records to look up.
//!
//! The identifiers of a request are packed into one string (one allocation
//! per request, not four per contact), so keeping them costs about as much
//! memory as the identifiers themselves, and nothing when `wait=False`.

use std::borrow::Cow;

use super::batcher::Piece;

/// The identifier fields of a sent contact, in the order SendGrid matches
/// them (and in which a record is looked up).
pub const IDENTIFIER_FIELDS: [&str; 4] =
    ["email", "phone_number_id", "external_id", "anonymous_id"];

/// The contacts of one accepted request and the job SendGrid queued for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentRequest {
    pub job_id: String,
    /// Input index of the contact at each position of the request.
    indexes: Vec<usize>,
    /// Every identifier value, back to back.
    text: String,
    /// End offset in `text` of each identifier, four per contact (an absent
    /// identifier is an empty span: SendGrid ignores empty identifiers).
    ends: Vec<u32>,
}

/// The identifiers of one contact, borrowed from the request.
pub type Identifiers<'a> = [Option<&'a str>; 4];

impl SentRequest {
    /// Reads the identifiers back from the contacts' JSON (the exact bytes
    /// sent), in request order.
    pub fn new(job_id: String, pieces: &[Piece]) -> Self {
        let mut sent = Self {
            job_id,
            indexes: Vec::with_capacity(pieces.len()),
            text: String::new(),
            ends: Vec::with_capacity(pieces.len() * 4),
        };
        for piece in pieces {
            sent.push(piece.index, &read_identifiers(&piece.json));
        }
        sent
    }

    fn push(&mut self, index: usize, identifiers: &[Option<Cow<'_, str>>; 4]) {
        self.indexes.push(index);
        for value in identifiers {
            if let Some(value) = value {
                self.text.push_str(value);
            }
            // A request body is at most 6 MB, far below u32::MAX.
            self.ends
                .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        }
    }

    /// Contacts in the request.
    pub fn len(&self) -> usize {
        self.indexes.len()
    }

    /// The input index of the contact at `position` of the request.
    pub fn index(&self, position: usize) -> usize {
        self.indexes[position]
    }

    /// The identifiers of the contact at `position`, in [`IDENTIFIER_FIELDS`] order.
    pub fn identifiers(&self, position: usize) -> Identifiers<'_> {
        let mut out = [None; 4];
        for (kind, slot) in out.iter_mut().enumerate() {
            let at = position * 4 + kind;
            let start = if at == 0 {
                0
            } else {
                self.ends[at - 1] as usize
            };
            let end = self.ends[at] as usize;
            if end > start {
                *slot = self.text.get(start..end);
            }
        }
        out
    }
}

/// The identifiers of a contact's JSON; a value that is not a string (the
/// payload stage makes them strings) counts as absent.
fn read_identifiers(json: &[u8]) -> [Option<Cow<'_, str>>; 4] {
    #[derive(serde::Deserialize)]
    struct Sent<'a> {
        #[serde(borrow, default)]
        email: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        phone_number_id: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        external_id: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        anonymous_id: Option<Cow<'a, str>>,
    }
    match serde_json::from_slice::<Sent>(json) {
        Ok(s) => [s.email, s.phone_number_id, s.external_id, s.anonymous_id],
        Err(_) => [None, None, None, None],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(index: usize, json: &str) -> Piece {
        Piece {
            index,
            json: json.as_bytes().to_vec(),
        }
    }

    #[test]
    fn keeps_each_contacts_index_and_identifiers() {
        let sent = SentRequest::new(
            "job".into(),
            &[
                piece(
                    7,
                    r#"{"first_name":"A","email":"a@x.io","custom_fields":{}}"#,
                ),
                piece(
                    9,
                    r#"{"phone_number_id":"+1415","external_id":"e\"1","custom_fields":{"e1":"x"}}"#,
                ),
                piece(
                    12,
                    r#"{"anonymous_id":"anon","email":"","custom_fields":{}}"#,
                ),
            ],
        );
        assert_eq!(sent.len(), 3);
        assert_eq!(sent.index(1), 9);
        assert_eq!(sent.identifiers(0), [Some("a@x.io"), None, None, None]);
        assert_eq!(
            sent.identifiers(1),
            [None, Some("+1415"), Some("e\"1"), None]
        );
        assert_eq!(sent.identifiers(2), [None, None, None, Some("anon")]);
    }
}
