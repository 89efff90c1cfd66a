"""Scale-out: upserts from several Dask worker processes against one emulator."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import segment_sendgrid as sg
from segment_sendgrid.partitions import merge_reports, send_partition, upsert_partition
from segment_sendgrid.testing import FakeSendGrid

db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

CONTACTS = 3_000
BAD = {17: "not-an-email", 2_222: "also@not@valid"}


def events() -> list[dict[str, Any]]:
    records = [
        {"type": "identify", "traits": {"email": f"worker{i}@example.com", "first_name": "Zoë"}}
        for i in range(CONTACTS)
    ]
    for index, email in BAD.items():
        records[index] = {"traits": {"email": email}}
    return records


def upsert_with_pid(part: list[Any], client: sg.Client) -> list[dict[str, Any]]:
    """Runs on a worker: one report per partition, tagged with the worker's pid."""
    return [dict(upsert_partition(part, client, indexed=True, wait=True), pid=os.getpid())]


def upsert_frame_with_pid(part: Any, client: sg.Client) -> dict[str, Any]:
    """Runs on a worker: a pandas partition through the Arrow path, its report tagged with
    the worker's pid."""
    return dict(upsert_partition(part, client, indexed=True, wait=True), pid=os.getpid())


@contextmanager
def local_cluster() -> Iterator[Any]:
    """A ``distributed.Client`` of a ``LocalCluster`` of two worker processes (one thread
    each), to which this module's functions are shipped by value (workers cannot import it)."""
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        )
        with cluster, distributed.Client(cluster) as dask_client:
            dask_client.wait_for_workers(2, timeout=120)
            yield dask_client
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def merged_from_both_workers(parts: list[dict[str, Any]], worker_pids: set[int]) -> dict[str, Any]:
    """The six partitions' reports merged, once each is shown to come from one of the two
    worker processes (and both took part)."""
    assert len(parts) == 6
    pids = {part.pop("pid") for part in parts}
    assert pids <= worker_pids
    assert len(pids) == 2, "both worker processes ran partitions"
    assert os.getpid() not in pids
    report = merge_reports(parts)
    good = CONTACTS - len(BAD)
    assert (report["total"], report["accepted"], report["partitions"]) == (CONTACTS, good, 6)
    return report


def test_the_client_pickles_by_configuration(fake_sendgrid: FakeSendGrid) -> None:
    client = fake_sendgrid.client(max_retries=2)
    clone = pickle.loads(pickle.dumps(client))
    assert clone.base_url == client.base_url
    assert clone.check() == client.check()


def test_dask_workers_store_every_contact_exactly_once(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.set_latency(20)  # keeps both workers busy
    client = fake_sendgrid.client(max_retries=2)
    with local_cluster() as dask_client:
        bag = db.from_sequence(list(enumerate(events())), npartitions=6)
        parts = bag.map_partitions(upsert_with_pid, client).compute()
        worker_pids = set(dask_client.run(os.getpid).values())
    report = merged_from_both_workers(parts, worker_pids)
    good = CONTACTS - len(BAD)
    assert [f["index"] for f in report["failed"]] == sorted(BAD)
    assert all(f["outcome"] == "rejected" for f in report["failed"])
    # One PUT per partition; the two partitions holding a bad address send theirs again
    # without it after SendGrid's 400. Every import job ran, none twice.
    assert report["requests"] == 6 + len(BAD)
    assert len(report["job_ids"]) == 6
    assert sum(job["requested"] for job in report["imports"]) == good

    stored = [contact["email"] for contact in fake_sendgrid.contacts()]
    assert len(stored) == good
    assert len(set(stored)) == good
    assert set(stored) == {f"worker{i}@example.com" for i in range(CONTACTS) if i not in BAD}
    puts = [r for r in fake_sendgrid.requests() if r["method"] == "PUT"]
    assert len(puts) == 6 + len(BAD)


def test_dask_dataframe_partitions_go_through_the_arrow_path(fake_sendgrid: FakeSendGrid) -> None:
    """A Dask DataFrame: each pandas partition is a table (dotted column names nest), and
    the failures carry the pandas index labels of their rows."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    dask = pytest.importorskip("dask")
    pytest.importorskip("pyarrow")  # pandas exports its Arrow stream through pyarrow
    labels = [100_000 + 10 * position for position in range(CONTACTS)]
    frame = pd.DataFrame(
        {
            "type": "identify",
            "traits.email": [f"frame{i}@example.com" for i in range(CONTACTS)],
            "traits.first_name": "Zoë",
            "traits.address.city": [f"City {i % 97}" for i in range(CONTACTS)],
        },
        index=pd.Index(labels, name="row"),
    )
    for position, email in BAD.items():
        frame.loc[labels[position], "traits.email"] = email
    fake_sendgrid.set_latency(20)  # keeps both workers busy
    client = fake_sendgrid.client(max_retries=2)
    with local_cluster() as dask_client:
        ddf = dd.from_pandas(frame, npartitions=6)
        tasks = [dask.delayed(upsert_frame_with_pid)(part, client) for part in ddf.to_delayed()]
        parts = list(dask.compute(*tasks))
        worker_pids = set(dask_client.run(os.getpid).values())
    report = merged_from_both_workers(parts, worker_pids)
    good = CONTACTS - len(BAD)
    # The index labels of the bad rows, not their positions in a partition or the frame.
    assert [f["index"] for f in report["failed"]] == [labels[p] for p in sorted(BAD)]
    assert all(f["outcome"] == "rejected" for f in report["failed"])
    assert report["requests"] == 6 + len(BAD)
    assert sum(job["requested"] for job in report["imports"]) == good

    stored = fake_sendgrid.contacts()
    emails = [contact["email"] for contact in stored]
    assert len(emails) == len(set(emails)) == good
    assert set(emails) == {f"frame{i}@example.com" for i in range(CONTACTS) if i not in BAD}
    # The dotted names were nested (traits.address.city two levels) and mapped by default.
    (sample,) = [contact for contact in stored if contact["email"] == "frame96@example.com"]
    assert (sample["first_name"], sample["city"]) == ("Zoë", "City 96")


def test_partition_helpers_without_a_cluster(fake_sendgrid: FakeSendGrid) -> None:
    template = fake_sendgrid.add_template(
        "Hi", versions=[{"name": "v1", "subject": "Hi", "html_content": "x", "active": True}]
    )
    client = fake_sendgrid.client()
    mapping = {"from": {"email": "shop@example.com"}, "template_id": template}
    parts = [
        send_partition(
            [{"properties": {"email": f"p{i}@example.com"}} for i in range(start, start + 5)],
            client,
            mapping=mapping,
        )
        for start in (0, 5)
    ]
    parts.append(upsert_partition([(40, {"traits": {}})], client, indexed=True))
    report = merge_reports(parts)
    assert (report["total"], report["accepted"], report["partitions"]) == (11, 10, 3)
    assert [(f["index"], f["partition"]) for f in report["failed"]] == [(40, 2)]
    assert len(fake_sendgrid.messages()) == 2  # merged: one request per partition
    with pytest.raises(ValueError, match=r"\(index, event\) pairs"):
        upsert_partition([{"traits": {}}], client, indexed=True)
