"""Fixtures of the broker tests: a walk-in with a paid history up to Shahrivar 1405, the approved 1405 tariff,
a second office in the same province and its operator, and builders for walk-ins already proven present."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from brokers.models import FeeTariff, PresenceMethod, WalkInSession
from conftest import make_user
from insured.models import Contract, InsuredPerson
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.jalali import JalaliMonth as M
from samt.models import BrokerOffice, Province, Role, SmsMessage, User
from samt.persian import normalize_digits

FEE_1405 = 450_000


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=False):
        yield


@pytest.fixture
def tariff(db) -> FeeTariff:
    return FeeTariff.objects.create(year=1405, amount=FEE_1405, approval_reference="۱۲۳/۴۵۶ مورخ ۱۴۰۴/۱۲/۲۰",
                                    effective_from=M(1405, 1).first_day, effective_to=M(1405, 12).last_day)


@pytest.fixture
def contract(staff_a, branch_a) -> Contract:
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    return contract


@pytest.fixture
def person(contract) -> InsuredPerson:
    return contract.insured


def make_office(province: Province, code: str, name: str, entity_id: str) -> BrokerOffice:
    return BrokerOffice.objects.create(code=code, name=name, legal_entity_id=entity_id, licence_number=f"L-{code}",
                                       responsible_person="سعید عباسی", province=province)


@pytest.fixture
def office_b(province) -> BrokerOffice:
    return make_office(province, "1002", "کارگزاری نیکان", "10320845678")


@pytest.fixture
def operator_b(office_b) -> User:
    return make_user("operator_b", role=Role.BROKER_OPERATOR, office=office_b)


@pytest.fixture
def second_operator(office) -> User:
    """A colleague at the same counter as `broker_operator`."""
    return make_user("operator_2", role=Role.BROKER_OPERATOR, office=office)


@pytest.fixture
def other_hq(other_province) -> User:
    return make_user("hq_isfahan", role=Role.HQ, province=other_province)


def present_walk_in(operator: User, person: InsuredPerson, *, method: str = PresenceMethod.SMS_CODE,
                    minutes_ago: int = 0) -> WalkInSession:
    """A walk-in whose presence was proven `minutes_ago`, built directly (the proof itself is tested apart)."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return WalkInSession.objects.create(
        office=operator.membership.office, operator=operator, person=person, started_at=at, presence_method=method,
        present_at=at, presence_until=at + timedelta(minutes=30),
        card_serial="0A1234567" if method == PresenceMethod.NATIONAL_CARD else "",
    )


def code_sent_to(mobile: str) -> str:
    """The six digits of the last presence code sent to `mobile`, read from the SMS outbox as a person would."""
    text = SmsMessage.objects.filter(to=mobile).order_by("-id").first().text
    return normalize_digits(re.search(r"[۰-۹0-9]{6}", text)[0])


__all__ = ["AZAR_1405"]
