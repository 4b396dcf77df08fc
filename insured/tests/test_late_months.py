"""Months of a closed year paid after its year-end run, and contracts begun in a year already closed: every paid
month reaches its year's statement, nobody waits for a statement that cannot exist, and nobody escapes one."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from insured import lapse, ledger, rates, services
from insured.models import (
    AccountStatement,
    Channel,
    ContractStatus,
    DebtSlipStatus,
    StatementLine,
    StatementStatus,
)
from insured.slips import slip_issue, slip_mark_paid
from insured.tests.conftest import code_of, pay, register
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent

NOWRUZ_1405 = M(1405, 1).starts_at
RUN_AT = NOWRUZ_1405 + timedelta(minutes=30)  # the year-end run, the first night of Nowruz
FARVARDIN_5 = NOWRUZ_1405 + timedelta(days=4, hours=10)
SYSTEM = Actor.system("test")


def year_end_1404() -> None:
    with time_machine.travel(RUN_AT):
        call_command("compute_statements", "1404", "--issue", "--quiet", stdout=StringIO(), stderr=StringIO())


def issue_and_pay(actor: Actor, contract, end: M, *, channel: str = Channel.ONLINE, reference: str = "R1"):
    slip = slip_issue(actor=actor, contract=contract, end_month=end, channel=channel)
    return slip_mark_paid(actor=SYSTEM, slip=slip, reference=reference, amount=slip.total, paid_at=slip.issued_at)


def statement_1404(contract) -> AccountStatement:
    return AccountStatement.objects.get(contract=contract, year=1404)


def lines_of(statement: AccountStatement) -> list[tuple[M, int, int]]:
    return list(statement.lines.values_list("month", "amount_paid", "difference"))


def adds_up(statement: AccountStatement) -> bool:
    lines = list(statement.lines.all())
    return (statement.due_total, statement.paid_total, statement.balance) == (
        sum(line.premium_due + line.per_capita_due for line in lines), sum(line.amount_paid for line in lines),
        sum(line.difference for line in lines))


# Esfand paid in Farvardin --------------------------------------------------------------------------------------


@pytest.fixture
def behind_by_esfand(staff_actor, branch_a, insured_user):
    """Paid Farvardin to Bahman 1404; Esfand is still payable in Farvardin 1405 (lapse: C − F = 1)."""
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 11))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    return contract


def test_esfand_paid_after_the_run_joins_the_settled_statement_which_stays_settled(behind_by_esfand, insured_user):
    year_end_1404()
    assert statement_1404(behind_by_esfand).status == StatementStatus.SETTLED
    with time_machine.travel(FARVARDIN_5):
        slip = issue_and_pay(Actor.for_user(insured_user), behind_by_esfand, M(1405, 1))
    assert (slip.first_month, slip.last_month) == (M(1404, 12), M(1405, 1))
    statement = statement_1404(behind_by_esfand)
    esfand = slip.lines.get(month=M(1404, 12)).amount
    assert lines_of(statement)[-1] == (M(1404, 12), esfand, 0)  # priced at the year's final rates: no difference
    assert len(lines_of(statement)) == 12 and adds_up(statement)
    assert (statement.status, statement.balance) == (StatementStatus.SETTLED, 0)
    assert not StatementLine.objects.filter(month=M(1405, 1)).exists()  # 1405 is not closed
    [event] = AuditEvent.objects.filter(action="statement.late_months_joined")
    assert event.after["months"] == ["1404/12"] and event.after["status"] == StatementStatus.SETTLED
    assert ledger.standing(behind_by_esfand, M(1405, 2)).can_issue


def test_esfand_credited_before_the_run_gets_a_computed_statement_that_the_run_completes(
        behind_by_esfand, insured_user):
    """Paid at 23:59 on the last day of Esfand and verified after midnight, before the run at 00:30."""
    with time_machine.travel(NOWRUZ_1405 - timedelta(seconds=30)):
        slip = slip_issue(actor=Actor.for_user(insured_user), contract=behind_by_esfand, end_month=M(1404, 12),
                          channel=Channel.ONLINE)
    with time_machine.travel(NOWRUZ_1405 + timedelta(minutes=3)):
        slip_mark_paid(actor=SYSTEM, slip=slip, reference="R1", amount=slip.total, paid_at=slip.issued_at)
    waiting = statement_1404(behind_by_esfand)
    assert waiting.status == StatementStatus.COMPUTED and len(lines_of(waiting)) == 1
    year_end_1404()
    statement = statement_1404(behind_by_esfand)
    assert len(lines_of(statement)) == 12 and adds_up(statement)
    assert (statement.status, statement.balance) == (StatementStatus.SETTLED, 0)


def test_an_issued_debt_whose_late_month_was_priced_before_a_rate_change_is_billed_anew(staff_actor, branch_a):
    """The counter takes Esfand while the debt slip is open; HQ raises 1404's per-capita before it is paid: the
    open debt slip is replaced by one for the new balance, so what the person is asked to pay stays true."""
    contract = register(staff_actor, branch_a, first_month=M(1404, 1), treatment=True)
    pay(contract, M(1404, 1), M(1404, 1), per_capita=2_000_000)
    pay(contract, M(1404, 2), M(1404, 11))
    year_end_1404()
    statement = statement_1404(contract)
    [first_debt] = statement.debt_slips.all()
    assert (statement.status, first_debt.amount) == (StatementStatus.ISSUED, 358_000)
    with time_machine.travel(FARVARDIN_5):
        slip = slip_issue(actor=staff_actor, contract=contract, end_month=M(1404, 12), channel=Channel.BRANCH)
        rates.per_capita_record(actor=SYSTEM, year=1404, effective_from=FARVARDIN_5.date(),
                                per_capita_monthly=2_400_000, source="بخشنامه آزمایشی", reason="اصلاح سرانه")
        slip_mark_paid(actor=SYSTEM, slip=slip, reference="R1", amount=slip.total, paid_at=slip.issued_at)
    statement.refresh_from_db()
    first_debt.refresh_from_db()
    [esfand] = statement.lines.filter(month=M(1404, 12))
    assert esfand.difference == 42_000
    assert first_debt.status == DebtSlipStatus.VOIDED
    [debt] = statement.debt_slips.filter(status=DebtSlipStatus.ISSUED)
    assert debt.amount == statement.balance == 358_000 + 42_000 and adds_up(statement)
    assert (statement.status, debt.issued_by, debt.branch) == (StatementStatus.ISSUED, None, branch_a)


# A contract begun in a closed year -----------------------------------------------------------------------------


@pytest.fixture
def lapsed_in_1404(staff_actor, branch_a, insured_user):
    """Paid Farvardin to Mordad 1404 and stopped: void since Dey, its 1404 statement settled at Nowruz."""
    contract = register(staff_actor, branch_a, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 5))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    return contract


DEY_1404_TERMS = services.ContractData(rate_code="01", wage_ratio_hundredths=100, first_month=M(1404, 10),
                                       treatment=False)


def test_a_renewal_begun_in_last_year_is_not_sent_to_the_branch_and_its_months_reach_a_statement(
        lapsed_in_1404, staff_actor, insured_user):
    year_end_1404()
    with time_machine.travel(FARVARDIN_5):
        new = lapse.contract_renew(actor=staff_actor, contract=lapsed_in_1404, data=DEY_1404_TERMS)
        standing = ledger.standing(new, M(1405, 1))
        assert standing.can_issue and not standing.sends_to_branch
        issue_and_pay(Actor.for_user(insured_user), new, M(1405, 1))
    statement = statement_1404(new)
    assert [month for month, _, _ in lines_of(statement)] == [M(1404, 10), M(1404, 11), M(1404, 12)]
    assert (statement.status, statement.balance) == (StatementStatus.SETTLED, 0) and adds_up(statement)
    assert statement_1404(lapsed_in_1404).status == StatementStatus.SETTLED  # the old one's, untouched


def test_a_renewal_does_not_escape_the_open_debt_of_the_contract_it_replaces(staff_actor, branch_a, insured_user):
    old = register(staff_actor, branch_a, first_month=M(1404, 1), treatment=True)
    services.dependant_add(actor=staff_actor, insured=old.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(101), relation="spouse")
    pay(old, M(1404, 1), M(1404, 5), per_capita=1_900_000)
    old.insured.user = insured_user
    old.insured.save(update_fields=["user"])
    year_end_1404()
    [debt] = statement_1404(old).debt_slips.all()
    with time_machine.travel(FARVARDIN_5):
        new = lapse.contract_renew(actor=staff_actor, contract=old, data=DEY_1404_TERMS)
        standing = ledger.standing(new, M(1405, 1))
        assert not standing.can_issue and not standing.sends_to_branch
        assert "همین‌جا با کارت بپردازید" in standing.blocked_by
        with pytest.raises(DomainError, match="همین‌جا با کارت بپردازید"):
            slip_issue(actor=Actor.for_user(insured_user), contract=new, end_month=M(1405, 1), channel=Channel.ONLINE)
        services.debt_slip_mark_paid(actor=SYSTEM, debt_slip=debt, reference="D1", paid_at=FARVARDIN_5)
        assert ledger.standing(new, M(1405, 1)).can_issue


def test_a_first_registration_begun_in_last_year_gets_its_settled_statement_with_it(staff_actor, branch_a):
    person = services.PersonData(
        national_code=code_of(7), insurance_number="20000007", first_name="سارا", last_name="نوری",
        father_name="رضا", birth_date=date(1990, 1, 1), gender="F", mobile="09121234000", address="تهران")
    with time_machine.travel(FARVARDIN_5):
        contract = services.insured_register(actor=staff_actor, person=person, contract=services.ContractData(
            rate_code="01", wage_ratio_hundredths=100, first_month=M(1404, 11), treatment=False), branch_id=branch_a.pk)
    statement = statement_1404(contract)
    assert (statement.status, statement.balance, lines_of(statement)) == (StatementStatus.SETTLED, 0, [])
    assert ledger.standing(contract, M(1405, 1)).can_issue
    assert contract.status == ContractStatus.ACTIVE


def test_a_contract_begun_in_the_open_year_waits_for_the_run_as_everyone_does(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, seed=8, first_month=M(1404, 10))  # registered in Dey 1404
    assert not AccountStatement.objects.filter(contract=contract).exists()
    year_end_1404()
    assert statement_1404(contract).status == StatementStatus.SETTLED
