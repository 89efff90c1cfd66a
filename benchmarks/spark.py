"""Spark: a DataFrame upserted through the ``sendgrid`` data source against the
row-at-a-time recipe, side by side in one run (target in ``docs/BENCHMARKS.md``: the data
source ≥ 3× the recipe's rows/s).

Spark ``local[2]`` (one JVM, two task slots, Python workers beside it) writes one DataFrame
of identify-like rows — ``type``, ``userId`` and a ``traits`` struct (``email``,
``first_name``, ``city``), ``spark.range(rows, numPartitions=8)``, cached and counted
before any timing, so only the write is timed — into ``FakeSendGrid`` served from this (the
driver's) process, with Segment's default Upsert Contact mapping and ``MAPPING`` over it
(``city`` from ``traits.city``; the default reads ``traits.address.city``), so both paths map
every column:

(a) the data source, ``df.write.format("sendgrid").option("action", "upsert_contacts")
    .option("endpoint", url).option("mapping", …).mode("append").save()``: each
    partition's Arrow record batches go to one ``Client`` run (the table path, no Python
    object per row);
(b) the recipe a user writes without it, ``df.foreachPartition(upsert_rows)`` where
    ``upsert_rows`` builds a ``Client`` on the executor and streams
    ``row.asDict(recursive=True)`` of every ``Row`` into ``upsert_contacts`` (a generator,
    so requests go out while rows are still read: the fastest of the row-at-a-time recipes;
    README's ``mapPartitions`` + ``upsert_partition`` lists the partition first).

Both read the key on the executors from ``SENDGRID_API_KEY`` (set, with ``PYSPARK_PYTHON``,
before the session starts: the Python workers inherit both) and keep the client's defaults
(``max_concurrency=4`` per task). The emulator is emptied before every run, and every run
must store each row exactly once or the benchmark stops: the import jobs must have
requested and created ``rows`` contacts, none updated or errored, and after the last run of
each path the emulator's contact list must hold ``rows`` distinct e-mails, each with its
city (listing a million contacts takes the emulator about 30 s, so only then). A warm-up run of
each path is not counted (JVM code paths, Python workers, imports); then the two paths
alternate ``--repeat`` times and the fastest wall time of each counts (a shared 2-core
machine: ±20% run to run, only the ratio means anything).

CPU, from ``/proc`` (reaped children included): "JVM CPU s" is Spark's JVM (the tasks'
reading of the cached rows, their conversion to Arrow batches or pickled rows), "Python
CPU s" the Python workers under it (the client, the recipe's ``Row`` objects and dicts),
"driver CPU s" this process (the emulator, py4j).

Needs pyspark ≥ 4.0 (Python data sources), pyarrow and Java 17; not a section of
``run.py`` (it needs Spark).

Usage: python benchmarks/spark.py [--rows 1000000] [--repeat 3] [--partitions 8]
       [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Table, machine, verdict
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F

import segment_sendgrid as sg
from segment_sendgrid.spark import SendGridDataSource
from segment_sendgrid.testing import FakeSendGrid

KEY = "SG.spark-benchmark-key-7c2e9a41d0b35f68"
MASTER = "local[2]"
TARGET = 3.0
#: Over the default mapping, on both paths.
MAPPING: dict[str, Any] = {"city": {"@path": "$.traits.city"}}
FIRST_NAMES = ("Zoë", "José", "Ana", "Łukasz", "Mia", "Noah", "Aiko", "Omar")
PATHS = ("datasource", "recipe")
WHAT = {
    "datasource": 'df.write.format("sendgrid") (Arrow batches → one Client run per partition)',
    "recipe": "df.foreachPartition: Client per task, row.asDict(recursive=True) streamed",
}


# --------------------------------------------------------------------------- Spark side


def session(partitions: int) -> SparkSession:
    """A local session whose Python workers import this interpreter's packages and see the
    key (both from the environment, set before the JVM starts)."""
    os.environ["SENDGRID_API_KEY"] = KEY
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master(MASTER)
        .appName("segment-sendgrid-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.dataSource.register(SendGridDataSource)
    return spark


def contacts_frame(spark: SparkSession, rows: int, partitions: int) -> DataFrame:
    """``rows`` identify-like rows in ``partitions`` partitions, cached and materialised."""
    ids = spark.range(0, rows, 1, partitions)
    number = F.col("id").cast("string")
    names = F.array(*[F.lit(name) for name in FIRST_NAMES])
    frame = ids.select(
        F.lit("identify").alias("type"),
        F.concat(F.lit("user-"), number).alias("userId"),
        F.struct(
            F.concat(F.lit("user"), number, F.lit("@example.com")).alias("email"),
            F.element_at(names, (F.col("id") % len(FIRST_NAMES) + 1).cast("int")).alias(
                "first_name"
            ),
            F.concat(F.lit("City "), (F.col("id") % 97).cast("string")).alias("city"),
        ).alias("traits"),
    ).cache()
    counted, parts = frame.count(), frame.rdd.getNumPartitions()
    if (counted, parts) != (rows, partitions):
        raise RuntimeError(f"the cached frame has {counted} rows in {parts} partitions")
    return frame


def write_datasource(frame: DataFrame, url: str) -> None:
    writer = frame.write.format("sendgrid").option("action", "upsert_contacts")
    writer = writer.option("endpoint", url).option("mapping", json.dumps(MAPPING))
    writer.mode("append").save()


def write_recipe(frame: DataFrame, url: str) -> None:
    def upsert_rows(rows: Iterable[Row]) -> None:
        # On the executor: the key from SENDGRID_API_KEY, one client per task.
        client = sg.Client(endpoint=url)
        client.upsert_contacts((row.asDict(recursive=True) for row in rows), mapping=MAPPING)

    frame.foreachPartition(upsert_rows)


# --------------------------------------------------------------------------- measuring


def tree_cpu_s(root: int) -> dict[str, float]:
    """CPU seconds of the processes under ``root`` (not ``root``), with the children they
    reaped, by kind: ``jvm`` (Spark's JVM) and ``python`` (its Python workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = defaultdict(list)
    cpu: dict[int, int] = {}
    java: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(entry)
        children[int(fields[1])].append(pid)
        cpu[pid] = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        if text[text.index("(") + 1 : text.rindex(")")] == "java":
            java.add(pid)
    total = {"jvm": 0, "python": 0}
    stack = list(children[root])
    while stack:
        pid = stack.pop()
        total["jvm" if pid in java else "python"] += cpu.get(pid, 0)
        stack.extend(children[pid])
    return {kind: ticks / tick for kind, ticks in total.items()}


def check_stored(fake: FakeSendGrid, rows: int, full: bool) -> dict[str, int]:
    """Every row stored exactly once, else ``RuntimeError``: the import jobs' counts, and
    with ``full`` the emulator's contact list itself."""
    results = [job.get("results") or {} for job in fake.import_jobs()]
    counts = {
        name: sum(int(result.get(f"{name}_count", 0)) for result in results)
        for name in ("requested", "created", "updated", "errored")
    }
    counts["jobs"] = len(results)
    expected = {"requested": rows, "created": rows, "updated": 0, "errored": 0}
    if full:
        contacts = fake.contacts()
        counts["contacts"] = len({contact["email"] for contact in contacts})
        counts["with_city"] = sum(str(c.get("city", "")).startswith("City ") for c in contacts)
        expected.update(contacts=rows, with_city=rows)
    wrong = {name: counts[name] for name, value in expected.items() if counts[name] != value}
    if wrong:
        raise RuntimeError(f"not every row stored exactly once ({rows:,} rows): {wrong}")
    return counts


def timed(write: Callable[[], None], fake: FakeSendGrid, rows: int, full: bool) -> dict[str, Any]:
    """One write into the emptied emulator: wall time, CPU, and the check."""
    fake.reset()
    root = os.getpid()
    spark0, driver0 = tree_cpu_s(root), time.process_time()
    start = time.perf_counter()
    write()
    wall = time.perf_counter() - start
    spark1, driver_cpu = tree_cpu_s(root), time.process_time() - driver0
    return {
        "rows": rows,
        "wall_s": wall,
        "rows_per_s": rows / wall,
        "jvm_cpu_s": spark1["jvm"] - spark0["jvm"],
        "python_cpu_s": spark1["python"] - spark0["python"],
        "driver_cpu_s": driver_cpu,
        **check_stored(fake, rows, full),
    }


def measure(frame: DataFrame, fake: FakeSendGrid, rows: int, repeat: int) -> dict[str, Any]:
    writers: dict[str, Callable[[], None]] = {
        "datasource": lambda: write_datasource(frame, fake.url),
        "recipe": lambda: write_recipe(frame, fake.url),
    }
    results: dict[str, Any] = {}
    for name in PATHS:
        results[name] = {"warmup": timed(writers[name], fake, rows, full=False), "runs": []}
        print(f"warm-up {name}: {results[name]['warmup']['wall_s']:.2f} s", file=sys.stderr)
    for number in range(repeat):
        for name in PATHS:
            run = timed(writers[name], fake, rows, full=number == repeat - 1)
            results[name]["runs"].append(run)
            print(f"run {number + 1} {name}: {run['wall_s']:.2f} s", file=sys.stderr)
    for name in PATHS:
        best = min(results[name]["runs"], key=lambda run: float(run["wall_s"]))
        results[name].update(best)
    results["ratio"] = results["datasource"]["rows_per_s"] / results["recipe"]["rows_per_s"]
    return results


# --------------------------------------------------------------------------- report


def table(results: dict[str, Any], rows: int, partitions: int, repeat: int) -> Table:
    ratio = float(results["ratio"])
    lines: list[list[str]] = []
    for name in PATHS:
        r = results[name]
        runs = ", ".join(f"{run['wall_s']:.2f}" for run in r["runs"])
        lines.append(
            [
                WHAT[name],
                f"{r['rows']:,}",
                str(r["jobs"]),
                f"{r['wall_s']:.2f}",
                f"{r['rows_per_s']:,.0f}",
                runs,
                f"{r['jvm_cpu_s']:.1f}",
                f"{r['python_cpu_s']:.1f}",
                f"{r['driver_cpu_s']:.1f}",
                f"{ratio:.2f}× the recipe" if name == "datasource" else "",
                f"≥ {TARGET:g}× the recipe" if name == "datasource" else "",
                verdict(ratio >= TARGET) if name == "datasource" else "",
            ]
        )
    return Table(
        f"Spark {MASTER}: upsert {rows:,} identify rows ({partitions} partitions) into the "
        f"emulator, best of {repeat}",
        [
            "what",
            "rows",
            "PUTs",
            "wall s",
            "rows/s",
            "runs wall s",
            "JVM CPU s",
            "Python CPU s",
            "driver CPU s",
            "ratio",
            "target",
            "verdict",
        ],
        lines,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the DataFrame")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each path")
    parser.add_argument("--partitions", type=int, default=8, help="partitions of the DataFrame")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1 or args.partitions < 1:
        parser.error("--rows, --repeat and --partitions must be at least 1")

    info = machine()
    info["load_before"] = os.getloadavg()
    with FakeSendGrid(api_key=KEY) as fake:
        spark = session(args.partitions)
        try:
            info["spark"] = spark.version
            info["arrow_max_records_per_batch"] = spark.conf.get(
                "spark.sql.execution.arrow.maxRecordsPerBatch"
            )
            frame = contacts_frame(spark, args.rows, args.partitions)
            results = measure(frame, fake, args.rows, args.repeat)
        finally:
            spark.stop()
    info["load_after"] = os.getloadavg()
    report = table(results, args.rows, args.partitions, args.repeat)
    print(report.markdown() + "\n")
    print(
        f"Machine: {info['nproc']} × {info['cpu']}, {info['ram_gb']} GB RAM, Python "
        f"{info['python']}, Spark {info['spark']}, commit {info['commit']}, {info['date']}; "
        f"load average {info['load_before'][0]:.2f} before, {info['load_after'][0]:.2f} after."
    )
    if args.json:
        data = {
            "machine": info,
            "config": {
                "master": MASTER,
                "rows": args.rows,
                "partitions": args.partitions,
                "repeat": args.repeat,
                "recipe": WHAT["recipe"],
            },
            **results,
            "target": TARGET,
            "markdown": report.markdown(),
        }
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
