"""The official ``sendgrid`` library (``sendgrid==6.12.5``, a test extra) pointed
at the emulator: each read endpoint it calls answers with SendGrid's statuses
and data, import-job errors files download without the key, and a path the
emulator lacks says it is not emulated."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from python_http_client.exceptions import HTTPError  # type: ignore[import-untyped]
from sendgrid import SendGridAPIClient

from segment_sendgrid.testing import FakeSendGrid


@dataclass
class Setup:
    fake: FakeSendGrid
    api: Any  # the library's fluent client (``SendGridAPIClient(...).client``)
    vip: str
    errored_job: str


def outcome(request: Callable[[], Any]) -> tuple[int, Any]:
    """Status and JSON body of a call; the library raises for 4xx/5xx."""
    try:
        response = request()
    except HTTPError as error:
        return int(error.status_code), json.loads(error.body)
    return int(response.status_code), json.loads(response.body) if response.body else None


def download(url: str) -> tuple[int, Any]:
    """GET without an Authorization header, as a browser follows a link."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    with FakeSendGrid() as fake:
        api = SendGridAPIClient(api_key=fake.api_key, host=fake.url).client
        vip = fake.add_list("VIP")
        contacts = [
            {"email": "ann@example.com", "first_name": "Ann", "external_id": "ann-1"},
            {"email": "bob@example.com", "first_name": "Bob", "phone_number_id": "+14155550100"},
        ]
        put = api.marketing.contacts.put(request_body={"list_ids": [vip], "contacts": contacts})
        assert put.status_code == 202
        more = [
            {"email": "cy@example.com", "first_name": "Cy"},
            {"email": "ann@example.com"},  # lacks ann's external_id: a record error
            {"email": "second@example.com", "phone_number_id": "+14155550100"},  # bob's phone
        ]
        put = api.marketing.contacts.put(request_body={"contacts": more})
        yield Setup(fake, api, vip, json.loads(put.body)["job_id"])


def test_search_by_identifiers(setup: Setup) -> None:
    search = setup.api.marketing.contacts.search.identifiers
    body = {"identifiers": ["ANN@example.com", "zed@example.com"]}
    status, found = outcome(lambda: search._("email").post(request_body=body))
    assert status == 200
    assert found["result"]["ANN@example.com"]["contact"]["external_id"] == "ann-1"
    assert found["result"]["zed@example.com"] == {"error": "contact not found"}
    body = {"identifiers": ["+14155550100"]}
    status, found = outcome(lambda: search._("phone_number_id").post(request_body=body))
    assert (status, found["result"]["+14155550100"]["contact"]["email"]) == (200, "bob@example.com")
    status, missing = outcome(
        lambda: search._("external_id").post(request_body={"identifiers": ["nobody"]})
    )
    assert status == 404
    assert missing["errors"][0]["message"]
    status, bad = outcome(lambda: search._("phone").post(request_body={"identifiers": ["x"]}))
    assert (status, bad["errors"][0]["field"]) == (400, "identifier_type")
    too_many = {"identifiers": [f"u{i}@example.com" for i in range(101)]}
    assert outcome(lambda: search._("email").post(request_body=too_many))[0] == 400


def test_search_with_sgql(setup: Setup) -> None:
    search = setup.api.marketing.contacts.search
    query = f"email LIKE '%@example.com' AND CONTAINS(list_ids, '{setup.vip}') OR first_name = 'Cy'"
    status, found = outcome(lambda: search.post(request_body={"query": query}))
    assert status == 200
    assert found["contact_count"] == 3
    assert sorted(c["first_name"] for c in found["result"]) == ["Ann", "Bob", "Cy"]
    query = "email IN ('bob@example.com') AND (first_name = 'Ann' OR first_name = 'Bob')"
    status, found = outcome(lambda: search.post(request_body={"query": query}))
    assert (status, [c["email"] for c in found["result"]]) == (200, ["bob@example.com"])
    status, bad = outcome(lambda: search.post(request_body={"query": "age > 3"}))
    assert (status, bad["errors"][0]["field"]) == (400, "query")
    assert "'>'" in bad["errors"][0]["message"]


def test_lists_and_counts(setup: Setup) -> None:
    lists = setup.api.marketing.lists
    status, vip = outcome(lambda: lists._(setup.vip).get(query_params={"contact_sample": True}))
    assert status == 200
    assert (vip["id"], vip["name"], vip["contact_count"]) == (setup.vip, "VIP", 2)
    assert vip["contact_sample"]["email"] in {"ann@example.com", "bob@example.com"}
    status, plain = outcome(lambda: lists._(setup.vip).get())
    assert status == 200
    assert "contact_sample" not in plain
    status, count = outcome(lambda: lists._(setup.vip).contacts.count.get())
    assert (status, count) == (200, {"contact_count": 2, "billable_count": 2})
    status, missing = outcome(lambda: lists._("no-such-list").get())
    assert (status, missing["errors"][0]["field"]) == (404, "id")
    assert outcome(lambda: lists._("no-such-list").contacts.count.get())[0] == 404
    contacts = setup.api.marketing.contacts
    status, total = outcome(lambda: contacts.count.get())
    assert (status, total) == (200, {"contact_count": 3, "billable_count": 3})
    status, sample = outcome(lambda: contacts.get())
    assert (status, sample["contact_count"]) == (200, 3)
    emails = [c["email"] for c in sample["result"]]
    assert emails == ["ann@example.com", "bob@example.com", "cy@example.com"]


def test_errored_import_links_a_file_downloadable_without_the_key(setup: Setup) -> None:
    imports = setup.api.marketing.contacts.imports
    status, job = outcome(lambda: imports._(setup.errored_job).get())
    assert (status, job["status"], job["results"]["errored_count"]) == (200, "errored", 2)
    url = job["results"]["errors_url"]
    assert url == f"{setup.fake.url}/downloads/contact-imports/{setup.errored_job}/errors.json"
    status, file = download(url)
    assert status == 200
    assert file == {
        "job_id": setup.errored_job,
        "errors": [
            {
                "index": 1,
                "message": file["errors"][0]["message"],
                "contact": {"email": "ann@example.com"},
            },
            {
                "index": 2,
                "message": file["errors"][1]["message"],
                "contact": {"email": "second@example.com", "phone_number_id": "+14155550100"},
            },
        ],
    }
    assert "external_id" in file["errors"][0]["message"]
    # Another origin of the same server; None goes back to the emulator's URL.
    other = f"http://localhost:{setup.fake.port}"
    setup.fake.set_download_base(other)
    try:
        _, moved = outcome(lambda: imports._(setup.errored_job).get())
        assert moved["results"]["errors_url"].startswith(f"{other}/downloads/")
        assert download(moved["results"]["errors_url"]) == (200, file)
        with pytest.raises(ValueError, match="download base"):
            setup.fake.set_download_base("localhost:1")
    finally:
        setup.fake.set_download_base(None)
    _, back = outcome(lambda: imports._(setup.errored_job).get())
    assert back["results"]["errors_url"] == url
    bad_id = url.replace(setup.errored_job, "0b0b0b0b-0000-4000-8000-000000000000")
    assert download(bad_id)[0] == 404


def test_a_path_the_emulator_lacks_says_it_is_not_emulated(setup: Setup) -> None:
    status, body = outcome(lambda: setup.api._("foo").get())
    assert status == 404
    assert body == {
        "errors": [
            {
                "field": None,
                "message": "not emulated: GET /v3/foo is not an endpoint of this SendGrid "
                "emulator (segment_sendgrid.testing.FakeSendGrid)",
            }
        ]
    }
