"""Where a contract stands: paid months, lapse, and the gate of clause 6 (last year's statement)."""

from __future__ import annotations

import pytest

from insured import ledger, services
from insured.models import AccountStatement, ContractStatus, DebtSlip, StatementStatus
from insured.tests.conftest import code_of, pay, register
from samt.jalali import JalaliMonth

pytestmark = pytest.mark.django_db

M = JalaliMonth


def test_a_contract_that_began_this_year_needs_no_statement(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 3))
    standing = ledger.standing(contract, M(1404, 5))
    assert (standing.last_paid, standing.first_unpaid, standing.latest_end) == (M(1404, 3), M(1404, 4), M(1404, 12))
    assert standing.can_issue and standing.blocked_by is None


def test_with_nothing_paid_the_first_unpaid_month_is_the_contracts_first(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1404, 6))
    standing = ledger.standing(contract, M(1404, 6))
    assert (standing.last_paid, standing.first_unpaid) == (None, M(1404, 6))
    assert ledger.last_paid_month(contract) is None


def test_a_slip_reaches_at_most_twelve_months_ahead(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 1))
    assert ledger.standing(contract, M(1404, 1)).latest_end == M(1404, 12)


@pytest.mark.parametrize(
    ("extended", "months_after", "lapsed"),
    [(False, 3, False), (False, 4, True), (True, 4, False), (True, 5, True)],
)
def test_a_contract_lapses_more_than_three_months_after_the_first_unpaid_one(
    staff_actor, branch_a, extended, months_after, lapsed
):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    contract.lapse_extension_used = extended
    pay(contract, M(1404, 1), M(1404, 2))  # first unpaid: Khordad 1404
    standing = ledger.standing(contract, M(1404, 3) + months_after)
    assert standing.can_issue is not lapsed
    if lapsed:
        allowed = "۴" if extended else "۳"
        assert f"حق بیمه از خرداد ۱۴۰۴ پرداخت نشده و بیش از {allowed} ماه گذشته است" in standing.blocked_by
        assert branch_a.name in standing.blocked_by


@pytest.mark.parametrize("status", [ContractStatus.LAPSED, ContractStatus.CANCELLED])
def test_a_contract_that_is_not_active_issues_nothing(staff_actor, branch_a, status):
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    contract.status = status
    blocked_by = ledger.standing(contract, M(1404, 1)).blocked_by
    assert f"قرارداد شما {contract.get_status_display()} است" in blocked_by
    assert branch_a.address in blocked_by and branch_a.opening_hours in blocked_by


def contract_from_1403(actor, branch):
    """Active since 1403, paid up to Farvardin 1405: only last year's statement can stand in the way."""
    contract = register(actor, branch, first_month=M(1403, 1))
    pay(contract, M(1403, 1), M(1405, 1))
    return contract


def test_without_last_years_statement_the_gate_is_closed(staff_actor, branch_a):
    blocked_by = ledger.standing(contract_from_1403(staff_actor, branch_a), M(1405, 3)).blocked_by
    assert "گردش حساب سال ۱۴۰۴ شما محاسبه نشد" in blocked_by
    assert branch_a.name in blocked_by


def test_a_computed_but_unissued_statement_keeps_the_gate_closed(staff_actor, branch_a):
    contract = contract_from_1403(staff_actor, branch_a)
    services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    blocked_by = ledger.standing(contract, M(1405, 3)).blocked_by
    assert "در اجرای پایان سال صادر می‌شود" in blocked_by
    assert branch_a.name not in blocked_by


def test_an_issued_statement_with_debt_keeps_the_gate_closed(staff_actor, branch_a):
    contract = contract_from_1403(staff_actor, branch_a)
    AccountStatement.objects.create(contract=contract, year=1404, status=StatementStatus.ISSUED, due_total=10,
                                    paid_total=0, balance=10)
    blocked_by = ledger.standing(contract, M(1405, 3)).blocked_by
    assert "گردش حساب سال ۱۴۰۴ شما بدهی پرداخت‌نشده دارد" in blocked_by
    assert branch_a.name in blocked_by


def test_an_open_debt_slip_is_paid_here_instead_of_at_the_branch(staff_actor, branch_a):
    contract = contract_from_1403(staff_actor, branch_a)
    statement = AccountStatement.objects.create(contract=contract, year=1404, status=StatementStatus.ISSUED,
                                                due_total=10, paid_total=0, balance=10)
    DebtSlip.objects.create(number="500000019", statement=statement, amount=10, branch=branch_a)
    blocked_by = ledger.standing(contract, M(1405, 3)).blocked_by
    assert "همین‌جا با کارت بپردازید" in blocked_by
    assert branch_a.name not in blocked_by


def test_a_settled_statement_opens_the_gate(staff_actor, branch_a):
    contract = contract_from_1403(staff_actor, branch_a)
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    services.statement_issue(actor=staff_actor, statement=statement)  # paid in full: settled at once
    assert ledger.standing(contract, M(1405, 3)).can_issue


def test_only_last_years_statement_counts(staff_actor, branch_a):
    contract = contract_from_1403(staff_actor, branch_a)
    AccountStatement.objects.create(contract=contract, year=1403, status=StatementStatus.SETTLED)
    assert "گردش حساب سال ۱۴۰۴" in ledger.standing(contract, M(1405, 3)).blocked_by


def test_lapse_is_named_before_the_gate(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=M(1403, 1))
    pay(contract, M(1403, 1), M(1404, 6))
    assert "بیش از ۳ ماه گذشته است" in ledger.standing(contract, M(1405, 3)).blocked_by


def test_treatment_covers_the_insured_and_each_dependant(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, treatment=True)
    assert ledger.treatment_persons(contract) == 1
    for seed in (50, 51):
        services.dependant_add(actor=staff_actor, insured=contract.insured, first_name="فرزند", last_name="کاظمی",
                               national_code=code_of(seed), relation="child")
    assert ledger.treatment_persons(contract) == 3
    contract.treatment = False
    assert ledger.treatment_persons(contract) == 0


def test_contract_lines_charge_per_capita_for_every_person(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, treatment=True, rate_code="02")
    services.dependant_add(actor=staff_actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(60), relation="spouse")
    [line] = ledger.contract_lines(contract, [M(1403, 12)])
    assert (line.premium, line.treatment, line.amount) == (10_032_658, 2 * 1_615_000, 10_032_658 + 3_230_000)


def test_the_active_contract_is_found_by_person(staff_actor, branch_a):
    contract = register(staff_actor, branch_a)
    assert ledger.active_contract(contract.insured_id) == contract
    contract.status = ContractStatus.CANCELLED
    contract.save()
    assert ledger.active_contract(contract.insured_id) is None
