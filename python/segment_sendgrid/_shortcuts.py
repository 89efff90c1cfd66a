"""Module-level one-call helpers that reuse one client per (API key, endpoint)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from typing import Any

from segment_sendgrid._native import Client, Mapping, SendResult, UpsertResult

_clients: dict[tuple[str | None, str], Client] = {}
_lock = threading.Lock()


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
    event: MappingABC[str, Any],
    *,
    api_key: str | None = None,
    endpoint: str = "global",
    mapping: MappingABC[str, Any] | Mapping | None = None,
    use_default_mapping: bool = True,
    list_ids: Sequence[str] | None = None,
) -> UpsertResult:
    """Upserts one contact with a shared client (key from ``SENDGRID_API_KEY`` if not given)."""
    return _client(api_key, endpoint).upsert_contact(
        event, mapping=mapping, use_default_mapping=use_default_mapping, list_ids=list_ids
    )


def send_dynamic_template(
    event: MappingABC[str, Any],
    *,
    api_key: str | None = None,
    endpoint: str = "global",
    mapping: MappingABC[str, Any] | Mapping | None = None,
    use_default_mapping: bool = True,
    sandbox: bool = False,
    check_template: bool = True,
) -> SendResult:
    """Sends one Dynamic Template mail with a shared client."""
    return _client(api_key, endpoint).send_dynamic_template(
        event,
        mapping=mapping,
        use_default_mapping=use_default_mapping,
        sandbox=sandbox,
        check_template=check_template,
    )
