"""Segment parity of "Send Email with Dynamic Template" through the Python API.

Every ``sendEmail`` case of ``sendgrid-action-vectors.json`` goes through
``Client.send_dynamic_template(..., check_template=False)`` (the one
``testBatchAction`` case through ``send_dynamic_templates``) against a
loopback server. ``POST /v3/mail/send`` bodies must equal the recorded ones as
JSON and errors must match, except for exactly the README deviations that
concern sending: D1, D2, D3, D5, D6, D7, D8, D9, D10, D13, D14, D17. The per-case
expectations are ported from ``src/core/tests/send_conformance.rs``.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from action_replay import (
    MAIL_SEND,
    MESSAGE_ID,
    ReplayServer,
    assert_api_error,
    assert_authorized,
    case_ids,
    cases,
    client_for,
    event_of,
    recorded_body,
)

import segment_sendgrid as sg

CASES = cases("sendEmail")

RESERVED = (
    "Headers cannot contain any of the following reserved headers: x-sg-id, x-sg-eid, "
    "received, dkim-signature, Content-Type, Content-Transfer-Encoding, To, From, Subject, "
    "Reply-To, CC, BCC"
)
GROUP_ID_MESSAGE = "Group ID value must be a numeric (integer) string"
DOMAIN_MESSAGE = "From email must be from the selected domain"
# Classes whose messages the action code itself throws (word for word).
ACTION_CLASSES = {"PayloadValidationError", "IntegrationError"}


@dataclass(frozen=True)
class Expect:
    """What a case must produce here: ``body`` (one POST with it), ``invalid``
    (PayloadValidationError, nothing sent) or ``api`` (ApiError after the POST)."""

    kind: str
    body: Any = None
    message: str = ""
    exact: bool = True
    field: str | None = None
    status: int = 0


def minimal_body() -> dict[str, Any]:
    return {
        "personalizations": [
            {"to": [{"email": "rcpt@example.com", "name": "Rcpt"}], "headers": {}}
        ],
        "from": {"email": "sender@example.com", "name": "Sender"},
        "reply_to": {"email": "sender@example.com", "name": "Sender"},
        "template_id": "d-abc",
    }


def minimal_with(edit: Callable[[dict[str, Any]], None]) -> Expect:
    body = minimal_body()
    edit(body)
    return Expect("body", body=body)


def patched(recorded: Any, key: str, values: dict[str, str], dropped: str) -> Expect:
    """The recorded body with ``personalizations[0][key]`` entries replaced (D3) and
    the ``null``-valued entry ``dropped`` left out (D17)."""
    body = copy.deepcopy(recorded)
    body["personalizations"][0][key].update(values)
    del body["personalizations"][0][key][dropped]
    return Expect("body", body=body)


def deviation(name: str, recorded: Any) -> tuple[str, Expect] | None:
    """The deviation that changes a case, and the changed expectation."""
    if name.startswith("se_header_case_variant_"):
        # D1: reserved header names are rejected case-insensitively.
        return "D1", Expect("invalid", message=RESERVED)
    if name == "se_ip_pool_name_len_2":
        # D2: valid iff 2 <= length <= 64 (Segment rejects length 2).
        return "D2", minimal_with(lambda b: b.update(ip_pool_name="pp"))
    if name == "se_headers_non_string_values_stringified":
        # D3: objects/arrays become compact JSON, not JS String(); D17: null
        # values are left out, not sent as "null".
        headers = {"X-Obj": '{"a":1}', "X-Arr": '["a","b"]'}
        return "D3+D17", patched(recorded, "headers", headers, "X-Null")
    if name == "se_custom_args_non_string_values":
        args = {"obj": '{"a":1}', "arr": '[1,"x"]'}
        return "D3+D17", patched(recorded, "custom_args", args, "nul")
    if name == "se_cc_with_empty_email_error":
        # D6: a cc item whose email is "" (or blank) is dropped, not a schema error.
        cc = [{"email": "ok@example.com", "name": "OK"}]
        return "D6", minimal_with(lambda b: b["personalizations"][0].update(cc=cc))
    if name == "se_cc_whitespace_email_error":
        return "D6", minimal_with(lambda b: None)
    if name == "se_send_at_leap_second_becomes_null":
        # D7: a send_at with no unix time is an error, never "send_at": null.
        return "D7", Expect("invalid", message="send_at", exact=False, field="send_at")
    if name == "se_domain_suffix_only_match_accepted":
        # D9: the from domain must equal `domain` or end with "." + domain.
        return "D9", Expect("invalid", message=DOMAIN_MESSAGE)
    if name == "se_group_huge_number_float_formatting":
        # D10: group ids beyond i64 are invalid like other bad group ids.
        return "D10", Expect("invalid", message=GROUP_ID_MESSAGE)
    if name in ("se_group_non_numeric_error", "se_group_leading_space_error"):
        # D13: "numeric", not Segment's "numberic".
        return "D13", Expect("invalid", message=GROUP_ID_MESSAGE)
    if name in (
        "se_categories_255_multibyte",
        "se_categories_emoji_length_utf16",
        "se_categories_256_utf16_units_192_codepoints_error",
        "se_unicode_everywhere",
    ):
        # D14: categories must be ASCII.
        return "D14", Expect("invalid", message="not ASCII", exact=False)
    if name == "se_batch_not_supported_error":
        # Not a deviation: Segment's sendEmail has no batch mode (501); this
        # library has one, and the one event goes out as a single send would.
        return "batch", minimal_with(lambda b: None)
    if name == "se_send_at_relative_plus_3h_no_timezone":
        # D8: no zone is read as UTC; the recording ran with TZ=UTC, so the
        # recorded body stands unchanged.
        return "D8", Expect("body", body=recorded)
    return None


def send_at_text(fmt: str, t_ms: int) -> str:
    """``__SEND_AT__`` for instant ``t_ms`` in the case's format."""
    utc = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=t_ms)
    ms = f"{utc.microsecond // 1000:03d}"
    if fmt == "iso_ms_z":
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{ms}Z"
    if fmt == "iso_s_z":
        return f"{utc:%Y-%m-%dT%H:%M:%S}Z"
    if fmt == "iso_offset_+05:30":
        local = utc.astimezone(timezone(timedelta(hours=5, minutes=30)))
        return f"{local:%Y-%m-%dT%H:%M:%S}.{ms}+05:30"
    if fmt == "iso_no_tz":
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{ms}"
    if fmt == "iso_lowercase":
        return f"{utc:%Y-%m-%dt%H:%M:%S}.{ms}z"
    raise AssertionError(f"unknown send_at_format {fmt}")


def replace_placeholder(value: Any, text: str) -> Any:
    if value == "__SEND_AT__":
        return text
    if isinstance(value, list):
        return [replace_placeholder(v, text) for v in value]
    if isinstance(value, dict):
        return {k: replace_placeholder(v, text) for k, v in value.items()}
    return value


def set_up(case: dict[str, Any], now_ms: int) -> tuple[list[Any], Expect, str | None]:
    """The case's event(s), what they must produce, and the deviation applied."""
    events = list(case["events"]) if "events" in case else [event_of(case["event"], case)]
    body_text = recorded_body(case, "POST", MAIL_SEND)
    hours = case.get("send_at_offset_hours")
    if hours is not None:
        t_ms = now_ms + int(hours) * 3_600_000
        text = send_at_text(case["send_at_format"], t_ms)
        events = [replace_placeholder(e, text) for e in events]
        if body_text is not None:
            body_text = body_text.replace("__SEND_AT_UNIX__", str(t_ms // 1000))
    recorded = None if body_text is None else json.loads(body_text)
    found = deviation(case["name"], recorded)
    if found is not None:
        return events, found[1], found[0]
    error = case["error"]
    if error is None:
        assert recorded is not None, "a sent body"
        return events, Expect("body", body=recorded), None
    if error["class"] == "HTTPError":
        return events, Expect("api", body=recorded, status=error["status"]), None
    # Action messages word for word (D13 aside); schema (AJV) messages must
    # appear in ours, which is more than naming the field.
    exact = error["class"] in ACTION_CLASSES
    message = error["message"].replace("numberic", "numeric")
    return events, Expect("invalid", message=message, exact=exact), None


def test_every_send_case_is_replayed() -> None:
    assert len(CASES) == 102
    assert len(set(case_ids(CASES))) == len(CASES)
    now_ms = int(time.time() * 1000)
    tags = Counter(set_up(c, now_ms)[2] for c in CASES)
    assert tags.pop(None) == 80
    assert tags == {
        **{"D1": 6, "D2": 1, "D3+D17": 2, "D6": 2, "D7": 1, "D8": 1, "D9": 1},
        **{"D10": 1, "D13": 2, "D14": 4, "batch": 1},
    }


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_send_matches_segment(case: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "mapping": case["mapping"],
        "use_default_mapping": case["use_default_mappings"],
        "check_template": False,
    }
    with ReplayServer(case) as server:
        client = client_for(case, server)
        events, expect, _tag = set_up(case, int(time.time() * 1000))
        if case["invocation"] == "testBatchAction":
            report = client.send_dynamic_templates(events, **kwargs)
            assert report.failed == [], [f.to_dict() for f in report.failed]
            assert (report.total, report.accepted) == (len(events), len(events))
            assert report.message_ids == [MESSAGE_ID] * len(events)
            error: BaseException | None = None
        else:
            assert len(events) == 1
            try:
                result = client.send_dynamic_template(events[0], **kwargs)
            except sg.SendGridError as raised:
                error = raised
            else:
                error = None
                assert (result.message_id, result.status_code) == (MESSAGE_ID, 202)
        sent = server.bodies("POST", MAIL_SEND)
        assert_authorized(server, case)
    if expect.kind == "body":
        assert error is None, repr(error)
        assert sent == [expect.body], f"\n  sent     {sent}\n  expected {expect.body}"
    elif expect.kind == "api":
        assert error is not None, "expected an ApiError"
        assert_api_error(error, expect.status)
        assert sent == [expect.body]
    else:
        assert isinstance(error, sg.PayloadValidationError), repr(error)
        if expect.exact:
            assert str(error) == expect.message
        else:
            assert expect.message in str(error), str(error)
        if expect.field is not None:
            assert error.field == expect.field
        assert sent == [], "nothing is sent for an invalid payload"
