"""Type stubs of the Rust extension module ``segment_sendgrid._native``.

Everything here is re-exported by ``segment_sendgrid`` (and ``FakeSendGrid`` by
``segment_sendgrid.testing``); import it from there. The types the stubs use
(``Event``, ``Outcome``, the ``TypedDict`` of each ``to_dict()``) live in
``segment_sendgrid.types``.
"""

import os
from collections.abc import Callable, Iterable
from collections.abc import Mapping as Mapping_
from types import TracebackType
from typing import Any, Literal, final

from segment_sendgrid.types import (
    ActionName,
    ArrowStreamExportable,
    BatchReportDict,
    Event,
    Events,
    ImportJobDict,
    Outcome,
    RecordFailureDict,
    SyncMode,
)

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
    "nest_column_names",
    "parquet_row_count",
    "read_parquet",
    "read_parquet_rows",
    "transform",
]

__version__: str
"""The package version (the Rust crate's version)."""

DEBUG_BUILD: bool
"""Whether the extension was built without ``--release`` (many times slower; importing
``segment_sendgrid`` then warns)."""

@final
class Client:
    """A SendGrid client whose methods block, with the GIL released while they wait.

    Other Python threads keep running during a call and Ctrl-C interrupts it. The client
    owns one connection pool that every call reuses; it is safe to share between threads.
    The API key never appears in ``repr``, logs or exception text. Fork-safe: in a forked
    child the client opens its own connection pool on first use.

    Ctrl-C during a batch stops it at once: no request starts after it, those in flight end
    (at most ``timeout``), and ``KeyboardInterrupt`` is raised with ``.report`` accounting for
    every record read (``not_sent`` if never sent, ``unknown`` if its request got no answer).
    ``KeyboardInterrupt`` or ``SystemExit`` raised by the input (a generator, a ``Mapping``)
    does the same.

    Pickling stores the configuration **including the API key** (so a client can be
    shipped to Spark or Dask workers, each unpickling its own pool): protect pickles like
    the key itself.
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
    ) -> Client:
        """Validates the configuration and creates the connection pool; sends nothing.

        Arguments:
            api_key: The SendGrid API key; ``None`` reads ``SENDGRID_API_KEY``.
            endpoint: ``"global"`` (``https://api.sendgrid.com``), ``"eu"``
                (``https://api.eu.sendgrid.com``) or an ``http(s)://`` base URL without
                ``?query`` or ``#fragment``.
            timeout: Seconds per request, more than 0 and at most 86,400.
            max_retries: Retries per request (0 or more): of 429, and of 5xx, timeouts and
                connection errors where resending is safe.
            max_concurrency: Requests in flight at once in batch calls (1 or more).
            user_agent: The ``User-Agent`` header; ``None`` for
                ``segment-sendgrid/<version> (python)``.
            max_rate_limit_wait: Seconds one call (a single send or upsert, or a whole
                batch) may spend waiting on rate limits in all, 0 to 86,400; past it,
                requests that would wait fail as 429.
            allow_insecure_http: Accept a plain ``http://`` endpoint on another host than
                this machine (``localhost``, ``127.0.0.0/8`` and ``::1`` are always
                accepted); the key would cross the network in clear text.

        Raises:
            ConfigError: The key is missing or blank, the endpoint is not one of the forms
                above (or is plain ``http://`` to another host without
                ``allow_insecure_http``), or a number is out of range.
            TypeError: An argument has the wrong type (the message names it); ``bool`` is
                not accepted as a number, nor a number as a ``bool``.
        """
    @property
    def base_url(self) -> str:
        """The base URL every request goes to, e.g. ``"https://api.sendgrid.com"`` (a
        ``user:password@`` in it shown as ``***@``)."""
    def check(self) -> list[str]:
        """Proves key, endpoint and network with ``GET /v3/scopes``.

        Returns:
            The scopes of the API key.

        Raises:
            AuthenticationError: The key is wrong or revoked (401).
            ApiError: Any other non-2xx answer (its subclass names the status).
            TransportError: No answer (connection refused, timeout).
        """
    def upsert_contact(
        self,
        event: Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: list[str] | tuple[str, ...] | None = None,
    ) -> UpsertResult:
        """Upserts one Marketing Campaigns contact mapped from ``event``.

        Arguments:
            event: A Segment event (a mapping), or its JSON text as ``str`` or ``bytes``.
            mapping: A Segment mapping (a dict, or a compiled ``Mapping``) of Upsert
                Contact's fields; applied over the default mapping unless
                ``use_default_mapping`` is false.
            use_default_mapping: Start from Segment's default mapping of the action.
            list_ids: Marketing Campaigns list ids for the contact, when its payload has no
                ``list_ids``.

        Returns:
            The import job SendGrid queued (a ``202``): the contact is queued, not yet
            stored. Use ``upsert_contacts(..., wait=True)`` to verify it was stored.

        Raises:
            PayloadValidationError: The mapped contact is invalid, e.g. it has no
                identifier or names an unknown custom field (``.field`` names the field);
                also for text that is not a JSON object.
            MappingError: The mapping cannot compile or apply.
            ApiError: SendGrid refused the request (its subclass names the status).
            TransportError: No answer (``.maybe_sent`` tells whether it may have arrived).
            TypeError: ``event`` is neither a mapping nor text, or an argument has the
                wrong type.
        """
    def upsert_contacts(
        self,
        events: Events,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: list[str] | tuple[str, ...] | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
        on_request_body: Callable[[str], object] | None = None,
    ) -> BatchReport:
        """Upserts a contact per event, in requests of up to 30,000 contacts and 6 MB.

        ``events`` is streamed: it is read only as fast as requests go out. A record that
        fails (invalid, refused by SendGrid, not sent) never raises; it is in the report's
        ``failed`` with its input index.

        Arguments:
            events: Any iterable of events: mappings, or their JSON text as ``str`` or
                ``bytes`` (parsed in Rust with the GIL released, as far as the mapping
                reads). Text that is not a JSON object fails as that record alone. Or a
                table (``segment_sendgrid.types.Table``: pyarrow, pandas, polars, DuckDB):
                its rows are the events, read batch by batch in Rust.
            mapping: As in :meth:`upsert_contact`.
            use_default_mapping: As in :meth:`upsert_contact`.
            list_ids: As in :meth:`upsert_contact`; records with different lists never
                share a request.
            wait: Follow every import job to its end and move the records a job did not
                store from accepted to ``failed`` (``outcome="rejected"``); the jobs'
                final states are in ``BatchReport.imports``.
            wait_timeout: Seconds to follow the import jobs (more than 0, at most 86,400);
                a job still pending then is reported with status ``"timeout"``.
            dry_run: Map, validate and batch as usual but send no data: the request bodies
                are in ``BatchReport.request_bodies`` and the records count as accepted
                (look-ups such as the custom field definitions still ``GET``).
            on_request_body: With ``dry_run=True``, a callable given each request body
                (``str``) as it is made, in order, instead of keeping them in
                ``BatchReport.request_bodies`` (which stays empty): a dry run of any size
                then holds one body at a time. An exception it raises stops the run and is
                raised with ``.report``.

        Returns:
            The per-record report: ``accepted + len(failed) == total``.

        Raises:
            AuthenticationError: The key is wrong (401): the run stops; ``.report`` holds
                the partial report, records not sent being ``not_sent``.
            ForbiddenError: The key lacks a scope (403), likewise with ``.report``.
            SendGridError: Another problem of the whole run (e.g. a look-up that keeps
                failing), likewise with ``.report``.
            MappingError: The mapping cannot compile (before anything is read), or a table
                column it reads has no JSON form (binary, say), or the table's column
                names do not nest (before anything is sent).
            ConfigError: ``wait_timeout`` is out of range.
            TypeError: ``events`` is not iterable, or an argument has the wrong type.
            Exception: An exception raised by the ``events`` iterable is re-raised, with
                ``.report`` attached, once the records read before it are settled.
        """
    def send_dynamic_template(
        self,
        event: Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
    ) -> SendResult:
        """Sends one Dynamic Template mail mapped from ``event`` (``POST /v3/mail/send``).

        Arguments:
            event: A Segment event (a mapping), or its JSON text as ``str`` or ``bytes``.
            mapping: A Segment mapping (a dict, or a compiled ``Mapping``) of Send Email's
                fields (``from``, ``to``, ``template_id``, ``dynamic_template_data`` …);
                applied over the default mapping unless ``use_default_mapping`` is false.
            use_default_mapping: Start from Segment's default mapping of the action.
            sandbox: SendGrid's sandbox mode: the mail is validated, not delivered.
            check_template: Look the template up first (once per client) and refuse a
                missing template, a legacy one or one without an active version, which
                SendGrid would accept with a 202 and then drop.

        Returns:
            The ``202`` (``200`` in sandbox mode) and the ``X-Message-Id``.

        Raises:
            PayloadValidationError: The mapped mail is invalid, or its template was
                refused by ``check_template`` (``.field`` names the field); also for text
                that is not a JSON object.
            MappingError: The mapping cannot compile or apply.
            ApiError: SendGrid refused the request or the template look-up (its subclass
                names the status).
            TransportError: No answer (``.maybe_sent`` tells whether it may have arrived;
                a mail is never resent after it may have arrived).
            TypeError: ``event`` is neither a mapping nor text, or an argument has the
                wrong type.
        """
    def send_dynamic_templates(
        self,
        events: Events,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
        merge: bool = True,
        retry_ambiguous: bool = False,
        dry_run: bool = False,
        on_request_body: Callable[[str], object] | None = None,
    ) -> BatchReport:
        """Sends a Dynamic Template mail per event.

        ``events`` is streamed: it is read only as fast as requests go out. A record that
        fails never raises; it is in the report's ``failed`` with its input index. A 400 on
        a shared request is narrowed down to the records at fault, and the rest sent again.

        Arguments:
            events: Any iterable of events: mappings, or their JSON text as ``str`` or
                ``bytes``. Text that is not a JSON object fails as that record alone.
            mapping: As in :meth:`send_dynamic_template`.
            use_default_mapping: As in :meth:`send_dynamic_template`.
            sandbox: As in :meth:`send_dynamic_template`.
            check_template: As in :meth:`send_dynamic_template`.
            merge: Records whose message-level fields are all equal share a request (up
                to 1,000 personalizations).
            retry_ambiguous: Resend after a 5xx or a timeout, although the mail may have
                been sent (it may then arrive twice). By default such records are
                ``failed`` with ``outcome="unknown"``.
            dry_run: Map, validate and batch as usual but send no mail: the request bodies
                are in ``BatchReport.request_bodies`` and the records count as accepted
                (the template look-up still ``GET``\\ s unless ``check_template=False``).
            on_request_body: With ``dry_run=True``, a callable given each request body
                (``str``) as it is made, in order, instead of keeping them in
                ``BatchReport.request_bodies`` (which stays empty): a dry run of any size
                then holds one body at a time. An exception it raises stops the run and is
                raised with ``.report``.

        Returns:
            The per-record report: ``accepted + len(failed) == total``, and
            ``message_ids`` holds one entry per input record.

        Raises:
            AuthenticationError: The key is wrong (401): the run stops; ``.report`` holds
                the partial report, records not sent being ``not_sent``.
            ForbiddenError: The key lacks a scope (403), likewise with ``.report``.
            SendGridError: Another problem of the whole run, likewise with ``.report``.
            MappingError: The mapping cannot compile (before anything is read), or a table
                column it reads has no JSON form (binary, say), or the table's column
                names do not nest (before anything is sent).
            TypeError: ``events`` is not iterable, or an argument has the wrong type.
            Exception: An exception raised by the ``events`` iterable is re-raised, with
                ``.report`` attached, once the records read before it are settled.
        """
    def sync_list(
        self,
        events: Events,
        *,
        list_id: str | None = None,
        list_name: str | None = None,
        create_list: bool = True,
        mode: SyncMode = "add",
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        max_removals: int | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
    ) -> BatchReport:
        """Adds, removes or mirrors the members of a Marketing Campaigns list (Segment's
        *SendGrid Lists (Actions)*).

        Records are mapped with Segment's ``syncAudience`` fields (``identifiers``,
        ``user_attributes``, ``custom_text_fields``, ``custom_number_fields``,
        ``custom_date_fields``, ``external_audience_id``, ``segment_audience_key``,
        ``traits_or_props``) and checked as Segment checks them. Joining members are
        upserted into the list (as :meth:`upsert_contacts` does, its limits and
        ``wait``); leaving members are looked up by identifier and removed from the list
        (``DELETE /v3/marketing/lists/{id}/contacts``, 100 ids per request): their
        contacts stay.

        Arguments:
            events: As in :meth:`upsert_contacts` (streamed, except for ``mirror``, which
                reads the whole input before its first change and keeps it on disk past
                64 MB).
            list_id: The list. Or ``list_name``; or neither: each event names its list
                (``context.personas.external_audience_id``), as Segment's do.
            list_name: A list found by exact name (every page is read), created when
                missing unless ``create_list=False``.
            create_list: See ``list_name``.
            mode: ``"add"``: every record joins. ``"remove"``: every record leaves.
                ``"mirror"``: the list ends up holding exactly the records; members that
                no record names (by any identifier) leave. ``"segment"``: each record says,
                as Segment's audience events do (it joins when
                ``traits_or_props[segment_audience_key]`` is ``True``).
            mapping: A Segment mapping over the default one (``use_default_mapping``).
            use_default_mapping: Apply ``mapping`` over Segment's ``syncAudience``
                defaults (email from ``traits.email``, names and address from traits or
                properties, the audience fields from ``context.personas``).
            max_removals: Required for ``mirror``: the most members it may remove. A
                mirror that would remove more raises :class:`LimitExceededError` before
                any request that changes anything.
            wait: Follow the joining members' import jobs (as in :meth:`upsert_contacts`).
            wait_timeout: Seconds to follow import jobs and, for ``mirror``, to wait for
                the list's export.
            dry_run: Read, look up and plan, change nothing: ``request_bodies`` holds the
                upsert bodies and the DELETE request lines, ``removed`` what would leave.

        Returns:
            The per-record report; ``removed`` counts members removed (``not_removed``
            those a mirror's removal request failed for: they are not input records).

        Raises:
            LimitExceededError: ``mirror`` over ``max_removals``; nothing was changed.
            ConfigError: A bad argument (before anything is read), or ``list_name`` not
                found with ``create_list=False``.
            AuthenticationError, ForbiddenError, SendGridError: A problem of the whole
                run, with the partial report as ``.report``.
            MappingError, TypeError: As for :meth:`upsert_contacts`.
        """
    def delete_contacts(
        self,
        events: Events,
        *,
        max_deletes: int,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
    ) -> BatchReport:
        """Deletes the contacts the events name (``DELETE /v3/marketing/contacts``).

        Records are mapped as for :meth:`sync_list` (only ``identifiers`` matter); every
        contact any identifier of a record finds is deleted. The whole input is read and
        looked up first: more than ``max_deletes`` contacts raises
        :class:`LimitExceededError` having deleted nothing. A record whose identifiers
        find no contact is accepted (nothing to delete).

        Arguments:
            events: As in :meth:`upsert_contacts`.
            max_deletes: The most contacts the call may delete.
            mapping: As in :meth:`sync_list`.
            use_default_mapping: As in :meth:`sync_list`.
            wait: Follow the deletion jobs (``GET /v3/marketing/contacts/imports/{id}``,
                in ``BatchReport.imports``); records of a job that did not complete fail.
            wait_timeout: Seconds to follow the jobs.
            dry_run: Look up and plan; ``request_bodies`` holds the DELETE request lines,
                ``deleted`` what would be deleted.

        Returns:
            The per-record report; ``job_ids`` the deletion jobs, ``deleted`` the
            contacts deleted.

        Raises:
            LimitExceededError: Over ``max_deletes``; nothing was deleted.
            AuthenticationError, ForbiddenError, SendGridError: A problem of the whole
                run, with the partial report as ``.report``.
            MappingError, ConfigError, TypeError: As for :meth:`upsert_contacts`.
        """
    def template_variables(self, template_id: str) -> list[str]:
        """The variables the active version of a dynamic template uses.

        Arguments:
            template_id: A dynamic template id (``"d-…"``) or Segment's
                ``"Name - Version [d-…]"`` form.

        Returns:
            The variable names its subject, HTML and plain-text content read.

        Raises:
            PayloadValidationError: The id is not a dynamic template id (``"d-…"``), or
                the template is missing, legacy or without an active version.
            ApiError: The look-up failed (e.g. 403 for a key without template read
                access).
            TransportError: No answer.
        """
    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` that rebuild an equal client: pickling carries the key."""

@final
class AsyncClient:
    """A SendGrid client whose methods return awaitables (asyncio).

    Same configuration and behaviour as :class:`Client` (fork-safe too). Each method
    returns a coroutine that starts nothing until awaited, so ``asyncio.run(client.check())``
    works. Batch methods read and map the whole ``events`` iterable before the first request
    (use :class:`Client` to stream a large input); an exception of the input is raised with
    ``.report`` (every record read ``not_sent``). Cancelling the task awaiting a batch stops
    it: no request starts after that, the task waits for those in flight (at most
    ``timeout``) and the ``CancelledError`` carries ``.report``, accounting for every record.

    Pickling stores the configuration **including the API key**; the unpickled client
    opens a fresh pool.
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
    ) -> AsyncClient:
        """Validates the configuration; the arguments are those of :class:`Client`.

        Raises:
            ConfigError: As for :class:`Client`.
            TypeError: An argument has the wrong type (the message names it).
        """
    @property
    def base_url(self) -> str:
        """The base URL every request goes to, e.g. ``"https://api.sendgrid.com"`` (a
        ``user:password@`` in it shown as ``***@``)."""
    async def check(self) -> list[str]:
        """Awaitable :meth:`Client.check`: the scopes of the API key (``GET /v3/scopes``).

        Raises:
            AuthenticationError: The key is wrong or revoked (401).
            ApiError: Any other non-2xx answer.
            TransportError: No answer.
        """
    async def upsert_contact(
        self,
        event: Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: list[str] | tuple[str, ...] | None = None,
    ) -> UpsertResult:
        """Awaitable :meth:`Client.upsert_contact`, with the same arguments.

        ``event`` is mapped when the method is called: a bad event or mapping raises then,
        before the coroutine exists.

        Returns:
            The import job SendGrid queued.

        Raises:
            PayloadValidationError, MappingError, ConfigError, TypeError: At the call, as
                for :meth:`Client.upsert_contact`.
            ApiError: When awaited: SendGrid refused the request.
            TransportError: When awaited: no answer.
        """
    async def upsert_contacts(
        self,
        events: Events,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        list_ids: list[str] | tuple[str, ...] | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
        on_request_body: Callable[[str], object] | None = None,
    ) -> BatchReport:
        """Awaitable :meth:`Client.upsert_contacts`, with the same arguments.

        ``events`` is read and mapped in full when the method is called (an exception of
        the iterable raises then, before anything is sent); the requests go out when the
        coroutine is awaited.

        Returns:
            The per-record report: ``accepted + len(failed) == total``.

        Raises:
            AuthenticationError, ForbiddenError, SendGridError: When awaited, a problem of
                the whole run, with the partial report as ``.report``.
            MappingError, ConfigError, TypeError: At the call, as for
                :meth:`Client.upsert_contacts`.
        """
    async def send_dynamic_template(
        self,
        event: Event,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
    ) -> SendResult:
        """Awaitable :meth:`Client.send_dynamic_template`, with the same arguments.

        ``event`` is mapped when the method is called: a bad event or mapping raises then.

        Returns:
            The ``202`` (``200`` in sandbox mode) and the ``X-Message-Id``.

        Raises:
            PayloadValidationError, MappingError, TypeError: At the call, as for
                :meth:`Client.send_dynamic_template`.
            ApiError: When awaited: SendGrid refused the request or the template look-up.
            TransportError: When awaited: no answer.
        """
    async def send_dynamic_templates(
        self,
        events: Events,
        *,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        sandbox: bool = False,
        check_template: bool = True,
        merge: bool = True,
        retry_ambiguous: bool = False,
        dry_run: bool = False,
        on_request_body: Callable[[str], object] | None = None,
    ) -> BatchReport:
        """Awaitable :meth:`Client.send_dynamic_templates`, with the same arguments.

        ``events`` is read and mapped in full when the method is called; the requests go
        out when the coroutine is awaited.

        Returns:
            The per-record report; ``message_ids`` holds one entry per input record.

        Raises:
            AuthenticationError, ForbiddenError, SendGridError: When awaited, a problem of
                the whole run, with the partial report as ``.report``.
            MappingError, TypeError: At the call, as for
                :meth:`Client.send_dynamic_templates`.
        """
    async def sync_list(
        self,
        events: Events,
        *,
        list_id: str | None = None,
        list_name: str | None = None,
        create_list: bool = True,
        mode: SyncMode = "add",
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        max_removals: int | None = None,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
    ) -> BatchReport:
        """Awaitable :meth:`Client.sync_list`, with the same arguments; ``events`` are read
        when the method is called.

        Raises:
            LimitExceededError, AuthenticationError, ForbiddenError, SendGridError: When
                awaited, as for :meth:`Client.sync_list`.
            MappingError, ConfigError, TypeError: At the call.
        """
    async def delete_contacts(
        self,
        events: Events,
        *,
        max_deletes: int,
        mapping: Mapping_[str, Any] | Mapping | None = None,
        use_default_mapping: bool = True,
        wait: bool = False,
        wait_timeout: float = 600.0,
        dry_run: bool = False,
    ) -> BatchReport:
        """Awaitable :meth:`Client.delete_contacts`, with the same arguments; ``events``
        are read when the method is called.

        Raises:
            LimitExceededError, AuthenticationError, ForbiddenError, SendGridError: When
                awaited, as for :meth:`Client.delete_contacts`.
            MappingError, ConfigError, TypeError: At the call.
        """
    async def template_variables(self, template_id: str) -> list[str]:
        """Awaitable :meth:`Client.template_variables`.

        Arguments:
            template_id: A dynamic template id (``"d-…"``) or ``"Name - Version [d-…]"``.

        Returns:
            The variable names the active version uses.

        Raises:
            PayloadValidationError: As for :meth:`Client.template_variables`.
            ApiError: The look-up failed.
            TransportError: No answer.
        """
    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` that rebuild an equal client: pickling carries the key."""

@final
class RecordFailure:
    """One record of a batch that was not accepted. Immutable, comparable, picklable."""

    @property
    def index(self) -> int:
        """Position of the record in the input (0-based)."""
    @property
    def reason(self) -> str:
        """Why it failed: the validation message, or SendGrid's answer."""
    @property
    def status_code(self) -> int | None:
        """The HTTP status when SendGrid answered for this record, else ``None``."""
    @property
    def field(self) -> str | None:
        """The payload field at fault, when known."""
    @property
    def outcome(self) -> Outcome:
        """``"invalid"``, ``"rejected"``, ``"not_sent"`` or ``"unknown"`` (may have been
        applied); see :data:`segment_sendgrid.types.Outcome`."""
    @property
    def retryable(self) -> bool:
        """Whether sending the same record again later may succeed."""
    def __new__(
        cls,
        index: int,
        reason: str,
        status_code: int | None = None,
        field: str | None = None,
        outcome: Outcome = "invalid",
        retryable: bool = False,
    ) -> RecordFailure:
        """Builds a failure (the library builds them; this is for tests and unpickling).

        Raises:
            TypeError: An argument has the wrong type.
            OverflowError: ``index`` is negative or ``status_code`` is not 0 to 65535.
        """
    def to_dict(self) -> RecordFailureDict:
        """The failure as a JSON-ready dict with the keys of the properties."""
    def __getnewargs__(self) -> tuple[Any, ...]:
        """The constructor's arguments, for pickling."""
    def __eq__(self, value: object, /) -> bool:
        """Equal when every property is equal."""

@final
class ImportJob:
    """The final state of one contacts import job (``upsert_contacts(..., wait=True)``).

    Immutable, comparable, picklable.
    """

    @property
    def id(self) -> str:
        """The job id (one of ``BatchReport.job_ids``)."""
    @property
    def status(self) -> str:
        """SendGrid's status of the job: ``"pending"``, ``"completed"``, ``"errored"`` or
        ``"failed"``, or ``"timeout"`` when ``wait_timeout`` passed first."""
    @property
    def requested(self) -> int:
        """Contacts the job was asked to store."""
    @property
    def created(self) -> int:
        """Contacts it created."""
    @property
    def updated(self) -> int:
        """Contacts it updated."""
    @property
    def errored(self) -> int:
        """Contacts it did not store."""
    @property
    def errors_url(self) -> str | None:
        """The link to the job's errors file, when SendGrid gave one."""
    def __new__(
        cls,
        id: str,
        status: str,
        requested: int = 0,
        created: int = 0,
        updated: int = 0,
        errored: int = 0,
        errors_url: str | None = None,
    ) -> ImportJob:
        """Builds a job state (the library builds them; this is for tests and unpickling).

        Raises:
            TypeError: An argument has the wrong type.
            OverflowError: A count is negative.
        """
    def to_dict(self) -> ImportJobDict:
        """The job as a JSON-ready dict with the keys of the properties."""
    def __getnewargs__(self) -> tuple[Any, ...]:
        """The constructor's arguments, for pickling."""
    def __eq__(self, value: object, /) -> bool:
        """Equal when every property is equal."""

@final
class BatchReport:
    """The result of a batch call. Immutable, comparable, picklable.

    Invariant: ``accepted + len(failed) == total``, and every input index is either
    accepted or appears once in ``failed``.
    """

    @property
    def total(self) -> int:
        """Records read from the input."""
    @property
    def accepted(self) -> int:
        """Records accepted (with ``wait=True``: stored by their import job)."""
    @property
    def failed(self) -> list[RecordFailure]:
        """Records not accepted, sorted by index."""
    @property
    def job_ids(self) -> list[str]:
        """Upserts: the import job id of every accepted request; empty for sends."""
    @property
    def message_ids(self) -> list[str | None]:
        """Sends: one entry per input record, its request's ``X-Message-Id`` or ``None``
        (failed records, sandbox mode); empty for upserts."""
    @property
    def requests(self) -> int:
        """HTTP requests sent, retries included."""
    @property
    def retries(self) -> int:
        """Of ``requests``, the repeats of an earlier attempt."""
    @property
    def imports(self) -> list[ImportJob]:
        """Upserts with ``wait=True``: the final state of each import job; else empty."""
    @property
    def request_bodies(self) -> list[str]:
        """``dry_run=True``: the exact body of each request that would have been sent, in
        order (a ``DELETE``, which has no body, as its request line); else empty."""
    @property
    def removed(self) -> int:
        """``sync_list``: members removed from the list (a dry run: that would be)."""
    @property
    def not_removed(self) -> int:
        """``sync_list`` mirror: members a removal request failed for (not input records)."""
    @property
    def deleted(self) -> int:
        """``delete_contacts``: contacts deleted (a dry run: that would be)."""
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
        removed: int = 0,
        not_removed: int = 0,
        deleted: int = 0,
    ) -> BatchReport:
        """Builds a report (the library builds them; this is for tests and unpickling).

        The lists default to empty. The invariant is not checked.

        Raises:
            TypeError: An argument has the wrong type.
            OverflowError: A count is negative.
        """
    def to_dict(self) -> BatchReportDict:
        """The whole report as a JSON-ready dict (for XCom, logs, files): the keys of the
        properties, failures and import jobs as their own ``to_dict()``."""
    def __getnewargs__(self) -> tuple[Any, ...]:
        """The constructor's arguments, for pickling."""
    def __eq__(self, value: object, /) -> bool:
        """Equal when every property is equal."""

@final
class UpsertResult:
    """The result of a single ``upsert_contact``: SendGrid queued import job ``job_id``.

    Immutable, comparable, picklable.
    """

    @property
    def job_id(self) -> str:
        """The import job that will store the contact."""
    @property
    def status_code(self) -> int:
        """SendGrid's answer (``202``)."""
    def __new__(cls, job_id: str, status_code: int) -> UpsertResult:
        """Builds a result (for tests and unpickling)."""
    def __getnewargs__(self) -> tuple[Any, ...]:
        """The constructor's arguments, for pickling."""
    def __eq__(self, value: object, /) -> bool:
        """Equal when both properties are equal."""

@final
class SendResult:
    """The result of a single ``send_dynamic_template``. Immutable, comparable, picklable."""

    @property
    def message_id(self) -> str | None:
        """The ``X-Message-Id`` of the request (``None`` in sandbox mode)."""
    @property
    def status_code(self) -> int:
        """SendGrid's answer: ``202``, or ``200`` in sandbox mode."""
    def __new__(cls, message_id: str | None, status_code: int) -> SendResult:
        """Builds a result (for tests and unpickling)."""
    def __getnewargs__(self) -> tuple[Any, ...]:
        """The constructor's arguments, for pickling."""
    def __eq__(self, value: object, /) -> bool:
        """Equal when both properties are equal."""

@final
class Mapping:
    """A Segment mapping compiled once, applied to many records.

    Pass it as ``mapping=`` to the action methods to skip recompiling it each call. Its
    ``repr`` lists the output fields and the record paths it reads. Pickles by source.
    """

    def __new__(cls, mapping: Mapping_[str, Any]) -> Mapping:
        """Compiles ``mapping``.

        Arguments:
            mapping: Segment's mapping JSON: raw values and the directives of Segment's
                mapping-kit (``@path``, ``@if``, ``@template``, ``@case``, ``@replace``,
                ``@json``, ``@merge``, ``@flatten``, ``@arrayPath``, ``@liquid`` …).

        Raises:
            MappingError: The mapping cannot compile (the message names the path of the
                bad part; a ``@liquid`` template with liquidjs's message).
            TypeError: ``mapping`` holds a value that is not JSON-like.
        """
    def apply(self, record: Mapping_[str, Any]) -> Any:
        """Maps one record (a dict or any mapping), holding the GIL.

        Only the parts of ``record`` the mapping reads are converted.

        Returns:
            What the mapping produces for ``record`` (a dict for a mapping of fields;
            fields whose value is missing are left out).

        Raises:
            MappingError: The mapping cannot apply to ``record`` (e.g. it is not a
                mapping).
            TypeError: A value the mapping reads is not JSON-like.
        """
    def apply_many(self, records: Iterable[Mapping_[str, Any]]) -> list[Any]:
        """Maps every record of an iterable.

        Returns:
            The mapped records, in input order.

        Raises:
            MappingError, TypeError: As for :meth:`apply`, the message prefixed with
                ``record <index>:``; the first failure stops the run.
        """
    def __getnewargs__(self) -> tuple[Any, ...]:
        """The mapping's source, for pickling."""

def transform(mapping: Mapping_[str, Any] | Mapping, data: Mapping_[str, Any]) -> Any:
    """Applies a Segment ``mapping`` to one ``data`` record.

    A dict is compiled on first use and kept among the 16 most recently used (keyed by its
    JSON text, so an edited dict compiles again); a :class:`Mapping` is used as compiled.

    Returns:
        What the mapping produces for ``data``.

    Raises:
        MappingError: The mapping cannot compile or apply.
        TypeError: A value is not JSON-like.
    """

def default_mapping(action: ActionName | str) -> dict[str, Any]:
    """Segment's default mapping of an action (a fresh copy).

    Arguments:
        action: ``"upsert_contact"``, ``"send_dynamic_template"`` or ``"sync_list"`` (also
            ``"delete_contacts"``: the same fields); Segment's keys of the same actions
            (``"updateUserProfile"``, ``"sendEmail"``, ``"send_email"``, ``"syncAudience"``)
            are accepted too. These are the values of ``ActionName``; the annotation also
            admits any ``str`` (checked at run time) so a name read from a file or a
            command line needs no cast.

    Returns:
        The mapping, as the JSON that :class:`Mapping` compiles.

    Raises:
        ConfigError: ``action`` is none of these names.
    """

@final
class FakeSendGrid:
    """A SendGrid look-alike served from Rust on 127.0.0.1 in this process.

    Use it as a context manager or call ``start()``/``stop()``. It serves SendGrid's
    contacts, mail-send and look-up endpoints with SendGrid's status codes, error bodies,
    limits, bearer auth, scopes and ``X-RateLimit-*`` headers; any other path answers 404
    ``not emulated``. The methods and properties other than ``start()``, ``stop()``,
    ``api_key`` and ``running`` need it running and raise ``RuntimeError`` otherwise. It
    serves only in the process that started it: in a forked child it is not running (its
    methods raise ``RuntimeError`` saying so); ``start()`` serves anew.
    """

    def __new__(
        cls,
        *,
        api_key: str = "SG.fake-key",
        scopes: list[str] | None = None,
        port: int = 0,
        latency_ms: int = 0,
        import_delay_ms: int = 0,
    ) -> FakeSendGrid:
        """Configures the emulator; nothing is served until ``start()``.

        Arguments:
            api_key: The one key it accepts (bearer auth); other keys get 401.
            scopes: The key's scopes; ``None`` grants every scope, otherwise a request
                to an endpoint whose scope is not listed answers 403.
            port: The port to bind on 127.0.0.1; 0 picks a free one.
            latency_ms: Delay before every answer (``set_latency`` changes it).
            import_delay_ms: How long import jobs stay ``pending``.

        Raises:
            ValueError: ``api_key`` is blank, or a number is negative or out of range.
        """
    def start(self) -> FakeSendGrid:
        """Binds 127.0.0.1 and starts serving.

        Returns:
            ``self``.

        Raises:
            RuntimeError: It is already running, or this is called from inside the
                library's async runtime.
            OSError: The port cannot be bound.
        """
    def stop(self) -> None:
        """Stops serving; returns once the port is released. Idempotent."""
    def __enter__(self) -> FakeSendGrid:
        """``start()``; returns ``self``."""
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        """``stop()``; returns ``False``, so an exception of the block propagates."""
    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``: the endpoint to give a ``Client``."""
    @property
    def port(self) -> int:
        """The bound port."""
    @property
    def api_key(self) -> str:
        """The key it accepts."""
    @property
    def running(self) -> bool:
        """Whether it is serving."""
    def client(self, **kwargs: Any) -> Client:
        """A :class:`Client` with this emulator's key and URL.

        Arguments:
            **kwargs: Any other argument of :class:`Client` (e.g. ``max_retries=0``).

        Raises:
            TypeError: ``api_key`` or ``endpoint`` is given.
        """
    def add_custom_field(self, name: str, field_type: str = "Text") -> str:
        """Creates a custom field definition.

        Arguments:
            name: The field's name (what mappings' ``customFields`` name).
            field_type: ``"Text"``, ``"Number"`` or ``"Date"``.

        Returns:
            Its id: ``"e1_T"``, ``"e2_N"`` … (number, then type initial).

        Raises:
            ValueError: A type other than these three, or a reserved or taken name.
        """
    def add_list(self, name: str) -> str:
        """Creates a contact list.

        Returns:
            Its id (a UUID).

        Raises:
            ValueError: The name is not 1 to 100 characters, or is taken.
        """
    def add_template(
        self,
        name: str,
        versions: list[dict[str, Any]] | None = None,
        generation: str = "dynamic",
    ) -> str:
        """Creates a template.

        Arguments:
            name: The template's name.
            versions: Its versions, dicts with any of the keys ``name`` (default ``"v1"``,
                ``"v2"`` …), ``subject``, ``html_content``, ``plain_content`` (default
                ``""``) and ``active`` (a ``bool``, or 0/1); when no version says
                ``active``, the first one is active. ``None`` gives one active version
                whose subject and body show ``name``.
            generation: ``"dynamic"`` (the only kind Send Email accepts) or ``"legacy"``.

        Returns:
            Its id: ``"d-"`` and 32 hex digits when dynamic, a UUID when legacy.

        Raises:
            ValueError: A bad name, version key or generation, or 300 templates already.
            TypeError: A version is not a dict or a value has the wrong type.
        """
    def add_ip_pool(self, name: str) -> None:
        """Creates an IP pool (``ip_pool_name`` of a mail must name one).

        Raises:
            ValueError: The name is invalid or taken.
        """
    def add_suppression_group(self, name: str) -> int:
        """Creates a suppression (ASM) group (a mail's ``asm.group_id`` must name one).

        Returns:
            Its integer id.

        Raises:
            ValueError: The name is invalid.
        """
    def add_domain(self, domain: str, valid: bool = True) -> int:
        """Adds an authenticated domain, listed by ``GET /v3/whitelabel/domains`` with its
        ``valid`` flag (``False``: not yet verified).

        Returns:
            Its id.

        Raises:
            ValueError: The domain is invalid or already added.
        """
    def contacts(self) -> list[dict[str, Any]]:
        """The stored contacts as SendGrid returns them (custom fields by id)."""
    def messages(self) -> list[dict[str, Any]]:
        """The accepted mail/send requests: ``{"x_message_id": …, "body": {…}}``."""
    def requests(self) -> list[dict[str, Any]]:
        """The latest 100,000 requests received: ``method``, ``path``, ``query``,
        ``status`` (0 when dropped), ``body_size`` and ``headers`` (the key masked)."""
    def import_jobs(self) -> list[dict[str, Any]]:
        """The import jobs with their per-record errors, oldest first."""
    def reset(self) -> None:
        """Forgets everything stored and received, the faults, rate limits and download
        base, and restores the initial latency; the server keeps running."""
    def fail_next(
        self,
        path: str,
        status: int = 500,
        count: int = 1,
        body: Any = None,
        after_processing: bool = False,
    ) -> None:
        """Makes the next ``count`` requests to ``path`` answer ``status``.

        Arguments:
            path: A request path, exact or a prefix ending in ``*``.
            status: 400 to 599.
            count: How many requests (1 or more).
            body: The answer's body: a JSON-serialisable value, a ``str`` sent as-is, or
                ``None`` for SendGrid's stock error body of ``status``.
            after_processing: Apply the request first, then answer the error (proves a
                client never double-sends).

        Raises:
            ValueError: A bad path, status or count.
            TypeError: ``body`` is not JSON-serialisable.
        """
    def drop_next(self, path: str, count: int = 1) -> None:
        """Closes the connection of the next ``count`` requests to ``path`` unanswered.

        Raises:
            ValueError: A bad path (exact, or a prefix ending in ``*``) or count.
        """
    def set_latency(self, ms: int) -> None:
        """Delay added before every answer (does not block other requests).

        Raises:
            ValueError: ``ms`` is negative.
        """
    def set_rate_limit(self, limit: int, window_s: float, path: str | None = None) -> None:
        """Allows ``limit`` requests per ``window_s`` seconds, then answers 429 with
        ``X-RateLimit-*`` headers.

        Arguments:
            limit: Requests per window.
            window_s: The window, more than 0 and at most 86,400 seconds.
            path: The endpoint it applies to (a path or an endpoint pattern); ``None``:
                every endpoint, each counted on its own.

        Raises:
            ValueError: A bad window, or a path that is not an emulated endpoint.
        """
    def set_download_base(self, base: str | None) -> None:
        """Points the download links (the ``errors_url`` of import jobs, the ``urls``
        of contact exports) at another origin, e.g. ``"http://localhost:PORT"``
        (``None``, or ``reset()``, goes back to ``url``).

        Raises:
            ValueError: ``base`` is not an ``http(s)://`` origin.
        """
    def set_export_file_bytes(self, size: int | None) -> None:
        """Splits contact export files at ``size`` bytes of uncompressed content
        instead of the request's ``max_file_size`` MB, so a test gets several files
        from a few contacts (``None``, or ``reset()``, goes back to ``max_file_size``).

        Raises:
            ValueError: ``size`` is below 1.
        """

def read_parquet(path: str | os.PathLike[str], batch_size: int = 65536) -> ArrowStreamExportable:
    """A Parquet file as a stream of record batches, read row group by row group.

    Raises:
        ConfigError: The file cannot be read or is not Parquet.
    """

def read_parquet_rows(
    path: str | os.PathLike[str], indexes: list[int]
) -> list[tuple[str | None, str | None]]:
    """The rows at ``indexes`` (0-based, any order) of a Parquet file: each
    ``(JSON text, None)`` (columns with no JSON form left out), or ``(None, why)``
    when a cell has no JSON form or there is no such row.

    Raises:
        ConfigError: The file cannot be read or is not Parquet.
        MappingError: The file's column names do not nest.
    """

def parquet_row_count(path: str | os.PathLike[str]) -> int:
    """The number of rows of a Parquet file, from its footer.

    Raises:
        ConfigError: The file cannot be read or is not Parquet.
    """

def nest_column_names(names: list[str]) -> list[list[str]]:
    """A table header's key paths (``traits.email`` → ``["traits", "email"]``).

    Raises:
        ValueError: A name is empty, repeated, or both a value and a parent.
    """
