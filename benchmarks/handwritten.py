"""Segment's Upsert Contact default mapping written by hand in plain Python.

This is what a user would write without segment_sendgrid: dictionary lookups
with the traits → properties fallback of ``default_mapping("upsert_contact")``.
It is the baseline the benchmarks compare ``Mapping.apply_many`` against.
"""

from __future__ import annotations

from typing import Any

# payload field → path under traits/properties
_FIELDS: list[tuple[str, tuple[str, ...]]] = [
    ("first_name", ("first_name",)),
    ("last_name", ("last_name",)),
    ("country", ("address", "country")),
    ("postal_code", ("address", "postal_code")),
    ("city", ("address", "city")),
    ("state", ("address", "state")),
    ("address_line_1", ("address", "line1")),
    ("address_line_2", ("address", "line2")),
    ("phone_number", ("phone",)),
    ("whatsapp", ("whatsapp",)),
    ("line", ("line",)),
    ("facebook", ("facebook",)),
    ("unique_name", ("unique_name",)),
    ("primary_email", ("email",)),
    ("phone_number_id", ("phone",)),
    ("external_id", ("external_id",)),
]


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def map_upsert_contact(event: dict[str, Any]) -> dict[str, Any]:
    traits = event.get("traits") or {}
    properties = event.get("properties") or {}
    payload: dict[str, Any] = {"enable_batching": True}
    for name, path in _FIELDS:
        value = _get(traits, path)
        if value is None:
            value = _get(properties, path)
        if value is not None:
            payload[name] = value
    anonymous_id = event.get("anonymousId")
    if anonymous_id is not None:
        payload["anonymous_id"] = anonymous_id
    return payload


_NOT_COPIED = frozenset(("state", "primary_email", "enable_batching", "customFields", "list_ids"))


def contact_from_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The SendGrid contact Segment's ``convertPayload`` builds from a payload.

    Key order as Segment's: the payload's keys minus the renamed/dropped ones, then
    ``state_province_region``, ``email`` and ``custom_fields`` (none in the default mapping).
    """
    contact = {k: v for k, v in payload.items() if k not in _NOT_COPIED}
    if "state" in payload:
        contact["state_province_region"] = payload["state"]
    if "primary_email" in payload:
        contact["email"] = payload["primary_email"]
    contact["custom_fields"] = {}
    return contact
