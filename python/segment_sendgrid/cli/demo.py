"""``segment-sendgrid demo``: the main job on the embedded emulator.

Generates realistic Segment events with a seeded RNG (identify calls with
traits and an address; "Order Completed" track calls), starts FakeSendGrid in
this process, creates custom fields, a list and a dynamic template, upserts
the contacts with custom fields into the list, sends the order mails through
the template, waits for the import job, and prints a summary with the
emulator's stored counts. With ``--live`` it talks to SendGrid instead.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from typing import Any

from segment_sendgrid.cli.args import OK, RECORDS_FAILED, CliError
from segment_sendgrid.cli.commands import api_key, make_client
from segment_sendgrid.cli.output import plural

FIRST = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis",
    "Barbara", "Ken", "Frances", "Edsger", "Radia", "Guido",
]  # fmt: skip
LAST = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton",
    "Ritchie", "Liskov", "Thompson", "Allen", "Dijkstra",
]  # fmt: skip
PLACES = [
    ("San Francisco", "CA", "US", "94107"),
    ("New York", "NY", "US", "10001"),
    ("Austin", "TX", "US", "73301"),
    ("London", "England", "GB", "EC1A 1BB"),
    ("Berlin", "Berlin", "DE", "10115"),
    ("Paris", "Île-de-France", "FR", "75001"),
    ("Tokyo", "Tokyo", "JP", "100-0001"),
    ("São Paulo", "SP", "BR", "01000-000"),
]
PLANS = ["free", "free", "free", "pro", "pro", "team", "enterprise"]
PRODUCTS = [("Notebook", 4.5), ("Pen set", 12.0), ("Backpack", 59.9), ("Desk lamp", 34.0)]

LIST_NAME = "Demo customers"
TEMPLATE_NAME = "Order confirmation"
FIELDS = [("plan", "Text"), ("lifetime_value", "Number"), ("signup_date", "Date")]

UPSERT_MAPPING: dict[str, Any] = {
    "customFields": {
        "plan": {"@path": "$.traits.plan"},
        "lifetime_value": {"@path": "$.traits.lifetime_value"},
        "signup_date": {"@path": "$.traits.signup_date"},
    }
}


def send_mapping(template_id: str) -> dict[str, Any]:
    return {
        "from": {"email": "orders@shop.example.com", "name": "Demo Shop"},
        "to": {"email": {"@path": "$.properties.email"}, "name": {"@path": "$.properties.name"}},
        "template_id": template_id,
        "dynamic_template_data": {
            "first_name": {"@path": "$.properties.first_name"},
            "order_id": {"@path": "$.properties.order_id"},
            "total": {"@path": "$.properties.total"},
            "items": {"@path": "$.properties.products"},
        },
        "custom_args": {"order_id": {"@path": "$.properties.order_id"}},
        "categories": ["demo", "order-confirmation"],
    }


def identify(rng: random.Random, i: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, country, postal = rng.choice(PLACES)
    return {
        "type": "identify",
        "messageId": f"demo-identify-{i}",
        "userId": f"user-{i:06d}",
        "anonymousId": f"anon-{rng.getrandbits(64):016x}",
        "timestamp": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00.000Z",
        "traits": {
            "email": f"{first}.{last}.{i}@example.com".lower(),
            "first_name": first,
            "last_name": last,
            "phone": f"+1415555{i % 10000:04d}",
            "address": {"city": city, "state": state, "country": country, "postal_code": postal},
            "plan": rng.choice(PLANS),
            "lifetime_value": round(rng.uniform(0, 2000), 2),
            "signup_date": f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(2019, 2024)}",
        },
    }


def order(rng: random.Random, i: int, person: dict[str, Any]) -> dict[str, Any]:
    traits = person["traits"]
    products: list[dict[str, Any]] = [
        {"name": name, "price": price, "quantity": rng.randint(1, 3)}
        for name, price in rng.sample(PRODUCTS, rng.randint(1, 3))
    ]
    return {
        "type": "track",
        "event": "Order Completed",
        "messageId": f"demo-order-{i}",
        "userId": person["userId"],
        "properties": {
            "email": traits["email"],
            "name": f"{traits['first_name']} {traits['last_name']}",
            "first_name": traits["first_name"],
            "order_id": f"order-{i:06d}",
            "total": round(sum(p["price"] * p["quantity"] for p in products), 2),
            "products": products,
        },
    }


def events(seed: int, contacts: int, mails: int) -> tuple[list[dict[str, Any]], Iterator[Any]]:
    rng = random.Random(seed)
    people = [identify(rng, i) for i in range(contacts)]
    pool = people or [identify(rng, 0)]
    orders = (order(rng, i, pool[i % len(pool)]) for i in range(mails))
    return people, orders


def run_demo(args: argparse.Namespace) -> int:
    if args.live:
        return _run(args, fake=None)
    from segment_sendgrid.testing import FakeSendGrid

    fake = FakeSendGrid(import_delay_ms=100).start()
    try:
        return _run(args, fake=fake)
    finally:
        fake.stop()


def _run(args: argparse.Namespace, fake: Any) -> int:
    from segment_sendgrid import Client

    say = _Say(quiet=args.quiet or args.json)
    started = time.monotonic()
    if fake is None:
        client = make_client(args, api_key(args.api_key_env))
        list_ids, template_id = args.list_id, args.template_id
        if args.mails and not template_id:
            raise CliError("demo --live sends mail only through --template-id ID (or --mails 0)")
        say(f"segment-sendgrid demo against {client.base_url} (live: mail in sandbox mode)")
        upsert_mapping: dict[str, Any] | None = None
    else:
        client = Client(api_key=fake.api_key, endpoint=fake.url, max_concurrency=args.concurrency)
        for name, kind in FIELDS:
            fake.add_custom_field(name, kind)
        list_ids = [fake.add_list(LIST_NAME)]
        template_id = fake.add_template(TEMPLATE_NAME, _template_versions())
        say(f"segment-sendgrid demo on the local SendGrid emulator at {fake.url}")
        say(f"  created custom fields {', '.join(n for n, _ in FIELDS)}, list {LIST_NAME!r}")
        say(f"  and dynamic template {TEMPLATE_NAME!r} ({template_id})")
        say("  nothing leaves this machine")
        upsert_mapping = UPSERT_MAPPING
    people, orders = events(args.seed, args.contacts, args.mails)
    generated = time.monotonic()

    say(f"upserting {args.contacts:,} contacts and waiting for the import job …")
    t0 = time.monotonic()
    contacts = client.upsert_contacts(
        people, mapping=upsert_mapping, list_ids=list_ids or None, wait=True
    )
    upsert_s = time.monotonic() - t0
    mails = None
    send_s = 0.0
    if args.mails:
        say(f"sending {args.mails:,} mails through the template …")
        t0 = time.monotonic()
        mails = client.send_dynamic_templates(
            orders, mapping=send_mapping(template_id), sandbox=fake is None
        )
        send_s = time.monotonic() - t0

    summary = _summary(args, contacts, mails, upsert_s, send_s, fake)
    summary["seconds"] = round(time.monotonic() - started, 3)
    summary["generate_seconds"] = round(generated - started, 3)
    if args.json:
        print(json.dumps(summary))
    else:
        print(_text(summary, fake is None))
    return RECORDS_FAILED if summary["failed"] else OK


def _template_versions() -> list[dict[str, Any]]:
    return [
        {
            "name": "v1",
            "subject": "Your order {{order_id}}",
            "html_content": "<p>Hi {{first_name}}, thanks for order {{order_id}} "
            "({{total}}).</p>{{#each items}}<li>{{this.name}}</li>{{/each}}",
            "plain_content": "Hi {{first_name}}, thanks for order {{order_id}}.",
            "active": True,
        }
    ]


def _action(report: Any, seconds: float) -> dict[str, Any]:
    return {
        "records": report.total,
        "accepted": report.accepted,
        "failed": len(report.failed),
        "requests": report.requests,
        "retries": report.retries,
        "seconds": round(seconds, 3),
        "records_per_second": round(report.total / seconds, 1) if seconds > 0 else 0.0,
    }


def _summary(
    args: argparse.Namespace,
    contacts: Any,
    mails: Any,
    upsert_s: float,
    send_s: float,
    fake: Any,
) -> dict[str, Any]:
    upsert = _action(contacts, upsert_s)
    upsert["imports"] = [job.to_dict() for job in contacts.imports]
    send = _action(mails, send_s) if mails is not None else None
    records = contacts.total + (mails.total if mails is not None else 0)
    seconds = upsert_s + send_s
    summary: dict[str, Any] = {
        "live": fake is None,
        "records": records,
        "requests": contacts.requests + (mails.requests if mails is not None else 0),
        "failed": upsert["failed"] + (send["failed"] if send else 0),
        "records_per_second": round(records / seconds, 1) if seconds > 0 else 0.0,
        "upsert_contacts": upsert,
        "send_emails": send,
        "emulator": None,
    }
    if fake is not None:
        stored = fake.contacts()
        messages = fake.messages()
        summary["emulator"] = {
            "url": fake.url,
            "contacts": len(stored),
            "contacts_in_list": sum(1 for c in stored if c.get("list_ids")),
            "contacts_with_custom_fields": sum(1 for c in stored if c.get("custom_fields")),
            "mail_requests": len(messages),
            "mails": sum(len(m["body"]["personalizations"]) for m in messages),
            "import_jobs": len(fake.import_jobs()),
        }
    return summary


def _text(s: dict[str, Any], live: bool) -> str:
    lines = ["", f"done in {s['seconds']:.2f} s"]
    for label, key in (("upsert-contacts", "upsert_contacts"), ("send-emails", "send_emails")):
        part = s[key]
        if part is None:
            continue
        lines.append(
            f"  {label:<16}{part['records']:>9,} records {part['accepted']:>9,} accepted "
            f"{part['failed']:>5,} failed {plural(part['requests'], 'request'):>12} "
            f"{part['seconds']:>6.2f} s {part['records_per_second']:>10,.0f} records/s"
        )
    for job in s["upsert_contacts"]["imports"]:
        lines.append(
            f"  import job {job['id']}: {job['status']}, {job['created']:,} created, "
            f"{job['updated']:,} updated, {job['errored']:,} errored"
        )
    lines.append(
        f"  total           {s['records']:>9,} records, {plural(s['requests'], 'request')}, "
        f"{s['failed']:,} failed, {s['records_per_second']:,.0f} records/s"
    )
    em = s["emulator"]
    if em is not None:
        lines += [
            "",
            f"the emulator stored {em['contacts']:,} contacts ({em['contacts_in_list']:,} in "
            f"the list, {em['contacts_with_custom_fields']:,} with custom fields) and "
            f"{plural(em['mails'], 'mail')} in {plural(em['mail_requests'], 'request')}",
        ]
    lines += ["", "what to try next:"]
    if not live:
        lines += [
            "  segment-sendgrid emulator --port 3030      # serve the emulator (key SG.fake-key)",
            '  echo \'{"traits": {"email": "ada@example.com", "first_name": "Ada"}}\' \\',
            "    | SENDGRID_API_KEY=SG.fake-key segment-sendgrid upsert-contacts - \\",
            "      --endpoint http://127.0.0.1:3030 --dry-run   # then without --dry-run",
            "  segment-sendgrid demo --contacts 100000 --mails 5000   # a bigger run",
        ]
    lines += [
        "  segment-sendgrid upsert-contacts --help    # JSONL/CSV, mappings, --failed-out",
        "  README.md: the Python API, mappings, the pytest fixture `fake_sendgrid`",
    ]
    return "\n".join(lines)


class _Say:
    """Progress notes on stderr (silent with --quiet or --json)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)
