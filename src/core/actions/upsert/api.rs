//! The Upsert Contact action for one client: a single upsert with Segment's
//! behaviour, and streaming batch upserts with per-record results.

use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use super::batcher::{assemble, ChunkLimits};
use super::contact::{build_contact, Contact, ContactError, PendingContact};
use super::fields::{FieldCatalog, FieldDefinitions};
use super::imports::PollTiming;
use super::isolate::{expect_job_id, CONTACTS_PATH};
use super::payload::validate_payload;
use super::run::{normalize, too_large, Run};
use crate::actions::input::next_record;
pub use crate::actions::input::{BatchAbort, CancellationToken, InputRecord};
use crate::client::{Idempotency, SendGridClient};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::report::BatchReport;
use crate::wait_budget;

/// A record's payload for [`ContactsApi::upsert_many`].
#[derive(Debug, Clone, PartialEq)]
pub enum UpsertPayload {
    /// A mapped payload: validated and converted by the run.
    Mapped(Value),
    /// A contact already validated and encoded (see [`super::flat`]).
    Encoded(Contact),
    /// A contact validated and encoded but for its custom fields, which
    /// the run resolves once it has the field definitions.
    Pending(PendingContact),
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
pub(super) struct Inner {
    pub(super) client: Arc<SendGridClient>,
    pub(super) fields: FieldCatalog,
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
        let limit = self.inner.client.config().max_rate_limit_wait;
        wait_budget::scoped(limit, self.upsert_one_within_budget(payload, list_ids)).await
    }

    async fn upsert_one_within_budget(
        &self,
        payload: Value,
        list_ids: Option<Vec<String>>,
    ) -> Result<UpsertResult> {
        let payload = validate_payload(payload)?;
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
            job_id: expect_job_id(&response)?,
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
        self.upsert_many_until(records, options, CancellationToken::new())
            .await
    }

    /// [`Self::upsert_many`] until `stop` is cancelled: from then on it
    /// reads no record and starts no request; requests in flight end (with
    /// no retry), and the report covers every record read, those never sent
    /// `not_sent`. Import jobs are not followed after a stop.
    pub async fn upsert_many_until<S, P>(
        &self,
        records: S,
        options: UpsertOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<P>> + Send,
        P: Into<UpsertPayload>,
    {
        let limit = self.inner.client.config().max_rate_limit_wait;
        wait_budget::scoped(
            limit,
            self.upsert_many_within_budget(records, options, stop),
        )
        .await
    }

    async fn upsert_many_within_budget<S, P>(
        &self,
        records: S,
        options: UpsertOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord<P>> + Send,
        P: Into<UpsertPayload>,
    {
        let mut run = Run::new(self.inner.clone(), &options, stop.clone());
        let mut records = std::pin::pin!(records);
        while let Some(record) = next_record(&mut records, &stop).await {
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
    pub(super) async fn prepare(&self, payload: &Map<String, Value>) -> Result<Result<Contact>> {
        // Only custom fields need the definitions: the others need not wait for them.
        let has_custom_fields = matches!(payload.get("customFields"), Some(Value::Object(custom)) if !custom.is_empty());
        if !has_custom_fields {
            return Ok(build_contact(payload, &FieldDefinitions::default())
                .map_err(ContactError::into_error));
        }
        self.with_fields(|fields| build_contact(payload, fields))
            .await
    }

    /// A contact built by `build` with the account's field definitions:
    /// fetched once, and again once when a custom field is unknown. The
    /// outer error stops the whole run; the inner one is the record's.
    pub(super) async fn with_fields(
        &self,
        build: impl Fn(&FieldDefinitions) -> std::result::Result<Contact, ContactError>,
    ) -> Result<Result<Contact>> {
        let mut fields = self.fields.get(&self.client).await?;
        loop {
            match build(&fields) {
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
