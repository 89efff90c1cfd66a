//! Merging: records whose message-level fields are equal share one request
//! of at most 1,000 personalizations, 1,000 recipients and < 30 MB of body.
//! Groups stay bounded: a full group leaves at once, and when too much is
//! buffered the largest group leaves early.

use std::collections::HashMap;
use std::sync::Arc;

use super::mail::{body_overhead, request_body, PreparedMail};
use crate::error::{Error, Result};

pub const MAX_PERSONALIZATIONS: usize = 1000;
pub const MAX_RECIPIENTS: usize = 1000;
/// SendGrid's limit is "less than 30 MB"; read as decimal to be safe.
pub const MAX_BODY_BYTES: usize = 30_000_000;
/// Records held back waiting for partners before the largest group leaves.
const MAX_BUFFERED_RECORDS: usize = 20_000;
const MAX_BUFFERED_BYTES: usize = 64 * 1024 * 1024;

/// One record inside a request.
#[derive(Debug, Clone)]
pub struct Member {
    pub index: usize,
    pub personalization: String,
    pub recipients: usize,
}

/// One `POST /v3/mail/send`: the shared message fields and its records.
#[derive(Debug, Clone)]
pub struct Batch {
    pub message: Arc<str>,
    pub members: Vec<Member>,
}

impl Batch {
    pub fn single(index: usize, mail: PreparedMail) -> Self {
        Self {
            message: Arc::from(mail.message),
            members: vec![Member {
                index,
                personalization: mail.personalization,
                recipients: mail.recipients,
            }],
        }
    }

    pub fn body(&self) -> String {
        request_body(
            &self.message,
            self.members.iter().map(|m| m.personalization.as_str()),
        )
    }

    /// Whether the message asks for sandbox mode (SendGrid then answers 200
    /// without a message id).
    pub fn sandbox(&self) -> bool {
        serde_json::from_str::<serde_json::Value>(&self.message).is_ok_and(|m| {
            m.pointer("/mail_settings/sandbox_mode/enable") == Some(&serde_json::Value::Bool(true))
        })
    }

    /// Two requests holding the records of this one, in order.
    pub fn split(mut self) -> (Self, Self) {
        let right = self.members.split_off(self.members.len() / 2);
        let right = Self {
            message: self.message.clone(),
            members: right,
        };
        (self, right)
    }

    /// The same message fields with only `members`.
    pub fn with_members(&self, members: Vec<Member>) -> Self {
        Self {
            message: self.message.clone(),
            members,
        }
    }
}

/// A mail that fits a request on its own, or the reason it never can: the
/// one size rule of single and batch sends, checked before anything is sent.
pub fn fitting(mail: PreparedMail) -> Result<PreparedMail> {
    match oversize(&mail) {
        Some(reason) => Err(Error::validation(reason, None)),
        None => Ok(mail),
    }
}

/// Why a record can never fit a request, if so.
fn oversize(mail: &PreparedMail) -> Option<String> {
    if mail.recipients > MAX_RECIPIENTS {
        return Some(format!(
            "the email has {} recipients (to + cc + bcc); SendGrid accepts at most {MAX_RECIPIENTS} per request",
            mail.recipients
        ));
    }
    let bytes = body_overhead(&mail.message) + mail.personalization.len();
    (bytes >= MAX_BODY_BYTES).then(|| {
        format!("the email's request body would be {bytes} bytes; SendGrid accepts less than {MAX_BODY_BYTES}")
    })
}

#[derive(Debug)]
struct Group {
    batch: Batch,
    recipients: usize,
    bytes: usize,
}

/// Collects records into per-message groups.
#[derive(Debug, Default)]
pub struct Grouper {
    groups: HashMap<Arc<str>, Group>,
    buffered_records: usize,
    buffered_bytes: usize,
}

impl Grouper {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record (which must pass [`fitting`]); returns the requests
    /// that are ready to go.
    pub fn push(&mut self, index: usize, mail: PreparedMail) -> Vec<Batch> {
        let mut ready = Vec::new();
        let member = Member {
            index,
            personalization: mail.personalization,
            recipients: mail.recipients,
        };
        let added = member.personalization.len() + 1;
        let key: Arc<str> = Arc::from(mail.message);
        if let Some(group) = self.groups.get(&key) {
            let fits = group.batch.members.len() < MAX_PERSONALIZATIONS
                && group.recipients + member.recipients <= MAX_RECIPIENTS
                && group.bytes + added < MAX_BODY_BYTES;
            if !fits {
                ready.extend(self.take(&key));
            }
        }
        let group = self.groups.entry(key.clone()).or_insert_with(|| Group {
            batch: Batch {
                message: key.clone(),
                members: Vec::new(),
            },
            recipients: 0,
            bytes: body_overhead(&key),
        });
        group.recipients += member.recipients;
        group.bytes += added;
        group.batch.members.push(member);
        self.buffered_records += 1;
        self.buffered_bytes += added;
        let full =
            group.batch.members.len() >= MAX_PERSONALIZATIONS || group.recipients >= MAX_RECIPIENTS;
        if full {
            ready.extend(self.take(&key));
        }
        while self.buffered_records > MAX_BUFFERED_RECORDS
            || self.buffered_bytes > MAX_BUFFERED_BYTES
        {
            let Some(largest) = self
                .groups
                .iter()
                .max_by_key(|(_, g)| g.bytes)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            ready.extend(self.take(&largest));
        }
        ready
    }

    fn take(&mut self, key: &Arc<str>) -> Option<Batch> {
        let group = self.groups.remove(key)?;
        self.buffered_records -= group.batch.members.len();
        self.buffered_bytes -= group.bytes - body_overhead(key);
        Some(group.batch)
    }

    /// Everything still held, at the end of the input; earliest record first.
    pub fn drain(&mut self) -> Vec<Batch> {
        let mut batches: Vec<Batch> = self.groups.drain().map(|(_, g)| g.batch).collect();
        batches.sort_by_key(|b| b.members.first().map_or(0, |m| m.index));
        self.buffered_records = 0;
        self.buffered_bytes = 0;
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(message: &str, recipients: usize) -> PreparedMail {
        PreparedMail {
            message: message.to_owned(),
            personalization: r#"{"to":[{"email":"a@b.co"}],"headers":{}}"#.to_owned(),
            recipients,
            template_id: "d-1".into(),
        }
    }

    #[test]
    fn groups_by_message_and_cuts_at_limits() {
        let mut grouper = Grouper::new();
        let mut sent = Vec::new();
        for i in 0..2500 {
            let message = if i % 2 == 0 {
                r#"{"from":1}"#
            } else {
                r#"{"from":2}"#
            };
            sent.extend(grouper.push(i, mail(message, 1)));
        }
        assert_eq!(sent.len(), 2);
        assert!(sent.iter().all(|b| b.members.len() == 1000));
        let rest = grouper.drain();
        assert_eq!(rest.iter().map(|b| b.members.len()).sum::<usize>(), 500);

        let mut grouper = Grouper::new();
        let full: Vec<Batch> = (0..3)
            .flat_map(|i| grouper.push(i, mail("{}", 400)))
            .collect();
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].members.len(), 2);
    }

    #[test]
    fn body_is_valid_json() {
        let batch = Batch::single(0, mail(r#"{"from":{"email":"x@y.z"}}"#, 1));
        let body: serde_json::Value = serde_json::from_str(&batch.body()).unwrap();
        assert_eq!(body["from"]["email"], "x@y.z");
        assert_eq!(body["personalizations"].as_array().unwrap().len(), 1);
    }
}
