"""Per-address request limits kept in the database, so every app server counts the same hits.

A fixed window per (scope, key): simple to reason about, and one indexed row per address per window. The limit
of each scope is a setting (`SAMT_THROTTLES`), so a deployment can loosen or tighten it without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
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
    key = key[:64]
    with transaction.atomic():
        # The increment is one UPDATE, atomic on every database; the row is made on the window's first hit.
        if not ThrottleWindow.objects.filter(scope=scope, key=key, window_start=start).update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    ThrottleWindow.objects.create(scope=scope, key=key, window_start=start, hits=1)
            except IntegrityError:
                # Another server made the row between our UPDATE and INSERT: count on it.
                ThrottleWindow.objects.filter(scope=scope, key=key, window_start=start).update(hits=F("hits") + 1)
        hits = ThrottleWindow.objects.filter(scope=scope, key=key, window_start=start).values_list(
            "hits", flat=True).get()
        # Old windows of this scope are useless; dropping them here keeps the table small without a job.
        ThrottleWindow.objects.filter(scope=scope, window_start__lt=start - timedelta(seconds=limit.per_seconds)
                                      ).delete()
    return hits <= limit.hits


def request_allowed(request: HttpRequest, scope: str) -> bool:
    """Count this request against its client address on `scope`."""
    return throttle_hit(scope=scope, key=client_ip(request) or "unknown")
