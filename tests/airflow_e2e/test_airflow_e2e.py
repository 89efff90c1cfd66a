"""A real Airflow: ``airflow db migrate`` in a temporary AIRFLOW_HOME, then ``airflow dags
test`` of the DAGs in ``dags/`` against a FakeSendGrid started here, with the connection
given as ``AIRFLOW_CONN_SENDGRID_DEFAULT`` (JSON). Run by scripts/test_airflow.sh.
"""

from __future__ import annotations

import json
import os
import pathlib
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from segment_sendgrid.testing import FakeSendGrid

pytest.importorskip("airflow")

DAGS = pathlib.Path(__file__).parent / "dags"
AIRFLOW = str(pathlib.Path(sys.executable).with_name("airflow"))
KEY = "SG.e2e-" + secrets.token_hex(24)
CONTACTS = 4


class Airflow:
    """An AIRFLOW_HOME with a migrated database, and the emulator its DAGs talk to."""

    def __init__(self, home: pathlib.Path, fake: FakeSendGrid) -> None:
        self.home = home
        self.fake = fake
        self.out = home / "out"
        contacts = home / "contacts.jsonl"
        contacts.write_text(
            "".join(
                json.dumps({"traits": {"email": f"c{i}@example.com", "plan": f"plan{i}"}}) + "\n"
                for i in range(CONTACTS)
            ),
            encoding="utf-8",
        )
        self.plan_field = fake.add_custom_field("plan", "Text")
        self.list_id = fake.add_list("Customers")
        self.template_id = fake.add_template(
            "Welcome",
            versions=[{"name": "v1", "subject": "Hi", "html_content": "{{n}}", "active": True}],
        )
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # the UI's Test button, CLI too
            "SENDGRID_E2E_OUT": str(self.out),
            "SENDGRID_E2E_CONTACTS": str(contacts),
            "SENDGRID_E2E_LIST": self.list_id,
            "SENDGRID_E2E_TEMPLATE": self.template_id,
        }
        self.set_connection({"password": fake.api_key, "extra": {"endpoint": fake.url}})
        self.run("db", "migrate")

    def set_connection(self, fields: dict[str, Any]) -> None:
        self.env["AIRFLOW_CONN_SENDGRID_DEFAULT"] = json.dumps({"conn_type": "sendgrid", **fields})

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=240
        )
        output = done.stdout + done.stderr
        if check:
            assert done.returncode == 0, f"airflow {' '.join(args)} failed:\n{output[-6000:]}"
        return output

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.home / "airflow.db") as db:
            return list(db.execute(sql, params))

    def task_states(self, dag_id: str) -> dict[str, str]:
        rows = self.query("SELECT task_id, state FROM task_instance WHERE dag_id = ?", dag_id)
        return dict(rows)

    def xcom(self, task_id: str, key: str = "return_value") -> Any:
        sql = "SELECT value FROM xcom WHERE task_id = ? AND key = ?"
        [(value,)] = self.query(sql, task_id, key)
        return json.loads(value)

    def output_file(self, name: str) -> Any:
        return json.loads((self.home / f"out.{name}.json").read_text(encoding="utf-8"))

    def assert_key_never_stored(self, *outputs: str) -> None:
        """Not in the CLI output (task logs), nor any file: DB (XCom, rendered fields), logs."""
        for output in outputs:
            assert KEY not in output
        leaks = [p for p in self.home.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
        assert leaks == []


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    with FakeSendGrid(api_key=KEY) as fake:
        yield Airflow(tmp_path_factory.mktemp("airflow_home"), fake)


def test_dag_with_both_operators(airflow: Airflow) -> None:
    output = airflow.run("dags", "test", "sendgrid_e2e")
    assert airflow.query("SELECT state FROM dag_run WHERE dag_id = 'sendgrid_e2e'") == [
        ("success",)
    ]
    assert set(airflow.task_states("sendgrid_e2e").values()) == {"success"}

    # What SendGrid (the emulator) stored.
    stored = {c["email"]: c for c in airflow.fake.contacts()}
    expected = {f"c{i}@example.com" for i in range(CONTACTS)} | {"taskflow@example.com"}
    assert set(stored) == expected
    for i in range(CONTACTS):
        contact = stored[f"c{i}@example.com"]
        assert contact["custom_fields"][airflow.plan_field] == f"plan{i}"
        assert contact["list_ids"] == [airflow.list_id]
    [message] = airflow.fake.messages()  # merged: one request, three recipients
    body = message["body"]
    assert body["template_id"] == airflow.template_id
    assert body["from"] == {"email": "shop@example.com", "name": "Shop"}
    personalizations = body["personalizations"]
    recipients = [(p["to"][0]["email"], p["dynamic_template_data"]) for p in personalizations]
    assert recipients == [(f"reader{i}@example.com", {"n": i}) for i in range(3)]

    # The reports went through XCom: pulled by a downstream task, and in the database.
    reports = airflow.output_file("reports")
    upsert, send = reports["upsert"], reports["send"]
    assert (upsert["total"], upsert["accepted"], upsert["failed"]) == (CONTACTS, CONTACTS, [])
    assert upsert["imports"][0]["status"] == "completed"
    assert upsert["imports"][0]["created"] == CONTACTS
    assert (send["total"], send["accepted"], send["failed"]) == (3, 3, [])
    assert send["message_ids"] == [message["x_message_id"]] * 3
    assert "mail.send" in reports["scopes"]
    assert airflow.xcom("upsert_contacts") == upsert
    assert airflow.xcom("send_welcome") == send

    # Templates were rendered (a path and ids, never the key).
    [(rendered,)] = airflow.query(
        "SELECT rendered_fields FROM rendered_task_instance_fields WHERE task_id = ?",
        "upsert_contacts",
    )
    fields = json.loads(rendered)
    assert fields["events"] == airflow.env["SENDGRID_E2E_CONTACTS"]
    assert fields["list_ids"] == [airflow.list_id]
    assert "send dynamic templates: 3 of 3 records accepted" in output
    airflow.assert_key_never_stored(output)


def test_failed_records_fail_the_task_after_logging_them(airflow: Airflow) -> None:
    output = airflow.run("dags", "test", "sendgrid_e2e_failures")
    states = airflow.task_states("sendgrid_e2e_failures")
    assert states == {"upsert_with_a_bad_record": "failed", "pushed_report": "success"}
    assert "record 1: email 'not-an-email' is not valid [rejected, HTTP 400" in output
    assert "AirflowException: upsert contacts: 1 of 2 records accepted, 1 failed" in output
    report = airflow.output_file("failures")
    assert (report["total"], report["accepted"]) == (2, 1)
    assert [f["index"] for f in report["failed"]] == [1]
    assert airflow.xcom("upsert_with_a_bad_record", key="report") == report
    assert "fine@example.com" in {c["email"] for c in airflow.fake.contacts()}
    airflow.assert_key_never_stored(output)


def test_connection_without_password_fails_naming_it(airflow: Airflow) -> None:
    airflow.set_connection({"extra": {"endpoint": airflow.fake.url}})
    try:
        output = airflow.run("dags", "test", "sendgrid_e2e_failures")
    finally:
        airflow.set_connection({"password": KEY, "extra": {"endpoint": airflow.fake.url}})
    assert (
        "AirflowException: SendGrid connection 'sendgrid_default': field 'password' is empty"
        in output
    )
    airflow.assert_key_never_stored(output)


def test_connections_test_calls_check(airflow: Airflow) -> None:
    output = airflow.run("connections", "test", "sendgrid_default")
    assert "Connection success!" in output
    scopes = [r for r in airflow.fake.requests() if r["path"] == "/v3/scopes"]
    assert scopes
    wrong = "SG.wrong-" + secrets.token_hex(24)
    airflow.set_connection({"password": wrong, "extra": {"endpoint": airflow.fake.url}})
    try:
        output = airflow.run("connections", "test", "sendgrid_default", check=False)
    finally:
        airflow.set_connection({"password": KEY, "extra": {"endpoint": airflow.fake.url}})
    assert "Connection failed!" in output
    assert "AuthenticationError" in output
    assert wrong not in output
    airflow.assert_key_never_stored(output)
