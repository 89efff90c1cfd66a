"""Apache Airflow integration: ``pip install 'segment-sendgrid[airflow]'``.

* :class:`SendGridHook` builds a ``segment_sendgrid.Client`` from an Airflow connection of
  type ``sendgrid`` (API key in the password; ``endpoint``, ``timeout``, ``max_retries``,
  ``max_concurrency`` and ``user_agent`` in the extra JSON).
* :class:`SendGridUpsertContactsOperator` and :class:`SendGridSendDynamicTemplatesOperator`
  run a batch and return its report (XCom).
* :class:`SendGridSyncListOperator` adds, removes or mirrors list members (a mirror
  guarded by ``max_removals``); :class:`SendGridDeleteContactsOperator` deletes
  contacts, guarded by ``max_deletes``.

The names load lazily, so ``import segment_sendgrid`` (and this package's ``provider``
module, which Airflow reads) never imports Airflow. Works with Airflow 2.10+ and 3.x.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segment_sendgrid.airflow.hooks import SendGridHook
    from segment_sendgrid.airflow.list_operators import (
        SendGridDeleteContactsOperator,
        SendGridSyncListOperator,
    )
    from segment_sendgrid.airflow.operators import (
        SendGridSendDynamicTemplatesOperator,
        SendGridUpsertContactsOperator,
    )

__all__ = [
    "SendGridDeleteContactsOperator",
    "SendGridHook",
    "SendGridSendDynamicTemplatesOperator",
    "SendGridSyncListOperator",
    "SendGridUpsertContactsOperator",
]

_LAZY = {
    "SendGridDeleteContactsOperator": "segment_sendgrid.airflow.list_operators",
    "SendGridHook": "segment_sendgrid.airflow.hooks",
    "SendGridSyncListOperator": "segment_sendgrid.airflow.list_operators",
    "SendGridSendDynamicTemplatesOperator": "segment_sendgrid.airflow.operators",
    "SendGridUpsertContactsOperator": "segment_sendgrid.airflow.operators",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
