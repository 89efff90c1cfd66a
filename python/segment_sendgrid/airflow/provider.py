"""Airflow provider metadata, found through the ``apache_airflow_provider`` entry point.

Airflow calls :func:`get_provider_info` to learn the ``sendgrid`` connection type (its hook
and, on Airflow 3.2+, its form fields), so the connection shows up in the UI with the
right fields and a working Test button. Importing this module does not import Airflow.
"""

from __future__ import annotations

from typing import Any

from segment_sendgrid import __version__
from segment_sendgrid.airflow._common import (
    CONN_TYPE,
    EXTRA_FIELDS,
    UI_HIDDEN_FIELDS,
    UI_PLACEHOLDERS,
    UI_RELABELING,
)

__all__ = ["HOOK_CLASS_NAME", "PACKAGE_NAME", "get_provider_info"]

#: The distribution name; Airflow checks it against the entry point's distribution.
PACKAGE_NAME = "segment-sendgrid"
HOOK_CLASS_NAME = "segment_sendgrid.airflow.hooks.SendGridHook"
HOOK_NAME = "SendGrid (segment-sendgrid)"

_SCHEMAS: dict[str, dict[str, Any]] = {
    "endpoint": {"type": ["string", "null"], "default": "global"},
    "timeout": {"type": ["number", "null"], "default": 30, "exclusiveMinimum": 0},
    "max_retries": {"type": ["integer", "null"], "default": 5, "minimum": 0},
    "max_concurrency": {"type": ["integer", "null"], "default": 4, "minimum": 1},
}


def _conn_fields() -> dict[str, Any]:
    return {
        name: {"label": label, "description": description, "schema": dict(_SCHEMAS[name])}
        for name, (label, description) in EXTRA_FIELDS.items()
    }


def get_provider_info() -> dict[str, Any]:
    """The provider description Airflow's ProvidersManager reads."""
    return {
        "package-name": PACKAGE_NAME,
        "name": "SendGrid (Segment actions)",
        "description": (
            "Upsert SendGrid Marketing Campaigns contacts and send Dynamic Template mail "
            "with Segment's SendGrid (Actions) mappings, from a Rust core."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "SendGrid (segment-sendgrid)",
                "external-doc-url": "https://pypi.org/project/segment-sendgrid/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "SendGrid (segment-sendgrid)",
                "python-modules": ["segment_sendgrid.airflow.hooks"],
            }
        ],
        "operators": [
            {
                "integration-name": "SendGrid (segment-sendgrid)",
                "python-modules": [
                    "segment_sendgrid.airflow.operators",
                    "segment_sendgrid.airflow.list_operators",
                ],
            }
        ],
        "connection-types": [
            {
                "hook-class-name": HOOK_CLASS_NAME,
                "connection-type": CONN_TYPE,
                "hook-name": HOOK_NAME,
                # Read by Airflow 3.2+ instead of the hook's form methods.
                "conn-fields": _conn_fields(),
                "ui-field-behaviour": {
                    "hidden-fields": list(UI_HIDDEN_FIELDS),
                    "relabeling": dict(UI_RELABELING),
                    "placeholders": dict(UI_PLACEHOLDERS),
                },
            }
        ],
    }
