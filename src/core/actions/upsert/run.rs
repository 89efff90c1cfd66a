//! One streaming batch run of Upsert Contact: records become contacts,
//! contacts fill chunks (per `list_ids` group, within SendGrid's limits),
//! chunks go out `max_concurrency` at a time, and every record ends in the
//! report. With `wait`, the import jobs are followed to their end and those
//! that errored are verified record by record ([`super::verify`]).
//!
//! A stopped run ([`CancellationToken`]) starts no request: requests in
//! flight end, queued chunks stay `not_sent`, and import jobs are not
//! followed.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use super::api::{Inner, UpsertOptions, UpsertPayload};
use super::batcher::{Batcher, Chunk, Piece, Pushed};
use super::imports::wait_for_imports;
use super::isolate::{deliver, ChunkOutcome};
use super::payload::validate_payload;
use super::sent::SentRequest;
use super::verify::verify_imports;
use crate::actions::body_sink::dry_run_body;
use crate::actions::input::{BatchAbort, InputRecord};
use crate::client::SendGridClient;
use crate::error::{Error, Result};
use crate::report::{BatchReport, ImportJob, RecordFailure, ReportBuilder};
use crate::wait_budget;

/// Reason given to records left unsent when a run stops early.
const STOPPED: &str = "the run stopped before this record was sent";

/// The state of one batch run.
pub(super) struct Run {
    inner: Arc<Inner>,
    pub(super) builder: ReportBuilder,
    batcher: Batcher,
    inflight: JoinSet<ChunkOutcome>,
    max_concurrency: usize,
    list_ids: Vec<String>,
    dry_run: bool,
    /// `wait=True`: keep what each request sent, to verify its import job.
    keep_sent: bool,
    sent: Vec<SentRequest>,
    pub(super) fatal: Option<Error>,
    /// Assembled chunks waiting for a request slot.
    ready: VecDeque<Chunk>,
    stop: CancellationToken,
}

impl Run {
    pub(super) fn new(inner: Arc<Inner>, options: &UpsertOptions, stop: CancellationToken) -> Self {
        Self {
            inner,
            builder: ReportBuilder::new(),
            batcher: Batcher::new(options.limits),
            inflight: JoinSet::new(),
            max_concurrency: options.max_concurrency.max(1),
            list_ids: normalize(options.list_ids.clone().unwrap_or_default()),
            dry_run: options.dry_run,
            keep_sent: options.wait && !options.dry_run,
            sent: Vec::new(),
            fatal: None,
            ready: VecDeque::new(),
            stop,
        }
    }

    /// Whether requests may still start: no fatal error, not stopped.
    fn going(&self) -> bool {
        self.fatal.is_none() && !self.stop.is_cancelled()
    }

    /// Validates, converts and queues one record. Stopped while the field
    /// definitions are fetched, the record stays unsettled (`not_sent`).
    pub(super) async fn take<P: Into<UpsertPayload>>(&mut self, record: InputRecord<P>) {
        let index = record.index;
        let payload = match record.payload {
            Ok(payload) => payload.into(),
            Err(failure) => return self.builder.fail(RecordFailure { index, ..failure }),
        };
        let prepared = match payload {
            UpsertPayload::Encoded(contact) => Ok(Ok(contact)),
            UpsertPayload::Pending(pending) => tokio::select! {
                prepared = self.inner.with_fields(|fields| pending.finish(fields)) => prepared,
                () = self.stop.cancelled() => return,
            },
            UpsertPayload::Mapped(payload) => match validate_payload(payload) {
                Ok(validated) => tokio::select! {
                    prepared = self.inner.prepare(&validated) => prepared,
                    () = self.stop.cancelled() => return,
                },
                Err(error) => Ok(Err(error)),
            },
        };
        let contact = match prepared {
            Ok(Ok(contact)) => contact,
            Ok(Err(error)) => return self.builder.fail(RecordFailure::from_error(index, error)),
            Err(run_error) => {
                self.fatal = Some(run_error);
                return;
            }
        };
        let list_ids = match contact.list_ids {
            Some(own) => normalize(own),
            None => self.list_ids.clone(),
        };
        let piece = Piece {
            index,
            json: contact.json,
        };
        match self.batcher.push(&list_ids, piece) {
            Pushed::Added(ready) => {
                for chunk in ready {
                    self.dispatch(chunk).await;
                }
            }
            Pushed::TooLarge { body_len } => {
                let limit = self.batcher_limit();
                self.builder.fail(RecordFailure::invalid(
                    index,
                    too_large(body_len, limit),
                    None,
                ));
            }
        }
    }

    fn batcher_limit(&self) -> usize {
        self.batcher.limits().max_bytes
    }

    /// Queues `chunk` and sends what may go. Reading runs ahead of the
    /// requests by at most `max_concurrency` assembled chunks, so a request
    /// that ends finds the next body ready; past that this waits. After a
    /// fatal error or a stop nothing more is sent.
    async fn dispatch(&mut self, chunk: Chunk) {
        self.ready.push_back(chunk);
        self.pump();
        while self.ready.len() > self.max_concurrency && self.going() {
            self.wait_for_progress().await;
            self.pump();
        }
    }

    /// Sends queued chunks while fewer than `max_concurrency` requests are
    /// in flight; never waits. A dry run records the bodies in place of
    /// the requests, in input order.
    fn pump(&mut self) {
        self.collect_finished();
        while self.going() && self.inflight.len() < self.max_concurrency {
            let Some(chunk) = self.ready.pop_front() else {
                return;
            };
            if self.dry_run {
                // Bodies are written as UTF-8; the lossy form is never needed.
                let body = String::from_utf8(chunk.body().into())
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                for piece in &chunk.pieces {
                    self.builder.accept(piece.index);
                }
                dry_run_body(body, &mut self.builder.report_mut().request_bodies);
                continue;
            }
            let inner = self.inner.clone();
            let keep_sent = self.keep_sent;
            let stop = self.stop.clone();
            self.inflight.spawn(wait_budget::inherit(async move {
                deliver(&inner.client, chunk, keep_sent, &stop).await
            }));
        }
    }

    /// Waits for a request to end, or for the run to be stopped.
    async fn wait_for_progress(&mut self) {
        let done = tokio::select! {
            done = self.inflight.join_next() => done,
            () = self.stop.cancelled() => None,
        };
        if let Some(done) = done {
            self.apply(done);
        }
    }

    /// Settles the chunks that have already finished, without waiting.
    pub(super) fn collect_finished(&mut self) {
        while let Some(done) = self.inflight.try_join_next() {
            self.apply(done);
        }
    }

    fn apply(&mut self, done: Result<ChunkOutcome, JoinError>) {
        // A task that died settles nothing: its records end as not_sent.
        let Ok(outcome) = done else { return };
        for index in outcome.accepted {
            self.builder.accept(index);
        }
        for failure in outcome.failures {
            self.builder.fail(failure);
        }
        let report = self.builder.report_mut();
        report.job_ids.extend(outcome.job_ids);
        self.sent.extend(outcome.sent);
        report.requests += outcome.requests;
        report.retries += outcome.retries;
        if self.fatal.is_none() {
            self.fatal = outcome.fatal;
        }
    }

    pub(super) async fn finish(
        mut self,
        options: &UpsertOptions,
    ) -> Result<BatchReport, BatchAbort> {
        if self.going() {
            self.ready
                .extend(std::mem::take(&mut self.batcher).finish());
        }
        self.pump();
        while !self.ready.is_empty() && self.going() {
            self.wait_for_progress().await;
            self.pump();
        }
        // Requests in flight end even when stopped (no retry starts then).
        while let Some(done) = self.inflight.join_next().await {
            self.apply(done);
        }
        let mut report = self.builder.finish(STOPPED);
        if let Some(error) = self.fatal {
            return Err(BatchAbort { error, report });
        }
        if options.wait && !report.job_ids.is_empty() {
            let mut ids = report.job_ids.clone();
            ids.sort();
            ids.dedup();
            let follow = follow_imports(
                &self.inner.client,
                &ids,
                options,
                self.sent,
                self.max_concurrency,
            );
            // Stopped: the jobs are not followed, and the records stay as
            // SendGrid answered them (accepted: queued with a 202).
            let followed = tokio::select! {
                followed = follow => Some(followed),
                () = self.stop.cancelled() => None,
            };
            if let Some((jobs, verified)) = followed {
                report.imports = jobs;
                match verified {
                    Ok(failures) => report.reject_accepted(failures),
                    Err(error) => return Err(BatchAbort { error, report }),
                }
            }
        }
        report.log_summary("upsert_contacts");
        Ok(report)
    }
}

/// Waits for the import jobs `ids` and verifies those that errored: their
/// final states, and the records they did not store (or why that could not
/// be found out).
async fn follow_imports(
    client: &SendGridClient,
    ids: &[String],
    options: &UpsertOptions,
    sent: Vec<SentRequest>,
    concurrency: usize,
) -> (Vec<ImportJob>, Result<Vec<RecordFailure>>) {
    match wait_for_imports(client, ids, options.wait_timeout, options.poll).await {
        Ok(jobs) => {
            let verified = verify_imports(client, &jobs, sent, concurrency).await;
            (jobs, verified)
        }
        Err(error) => (Vec::new(), Err(error)),
    }
}

pub(super) fn too_large(body_len: usize, limit: usize) -> String {
    format!("the contact makes a request body of {body_len} bytes; SendGrid accepts at most {limit} bytes per request")
}

/// Drops repeated list ids, keeping the first occurrence's position.
pub(super) fn normalize(mut list_ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    list_ids.retain(|id| seen.insert(id.clone()));
    list_ids
}
