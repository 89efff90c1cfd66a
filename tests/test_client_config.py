"""Client configuration: keys, endpoints, limits and their error messages."""

from __future__ import annotations

from typing import Any

import pytest

import segment_sendgrid as sg
from conftest import GOOD_KEY

CLIENTS = [sg.Client, sg.AsyncClient]


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("endpoint", "base_url"),
    [
        ("global", "https://api.sendgrid.com"),
        ("eu", "https://api.eu.sendgrid.com"),
        ("http://127.0.0.1:3030", "http://127.0.0.1:3030"),
        ("https://proxy.example.com/sendgrid/", "https://proxy.example.com/sendgrid"),
    ],
)
def test_endpoint_resolves_to_base_url(cls: Any, endpoint: str, base_url: str) -> None:
    assert cls(api_key="SG.x", endpoint=endpoint).base_url == base_url


def test_default_endpoint_is_global() -> None:
    assert sg.Client(api_key="SG.x").base_url == "https://api.sendgrid.com"


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("endpoint", ["", "EU", "api.sendgrid.com", "ftp://x", "https://"])
def test_bad_endpoint_is_config_error(cls: Any, endpoint: str) -> None:
    with pytest.raises(sg.ConfigError, match="endpoint must be"):
        cls(api_key="SG.x", endpoint=endpoint)


def test_base_url_is_read_only() -> None:
    client = sg.Client(api_key="SG.x")
    with pytest.raises(AttributeError):
        client.base_url = "http://elsewhere"  # type: ignore[misc]


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("key", [None, "", "   ", "\t\n"])
def test_missing_key_says_how_to_provide_one(cls: Any, key: str | None) -> None:
    with pytest.raises(sg.ConfigError) as info:
        cls(api_key=key)
    message = str(info.value)
    assert "api_key" in message
    assert "SENDGRID_API_KEY" in message
    assert isinstance(info.value, ValueError)


def test_key_falls_back_to_environment(monkeypatch: pytest.MonkeyPatch, loopback: Any) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", GOOD_KEY)
    client = sg.Client(endpoint=loopback.url)
    assert client.check() == ["mail.send", "marketing.read", "templates.read"]
    auth = loopback.state.seen[-1]["headers"]["authorization"]
    assert auth == f"Bearer {GOOD_KEY}"


def test_explicit_key_wins_over_environment(monkeypatch: pytest.MonkeyPatch, loopback: Any) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.wrong")
    sg.Client(api_key=GOOD_KEY, endpoint=loopback.url).check()
    assert loopback.state.seen[-1]["headers"]["authorization"] == f"Bearer {GOOD_KEY}"


def test_blank_environment_key_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "  ")
    with pytest.raises(sg.ConfigError, match="SENDGRID_API_KEY"):
        sg.Client()


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.5}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": float("inf")}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": -(2**70)}, "max_retries"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": -3}, "max_concurrency"),
        ({"user_agent": " "}, "user_agent"),
    ],
)
def test_bad_values_are_config_errors_naming_the_parameter(
    cls: Any, kwargs: dict[str, Any], name: str
) -> None:
    with pytest.raises(sg.ConfigError) as info:
        cls(api_key="SG.x", **kwargs)
    assert name in str(info.value)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"api_key": 123}, "api_key"),
        ({"api_key": b"SG.x"}, "api_key"),
        ({"endpoint": None}, "endpoint"),
        ({"endpoint": 1}, "endpoint"),
        ({"timeout": "30"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": None}, "timeout"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_retries": "5"}, "max_retries"),
        ({"max_concurrency": 2.0}, "max_concurrency"),
        ({"max_concurrency": False}, "max_concurrency"),
        ({"user_agent": 5}, "user_agent"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_parameter(
    cls: Any, kwargs: dict[str, Any], name: str
) -> None:
    kwargs = {"api_key": "SG.x", **kwargs}
    with pytest.raises(TypeError) as info:
        cls(**kwargs)
    assert name in str(info.value)
    assert not isinstance(info.value, sg.SendGridError)


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        sg.Client("SG.x", "eu")  # type: ignore[misc]


def test_large_valid_values_are_accepted() -> None:
    client = sg.Client(api_key="SG.x", timeout=0.001, max_retries=0, max_concurrency=10_000)
    assert "max_retries=0" in repr(client)
    assert "max_concurrency=10000" in repr(client)


def test_int_timeout_is_accepted() -> None:
    assert "timeout=5" in repr(sg.Client(api_key="SG.x", timeout=5))


def test_user_agent_default_names_package_and_version(loopback: Any) -> None:
    sg.Client(api_key=GOOD_KEY, endpoint=loopback.url).check()
    headers = loopback.state.seen[-1]["headers"]
    assert headers["user-agent"].startswith(f"segment-sendgrid/{sg.__version__}")
    assert headers["accept"] == "application/json"


def test_custom_user_agent_is_sent(loopback: Any) -> None:
    sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, user_agent="my-pipeline/2").check()
    assert loopback.state.seen[-1]["headers"]["user-agent"] == "my-pipeline/2"
