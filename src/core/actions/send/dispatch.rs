//! Sending one request and settling its records, without ever sending a
//! record twice: the client repeats only 429s and requests that provably
//! never left; a 5xx or a timeout after sending settles the records as
//! `unknown` (resent only with `retry_ambiguous`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use tokio_util::sync::CancellationToken;

use super::merge::{Batch, Member};
use crate::actions::input::not_started;
use crate::client::{ApiResponse, Idempotency, SendGridClient};
use crate::error::{Error, Result};
use crate::rate_limit::backoff;
use crate::report::{Outcome, RecordFailure};

pub const MAIL_SEND_PATH: &str = "/v3/mail/send";

/// What happened to one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    Accepted { message_id: Option<String> },
    Failed(RecordFailure),
}

/// The results of one batch (and of the requests isolating its bad records).
#[derive(Debug, Default)]
pub struct Settled {
    pub records: Vec<(usize, Settlement)>,
    pub requests: u64,
    pub retries: u64,
    /// Dry runs: the bodies that would have been sent.
    pub bodies: Vec<String>,
    /// A problem of the whole run (401/403): stop reading input.
    pub abort: Option<Error>,
}

/// Shared by every request of one `send_many` call.
#[derive(Debug)]
pub struct Dispatcher {
    pub client: Arc<SendGridClient>,
    pub retry_ambiguous: bool,
    /// Record bodies in `Settled::bodies` instead of sending them.
    pub dry_run: bool,
    /// Once cancelled, no request (or repeat) starts: records not yet sent
    /// fail as `not_sent`.
    pub stop: CancellationToken,
}

/// The `X-Message-Id` of an accepted request.
pub fn message_id(response: &ApiResponse) -> Option<String> {
    response
        .headers
        .get("x-message-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn ambiguous(error: &Error) -> bool {
    matches!(error, Error::Api { status, .. } if *status >= 500)
        || matches!(
            error,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        )
}

impl Dispatcher {
    /// One `POST /v3/mail/send` under the mail policy; with
    /// `retry_ambiguous`, 5xx and timeouts are repeated too (bounded by the
    /// client's `max_retries`), never once stopped. Counts requests and
    /// retries into `settled`.
    /// A 2xx that is not SendGrid's answer to a mail (a 202 without an
    /// `X-Message-Id`, from a proxy or a wrong endpoint) is an error whose
    /// records are `unknown`: the mail may or may not have gone out.
    pub async fn post(&self, batch: &Batch, settled: &mut Settled) -> Result<ApiResponse> {
        let response = self.post_body(Bytes::from(batch.body()), settled).await?;
        if !batch.sandbox() && message_id(&response).is_none() {
            return Err(Error::Transport {
                message: format!(
                    "POST {MAIL_SEND_PATH} was answered {} without an X-Message-Id: not SendGrid's answer (check the endpoint); the mail may or may not have been sent",
                    response.status
                ),
                maybe_sent: true,
            });
        }
        Ok(response)
    }

    async fn post_body(&self, body: Bytes, settled: &mut Settled) -> Result<ApiResponse> {
        let max_retries = self.client.config().max_retries;
        let mut extra = 0;
        // The ambiguous answer about to be repeated: returned if stopped.
        let mut last: Option<Error> = None;
        loop {
            if self.stop.is_cancelled() {
                return Err(last.unwrap_or_else(not_started));
            }
            if last.is_some() {
                extra += 1;
                settled.retries += 1;
            }
            settled.requests += 1;
            let (result, _) = self
                .client
                .request_counted(
                    Method::POST,
                    MAIL_SEND_PATH,
                    Some(body.clone()),
                    Idempotency::NotIdempotent,
                    Some(&self.stop),
                )
                .await;
            match result {
                Ok(response) => {
                    settled.requests += u64::from(response.retries);
                    settled.retries += u64::from(response.retries);
                    return Ok(response);
                }
                Err(error) if self.retry_ambiguous && ambiguous(&error) && extra < max_retries => {
                    let wait = backoff(extra, Duration::from_millis(200), Duration::from_secs(10));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = self.stop.cancelled() => {}
                    }
                    last = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
    }

    pub fn accept_all(batch: &Batch, response: &ApiResponse, settled: &mut Settled) {
        let id = message_id(response);
        for member in &batch.members {
            settled.records.push((
                member.index,
                Settlement::Accepted {
                    message_id: id.clone(),
                },
            ));
        }
    }
}

/// The failure of a record whose request ended in `error`.
pub fn failure_for(index: usize, error: &Error) -> RecordFailure {
    let (outcome, retryable) = match error {
        Error::Api { status: 429, .. } => (Outcome::NotSent, true),
        // Refused before processing: the key, or a redirect (never followed).
        Error::Api {
            status: 300..=399 | 401 | 403,
            ..
        } => (Outcome::NotSent, true),
        Error::Api { status, .. } if *status >= 500 => (Outcome::Unknown, true),
        Error::Api { .. } => (Outcome::Rejected, false),
        Error::Transport {
            maybe_sent: true, ..
        } => (Outcome::Unknown, true),
        Error::Transport { .. } => (Outcome::NotSent, true),
        Error::PayloadValidation { .. } | Error::Mapping(_) => (Outcome::Invalid, false),
        Error::Config(_) | Error::Limit { .. } => (Outcome::NotSent, false),
    };
    let field = match error {
        Error::PayloadValidation { field, .. } => field.clone(),
        _ => None,
    };
    RecordFailure {
        index,
        reason: error.to_string(),
        status_code: error.status(),
        field,
        outcome,
        retryable,
    }
}

pub fn fail_members(members: &[Member], error: &Error, settled: &mut Settled) {
    for member in members {
        settled.records.push((
            member.index,
            Settlement::Failed(failure_for(member.index, error)),
        ));
    }
    if error.is_whole_run() && settled.abort.is_none() {
        settled.abort = Some(error.clone());
    }
}
