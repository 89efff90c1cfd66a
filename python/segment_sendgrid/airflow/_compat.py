"""Airflow imports that work on Airflow 3 (``airflow.sdk``) and on Airflow 2.10+.

Importing this module without Apache Airflow raises an ImportError that says which
extra to install. Type checkers see the Airflow 3 names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

INSTALL_HINT = (
    "segment_sendgrid.airflow needs Apache Airflow 2.10 or later: "
    "pip install 'segment-sendgrid[airflow]'"
)

if TYPE_CHECKING:
    from airflow.sdk import BaseHook, BaseOperator, Context
    from airflow.sdk.exceptions import AirflowException, AirflowNotFoundException
else:
    try:
        from airflow.exceptions import AirflowException, AirflowNotFoundException
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(INSTALL_HINT) from error
    try:  # Airflow 3: the task SDK
        from airflow.sdk import BaseHook, BaseOperator, Context
    except ImportError:  # Airflow 2.10 / 2.11
        from airflow.hooks.base import BaseHook
        from airflow.models.baseoperator import BaseOperator
        from airflow.utils.context import Context

__all__ = [
    "INSTALL_HINT",
    "AirflowException",
    "AirflowNotFoundException",
    "BaseHook",
    "BaseOperator",
    "Context",
    "mask_secret",
]

_MASKERS = (
    "airflow.sdk.log",  # Airflow 3.1+
    "airflow.sdk.execution_time.secrets_masker",  # Airflow 3.0
    "airflow.utils.log.secrets_masker",  # Airflow 2
)


def mask_secret(secret: str) -> None:
    """Register ``secret`` with Airflow's log masker (Airflow also does this itself)."""
    for module in _MASKERS:
        try:
            mask: Any = importlib.import_module(module).mask_secret
        except (ImportError, AttributeError):
            continue
        mask(secret)
        return
