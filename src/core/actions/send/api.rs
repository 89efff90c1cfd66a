//! The entry points the bindings call: one [`MailApi`] per client.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::Stream;
use serde_json::Value;
use tokio::task::JoinSet;

use super::dispatch::{failure_for, message_id, Dispatcher, Settled, Settlement};
use super::mail::{parse_template_id, prepare, PreparedMail, TEMPLATE_MESSAGE};
use super::merge::{fitting, Batch, Grouper};
use super::templates::TemplateCache;
use crate::actions::body_sink::dry_run_body;
use crate::actions::input::{next_record, BatchAbort, CancellationToken, InputRecord};
use crate::client::SendGridClient;
use crate::error::{Error, Result};
use crate::report::{BatchReport, Outcome, RecordFailure, ReportBuilder};
use crate::wait_budget;

/// Options of one send call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOptions {
    /// Sets `mail_settings.sandbox_mode.enable`: validated, never delivered.
    pub sandbox: bool,
    /// Look the template up (once per client) and refuse missing, legacy or
    /// version-less templates before sending.
    pub check_template: bool,
    /// Share requests between records with equal message-level fields.
    pub merge: bool,
    /// Resend after a 5xx or a timeout although the mail may have gone out.
    pub retry_ambiguous: bool,
    /// Requests in flight; `None` uses the client's `max_concurrency`.
    pub max_concurrency: Option<usize>,
    /// `send_many` only: record each `POST /v3/mail/send` body in
    /// `report.request_bodies` instead of sending it, and settle its records
    /// as accepted (without a message id). The template check still looks
    /// templates up (`GET`, no mail data).
    pub dry_run: bool,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            sandbox: false,
            check_template: true,
            merge: true,
            retry_ambiguous: false,
            max_concurrency: None,
            dry_run: false,
        }
    }
}

/// The answer to a single send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// The request's `X-Message-Id` (none in sandbox mode).
    pub message_id: Option<String>,
    /// 202, or 200 in sandbox mode.
    pub status_code: u16,
}

const UNSETTLED: &str = "not sent: the run stopped before this record was sent";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Validation and size limits of one mapped payload, the same for a
/// single send and for each record of a batch.
fn prepare_sendable(payload: Value, opts: SendOptions) -> Result<PreparedMail> {
    fitting(prepare(payload, now_ms(), opts.sandbox)?)
}

/// "Send Email with Dynamic Template" for one client.
#[derive(Debug, Clone)]
pub struct MailApi {
    client: Arc<SendGridClient>,
    templates: Arc<TemplateCache>,
}

impl MailApi {
    pub fn new(client: Arc<SendGridClient>) -> Self {
        Self {
            client,
            templates: Arc::new(TemplateCache::new()),
        }
    }

    pub fn client(&self) -> &Arc<SendGridClient> {
        &self.client
    }

    /// Validates, checks the template (if asked) and sends one mail. Errors
    /// are raised as they are: 5xx and timeouts after sending included.
    pub async fn send_one(&self, payload: Value, opts: SendOptions) -> Result<SendResult> {
        let limit = self.client.config().max_rate_limit_wait;
        wait_budget::scoped(limit, self.send_one_within_budget(payload, opts)).await
    }

    async fn send_one_within_budget(
        &self,
        payload: Value,
        opts: SendOptions,
    ) -> Result<SendResult> {
        let mail = prepare_sendable(payload, opts)?;
        if opts.check_template {
            self.templates
                .check(&self.client, &mail.template_id)
                .await?;
        }
        let dispatcher = Dispatcher {
            client: self.client.clone(),
            retry_ambiguous: opts.retry_ambiguous,
            dry_run: false,
            stop: CancellationToken::new(),
        };
        let response = dispatcher
            .post(&Batch::single(0, mail), &mut Settled::default())
            .await?;
        Ok(SendResult {
            message_id: message_id(&response),
            status_code: response.status,
        })
    }

    /// The variables the template's active version uses. Accepts the same
    /// id forms as `template_id` (`d-x`, `"Name - Version [d-x]"`).
    pub async fn template_variables(&self, template_id: &str) -> Result<Vec<String>> {
        let id = parse_template_id(template_id)
            .filter(|id| id.starts_with("d-"))
            .ok_or_else(|| Error::validation(TEMPLATE_MESSAGE, Some("template_id")))?;
        self.templates.variables(&self.client, id).await
    }

    /// Sends a stream of records; every record ends up accepted or in
    /// `failed`. Only problems of the whole run (401/403, a template lookup
    /// that keeps failing) stop it, returned with the report of what was
    /// settled until then.
    pub async fn send_many<S>(
        &self,
        records: S,
        opts: SendOptions,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord> + Send,
    {
        self.send_many_until(records, opts, CancellationToken::new())
            .await
    }

    /// [`Self::send_many`] until `stop` is cancelled: from then on it reads
    /// no record and starts no request (nor a repeat); requests in flight
    /// end, and the report covers every record read: those never sent are
    /// `not_sent`, those whose request got no answer `unknown`.
    pub async fn send_many_until<S>(
        &self,
        records: S,
        opts: SendOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord> + Send,
    {
        let limit = self.client.config().max_rate_limit_wait;
        wait_budget::scoped(limit, self.send_many_within_budget(records, opts, stop)).await
    }

    async fn send_many_within_budget<S>(
        &self,
        records: S,
        opts: SendOptions,
        stop: CancellationToken,
    ) -> Result<BatchReport, BatchAbort>
    where
        S: Stream<Item = InputRecord> + Send,
    {
        let mut records = std::pin::pin!(records);
        let dispatcher = Arc::new(Dispatcher {
            client: self.client.clone(),
            retry_ambiguous: opts.retry_ambiguous,
            dry_run: opts.dry_run,
            stop: stop.clone(),
        });
        let max_in_flight = opts
            .max_concurrency
            .unwrap_or(self.client.config().max_concurrency)
            .max(1);
        let mut run = Run::default();
        let mut grouper = Grouper::new();
        while run.abort.is_none() {
            let Some(record) = next_record(&mut records, &stop).await else {
                break;
            };
            let index = record.index;
            run.builder.saw(index);
            while let Some(done) = run.tasks.try_join_next() {
                run.absorb(done);
            }
            let Some(mail) = self.admit(record, opts, &mut run, &stop).await else {
                continue;
            };
            let ready = if opts.merge {
                grouper.push(index, mail)
            } else {
                vec![Batch::single(index, mail)]
            };
            for batch in ready {
                run.launch(&dispatcher, batch, max_in_flight).await;
            }
        }
        if run.abort.is_none() && !stop.is_cancelled() {
            for batch in grouper.drain() {
                run.launch(&dispatcher, batch, max_in_flight).await;
            }
        }
        // Requests in flight end even when stopped (no repeat starts then).
        while let Some(done) = run.tasks.join_next().await {
            run.absorb(done);
        }
        run.finish()
    }

    /// Validation, size limits and the template check of one record;
    /// `None` when it failed (and was reported), or when the run was stopped
    /// during the check (it is then unsettled: `not_sent`).
    async fn admit(
        &self,
        record: InputRecord,
        opts: SendOptions,
        run: &mut Run,
        stop: &CancellationToken,
    ) -> Option<PreparedMail> {
        let index = record.index;
        let payload = match record.payload {
            Ok(payload) => payload,
            Err(failure) => {
                run.builder.fail(RecordFailure { index, ..failure });
                return None;
            }
        };
        let mail = match prepare_sendable(payload, opts) {
            Ok(mail) => mail,
            Err(error) => {
                run.builder.fail(failure_for(index, &error));
                return None;
            }
        };
        if opts.check_template {
            let checked = tokio::select! {
                checked = self.templates.check(&self.client, &mail.template_id) => checked,
                () = stop.cancelled() => return None,
            };
            if let Err(error) = checked {
                let mut failure = failure_for(index, &error);
                if !matches!(error, Error::PayloadValidation { .. }) {
                    // A lookup that failed after its retries concerns every
                    // record of the run: it stops (raising with the report)
                    // rather than asking again for each record. The GET
                    // never sent the mail.
                    failure.outcome = Outcome::NotSent;
                    failure.retryable = !error.is_whole_run();
                    run.abort = Some(error);
                }
                run.builder.fail(failure);
                return None;
            }
        }
        Some(mail)
    }
}

/// The state of one `send_many` call.
#[derive(Default)]
struct Run {
    builder: ReportBuilder,
    message_ids: Vec<Option<String>>,
    tasks: JoinSet<Settled>,
    requests: u64,
    retries: u64,
    request_bodies: Vec<String>,
    abort: Option<Error>,
}

impl Run {
    /// Starts `batch` once fewer than `max_in_flight` requests are running,
    /// unless the run stops first.
    async fn launch(&mut self, dispatcher: &Arc<Dispatcher>, batch: Batch, max_in_flight: usize) {
        let stop = &dispatcher.stop;
        while self.tasks.len() >= max_in_flight && !stop.is_cancelled() {
            let done = tokio::select! {
                done = self.tasks.join_next() => done,
                () = stop.cancelled() => None,
            };
            match done {
                Some(done) => self.absorb(done),
                None => break,
            }
        }
        if self.abort.is_some() || stop.is_cancelled() {
            // Left unsettled: `finish` reports these records as not sent.
            return;
        }
        if dispatcher.dry_run {
            // Nothing to wait for: settled in place, so bodies keep input order.
            let mut settled = Settled::default();
            dispatcher.settle(batch, &mut settled).await;
            self.absorb(Ok(settled));
            return;
        }
        let dispatcher = dispatcher.clone();
        self.tasks.spawn(wait_budget::inherit(async move {
            let mut settled = Settled::default();
            dispatcher.settle(batch, &mut settled).await;
            settled
        }));
    }

    fn absorb(&mut self, done: std::result::Result<Settled, tokio::task::JoinError>) {
        // A task that died leaves its records unsettled: `finish` reports them.
        let Ok(settled) = done else { return };
        self.requests += settled.requests;
        self.retries += settled.retries;
        for body in settled.bodies {
            dry_run_body(body, &mut self.request_bodies);
        }
        for (index, settlement) in settled.records {
            match settlement {
                Settlement::Accepted { message_id } => {
                    self.builder.accept(index);
                    if self.message_ids.len() <= index {
                        self.message_ids.resize(index + 1, None);
                    }
                    self.message_ids[index] = message_id;
                }
                Settlement::Failed(failure) => self.builder.fail(failure),
            }
        }
        if self.abort.is_none() {
            self.abort = settled.abort;
        }
    }

    // `BatchAbort` carries the whole report by design (shared with upsert).
    #[allow(clippy::result_large_err)]
    fn finish(mut self) -> Result<BatchReport, BatchAbort> {
        let mut report = std::mem::take(&mut self.builder).finish(UNSETTLED);
        report.requests = self.requests;
        report.retries = self.retries;
        report.request_bodies = self.request_bodies;
        self.message_ids.resize(report.total, None);
        report.message_ids = self.message_ids;
        report.log_summary("send_dynamic_templates");
        match self.abort {
            Some(error) => Err(BatchAbort { error, report }),
            None => Ok(report),
        }
    }
}
