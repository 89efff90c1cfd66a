"""The Airflow integration's Airflow-free parts: import isolation, provider info, config."""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest

from conftest import have_airflow
from segment_sendgrid.airflow._common import (
    ClientOptions,
    ConnectionConfigError,
    failure_lines,
    load_events,
    parse_extra,
    summary_line,
)
from segment_sendgrid.airflow.provider import HOOK_CLASS_NAME, get_provider_info

HAVE_AIRFLOW = have_airflow()


def test_importing_the_package_never_imports_airflow() -> None:
    code = (
        "import sys, segment_sendgrid, segment_sendgrid.airflow, "
        "segment_sendgrid.airflow.provider, segment_sendgrid.partitions\n"
        "segment_sendgrid.airflow.provider.get_provider_info()\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.skipif(HAVE_AIRFLOW, reason="Airflow is installed here")
def test_without_airflow_the_hook_names_the_extra() -> None:
    import segment_sendgrid.airflow as sg_airflow

    with pytest.raises(ImportError, match=r"segment-sendgrid\[airflow\]"):
        sg_airflow.SendGridHook  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        sg_airflow.Nope  # noqa: B018


def test_provider_is_registered_through_the_entry_point() -> None:
    points = importlib.metadata.entry_points(group="apache_airflow_provider")
    ours = [p for p in points if p.value.startswith("segment_sendgrid.")]
    assert len(ours) == 1
    info = ours[0].load()()
    assert info == get_provider_info()
    assert ours[0].dist is not None
    assert info["package-name"] == ours[0].dist.metadata["Name"] == "segment-sendgrid"
    [conn] = info["connection-types"]
    assert conn["connection-type"] == "sendgrid"
    assert conn["hook-class-name"] == HOOK_CLASS_NAME
    assert conn["hook-name"]
    assert set(conn["conn-fields"]) == {"endpoint", "timeout", "max_retries", "max_concurrency"}
    assert "password" not in conn["ui-field-behaviour"]["hidden-fields"]
    assert conn["ui-field-behaviour"]["relabeling"] == {"password": "API key"}
    json.dumps(info)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (None, ClientOptions()),
        ("", ClientOptions()),
        ("{}", ClientOptions()),
        (
            '{"endpoint": "eu", "timeout": 5, "max_retries": 0, "max_concurrency": 8}',
            ClientOptions(endpoint="eu", timeout=5.0, max_retries=0, max_concurrency=8),
        ),
        (  # what the UI form stores: strings, empty fields, prefixed names
            {
                "extra__sendgrid__endpoint": "http://127.0.0.1:3030",
                "timeout": "2.5",
                "max_retries": "",
                "extra__sendgrid__max_concurrency": "2",
            },
            ClientOptions(endpoint="http://127.0.0.1:3030", timeout=2.5, max_concurrency=2),
        ),
        ({"user_agent": "etl/1"}, ClientOptions(user_agent="etl/1")),
    ],
)
def test_extra_gives_client_options(extra: Any, expected: ClientOptions) -> None:
    assert parse_extra("sg", extra) == expected


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("{not json", "'extra' is not valid JSON"),
        ("[1, 2]", "'extra' must be a JSON object"),
        ('{"endpoint": "mars"}', "'endpoint' must be"),
        ('{"endpoint": 3}', "'endpoint' must be"),
        ('{"timeout": 0}', "'timeout' must be a finite number > 0"),
        ('{"timeout": "soon"}', "'timeout' must be a number"),
        ('{"timeout": true}', "'timeout' must be a number"),
        ('{"max_retries": -1}', "'max_retries' must be >= 0"),
        ('{"max_retries": 1.5}', "'max_retries' must be an integer"),
        ('{"max_concurrency": 0}', "'max_concurrency' must be >= 1"),
        ('{"max_concurrency": "many"}', "'max_concurrency' must be an integer"),
        ('{"max_retry": 3}', "'extra.max_retry' is unknown"),
        ('{"user_agent": 7}', "'user_agent' must be a string"),
    ],
)
def test_malformed_extra_names_connection_and_field(extra: str, field: str) -> None:
    with pytest.raises(ConnectionConfigError) as caught:
        parse_extra("my_sendgrid", extra)
    assert str(caught.value).startswith("SendGrid connection 'my_sendgrid': field ")
    assert field in str(caught.value)


def test_events_from_lists_mappings_json_text_and_jsonl(tmp_path: pathlib.Path) -> None:
    records = [{"traits": {"email": f"u{i}@example.com"}} for i in range(3)]
    assert load_events(records) == records
    assert load_events(tuple(records)) == records
    assert load_events(iter(records)) == records
    assert load_events(records[0]) == records[:1]
    assert load_events(json.dumps(records)) == records
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    assert load_events(str(path)) == records
    assert load_events(f"  {path}\n") == records
    assert load_events(path) == records
    packed = tmp_path / "events.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert load_events(str(packed)) == records


def test_bad_events_are_value_errors(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ok": 1}\n{oops\n', encoding="utf-8")
    cases: list[tuple[Any, str]] = [
        (None, "got None"),
        ("", "empty string"),
        ("[1, ", "not a JSON array"),
        (str(tmp_path / "missing.jsonl"), "cannot open JSONL file"),
        (str(bad), "line 2 is not JSON"),
        (42, "got int"),
    ]
    for value, message in cases:
        with pytest.raises(ValueError, match=message):
            load_events(value)


def test_failure_lines_and_summary() -> None:
    report: dict[str, Any] = {
        "total": 5,
        "accepted": 2,
        "requests": 1,
        "retries": 0,
        "failed": [
            {
                "index": 1,
                "reason": "bad email",
                "status_code": None,
                "field": "email",
                "outcome": "invalid",
                "retryable": False,
            },
            {
                "index": 3,
                "reason": "server",
                "status_code": 503,
                "field": None,
                "outcome": "not_sent",
                "retryable": True,
            },
            {"index": 4, "reason": "x", "outcome": "invalid"},
        ],
    }
    assert summary_line("upsert", report) == (
        "upsert: 2 of 5 records accepted, 3 failed, 1 requests, 0 retries"
    )
    lines = failure_lines(report, limit=2)
    assert lines == [
        "record 1: bad email [invalid, field email]",
        "record 3: server [not_sent, HTTP 503, retryable]",
        "... and 1 more failed records",
    ]
