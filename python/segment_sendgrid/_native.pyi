"""Type stubs of the Rust extension module ``segment_sendgrid._native``."""

from typing import Any, final

__all__ = ["DEBUG_BUILD", "AsyncClient", "Client", "__version__"]

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
