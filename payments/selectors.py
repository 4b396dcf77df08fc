"""What HQ reads about card payments: per PSP and day, attempts, successes, failures by reason, and amounts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from payments.gateways.registry import psp_labels
from payments.models import PaymentAttempt, PaymentEvent, State
from samt.access import visible_branches
from samt.jalali import TEHRAN
from samt.models import User

# Ended without the money being ours; the reason is what the payer was told (or the state, if nothing was).
FAILED_STATES = [State.FAILED, State.EXPIRED, State.REJECTED, State.REVERSED, State.MANUAL_REVIEW]


@dataclass
class GatewayDay:
    day: date
    psp: str
    psp_label: str
    terminal_id: str
    attempts: int = 0
    succeeded: int = 0
    amount_succeeded: int = 0
    amount_attempted: int = 0
    failed: int = 0
    unfinished: int = 0
    failovers: int = 0  # attempts this gateway took over after another gateway's token service failed
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def success_percent(self) -> int:
        return round(100 * self.succeeded / self.attempts) if self.attempts else 0


def attempts_visible_to(user: User) -> QuerySet[PaymentAttempt]:
    """National HQ staff see every attempt; a province's staff the attempts for their province's insured."""
    membership = user.membership_or_none
    attempts = PaymentAttempt.objects.all()
    if membership is None or membership.province_id is None:
        return attempts
    branches = visible_branches(user)
    return attempts.filter(Q(slip__contract__insured__branch__in=branches)
                           | Q(debt_slip__statement__contract__insured__branch__in=branches))


def gateway_days(attempts: QuerySet[PaymentAttempt], first: date, last: date) -> list[GatewayDay]:
    """One row per PSP terminal and Tehran day from `first` to `last`, newest day first."""
    start = datetime.combine(first, time.min, tzinfo=TEHRAN)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=TEHRAN)
    in_range = attempts.filter(created_at__gte=start, created_at__lt=end).annotate(
        day=TruncDate("created_at", tzinfo=TEHRAN))
    labels = psp_labels()
    rows: dict[tuple[date, str, str], GatewayDay] = {}

    def row(day: date, psp: str, terminal_id: str) -> GatewayDay:
        key = (day, psp, terminal_id)
        if key not in rows:
            rows[key] = GatewayDay(day=day, psp=psp, psp_label=labels.get(psp, psp), terminal_id=terminal_id)
        return rows[key]

    groups = in_range.values("day", "psp", "terminal_id", "state", "failure_reason").annotate(
        n=Count("id"), amount=Sum("amount_rial"))
    state_names = dict(State.choices)
    for group in groups:
        line = row(group["day"], group["psp"], group["terminal_id"])
        line.attempts += group["n"]
        line.amount_attempted += group["amount"] or 0
        if group["state"] == State.SUCCEEDED:
            line.succeeded += group["n"]
            line.amount_succeeded += group["amount"] or 0
        elif group["state"] in FAILED_STATES:
            line.failed += group["n"]
            reason = group["failure_reason"] or state_names[group["state"]]
            line.failures[reason] = line.failures.get(reason, 0) + group["n"]
        else:
            line.unfinished += group["n"]
    took_over: dict[tuple[date, str, str], int] = defaultdict(int)
    for found in (PaymentEvent.objects.filter(name="failover", attempt__in=in_range)
                  .values("attempt__psp", "attempt__terminal_id", "attempt__created_at")):
        day = found["attempt__created_at"].astimezone(TEHRAN).date()
        took_over[(day, found["attempt__psp"], found["attempt__terminal_id"])] += 1
    for key, count in took_over.items():
        row(*key).failovers = count
    return sorted(rows.values(), key=lambda line: (-line.day.toordinal(), line.psp, line.terminal_id))
