"""Operators that sync list membership and delete contacts from Airflow
(Segment's *SendGrid Lists (Actions)*, with a guarded mirror and guarded deletes).

``events`` is templated as for the other operators (a list, an ``XComArg``, JSON text,
or a JSON Lines path). Each returns its ``BatchReport`` as a dict (XCom), which has
``removed`` (list members removed) and ``deleted`` (contacts deleted)::

    mirror = SendGridSyncListOperator(
        task_id="mirror_vips",
        events="{{ params.vips_path }}",
        list_name="VIP",
        mode="mirror",
        max_removals=5_000,
    )

A run its guard refuses (``max_removals``, ``max_deletes``) fails the task having
changed nothing; the message says how many members or contacts would have gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from segment_sendgrid import BatchReport, Client, LimitExceededError
from segment_sendgrid.airflow._common import DEFAULT_CONN_ID
from segment_sendgrid.airflow._compat import AirflowException
from segment_sendgrid.airflow.operators import _SendGridBatchOperator
from segment_sendgrid.types import SyncMode

__all__ = ["SendGridDeleteContactsOperator", "SendGridSyncListOperator"]


class _GuardedOperator(_SendGridBatchOperator):
    """A refused guard fails the task with the library's message."""

    def run_batch(self, client: Client, events: list[Any]) -> BatchReport:
        try:
            return self.run_guarded(client, events)
        except LimitExceededError as error:
            raise AirflowException(f"{self.task_id}: {error}") from None

    def run_guarded(self, client: Client, events: list[Any]) -> BatchReport:
        raise NotImplementedError


class SendGridSyncListOperator(_GuardedOperator):
    """Adds, removes or mirrors the members of a Marketing Campaigns list.

    :param events: the records: a list, an XCom result, or a JSONL path (templated).
    :param list_id: the list (templated); or ``list_name``; or neither, when every
        event names its list (Segment's audience events).
    :param list_name: a list found by exact name (templated), created when missing
        unless ``create_list`` is False.
    :param mode: ``add``, ``remove``, ``mirror`` (the list ends up holding exactly the
        events' contacts) or ``segment`` (each audience event says).
    :param max_removals: ``mirror`` only, required: the most members it may remove.
    :param mapping: a Segment mapping over the ``syncAudience`` defaults (templated).
    :param wait: follow the joining members' import jobs.
    :param dry_run: plan only: the report counts what would change, nothing does.
    :param fail_on_failed_records: fail the task when any record failed.
    :param sendgrid_conn_id: the ``sendgrid`` connection (templated).
    """

    sendgrid_action = "sync list"
    template_fields: Sequence[str] = (
        "events", "mapping", "list_id", "list_name", "sendgrid_conn_id",
    )  # fmt: skip

    def __init__(
        self,
        *,
        events: Any,
        list_id: str | None = None,
        list_name: str | None = None,
        create_list: bool = True,
        mode: SyncMode = "add",
        max_removals: int | None = None,
        mapping: dict[str, Any] | None = None,
        use_default_mapping: bool = True,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
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
        self.list_id = list_id
        self.list_name = list_name
        self.create_list = create_list
        self.mode = mode
        self.max_removals = max_removals
        self.wait = wait
        self.wait_timeout = wait_timeout
        # Not `self.dry_run`: that is BaseOperator's own method.
        self.sendgrid_dry_run = dry_run

    def run_guarded(self, client: Client, events: list[Any]) -> BatchReport:
        report = client.sync_list(
            events,
            list_id=self.list_id,
            list_name=self.list_name,
            create_list=self.create_list,
            mode=self.mode,
            max_removals=self.max_removals,
            mapping=self.mapping,
            use_default_mapping=self.use_default_mapping,
            wait=self.wait,
            wait_timeout=self.wait_timeout,
            dry_run=self.sendgrid_dry_run,
        )
        self.log.info(
            "sync list: %d members %sremoved",
            report.removed,
            "would be " if self.sendgrid_dry_run else "",
        )
        if report.not_removed:
            raise AirflowException(
                f"{self.task_id}: {report.not_removed} members could not be removed from the "
                "list (the task log has SendGrid's answers)"
            )
        return report


class SendGridDeleteContactsOperator(_GuardedOperator):
    """Deletes the contacts the events name, never more than ``max_deletes``.

    :param events: the records: a list, an XCom result, or a JSONL path (templated).
    :param max_deletes: the most contacts the task may delete; more fails it having
        deleted nothing.
    :param mapping: a Segment mapping over the ``syncAudience`` defaults (templated).
    :param wait: follow the deletion jobs; records of a job that did not complete fail.
    :param dry_run: plan only.
    :param fail_on_failed_records: fail the task when any record failed.
    :param sendgrid_conn_id: the ``sendgrid`` connection (templated).
    """

    sendgrid_action = "delete contacts"
    template_fields: Sequence[str] = ("events", "mapping", "sendgrid_conn_id")

    def __init__(
        self,
        *,
        events: Any,
        max_deletes: int,
        mapping: dict[str, Any] | None = None,
        use_default_mapping: bool = True,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
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
        self.max_deletes = max_deletes
        self.wait = wait
        self.wait_timeout = wait_timeout
        # Not `self.dry_run`: that is BaseOperator's own method.
        self.sendgrid_dry_run = dry_run

    def run_guarded(self, client: Client, events: list[Any]) -> BatchReport:
        report = client.delete_contacts(
            events,
            max_deletes=self.max_deletes,
            mapping=self.mapping,
            use_default_mapping=self.use_default_mapping,
            wait=self.wait,
            wait_timeout=self.wait_timeout,
            dry_run=self.sendgrid_dry_run,
        )
        self.log.info(
            "delete contacts: %d contacts %sdeleted", report.deleted,
            "would be " if self.sendgrid_dry_run else "",
        )  # fmt: skip
        return report
