"""Builders for the credential tests: an insured person of branch 2104, an attorney, and requests
walked to a given state through the real services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from branches import services
from branches.models import CredentialRequest
from branches.services import AttorneyData, IdentityData
from conftest import make_user
from insured.models import InsuredPerson
from insured.services import ContractData, PersonData, insured_register
from samt.actors import Actor
from samt.identifiers import is_valid_national_code
from samt.jalali import JalaliMonth
from samt.models import Branch, Role, User


def national_code(serial: int) -> str:
    """A valid national code built from a serial (check digit of domain.md §5)."""
    body = f"{serial:09d}"
    remainder = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    code = body + str(remainder if remainder < 2 else 11 - remainder)
    assert is_valid_national_code(code)
    return code


INSURED_CODE = national_code(12_345_678)
ATTORNEY_CODE = national_code(87_654_321)


def make_insured(staff: User, branch: Branch, *, serial: int = 12_345_678, mobile: str = "09121234567",
                 first_name: str = "مریم", last_name: str = "احمدی") -> InsuredPerson:
    person = PersonData(
        national_code=national_code(serial), insurance_number=f"{serial:08d}"[-8:], first_name=first_name,
        last_name=last_name, father_name="علی", birth_date=date(1985, 6, 1), gender="F", mobile=mobile,
        address="تهران، خیابان آزادی، پلاک ۱۲",
    )
    # Starting this month: no lapse and no previous-year statement stand between them and their first slip.
    contract = ContractData(rate_code="02", wage_ratio_hundredths=150, first_month=JalaliMonth.current(),
                            treatment=False)
    return insured_register(actor=Actor.for_user(staff), person=person, contract=contract,
                            branch_id=branch.pk).insured


def in_person(insured: InsuredPerson) -> IdentityData:
    return IdentityData(national_code=insured.national_code, full_name=insured.full_name, saw_national_card=True,
                        saw_birth_certificate=False)


def attorney(*, expires_on: date | None = None, covers_credentials: bool = True) -> AttorneyData:
    today = timezone.localdate()
    return AttorneyData(
        attorney_national_code=ATTORNEY_CODE, attorney_first_name="رضا", attorney_last_name="محمدی",
        attorney_mobile="09351112233",
        notary_office_number="118", notary_city="تهران", document_number="1405-8821",
        document_date=today - timedelta(days=30), expires_on=expires_on or today + timedelta(days=365),
        covers_credentials=covers_credentials,
    )


def attorney_identity() -> IdentityData:
    return IdentityData(national_code=ATTORNEY_CODE, full_name="رضا محمدی", saw_national_card=True,
                        saw_birth_certificate=True)


def prepared(staff: User, insured: InsuredPerson, **kwargs: object) -> CredentialRequest:
    return services.request_prepare(actor=Actor.for_user(staff), insured=insured,
                                    identity=kwargs.pop("identity", in_person(insured)), **kwargs)


def registered(staff: User, insured: InsuredPerson, **kwargs: object) -> CredentialRequest:
    request = prepared(staff, insured, **kwargs)
    return services.request_register(actor=Actor.for_user(staff), request=request)


def approved(staff: User, head: User, insured: InsuredPerson, **kwargs: object) -> CredentialRequest:
    request = registered(staff, insured, **kwargs)
    return services.request_approve(actor=Actor.for_user(head), request=request)


def issued(staff: User, head: User, insured: InsuredPerson, **kwargs: object) -> services.Allocation:
    request = approved(staff, head, insured, **kwargs)
    return services.request_allocate(actor=Actor.for_user(staff), request=request)


@pytest.fixture
def insured_person(staff_a: User, branch_a: Branch) -> InsuredPerson:
    return make_insured(staff_a, branch_a)


@pytest.fixture
def second_head_a(branch_a: Branch) -> User:
    return make_user("head2_a", role=Role.BRANCH_HEAD, branch=branch_a)
