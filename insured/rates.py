"""The only writers of the rate tables (minimum wage, per-capita treatment, scheme rates).

Every write to WageTable, TreatmentFee and SchemeRate goes through these functions, so a cache of the tables
has one place to be told they changed. A row that a slip or a paid month has used is never changed: the
amounts people paid were computed from it. A wage or scheme-rate correction is a new row from a month nobody has
used yet; a per-capita correction is a new row in force from a day on. Each is recorded with its reason.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from insured import rules
from insured.models import CoveredMonth, RateCode, SchemeRate, SlipLine, TreatmentFee, WageTable
from samt.actors import Actor
from samt.audit import audit_record, snapshot
from samt.errors import DomainError
from samt.formatting import jdate
from samt.jalali import TEHRAN, JalaliMonth
from samt.persian import to_persian_digits

CEILING_UNDER_MIN = "سقف دستمزد روزانه نمی‌تواند کمتر از حداقل آن باشد."
AMOUNT_NOT_POSITIVE = "مبلغ باید بیش از صفر ریال باشد."
RATE_OUT_OF_RANGE = "نرخ باید بیش از صفر و حداکثر ۱۰۰ درصد باشد."
REASON_REQUIRED = "علت ثبت یا اصلاح را بنویسید."
UNKNOWN_RATE_CODE = "کد نرخ شناخته نیست."
PER_CAPITA_BACKDATED = (
    "سرانه درمان سال {year} هم‌اکنون در اجراست و برگ‌هایی با آن صادر شده است؛ ردیف اصلاحی از امروز ({today}) "
    "یا روزی پس از آن اجرا می‌شود و تفاوت ماه‌های پرداخت‌شده در گردش حساب سال گرفته می‌شود."
)


def months_used(*, since: JalaliMonth, until: JalaliMonth | None = None, rate_code: str = "",
                treatment: bool = False) -> int:
    """Months in [since, until) already on a live or paid slip, or paid (also by the legacy system)."""
    in_range = Q(month__gte=since) & (Q(month__lt=until) if until else Q())
    lines = SlipLine.objects.filter(in_range, live=True)
    covered = CoveredMonth.objects.filter(in_range, slip__isnull=True)
    if rate_code:
        lines, covered = lines.filter(contract__rate_code=rate_code), covered.filter(contract__rate_code=rate_code)
    if treatment:
        lines, covered = lines.filter(persons__gt=0), covered.filter(persons__gt=0)
    return lines.count() + covered.count()


def _refuse_if_used(used: int, what: str) -> None:
    if used:
        raise DomainError(
            f"{what} در {to_persian_digits(used)} ماهِ برگ‌های صادر یا پرداخت‌شده به کار رفته است و دیگر تغییر "
            "نمی‌کند؛ اصلاح را به صورت ردیف تازه از نخستین ماهی که هنوز برگی برای آن صادر نشده ثبت کنید."
        )


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)


@transaction.atomic
def wage_row_record(*, actor: Actor, effective_from: JalaliMonth, min_daily: int, ceiling_daily: int, source: str,
                    reason: str) -> WageTable:
    """A minimum/ceiling wage from a month on (a mid-year change is a second row of the same year)."""
    _check_reason(reason)
    if min_daily <= 0:
        raise DomainError(AMOUNT_NOT_POSITIVE)
    if ceiling_daily < min_daily:
        raise DomainError(CEILING_UNDER_MIN)
    # The table lock orders concurrent writers: two approvals cannot both see "nothing used" for one span.
    rows = list(WageTable.objects.select_for_update().order_by("effective_from"))
    later = next((row.effective_from for row in rows if row.effective_from > effective_from), None)
    _refuse_if_used(months_used(since=effective_from, until=later),
                    f"حداقل دستمزد از {effective_from.label}")
    existing = next((row for row in rows if row.effective_from == effective_from), None)
    before = snapshot(existing) if existing else None
    row = existing or WageTable(effective_from=effective_from)
    row.min_daily, row.ceiling_daily, row.source = min_daily, ceiling_daily, source
    row.save()
    audit_record(actor=actor, action="rates.wage_recorded", subject=row, before=before,
                 after={**snapshot(row), "reason": reason})
    return row


@transaction.atomic
def per_capita_record(*, actor: Actor, year: int, effective_from: date, per_capita_monthly: int, source: str,
                      reason: str) -> TreatmentFee:
    """A per-capita treatment figure of a year, in force from `effective_from` (it prices every month of that year).

    Always a new row: slips already priced with the year's figure keep it, and the year's statements settle the
    difference at the newest figure (domain.md §3). A year whose figure is already in force can only be corrected
    from today on, so what a past day's slips were told stays what that day's row says."""
    _check_reason(reason)
    if per_capita_monthly <= 0:
        raise DomainError(AMOUNT_NOT_POSITIVE)
    today = timezone.localdate(timezone.now(), TEHRAN)
    # The table lock orders concurrent writers, so two corrections cannot both miss the row the other wrote.
    rows = list(TreatmentFee.objects.select_for_update().filter(year=year))
    in_force = [row for row in rows if row.effective_from <= today]
    if in_force and effective_from < today:
        raise DomainError(PER_CAPITA_BACKDATED.format(year=to_persian_digits(year), today=jdate(today)))
    row = TreatmentFee.objects.create(year=year, effective_from=effective_from, per_capita_monthly=per_capita_monthly,
                                      source=source, reason=reason.strip())
    audit_record(actor=actor, action="rates.per_capita_recorded", subject=row, after=snapshot(row))
    return row


@transaction.atomic
def scheme_rate_record(*, actor: Actor, rate_code: str, effective_from: JalaliMonth, rate_bp: int,
                       reason: str) -> SchemeRate:
    _check_reason(reason)
    if rate_code not in RateCode.values:
        raise DomainError(UNKNOWN_RATE_CODE)
    if not 0 < rate_bp <= rules.RATE_BASIS:
        raise DomainError(RATE_OUT_OF_RANGE)
    rows = list(SchemeRate.objects.select_for_update().filter(rate_code=rate_code).order_by("effective_from"))
    later = next((row.effective_from for row in rows if row.effective_from > effective_from), None)
    _refuse_if_used(months_used(since=effective_from, until=later, rate_code=rate_code),
                    f"نرخ کد {rate_code} از {effective_from.label}")
    existing = next((row for row in rows if row.effective_from == effective_from), None)
    before = snapshot(existing) if existing else None
    row = existing or SchemeRate(rate_code=rate_code, effective_from=effective_from)
    row.rate_bp = rate_bp
    row.save()
    audit_record(actor=actor, action="rates.scheme_rate_recorded", subject=row, before=before,
                 after={**snapshot(row), "reason": reason})
    return row
