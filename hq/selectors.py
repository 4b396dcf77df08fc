"""Reads for the province's pages, each scoped to the reader's province (or the country)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from brokers.models import FaultCase, FeeTariff, tehran_today
from hq.models import ChangeKind, ReferenceChange
from insured import ledger
from insured.models import AccountStatement, RateCode, SchemeRate, StatementStatus, TreatmentFee, WageTable
from samt.access import visible_branches, visible_offices
from samt.formatting import fa_digits, jdate, percent_bp, rials
from samt.jalali import JalaliMonth
from samt.models import Branch, BrokerOffice, OfficeStatus, User


@dataclass(frozen=True)
class FiguresInForce:
    month: JalaliMonth
    wage: WageTable | None
    per_capita: TreatmentFee | None
    rates: list[tuple[str, SchemeRate | None]]


def figures_in_force(month: JalaliMonth) -> FiguresInForce:
    """What the calculator, quotes and slips read this month: a missing row is shown as missing, not guessed."""
    wage = WageTable.objects.filter(effective_from__lte=month).order_by("-effective_from").first()
    if wage is not None and wage.effective_from.year != month.year:
        wage = None
    rates = [(label, _rate_row(code, month)) for code, label in RateCode.choices]
    # The per-capita row in force on the month's first day, or today once the month has begun.
    per_capita = ledger.per_capita_row(month.year, max(month.first_day, ledger.tehran_today()))
    return FiguresInForce(month=month, wage=wage, per_capita=per_capita, rates=rates)


def _rate_row(code: str, month: JalaliMonth) -> SchemeRate | None:
    return SchemeRate.objects.filter(rate_code=code, effective_from__lte=month).order_by("-effective_from").first()


def offices_with_cases(user: User) -> QuerySet[BrokerOffice]:
    return visible_offices(user).annotate(
        open_cases=Count("fault_cases", filter=Q(fault_cases__decided_at__isnull=True)),
        operators=Count("memberships", distinct=True),
    )


def tariff_today() -> FeeTariff | None:
    today = tehran_today()
    return FeeTariff.objects.filter(effective_from__lte=today, effective_to__gte=today).first()


def open_cases(user: User) -> QuerySet[FaultCase]:
    return FaultCase.objects.filter(office__in=visible_offices(user), decided_at__isnull=True).select_related("office")


@dataclass(frozen=True)
class BranchStatements:
    branch: Branch
    contracts: int
    by_status: dict[str, int]

    @property
    def missing(self) -> int:
        return self.contracts - sum(self.by_status.values())


def statements_by_branch(user: User, year: int) -> list[BranchStatements]:
    """Last year's statements per branch: how far the year-end run has come where the reader looks."""
    rows = []
    began_by_year_end = Q(insured_people__contracts__first_month__lte=JalaliMonth(year, 12))
    branches = visible_branches(user).annotate(
        contracts=Count("insured_people__contracts", filter=began_by_year_end, distinct=True))
    for branch in branches:
        counts = (AccountStatement.objects.filter(year=year, contract__insured__branch=branch)
                  .values_list("status").annotate(n=Count("id")))
        by_status = {status: n for status, n in counts}
        rows.append(BranchStatements(branch=branch, contracts=branch.contracts,
                                     by_status={s.value: by_status.get(s.value, 0) for s in StatementStatus}))
    return rows


# Reference data changes ------------------------------------------------------------------------------------------

def changes_for(user: User) -> QuerySet[ReferenceChange]:
    """The changes of the reader's province (a national reader sees all)."""
    changes = ReferenceChange.objects.select_related("prepared_by", "decided_by", "office")
    membership = user.membership_or_none
    if membership is None:
        return changes.none()
    return changes.filter(province=membership.province_id) if membership.province_id else changes


def change_for_user_or_404(user: User, pk: int) -> ReferenceChange:
    try:
        return changes_for(user).get(pk=pk)
    except ReferenceChange.DoesNotExist:
        raise Http404 from None


def _fa_date(iso: str) -> str:
    return jdate(date.fromisoformat(iso))


def _fa_month(yyyymm: int) -> str:
    return JalaliMonth.from_int(int(yyyymm)).label


def _fa_rials(amount: int) -> str:
    return rials(int(amount))


def _fa_percent(basis_points: int) -> str:
    return percent_bp(int(basis_points))


# What each stored value is called and how it reads, per kind of change.
_FIELDS: dict[str, list[tuple[str, str, Callable[[Any], str]]]] = {
    ChangeKind.WAGE: [("effective_from", "اجرا از ماه", _fa_month),
                      ("min_daily", "حداقل دستمزد روزانه (ریال)", _fa_rials),
                      ("ceiling_daily", "سقف دستمزد روزانه (ریال)", _fa_rials), ("source", "مأخذ", fa_digits)],
    ChangeKind.PER_CAPITA: [("year", "سال", fa_digits),
                            ("per_capita_monthly", "سرانه ماهانه هر نفر (ریال)", _fa_rials),
                            ("effective_from", "اجرا از", _fa_date), ("source", "مأخذ", fa_digits)],
    ChangeKind.SCHEME_RATE: [("rate_code", "کد نرخ", lambda code: RateCode(code).label),
                             ("effective_from", "اجرا از ماه", _fa_month), ("rate_bp", "نرخ", _fa_percent)],
    ChangeKind.FEE_TARIFF: [("year", "سال", fa_digits), ("amount", "کارمزد هر برگ (ریال)", _fa_rials),
                            ("approval_reference", "مصوبه", fa_digits), ("effective_from", "اجرا از", _fa_date),
                            ("effective_to", "اجرا تا", _fa_date)],
    ChangeKind.OFFICE_STATUS: [("status", "وضعیت تازه", lambda status: OfficeStatus(status).label)],
}


def describe(change: ReferenceChange) -> list[tuple[str, str]]:
    """The proposed values as people read them: label, value."""
    rows = [(label, show(change.values[name])) for name, label, show in _FIELDS[change.kind] if name in change.values]
    if change.office is not None:
        rows.insert(0, ("کارگزاری", str(change.office)))
    return rows


@dataclass(frozen=True)
class Tables:
    wages: QuerySet[WageTable]
    per_capita: QuerySet[TreatmentFee]
    rates: QuerySet[SchemeRate]
    tariffs: QuerySet[FeeTariff]


def tables() -> Tables:
    return Tables(wages=WageTable.objects.order_by("-effective_from")[:12],
                  per_capita=TreatmentFee.objects.order_by("-year", "-effective_from", "-id")[:8],
                  rates=SchemeRate.objects.order_by("rate_code", "-effective_from"),
                  tariffs=FeeTariff.objects.order_by("-effective_from")[:6])
