"""Type stubs of the Rust extension module ``segment_sendgrid._native``."""

from typing import Any, final

__all__ = [
    "DEBUG_BUILD",
    "AsyncClient",
    "BatchReport",
    "Client",
    "ImportJob",
    "RecordFailure",
    "SendResult",
    "UpsertResult",
    "__version__",
]

__version__: str
DEBUG_BUILD: bool

@final
class Client:
    """A SendGrid client whose methods block (with the GIL released).

    Pickling stores the configuration including the API key.
    """

    def __new__(
        cls,
        api_key: str | None = None,
        *,
        endpoint: str = "global",
        timeout: float = 30.0,
        max_retries: int = 5,
        max_concurrency: int = 4,
        user_agent: str | None = None,
    ) -> Client: ...
    @property
    def base_url(self) -> str: ...
    def check(self) -> list[str]: ...
    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]: ...

@final
class AsyncClient:
    """A SendGrid client whose methods return awaitables.

    Pickling stores the configuration including the API key.
    """

    def __new__(
        cls,
        api_key: str | None = None,
        *,
        endpoint: str = "global",
        timeout: float = 30.0,
        max_retries: int = 5,
        max_concurrency: int = 4,
        user_agent: str | None = None,
    ) -> AsyncClient: ...
    @property
    def base_url(self) -> str: ...
    async def check(self) -> list[str]: ...
    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]: ...

@final
class RecordFailure:
    """One record of a batch that was not accepted."""

    @property
    def index(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def status_code(self) -> int | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def retryable(self) -> bool: ...
    def __new__(
        cls,
        index: int,
        reason: str,
        status_code: int | None = None,
        field: str | None = None,
        outcome: str = "invalid",
        retryable: bool = False,
    ) -> RecordFailure: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __getnewargs__(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class ImportJob:
    """The final state of one contacts import job."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def requested(self) -> int: ...
    @property
    def created(self) -> int: ...
    @property
    def updated(self) -> int: ...
    @property
    def errored(self) -> int: ...
    @property
    def errors_url(self) -> str | None: ...
    def __new__(
        cls,
        id: str,
        status: str,
        requested: int = 0,
        created: int = 0,
        updated: int = 0,
        errored: int = 0,
        errors_url: str | None = None,
    ) -> ImportJob: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __getnewargs__(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class BatchReport:
    """The result of a batch call: ``accepted + len(failed) == total``."""

    @property
    def total(self) -> int: ...
    @property
    def accepted(self) -> int: ...
    @property
    def failed(self) -> list[RecordFailure]: ...
    @property
    def job_ids(self) -> list[str]: ...
    @property
    def message_ids(self) -> list[str | None]: ...
    @property
    def requests(self) -> int: ...
    @property
    def retries(self) -> int: ...
    @property
    def imports(self) -> list[ImportJob]: ...
    def __new__(
        cls,
        total: int = 0,
        accepted: int = 0,
        failed: list[RecordFailure] = ...,
        job_ids: list[str] = ...,
        message_ids: list[str | None] = ...,
        requests: int = 0,
        retries: int = 0,
        imports: list[ImportJob] = ...,
    ) -> BatchReport: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __getnewargs__(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class UpsertResult:
    """A single upsert: SendGrid queued import job ``job_id``."""

    @property
    def job_id(self) -> str: ...
    @property
    def status_code(self) -> int: ...
    def __new__(cls, job_id: str, status_code: int) -> UpsertResult: ...
    def __getnewargs__(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class SendResult:
    """A single send: ``message_id`` from ``X-Message-Id`` (None in sandbox mode)."""

    @property
    def message_id(self) -> str | None: ...
    @property
    def status_code(self) -> int: ...
    def __new__(cls, message_id: str | None, status_code: int) -> SendResult: ...
    def __getnewargs__(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...
