//! Settling a request, including a 400 on a merged request: SendGrid then
//! accepted nothing, so the bad records are found (from the error `field`,
//! `personalizations.3.to.0.email`, or by bisection), reported, and the
//! rest sent again.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use super::dispatch::{fail_members, Dispatcher, Settled, Settlement};
use super::merge::{Batch, Member};
use crate::error::{ApiErrorDetail, Error};
use crate::report::{Outcome, RecordFailure};

type Boxed<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// `personalizations.3.to.0.email` → (3, "to.0.email").
fn personalization_of(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("personalizations.")?;
    let (number, tail) = rest.split_once('.').unwrap_or((rest, ""));
    Some((number.parse().ok()?, tail))
}

fn same_errors(a: &Error, b: &[ApiErrorDetail]) -> bool {
    matches!(a, Error::Api { status: 400, errors, .. } if errors == b)
}

impl Dispatcher {
    /// Sends `batch` and settles every record of it.
    pub fn settle<'a>(&'a self, batch: Batch, settled: &'a mut Settled) -> Boxed<'a> {
        Box::pin(async move {
            if settled.abort.is_some() {
                return fail_members(&batch.members, &stopped(), settled);
            }
            if self.dry_run {
                settled.bodies.push(batch.body());
                for member in &batch.members {
                    let accepted = Settlement::Accepted { message_id: None };
                    settled.records.push((member.index, accepted));
                }
                return;
            }
            let result = self.post(&batch, settled).await;
            self.conclude(batch, result, settled).await;
        })
    }

    fn conclude<'a>(
        &'a self,
        batch: Batch,
        result: crate::error::Result<crate::client::ApiResponse>,
        settled: &'a mut Settled,
    ) -> Boxed<'a> {
        Box::pin(async move {
            match result {
                Ok(response) => Self::accept_all(&batch, &response, settled),
                Err(Error::Api {
                    status: 400,
                    errors,
                    ..
                }) if batch.members.len() > 1 => self.isolate(batch, errors, settled).await,
                Err(Error::Api { status: 413, .. }) if batch.members.len() > 1 => {
                    let (left, right) = batch.split();
                    self.settle(left, settled).await;
                    self.settle(right, settled).await;
                }
                Err(error) => fail_members(&batch.members, &error, settled),
            }
        })
    }

    async fn isolate(&self, batch: Batch, errors: Vec<ApiErrorDetail>, settled: &mut Settled) {
        log::info!(
            target: "segment_sendgrid::send",
            "SendGrid refused a mail request of {} personalizations (400): isolating the records at fault",
            batch.members.len()
        );
        // Errors naming a personalization point at their record.
        let mut named: BTreeMap<usize, Vec<&ApiErrorDetail>> = BTreeMap::new();
        for error in &errors {
            if let Some((i, _)) = error.field.as_deref().and_then(personalization_of) {
                if i < batch.members.len() {
                    named.entry(i).or_default().push(error);
                }
            }
        }
        if !named.is_empty() {
            let mut rest = Vec::new();
            for (i, member) in batch.members.iter().enumerate() {
                match named.get(&i) {
                    Some(found) => reject(member, found, settled),
                    None => rest.push(member.clone()),
                }
            }
            if !rest.is_empty() {
                self.settle(batch.with_members(rest), settled).await;
            }
            return;
        }
        // An error on a message-level field concerns every record alike.
        let message_level = |e: &ApiErrorDetail| {
            e.field
                .as_deref()
                .is_some_and(|f| !f.starts_with("personalizations"))
        };
        if errors.iter().any(message_level) {
            let all: Vec<&ApiErrorDetail> = errors.iter().collect();
            for member in &batch.members {
                reject(member, &all, settled);
            }
            return;
        }
        // No field: bisect. When both halves fail the same way as the
        // whole, the error is not about particular records.
        let (left, right) = batch.split();
        let left_result = self.post(&left, settled).await;
        let right_result = self.post(&right, settled).await;
        let both_same = matches!((&left_result, &right_result), (Err(l), Err(r))
            if same_errors(l, &errors) && same_errors(r, &errors));
        if both_same && left.members.len() + right.members.len() > 2 {
            let all: Vec<&ApiErrorDetail> = errors.iter().collect();
            for member in left.members.iter().chain(&right.members) {
                reject(member, &all, settled);
            }
            return;
        }
        self.conclude(left, left_result, settled).await;
        self.conclude(right, right_result, settled).await;
    }
}

fn stopped() -> Error {
    Error::Transport {
        message: "not sent: the run stopped after an authorization error".into(),
        maybe_sent: false,
    }
}

/// A record SendGrid refused with a 400 (nothing of its request was sent).
fn reject(member: &Member, errors: &[&ApiErrorDetail], settled: &mut Settled) {
    let reason = errors
        .iter()
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let field = errors.iter().find_map(|e| {
        let field = e.field.as_deref()?;
        Some(
            personalization_of(field)
                .map(|(_, tail)| tail.to_owned())
                .unwrap_or_else(|| field.to_owned()),
        )
    });
    let failure = RecordFailure {
        index: member.index,
        reason: format!("SendGrid answered 400 to POST /v3/mail/send: {reason}"),
        status_code: Some(400),
        field,
        outcome: Outcome::Rejected,
        retryable: false,
    };
    settled
        .records
        .push((member.index, Settlement::Failed(failure)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personalization_paths() {
        assert_eq!(
            personalization_of("personalizations.3.to.0.email"),
            Some((3, "to.0.email"))
        );
        assert_eq!(personalization_of("personalizations.12"), Some((12, "")));
        assert_eq!(personalization_of("from.email"), None);
        assert_eq!(personalization_of("personalizations.x.to"), None);
    }
}
