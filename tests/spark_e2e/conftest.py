"""Real Spark (``local[2,2]``: two cores, a task may run twice) against one emulator.

The executors are Python workers the JVM starts: they inherit this process's environment
(``SENDGRID_API_KEY``, ``PYSPARK_PYTHON``) from when the session starts, and reach the
emulator on 127.0.0.1. One session and one emulator serve every test (a session takes
seconds to start); each test starts from an emptied emulator.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from segment_sendgrid.spark import SendGridDataSource
from segment_sendgrid.testing import FakeSendGrid

# Distinctive, so the tests that look for it in Spark's output cannot miss it.
SPARK_KEY = "SG.spark-e2e-key-5b1f0c9e7d3a4b2c8e6f"


@pytest.fixture(scope="session")
def spark_key() -> str:
    return SPARK_KEY


@pytest.fixture(scope="session")
def emulator() -> Iterator[FakeSendGrid]:
    with FakeSendGrid(api_key=SPARK_KEY) as fake:
        yield fake


@pytest.fixture
def fake(emulator: FakeSendGrid) -> FakeSendGrid:
    emulator.reset()
    return emulator


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    os.environ["SENDGRID_API_KEY"] = SPARK_KEY
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers import this venv's wheel
    session = (
        SparkSession.builder.master("local[2,2]")
        .appName("segment-sendgrid-e2e")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "1g")
        # Small Arrow batches: a task streams several into its run (as large partitions do).
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.dataSource.register(SendGridDataSource)
    yield session
    session.stop()
