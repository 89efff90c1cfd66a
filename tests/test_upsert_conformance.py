"""Segment parity of Upsert Contact through the Python API.

Every ``updateUserProfile`` case of ``sendgrid-action-vectors.json`` goes
through ``Client.upsert_contact`` (``testAction``) or ``Client.upsert_contacts``
(``testBatchAction`` and the empty ``executeBatch_direct`` batch) against a
loopback server serving the case's field definitions and replies. PUT bodies
are compared as JSON and errors by kind and message, with exactly the README
deviations that concern upsert (ported from ``src/core/tests/upsert_conformance.rs``):

- D4: a custom field whose value is ``null`` is left out, not sent as ``"null"``.
- D5: batches drop top-level ``""`` values, as single events do.
- D11: a batch record that fails validation fails alone, as a ``RecordFailure``.
- D12: endpoints are normalised; the endpoint is the loopback URL (no case needs it).
- D15: field definitions are fetched once per client, and only when a record
  has custom fields; lookups are not compared, and a case that failed only on
  the lookup's reply succeeds here (``fails_only_on_the_lookup``).
"""

from __future__ import annotations

from typing import Any

import pytest
from action_replay import (
    CONTACTS,
    ReplayServer,
    assert_api_error,
    assert_authorized,
    assert_put,
    case_ids,
    cases,
    client_for,
    event_of,
    expected_put,
    fails_only_on_the_lookup,
    kwargs_of,
)
from vectors import load

import segment_sendgrid as sg

CASES = cases("updateUserProfile")
SINGLE = [c for c in CASES if c["invocation"] == "testAction"]
BATCH = [c for c in CASES if c["invocation"] != "testAction"]
JOB_ID = load("sendgrid-action-vectors.json")["default_server_replies"][
    "PUT */v3/marketing/contacts"
]["body"]["job_id"]


def test_every_upsert_case_is_replayed() -> None:
    assert len(CASES) == 60
    assert (len(SINGLE), len(BATCH)) == (49, 11)
    assert len(set(case_ids(CASES))) == len(CASES)
    assert {c["invocation"] for c in BATCH} == {"testBatchAction", "executeBatch_direct"}


def test_default_mappings_agree_with_effective_mappings() -> None:
    """``use_default_mapping`` runs the mapping Segment ran (``effective_mapping``)."""
    defaults = sg.default_mapping("upsert_contact")
    for case in CASES:
        base = defaults if case["use_default_mappings"] else {}
        assert {**base, **case["mapping"]} == case["effective_mapping"], case["name"]


@pytest.mark.parametrize("case", SINGLE, ids=case_ids(SINGLE))
def test_single_upsert_matches_segment(case: dict[str, Any]) -> None:
    event = event_of(case["event"], case)
    error = case["error"]
    with ReplayServer(case) as server:
        client = client_for(case, server)
        if fails_only_on_the_lookup(case):
            result = client.upsert_contact(event, **kwargs_of(case))
            assert (result.job_id, result.status_code) == (JOB_ID, 202)
            assert not server.requests("GET")
            assert len(server.requests("PUT", CONTACTS)) == 1
            return
        if error is None:
            result = client.upsert_contact(event, **kwargs_of(case))
            assert (result.job_id, result.status_code) == (JOB_ID, 202)
        elif error["class"] == "HTTPError":
            with pytest.raises(sg.ApiError) as raised:
                client.upsert_contact(event, **kwargs_of(case))
            assert_api_error(raised.value, error["status"])
        else:
            # PayloadValidationError, IntegrationError and AggregateAjvError
            # all become PayloadValidationError, with Segment's message.
            with pytest.raises(sg.PayloadValidationError) as invalid:
                client.upsert_contact(event, **kwargs_of(case))
            assert str(invalid.value) == error["message"]
        assert_put(server, expected_put(case, batch=False))
        assert_authorized(server, case)


def wanted_failures(case: dict[str, Any]) -> list[str | None]:
    """Per record: the reason it must fail with, or None if it must be accepted."""
    statuses = case.get("multistatus")
    if isinstance(statuses, list):
        return [entry.get("errormessage") for entry in statuses]
    # D11: Segment failed the whole batch with one error (every record has
    # the same unknown custom field); here each record fails with its message.
    assert case["error"]["class"] != "HTTPError"
    return [case["error"]["message"]] * len(case["events"])


@pytest.mark.parametrize("case", BATCH, ids=case_ids(BATCH))
def test_batch_upsert_matches_segment(case: dict[str, Any]) -> None:
    events = case["events"]
    wanted = wanted_failures(case)
    assert len(wanted) == len(events)
    with ReplayServer(case) as server:
        report = client_for(case, server).upsert_contacts(events, **kwargs_of(case))
        assert report.total == len(events)
        assert report.accepted + len(report.failed) == report.total
        assert report.accepted == wanted.count(None)
        failed = {f.index: f for f in report.failed}
        assert len(failed) == len(report.failed)
        for index, reason in enumerate(wanted):
            if reason is None:
                assert index not in failed, failed[index].to_dict()
            else:
                # D11: the failing record is reported alone, as invalid.
                assert index in failed, f"record {index} should fail: {reason}"
                assert failed[index].reason == reason
                assert failed[index].outcome == "invalid"
        expected = expected_put(case, batch=True)
        assert report.job_ids == ([] if expected is None else [JOB_ID])
        assert_put(server, expected)
        assert_authorized(server, case)


def test_batch_put_lists_accepted_records_in_input_order() -> None:
    """The multistatus ``sent`` payloads line up with the PUT's contacts."""
    case = next(c for c in BATCH if c["name"] == "uup_batch_one_schema_invalid_filtered")
    with ReplayServer(case) as server:
        client_for(case, server).upsert_contacts(case["events"], **kwargs_of(case))
        (body,) = server.bodies("PUT", CONTACTS)
    sent = [e["sent"] for e in case["multistatus"] if "sent" in e]
    assert [c["email"] for c in body["contacts"]] == [s["primary_email"] for s in sent]
    assert [c["anonymous_id"] for c in body["contacts"]] == ["anon-0", "anon-2"]
