"""Reminder texts (the person may turn them off): a contract one unpaid month away from lapsing.

With F the first unpaid month and C the current month, a contract lapses when C − F passes three months (four once
extended, domain.md §3). When one more month would pass it, the person is told to pay by the end of C: once per
contract and month, in daytime only, and never to someone who turned reminders off.
"""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Max, Q
from django.utils import timezone

from insured import rules
from insured.models import Contract, ContractStatus
from samt import sms_texts
from samt.jalali import TEHRAN, JalaliMonth
from samt.sms import Text, sms_queue_many

# Nobody is woken by a reminder: the job queues them only in these Tehran hours.
DAYTIME = (time(9, 0), time(20, 0))


def _warned_first_unpaid(current: JalaliMonth, *, extended: bool) -> JalaliMonth:
    """The first unpaid month F for which C − F is exactly the lapse limit: one month more and it is void."""
    return current - (rules.LAPSE_MONTHS_EXTENDED if extended else rules.LAPSE_MONTHS)


def lapse_warnings_send(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    local = timezone.localtime(now, TEHRAN)
    if not DAYTIME[0] <= local.time() < DAYTIME[1]:
        return 0
    current = JalaliMonth.current(now)
    near = Q()
    for extended in (False, True):
        first_unpaid = _warned_first_unpaid(current, extended=extended)
        # F is the month after the last paid one, or the contract's first month when nothing is paid yet.
        near |= Q(lapse_extension_used=extended) & (Q(last_paid=first_unpaid - 1)
                                                     | Q(last_paid__isnull=True, first_month=first_unpaid))
    contracts = (Contract.objects.filter(status=ContractStatus.ACTIVE, insured__sms_reminders=True)
                 .exclude(insured__mobile="")
                 .annotate(last_paid=Max("covered_months__month")).filter(near)
                 .values_list("pk", "insured__mobile", "last_paid", "first_month"))
    texts = []
    for pk, mobile, last_paid, first_month in contracts:
        first_unpaid = _as_month(last_paid).next() if last_paid else _as_month(first_month)
        texts.append(Text(to=mobile, event=f"lapse.warning:{pk}:{current}",
                          text=sms_texts.lapse_warning(first_unpaid=first_unpaid, last_chance=current),
                          reminder=True))
    return sms_queue_many(texts, now=now)


def _as_month(value: JalaliMonth | int) -> JalaliMonth:
    return value if isinstance(value, JalaliMonth) else JalaliMonth.from_int(value)
