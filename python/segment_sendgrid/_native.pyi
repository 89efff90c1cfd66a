"""Type stubs of the Rust extension module ``segment_sendgrid._native``."""

from collections.abc import Iterable, Sequence
from collections.abc import Mapping as Mapping_
from types import TracebackType
from typing import Any, TypeAlias, final

__all__ = [
    "DEBUG_BUILD",
    "AsyncClient",
    "BatchReport",
    "Client",
    "FakeSendGrid",
    "ImportJob",
    "Mapping",
    "RecordFailure",
    "SendResult",
    "UpsertResult",
    "__version__",
    "default_mapping",
    "transform",
]

__version__: str
DEBUG_BUILD: bool

# An event: a mapping, or its JSON text (a JSONL line), parsed in Rust.
_Event: TypeAlias = Mapping_[str, Any] | str | bytes

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
        max_rate_limit_wait: float = 600.0,
        allow_insecure_http: bool = False,
    ) -> Client: ...
    @property
    def base_url(self) -> str: ...
    def check(self) -> list[str]: ...
    def upsert_contact(
        self,
        event: _Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: Sequence[str] | None = None,
    ) -> UpsertResult: ...
    def upsert_contacts(
        self,
        events: Iterable[_Event],
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: Sequence[str] | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
    ) -> BatchReport: ...
    def send_dynamic_template(
        self,
        event: _Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
    ) -> SendResult: ...
    def send_dynamic_templates(
        self,
        events: Iterable[_Event],
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
        merge: bool = True,
        retry_ambiguous: bool = False,
        dry_run: bool = False,
    ) -> BatchReport: ...
    def template_variables(self, template_id: str) -> list[str]: ...
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
        max_rate_limit_wait: float = 600.0,
        allow_insecure_http: bool = False,
    ) -> AsyncClient: ...
    @property
    def base_url(self) -> str: ...
    async def check(self) -> list[str]: ...
    async def upsert_contact(
        self,
        event: _Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: Sequence[str] | None = None,
    ) -> UpsertResult: ...
    async def upsert_contacts(
        self,
        events: Iterable[_Event],
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: Sequence[str] | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
    ) -> BatchReport: ...
    async def send_dynamic_template(
        self,
        event: _Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
    ) -> SendResult: ...
    async def send_dynamic_templates(
        self,
        events: Iterable[_Event],
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
        merge: bool = True,
        retry_ambiguous: bool = False,
        dry_run: bool = False,
    ) -> BatchReport: ...
    async def template_variables(self, template_id: str) -> list[str]: ...
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
    @property
    def request_bodies(self) -> list[str]: ...
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
        request_bodies: list[str] = ...,
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

@final
class Mapping:
    """A Segment mapping compiled once, applied to many records."""

    def __new__(cls, mapping: Mapping_[str, Any]) -> Mapping: ...
    def apply(self, record: Mapping_[str, Any]) -> Any: ...
    def apply_many(self, records: Iterable[Mapping_[str, Any]]) -> list[Any]: ...
    def __getnewargs__(self) -> tuple[Any, ...]: ...

def transform(mapping: Mapping_[str, Any], data: Mapping_[str, Any]) -> Any: ...
def default_mapping(action: str) -> dict[str, Any]: ...

@final
class FakeSendGrid:
    """A SendGrid look-alike served from Rust on 127.0.0.1 in this process.

    Use it as a context manager or call ``start()``/``stop()``. ``scopes=None``
    grants every scope; otherwise endpoints outside the list answer 403.
    """

    def __new__(
        cls,
        *,
        api_key: str = "SG.fake-key",
        scopes: list[str] | None = None,
        port: int = 0,
        latency_ms: int = 0,
        import_delay_ms: int = 0,
    ) -> FakeSendGrid: ...
    def start(self) -> FakeSendGrid: ...
    def stop(self) -> None: ...
    def __enter__(self) -> FakeSendGrid: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool: ...
    @property
    def url(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def api_key(self) -> str: ...
    @property
    def running(self) -> bool: ...
    def client(self, **kwargs: Any) -> Client: ...
    def add_custom_field(self, name: str, field_type: str = "Text") -> str: ...
    def add_list(self, name: str) -> str: ...
    def add_template(
        self,
        name: str,
        versions: list[dict[str, Any]] | None = None,
        generation: str = "dynamic",
    ) -> str: ...
    def add_ip_pool(self, name: str) -> None: ...
    def add_suppression_group(self, name: str) -> int: ...
    def add_domain(self, domain: str, valid: bool = True) -> int: ...
    def contacts(self) -> list[dict[str, Any]]: ...
    def messages(self) -> list[dict[str, Any]]: ...
    def requests(self) -> list[dict[str, Any]]: ...
    def import_jobs(self) -> list[dict[str, Any]]: ...
    def reset(self) -> None: ...
    def fail_next(
        self,
        path: str,
        status: int = 500,
        count: int = 1,
        body: Any = None,
        after_processing: bool = False,
    ) -> None: ...
    def drop_next(self, path: str, count: int = 1) -> None: ...
    def set_latency(self, ms: int) -> None: ...
    def set_rate_limit(self, limit: int, window_s: float, path: str | None = None) -> None: ...
    def set_download_base(self, base: str | None) -> None: ...
