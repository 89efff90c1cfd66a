"""Shared by the table tests: the dict-path twin of a table, and the comparison of the
reports of both paths."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

import segment_sendgrid as sg

#: A send mapping that puts the whole of ``properties`` in the body; the default mapping
#: adds ``to`` from ``properties.email`` / ``properties.name``.
SEND_MAPPING: dict[str, Any] = {
    "from": {"email": "s@example.com"},
    "template_id": "d-123",
    "dynamic_template_data": {"@path": "$.properties"},
}

LIST_TYPES = (
    pa.types.is_list,
    pa.types.is_large_list,
    pa.types.is_fixed_size_list,
    pa.types.is_list_view,
    pa.types.is_large_list_view,
)


def plain(value: Any, type_: pa.DataType) -> Any:
    """A value of ``to_pylist()`` as the dict path takes it: maps as dicts (a repeated key
    keeps its first position and its last value), recursively."""
    if value is None:
        return None
    if pa.types.is_dictionary(type_):
        return plain(value, type_.value_type)
    if pa.types.is_map(type_):
        out: dict[Any, Any] = {}
        for key, item in value:
            out[key] = plain(item, type_.item_type)
        return out
    if pa.types.is_struct(type_):
        return {f.name: plain(value[f.name], f.type) for f in type_}
    if any(is_list(type_) for is_list in LIST_TYPES):
        return [plain(item, type_.value_type) for item in value]
    return value


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``; a name is stripped of surrounding whitespace."""
    out: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, last = name.strip().split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def table_rows(table: Any) -> list[dict[str, Any]]:
    """The rows of a pyarrow ``Table`` or ``RecordBatch`` as nested event dicts."""
    columns = [
        [plain(v, field.type) for v in table.column(i).to_pylist()]
        for i, field in enumerate(table.schema)
    ]
    return [
        nest(dict(zip(table.column_names, values, strict=True)))
        for values in zip(*columns, strict=True)
    ]


def reader_of(table: pa.Table) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2))


def summary(report: sg.BatchReport) -> tuple[Any, ...]:
    """What must agree between the paths, in a form whose diff pytest shows well."""
    failed = [(f.index, f.outcome, f.reason) for f in report.failed]
    return (report.total, report.accepted, failed, report.requests, report.request_bodies)


def upsert(client: sg.Client, events: Any, **kwargs: Any) -> tuple[Any, ...]:
    return summary(client.upsert_contacts(events, dry_run=True, **kwargs))


def send(client: sg.Client, events: Any, **kwargs: Any) -> tuple[Any, ...]:
    kwargs.setdefault("mapping", SEND_MAPPING)
    report = client.send_dynamic_templates(events, check_template=False, dry_run=True, **kwargs)
    return (*summary(report), report.message_ids)
