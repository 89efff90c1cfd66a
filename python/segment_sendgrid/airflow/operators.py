"""Operators that upsert contacts and send dynamic-template mail from Airflow.

``events`` is templated and may be a list of events, an ``XComArg`` (the output of
another task), a JSON array rendered from a template, or the path of a JSON Lines file
(``.jsonl`` or ``.jsonl.gz``). Each operator returns its ``BatchReport`` as a dict, which
Airflow pushes to XCom (``return_value``)::

    upsert = SendGridUpsertContactsOperator(
        task_id="upsert",
        events="{{ params.contacts_path }}",
        mapping={"customFields": {"plan": {"@path": "$.traits.plan"}}},
        list_ids=["<list uuid>"],
        wait=True,
    )

When records fail and ``fail_on_failed_records`` is set (the default), the operator
writes each failure to the task log, pushes the report under the XCom key ``report``
and fails the task with ``AirflowException``. The API key is never logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segment_sendgrid import BatchReport, Client
from segment_sendgrid.airflow._common import (
    DEFAULT_CONN_ID,
    failure_lines,
    load_events,
    summary_line,
)
from segment_sendgrid.airflow._compat import AirflowException, BaseOperator, Context
from segment_sendgrid.airflow.hooks import SendGridHook
from segment_sendgrid.types import BatchReportDict

__all__ = ["SendGridSendDynamicTemplatesOperator", "SendGridUpsertContactsOperator"]


class _SendGridBatchOperator(BaseOperator):
    """What both operators share: events, mapping, connection and failure handling."""

    sendgrid_action = ""
    ui_color = "#e1f0ff"

    def __init__(
        self,
        *,
        events: Any,
        mapping: dict[str, Any] | None = None,
        use_default_mapping: bool = True,
        fail_on_failed_records: bool = True,
        sendgrid_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.events = events
        self.mapping = mapping
        self.use_default_mapping = use_default_mapping
        self.fail_on_failed_records = fail_on_failed_records
        self.sendgrid_conn_id = sendgrid_conn_id

    def run_batch(self, client: Client, events: list[Any]) -> BatchReport:
        raise NotImplementedError

    def execute(self, context: Context) -> BatchReportDict:
        try:
            events = load_events(self.events)
        except ValueError as error:
            raise AirflowException(f"{self.task_id}: {error}") from None
        client = SendGridHook(sendgrid_conn_id=self.sendgrid_conn_id).get_conn()
        self.log.info(
            "%s: %d records to %s (connection %r)",
            self.sendgrid_action,
            len(events),
            client.base_url,
            self.sendgrid_conn_id,
        )
        report = self.run_batch(client, events).to_dict()
        self.log.info("%s", summary_line(self.sendgrid_action, report))
        if report["failed"]:
            log = self.log.error if self.fail_on_failed_records else self.log.warning
            for line in failure_lines(report, events=events):
                log("%s failed: %s", self.sendgrid_action, line)
            if self.fail_on_failed_records:
                ti = context.get("ti")
                if ti is not None:
                    ti.xcom_push(key="report", value=report)
                raise AirflowException(
                    f"{summary_line(self.sendgrid_action, report)}; the task log lists each "
                    "failure (fail_on_failed_records=False accepts partial batches)"
                )
        return report


class SendGridUpsertContactsOperator(_SendGridBatchOperator):
    """Upserts Marketing Campaigns contacts (Segment's *Upsert Contact* action).

    :param events: the records: a list, an XCom result, or a JSONL path (templated).
    :param mapping: a Segment mapping (templated); merged over the default one unless
        ``use_default_mapping`` is False.
    :param list_ids: contact lists to add every contact to (templated).
    :param wait: follow SendGrid's import jobs to their end; records a job did not store
        become failed records, and the report lists the jobs under ``imports``.
    :param wait_timeout: seconds to wait for the import jobs.
    :param fail_on_failed_records: fail the task when any record failed.
    :param sendgrid_conn_id: the ``sendgrid`` connection (templated).
    """

    sendgrid_action = "upsert contacts"
    template_fields: Sequence[str] = ("events", "mapping", "list_ids", "sendgrid_conn_id")

    def __init__(
        self,
        *,
        events: Any,
        mapping: dict[str, Any] | None = None,
        use_default_mapping: bool = True,
        list_ids: list[str] | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        fail_on_failed_records: bool = True,
        sendgrid_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            events=events,
            mapping=mapping,
            use_default_mapping=use_default_mapping,
            fail_on_failed_records=fail_on_failed_records,
            sendgrid_conn_id=sendgrid_conn_id,
            **kwargs,
        )
        self.list_ids = list_ids
        self.wait = wait
        self.wait_timeout = wait_timeout

    def run_batch(self, client: Client, events: list[Any]) -> BatchReport:
        return client.upsert_contacts(
            events,
            mapping=self.mapping,
            use_default_mapping=self.use_default_mapping,
            list_ids=self.list_ids,
            wait=self.wait,
            wait_timeout=self.wait_timeout,
        )


class SendGridSendDynamicTemplatesOperator(_SendGridBatchOperator):
    """Sends Dynamic Template mail (Segment's *Send Email with Dynamic Template* action).

    :param events: the records: a list, an XCom result, or a JSONL path (templated).
    :param mapping: a Segment mapping (templated), e.g. ``template_id`` and ``from``;
        merged over the default one unless ``use_default_mapping`` is False.
    :param sandbox: SendGrid's sandbox mode (validated, nothing delivered).
    :param check_template: refuse unusable templates before sending anything.
    :param merge: records whose message-level fields are all equal share a request.
    :param retry_ambiguous: resend when it is unknown whether SendGrid took a request
        (may send twice).
    :param fail_on_failed_records: fail the task when any record failed.
    :param sendgrid_conn_id: the ``sendgrid`` connection (templated).
    """

    sendgrid_action = "send dynamic templates"
    template_fields: Sequence[str] = ("events", "mapping", "sendgrid_conn_id")

    def __init__(
        self,
        *,
        events: Any,
        mapping: dict[str, Any] | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
        merge: bool = True,
        retry_ambiguous: bool = False,
        fail_on_failed_records: bool = True,
        sendgrid_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            events=events,
            mapping=mapping,
            use_default_mapping=use_default_mapping,
            fail_on_failed_records=fail_on_failed_records,
            sendgrid_conn_id=sendgrid_conn_id,
            **kwargs,
        )
        self.sandbox = sandbox
        self.check_template = check_template
        self.merge = merge
        self.retry_ambiguous = retry_ambiguous

    def run_batch(self, client: Client, events: list[Any]) -> BatchReport:
        return client.send_dynamic_templates(
            events,
            mapping=self.mapping,
            use_default_mapping=self.use_default_mapping,
            sandbox=self.sandbox,
            check_template=self.check_template,
            merge=self.merge,
            retry_ambiguous=self.retry_ambiguous,
        )
