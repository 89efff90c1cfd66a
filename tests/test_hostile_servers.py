"""Broken or hostile endpoints: redirects are never followed, bodies are
read within a bound, rate-limit headers cannot crash or park the client,
a 2xx that is not SendGrid's answer is not taken for success, a 400 that
names no record cannot multiply requests, and endpoints are checked."""

from __future__ import annotations

import gzip
import itertools
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hostile_server import Answer, Arrived, HostileServer

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid

KEY = "SG.hostile-test-key-0123456789"
CONTACTS = [{"traits": {"email": f"p{i}@example.com"}} for i in range(10)]
MAIL = {
    "from": {"email": "shop@example.com"},
    "template_id": "d-0123456789abcdef0123456789abcdef",
}
ORDER = {"properties": {"email": "ada@example.com"}}


def client(url: str, **kwargs: Any) -> sg.Client:
    return sg.Client(api_key=KEY, endpoint=url, **kwargs)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_never_followed(status: int) -> None:
    with HostileServer(lambda r: Answer(200, {"x-message-id": "m"})) as elsewhere:
        target = f"{elsewhere.url}/v3/mail/send"
        with HostileServer(lambda r: Answer(status, {"location": target})) as proxy:
            with pytest.raises(sg.ApiError) as raised:
                client(proxy.url).upsert_contacts(CONTACTS)
            assert raised.value.status_code == status
            assert target in str(raised.value)
            report = raised.value.report  # type: ignore[attr-defined]
            assert report.accepted == 0
            assert len(report.failed) == 10
            assert {f.outcome for f in report.failed} == {"not_sent"}
            with pytest.raises(sg.ApiError):
                client(proxy.url).send_dynamic_template(ORDER, mapping=MAIL, check_template=False)
            assert len(proxy.arrived) == 2
        # Nothing, PII or key, ever reached the other host.
        assert elsewhere.arrived == []


def test_a_decompression_bomb_is_not_inflated() -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 1024 * 1024
    answer = Answer(200, {"content-encoding": "gzip", "content-type": "application/json"}, bomb)
    with (
        HostileServer(lambda r: answer) as server,
        pytest.raises(sg.TransportError, match="more than 67108864 bytes"),
    ):
        client(server.url).check()


def test_a_body_that_never_ends_is_cut_off_at_the_bound() -> None:
    def endless() -> Iterator[bytes]:
        return itertools.repeat(b" " * 65536)

    with HostileServer(lambda r: Answer(200, {}, endless())) as server:
        started = time.monotonic()
        with pytest.raises(sg.TransportError, match="more than"):
            client(server.url, timeout=60).check()
        assert time.monotonic() - started < 30


@pytest.mark.parametrize("reset", ["1e30", "inf", "-1", "NaN", "soon", "99999999999"])
def test_absurd_rate_limit_headers_neither_crash_nor_park_the_client(reset: str) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    with HostileServer(lambda r: Answer(200, headers, b'{"scopes": []}')) as server:
        c = client(server.url)
        started = time.monotonic()
        assert c.check() == []
        assert c.check() == []  # the "exhausted" window was not believed
        assert time.monotonic() - started < 5


def test_rate_limit_waits_stop_at_max_rate_limit_wait() -> None:
    busy = Answer(429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1e30"})
    with HostileServer(lambda r: busy) as server:
        started = time.monotonic()
        with pytest.raises(sg.RateLimitError):
            client(server.url, max_retries=50, max_rate_limit_wait=1.0).check()
        assert time.monotonic() - started < 5


def test_a_batch_that_would_wait_too_long_fails_its_records_retryable() -> None:
    with FakeSendGrid(api_key=KEY) as fake:
        fake.set_rate_limit(1, 60.0, path="/v3/marketing/contacts")
        c = client(fake.url, max_rate_limit_wait=0.5)
        started = time.monotonic()
        report = c.upsert_contacts(CONTACTS * 100, wait=False)
        assert time.monotonic() - started < 10
    # The first request went out before the window was spent.
    sent = 10 * 100 if report.accepted else 0
    assert report.accepted in (0, sent)
    assert report.accepted + len(report.failed) == 1000


def test_a_2xx_without_a_job_id_is_not_taken_for_success() -> None:
    with HostileServer(lambda r: Answer(202, {}, b"{}")) as server:
        report = client(server.url).upsert_contacts(CONTACTS)
        assert report.accepted == 0
        assert {(f.outcome, f.retryable) for f in report.failed} == {("unknown", True)}
        assert "without a job_id" in report.failed[0].reason
        with pytest.raises(sg.TransportError, match="without a job_id"):
            client(server.url).upsert_contact(CONTACTS[0])


def test_a_202_without_a_message_id_leaves_the_mail_unknown() -> None:
    with HostileServer(lambda r: Answer(202)) as server:
        c = client(server.url)
        report = c.send_dynamic_templates([ORDER, ORDER], mapping=MAIL, check_template=False)
        assert report.accepted == 0
        assert {f.outcome for f in report.failed} == {"unknown"}
        with pytest.raises(sg.TransportError, match="X-Message-Id"):
            c.send_dynamic_template(ORDER, mapping=MAIL, check_template=False)
        # Sandbox mode answers 200 without an id: that is SendGrid's answer.
    with HostileServer(lambda r: Answer(200)) as server:
        sent = client(server.url).send_dynamic_template(
            ORDER, mapping=MAIL, check_template=False, sandbox=True
        )
        assert sent.message_id is None
        assert sent.status_code == 200


def test_a_400_that_names_no_record_does_not_multiply_requests() -> None:
    page = b"<html><body>400 Bad Request</body></html>"

    def proxy(request: Arrived) -> Answer:
        return Answer(400, {"content-type": "text/html"}, page)

    with HostileServer(proxy) as server:
        events = [{"traits": {"email": f"p{i}@example.com"}} for i in range(1000)]
        report = client(server.url).upsert_contacts(events)
        assert report.accepted == 0
        assert len(report.failed) == 1000
        assert {f.outcome for f in report.failed} == {"rejected"}
        # 2·log2(1000) + 2 halvings without progress, not ~2,000 requests.
        assert len(server.arrived) <= 50, len(server.arrived)


def test_endpoints_are_checked_and_credentials_in_them_never_shown() -> None:
    for bad in ["https://gw.example/base?x=1", "https://gw.example/#f"]:
        with pytest.raises(sg.ConfigError, match="query or #fragment"):
            client(bad)
    with pytest.raises(sg.ConfigError, match="allow_insecure_http"):
        client("http://gw.example:8080")
    assert client("http://gw.example:8080", allow_insecure_http=True).base_url.startswith("http")
    secret = client("http://user:PASSWORD@127.0.0.1:9/sg")
    assert "PASSWORD" not in repr(secret)
    assert "PASSWORD" not in secret.base_url
    with pytest.raises(sg.TransportError) as raised:
        secret.check()
    assert "PASSWORD" not in str(raised.value)
    assert KEY not in str(raised.value)


@pytest.mark.parametrize("name", ["timeout", "max_rate_limit_wait"])
def test_huge_durations_are_refused_by_name(name: str) -> None:
    with pytest.raises(sg.ConfigError, match=name):
        client("global", **{name: 1e300})


def test_a_huge_wait_timeout_is_refused_by_name() -> None:
    with FakeSendGrid(api_key=KEY) as fake, pytest.raises(sg.ConfigError, match="wait_timeout"):
        client(fake.url).upsert_contacts(CONTACTS, wait=True, wait_timeout=1e300)


def test_a_mirror_refuses_an_export_file_that_never_ends() -> None:
    """A gzipped export file of 300 MB of blank lines (300 KB on the wire) is
    cut off at the bound; the mirror fails before any change."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(b"\n" * (1 << 20)) for _ in range(300)) + packer.flush()

    def answer(request: Arrived) -> Answer:
        if request.path == "/v3/marketing/contacts/exports":
            return Answer(202, {"content-type": "application/json"}, b'{"id": "e1"}')
        if request.path.startswith("/v3/marketing/contacts/exports/e1"):
            ready = f'{{"status": "ready", "urls": ["{server.url}/files/1.json.gz"]}}'
            return Answer(200, {"content-type": "application/json"}, ready.encode())
        if request.path == "/files/1.json.gz":
            return Answer(200, {"content-type": "application/gzip"}, bomb)
        return Answer(500, {}, b"")

    with HostileServer(answer) as server:
        with pytest.raises(sg.TransportError, match="export file 1: more than"):
            client(server.url).sync_list(CONTACTS, list_id="L1", mode="mirror", max_removals=5)
        assert [r.method for r in server.arrived] == ["POST", "GET", "GET"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ('{"status": "failure", "message": "disk full"}', "export of list L1 failed: disk full"),
        ('{"status": "pending"}', "export of list L1 was not ready after 1 s"),
    ],
)
def test_a_mirror_whose_export_fails_or_never_ends_changes_nothing(
    status: str, message: str
) -> None:
    def answer(request: Arrived) -> Answer:
        if request.path == "/v3/marketing/contacts/exports":
            return Answer(202, {"content-type": "application/json"}, b'{"id": "e1"}')
        return Answer(200, {"content-type": "application/json"}, status.encode())

    with HostileServer(answer) as server:
        started = time.monotonic()
        with pytest.raises(sg.TransportError, match=message):
            client(server.url).sync_list(
                CONTACTS, list_id="L1", mode="mirror", max_removals=5, wait_timeout=1
            )
        assert time.monotonic() - started < 10
        assert {r.method for r in server.arrived} == {"POST", "GET"}
        assert [r.path for r in server.arrived if r.method == "POST"] == [
            "/v3/marketing/contacts/exports"
        ]
