//! The two actions on `AsyncClient`. Python input is converted and mapped
//! before the awaitable is created (futures never touch Python objects), so
//! a batch's iterable is read in full first; the requests then stream.

use futures::stream;
use pyo3::prelude::*;

use segment_sendgrid_core::SendArgs;

use crate::actions::{map_single_event, send_args, upsert_args, upsert_options, Action};
use crate::arguments::{
    CheckTemplateArg, DryRunArg, ListIdsArg, MergeArg, RetryAmbiguousArg, SandboxArg,
    TemplateIdArg, UseDefaultMappingArg, WaitArg, WaitTimeoutArg,
};
use crate::async_batch::awaitable_batch;
use crate::awaitables::awaitable;
use crate::batch_input::{collect_records, MappedJson};
use crate::batch_report::{SendResult, UpsertResult};
use crate::body_sink::PyBodySink;
use crate::client::AsyncClient;
use crate::flat_contacts::FlatContacts;

#[pymethods]
impl AsyncClient {
    /// Awaitable: upserts one contact mapped from ``event``.
    #[pyo3(signature = (event, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), list_ids=None))]
    #[pyo3(
        text_signature = "(self, event, *, mapping=None, use_default_mapping=True, list_ids=None)"
    )]
    fn upsert_contact<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        list_ids: Option<ListIdsArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping = Action::UpsertContact.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let payload = map_single_event(event, &mapping)?;
        let contacts = self.handle.parts(py)?.contacts.clone();
        let list_ids = list_ids.map(|l| l.0);
        awaitable(py, async move {
            contacts
                .upsert_one(payload, list_ids)
                .await
                .map(UpsertResult::from)
        })
    }

    /// Awaitable: upserts every contact mapped from ``events``; a ``BatchReport``.
    #[pyo3(signature = (events, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), list_ids=None, wait=WaitArg(false), wait_timeout=WaitTimeoutArg(600.0), dry_run=DryRunArg(false), on_request_body=None))]
    #[pyo3(
        text_signature = "(self, events, *, mapping=None, use_default_mapping=True, list_ids=None, wait=False, wait_timeout=600.0, dry_run=False, on_request_body=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn upsert_contacts<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        list_ids: Option<ListIdsArg>,
        wait: WaitArg,
        wait_timeout: WaitTimeoutArg,
        dry_run: DryRunArg,
        on_request_body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping = Action::UpsertContact.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let args = upsert_args(list_ids, wait, wait_timeout, dry_run);
        let options = upsert_options(self.handle.config(), args)?;
        let body_sink = PyBodySink::new(on_request_body)?;
        let records = collect_records(py, events, &mapping, FlatContacts::new(&mapping))?;
        let contacts = self.handle.parts(py)?.contacts.clone();
        awaitable_batch(py, records.len(), body_sink, move |stop| async move {
            contacts
                .upsert_many_until(stream::iter(records), options, stop)
                .await
        })
    }

    /// Awaitable: sends one Dynamic Template mail mapped from ``event``.
    #[pyo3(signature = (event, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), sandbox=SandboxArg(false), check_template=CheckTemplateArg(true)))]
    #[pyo3(
        text_signature = "(self, event, *, mapping=None, use_default_mapping=True, sandbox=False, check_template=True)"
    )]
    fn send_dynamic_template<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        sandbox: SandboxArg,
        check_template: CheckTemplateArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping =
            Action::SendDynamicTemplate.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let payload = map_single_event(event, &mapping)?;
        let options = SendArgs::single(sandbox.0, check_template.0).options(self.handle.config());
        let mail = self.handle.parts(py)?.mail.clone();
        awaitable(py, async move {
            mail.send_one(payload, options).await.map(SendResult::from)
        })
    }

    /// Awaitable: sends a mail per record of ``events``; a ``BatchReport``.
    #[pyo3(signature = (events, *, mapping=None, use_default_mapping=UseDefaultMappingArg(true), sandbox=SandboxArg(false), check_template=CheckTemplateArg(true), merge=MergeArg(true), retry_ambiguous=RetryAmbiguousArg(false), dry_run=DryRunArg(false), on_request_body=None))]
    #[pyo3(
        text_signature = "(self, events, *, mapping=None, use_default_mapping=True, sandbox=False, check_template=True, merge=True, retry_ambiguous=False, dry_run=False, on_request_body=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn send_dynamic_templates<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        mapping: Option<&Bound<'py, PyAny>>,
        use_default_mapping: UseDefaultMappingArg,
        sandbox: SandboxArg,
        check_template: CheckTemplateArg,
        merge: MergeArg,
        retry_ambiguous: RetryAmbiguousArg,
        dry_run: DryRunArg,
        on_request_body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mapping =
            Action::SendDynamicTemplate.resolve_mapping(py, mapping, use_default_mapping.0)?;
        let args = send_args(sandbox, check_template, merge, retry_ambiguous, dry_run);
        let options = args.options(self.handle.config());
        let body_sink = PyBodySink::new(on_request_body)?;
        let records = collect_records(py, events, &mapping, MappedJson)?;
        let mail = self.handle.parts(py)?.mail.clone();
        awaitable_batch(py, records.len(), body_sink, move |stop| async move {
            mail.send_many_until(stream::iter(records), options, stop)
                .await
        })
    }

    /// Awaitable: the variables the active version of a dynamic template uses.
    fn template_variables<'py>(
        &self,
        py: Python<'py>,
        template_id: TemplateIdArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mail = self.handle.parts(py)?.mail.clone();
        awaitable(
            py,
            async move { mail.template_variables(&template_id.0).await },
        )
    }
}
