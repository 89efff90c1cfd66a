//! One streaming batch run of Upsert Contact: records become contacts,
//! contacts fill chunks (per `list_ids` group, within SendGrid's limits),
//! chunks go out `max_concurrency` at a time with the field-definitions
//! lookup alongside the first ones, and every record ends in the report.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::FutureExt;
use tokio::task::{JoinError, JoinSet};

use super::api::{Inner, UpsertOptions, UpsertPayload};
use super::batcher::{Batcher, Chunk, Piece, Pushed};
use super::imports::wait_for_imports;
use super::isolate::{deliver, ChunkOutcome};
use super::payload::validate_payload;
use crate::actions::input::{BatchAbort, InputRecord};
use crate::error::{Error, Result};
use crate::report::{BatchReport, RecordFailure, ReportBuilder};

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
    pub(super) fatal: Option<Error>,
    lookup: Lookup,
    /// Assembled chunks waiting for a request slot (or for the lookup).
    ready: VecDeque<Chunk>,
}

/// The field definitions lookup of a run, started with the first record: it
/// checks the key (as Segment's first request does) while the first chunk
/// is read, and a refused key stops the run. Contacts without custom fields
/// do not wait for it, so it costs no round trip.
enum Lookup {
    NotStarted,
    Running(tokio::task::JoinHandle<Result<()>>),
    Done,
}

impl Run {
    pub(super) fn new(inner: Arc<Inner>, options: &UpsertOptions) -> Self {
        Self {
            inner,
            builder: ReportBuilder::new(),
            batcher: Batcher::new(options.limits),
            inflight: JoinSet::new(),
            max_concurrency: options.max_concurrency.max(1),
            list_ids: normalize(options.list_ids.clone().unwrap_or_default()),
            dry_run: options.dry_run,
            fatal: None,
            lookup: Lookup::NotStarted,
            ready: VecDeque::new(),
        }
    }

    fn start_lookup(&mut self) {
        if matches!(self.lookup, Lookup::NotStarted) {
            let inner = self.inner.clone();
            self.lookup = Lookup::Running(tokio::spawn(async move {
                inner.fields.get(&inner.client).await.map(drop)
            }));
        }
    }

    /// Waits for the lookup, if it is still running, and settles it.
    async fn lookup_done(&mut self) {
        if let Lookup::Running(lookup) = std::mem::replace(&mut self.lookup, Lookup::Done) {
            self.settle_lookup(lookup.await);
        }
    }

    /// A refused key stops the run. Any other failure concerns only the
    /// records with custom fields, which look the definitions up again.
    fn settle_lookup(&mut self, done: std::result::Result<Result<()>, JoinError>) {
        if let Ok(Err(error)) = done {
            if matches!(error.status(), Some(401 | 403)) {
                self.fatal.get_or_insert(error);
            }
        }
    }

    /// Validates, converts and queues one record.
    pub(super) async fn take<P: Into<UpsertPayload>>(&mut self, record: InputRecord<P>) {
        self.start_lookup();
        let index = record.index;
        let payload = match record.payload {
            Ok(payload) => payload.into(),
            Err(failure) => return self.builder.fail(RecordFailure { index, ..failure }),
        };
        let prepared = match payload {
            UpsertPayload::Encoded(contact) => Ok(Ok(contact)),
            UpsertPayload::Mapped(payload) => match validate_payload(payload) {
                Ok(validated) => self.inner.prepare(&validated).await,
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
    /// fatal error nothing more is sent.
    async fn dispatch(&mut self, chunk: Chunk) {
        self.ready.push_back(chunk);
        self.pump();
        while self.ready.len() > self.max_concurrency && self.fatal.is_none() {
            self.wait_for_progress().await;
            self.pump();
        }
    }

    /// Sends queued chunks while fewer than `max_concurrency` requests are
    /// in flight; never waits. The lookup's failure (a bad key) stops the
    /// run. A dry run records the bodies in place of the requests, in input
    /// order, once its lookup (its only check of the key) has succeeded.
    fn pump(&mut self) {
        if let Lookup::Running(lookup) = &mut self.lookup {
            if let Some(done) = lookup.now_or_never() {
                self.settle_lookup(done);
                self.lookup = Lookup::Done;
            }
        }
        if self.dry_run && matches!(self.lookup, Lookup::Running(_)) {
            return;
        }
        self.collect_finished();
        while self.fatal.is_none() && self.inflight.len() < self.max_concurrency {
            let Some(chunk) = self.ready.pop_front() else {
                return;
            };
            if self.dry_run {
                let body = String::from_utf8_lossy(&chunk.body()).into_owned();
                for piece in &chunk.pieces {
                    self.builder.accept(piece.index);
                }
                self.builder.report_mut().request_bodies.push(body);
                continue;
            }
            let inner = self.inner.clone();
            self.inflight
                .spawn(async move { deliver(&inner.client, chunk).await });
        }
    }

    /// Waits for a request to end (or, with none in flight or in a dry
    /// run, for the lookup).
    async fn wait_for_progress(&mut self) {
        if !self.dry_run {
            if let Some(done) = self.inflight.join_next().await {
                return self.apply(done);
            }
        }
        self.lookup_done().await;
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
        if self.fatal.is_none() {
            self.ready
                .extend(std::mem::take(&mut self.batcher).finish());
        }
        self.pump();
        while !self.ready.is_empty() && self.fatal.is_none() {
            self.wait_for_progress().await;
            self.pump();
        }
        if self.dry_run {
            self.lookup_done().await;
        } else if let Lookup::Running(lookup) = &self.lookup {
            // Requests went out (a bad key would have stopped them), or none did.
            lookup.abort();
        }
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
            match wait_for_imports(&self.inner.client, &ids, options.wait_timeout, options.poll)
                .await
            {
                Ok(jobs) => report.imports = jobs,
                Err(error) => return Err(BatchAbort { error, report }),
            }
        }
        Ok(report)
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
