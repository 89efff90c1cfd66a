"""Dead letters: the rows of a task that failed, written where a rerun can take them.

A record's fate is known only when the run that streams it ends, and by then the rows have
gone by. ``RowKeeper`` keeps the Arrow batches the run reads, in memory up to a bound and
beyond it in an Arrow IPC file on local disk (read back memory-mapped), so a partition of
any size costs bounded memory. At the end the failed rows are taken by index and written as
one Parquet file per task attempt, with the original columns and a ``_sendgrid_failure``
struct (partition, index, reason, outcome, status_code, field, retryable). A rerun reads
the folder and drops that column::

    spark.read.parquet(failed_path).drop("_sendgrid_failure")

Paths are anything ``pyarrow.fs`` opens: a local path, ``file://``, ``s3://``, ``gs://``,
``hdfs://``, ``abfs://`` (with that filesystem's credentials on the executors).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "FAILURE_COLUMN",
    "RowKeeper",
    "filesystem_of",
    "list_files",
    "remove_files",
    "write_dead_letters",
]

FAILURE_COLUMN = "_sendgrid_failure"

# Arrow buffers kept in memory before the rest goes to a local file.
MEMORY_LIMIT = 64 << 20


class RowKeeper:
    """The batches a run has read, in order, for taking failed rows back by index."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT) -> None:
        self._batches: list[Any] = []
        self._bytes = 0
        self._limit = memory_limit
        self._spill: Any = None  # pyarrow.ipc.RecordBatchFileWriter once over the limit
        self._spill_dir: tempfile.TemporaryDirectory[str] | None = None

    def keep(self, batches: Iterable[Any]) -> Iterable[Any]:
        """Passes ``batches`` through, keeping each."""
        for batch in batches:
            self._add(batch)
            yield batch

    def _add(self, batch: Any) -> None:
        if self._spill is not None:
            self._spill.write_batch(batch)
            return
        self._batches.append(batch)
        self._bytes += batch.nbytes
        if self._bytes > self._limit:
            import pyarrow as pa

            self._spill_dir = tempfile.TemporaryDirectory(prefix="segment-sendgrid-rows-")
            path = os.path.join(self._spill_dir.name, "rows.arrow")
            self._spill = pa.ipc.new_file(path, batch.schema)
            for kept in self._batches:
                self._spill.write_batch(kept)
            self._batches = []

    def take(self, indices: Sequence[int]) -> Any:
        """The rows at ``indices`` (positions among all rows kept) as a ``pyarrow.Table``."""
        import pyarrow as pa

        if self._spill_dir is not None:
            self._close_spill()
            source = pa.memory_map(os.path.join(self._spill_dir.name, "rows.arrow"))
            table = pa.ipc.open_file(source).read_all()
        else:
            table = pa.Table.from_batches(self._batches)
        return table.take(pa.array(indices, type=pa.int64()))

    def _close_spill(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    def close(self) -> None:
        """Frees the batches and removes the local file."""
        self._batches = []
        self._close_spill()
        if self._spill_dir is not None:
            self._spill_dir.cleanup()
            self._spill_dir = None


def _failure_column(partition: int, failures: Sequence[Any]) -> Any:
    import pyarrow as pa

    return pa.array(
        [
            {
                "partition": partition,
                "index": failure["index"],
                "reason": failure["reason"],
                "outcome": failure["outcome"],
                "status_code": failure["status_code"],
                "field": failure["field"],
                "retryable": failure["retryable"],
            }
            for failure in failures
        ],
        type=pa.struct(
            [
                ("partition", pa.int32()),
                ("index", pa.int64()),
                ("reason", pa.string()),
                ("outcome", pa.string()),
                ("status_code", pa.int32()),
                ("field", pa.string()),
                ("retryable", pa.bool_()),
            ]
        ),
    )


def filesystem_of(base: str) -> tuple[Any, str]:
    """The ``pyarrow.fs`` filesystem of a path or URI, and the path within it."""
    from pyarrow import fs

    if "://" not in base:
        return fs.LocalFileSystem(), base
    filesystem, path = fs.FileSystem.from_uri(base)
    return filesystem, path


def write_dead_letters(
    base: str, name: str, partition: int, rows: RowKeeper, failures: Sequence[Any]
) -> str:
    """Writes the failed rows with their failures as ``base/name`` (Parquet) and returns
    that path; written under a temporary name and moved, so a file that exists is whole."""
    import pyarrow.parquet as pq

    table = rows.take([failure["index"] for failure in failures])
    if FAILURE_COLUMN in table.column_names:  # a rerun of dead letters: the new reason wins
        table = table.drop_columns([FAILURE_COLUMN])
    table = table.append_column(FAILURE_COLUMN, _failure_column(partition, failures))
    filesystem, folder = filesystem_of(base)
    filesystem.create_dir(folder, recursive=True)
    final = f"{folder.rstrip('/')}/{name}"
    partial = f"{final}.partial"
    pq.write_table(table, partial, filesystem=filesystem)
    filesystem.move(partial, final)
    return base.rstrip("/") + "/" + name


def list_files(base: str, prefix: str) -> list[str]:
    """The files directly under ``base`` whose names start with ``prefix``."""
    from pyarrow import fs

    filesystem, folder = filesystem_of(base)
    try:
        infos = filesystem.get_file_info(fs.FileSelector(folder, allow_not_found=True))
    except OSError:
        return []
    return sorted(
        base.rstrip("/") + "/" + info.base_name
        for info in infos
        if info.type == fs.FileType.File and info.base_name.startswith(prefix)
    )


def remove_files(paths: Iterable[str]) -> None:
    for path in paths:
        filesystem, local = filesystem_of(path)
        filesystem.delete_file(local)
