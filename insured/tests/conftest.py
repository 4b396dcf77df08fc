"""Fixtures for the ledger tests, on top of the plain builders in factories.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from insured.models import Contract, CoveredMonth
from insured.tests.factories import make_contract, national_code, pay_months
from samt.actors import Actor
from samt.jalali import JalaliMonth
from samt.models import Branch, User

# factories.national_code(serial) zero-pads the serial; an offset keeps digits 4–9 from being all zero,
# which no real code has and the import refuses.
SERIAL_BASE = 2_000_000


def code_of(seed: int) -> str:
    """The national code of the person `register(..., seed=seed)` makes."""
    return national_code(SERIAL_BASE + seed)


def register(actor: Actor, branch: Branch, *, seed: int = 1, **contract: Any) -> Contract:
    return make_contract(actor.user, branch, serial=SERIAL_BASE + seed, **contract)


def pay(contract: Contract, first: JalaliMonth, last: JalaliMonth, *, per_capita: int | None = None,
        slip_number: str | None = None) -> None:
    """Months paid at the rates in force; `per_capita` stands in for a lower fee that was in force back then."""
    pay_months(contract, first, last)
    months = CoveredMonth.objects.filter(contract=contract, month__gte=first, month__lte=last)
    if per_capita is not None:
        months.update(per_capita=per_capita, amount_paid=F("premium") + per_capita * F("persons"))
    if slip_number is not None:
        months.update(slip_number=slip_number)


@pytest.fixture
def staff_actor(staff_a: User) -> Actor:
    return Actor.for_user(staff_a)
