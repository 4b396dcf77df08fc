"""Builders for the registry tests: people registered through the services, months paid as a legacy ledger
would show them (so a statement has something to recompute)."""

from __future__ import annotations

from datetime import date

from insured import ledger, services
from insured.models import Contract, CoveredMonth
from samt.actors import Actor
from samt.identifiers import is_valid_national_code
from samt.jalali import JalaliMonth
from samt.models import Branch, User

PER_CAPITA_1403 = 1_615_000  # what treatment cost a person a month in 1403 (domain.md §1)
FARVARDIN_1404 = JalaliMonth(1404, 1)


def valid_national_code(seed: int) -> str:
    """A national code that passes the check digit, different for each seed below 10,000."""
    body = f"{seed:04d}73519"
    return next(body + str(d) for d in range(10) if is_valid_national_code(body + str(d)))


def register_person(
    branch: Branch,
    staff: User,
    *,
    seed: int = 1,
    first_name: str = "مریم",
    last_name: str = "احمدی",
    rate_code: str = "01",
    ratio: int = 135,
    first_month: JalaliMonth = FARVARDIN_1404,
    treatment: bool = False,
) -> Contract:
    person = services.PersonData(
        national_code=valid_national_code(seed), insurance_number=f"{seed:08d}", first_name=first_name,
        last_name=last_name, father_name="حسین", birth_date=date(1988, 3, 5), gender="F", mobile="09121234567",
        address="تهران، خیابان آزادی",
    )
    contract = services.ContractData(rate_code=rate_code, wage_ratio_hundredths=ratio, first_month=first_month,
                                     treatment=treatment)
    return services.insured_register(actor=Actor.for_user(staff), person=person, contract=contract,
                                     branch_id=branch.pk, now=first_month.starts_at)


def pay_months(contract: Contract, first: JalaliMonth, last: JalaliMonth, *, per_capita: int | None = None,
               slip_number: str = "400000019") -> list[CoveredMonth]:
    """Months paid at today's rates, or with treatment charged at an older `per_capita` (a debt to come)."""
    persons = ledger.treatment_persons(contract)
    rows = []
    for line in ledger.contract_lines(contract, first.through(last)):
        charged = line.per_capita if per_capita is None else per_capita
        rows.append(CoveredMonth(
            contract=contract, month=line.month, premium=line.premium, per_capita=charged, persons=persons,
            amount_paid=line.premium + charged * persons, slip_number=slip_number, paid_on=line.month.first_day,
        ))
    return CoveredMonth.objects.bulk_create(rows)
