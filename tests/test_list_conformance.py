"""Segment's SendGrid Lists (Actions) vectors, replayed through ``sync_list``
with ``mode="segment"`` (each event says whether it joins or leaves, as
Segment's audience events do): the same records fail with the same messages,
the same contacts join the same lists with the same fields, and the same
contacts leave. The deliberate differences are named where they apply (D18 to D25,
``tests/data/conformance/VECTORS.md``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from audience_replay import AudienceServer, cases, events_of, joined, removed
from vectors import same_json

import segment_sendgrid as sg

REPLAYED = cases("testAction", "testBatchAction")
# How the library meets a failing server (retries, isolating refused records,
# no upsert before a removal) differs by design: those cases are the subject of
# the client's own tests, not replayed here.
SERVER_FAILURES = {c["name"] for c in REPLAYED if "server_replies" in c}
# D19: Segment quotes SGQL values without escaping, so this search breaks
# there; identifier searches carry no query text, so here the member leaves.
APOSTROPHE = "sa_remove_email_with_apostrophe"
# D22: Segment's batch adds every joining record to the first record's list.
FIRST_LIST_FOR_ALL = "sb_different_external_audience_ids"


def expected_failures(case: dict[str, Any]) -> dict[int, str]:
    if case["invocation"] == "testBatchAction":
        found = {
            i: entry["errormessage"]
            for i, entry in enumerate(case["multistatus"])
            if entry["status"] != 200
        }
    elif case["error"] is None or case["name"] == APOSTROPHE:
        found = {}
    else:
        found = {0: case["error"]["message"]}
    # D20: Segment names the number fields in a bad date's message.
    return {
        i: m.replace("custom_number_fields", "custom_date_fields")
        if m.endswith("is not a valid date") else m
        for i, m in found.items()
    }  # fmt: skip


def expected_joins(case: dict[str, Any]) -> list[tuple[str, str]]:
    puts = [json.loads(r["body"]) for r in case["requests"] if r["method"] == "PUT"]
    joins = joined(puts)
    if case["name"] != FIRST_LIST_FOR_ALL:
        return joins
    list_of = {
        e["traits"]["email"]: e["context"]["personas"]["external_audience_id"]
        for e in events_of(case)
    }
    return sorted((list_of[json.loads(c)["email"]], c) for _, c in joins)


def expected_removals(case: dict[str, Any]) -> list[tuple[str, str]]:
    if case["name"] == APOSTROPHE:
        list_id = case["event"]["context"]["personas"]["external_audience_id"]
        return [(f"/v3/marketing/lists/{list_id}/contacts", c["id"]) for c in case["contacts"]]
    out: list[tuple[str, str]] = []
    for request in case["requests"]:
        if request["method"] == "DELETE":
            path = request["path"]
            out.extend((path, i) for i in request["query"]["contact_ids"].split(","))
    if case["name"] == FIRST_LIST_FOR_ALL:
        email_of = {c["id"]: c["email"] for c in case["contacts"]}
        list_of = {
            e["traits"]["email"]: e["context"]["personas"]["external_audience_id"]
            for e in events_of(case)
        }
        out = [(f"/v3/marketing/lists/{list_of[email_of[i]]}/contacts", i) for _, i in out]
    return sorted(out)


@pytest.mark.parametrize(
    "case",
    [c for c in REPLAYED if c["name"] not in SERVER_FAILURES],
    ids=lambda c: c["name"],
)
def test_segment_audience_events_replay(case: dict[str, Any]) -> None:
    with AudienceServer(case) as server:
        client = sg.Client(case["settings"]["sendGridApiKey"], endpoint=server.url, max_retries=0)
        report = client.sync_list(
            events_of(case),
            mode="segment",
            mapping=case["mapping"],
            use_default_mapping=case["use_default_mappings"],
        )
        puts = [json.loads(r.body) for r in server.requests("PUT")]
        deletes = server.requests("DELETE")
    assert {f.index: f.reason for f in report.failed} == expected_failures(case)
    assert report.total == len(events_of(case))
    assert joined(puts) == expected_joins(case)
    assert removed(deletes) == expected_removals(case)
    assert report.removed == len(expected_removals(case))
    # D18: a leaving member is never upserted (Segment upserts it with no list first).
    assert all(body["list_ids"] for body in puts)


def test_every_case_is_replayed_or_named() -> None:
    replayed = len(REPLAYED) - len(SERVER_FAILURES)
    assert (len(REPLAYED), len(SERVER_FAILURES), replayed) == (92, 13, 79)


def test_the_default_mapping_is_segments() -> None:
    [case] = [c for c in REPLAYED if c["mapping"] == {} and c["use_default_mappings"]][:1]
    assert same_json(sg.default_mapping("sync_list"), case["effective_mapping"])
    assert sg.default_mapping("syncAudience") == sg.default_mapping("sync_list")


# createAudience: the list a name finds (or creates). Not replayed: an empty
# listName (refused here: a list name is 1 to 100 characters) and the two cases
# that test how a failing server is met.
CREATE = [
    c
    for c in cases("createAudience")
    if "server_replies" not in c
    and c["audience_input"].get("audienceSettings", {}).get("listName") != ""
]
# D21: every page of lists is read, so the list on page two is found.
SECOND_PAGE = "ca_list_on_second_page_not_seen"


@pytest.mark.parametrize("case", CREATE, ids=lambda c: c["name"])
def test_a_list_name_finds_or_creates_segments_list(case: dict[str, Any]) -> None:
    given = case["audience_input"]
    name = given.get("audienceSettings", {}).get("listName") or given["audienceName"]
    expected = "list-0200" if case["name"] == SECOND_PAGE else case["result"]["externalId"]
    with AudienceServer(case) as server:
        client = sg.Client("SG.test-key-123", endpoint=server.url, max_retries=0)
        report = client.sync_list([{"traits": {"email": "a@example.com"}}], list_name=name)
        [put] = [json.loads(r.body) for r in server.requests("PUT")]
        posts = [json.loads(r.body) for r in server.requests("POST")]
    assert report.accepted == 1
    assert put["list_ids"] == [expected]
    assert posts == ([{"name": name}] if expected.startswith("list-new") else [])


def test_the_create_audience_cases_are_replayed_or_named() -> None:
    assert (len(cases("createAudience")), len(CREATE)) == (11, 8)
