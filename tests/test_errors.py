"""The exception hierarchy (README, Errors), its attributes and pickling."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid import errors


def test_hierarchy() -> None:
    for value_error in (sg.ConfigError, sg.MappingError, sg.PayloadValidationError):
        assert issubclass(value_error, sg.SendGridError)
        assert issubclass(value_error, ValueError)
    assert issubclass(sg.TransportError, sg.SendGridError)
    assert not issubclass(sg.TransportError, ValueError)
    assert issubclass(sg.ApiError, sg.SendGridError)
    for cls in (
        sg.AuthenticationError,
        sg.ForbiddenError,
        sg.RateLimitError,
        sg.PayloadTooLargeError,
        sg.ServerError,
    ):
        assert issubclass(cls, sg.ApiError)
    assert issubclass(sg.SendGridError, Exception)


def test_every_error_is_exported_from_the_package() -> None:
    for name in errors.__all__:
        assert getattr(sg, name) is getattr(errors, name)
        assert name in sg.__all__


def test_api_error_attributes() -> None:
    err = sg.ApiError(
        "bad", status_code=400, errors=[{"message": "m", "field": "f"}], body='{"errors":[]}'
    )
    assert (err.status_code, err.errors, err.body) == (
        400,
        [{"message": "m", "field": "f"}],
        '{"errors":[]}',
    )
    assert str(err) == "bad"


def test_rate_limit_error_has_reset_at() -> None:
    err = sg.RateLimitError("slow down", reset_at=1700000000.0)
    assert err.status_code == 429
    assert err.reset_at == 1700000000.0
    assert sg.RateLimitError("x").reset_at is None


def test_transport_error_has_maybe_sent() -> None:
    assert sg.TransportError("x", maybe_sent=True).maybe_sent is True
    assert sg.TransportError("x", maybe_sent=False).maybe_sent is False


def test_payload_validation_error_names_field() -> None:
    assert sg.PayloadValidationError("bad", field="send_at").field == "send_at"
    assert sg.PayloadValidationError("bad").field is None


@pytest.mark.parametrize(
    "err",
    [
        sg.ConfigError("c"),
        sg.MappingError("m"),
        sg.PayloadValidationError("p", field="to"),
        sg.TransportError("t", maybe_sent=False),
        sg.ApiError("a", status_code=418, errors=[{"message": "x", "field": None}], body="b"),
        sg.AuthenticationError("a", status_code=401),
        sg.ForbiddenError("f", status_code=403),
        sg.PayloadTooLargeError("p", status_code=413),
        sg.ServerError("s", status_code=503),
        sg.RateLimitError("r", reset_at=5.0),
    ],
)
def test_errors_pickle_with_their_attributes(err: Exception) -> None:
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert str(clone) == str(err)
    assert vars(clone) == vars(err)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, sg.AuthenticationError),
        (403, sg.ForbiddenError),
        (429, sg.RateLimitError),
        (500, sg.ServerError),
        (503, sg.ServerError),
    ],
)
def test_status_maps_to_class(loopback: Any, status: int, cls: type[sg.ApiError]) -> None:
    from conftest import GOOD_KEY

    loopback.state.fail_statuses = [status]
    client = sg.Client(api_key=GOOD_KEY, endpoint=loopback.url, max_retries=0)
    with pytest.raises(cls) as info:
        client.check()
    assert info.value.status_code == status
    assert info.value.errors
    assert "message" in info.value.errors[0]
    assert str(status) in str(info.value)
    assert "/v3/scopes" in str(info.value)
