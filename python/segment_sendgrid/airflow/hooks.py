"""``SendGridHook``: a ``segment_sendgrid.Client`` built from an Airflow connection.

The connection (type ``sendgrid``) keeps the API key in its **password**; its extra JSON
may set ``endpoint`` (``global``, ``eu`` or an ``http(s)://`` base URL), ``timeout``,
``max_retries``, ``max_concurrency`` and ``user_agent``::

    AIRFLOW_CONN_SENDGRID_DEFAULT='{"conn_type": "sendgrid", "password": "SG.…",
                                    "extra": {"endpoint": "eu", "max_retries": 3}}'

    from segment_sendgrid.airflow import SendGridHook

    @task
    def sync_contacts(events):
        client = SendGridHook().get_conn()       # a segment_sendgrid.Client
        return client.upsert_contacts(events).to_dict()
"""

from __future__ import annotations

from typing import Any

from segment_sendgrid import AsyncClient, Client, ConfigError
from segment_sendgrid.airflow._common import (
    CONN_TYPE,
    DEFAULT_CONN_ID,
    EXTRA_FIELDS,
    UI_HIDDEN_FIELDS,
    UI_PLACEHOLDERS,
    UI_RELABELING,
    ClientOptions,
    ConnectionConfigError,
    parse_extra,
)
from segment_sendgrid.airflow._compat import (
    AirflowException,
    AirflowNotFoundException,
    BaseHook,
    mask_secret,
)

__all__ = ["SendGridHook"]


class SendGridHook(BaseHook):
    """Builds ``segment_sendgrid`` clients from the Airflow connection ``sendgrid_conn_id``.

    :param sendgrid_conn_id: the connection id (type ``sendgrid``); its password is the key.

    Every configuration problem (missing connection, empty password, malformed extra)
    raises ``AirflowException`` naming the connection and the field. The key never
    appears in messages, logs or ``repr``.
    """

    conn_name_attr = "sendgrid_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = "SendGrid (segment-sendgrid)"

    def __init__(self, sendgrid_conn_id: str = DEFAULT_CONN_ID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sendgrid_conn_id = sendgrid_conn_id
        self._client: Client | None = None

    def __repr__(self) -> str:
        return f"SendGridHook(sendgrid_conn_id={self.sendgrid_conn_id!r})"

    def _settings(self) -> tuple[str, ClientOptions]:
        """The key and the client options, validated."""
        conn_id = self.sendgrid_conn_id
        try:
            conn = self.get_connection(conn_id)
        except AirflowNotFoundException as error:
            raise AirflowException(
                f"SendGrid connection {conn_id!r} is not defined: create it (type "
                f"{CONN_TYPE!r}, API key as password) or set AIRFLOW_CONN_{conn_id.upper()}"
            ) from error
        key = conn.password
        if not isinstance(key, str) or not key.strip():
            raise AirflowException(
                f"SendGrid connection {conn_id!r}: field 'password' is empty; "
                "it must hold the SendGrid API key"
            )
        key = key.strip()
        mask_secret(key)
        try:
            options = parse_extra(conn_id, conn.extra)
        except ConnectionConfigError as error:
            raise AirflowException(str(error)) from None
        return key, options

    def _build(self, cls: Any) -> Any:
        key, options = self._settings()
        try:
            return cls(api_key=key, **options.kwargs())
        except ConfigError as error:  # the library's message names the argument, never the key
            raise AirflowException(
                f"SendGrid connection {self.sendgrid_conn_id!r}: {error}"
            ) from None

    def get_conn(self) -> Client:
        """The ``segment_sendgrid.Client`` of this connection (built once, then reused).

        Clients pickle by configuration, key included, so the result can be shipped to
        Dask or Spark workers; treat the pickle like the key.
        """
        if self._client is None:
            client: Client = self._build(Client)
            self._client = client
        return self._client

    def get_async_conn(self) -> AsyncClient:
        """A new ``segment_sendgrid.AsyncClient`` with this connection's settings."""
        client: AsyncClient = self._build(AsyncClient)
        return client

    def test_connection(self) -> tuple[bool, str]:
        """The UI's Test button: ``GET /v3/scopes`` with the key."""
        try:
            client = self.get_conn()
            scopes = client.check()
        except Exception as error:
            return False, f"{type(error).__name__}: {error}"
        return True, f"Connected to {client.base_url}; the key has {len(scopes)} scopes"

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Form fields for the extra (Airflow 2.10-3.1; 3.2+ reads the provider info)."""
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import IntegerField, StringField
        from wtforms.validators import NumberRange, Optional

        label = {name: lazy_gettext(text) for name, (text, _) in EXTRA_FIELDS.items()}
        help_ = {name: description for name, (_, description) in EXTRA_FIELDS.items()}
        return {
            "endpoint": StringField(
                label["endpoint"],
                widget=BS3TextFieldWidget(),
                description=help_["endpoint"],
                default="global",
            ),
            "timeout": StringField(
                label["timeout"], widget=BS3TextFieldWidget(), description=help_["timeout"]
            ),
            "max_retries": IntegerField(
                label["max_retries"],
                widget=BS3TextFieldWidget(),
                validators=[Optional(), NumberRange(min=0)],
                description=help_["max_retries"],
            ),
            "max_concurrency": IntegerField(
                label["max_concurrency"],
                widget=BS3TextFieldWidget(),
                validators=[Optional(), NumberRange(min=1)],
                description=help_["max_concurrency"],
            ),
        }

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Hide the fields SendGrid does not use; the password is the API key."""
        return {
            "hidden_fields": list(UI_HIDDEN_FIELDS),
            "relabeling": dict(UI_RELABELING),
            "placeholders": dict(UI_PLACEHOLDERS),
        }
