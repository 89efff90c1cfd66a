"""Options are checked on the driver, before any task runs, with the option's name."""

from __future__ import annotations

import pytest
from pyspark.sql import DataFrame, SparkSession

from segment_sendgrid.testing import FakeSendGrid


def frame(spark: SparkSession) -> DataFrame:
    return spark.range(3).selectExpr("named_struct('email', 'a@example.com') AS traits")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "option action: expected one of upsert_contacts, send_dynamic_templates"),
        ({"action": "upsert"}, "option action: expected one of"),
        ({"action": "upsert_contacts", "list_id": "x"}, "unknown option list_id"),
        ({"action": "upsert_contacts", "wait": "yes"}, "option wait: expected true or false"),
        ({"action": "upsert_contacts", "sandbox": "true"}, "option sandbox does not apply"),
        ({"action": "send_dynamic_templates", "list_ids": "a"}, "option list_ids does not apply"),
        ({"action": "upsert_contacts", "max_concurrency": "many"}, "option max_concurrency"),
        ({"action": "upsert_contacts", "max_concurrency": "0"}, "max_concurrency"),
        ({"action": "upsert_contacts", "timeout": "-1"}, "timeout"),
        ({"action": "upsert_contacts", "mapping": "[1]"}, "option mapping: expected a JSON object"),
        ({"action": "upsert_contacts", "mapping": '{"email": {"@nope": 1}}'}, "@nope"),
        ({"action": "upsert_contacts", "endpoint": "ftp://x"}, "endpoint"),
    ],
)
def test_bad_options_fail_before_any_task(
    spark: SparkSession, fake: FakeSendGrid, options: dict[str, str], message: str
) -> None:
    writer = frame(spark).write.format("sendgrid")
    if "endpoint" not in options:
        writer = writer.option("endpoint", fake.url)
    for name, value in options.items():
        writer = writer.option(name, value)
    with pytest.raises(Exception, match=message):
        writer.mode("append").save()
    assert fake.requests() == []


def test_options_are_case_insensitive_and_list_ids_reach_the_request(
    spark: SparkSession, fake: FakeSendGrid
) -> None:
    first, second = fake.add_list("Newsletter"), fake.add_list("Customers")
    writer = frame(spark).write.format("sendgrid").option("endpoint", fake.url)
    writer = writer.option("ACTION", "upsert_contacts").option("List_Ids", f"{first}, {second}")
    writer.option("wait", True).mode("append").save()
    (contact,) = fake.contacts()
    assert sorted(contact["list_ids"]) == sorted([first, second])
