"""The Python surface of segment_sendgrid.testing.FakeSendGrid."""

from __future__ import annotations

import threading
import time
import urllib.error

import pytest
from emulator_helpers import call

import segment_sendgrid as sg
from segment_sendgrid.testing import FakeSendGrid


def test_context_manager_serves_and_releases_the_port() -> None:
    with FakeSendGrid() as fake:
        assert fake.running
        assert fake.url == f"http://127.0.0.1:{fake.port}"
        assert fake.api_key == "SG.fake-key"
        port = fake.port
        assert call(fake, "GET", "/v3/user/account").body == {"type": "paid", "reputation": 100}
    assert not fake.running
    with FakeSendGrid(port=port) as again:  # the port was released on exit
        assert again.port == port
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url


def test_start_stop_and_fixed_port() -> None:
    fake = FakeSendGrid(api_key="SG.other", port=0).start()
    try:
        again = FakeSendGrid(port=fake.port)
        with pytest.raises(OSError, match="cannot listen"):
            again.start()
        with pytest.raises(RuntimeError, match="already running"):
            fake.start()
    finally:
        fake.stop()
    fake.stop()  # idempotent
    assert "running=False" in repr(fake)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"port": 70000}, "port must be"),
        ({"port": -1}, "port must be"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"api_key": " "}, "api_key"),
    ],
)
def test_bad_options_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FakeSendGrid(**kwargs)  # type: ignore[arg-type]


def test_client_is_pointed_at_the_emulator() -> None:
    with FakeSendGrid(scopes=["mail.send", "templates.read"]) as fake:
        client = fake.client(max_retries=0, timeout=5.0)
        assert isinstance(client, sg.Client)
        assert client.base_url == fake.url
        assert client.check() == ["mail.send", "templates.read"]
        with pytest.raises(TypeError, match="sets endpoint itself"):
            fake.client(endpoint="global")
        assert call(fake, "GET", "/v3/user/account").status == 403


def test_wrong_key_is_an_authentication_error() -> None:
    with FakeSendGrid(api_key="SG.right") as fake:
        wrong = sg.Client(api_key="SG.wrong", endpoint=fake.url, max_retries=0)
        with pytest.raises(sg.AuthenticationError):
            wrong.check()
        assert call(fake, "GET", "/v3/scopes", key=None).body == {
            "errors": [{"field": None, "message": "authorization required"}]
        }


def test_setup_and_inspection(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    plan = fake.add_custom_field("plan")
    age = fake.add_custom_field("age", "Number")
    assert (plan, age) == ("e1_T", "e2_N")
    vip = fake.add_list("VIP")
    body = {
        "list_ids": [vip],
        "contacts": [{"email": "Ann@Example.com", "custom_fields": {plan: "pro", age: 41}}],
    }
    answer = call(fake, "PUT", "/v3/marketing/contacts", body, compress=True)
    assert answer.status == 202
    [contact] = fake.contacts()
    assert contact["email"] == "ann@example.com"
    assert contact["custom_fields"] == {plan: "pro", age: 41}
    assert contact["list_ids"] == [vip]
    [job] = fake.import_jobs()
    assert job["id"] == answer.body["job_id"]
    assert job["status"] == "completed"
    [logged] = fake.requests()
    assert logged["method"] == "PUT"
    assert logged["status"] == 202
    assert logged["body_size"] == len(answer.raw) or logged["body_size"] > 0
    assert "SG.fake-key" not in str(logged["headers"])
    fake.reset()
    assert fake.contacts() == []
    assert fake.requests() == []
    with pytest.raises(ValueError, match="field_type"):
        fake.add_custom_field("x", "Boolean")
    fake.add_list("L")
    with pytest.raises(ValueError, match="already exists"):
        fake.add_list("L")


def test_templates_pools_groups_domains(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    default = fake.add_template("Welcome")
    assert default.startswith("d-")
    assert len(default) == 34
    custom = fake.add_template(
        "Receipt",
        versions=[
            {"name": "old", "subject": "Old", "active": False},
            {"name": "new", "subject": "New", "html_content": "<p/>", "active": True},
        ],
    )
    legacy = fake.add_template("Legacy", generation="legacy")
    assert len(legacy) == 36
    got = call(fake, "GET", f"/v3/templates/{custom}").body
    assert [v["active"] for v in got["versions"]] == [0, 1]
    with pytest.raises(ValueError, match="only one version"):
        fake.add_template("x", versions=[{"active": True}, {"active": True}])
    with pytest.raises(ValueError, match="unknown key"):
        fake.add_template("x", versions=[{"body": "?"}])
    with pytest.raises(TypeError, match="must be a dict"):
        fake.add_template("x", versions=["v1"])  # type: ignore[list-item]
    fake.add_ip_pool("transactional")
    group = fake.add_suppression_group("Weekly")
    fake.add_domain("example.com", valid=False)
    assert call(fake, "GET", "/v3/ips/pools").body == [{"name": "transactional"}]
    assert call(fake, "GET", "/v3/asm/groups").body[0]["id"] == group
    assert call(fake, "GET", "/v3/whitelabel/domains").body[0]["valid"] is False
    with pytest.raises(ValueError, match="2 to 64"):
        fake.add_ip_pool("x")


def test_mail_send_stores_messages_with_their_id(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    template = fake.add_template("Welcome")
    mail = {
        "from": {"email": "from@example.com"},
        "template_id": template,
        "personalizations": [{"to": [{"email": "to@example.com"}]}],
    }
    answer = call(fake, "POST", "/v3/mail/send", mail)
    assert answer.status == 202
    [message] = fake.messages()
    assert message["x_message_id"] == answer.headers["x-message-id"]
    assert message["body"] == mail
    sandbox = {**mail, "mail_settings": {"sandbox_mode": {"enable": True}}}
    assert call(fake, "POST", "/v3/mail/send", sandbox).status == 200
    assert len(fake.messages()) == 1


def test_fail_next_after_processing_proves_no_double_send(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    fake.fail_next("/v3/marketing/contacts", status=503, count=1, after_processing=True)
    body = {"contacts": [{"email": "a@example.com"}]}
    failed = call(fake, "PUT", "/v3/marketing/contacts", body)
    assert failed.status == 503
    assert failed.body == {"errors": [{"field": None, "message": "service unavailable"}]}
    assert len(fake.contacts()) == 1  # applied before the error
    fake.fail_next("/v3/scopes", status=500, body={"errors": [{"message": "custom"}]})
    assert call(fake, "GET", "/v3/scopes").body == {"errors": [{"message": "custom"}]}
    with pytest.raises(ValueError, match="status must be"):
        fake.fail_next("/v3/scopes", status=200)
    with pytest.raises(TypeError, match="JSON-serializable"):
        fake.fail_next("/v3/scopes", body=object())


def test_client_sees_server_errors_and_retries_them(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    fake.fail_next("/v3/scopes", status=500)
    with pytest.raises(sg.ServerError):
        fake.client(max_retries=0).check()
    fake.fail_next("/v3/scopes", status=503, count=2)
    assert fake.client(max_retries=3).check()


def test_drop_next_closes_without_an_answer(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    fake.drop_next("/v3/scopes")
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(fake, "GET", "/v3/scopes")
    assert fake.requests()[0]["status"] == 0
    fake.drop_next("/v3/scopes", count=1)
    with pytest.raises(sg.TransportError):
        fake.client(max_retries=0).check()
    assert call(fake, "GET", "/v3/scopes").status == 200


def test_latency_and_rate_limit(fake_sendgrid: FakeSendGrid) -> None:
    fake = fake_sendgrid
    fake.set_latency(200)
    started = time.monotonic()
    threads = [
        threading.Thread(target=call, args=(fake, "GET", "/v3/user/account")) for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 1.5  # concurrent, not 10 x 200 ms in series
    fake.set_latency(0)
    fake.set_rate_limit(2, 60, path="/v3/user/account")
    statuses = [call(fake, "GET", "/v3/user/account").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = call(fake, "GET", "/v3/user/account")
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert int(limited.headers["x-ratelimit-reset"]) >= int(time.time()) + 50
    with pytest.raises(ValueError, match="not an emulated endpoint"):
        fake.set_rate_limit(1, 1, path="/v3/nope")
