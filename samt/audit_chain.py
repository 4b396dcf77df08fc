"""The audit trail's hash chain: each event stores the hash of the event before it and its own hash over both, so
an event changed, removed or slipped in afterwards, even by someone who can switch the database's guards off, is
found by `manage.py verify_audit_chain`.

An event's hash is SHA-256 over the previous event's hash and a canonical serialisation of the event (CANONICAL
below). Changing that serialisation breaks every chain already written: it is a storage format, not a detail.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from samt.models import AuditEvent

# The hash the first event follows.
GENESIS = "0" * 64
# The PostgreSQL advisory lock (two keys: "audt" in ASCII, then 0) under which one event at a time is linked, so
# concurrent writers follow each other instead of both following the same event. Held to the end of the writer's
# transaction: the next writer reads the last event only once this one is committed (or rolled back).
CHAIN_LOCK = (0x61756474, 0)
# The fields an event's hash covers, in this order. `id` is left out (it is given by the database after the hash
# is made); the order of the chain is the order of ids, and a removed or inserted event breaks the next link.
CANONICAL = ("at", "actor_id", "actor_label", "role", "branch_id", "office_id", "province_id", "action",
             "subject_type", "subject_id", "subject_label", "before", "after", "client_ip")


def event_hash(prev_hash: str, event: Any) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


def canonical(event: Any) -> bytes:
    values = [_canonical_value(name, getattr(event, name)) for name in CANONICAL]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _canonical_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "client_ip":
        # The database may spell an address differently from how it was given (IPv6 zeros, a mapped IPv4).
        return ipaddress.ip_address(value).packed.hex()
    if name in ("before", "after"):
        # As the JSON column gives it back: string keys, lists for tuples.
        return json.loads(json.dumps(value))
    return value


def chain_link(event: AuditEvent) -> None:
    """Set `event`'s prev_hash and row_hash from the last event written, before it is saved (in its transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", CHAIN_LOCK)
    # SQLite lets one writer at a time hold the database: a writer that read the last event before another wrote
    # one is refused (busy) when it writes, so two events never follow the same one unnoticed.
    last = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first()
    event.prev_hash = last if last is not None else GENESIS
    event.row_hash = event_hash(event.prev_hash, event)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    at: datetime
    action: str
    why: str


@dataclass(frozen=True)
class ChainChecked:
    events: int
    head: str
    broken: ChainBreak | None


def chain_verify(events: Iterable[AuditEvent]) -> ChainChecked:
    """Walk `events` in id order; the first one whose link or content does not hold is the break."""
    expected_prev, count = GENESIS, 0
    for event in events:
        count += 1
        if event.prev_hash != expected_prev:
            return ChainChecked(count, expected_prev, ChainBreak(
                event.pk, event.at, event.action,
                "does not follow the event before it: an event between them was removed, or this one was put in"))
        if event.row_hash != event_hash(event.prev_hash, event):
            return ChainChecked(count, expected_prev, ChainBreak(
                event.pk, event.at, event.action, "its content was changed after it was written"))
        expected_prev = event.row_hash
    return ChainChecked(count, expected_prev, None)
