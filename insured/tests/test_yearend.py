"""The year-end run's issue phase: every computed statement of a closed year issued, settled or billed at once."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from insured import ledger, services, yearend
from insured.models import AccountStatement, CoveredMonth, DebtSlip, DebtSlipStatus, StatementStatus
from insured.tests.conftest import code_of, pay, register
from samt.errors import DomainError
from samt.identifiers import with_check_digit
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent


def zero(actor, branch, seed: int):
    contract = register(actor, branch, seed=seed, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 12))
    return contract


def credit(actor, branch, seed: int):
    contract = register(actor, branch, seed=seed, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 1))
    CoveredMonth.objects.filter(contract=contract).update(amount_paid=13_000_000)
    return contract


def debt(actor, branch, seed: int):
    """Farvardin 1404 for two persons paid at a per-capita 458,000 lower than the year's final one."""
    contract = register(actor, branch, seed=seed, first_month=M(1404, 1), treatment=True)
    services.dependant_add(actor=actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(100 + seed), relation="spouse")
    pay(contract, M(1404, 1), M(1404, 1), per_capita=1_900_000)
    return contract


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("compute_statements", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def province_of_1404(staff_actor, branch_a, branch_b):
    return {"zero": zero(staff_actor, branch_a, 1), "credit": credit(staff_actor, branch_a, 2),
            "debt": debt(staff_actor, branch_b, 3), "debt_a": debt(staff_actor, branch_a, 4)}


def statement_of(contract) -> AccountStatement:
    return AccountStatement.objects.get(contract=contract, year=1404)


def test_the_run_computes_and_issues_settling_zero_and_credit_and_billing_debts(province_of_1404, branch_b):
    out, err = run("1404", "--issue", "--chunk", "2")
    zero_s, credit_s, debt_s = (statement_of(province_of_1404[k]) for k in ("zero", "credit", "debt"))
    assert (zero_s.status, zero_s.balance) == (StatementStatus.SETTLED, 0)
    assert zero_s.settled_at == zero_s.issued_at is not None
    # The credit stays on the settled statement for the branch to refund.
    assert (credit_s.status, credit_s.balance) == (StatementStatus.SETTLED, 12_884_800 - 13_000_000)
    assert (debt_s.status, debt_s.balance, debt_s.settled_at) == (StatementStatus.ISSUED, 916_000, None)
    [slip] = debt_s.debt_slips.all()
    assert (slip.amount, slip.status, slip.issued_by, slip.branch) == (916_000, DebtSlipStatus.ISSUED, None, branch_b)
    assert slip.number == with_check_digit(slip.number[:-1]) and slip.number.startswith("5")
    assert DebtSlip.objects.count() == 2 and len({s.number for s in DebtSlip.objects.all()}) == 2
    assert "issued: 2 settled (1 with a credit), 2 debt slips" in out
    assert "4/4 statements" in err


def test_the_morning_after_a_paid_up_person_may_issue_and_a_debtor_is_told_to_pay_here(province_of_1404, branch_b):
    pay(province_of_1404["debt"], M(1404, 2), M(1404, 12))
    run("1404", "--issue", "--quiet")
    assert ledger.standing(province_of_1404["zero"], M(1405, 1)).can_issue
    debtor = ledger.standing(province_of_1404["debt"], M(1405, 1))
    assert "همین‌جا با کارت بپردازید" in debtor.blocked_by and not debtor.sends_to_branch
    assert branch_b.name not in debtor.blocked_by


def test_paying_the_debt_slip_opens_the_gate(province_of_1404, staff_actor):
    pay(province_of_1404["debt"], M(1404, 2), M(1404, 12))
    run("1404", "--issue", "--quiet")
    slip = statement_of(province_of_1404["debt"]).debt_slips.get()
    services.debt_slip_mark_paid(actor=staff_actor, debt_slip=slip, reference="RCPT-1", paid_at=slip.issued_at)
    assert ledger.standing(province_of_1404["debt"], M(1405, 1)).can_issue


def test_a_second_run_changes_nothing(province_of_1404):
    run("1404", "--issue", "--quiet")
    before = sorted(AccountStatement.objects.values_list("pk", "status", "balance", "issued_at"))
    out, _ = run("1404", "--issue", "--quiet")
    assert sorted(AccountStatement.objects.values_list("pk", "status", "balance", "issued_at")) == before
    assert DebtSlip.objects.count() == 2
    assert "issued: 0 settled" in out


def test_one_branch_only(province_of_1404, branch_b):
    run("1404", "--issue", "--quiet", "--branch", branch_b.code)
    assert statement_of(province_of_1404["debt"]).status == StatementStatus.ISSUED
    assert not AccountStatement.objects.filter(contract=province_of_1404["zero"]).exists()


def test_the_issue_phase_writes_one_audit_event(province_of_1404):
    run("1404", "--issue", "--quiet")
    [event] = AuditEvent.objects.filter(action="statements.batch_issued")
    assert event.actor_label == "system:year_end"
    assert {k: event.after[k] for k in ("year", "statements", "settled", "credits", "debt_slips")} == {
        "year": 1404, "statements": 4, "settled": 2, "credits": 1, "debt_slips": 2}


@pytest.mark.parametrize("year", ["1405", "1406"])
def test_the_current_year_is_neither_computed_nor_issued(province_of_1404, year):
    with time_machine.travel(M(1405, 12).starts_at), pytest.raises(CommandError, match="تا پایان آن سال"):
        run(year, "--issue", "--quiet")
    assert not AccountStatement.objects.exists()


def test_the_services_refuse_the_current_year(staff_actor, branch_a):
    contract = zero(staff_actor, branch_a, 9)
    with time_machine.travel(M(1404, 12).starts_at):
        with pytest.raises(DomainError, match="تا پایان آن سال"):
            services.statement_compute(actor=staff_actor, contract=contract, year=1404)
        with pytest.raises(DomainError, match="تا پایان آن سال"):
            yearend.statements_issue_year(year=1404)
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    with time_machine.travel(M(1404, 12).starts_at), pytest.raises(DomainError, match="تا پایان آن سال"):
        services.statement_issue(actor=staff_actor, statement=statement)
    assert statement_of(contract).status == StatementStatus.COMPUTED


def test_a_closed_year_is_not_recomputed_into_another_state(province_of_1404, staff_actor):
    run("1404", "--issue", "--quiet")
    debt_s = statement_of(province_of_1404["debt"])
    CoveredMonth.objects.filter(contract=province_of_1404["debt"]).update(amount_paid=1)  # a later change
    run("1404", "--issue", "--quiet")
    again = statement_of(province_of_1404["debt"])
    assert (again.status, again.balance) == (debt_s.status, 916_000)
    assert again.lines.get().amount_paid != 1
    with pytest.raises(DomainError, match=services.STATEMENT_ALREADY_ISSUED):
        services.statement_compute(actor=staff_actor, contract=province_of_1404["debt"], year=1404)
