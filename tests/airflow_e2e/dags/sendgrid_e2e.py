"""DAGs that tests/airflow/test_airflow_e2e.py runs with ``airflow dags test``.

``sendgrid_e2e`` upserts contacts from a JSONL file (a templated path), sends dynamic
template mail to the records another task returns (XCom), uses the hook from a TaskFlow
task, and writes both reports to ``$SENDGRID_E2E_OUT``. ``sendgrid_e2e_failures`` has a
bad record and writes the report the failed task pushed under the XCom key ``report``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from segment_sendgrid.airflow import (
    SendGridHook,
    SendGridSendDynamicTemplatesOperator,
    SendGridUpsertContactsOperator,
)

if TYPE_CHECKING:
    from airflow.sdk import DAG, task
else:
    try:  # Airflow 3
        from airflow.sdk import DAG, task
    except ImportError:  # Airflow 2.10+
        from airflow import DAG
        from airflow.decorators import task

OUT = os.environ.get("SENDGRID_E2E_OUT", os.devnull)
START = datetime(2024, 1, 1)


def _dump(name: str, value: Any) -> None:
    with open(f"{OUT}.{name}.json", "w", encoding="utf-8") as stream:
        json.dump(value, stream)


with DAG(
    "sendgrid_e2e",
    schedule=None,
    start_date=START,
    catchup=False,
    params={
        "contacts_path": os.environ.get("SENDGRID_E2E_CONTACTS", "/nonexistent.jsonl"),
        "list_id": os.environ.get("SENDGRID_E2E_LIST", ""),
        "template_id": os.environ.get("SENDGRID_E2E_TEMPLATE", ""),
    },
):
    upsert = SendGridUpsertContactsOperator(
        task_id="upsert_contacts",
        events="{{ params.contacts_path }}",
        mapping={"customFields": {"plan": {"@path": "$.traits.plan"}}},
        list_ids=["{{ params.list_id }}"],
        wait=True,
    )

    @task
    def make_mails() -> list[dict[str, Any]]:
        return [
            {"properties": {"email": f"reader{i}@example.com", "data": {"n": i}}} for i in range(3)
        ]

    send = SendGridSendDynamicTemplatesOperator(
        task_id="send_welcome",
        events=make_mails(),
        mapping={
            "from": {"email": "shop@example.com", "name": "Shop"},
            "template_id": "{{ params.template_id }}",
            "dynamic_template_data": {"@path": "$.properties.data"},
        },
    )

    @task
    def with_hook() -> list[str]:
        """TaskFlow: the hook's client, here for a single upsert and the key's scopes."""
        client = SendGridHook().get_conn()
        client.upsert_contact({"traits": {"email": "taskflow@example.com"}})
        return client.check()

    @task
    def collect(upserted: Any, sent: Any, scopes: Any) -> None:  # XComArgs at parse time
        _dump("reports", {"upsert": upserted, "send": sent, "scopes": scopes})

    collect(upsert.output, send.output, with_hook())


with DAG("sendgrid_e2e_failures", schedule=None, start_date=START, catchup=False):
    failing = SendGridUpsertContactsOperator(
        task_id="upsert_with_a_bad_record",
        events=[
            {"traits": {"email": "fine@example.com"}},
            {"traits": {"email": "not-an-email"}},
        ],
    )

    @task(trigger_rule="all_done")
    def pushed_report(**context: Any) -> None:
        ti = context["ti"]
        _dump("failures", ti.xcom_pull(task_ids="upsert_with_a_bad_record", key="report"))

    failing >> pushed_report()
