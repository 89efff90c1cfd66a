"""Exceptions raised by segment_sendgrid.

Every exception derives from :class:`SendGridError`. Configuration, mapping and
payload problems are also :class:`ValueError`. None of them ever contains the
API key: the core redacts it from server bodies and never formats it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ConfigError",
    "ForbiddenError",
    "LimitExceededError",
    "MappingError",
    "PayloadTooLargeError",
    "PayloadValidationError",
    "RateLimitError",
    "SendGridError",
    "ServerError",
    "TransportError",
]


class SendGridError(Exception):
    """Base class of every error raised by segment_sendgrid."""


class ConfigError(SendGridError, ValueError):
    """The client configuration is invalid (missing key, bad endpoint, bad limits)."""


class MappingError(SendGridError, ValueError):
    """A mapping cannot be compiled or applied; the message names the path."""


class PayloadValidationError(SendGridError, ValueError):
    """A payload fails validation before anything is sent.

    ``field`` names the offending payload field when one can be named.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, {"field": self.field}))


class LimitExceededError(SendGridError, ValueError):
    """A guarded run would change more than its limit allows; nothing was changed.

    ``count`` is how many members would have been removed (``sync_list``'s
    ``max_removals``) or contacts deleted (``delete_contacts``'s
    ``max_deletes``), ``limit`` the limit given.
    """

    def __init__(self, message: str, *, count: int, limit: int) -> None:
        super().__init__(message)
        self.count = count
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, {"count": self.count, "limit": self.limit}))


class TransportError(SendGridError):
    """No HTTP answer was received (connection refused or dropped, timeout).

    ``maybe_sent`` is ``False`` only when the request provably never reached
    the server, so resending it cannot duplicate anything.
    """

    def __init__(self, message: str, *, maybe_sent: bool) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, {"maybe_sent": self.maybe_sent}))


class ApiError(SendGridError):
    """SendGrid answered with a non-2xx status.

    ``errors`` is SendGrid's error list (``[{"message": ..., "field": ...}]``)
    and ``body`` the raw answer text.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        errors: list[dict[str, Any]] | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.body = body

    def _state(self) -> dict[str, Any]:
        return {"status_code": self.status_code, "errors": self.errors, "body": self.body}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self._state()))


class AuthenticationError(ApiError):
    """401: the API key is missing, wrong or revoked."""


class ForbiddenError(ApiError):
    """403: the API key lacks a scope this call needs."""


class PayloadTooLargeError(ApiError):
    """413: the request body exceeds SendGrid's size limit."""


class RateLimitError(ApiError):
    """429: too many requests; ``reset_at`` is the epoch second the window resets, if known."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        errors: list[dict[str, Any]] | None = None,
        body: str = "",
        reset_at: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, errors=errors, body=body)
        self.reset_at = reset_at

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "reset_at": self.reset_at}


class ServerError(ApiError):
    """5xx: SendGrid failed. For mail sends the outcome is unknown."""


def _rebuild(cls: type[SendGridError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Unpickles exceptions whose constructor takes keyword-only attributes."""
    return cls(*args, **kwargs)
