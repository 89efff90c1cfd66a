//! The Upsert Contact action for one client: a single upsert with Segment's
//! behaviour, and streaming batch upserts with per-record results.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, Stream, StreamExt};
use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::task::{JoinError, JoinSet};

use super::batcher::{assemble, Batcher, Chunk, ChunkLimits, Piece, Pushed};
use super::contact::{build_contact, Contact, ContactError};
use super::fields::{FieldCatalog, FieldDefinitions};
use super::imports::{wait_for_imports, PollTiming};
use super::isolate::{deliver, job_id, ChunkOutcome, CONTACTS_PATH};
use super::payload::validate_payload;
pub use crate::actions::input::{BatchAbort, InputRecord};
use crate::client::{Idempotency, SendGridClient};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::report::{BatchReport, RecordFailure, ReportBuilder};

/// Reason given to records left unsent when a run stops early.
const STOPPED: &str = "the run stopped before this record was sent";

/// A record's payload for [`ContactsApi::upsert_many`].
#[derive(Debug, Clone, PartialEq)]
pub enum UpsertPayload {
    /// A mapped payload: validated and converted by the run.
    Mapped(Value),
    /// A contact already validated and encoded (see [`super::flat`]).
    Encoded(Contact),
}

impl From<Value> for UpsertPayload {
    fn from(payload: Value) -> Self {
        Self::Mapped(payload)
    }
}

/// Answer to a single upsert: SendGrid queued an import job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpsertResult {
    pub job_id: String,
    pub status_code: u16,
}

/// Settings of one batch run.
#[derive(Debug, Clone, PartialEq)]
pub struct UpsertOptions {
    /// Lists for records whose payload has no `list_ids` of its own.
    pub list_ids: Option<Vec<String>>,
    /// Follow the import jobs until they finish (`report.imports`).
    pub wait: bool,
    pub wait_timeout: Duration,
    /// Requests in flight at once.
    pub max_concurrency: usize,
    /// Per-request limits (clamped to SendGrid's 30,000 contacts / 6 MB).
    pub limits: ChunkLimits,
    pub poll: PollTiming,
    /// Record each `PUT /v3/marketing/contacts` body in
    /// `report.request_bodies` instead of sending it, and settle its records
    /// as accepted. Lookups still happen (`GET` of the field definitions,
    /// which sends no contact data); `wait` has no jobs to follow.
    pub dry_run: bool,
}

impl Default for UpsertOptions {
    fn default() -> Self {
        Self {
            list_ids: None,
            wait: false,
            wait_timeout: Duration::from_secs(600),
            max_concurrency: 4,
            limits: ChunkLimits::default(),
            poll: PollTiming::default(),
            dry_run: false,
        }
    }
}

impl UpsertOptions {
    /// Defaults, with the client's `max_concurrency`.
    pub fn for_client(config: &ClientConfig) -> Self {
        Self {
            max_concurrency: config.max_concurrency,
            ..Self::default()
        }
    }
}

/// The Upsert Contact action bound to one client; cheap to clone. Holds the
/// client's cached field definitions.
#[derive(Debug, Clone)]
pub struct ContactsApi {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: Arc<SendGridClient>,
    fields: FieldCatalog,
}

impl ContactsApi {
    pub fn new(client: Arc<SendGridClient>) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                fields: FieldCatalog::new(),
            }),
        }
    }

    pub fn client(&self) -> &Arc<SendGridClient> {
        &self.inner.client
    }

    /// Upserts one mapped payload: Segment's `perform`. `list_ids` applies
    /// unless the payload has its own.
    pub async fn upsert_one(
        &self,
        payload: Value,
        list_ids: Option<Vec<String>>,
    ) -> Result<UpsertResult> {
        let payload = validate_payload(payload)?;
        // Segment's first request: it also checks the key before any contact is sent.
        self.inner.fields.get(&self.inner.client).await?;
        let contact = self.inner.prepare(&payload).await??;
        let list_ids = normalize(contact.list_ids.or(list_ids).unwrap_or_default());
        let body = assemble(&list_ids, std::iter::once(contact.json.as_slice()));
        let limit = super::batcher::MAX_BODY_BYTES;
        if body.len() > limit {
            return Err(Error::validation(too_large(body.len(), limit), None));
        }
        let response = self
            .inner
            .client
            .request(
                Method::PUT,
                CONTACTS_PATH,
                Some(body),
                Idempotency::Idempotent,
            )
            .await?;
        Ok(UpsertResult {
            job_id: job_id(&response).unwrap_or_default(),
            status_code: response.status,
        })
    }

    /// Upserts a stream of records in batches, `options.max_concurrency`
    /// requests at a time, reading the input only as fast as it is sent
    /// (at most `max_concurrency` request bodies ahead).
    /// To stop early (the input failed), end the stream: the report then
    /// covers what was read.
    pub async fn upsert_many<S, P>(
        &self,
        records: S,
        options: UpsertOptions,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<P>> + Send,
        P: Into<UpsertPayload>,
    {
        let mut run = Run::new(self.inner.clone(), &options);
        let mut records = std::pin::pin!(records);
        while let Some(record) = records.next().await {
            run.builder.saw(record.index);
            run.collect_finished();
            if run.fatal.is_none() {
                run.take(record).await;
            }
            if run.fatal.is_some() {
                break;
            }
        }
        run.finish(&options).await
    }
}

impl Inner {
    /// Payload → contact. The outer error stops a whole run (the field
    /// definitions could not be fetched); the inner one is the record's.
    async fn prepare(&self, payload: &Map<String, Value>) -> Result<Result<Contact>> {
        // Only custom fields need the definitions: the others need not wait for them.
        let has_custom_fields = matches!(payload.get("customFields"), Some(Value::Object(custom)) if !custom.is_empty());
        if !has_custom_fields {
            return Ok(build_contact(payload, &FieldDefinitions::default())
                .map_err(ContactError::into_error));
        }
        let mut fields = self.fields.get(&self.client).await?;
        loop {
            match build_contact(payload, &fields) {
                Ok(contact) => return Ok(Ok(contact)),
                Err(ContactError::UnknownCustomField(key)) => {
                    match self.fields.refetch_for(&self.client, &key, &fields).await? {
                        Some(newer) => fields = newer,
                        None => return Ok(Err(ContactError::UnknownCustomField(key).into_error())),
                    }
                }
                Err(other) => return Ok(Err(other.into_error())),
            }
        }
    }
}

/// The state of one batch run.
struct Run {
    inner: Arc<Inner>,
    builder: ReportBuilder,
    batcher: Batcher,
    inflight: JoinSet<ChunkOutcome>,
    max_concurrency: usize,
    list_ids: Vec<String>,
    dry_run: bool,
    fatal: Option<Error>,
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
    fn new(inner: Arc<Inner>, options: &UpsertOptions) -> Self {
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
    async fn take<P: Into<UpsertPayload>>(&mut self, record: InputRecord<P>) {
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
    fn collect_finished(&mut self) {
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

    async fn finish(mut self, options: &UpsertOptions) -> Result<BatchReport, BatchAbort> {
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

fn too_large(body_len: usize, limit: usize) -> String {
    format!("the contact makes a request body of {body_len} bytes; SendGrid accepts at most {limit} bytes per request")
}

/// Drops repeated list ids, keeping the first occurrence's position.
fn normalize(mut list_ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    list_ids.retain(|id| seen.insert(id.clone()));
    list_ids
}
