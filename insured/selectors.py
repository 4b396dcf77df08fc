"""Reads for the insured's own pages: everything is found through the logged-in person, never by URL id alone."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery
from django.http import Http404

from insured.models import (
    PUBLIC_CODE_LENGTH,
    AccountStatement,
    Contract,
    ContractStatus,
    DebtSlip,
    ExtensionStatus,
    InsuredPerson,
    LapseExtension,
    ObjectionStatus,
    Slip,
    StatementObjection,
    StatementStatus,
)
from samt.models import User


def person_for_user(user: User) -> InsuredPerson:
    person = InsuredPerson.objects.select_related("branch").filter(user=user).first()
    if person is None:
        raise Http404
    return person


def active_contract_for_user(user: User) -> Contract | None:
    """The logged-in person's active contract with their branch, in one read (None: no person, or no contract)."""
    return (Contract.objects.select_related("insured__branch")
            .filter(insured__user=user, status=ContractStatus.ACTIVE).first())


def active_contract_id_for_user(user: User) -> Subquery:
    """The id of active_contract_for_user's contract, as a subquery: a service that locks the contract (slip_issue)
    finds and locks it in one statement instead of reading it first and again under the lock."""
    return Subquery(Contract.objects.filter(insured__user=user, status=ContractStatus.ACTIVE)
                    .order_by("pk").values("pk")[:1])


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


# Yearly statements and objections ----------------------------------------------------------------------------


def statements_for_user(user: User) -> QuerySet[AccountStatement]:
    """The statements the person may read: issued or settled ones (a computed one may still change)."""
    return (AccountStatement.objects.filter(contract__insured__user=user)
            .exclude(status=StatementStatus.COMPUTED).select_related("contract").order_by("-year", "-pk"))


def statement_for_user_or_404(user: User, contract_number: str, year: int) -> AccountStatement:
    statement = statements_for_user(user).filter(contract__number=contract_number, year=year).first()
    if statement is None:
        raise Http404
    return statement


def objections_needing_a_person(*, branch_ids: list[int] | None = None,
                                province_id: int | None = None) -> QuerySet[StatementObjection]:
    """Open objections to statements, oldest first: a branch's work list, and HQ's "needs a person" list."""
    found = StatementObjection.objects.filter(status=ObjectionStatus.OPEN)
    if branch_ids is not None:
        found = found.filter(branch_id__in=branch_ids)
    if province_id is not None:
        found = found.filter(branch__province_id=province_id)
    return found.select_related("statement__contract__insured", "branch").order_by("created_at", "pk")


def extensions_waiting(*, branch_id: int) -> QuerySet[LapseExtension]:
    """Extensions staff prepared that wait for the branch head's decision."""
    return (LapseExtension.objects.filter(status=ExtensionStatus.REQUESTED, contract__insured__branch_id=branch_id)
            .select_related("contract__insured", "requested_by").order_by("requested_at"))
