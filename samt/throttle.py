"""Per-address request limits kept in the database, so every app server counts the same hits.

A fixed window per (scope, key): simple to reason about, and one indexed row per address per window. The limit
of each scope is a setting (`SAMT_THROTTLES`), so a deployment can loosen or tighten it without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from samt.models import ThrottleWindow
from samt.net import client_ip

TOO_MANY = "تعداد درخواست‌های شما از این نشانی بیش از اندازه بوده است. چند دقیقه دیگر دوباره تلاش کنید."


@dataclass(frozen=True)
class Limit:
    hits: int
    per_seconds: int


def limit_for(scope: str) -> Limit:
    hits, seconds = settings.SAMT_THROTTLES[scope]
    return Limit(hits=hits, per_seconds=seconds)


def throttle_hit(*, scope: str, key: str, now: datetime | None = None) -> bool:
    """Count one hit of `key` on `scope`; False once the scope's limit for this window is passed."""
    limit = limit_for(scope)
    now = now or timezone.now()
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % limit.per_seconds, tz=UTC)
    table = ThrottleWindow._meta.db_table
    # One statement, atomic on PostgreSQL and SQLite alike: the window's row is made by its first hit and counted
    # up by the others, two servers' first hits included (the unique constraint decides which one inserts).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, window_start, hits) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (scope, key, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [scope, key[:64], connection.ops.adapt_datetimefield_value(start)],
        )
        hits = int(cursor.fetchone()[0])
        if hits == 1:
            # An address's first hit in a window: old windows of this scope are useless now, and dropping them
            # here (not on every hit) keeps the table small without a job.
            ThrottleWindow.objects.filter(
                scope=scope, window_start__lt=start - timedelta(seconds=limit.per_seconds)).delete()
    return hits <= limit.hits


def request_allowed(request: HttpRequest, scope: str) -> bool:
    """Count this request against its client address on `scope`."""
    return throttle_hit(scope=scope, key=client_ip(request) or "unknown")
