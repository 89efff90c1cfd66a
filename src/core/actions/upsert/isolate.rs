//! Sends one chunk and settles every record of it. A 400 on a
//! multi-contact request means nothing was accepted: the bad records are
//! found from the error's `field` (`contacts[3].email`, `contacts.3.email`)
//! or message (`email 'x' is not valid`), else by bisection; they are
//! reported and the rest is sent again. A 413 splits the chunk.

use std::collections::{BTreeMap, VecDeque};

use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::batcher::{assemble, Chunk, Piece};
use super::contact::sent_email;
use super::sent::SentRequest;
use crate::actions::input::not_started;
use crate::client::{ApiResponse, Idempotency, SendGridClient};
use crate::error::{ApiErrorDetail, Error};
use crate::report::{Outcome, RecordFailure};

pub const CONTACTS_PATH: &str = "/v3/marketing/contacts";

/// How one chunk ended.
#[derive(Debug, Default)]
pub struct ChunkOutcome {
    pub accepted: Vec<usize>,
    pub failures: Vec<RecordFailure>,
    pub job_ids: Vec<String>,
    pub requests: u64,
    pub retries: u64,
    /// A problem of the whole run (401/403): the records not yet settled
    /// stay unsettled and the run stops.
    pub fatal: Option<Error>,
    /// With `keep_sent`: what each accepted request sent, for verifying
    /// its import job later.
    pub sent: Vec<SentRequest>,
}

impl ChunkOutcome {
    /// Every record of `pieces` fails with `error`'s reason and outcome.
    fn fail_all(&mut self, pieces: &[Piece], error: &Error) {
        let failure = failure_for(error);
        let failed = pieces.iter().map(|p| RecordFailure {
            index: p.index,
            ..failure.clone()
        });
        self.failures.extend(failed);
    }
}

/// The `job_id` of a 202 answer.
pub fn job_id(response: &ApiResponse) -> Option<String> {
    let value = response.json().ok()?;
    match value.get("job_id")? {
        serde_json::Value::String(id) if !id.is_empty() => Some(id.clone()),
        serde_json::Value::String(_) | serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The `job_id` of an answer that must carry one: a 2xx without it is not
/// SendGrid's answer (a proxy's, a misrouted endpoint's), so whether the
/// contacts were queued is unknown.
pub fn expect_job_id(response: &ApiResponse) -> Result<String, Error> {
    job_id(response).ok_or_else(|| Error::Transport {
        message: format!(
            "PUT {CONTACTS_PATH} was answered {} without a job_id: not SendGrid's answer (check the endpoint); the contacts may or may not have been queued",
            response.status
        ),
        maybe_sent: true,
    })
}

/// Sends `chunk` (splitting it as needed) until each record is settled.
/// `keep_sent` keeps the identifiers of each accepted request. Once `stop`
/// is cancelled no further request starts: the records left are `not_sent`.
pub async fn deliver(
    client: &SendGridClient,
    chunk: Chunk,
    keep_sent: bool,
    stop: &CancellationToken,
) -> ChunkOutcome {
    let mut outcome = ChunkOutcome::default();
    let list_ids = chunk.list_ids;
    let mut splits = SplitBudget::new(chunk.pieces.len());
    let mut queue: VecDeque<Vec<Piece>> = VecDeque::from([chunk.pieces]);
    while let Some(pieces) = queue.pop_front() {
        if pieces.is_empty() {
            continue;
        }
        if stop.is_cancelled() {
            outcome.fail_all(&pieces, &not_started());
            continue;
        }
        let body = assemble(&list_ids, pieces.iter().map(|p| p.json.as_slice()));
        let (result, retries) = client
            .request_counted(
                Method::PUT,
                CONTACTS_PATH,
                Some(body),
                Idempotency::Idempotent,
                Some(stop),
            )
            .await;
        outcome.requests += 1 + u64::from(retries);
        outcome.retries += u64::from(retries);
        let error = match result {
            Ok(response) => match expect_job_id(&response) {
                Ok(id) => {
                    splits.progress();
                    if keep_sent {
                        outcome.sent.push(SentRequest::new(id.clone(), &pieces));
                    }
                    outcome.job_ids.push(id);
                    outcome.accepted.extend(pieces.iter().map(|p| p.index));
                    continue;
                }
                Err(error) => error,
            },
            Err(error) => error,
        };
        if error.is_whole_run() {
            outcome.fatal = Some(error);
            return outcome;
        }
        match &error {
            Error::Api {
                status: 400,
                errors,
                ..
            } => isolate_bad_request(
                pieces,
                errors,
                &error,
                &mut splits,
                &mut queue,
                &mut outcome,
            ),
            Error::Api { status: 413, .. } if pieces.len() > 1 => {
                split_in_half(&mut queue, pieces);
            }
            _ => outcome.fail_all(&pieces, &error),
        }
    }
    outcome
}

/// A 400 for `pieces`: the records it names fail and the rest go back at the
/// front of `queue`; an error naming no record halves the request (within
/// the split budget), and a one-record request or a list error fails whole.
fn isolate_bad_request(
    pieces: Vec<Piece>,
    errors: &[ApiErrorDetail],
    error: &Error,
    splits: &mut SplitBudget,
    queue: &mut VecDeque<Vec<Piece>>,
    outcome: &mut ChunkOutcome,
) {
    if pieces.len() == 1 || errors.iter().any(names_list_ids) {
        outcome
            .failures
            .extend(pieces.iter().map(|p| rejected(p.index, 400, errors, error)));
        return;
    }
    let culprits = find_culprits(errors, &pieces);
    log::info!(
        target: "segment_sendgrid::upsert",
        "SendGrid refused a request of {} contacts (400): isolating the records at fault ({} named by the error)",
        pieces.len(), culprits.len()
    );
    if culprits.is_empty() {
        if splits.spend() {
            split_in_half(queue, pieces);
        } else {
            // The error names no record and halving finds none:
            // it is about the requests (a proxy's 400 page, say).
            log::warn!(target: "segment_sendgrid::upsert", "a 400 that names no contact kept failing both halves; stopped isolating after {} splits", splits.spent);
            let mut unsettled = pieces;
            unsettled.extend(queue.drain(..).flatten());
            outcome
                .failures
                .extend(unsettled.iter().map(|p| rejected(p.index, 400, &[], error)));
        }
        return;
    }
    splits.progress();
    let mut rest = Vec::with_capacity(pieces.len() - culprits.len());
    for (position, piece) in pieces.into_iter().enumerate() {
        match culprits.get(&position) {
            Some(details) => outcome
                .failures
                .push(rejected(piece.index, 400, details, error)),
            None => rest.push(piece),
        }
    }
    queue.push_front(rest);
}

/// How many halvings a 400 that names no record may cost before the
/// isolation gives up: 2·log₂(n) + 2 without progress (a request accepted
/// or a record named). Finding one bad record among n takes log₂(n)
/// halvings, each followed by progress on the good half; an error that is
/// not about the records fails every half and would cost ~2n requests.
struct SplitBudget {
    allowed: u32,
    left: u32,
    spent: u32,
}

impl SplitBudget {
    fn new(records: usize) -> Self {
        let allowed = 2 * (usize::BITS - records.leading_zeros()) + 2;
        Self {
            allowed,
            left: allowed,
            spent: 0,
        }
    }

    fn spend(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.spent += 1;
        true
    }

    fn progress(&mut self) {
        self.left = self.allowed;
    }
}

fn split_in_half(queue: &mut VecDeque<Vec<Piece>>, mut pieces: Vec<Piece>) {
    let second = pieces.split_off(pieces.len() / 2);
    queue.push_front(second);
    queue.push_front(pieces);
}

fn names_list_ids(detail: &ApiErrorDetail) -> bool {
    detail
        .field
        .as_deref()
        .is_some_and(|f| f.starts_with("list_ids"))
}

/// The failure every record of a request gets for a non-400 error.
fn failure_for(error: &Error) -> RecordFailure {
    let (status_code, outcome, retryable) = match error {
        Error::Api { status: 429, .. } => (Some(429), Outcome::NotSent, true),
        Error::Api { status, .. } if *status >= 500 => (Some(*status), Outcome::Unknown, true),
        Error::Api { status, .. } => (Some(*status), Outcome::Rejected, false),
        Error::Transport {
            maybe_sent: false, ..
        } => (None, Outcome::NotSent, true),
        Error::Transport { .. } => (None, Outcome::Unknown, true),
        _ => (None, Outcome::NotSent, false),
    };
    RecordFailure {
        index: 0,
        reason: error.to_string(),
        status_code,
        field: None,
        outcome,
        retryable,
    }
}

/// A record SendGrid refused, with SendGrid's message.
fn rejected(index: usize, status: u16, details: &[ApiErrorDetail], error: &Error) -> RecordFailure {
    let reason = if details.is_empty() {
        error.to_string()
    } else {
        details
            .iter()
            .map(|d| d.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let field = details
        .iter()
        .find_map(|d| d.field.as_deref().and_then(split_contact_field))
        .and_then(|(_, sub)| sub.map(payload_field));
    RecordFailure {
        index,
        reason,
        status_code: Some(status),
        field,
        outcome: Outcome::Rejected,
        retryable: false,
    }
}

/// Positions in `pieces` that the error details blame, with their details.
fn find_culprits(
    details: &[ApiErrorDetail],
    pieces: &[Piece],
) -> BTreeMap<usize, Vec<ApiErrorDetail>> {
    let mut culprits: BTreeMap<usize, Vec<ApiErrorDetail>> = BTreeMap::new();
    // Details naming an address, in the order they came; each piece's email
    // is read back once, and only when there are some.
    let mut by_email: Vec<(&str, &ApiErrorDetail)> = Vec::new();
    for detail in details {
        let by_field = detail
            .field
            .as_deref()
            .and_then(split_contact_field)
            .map(|(position, _)| position)
            .filter(|position| *position < pieces.len());
        if let Some(position) = by_field {
            culprits.entry(position).or_default().push(detail.clone());
        } else if let Some(email) = invalid_email_in(&detail.message) {
            by_email.push((email, detail));
        }
    }
    if by_email.is_empty() {
        return culprits;
    }
    for (position, piece) in pieces.iter().enumerate() {
        let Some(sent) = sent_email(&piece.json) else {
            continue;
        };
        for (email, detail) in &by_email {
            if sent == *email {
                culprits
                    .entry(position)
                    .or_default()
                    .push((*detail).clone());
            }
        }
    }
    culprits
}

/// `contacts[3].email` / `contacts.3.email` / `contacts[3]` → (3, the rest).
fn split_contact_field(field: &str) -> Option<(usize, Option<&str>)> {
    let rest = field.strip_prefix("contacts")?;
    let (digits, tail) = if let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        (&inner[..end], &inner[end + 1..])
    } else {
        let inner = rest.strip_prefix('.')?;
        let end = inner.find('.').unwrap_or(inner.len());
        (&inner[..end], &inner[end..])
    };
    let position = digits.trim().parse().ok()?;
    let sub = tail.strip_prefix('.').filter(|s| !s.is_empty());
    Some((position, sub))
}

/// `email 'x' is not valid` → `x`.
fn invalid_email_in(message: &str) -> Option<&str> {
    let start = message.find("email '")? + "email '".len();
    let end = message[start..].rfind("' is not valid")?;
    Some(&message[start..start + end])
}

/// A contact field name → the payload field that fills it.
fn payload_field(contact_field: &str) -> String {
    match contact_field {
        "email" => "primary_email".to_owned(),
        "state_province_region" => "state".to_owned(),
        other => match other.strip_prefix("custom_fields") {
            Some(rest) => format!("customFields{rest}"),
            None => other.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(index: usize, email: &str) -> Piece {
        Piece {
            index,
            json: serde_json::to_vec(&serde_json::json!({ "email": email })).unwrap(),
        }
    }

    fn detail(field: Option<&str>, message: &str) -> ApiErrorDetail {
        ApiErrorDetail {
            message: message.to_owned(),
            field: field.map(str::to_owned),
        }
    }

    #[test]
    fn parses_contact_field_paths() {
        assert_eq!(
            split_contact_field("contacts[3].email"),
            Some((3, Some("email")))
        );
        assert_eq!(
            split_contact_field("contacts.12.custom_fields.e1_N"),
            Some((12, Some("custom_fields.e1_N")))
        );
        assert_eq!(split_contact_field("contacts[0]"), Some((0, None)));
        assert_eq!(split_contact_field("contacts"), None);
        assert_eq!(split_contact_field("list_ids[0]"), None);
        assert_eq!(payload_field("email"), "primary_email");
        assert_eq!(payload_field("custom_fields.e1_N"), "customFields.e1_N");
    }

    #[test]
    fn finds_culprits_by_field_and_by_email_message() {
        let pieces = vec![
            piece(10, "a@x.io"),
            piece(11, "bad"),
            piece(12, "c@x.io"),
            piece(13, "worse"),
        ];
        let details = vec![
            detail(Some("contacts[1].email"), "invalid email"),
            detail(None, "email 'worse' is not valid"),
            detail(Some("contacts[99].email"), "out of range"),
        ];
        let culprits = find_culprits(&details, &pieces);
        assert_eq!(culprits.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
        assert!(find_culprits(&[detail(None, "something else")], &pieces).is_empty());
        assert_eq!(invalid_email_in("email 'it's' is not valid"), Some("it's"));
    }
}
