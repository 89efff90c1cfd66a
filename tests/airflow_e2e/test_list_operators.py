"""SendGridSyncListOperator and SendGridDeleteContactsOperator inside Airflow's
own process (no scheduler), against the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from segment_sendgrid.testing import FakeSendGrid

pytest.importorskip("airflow")

from segment_sendgrid.airflow import SendGridDeleteContactsOperator, SendGridSyncListOperator
from segment_sendgrid.airflow._compat import AirflowException

KEY = "SG.list-operator-key-0123456789abcdefghijklmnopqrstu"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        conn = {"conn_type": "sendgrid", "password": KEY, "extra": {"endpoint": emulator.url}}
        monkeypatch.setenv("AIRFLOW_CONN_SENDGRID_DEFAULT", json.dumps(conn))
        yield emulator


def people(*numbers: int) -> list[dict[str, Any]]:
    return [{"traits": {"email": f"p{i}@example.com"}} for i in numbers]


def members(fake: FakeSendGrid, list_id: str) -> set[str]:
    return {c["email"] for c in fake.contacts() if list_id in c["list_ids"]}


def test_sync_list_operator_adds_then_removes_by_list_name(fake: FakeSendGrid) -> None:
    vip = fake.add_list("VIP")
    report = SendGridSyncListOperator(
        task_id="add", events=people(1, 2, 3), list_name="VIP", wait=True
    ).execute({})
    assert (report["accepted"], report["removed"]) == (3, 0)
    assert json.loads(json.dumps(report)) == report
    report = SendGridSyncListOperator(
        task_id="remove", events=json.dumps(people(1)), list_id=vip, mode="remove"
    ).execute({})
    assert (report["accepted"], report["removed"]) == (1, 1)
    assert members(fake, vip) == {"p2@example.com", "p3@example.com"}
    assert {"events", "list_id", "list_name"} <= set(SendGridSyncListOperator.template_fields)


def test_delete_operator_is_guarded(fake: FakeSendGrid) -> None:
    fake.client().upsert_contacts(people(1, 2, 3), wait=True)
    with pytest.raises(AirflowException, match="would delete 3 contacts, more than max_deletes=2"):
        SendGridDeleteContactsOperator(
            task_id="delete", events=people(1, 2, 3), max_deletes=2
        ).execute({})
    assert len(fake.contacts()) == 3
    report = SendGridDeleteContactsOperator(
        task_id="delete", events=people(1, 2), max_deletes=2, wait=True
    ).execute({})
    assert (report["accepted"], report["deleted"]) == (2, 2)
    assert [c["email"] for c in fake.contacts()] == ["p3@example.com"]


def test_a_bad_mode_fails_the_task_before_any_request(fake: FakeSendGrid) -> None:
    with pytest.raises(Exception, match="max_removals"):
        SendGridSyncListOperator(task_id="m", events=people(1), list_id="L", mode="mirror").execute(
            {}
        )
    assert not [r for r in fake.requests() if r["method"] != "GET"]
