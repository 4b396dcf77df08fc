"""Which gateway a new payment goes to, and how each gateway's token service has been doing.

The state lives in the database (GatewayHealth), not in a process: every app server skips a gateway that is
cooling off as soon as any of them has seen it fail repeatedly.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payments.gateways import registry
from payments.gateways.base import PaymentGateway
from payments.models import GatewayHealth

_pick = random.SystemRandom()


def payment_route(*, pick: float | None = None) -> list[PaymentGateway]:
    """The gateways to try for one payment, in order (see registry.route)."""
    configured = registry.configured_gateways()
    now = timezone.now()
    cooling = {(row.psp, row.terminal_id) for row in GatewayHealth.objects.filter(cooling_until__gt=now)}
    order = registry.route([(entry.key, entry.weight) for entry in configured], cooling,
                           _pick.random() if pick is None else pick)
    by_key = {entry.key: entry.gateway for entry in configured}
    return [by_key[key] for key in order]


def _row(gateway: PaymentGateway) -> GatewayHealth:
    try:
        with transaction.atomic():
            return GatewayHealth.objects.get_or_create(psp=gateway.name, terminal_id=gateway.terminal_id)[0]
    except IntegrityError:  # another server created it at the same moment
        return GatewayHealth.objects.get(psp=gateway.name, terminal_id=gateway.terminal_id)


def gateway_record_failure(gateway: PaymentGateway, message: str) -> GatewayHealth:
    """One more failure in a row; at the threshold the gateway cools off for the configured period."""
    options = settings.SAMT_PAYMENT_FAILOVER
    row, now = _row(gateway), timezone.now()
    with transaction.atomic():
        GatewayHealth.objects.filter(pk=row.pk).update(consecutive_failures=F("consecutive_failures") + 1,
                                                        last_failure_at=now, last_failure=message[:255])
        row.refresh_from_db()
        if row.consecutive_failures >= options["FAILURES_BEFORE_COOL_OFF"]:
            until = now + timedelta(seconds=options["COOL_OFF_SECONDS"])
            # The count starts again after the cool-off: one more failure then is not yet "repeatedly".
            GatewayHealth.objects.filter(pk=row.pk).update(cooling_until=until, consecutive_failures=0)
            row.refresh_from_db()
    return row


def gateway_record_success(gateway: PaymentGateway) -> None:
    GatewayHealth.objects.filter(psp=gateway.name, terminal_id=gateway.terminal_id).exclude(
        consecutive_failures=0, cooling_until=None).update(consecutive_failures=0, cooling_until=None,
                                                           last_success_at=timezone.now())
