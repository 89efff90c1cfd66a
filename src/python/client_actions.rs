//! The two actions on the blocking `Client`: single records raise on
//! failure; batches stream any iterable and return a per-record report.

use pyo3::prelude::*;

use segment_sendgrid_core::SendArgs;

use crate::actions::{map_single_event, send_args, upsert_args, upsert_options, Action};
use crate::arguments::{
    CheckTemplateArg, DryRunArg, ListIdsArg, MergeArg, RetryAmbiguousArg, SandboxArg,
    TemplateIdArg, UseDefaultMappingArg, WaitArg, WaitTimeoutArg,
};
use crate::batch_input::{run_streaming, MappedJson};
use crate::batch_report::{BatchReport, SendResult, UpsertResult};
use crate::body_sink::PyBodySink;
use crate::client::Client;
use crate::flat_contacts::FlatContacts;
use crate::runtime::block_on;

#[pymethods]
impl Client {
    /// Upserts one contact mapped from ``event``; raises on any failure.
    #[pyo3(signature = (event, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), list_ids=None))]
    #[pyo3(
        text_signature = "(self, event, *, mapping=None, use_default_mapping=True, list_ids=None)"
    )]
    fn upsert_contact(
        &self,
        py: Python<'_>,
        event: &Bound<'_, PyAny>,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        list_ids: Option<ListIdsArg>,
    ) -> PyResult<UpsertResult> {
        let mapping = Action::UpsertContact.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let payload = map_single_event(event, &mapping)?;
        let contacts = self.handle.parts(py)?.contacts.clone();
        let list_ids = list_ids.map(|l| l.0);
        let result = block_on(
            py,
            async move { contacts.upsert_one(payload, list_ids).await },
        )?;
        Ok(result.into())
    }

    /// Upserts every contact mapped from ``events`` (any iterable, streamed,
    /// of dicts or their JSON text) in requests of up to 30,000 contacts and
    /// 6 MB; never raises for a single record: see the returned ``BatchReport``.
    #[pyo3(signature = (events, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), list_ids=None, wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false), on_request_body=None))]
    #[pyo3(
        text_signature = "(self, events, *, mapping=None, use_default_mapping=True, list_ids=None, wait=False, wait_timeout=600.0, dry_run=False, on_request_body=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn upsert_contacts(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        list_ids: Option<ListIdsArg>,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
        on_request_body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<BatchReport> {
        let mapping = Action::UpsertContact.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let args = upsert_args(list_ids, wait, wait_timeout, dry_run);
        let options = upsert_options(self.handle.config(), args)?;
        let contacts = self.handle.parts(py)?.contacts.clone();
        let body_sink = PyBodySink::new(on_request_body)?;
        let report = run_streaming(
            py,
            events,
            &mapping,
            FlatContacts::new(&mapping),
            &body_sink,
            move |records, stop| async move { contacts.upsert_many_until(records, options, stop).await },
        )?;
        Ok(report.into())
    }

    /// Sends one Dynamic Template mail mapped from ``event``; raises on failure.
    #[pyo3(signature = (event, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), sandbox=SandboxArg(false), check_template=CheckTemplateArg(true)))]
    #[pyo3(
        text_signature = "(self, event, *, mapping=None, use_default_mapping=True, sandbox=False, check_template=True)"
    )]
    fn send_dynamic_template(
        &self,
        py: Python<'_>,
        event: &Bound<'_, PyAny>,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        sandbox: SandboxArg,
        check_template: CheckTemplateArg,
    ) -> PyResult<SendResult> {
        let mapping =
            Action::SendDynamicTemplate.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let payload = map_single_event(event, &mapping)?;
        let options = SendArgs::single(sandbox.0, check_template.0).options(self.handle.config());
        let mail = self.handle.parts(py)?.mail.clone();
        let result = block_on(py, async move { mail.send_one(payload, options).await })?;
        Ok(result.into())
    }

    /// Sends a mail per record of ``events`` (any iterable, streamed, of
    /// dicts or their JSON text). With
    /// ``merge=True`` records sharing every message-level field share a
    /// request. Never sends a record twice unless ``retry_ambiguous=True``.
    #[pyo3(signature = (events, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), sandbox=SandboxArg(false), check_template=CheckTemplateArg(true), merge=MergeArg(true), retry_ambiguous=RetryAmbiguousArg(false), dry_run=DryRunArg(false), on_request_body=None))]
    #[pyo3(
        text_signature = "(self, events, *, mapping=None, use_default_mapping=True, sandbox=False, check_template=True, merge=True, retry_ambiguous=False, dry_run=False, on_request_body=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn send_dynamic_templates(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        mapping: Option<&Bound<'_, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        sandbox: SandboxArg,
        check_template: CheckTemplateArg,
        merge: MergeArg,
        retry_ambiguous: RetryAmbiguousArg,
        dry_run: DryRunArg,
        on_request_body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<BatchReport> {
        let mapping =
            Action::SendDynamicTemplate.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let args = send_args(sandbox, check_template, merge, retry_ambiguous, dry_run);
        let options = args.options(self.handle.config());
        let mail = self.handle.parts(py)?.mail.clone();
        let body_sink = PyBodySink::new(on_request_body)?;
        let report = run_streaming(
            py,
            events,
            &mapping,
            MappedJson,
            &body_sink,
            move |records, stop| async move { mail.send_many_until(records, options, stop).await },
        )?;
        Ok(report.into())
    }

    /// The variables the active version of a dynamic template uses.
    fn template_variables(
        &self,
        py: Python<'_>,
        template_id: TemplateIdArg,
    ) -> PyResult<Vec<String>> {
        let mail = self.handle.parts(py)?.mail.clone();
        block_on(
            py,
            async move { mail.template_variables(&template_id.0).await },
        )
    }
}
