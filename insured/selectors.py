"""Reads for the insured's own pages: everything is found through the logged-in person, never by URL id alone."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from insured.models import PUBLIC_CODE_LENGTH, DebtSlip, InsuredPerson, Slip
from samt.models import User


def person_for_user(user: User) -> InsuredPerson:
    person = InsuredPerson.objects.select_related("branch").filter(user=user).first()
    if person is None:
        raise Http404
    return person


def slips_for_user(user: User) -> QuerySet[Slip]:
    return Slip.objects.filter(contract__insured__user=user).select_related("contract")


def slip_for_user_or_404(user: User, number: str) -> Slip:
    slip = slips_for_user(user).filter(number=number).first()
    if slip is None:
        raise Http404
    return slip


def slip_get_by_public_code(*, code: str) -> Slip | None:
    """The slip whose printed QR or SMS link carries `code` (unguessable), or None. For public pages: the caller
    decides how much of it a stranger may see."""
    return Slip.objects.select_related("contract__insured__branch").filter(public_code=code).first()


def debt_slip_get_by_public_code(*, code: str) -> DebtSlip | None:
    """The debt slip whose printed QR carries `code`, or None."""
    return DebtSlip.objects.select_related("statement__contract__insured__branch").filter(public_code=code).first()


def payable_get_by_number(*, number: str, national_code: str) -> Slip | DebtSlip | None:
    """A slip or debt slip by its typed number, only together with the insured's national code (numbers are
    sequential; the code is what a stranger does not have)."""
    slip = Slip.objects.select_related("contract__insured").filter(
        number=number, contract__insured__national_code=national_code).first()
    if slip is not None:
        return slip
    return DebtSlip.objects.select_related("statement__contract__insured").filter(
        number=number, statement__contract__insured__national_code=national_code).first()


def payable_get_by_public_code(*, code: str) -> Slip | DebtSlip | None:
    if not code or len(code) > PUBLIC_CODE_LENGTH:
        return None
    return slip_get_by_public_code(code=code) or debt_slip_get_by_public_code(code=code)
