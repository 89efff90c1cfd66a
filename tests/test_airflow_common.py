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
    JsonlLines,
    failure_lines,
    load_events,
    parse_extra,
    summary_line,
)
from segment_sendgrid.airflow.provider import HOOK_CLASS_NAME, get_provider_info
from segment_sendgrid.testing import FakeSendGrid

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
    path.write_text("\n\n".join(json.dumps(r) for r in records) + "\r\n  \n", encoding="utf-8")
    packed = tmp_path / "events.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    # JSONL lines are passed on as text, blank lines skipped, each with its line number.
    for source in (str(path), f"  {path}\n", path, str(packed)):
        lines = load_events(source)
        assert isinstance(lines, JsonlLines)
        assert all(isinstance(line, bytes) for line in lines)
        assert [json.loads(line) for line in lines] == records
        assert lines.line_numbers == [1, 3, 5]
        assert lines.where(2) == f"{path if source != str(packed) else packed}, line 5"


def test_bad_events_are_value_errors(tmp_path: pathlib.Path) -> None:
    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_text('{"ok": 1}\n', encoding="utf-8")
    cases: list[tuple[Any, str]] = [
        (None, "got None"),
        ("", "empty string"),
        ("[1, ", "not a JSON array"),
        (str(tmp_path / "missing.jsonl"), "cannot open JSONL file"),
        (str(not_gzip), "cannot read JSONL file .*plain.jsonl.gz"),
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
    from_file = JsonlLines("events.jsonl", [b"{}"] * 5, [1, 2, 4, 6, 7])
    assert failure_lines(report, limit=1, events=from_file) == [
        "record 1 (events.jsonl, line 2): bad email [invalid, field email]",
        "... and 2 more failed records",
    ]


def test_bad_jsonl_lines_fail_as_their_records_alone(
    fake_sendgrid: FakeSendGrid, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "events.jsonl"
    good = [json.dumps({"traits": {"email": f"u{i}@example.com"}}) for i in range(3)]
    path.write_bytes(
        "\n".join([good[0], "{oops", "", good[1], "[1, 2]"]).encode()
        + b"\n\xff\xfe\n"
        + good[2].encode()
    )
    events = load_events(str(path))
    report = fake_sendgrid.client().upsert_contacts(events)
    assert (report.total, report.accepted) == (6, 3)
    assert [f.index for f in report.failed] == [1, 3, 4]
    reasons = [f.reason for f in report.failed]
    assert reasons[0].startswith("invalid JSON: key must be a string")
    assert reasons[1] == "expected a JSON object, got an array"
    assert "UTF-8" in reasons[2]
    logged = failure_lines(report.to_dict(), events=events)
    assert [line.split(":")[0] for line in logged] == [
        f"record 1 ({path}, line 2)",
        f"record 3 ({path}, line 5)",
        f"record 4 ({path}, line 6)",
    ]
    assert sorted(c["email"] for c in fake_sendgrid.contacts()) == [
        f"u{i}@example.com" for i in range(3)
    ]
