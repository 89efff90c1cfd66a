"""Module-level one-call helpers that reuse one client per (API key, endpoint)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping as MappingABC
from typing import Any

from segment_sendgrid._native import Client, Mapping, SendResult, UpsertResult
from segment_sendgrid.types import Event

_clients: dict[tuple[str | None, str], Client] = {}
_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # Held by another thread at the fork, the lock would stay held in the child forever.
    # (The clients themselves work in a forked child.)
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _client(api_key: str | None, endpoint: str) -> Client:
    """The shared client for ``(api_key, endpoint)``; built (and validated) on first use."""
    key = api_key if api_key is not None else os.environ.get("SENDGRID_API_KEY")
    with _lock:
        client = _clients.get((key, endpoint))
        if client is None:
            client = Client(api_key=key, endpoint=endpoint)
            _clients[(key, endpoint)] = client
        return client


def upsert_contact(
    event: Event,
    *,
    api_key: str | None = None,
    endpoint: str = "global",
    mapping: MappingABC[str, Any] | Mapping | None = None,
    use_default_mapping: bool = True,
    list_ids: list[str] | tuple[str, ...] | None = None,
) -> UpsertResult:
    """``Client.upsert_contact`` with a client shared per ``(api_key, endpoint)``.

    Arguments:
        event: A Segment event (a mapping), or its JSON text as ``str`` or ``bytes``.
        api_key: The API key; ``None`` reads ``SENDGRID_API_KEY``.
        endpoint: ``"global"``, ``"eu"`` or an ``http(s)://`` base URL.
        mapping: As in ``Client.upsert_contact``.
        use_default_mapping: As in ``Client.upsert_contact``.
        list_ids: As in ``Client.upsert_contact``.

    Returns:
        The import job SendGrid queued.

    Raises:
        ConfigError: No key, or a bad endpoint (when the shared client is first built).
        SendGridError: As ``Client.upsert_contact`` raises.
    """
    return _client(api_key, endpoint).upsert_contact(
        event, mapping=mapping, use_default_mapping=use_default_mapping, list_ids=list_ids
    )


def send_dynamic_template(
    event: Event,
    *,
    api_key: str | None = None,
    endpoint: str = "global",
    mapping: MappingABC[str, Any] | Mapping | None = None,
    use_default_mapping: bool = True,
    sandbox: bool = False,
    check_template: bool = True,
) -> SendResult:
    """``Client.send_dynamic_template`` with a client shared per ``(api_key, endpoint)``.

    Arguments:
        event: A Segment event (a mapping), or its JSON text as ``str`` or ``bytes``.
        api_key: The API key; ``None`` reads ``SENDGRID_API_KEY``.
        endpoint: ``"global"``, ``"eu"`` or an ``http(s)://`` base URL.
        mapping: As in ``Client.send_dynamic_template``.
        use_default_mapping: As in ``Client.send_dynamic_template``.
        sandbox: As in ``Client.send_dynamic_template``.
        check_template: As in ``Client.send_dynamic_template``.

    Returns:
        The ``202`` (``200`` in sandbox mode) and the ``X-Message-Id``.

    Raises:
        ConfigError: No key, or a bad endpoint (when the shared client is first built).
        SendGridError: As ``Client.send_dynamic_template`` raises.
    """
    return _client(api_key, endpoint).send_dynamic_template(
        event,
        mapping=mapping,
        use_default_mapping=use_default_mapping,
        sandbox=sandbox,
        check_template=check_template,
    )
