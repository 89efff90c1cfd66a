"""Result types: construction, equality, to_dict (JSON-ready) and pickling."""

from __future__ import annotations

import json
import pickle

import pytest

import segment_sendgrid as sg


def sample_report() -> sg.BatchReport:
    return sg.BatchReport(
        total=3,
        accepted=1,
        failed=[
            sg.RecordFailure(0, "email 'x' is not valid", 400, "email", "rejected", False),
            sg.RecordFailure(2, "timed out", None, None, "unknown", True),
        ],
        job_ids=["job-1"],
        message_ids=[None, "msg-1", None],
        requests=2,
        retries=1,
        imports=[sg.ImportJob("job-1", "completed", 1, 1, 0, 0, None)],
    )


def test_report_fields() -> None:
    report = sample_report()
    assert (report.total, report.accepted, report.requests, report.retries) == (3, 1, 2, 1)
    assert [f.index for f in report.failed] == [0, 2]
    assert report.failed[0].field == "email"
    assert report.failed[1].outcome == "unknown"
    assert report.failed[1].retryable is True
    assert report.job_ids == ["job-1"]
    assert report.message_ids == [None, "msg-1", None]
    assert report.imports[0].status == "completed"


def test_report_to_dict_is_json_serialisable() -> None:
    data = sample_report().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["failed"][0] == {
        "index": 0,
        "reason": "email 'x' is not valid",
        "status_code": 400,
        "field": "email",
        "outcome": "rejected",
        "retryable": False,
    }
    assert data["imports"][0]["id"] == "job-1"


@pytest.mark.parametrize(
    "value",
    [
        sample_report(),
        sg.RecordFailure(5, "r"),
        sg.ImportJob("j", "pending"),
        sg.UpsertResult("job-9", 202),
        sg.SendResult("abc", 202),
        sg.SendResult(None, 200),
    ],
)
def test_results_pickle_and_compare_equal(value: object) -> None:
    clone = pickle.loads(pickle.dumps(value))
    assert clone == value
    assert repr(clone) == repr(value)


def test_results_are_immutable() -> None:
    result = sg.UpsertResult("job-9", 202)
    with pytest.raises(AttributeError):
        result.job_id = "other"  # type: ignore[misc]


def test_reprs_are_informative() -> None:
    assert repr(sample_report()) == (
        "BatchReport(total=3, accepted=1, failed=2, requests=2, retries=1)"
    )
    assert repr(sg.SendResult(None, 200)) == "SendResult(message_id=None, status_code=200)"
    assert 'outcome="invalid"' in repr(sg.RecordFailure(1, "bad"))
