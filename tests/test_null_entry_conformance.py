"""Segment parity for ``null`` entries inside arrays and objects, through the Python API.

Every case of ``tests/data/conformance/sendgrid-null-entry-vectors.json`` (recorded from
Segment's published code, see ``tests/data/conformance/SOURCE.md``) is replayed against a
loopback server: ``sendEmail`` cases through ``send_dynamic_template`` and, as a batch of
one, ``send_dynamic_templates`` (Segment has no send batches: a record must fare as it does
alone); ``updateUserProfile`` cases through ``upsert_contact`` / ``upsert_contacts``.
Bodies are compared as JSON, errors by kind and message, with exactly these deviations
(ported from ``src/core/tests/null_entry_conformance.rs``):

- D3: object/array header and custom_args values are their compact JSON text.
- D4: a custom field whose value is ``null`` is left out, not sent as ``"null"``.
- D11: a batch record with an unknown custom field fails alone.
- D16: a cc/bcc item whose email is ``null`` is dropped (Segment fails the event).
- D17: ``null`` header and custom_args values are left out, not sent as ``"null"``.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest
from action_replay import (
    MAIL_SEND,
    MESSAGE_ID,
    ReplayServer,
    assert_authorized,
    assert_put,
    case_ids,
    cases,
    client_for,
    expected_put,
    kwargs_of,
    recorded_body,
)
from vectors import load

import segment_sendgrid as sg

VECTORS = load("sendgrid-null-entry-vectors.json")
SENDS = cases("sendEmail", VECTORS)
UPSERTS = cases("updateUserProfile", VECTORS)
JOB_ID = VECTORS["default_server_replies"]["PUT */v3/marketing/contacts"]["body"]["job_id"]
P = "personalizations"


def minimal_body(**personalization: Any) -> dict[str, Any]:
    """The vectors' minimal mail, with members added to its personalization."""
    to = [{"email": "rcpt@example.com", "name": "Rcpt"}]
    return {
        P: [{"to": to, "headers": {}, **personalization}],
        "from": {"email": "sender@example.com", "name": "Sender"},
        "reply_to": {"email": "sender@example.com", "name": "Sender"},
        "template_id": "d-abc",
    }


def without(recorded: Any, key: str, dropped: str) -> dict[str, Any]:
    """D17: the recorded body without ``personalizations[0][key][dropped]``; an
    emptied custom_args goes too (Segment drops it; headers are always sent)."""
    body: dict[str, Any] = copy.deepcopy(recorded)
    del body[P][0][key][dropped]
    if key == "custom_args" and not body[P][0][key]:
        del body[P][0][key]
    return body


def as_json_text(recorded: Any, key: str, values: dict[str, str]) -> dict[str, Any]:
    """D3: the recorded body with ``personalizations[0][key]`` entries replaced."""
    body: dict[str, Any] = copy.deepcopy(recorded)
    body[P][0][key].update(values)
    return body


def deviation(name: str, recorded: Any) -> tuple[str, dict[str, Any]] | None:
    """The deviation that changes a send case, and the body then expected."""
    c1, b1 = {"email": "c1@example.com", "name": "C1"}, {"email": "b1@example.com", "name": "B1"}
    d16 = {
        "sn_cc_item_email_null": minimal_body(cc=[{"email": "c2@example.com"}]),
        "sn_cc_item_email_and_name_null": minimal_body(cc=[c1]),
        "sn_cc_single_object_email_null": minimal_body(),
        "sn_bcc_item_email_null": minimal_body(bcc=[b1]),
    }
    if name in d16:
        return "D16", d16[name]
    if name in ("sn_headers_only_null", "sn_headers_null_first", "sn_headers_null_last"):
        return "D17", without(recorded, "headers", "X-A")
    if name in ("sn_custom_args_only_null", "sn_custom_args_null_middle"):
        return "D17", without(recorded, "custom_args", "k")
    if name == "sn_headers_nested_null":
        texts = {"X-Obj": '{"k":null}', "X-Arr": '[null,"x"]', "X-One": "[null]"}
        return "D3", as_json_text(recorded, "headers", texts)
    if name == "sn_custom_args_nested_null":
        texts = {"arr": "[null]", "obj": '{"n":null}', "pair": '["x",null]'}
        return "D3", as_json_text(recorded, "custom_args", texts)
    return None


def recorded_mail(case: dict[str, Any]) -> Any:
    text = recorded_body(case, "POST", MAIL_SEND)
    return None if text is None else json.loads(text)


def expectation(case: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(body, None) when the mail must go out, (None, message) when it is invalid."""
    recorded = recorded_mail(case)
    found = deviation(case["name"], recorded)
    if found is not None:
        return found[1], None
    if case["error"] is None:
        return recorded, None
    # Only schema (AJV) errors are recorded here: ours contain Segment's message.
    assert case["error"]["class"] == "AggregateAjvError", case["error"]
    return None, case["error"]["message"]


def test_every_null_entry_case_is_replayed() -> None:
    assert (len(SENDS), len(UPSERTS)) == (46, 16)
    assert len(set(case_ids(SENDS + UPSERTS))) == len(SENDS + UPSERTS)
    assert {c["invocation"] for c in SENDS} == {"testAction"}
    tags = Counter(found[0] for c in SENDS if (found := deviation(c["name"], recorded_mail(c))))
    assert tags == {"D16": 4, "D17": 5, "D3": 2}


def send_kwargs(case: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs_of(case), "check_template": False}


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize("case", SENDS, ids=case_ids(SENDS))
def test_send_matches_segment(case: dict[str, Any], batch: bool) -> None:
    body, message = expectation(case)
    invalid: str | None = None  # the PayloadValidationError's message, if any
    with ReplayServer(case, VECTORS) as server:
        client = client_for(case, server)
        if batch:
            report = client.send_dynamic_templates([case["event"]], **send_kwargs(case))
            assert report.total == 1
            if report.failed:
                (failure,) = report.failed
                assert failure.outcome == "invalid", failure.to_dict()
                invalid = failure.reason
            else:
                assert report.message_ids == [MESSAGE_ID]
        else:
            try:
                client.send_dynamic_template(case["event"], **send_kwargs(case))
            except sg.PayloadValidationError as raised:
                invalid = str(raised)
        sent = server.bodies("POST", MAIL_SEND)
        assert_authorized(server, case)
    if message is None:
        assert invalid is None, invalid
        assert sent == [body], f"\n  sent     {sent}\n  expected {body}"
    else:
        assert invalid is not None, "expected a PayloadValidationError"
        assert message in invalid, invalid
        assert sent == []


def batch_outcome(case: dict[str, Any]) -> tuple[list[str | None], dict[str, Any] | None]:
    """Per record the reason it must fail with (None: accepted), and the PUT body."""
    if case["name"] == "un_batch_unknown_null_custom_field":
        # D11: Segment failed the whole batch for record 1's unknown field; here it
        # fails alone and record 0 is sent.
        contact = {"anonymous_id": "anon-0", "email": "user0@example.com"}
        body = {"contacts": [{**contact, "custom_fields": {"e1_N": 1}}]}
        return [None, case["error"]["message"]], body
    reasons = [entry.get("errormessage") for entry in case["multistatus"]]
    # D5 drops "" the mapping produced; un_batch_first_name_arrays_with_null's "" is
    # AJV's coercion of [null], which single events send too, so it stands.
    return reasons, expected_put(case, batch=False)


@pytest.mark.parametrize("case", UPSERTS, ids=case_ids(UPSERTS))
def test_upsert_matches_segment(case: dict[str, Any]) -> None:
    with ReplayServer(case, VECTORS) as server:
        client = client_for(case, server)
        if case["invocation"] == "testBatchAction":
            reasons, body = batch_outcome(case)
            report = client.upsert_contacts(case["events"], **kwargs_of(case))
            failed = {f.index: f.reason for f in report.failed}
            assert failed == {i: r for i, r in enumerate(reasons) if r is not None}
            assert report.accepted == reasons.count(None)
            assert report.job_ids == [JOB_ID]
        elif case["error"] is None:
            body = expected_put(case, batch=False)
            result = client.upsert_contact(case["event"], **kwargs_of(case))
            assert (result.job_id, result.status_code) == (JOB_ID, 202)
        else:
            body = None
            with pytest.raises(sg.PayloadValidationError) as invalid:
                client.upsert_contact(case["event"], **kwargs_of(case))
            assert str(invalid.value) == case["error"]["message"]
        assert_put(server, body)
        assert_authorized(server, case)


def test_null_custom_fields_are_left_out_d4() -> None:
    """The recorded "null" texts exist (so D4 changes something) and are not sent."""
    case = next(c for c in UPSERTS if c["name"] == "un_custom_fields_null_middle")
    recorded = json.loads(recorded_body(case, "PUT", "/v3/marketing/contacts") or "{}")
    assert recorded["contacts"][0]["custom_fields"]["e1_N"] == "null"
    with ReplayServer(case, VECTORS) as server:
        client_for(case, server).upsert_contact(case["event"], **kwargs_of(case))
        (sent,) = server.bodies("PUT", "/v3/marketing/contacts")
    assert sent["contacts"][0]["custom_fields"] == {"e2_T": "web", "w4_T": "red"}
