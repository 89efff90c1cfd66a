"""A Spark application of its own (its own JVM), for what one test session cannot show:
everything Spark prints and logs, and a session started with ``spark.speculation=true``.

    python spark_job.py ENDPOINT TEMPLATE_ID EVENT_LOG_DIR

Upserts 2,000 contacts through the ``sendgrid`` data source (printing the plans Spark
explains), then tries to send mail, which must refuse under speculation. The key comes from
``SENDGRID_API_KEY`` in the environment, as on a cluster.
"""

from __future__ import annotations

import json
import os
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from segment_sendgrid.spark import SendGridDataSource


def main(endpoint: str, template: str, event_log: str) -> None:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.speculation", "true")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", event_log)
        .config("spark.eventLog.compress", "false")  # searchable as text
        .config("spark.log.level", "INFO")  # as much of Spark's log as there is
        .getOrCreate()
    )
    spark.dataSource.register(SendGridDataSource)
    frame = spark.range(0, 2_000, 1, 2).select(
        F.struct(F.concat(F.lit("job"), F.col("id"), F.lit("@example.com")).alias("email")).alias(
            "traits"
        )
    )
    frame.explain(extended=True)
    writer = frame.write.format("sendgrid").option("endpoint", endpoint)
    writer.option("action", "upsert_contacts").mode("append").save()
    print("UPSERTED", flush=True)
    mail = frame.select(F.struct(F.col("traits.email").alias("email")).alias("properties"))
    mapping = {"from": {"email": "shop@example.com"}, "template_id": template}
    try:
        (
            mail.write.format("sendgrid")
            .option("endpoint", endpoint)
            .option("action", "send_dynamic_templates")
            .option("mapping", json.dumps(mapping))
            .mode("append")
            .save()
        )
    except Exception as error:
        print("SEND REFUSED:", error, flush=True)
    else:
        print("SEND WENT THROUGH", flush=True)
    spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:4])
