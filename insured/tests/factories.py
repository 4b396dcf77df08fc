"""Plain builders for ledger tests: an insured person with a contract and a paid history."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from insured import ledger, rates
from insured.models import Contract, CoveredMonth, TreatmentFee
from insured.services import ContractData, PersonData, insured_register
from samt.actors import Actor
from samt.jalali import JalaliMonth
from samt.models import Branch, User

TEHRAN = ZoneInfo("Asia/Tehran")
# 4 Azar 1405, mid-morning in Tehran: the "today" of these tests.
AZAR_1405 = datetime(2026, 11, 25, 10, 0, tzinfo=TEHRAN)
FARVARDIN_1405 = JalaliMonth(1405, 1)


def national_code(serial: int) -> str:
    """A valid national code built from a serial number (check digit per domain.md §5)."""
    body = f"{serial:09d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(body))
    r = total % 11
    return body + str(r if r < 2 else 11 - r)


def make_contract(
    staff: User,
    branch: Branch,
    *,
    serial: int = 1234567,
    rate_code: str = "01",
    ratio: int = 100,
    first_month: JalaliMonth = FARVARDIN_1405,
    treatment: bool = False,
) -> Contract:
    person = PersonData(
        national_code=national_code(serial), insurance_number=f"{serial:08d}", first_name="مریم",
        last_name=f"رضایی{serial}", father_name="علی", birth_date=date(1985, 5, 1), gender="F",
        mobile="09121234567", address="تهران",
    )
    data = ContractData(rate_code=rate_code, wage_ratio_hundredths=ratio, first_month=first_month, treatment=treatment)
    # Registered back in its first month, as the legacy history it stands for was.
    return insured_register(actor=Actor.for_user(staff), person=person, contract=data, branch_id=branch.pk,
                            now=first_month.starts_at)


def per_capita_entered(year: int, amount: int) -> TreatmentFee:
    """HQ's approved per-capita figure of `year`, in force from the year's first day, written as HQ's approval
    writes it."""
    return rates.per_capita_record(actor=Actor.system("tests"), year=year,
                                   effective_from=JalaliMonth(year, 1).first_day, per_capita_monthly=amount,
                                   source="بخشنامه آزمایشی", reason="رقم سال")


def pay_months(contract: Contract, first: JalaliMonth, last: JalaliMonth) -> None:
    """A paid history at the rates in force, as the legacy system would have recorded it."""
    lines = ledger.contract_lines(contract, first.through(last))
    CoveredMonth.objects.bulk_create(
        CoveredMonth(contract=contract, month=line.month, premium=line.premium, per_capita=line.per_capita,
                     persons=line.persons, amount_paid=line.amount, slip_number="legacy",
                     paid_on=line.month.last_day)
        for line in lines
    )
