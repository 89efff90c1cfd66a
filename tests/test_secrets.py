"""The API key never shows: not in repr, exceptions or output; pickles rebuild clients."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import segment_sendgrid as sg
from conftest import GOOD_KEY

SECRET = "SG.test-key-not-real.0123456789abcdefghijk"
CLIENTS = [sg.Client, sg.AsyncClient]


def _fragments(key: str) -> list[str]:
    """Every 8-character slice of the key past the public ``SG.`` prefix."""
    return [key[i : i + 8] for i in range(3, len(key) - 8)]


def assert_no_key(text: str, key: str = SECRET) -> None:
    for fragment in _fragments(key):
        assert fragment not in text, f"key fragment {fragment!r} leaked into {text!r}"


@pytest.mark.parametrize("cls", CLIENTS)
def test_repr_and_str_show_settings_not_the_key(cls: Any) -> None:
    client = cls(api_key=SECRET, endpoint="eu", timeout=12.5, max_retries=2, max_concurrency=8)
    for text in (repr(client), str(client)):
        assert_no_key(text)
        assert "'eu'" in text or '"eu"' in text
        assert "timeout=12.5" in text
        assert "max_retries=2" in text
        assert "max_concurrency=8" in text


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_keeps_configuration(cls: Any, protocol: int) -> None:
    client = cls(
        api_key=SECRET,
        endpoint="http://127.0.0.1:9/",
        timeout=3,
        max_concurrency=7,
        user_agent="etl/1",
    )
    clone = pickle.loads(pickle.dumps(client, protocol=protocol))
    assert type(clone) is cls
    assert clone is not client
    assert repr(clone) == repr(client)
    assert clone.base_url == "http://127.0.0.1:9"


def test_unpickled_client_uses_the_key_on_a_fresh_pool(loopback: Any) -> None:
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url)
    clone = pickle.loads(pickle.dumps(client))
    assert clone.check() == client.check()
    auths = [seen["headers"]["authorization"] for seen in loopback.state.seen]
    assert auths == [f"Bearer {GOOD_KEY}"] * 2


def test_copy_and_deepcopy_work() -> None:
    client = sg.Client(api_key=SECRET)
    assert repr(copy.copy(client)) == repr(client)
    assert repr(copy.deepcopy(client)) == repr(client)


def test_pickling_round_trip_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    data = pickle.dumps(sg.Client(api_key=SECRET))
    assert SECRET.encode() in data  # documented: pickles carry the key
    pickle.loads(data)
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""


def test_docstring_warns_that_pickles_carry_the_key() -> None:
    for cls in CLIENTS:
        assert cls.__doc__ is not None
        assert "including the API key" in cls.__doc__.replace("**", "")


def test_auth_errors_never_contain_the_key(loopback: Any) -> None:
    client = sg.Client(api_key=SECRET, endpoint=loopback.url, max_retries=0)
    with pytest.raises(sg.AuthenticationError) as info:
        client.check()
    for text in (str(info.value), repr(info.value), info.value.body, repr(info.value.errors)):
        assert_no_key(text)


def test_transport_errors_never_contain_the_key(closed_port_url: str) -> None:
    client = sg.Client(api_key=SECRET, endpoint=closed_port_url, max_retries=0)
    with pytest.raises(sg.TransportError) as info:
        client.check()
    assert_no_key(str(info.value))
    assert_no_key(repr(info.value))


def test_key_in_user_agent_position_is_not_echoed_by_config_errors() -> None:
    with pytest.raises(sg.ConfigError) as info:
        sg.Client(api_key=SECRET, endpoint="not-a-url")
    assert_no_key(str(info.value))
    assert_no_key(repr(info.value))


def test_key_with_newline_is_a_config_error_without_the_key() -> None:
    bad = SECRET + "\n" + SECRET
    with pytest.raises(sg.ConfigError) as info:
        sg.Client(api_key=bad)
    assert "api_key" in str(info.value)
    assert_no_key(str(info.value))
