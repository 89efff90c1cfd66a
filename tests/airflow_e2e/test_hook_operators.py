"""SendGridHook and the operators inside Airflow's own process (no scheduler)."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import pickle
from collections.abc import Iterator
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

pytest.importorskip("airflow")

from segment_sendgrid.airflow import (
    SendGridHook,
    SendGridSendDynamicTemplatesOperator,
    SendGridUpsertContactsOperator,
)
from segment_sendgrid.airflow._compat import AirflowException

KEY = "SG.hook-test-key-0123456789abcdefghijklmnopqrstuvwx"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=KEY) as emulator:
        connect(monkeypatch, "sendgrid_default", password=KEY, extra={"endpoint": emulator.url})
        yield emulator


def connect(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: Any) -> None:
    conn = {"conn_type": "sendgrid", **fields}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


class FakeTI:
    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def test_hook_builds_a_client_from_password_and_extra(
    fake: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = {"endpoint": fake.url, "timeout": 7, "max_retries": "1", "max_concurrency": 2}
    connect(monkeypatch, "sg_tuned", password=f"  {KEY}\n", extra=extra)
    hook = SendGridHook(sendgrid_conn_id="sg_tuned")
    client = hook.get_conn()
    assert isinstance(client, sg.Client)
    assert hook.get_conn() is client
    assert client.base_url == fake.url
    assert "mail.send" in client.check()
    assert pickle.loads(pickle.dumps(client)).check() == client.check()
    assert isinstance(hook.get_async_conn(), sg.AsyncClient)
    assert KEY not in repr(hook)
    assert SendGridHook().sendgrid_conn_id == "sendgrid_default"


def test_test_connection_reports_scopes_or_the_error(
    fake: FakeSendGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok, message = SendGridHook().test_connection()
    assert ok
    assert message == f"Connected to {fake.url}; the key has {len(fake.client().check())} scopes"
    wrong = "SG.wrong-key-0123456789abcdefghijklmnopqrstuvwxyz0"
    connect(monkeypatch, "sg_wrong", password=wrong, extra={"endpoint": fake.url})
    ok, message = SendGridHook("sg_wrong").test_connection()
    assert not ok
    assert message.startswith("AuthenticationError")
    assert wrong not in message
    assert KEY not in message
    ok, message = SendGridHook("sg_missing").test_connection()
    assert (ok, "'sg_missing' is not defined" in message) == (False, True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (None, "SendGrid connection 'sg_bad' is not defined"),
        ({}, "SendGrid connection 'sg_bad': field 'password' is empty"),
        ({"password": "   "}, "SendGrid connection 'sg_bad': field 'password' is empty"),
        ({"password": KEY, "extra": "{oops"}, "field 'extra' is not valid JSON"),
        ({"password": KEY, "extra": {"timeout": -1}}, "field 'timeout' must be a finite"),
        ({"password": KEY, "extra": {"max_retry": 2}}, "field 'extra.max_retry' is unknown"),
        ({"password": KEY, "extra": {"endpoint": "http://"}}, "'sg_bad': endpoint must be"),
    ],
)
def test_bad_connections_raise_airflow_exception(
    monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any] | None, expected: str
) -> None:
    if fields is not None:
        connect(monkeypatch, "sg_bad", **fields)
    with pytest.raises(AirflowException, match=expected) as caught:
        SendGridHook("sg_bad").get_conn()
    assert KEY not in str(caught.value)


@pytest.mark.filterwarnings("ignore:ProvidersManager.hooks is deprecated")
def test_connection_type_is_registered_with_its_form() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()  # type: ignore[no-untyped-call]
    hook = manager.hooks["sendgrid"]
    assert hook is not None
    assert hook.hook_class_name == "segment_sendgrid.airflow.hooks.SendGridHook"
    assert hook.connection_testable
    widgets = {k for k in manager.connection_form_widgets if k.startswith("extra__sendgrid__")}
    assert widgets == {
        f"extra__sendgrid__{name}"
        for name in ("endpoint", "timeout", "max_retries", "max_concurrency")
    }
    behaviour = manager.field_behaviours["sendgrid"]
    assert behaviour["relabeling"] == {"password": "API key"}
    assert {"host", "login", "port", "schema"} <= set(behaviour["hidden_fields"])
    assert SendGridHook.get_ui_field_behaviour()["relabeling"] == {"password": "API key"}
    if importlib.util.find_spec("flask_appbuilder") is not None:  # Airflow 2's UI
        assert set(SendGridHook.get_connection_form_widgets()) == {
            "endpoint",
            "timeout",
            "max_retries",
            "max_concurrency",
        }


def test_upsert_operator_reads_jsonl_and_returns_the_report(
    fake: FakeSendGrid, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "contacts.jsonl"
    path.write_text(
        "\n".join(json.dumps({"traits": {"email": f"u{i}@example.com"}}) for i in range(5)),
        encoding="utf-8",
    )
    vip = fake.add_list("VIP")
    operator = SendGridUpsertContactsOperator(
        task_id="upsert", events=str(path), list_ids=[vip], wait=True
    )
    report = operator.execute({})
    assert (report["total"], report["accepted"], report["failed"]) == (5, 5, [])
    assert json.loads(json.dumps(report)) == report
    assert sorted(c["email"] for c in fake.contacts()) == [f"u{i}@example.com" for i in range(5)]
    assert all(c["list_ids"] == [vip] for c in fake.contacts())
    assert set(SendGridUpsertContactsOperator.template_fields) >= {"events", "mapping", "list_ids"}


def test_failed_records_raise_after_pushing_the_report(fake: FakeSendGrid) -> None:
    events = [{"traits": {"email": "ok@example.com"}}, {"traits": {"first_name": "no id"}}]
    ti = FakeTI()
    operator = SendGridUpsertContactsOperator(task_id="upsert", events=events)
    with pytest.raises(AirflowException, match="1 of 2 records accepted, 1 failed"):
        operator.execute({"ti": ti})  # type: ignore[typeddict-item]
    assert [f["index"] for f in ti.pushed["report"]["failed"]] == [1]
    lenient = SendGridUpsertContactsOperator(
        task_id="lenient", events=events, fail_on_failed_records=False
    )
    report = lenient.execute({})
    assert (report["accepted"], len(report["failed"])) == (1, 1)


def test_send_operator_with_a_list_and_json_text(fake: FakeSendGrid) -> None:
    template = fake.add_template(
        "Hi", versions=[{"name": "v1", "subject": "Hi", "html_content": "x", "active": True}]
    )
    mapping = {"from": {"email": "shop@example.com"}, "template_id": template}
    events = [{"properties": {"email": f"r{i}@example.com"}} for i in range(3)]
    for value in (events, json.dumps(events)):
        report = SendGridSendDynamicTemplatesOperator(
            task_id="send", events=value, mapping=mapping, merge=False, sandbox=False
        ).execute({})
        assert (report["total"], report["accepted"], report["requests"]) == (3, 3, 3)
    assert len(fake.messages()) == 6
    with pytest.raises(AirflowException, match="send: events: cannot open JSONL file"):
        SendGridSendDynamicTemplatesOperator(
            task_id="send", events="/nonexistent/mails.jsonl", mapping=mapping
        ).execute({})
