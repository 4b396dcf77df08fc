"""The audit trail's hash chain: every event gets a link (AuditLink) holding the hash of the link before it and its
own hash over that and the event's content, so an event changed, removed or slipped in afterwards, even by someone
who can switch the database's guards off, is found by `manage.py verify_audit_chain`.

The worker links the events (`chain_extend`, job "audit.chain"), oldest first, a few seconds after their
transactions committed. Linking inside each request would need one lock held by every transaction that writes an
event until it commits, and at the month-end rush every slip issued would wait for the others' commits; the
events themselves are append-only from the moment they are written (the triggers), the chain guards them against
whoever can lift the triggers.

A link's hash is SHA-256 over the previous link's hash and a canonical serialisation of the event (CANONICAL below).
Changing that serialisation breaks every chain already written: it is a storage format, not a detail.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from samt.models import AuditEvent, AuditLink

# The hash the first link follows.
GENESIS = "0" * 64
# The PostgreSQL advisory lock (two keys: "audt" in ASCII, then 0) under which one linker at a time extends the
# chain, so two never follow the same link (the worker's job lock already keeps to one; a manual run may not).
CHAIN_LOCK = (0x61756474, 0)
# The fields an event's hash covers, in this order. The id is left out: the chain's own order is the links'.
CANONICAL = ("at", "actor_id", "actor_label", "role", "branch_id", "office_id", "province_id", "action",
             "subject_type", "subject_id", "subject_label", "before", "after", "client_ip")
# An event whose transaction committed late (its id this far behind the newest linked one) is still found.
LATE_EVENTS = 10_000
# The worker links every few seconds; an event older than this and still unlinked means something is wrong.
LINKED_WITHIN = timedelta(minutes=10)
BATCH = 5_000


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


def chain_extend(*, limit: int = BATCH) -> int:
    """Link the committed events that have no link yet, oldest first; returns how many were linked."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", CHAIN_LOCK)
        last = AuditLink.objects.order_by("-id").values("event_id", "row_hash").first()
        prev_hash = last["row_hash"] if last else GENESIS
        since = last["event_id"] - LATE_EVENTS if last else 0
        links = []
        for event in AuditEvent.objects.filter(id__gt=since, link__isnull=True).order_by("id")[:limit]:
            row_hash = event_hash(prev_hash, event)
            links.append(AuditLink(event=event, prev_hash=prev_hash, row_hash=row_hash))
            prev_hash = row_hash
        AuditLink.objects.bulk_create(links)
    return len(links)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    at: datetime
    action: str
    why: str


@dataclass(frozen=True)
class ChainChecked:
    held: int  # links checked and found whole
    head: str
    unlinked: int
    broken: ChainBreak | None


def chain_verify(links: Iterable[AuditLink], *, now: datetime | None = None) -> ChainChecked:
    """Walk `links` in chain order (with their events); the first whose link or event does not hold is the break.
    Then the events without a link: the newest are waiting for the worker, an old one was put in behind it."""
    expected_prev, count = GENESIS, 0
    for link in links:
        count += 1
        event = link.event
        if link.prev_hash != expected_prev:
            return ChainChecked(count - 1, expected_prev, 0, ChainBreak(
                event.pk, event.at, event.action,
                "does not follow the link before it: an event between them was removed with its link"))
        if link.row_hash != event_hash(link.prev_hash, event):
            return ChainChecked(count - 1, expected_prev, 0, ChainBreak(
                event.pk, event.at, event.action, "its content was changed after it was linked"))
        expected_prev = link.row_hash
    unlinked = AuditEvent.objects.filter(link__isnull=True).order_by("id")
    oldest = unlinked.first()
    if oldest is not None and oldest.at < (now or timezone.now()) - LINKED_WITHIN:
        return ChainChecked(count, expected_prev, unlinked.count(), ChainBreak(
            oldest.pk, oldest.at, oldest.action,
            "has no link though the worker links every event within minutes: put in behind the chain, or the "
            "worker is not running"))
    return ChainChecked(count, expected_prev, unlinked.count(), None)
