//! Types shared by the batch entry points of every action, and how a run
//! is stopped early.

use futures::{Stream, StreamExt};
use serde_json::Value;
pub use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::report::{BatchReport, RecordFailure};

/// One record of a batch, as the bindings hand it over after mapping. The
/// payload is the mapped JSON, or whatever form of it the action accepts
/// (Upsert also takes contacts already encoded: `upsert::UpsertPayload`).
#[derive(Debug, Clone, PartialEq)]
pub struct InputRecord<P = Value> {
    /// Position of the record in the caller's input (0-based, increasing).
    pub index: usize,
    /// The mapped payload, or why mapping it failed.
    pub payload: Result<P, RecordFailure>,
}

impl<P> InputRecord<P> {
    pub fn new(index: usize, payload: P) -> Self {
        Self {
            index,
            payload: Ok(payload),
        }
    }
}

/// A batch stopped by a problem of the whole run (bad key, missing scope):
/// the error, and the report of what had been settled until then (every
/// record read is in it; those not sent are `not_sent`).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchAbort {
    pub error: Error,
    pub report: BatchReport,
}

impl std::fmt::Display for BatchAbort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} of {} records accepted before the run stopped)",
            self.error, self.report.accepted, self.report.total
        )
    }
}

impl std::error::Error for BatchAbort {}

/// Why a request of a stopped run was not sent (the records are `not_sent`).
pub(crate) fn not_started() -> Error {
    Error::Transport {
        message: "not sent: the run was stopped before this request started".into(),
        maybe_sent: false,
    }
}

/// The next record of `records`, or `None` once the input ends or `stop`
/// is cancelled. A run stops reading at once when stopped: records it never
/// took are the caller's to report (`not_sent`).
pub async fn next_record<S>(records: &mut S, stop: &CancellationToken) -> Option<S::Item>
where
    S: Stream + Unpin + ?Sized,
{
    if stop.is_cancelled() {
        return None;
    }
    tokio::select! {
        biased;
        () = stop.cancelled() => None,
        record = records.next() => record,
    }
}
