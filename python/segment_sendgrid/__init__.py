"""segment_sendgrid: Segment's SendGrid (Actions) destination as a library.

Upsert Marketing Campaigns contacts and send Dynamic Template mail from Python
pipelines, with Segment's mappings and validation and a Rust core.
"""

from __future__ import annotations

import logging
import warnings

from segment_sendgrid._native import (
    DEBUG_BUILD,
    AsyncClient,
    BatchReport,
    Client,
    ImportJob,
    Mapping,
    RecordFailure,
    SendResult,
    UpsertResult,
    __version__,
    default_mapping,
    transform,
)
from segment_sendgrid._shortcuts import send_dynamic_template, upsert_contact
from segment_sendgrid.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    ForbiddenError,
    LimitExceededError,
    MappingError,
    PayloadTooLargeError,
    PayloadValidationError,
    RateLimitError,
    SendGridError,
    ServerError,
    TransportError,
)

# A library's records are the application's to show: without logging
# configured, Python's last-resort handler would print our warnings on stderr.
logging.getLogger("segment_sendgrid").addHandler(logging.NullHandler())

if DEBUG_BUILD:
    warnings.warn(
        "segment_sendgrid was built in debug mode and runs many times slower; "
        "build it with `maturin build --release` (pip install does this).",
        RuntimeWarning,
        stacklevel=2,
    )

__all__ = [
    "ApiError",
    "AsyncClient",
    "AuthenticationError",
    "BatchReport",
    "Client",
    "ConfigError",
    "ForbiddenError",
    "ImportJob",
    "LimitExceededError",
    "Mapping",
    "MappingError",
    "PayloadTooLargeError",
    "PayloadValidationError",
    "RateLimitError",
    "RecordFailure",
    "SendGridError",
    "SendResult",
    "ServerError",
    "TransportError",
    "UpsertResult",
    "__version__",
    "default_mapping",
    "send_dynamic_template",
    "transform",
    "upsert_contact",
]
