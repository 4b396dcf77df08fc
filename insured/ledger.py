"""Reads of the ledger that the rules need: rates in force, paid months, where a contract stands."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from insured import rules
from insured.models import (
    AccountStatement,
    Contract,
    ContractStatus,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    SchemeRate,
    TreatmentFee,
    WageTable,
)
from samt.errors import DomainError
from samt.jalali import TEHRAN, JalaliMonth
from samt.persian import to_persian_digits


@dataclass(frozen=True)
class RateTables:
    """Every row of the three rate tables (a few dozen rows), as one server holds them between changes."""

    version: int
    wages: list[WageTable]  # newest first
    rates: dict[str, list[SchemeRate]]  # by rate code, newest first
    per_capita: dict[int, list[TreatmentFee]]  # by year, newest first (effective day, then the later written)


_tables: RateTables | None = None
# Within one request the version is read once: the request sees one set of rates from start to end.
_request = threading.local()
VERSION_SQL = "SELECT value FROM insured_ratetablesversion WHERE id = 1"


def rate_tables() -> RateTables:
    """The rate tables, cached per process. A trigger changes the version row on any write to them, so one cheap
    read (once per request; on every call outside one) tells whether another server changed a rate."""
    global _tables
    tables = _tables
    if tables is not None and getattr(_request, "checked", None) is tables:
        return tables
    # The version first, then the rows: rows read after a newer version was written are at least that new.
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        version = cursor.fetchone()[0]
    if tables is None or tables.version != version:
        tables = _load_rate_tables(version)
        _tables = tables
    if getattr(_request, "active", False):
        _request.checked = tables
    return tables


def _load_rate_tables(version: int) -> RateTables:
    rates: dict[str, list[SchemeRate]] = {}
    for row in SchemeRate.objects.order_by("-effective_from"):
        rates.setdefault(row.rate_code, []).append(row)
    per_capita: dict[int, list[TreatmentFee]] = {}
    for fee in TreatmentFee.objects.order_by("-effective_from", "-id"):
        per_capita.setdefault(fee.year, []).append(fee)
    return RateTables(
        version=version,
        wages=list(WageTable.objects.order_by("-effective_from")),
        rates=rates,
        per_capita=per_capita,
    )


def _request_started(**kwargs: object) -> None:
    _request.active, _request.checked = True, None


def _request_finished(**kwargs: object) -> None:
    _request.active, _request.checked = False, None


request_started.connect(_request_started, dispatch_uid="insured.ledger.rate_tables")
request_finished.connect(_request_finished, dispatch_uid="insured.ledger.rate_tables")


def wage_in_force(month: JalaliMonth) -> rules.WageInForce:
    return _wage_from(rate_tables().wages, month)


def _wage_from(rows: list[WageTable], month: JalaliMonth) -> rules.WageInForce:
    """The wage row in force for `month` (rows newest first). A year must have its own row: carrying last
    year's minimum into a new year would quietly under-charge every slip."""
    row = next((row for row in rows if row.effective_from <= month), None)
    if row is None or row.effective_from.year != month.year:
        raise DomainError(
            f"حداقل دستمزد سال {to_persian_digits(month.year)} هنوز در سامانه ثبت نشده است؛ "
            "محاسبه حق بیمه این سال پس از ثبت آن به دست اداره کل ممکن می‌شود."
        )
    return rules.WageInForce(min_daily=row.min_daily, ceiling_daily=row.ceiling_daily)


def rate_in_force(rate_code: str, month: JalaliMonth) -> int:
    return _rate_from(rate_tables().rates.get(rate_code, []), rate_code, month)


def _rate_from(rows: list[SchemeRate], rate_code: str, month: JalaliMonth) -> int:
    row = next((row for row in rows if row.effective_from <= month), None)
    if row is None:
        raise DomainError(f"نرخ حق بیمه کد {rate_code} برای {month.label} ثبت نشده است.")
    return row.rate_bp


def tehran_today() -> date:
    return timezone.localdate(timezone.now(), TEHRAN)


def per_capita_row(year: int, on: date | None = None) -> TreatmentFee | None:
    """The year's per-capita row in force on `on` (default today): the newest approved row effective by then. A
    correction is a later row, never an edit, so every slip keeps the figure it was priced with."""
    on = on or tehran_today()
    return next((fee for fee in rate_tables().per_capita.get(year, []) if fee.effective_from <= on), None)


def per_capita_for(year: int, on: date | None = None) -> int:
    return per_capita_by_year({year}, on)[year]


def per_capita_by_year(years: set[int], on: date | None = None) -> dict[int, int]:
    """The monthly per-capita treatment fee of each year in force on `on` (default today), in one read; a year
    without a row in force is refused."""
    on = on or tehran_today()
    rows = {year: per_capita_row(year, on) for year in years}
    fees = {year: row.per_capita_monthly for year, row in rows.items() if row is not None}
    missing = sorted(years - fees.keys())
    if missing:
        raise DomainError(
            f"سرانه درمان سال {to_persian_digits(missing[0])} هنوز ثبت نشده است؛ صدور برگ با پوشش درمان برای این "
            "سال پس از ثبت آن به دست اداره کل ممکن می‌شود."
        )
    return fees


def treatment_persons(contract: Contract) -> int:
    """The insured and each dependant, when treatment is chosen; nobody otherwise."""
    return 1 + contract.insured.dependants.count() if contract.treatment else 0


def lines_for(
    *,
    months: list[JalaliMonth],
    rate_code: str,
    ratio_hundredths: int,
    persons: int,
    on: date | None = None,
) -> list[rules.MonthLine]:
    """Month lines at the rates in force, for a contract or for the public calculator alike; the per-capita fee is
    the one in force on `on` (default today), the day the lines are priced."""
    per_capita = per_capita_by_year({m.year for m in months}, on) if persons else {}
    tables = rate_tables()
    wages, rates = tables.wages, tables.rates.get(rate_code, [])
    return [
        rules.month_line(
            month,
            ratio_hundredths=ratio_hundredths,
            rate_bp=_rate_from(rates, rate_code, month),
            wage=_wage_from(wages, month),
            per_capita=per_capita.get(month.year, 0),
            persons=persons,
        )
        for month in months
    ]


def contract_lines(contract: Contract, months: list[JalaliMonth], on: date | None = None) -> list[rules.MonthLine]:
    return lines_for(
        months=months,
        rate_code=contract.rate_code,
        ratio_hundredths=contract.wage_ratio_hundredths,
        persons=treatment_persons(contract),
        on=on,
    )


def last_paid_month(contract: Contract) -> JalaliMonth | None:
    last: JalaliMonth | None = CoveredMonth.objects.filter(contract=contract).aggregate(last=Max("month"))["last"]
    return last


def active_contract(insured_id: int) -> Contract | None:
    return (
        Contract.objects.select_related("insured__branch")
        .filter(insured_id=insured_id, status=ContractStatus.ACTIVE)
        .first()
    )


@dataclass(frozen=True)
class Standing:
    """Where a contract stands this month: what could be paid next and what, if anything, blocks it."""

    contract: Contract
    current: JalaliMonth
    last_paid: JalaliMonth | None
    first_unpaid: JalaliMonth
    latest_end: JalaliMonth
    blocked_by: str | None  # the Persian reason, or None when a slip may be issued
    sends_to_branch: bool = False  # only a visit resolves what blocks it

    @property
    def can_issue(self) -> bool:
        return self.blocked_by is None

    @property
    def ends(self) -> list[JalaliMonth]:
        """The months a slip may end at, for every channel's end-month form. Never empty: when everything up to
        Esfand is paid the first unpaid month stays a choice, so issuing it gets the rule's own refusal rather
        than a form error."""
        return self.first_unpaid.through(max(self.latest_end, self.first_unpaid))


def branch_label(contract: Contract) -> str:
    branch = contract.insured.branch
    return f"{branch.name} (نشانی: {branch.address}؛ ساعات کار: {branch.opening_hours})"


def standing(contract: Contract, current: JalaliMonth) -> Standing:
    last = last_paid_month(contract)
    first = rules.first_unpaid_month(contract.first_month, last)
    reason, visit = _blocking_reason(contract, first, current)
    return Standing(
        contract=contract,
        current=current,
        last_paid=last,
        first_unpaid=first,
        latest_end=rules.latest_end_month(first, current),
        blocked_by=reason,
        sends_to_branch=visit,
    )


WHAT_TO_BRING = "برای مراجعه، کارت ملی خود را همراه داشته باشید."


def _blocking_reason(contract: Contract, first_unpaid: JalaliMonth, current: JalaliMonth) -> tuple[str | None, bool]:
    try:
        check_can_issue(contract, first_unpaid, current)
    except rules.SeeTheBranch as refusal:
        return f"{refusal.message} {WHAT_TO_BRING}", True
    except DomainError as refusal:
        return refusal.message, False
    return None, False


def check_active_and_not_lapsed(contract: Contract, first_unpaid: JalaliMonth, current: JalaliMonth) -> None:
    """A contract that is not active, or has lapsed, issues no slip through any channel."""
    branch = branch_label(contract)
    if contract.status != ContractStatus.ACTIVE:
        raise rules.SeeTheBranch(
            f"قرارداد شما {contract.get_status_display()} است و صدور برگ پرداخت ممکن نیست. به {branch} مراجعه کنید."
        )
    rules.check_not_lapsed(first_unpaid, current, extended=contract.lapse_extension_used, branch=branch)


def check_can_issue(contract: Contract, first_unpaid: JalaliMonth, current: JalaliMonth) -> None:
    """Lapse and the clause-6 gate, in the order a person should deal with them.

    The gate is the person's: every statement of last year on any of their contracts must be settled (a renewed
    contract does not escape the debt of the lapsed one it replaces), and the contract itself must have one when
    it began by last Esfand (one that began after last year closed got it, settled, when it was made)."""
    check_active_and_not_lapsed(contract, first_unpaid, current)
    previous = current.year - 1
    if contract.first_month.year > previous and contract.replaces_id is None:
        return  # a first contract begun this year: no statement of last year to wait for
    # The person's statements of last year, and whether a debt slip of each is open, in one read.
    open_debt = Exists(DebtSlip.objects.filter(statement=OuterRef("pk"), status=DebtSlipStatus.ISSUED))
    statements = {contract_id: (status, debt) for contract_id, status, debt in AccountStatement.objects.filter(
        contract__insured_id=contract.insured_id, year=previous).values_list("contract_id", "status", open_debt)}
    own = statements.pop(contract.pk, None)
    gates: list[tuple[str, bool] | None] = [*statements.values()]
    if own is not None or contract.first_month.year <= previous:
        gates.insert(0, own)
    branch = branch_label(contract)
    for gate in gates:
        status, debt = gate or (None, False)
        rules.check_statement_gate(year=previous, status=status, branch=branch, open_debt_slip=debt)


# One status for the person's home page ---------------------------------------------------------------------

ACTIVE, WAITING, LAPSED, SEE_BRANCH = "active", "waiting", "lapsed", "see_branch"
STATUS_LABELS = {
    ACTIVE: "فعال",
    WAITING: "فعال، در انتظار تسویه گردش حساب سال گذشته",
    LAPSED: "باطل‌شده به دلیل عدم پرداخت",
    SEE_BRANCH: "فعال، نیازمند مراجعه به شعبه",
}
WAY_BACK_EXTENSION = ("راه بازگشت: هنوز چهار ماه نگذشته است و شعبه می‌تواند یک بار مهلت چهارماهه بدهد (با تأیید "
                      "رئیس شعبه). با کارت ملی به {branch} بروید؛ پس از آن همین‌جا برگ ماه‌های مانده را صادر کنید.")
WAY_BACK_NEW_CONTRACT = ("راه بازگشت: قرارداد تازه در {branch}. سابقه، ماه‌های پرداخت‌شده و همین نام کاربری شما "
                         "می‌ماند. کارت ملی خود را همراه داشته باشید.")


LAPSED_SINCE = ("حق بیمه از {first} پرداخت نشده و بیش از {months} ماه گذشته است؛ قرارداد شما باطل شده و صدور برگ "
                "پرداخت ممکن نیست.")


@dataclass(frozen=True)
class HomeStatus:
    key: str
    way_back: str = ""
    reason: str = ""  # for a lapsed contract, said once, before the way back

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.key]


def home_status(standing: Standing | None, lapsed_contract: Contract | None = None) -> HomeStatus:
    """Active, waiting for the gate, or lapsed with the way back: one answer, so the page never says "active"
    above "your contract is void"."""
    if standing is None:
        if lapsed_contract is None:
            return HomeStatus(SEE_BRANCH)
        return HomeStatus(LAPSED, WAY_BACK_NEW_CONTRACT.format(branch=branch_label(lapsed_contract)))
    if standing.can_issue:
        return HomeStatus(ACTIVE)
    contract = standing.contract
    if contract.status != ContractStatus.ACTIVE or rules.is_lapsed(
            standing.first_unpaid, standing.current, extended=contract.lapse_extension_used):
        extension = not contract.lapse_extension_used and rules.extension_would_help(standing.first_unpaid,
                                                                                     standing.current)
        way = WAY_BACK_EXTENSION if extension else WAY_BACK_NEW_CONTRACT
        months = rules.LAPSE_MONTHS_EXTENDED if contract.lapse_extension_used else rules.LAPSE_MONTHS
        reason = LAPSED_SINCE.format(first=standing.first_unpaid.label, months=to_persian_digits(months))
        return HomeStatus(LAPSED, way.format(branch=branch_label(contract)), reason)
    return HomeStatus(SEE_BRANCH if standing.sends_to_branch else WAITING)


def lapsed_contract(insured_id: int) -> Contract | None:
    """The latest contract that ended by lapse and was not yet replaced, when no contract is active."""
    return (Contract.objects.select_related("insured__branch")
            .filter(insured_id=insured_id, status=ContractStatus.LAPSED, replaced_by__isnull=True)
            .order_by("-created_at").first())
