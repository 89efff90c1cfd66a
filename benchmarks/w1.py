"""Workload W1: deterministic synthetic Segment identify events (~1.2 KB of JSON each).

See ``docs/BENCHMARKS.md``. The same seed always yields the same events,
so runs are comparable across machines and against the Node implementation.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Iterator
from typing import Any

FIRST_NAMES = ["Ada", "José", "Zoë", "Łukasz", "Søren", "Chloé", "Ngozi", "Hiroshi", "Amélie"]
LAST_NAMES = ["Lovelace", "Müller", "García", "Nguyễn", "Østergaard", "Kowalski", "Smith", "Dubois"]
CITIES = [
    ("San Francisco", "CA", "USA", "94107"),
    ("München", "BY", "Germany", "80331"),
    ("São Paulo", "SP", "Brazil", "01310-100"),
    ("Kraków", "MA", "Poland", "30-001"),
    ("Paris", "IDF", "France", "75001"),
]
PLANS = ["free", "starter", "pro", "enterprise"]
COLORS = ["red", "green", "blue", "teal", "orange"]
SOURCES = ["ads", "organic", "referral", "newsletter"]
PAGES = ["/pricing", "/signup", "/docs/getting-started", "/blog/launch", "/account/settings"]


_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})


def ascii_name(name: str) -> str:
    """A name transliterated for an e-mail address (SendGrid refuses non-ASCII ones)."""
    text = unicodedata.normalize("NFKD", name.translate(_NO_DECOMPOSITION))
    return text.encode("ascii", "ignore").decode("ascii").lower()


def w1_event(rng: random.Random, i: int) -> dict[str, Any]:
    """One W1 identify event; ``i`` makes ids and emails unique."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    city, state, country, postal = rng.choice(CITIES)
    page = rng.choice(PAGES)
    day = f"2024-0{1 + i % 9}-{10 + i % 18:02d}"
    ts = f"{day}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 1000:03d}Z"
    return {
        "type": "identify",
        "userId": f"user-{i:08d}",
        "anonymousId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "messageId": f"msg-{i:010d}-{rng.getrandbits(32):08x}",
        "timestamp": ts,
        "sentAt": ts,
        "receivedAt": ts,
        "originalTimestamp": ts,
        "context": {
            "library": {"name": "analytics.js", "version": "2.11.1"},
            "ip": f"203.0.{rng.randrange(256)}.{rng.randrange(256)}",
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.2 Safari/605.1.15",
            "locale": rng.choice(["en-US", "de-DE", "pt-BR", "pl-PL", "fr-FR"]),
            "timezone": rng.choice(["America/Los_Angeles", "Europe/Berlin", "America/Sao_Paulo"]),
            "page": {
                "path": page,
                "referrer": "https://www.google.com/",
                "search": f"?utm_source={rng.choice(SOURCES)}",
                "title": "Example — pricing and plans",
                "url": f"https://www.example.com{page}",
            },
        },
        "traits": {
            "email": f"{ascii_name(first)}.{ascii_name(last)}.{i}@example.com",
            "first_name": first,
            "last_name": last,
            # Unique per event: the phone is also the phone_number_id identifier.
            "phone": f"+1415{i:07d}",
            "address": {
                "city": city,
                "state": state,
                "country": country,
                "postal_code": postal,
                "line1": f"{1 + i % 999} Market Street",
            },
            "plan": rng.choice(PLANS),
            "company": f"{last} & Söhne GmbH",
            "title": rng.choice(["Engineer", "Head of Data", "CTO", "Analyst"]),
            "age": 18 + i % 60,
            "logins": rng.randrange(1000),
            "vip": rng.random() < 0.1,
            "signup_source": rng.choice(SOURCES),
            "favorite_color": rng.choice(COLORS),
            "lifetime_value": round(rng.random() * 5000, 2),
            "created_at": ts,
        },
        "integrations": {},
    }


def w1_events(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """``count`` W1 events, generated lazily."""
    rng = random.Random(seed)
    for i in range(count):
        yield w1_event(rng, i)
