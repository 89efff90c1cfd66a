//! Per-record results of batch calls ("nothing lost"): every input index ends
//! up accepted or in `failed`, exactly once.

use serde::Serialize;

/// What happened to a record that was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Failed validation or mapping before anything was sent.
    Invalid,
    /// SendGrid answered and refused it (4xx): it was not applied.
    Rejected,
    /// Never delivered to SendGrid (connect errors, retries exhausted on a
    /// request that provably was not applied, or the run stopped first).
    NotSent,
    /// May or may not have been applied (5xx or timeout after the request
    /// was written, for a non-idempotent send).
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Rejected => "rejected",
            Self::NotSent => "not_sent",
            Self::Unknown => "unknown",
        }
    }
}

/// One record that was not accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordFailure {
    /// Position of the record in the input (0-based).
    pub index: usize,
    pub reason: String,
    /// HTTP status when SendGrid answered, `None` otherwise.
    pub status_code: Option<u16>,
    /// The payload field at fault, when known.
    pub field: Option<String>,
    pub outcome: Outcome,
    /// Whether sending the same record again later may succeed.
    pub retryable: bool,
}

impl RecordFailure {
    pub fn invalid(index: usize, reason: impl Into<String>, field: Option<String>) -> Self {
        Self {
            index,
            reason: reason.into(),
            status_code: None,
            field,
            outcome: Outcome::Invalid,
            retryable: false,
        }
    }

    /// The failure of a record refused by validation: a payload error keeps
    /// its message and field, anything else its text.
    pub fn from_error(index: usize, error: crate::error::Error) -> Self {
        match error {
            crate::error::Error::PayloadValidation { message, field } => {
                Self::invalid(index, message, field)
            }
            other => Self::invalid(index, other.to_string(), None),
        }
    }
}

/// One contacts import job, as `GET /v3/marketing/contacts/imports/{id}` reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportJob {
    pub id: String,
    /// `pending`, `completed`, `errored`, `failed`, or `timeout` when
    /// `wait_timeout` passed first.
    pub status: String,
    pub requested: u64,
    pub created: u64,
    pub updated: u64,
    pub errored: u64,
    pub errors_url: Option<String>,
    /// When SendGrid started the job (ISO-8601), as it reported it.
    pub started_at: Option<String>,
}

/// The result of a batch call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchReport {
    pub total: usize,
    pub accepted: usize,
    /// Sorted by `index`.
    pub failed: Vec<RecordFailure>,
    /// Upserts: the `job_id` of every accepted request.
    pub job_ids: Vec<String>,
    /// Sends: aligned with the input; the request's `X-Message-Id` for
    /// accepted records, `None` otherwise. Empty for upserts.
    pub message_ids: Vec<Option<String>>,
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// Of which repeats of an earlier attempt.
    pub retries: u64,
    /// Upserts with `wait=True`: the final state of each import job.
    pub imports: Vec<ImportJob>,
    /// Dry runs: the exact body of every request that would have been sent,
    /// in the order it would have been sent (a `DELETE`, which has no body,
    /// as its request line). Empty otherwise.
    pub request_bodies: Vec<String>,
    /// Sync List: list members removed (a dry run: that would be removed),
    /// and members a removal request failed for (not input records: a
    /// mirror removes members the input does not hold).
    pub removed: u64,
    pub not_removed: u64,
    /// Delete Contacts: contacts deleted (a dry run: that would be).
    pub deleted: u64,
}

impl BatchReport {
    /// Logs the run's figures (INFO) and, when records failed, how many and
    /// the first of them (WARNING): the reasons show no more of a record than
    /// a failure report does.
    pub fn log_summary(&self, action: &str) {
        log::info!(
            target: "segment_sendgrid::report",
            "{action}: {} records, {} accepted, {} failed, {} requests ({} retries)",
            self.total, self.accepted, self.failed.len(), self.requests, self.retries
        );
        if let Some(first) = self.failed.first() {
            log::warn!(
                target: "segment_sendgrid::report",
                "{action}: {} of {} records failed; the first, record {} ({}): {}",
                self.failed.len(), self.total, first.index, first.outcome.as_str(), first.reason
            );
        }
    }

    /// Moves records counted as accepted to `failed` (an import job later
    /// showed they were not stored). Indexes already failed, out of range,
    /// or given twice are ignored, so `accepted + failed.len() == total`
    /// still holds.
    pub fn reject_accepted(&mut self, failures: Vec<RecordFailure>) {
        if failures.is_empty() {
            return;
        }
        let mut settled = vec![false; self.total];
        for failure in &self.failed {
            if let Some(slot) = settled.get_mut(failure.index) {
                *slot = true;
            }
        }
        for failure in failures {
            match settled.get_mut(failure.index) {
                Some(slot) if !*slot && self.accepted > 0 => {
                    *slot = true;
                    self.accepted -= 1;
                    self.failed.push(failure);
                }
                _ => {}
            }
        }
        self.failed.sort_by_key(|f| f.index);
    }
}

/// Builds a [`BatchReport`] while records stream through, and checks that
/// each index is settled exactly once.
#[derive(Debug, Default)]
pub struct ReportBuilder {
    report: BatchReport,
    settled: Vec<bool>,
}

impl ReportBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers that input index `index` exists (call once per record read).
    pub fn saw(&mut self, index: usize) {
        if self.settled.len() <= index {
            self.settled.resize(index + 1, false);
        }
        self.report.total = self.report.total.max(index + 1);
    }

    pub fn accept(&mut self, index: usize) {
        if self.settle(index) {
            self.report.accepted += 1;
        }
    }

    pub fn fail(&mut self, failure: RecordFailure) {
        if self.settle(failure.index) {
            self.report.failed.push(failure);
        }
    }

    pub fn report_mut(&mut self) -> &mut BatchReport {
        &mut self.report
    }

    /// Marks `index` settled; false (and no count) if it already was, so a
    /// bug elsewhere can never count a record twice.
    fn settle(&mut self, index: usize) -> bool {
        self.saw(index);
        let slot = &mut self.settled[index];
        let first = !*slot;
        *slot = true;
        first
    }

    /// Indexes seen but never settled become `not_sent` failures, so the
    /// invariant `accepted + failed == total` always holds.
    pub fn finish(mut self, unsettled_reason: &str) -> BatchReport {
        for index in 0..self.settled.len() {
            if !self.settled[index] {
                self.settled[index] = true;
                self.report.failed.push(RecordFailure {
                    index,
                    reason: unsettled_reason.to_owned(),
                    status_code: None,
                    field: None,
                    outcome: Outcome::NotSent,
                    retryable: true,
                });
            }
        }
        self.report.failed.sort_by_key(|f| f.index);
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_is_counted_once() {
        let mut builder = ReportBuilder::new();
        for i in 0..5 {
            builder.saw(i);
        }
        builder.accept(0);
        builder.accept(0);
        builder.fail(RecordFailure::invalid(3, "bad", Some("email".into())));
        builder.fail(RecordFailure::invalid(1, "bad", None));
        builder.accept(1);
        let report = builder.finish("the run stopped before this record was sent");
        assert_eq!(report.total, 5);
        assert_eq!(report.accepted, 1);
        let indexes: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
        assert_eq!(indexes, vec![1, 2, 3, 4]);
        assert_eq!(report.accepted + report.failed.len(), report.total);
        assert_eq!(report.failed[1].outcome, Outcome::NotSent);
    }

    #[test]
    fn rejecting_accepted_records_keeps_the_count() {
        let mut builder = ReportBuilder::new();
        for i in 0..4 {
            builder.saw(i);
        }
        builder.accept(0);
        builder.accept(1);
        builder.accept(3);
        builder.fail(RecordFailure::invalid(2, "bad", None));
        let mut report = builder.finish("stopped");
        let rejected = |index| RecordFailure {
            outcome: Outcome::Rejected,
            ..RecordFailure::invalid(index, "not stored", None)
        };
        // 2 already failed, 9 out of range, 3 given twice: only 1 and 3 move.
        report.reject_accepted(vec![
            rejected(3),
            rejected(2),
            rejected(9),
            rejected(1),
            rejected(3),
        ]);
        assert_eq!(report.accepted, 1);
        let indexes: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
        assert_eq!(indexes, vec![1, 2, 3]);
        assert_eq!(report.failed[1].reason, "bad");
        assert_eq!(report.accepted + report.failed.len(), report.total);
    }
}
