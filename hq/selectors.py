"""Reads for the province's pages, each scoped to the reader's province (or the country)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from brokers.models import FaultCase, FeeTariff, tehran_today
from insured.models import AccountStatement, RateCode, SchemeRate, StatementStatus, TreatmentFee, WageTable
from samt.access import visible_branches, visible_offices
from samt.jalali import JalaliMonth
from samt.models import Branch, BrokerOffice, User


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
    return FiguresInForce(month=month, wage=wage, per_capita=TreatmentFee.objects.filter(year=month.year).first(),
                          rates=rates)


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
