"""The ledger's use cases against the database: registration, the yearly statement, debt slips, audit events."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from insured import services
from insured.models import (
    AccountStatement,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    InsuredPerson,
    StatementStatus,
)
from insured.tests.conftest import code_of, pay, register
from samt.errors import DomainError
from samt.identifiers import has_valid_check_digit
from samt.jalali import JalaliMonth
from samt.models import AuditEvent, Counter
from samt.numbering import next_in_sequence
from samt.tests.concurrency import at_once

pytestmark = pytest.mark.django_db

PAID_AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# Registration ---------------------------------------------------------------------------------------------


def test_registering_writes_the_person_the_contract_and_an_event_for_each(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, seed=7, rate_code="03", ratio=250, treatment=True)
    person = contract.insured
    assert (person.national_code, person.branch, person.search_key) == (code_of(7), branch_a, "مریم رضایی2000007")
    assert (contract.scheme, contract.rate_code, contract.wage_ratio_hundredths, contract.status) == (
        "self_employed", "03", 250, "active")
    [registered] = events("insured.registered")
    [created] = events("contract.created")
    assert registered.after["national_code"] == code_of(7)
    assert (registered.actor_label, registered.role, registered.branch_id) == ("staff_a", "technical_staff",
                                                                               branch_a.pk)
    assert created.after["number"] == contract.number


def test_a_voluntary_contract_takes_the_voluntary_scheme(staff_actor, branch_a):
    assert register(staff_actor, branch_a, rate_code="VOL").scheme == "voluntary"


def test_a_second_person_with_the_same_national_code_is_refused_in_persian(staff_actor, branch_a, branch_b):
    register(staff_actor, branch_a, seed=1)
    with pytest.raises(DomainError, match="بیمه‌شده‌ای با این کد ملی پیش‌تر ثبت شده است"):
        register(staff_actor, branch_b, seed=1)
    assert InsuredPerson.objects.count() == 1


def test_a_taken_insurance_number_is_refused(staff_actor, branch_a):
    first = register(staff_actor, branch_a, seed=1)
    second = InsuredPerson.objects.get(pk=first.insured_id)
    second.pk, second.national_code = None, code_of(2)
    with pytest.raises(DomainError, match="این شماره بیمه به نام شخص دیگری ثبت شده است"):
        services.insured_register(actor=staff_actor, person=services.PersonData(
            **{f: getattr(second, f) for f in services.PersonData.__dataclass_fields__}),
            contract=services.ContractData("01", 100, JalaliMonth(1404, 1), False), branch_id=branch_a.pk,
            now=JalaliMonth(1404, 1).starts_at)


def test_contract_numbers_carry_a_check_digit_and_follow_each_other(staff_actor, branch_a):
    first = register(staff_actor, branch_a, seed=1).number
    second = register(staff_actor, branch_a, seed=2).number
    assert has_valid_check_digit(first) and has_valid_check_digit(second)
    assert first.startswith("3") and len(first) == 9
    assert int(second[:-1]) == int(first[:-1]) + 1


def test_an_update_is_audited_with_before_and_after_and_refreshes_the_search_key(staff_actor, branch_a):
    person = register(staff_actor, branch_a, seed=3).insured
    services.insured_update(actor=staff_actor, insured=person, changes={"last_name": "كريمي"})
    person.refresh_from_db()
    assert person.search_key == "مریم كريمي".replace("ك", "ک").replace("ي", "ی")
    [event] = events("insured.updated")
    assert (event.before["last_name"], event.after["last_name"]) == ("رضایی2000003", "كريمي")


def test_a_dependant_is_added_once(staff_actor, branch_a):
    person = register(staff_actor, branch_a, treatment=True).insured
    services.dependant_add(actor=staff_actor, insured=person, first_name="سارا", last_name="کاظمی",
                           national_code=code_of(90), relation="child")
    with pytest.raises(DomainError, match="پیش‌تر به‌عنوان فرد تحت تکفل ثبت شده است"):
        services.dependant_add(actor=staff_actor, insured=person, first_name="سارا", last_name="کاظمی",
                               national_code=code_of(90), relation="child")
    assert events("insured.dependant_added")[0].after == {"national_code": code_of(90), "relation": "child"}


# The yearly statement -----------------------------------------------------------------------------------


def test_a_statement_lists_each_paid_month_at_the_years_rates(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, rate_code="01", ratio=100, first_month=JalaliMonth(1404, 1))
    pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 7), slip_number="4000001")
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    lines = list(statement.lines.all())
    assert [line.month for line in lines] == JalaliMonth(1404, 1).through(JalaliMonth(1404, 7))
    first, seventh = lines[0], lines[-1]
    assert (first.days, first.daily_wage_base, first.rate_bp, first.premium_due, first.difference) == (
        31, 3_463_656, 1200, 12_884_800, 0)
    assert (seventh.days, seventh.premium_due, seventh.slip_number) == (30, 12_469_162, "4000001")
    assert statement.due_total == statement.paid_total == 6 * 12_884_800 + 12_469_162
    assert statement.balance == 0
    assert events("statement.computed")[0].after == {"year": 1404, "due": statement.due_total,
                                                     "paid": statement.paid_total, "balance": 0}


def test_months_paid_at_a_lower_per_capita_leave_a_debt_at_the_final_one(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=JalaliMonth(1404, 1), treatment=True)
    services.dependant_add(actor=staff_actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(91), relation="spouse")
    pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 3), per_capita=1_900_000)  # two persons
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    line = statement.lines.first()
    assert (line.premium_due, line.per_capita_due, line.amount_paid) == (
        12_884_800, 2 * 2_358_000, 12_884_800 + 2 * 1_900_000)
    assert line.difference == 2 * (2_358_000 - 1_900_000)
    assert statement.balance == 3 * 2 * 458_000 == 2_748_000
    assert statement.due_total - statement.paid_total == statement.balance


def test_dependants_added_after_payment_do_not_reach_back(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=JalaliMonth(1404, 1), treatment=True)
    pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 2))  # the insured alone
    services.dependant_add(actor=staff_actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(92), relation="spouse")
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    assert statement.balance == 0
    assert statement.lines.first().per_capita_due == 2_358_000


def test_only_months_of_the_year_are_listed(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=JalaliMonth(1403, 11))
    pay(contract, JalaliMonth(1403, 11), JalaliMonth(1404, 2))
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1403)
    assert [line.month for line in statement.lines.all()] == [JalaliMonth(1403, 11), JalaliMonth(1403, 12)]
    assert statement.lines.last().days == 30  # 1403 is a leap year


def test_a_statement_is_recomputed_while_computed_and_never_after_it_is_issued(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, first_month=JalaliMonth(1404, 1))
    pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 1))
    services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    pay(contract, JalaliMonth(1404, 2), JalaliMonth(1404, 2))
    statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    assert statement.lines.count() == 2
    assert AccountStatement.objects.count() == 1
    services.statement_issue(actor=staff_actor, statement=statement)
    with pytest.raises(DomainError, match=services.STATEMENT_ALREADY_ISSUED):
        services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    with pytest.raises(DomainError, match=services.STATEMENT_ALREADY_ISSUED):
        services.statement_issue(actor=staff_actor, statement=statement)


def credit_statement(actor, branch, *, seed: int = 1) -> AccountStatement:
    """A statement whose months were overpaid (a credit for the branch to refund)."""
    contract = register(actor, branch, seed=seed, first_month=JalaliMonth(1404, 1))
    pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 1))
    CoveredMonth.objects.filter(contract=contract).update(amount_paid=13_000_000)
    return services.statement_compute(actor=actor, contract=contract, year=1404)


def debt_statement(actor, branch, *, seed: int = 1, issue: bool = True) -> AccountStatement:
    """A statement with a debt of 2 × 458,000 rials (one month, two persons, paid at a lower per-capita)."""
    contract = register(actor, branch, seed=seed, first_month=JalaliMonth(1404, 1), treatment=True)
    services.dependant_add(actor=actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(100 + seed), relation="spouse")
    pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 1), per_capita=1_900_000)
    statement = services.statement_compute(actor=actor, contract=contract, year=1404)
    return services.statement_issue(actor=actor, statement=statement) if issue else statement


@pytest.mark.parametrize("balance", ["zero", "credit"])
def test_a_statement_without_debt_is_settled_when_issued(staff_actor, branch_a, balance):
    if balance == "zero":
        contract = register(staff_actor, branch_a, first_month=JalaliMonth(1404, 1))
        pay(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 3))
        statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
    else:
        statement = credit_statement(staff_actor, branch_a)
        assert statement.balance == 12_884_800 - 13_000_000
    issued = services.statement_issue(actor=staff_actor, statement=statement)
    assert issued.status == StatementStatus.SETTLED
    assert issued.settled_at == issued.issued_at is not None
    assert events("statement.issued")[0].after == {"status": "settled", "balance": issued.balance}


def test_a_statement_with_debt_waits_for_its_debt_slip(staff_actor, branch_a):
    statement = debt_statement(staff_actor, branch_a)
    assert (statement.status, statement.balance, statement.settled_at) == (StatementStatus.ISSUED, 916_000, None)


def test_a_debt_slip_needs_an_issued_statement_with_debt(staff_actor, branch_a):
    computed = debt_statement(staff_actor, branch_a, issue=False)
    with pytest.raises(DomainError, match=services.STATEMENT_NOT_ISSUED):
        services.debt_slip_issue(actor=staff_actor, statement=computed)
    settled = services.statement_issue(actor=staff_actor, statement=credit_statement(staff_actor, branch_a, seed=2))
    with pytest.raises(DomainError, match=services.NO_DEBT):
        services.debt_slip_issue(actor=staff_actor, statement=settled)
    assert not DebtSlip.objects.exists()


def test_a_debt_slip_bills_the_balance_under_a_checked_number(staff_actor, branch_a, staff_a):
    statement = debt_statement(staff_actor, branch_a)
    slip = services.debt_slip_issue(actor=staff_actor, statement=statement)
    assert (slip.amount, slip.status, slip.issued_by) == (916_000, DebtSlipStatus.ISSUED, staff_a)
    assert slip.number.startswith("5") and has_valid_check_digit(slip.number)
    assert events("debt_slip.issued")[0].after == {"number": slip.number, "amount": 916_000, "year": 1404}


def test_issuing_a_debt_slip_again_voids_the_open_one(staff_actor, branch_a):
    statement = debt_statement(staff_actor, branch_a)
    old = services.debt_slip_issue(actor=staff_actor, statement=statement)
    new = services.debt_slip_issue(actor=staff_actor, statement=statement)
    old.refresh_from_db()
    assert (old.status, new.status) == (DebtSlipStatus.VOIDED, DebtSlipStatus.ISSUED)
    assert old.number != new.number
    with pytest.raises(DomainError, match=services.DEBT_SLIP_NOT_OPEN):
        services.debt_slip_mark_paid(actor=staff_actor, debt_slip=old, reference="R-1", paid_at=PAID_AT)


def test_paying_the_debt_slip_settles_the_statement(staff_actor, branch_a):
    statement = debt_statement(staff_actor, branch_a)
    slip = services.debt_slip_issue(actor=staff_actor, statement=statement)
    paid = services.debt_slip_mark_paid(actor=staff_actor, debt_slip=slip, reference="R-77", paid_at=PAID_AT)
    statement.refresh_from_db()
    assert (paid.status, paid.payment_reference, paid.paid_at) == (DebtSlipStatus.PAID, "R-77", PAID_AT)
    assert (statement.status, statement.settled_at) == (StatementStatus.SETTLED, PAID_AT)
    assert events("debt_slip.paid")[0].after == {"reference": "R-77", "amount": 916_000, "statement_year": 1404,
                                                 "statement_status": "settled"}


def test_recording_the_same_receipt_twice_changes_nothing(staff_actor, branch_a):
    slip = services.debt_slip_issue(actor=staff_actor, statement=debt_statement(staff_actor, branch_a))
    services.debt_slip_mark_paid(actor=staff_actor, debt_slip=slip, reference="R-77", paid_at=PAID_AT)
    again = services.debt_slip_mark_paid(actor=staff_actor, debt_slip=slip, reference="R-77",
                                         paid_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert again.paid_at == PAID_AT
    assert len(events("debt_slip.paid")) == 1
    with pytest.raises(DomainError, match=services.DEBT_SLIP_NOT_OPEN):
        services.debt_slip_mark_paid(actor=staff_actor, debt_slip=slip, reference="R-78", paid_at=PAID_AT)


def test_a_receipt_used_for_another_debt_slip_is_refused(staff_actor, branch_a):
    first = services.debt_slip_issue(actor=staff_actor, statement=debt_statement(staff_actor, branch_a, seed=1))
    second = services.debt_slip_issue(actor=staff_actor, statement=debt_statement(staff_actor, branch_a, seed=2))
    services.debt_slip_mark_paid(actor=staff_actor, debt_slip=first, reference="R-77", paid_at=PAID_AT)
    with pytest.raises(DomainError, match=services.RECEIPT_USED):
        services.debt_slip_mark_paid(actor=staff_actor, debt_slip=second, reference="R-77", paid_at=PAID_AT)
    second.refresh_from_db()
    assert second.status == DebtSlipStatus.ISSUED
    assert second.statement.status == StatementStatus.ISSUED


# Numbering under concurrency --------------------------------------------------------------------------------


def _allocate_in_threads(key: str, threads: int = 2) -> list[int]:
    """Each thread takes a number in its own transaction and holds the lock a moment before committing."""

    def allocate() -> int:
        with transaction.atomic():
            number = next_in_sequence(key)
            # Still inside the transaction: a second allocator must wait for this commit, not read 0 again.
            threading.Event().wait(0.2)
        return number

    results = at_once(*[allocate] * threads)
    failures = [result for result in results if isinstance(result, BaseException)]
    assert not failures, failures
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("counter_exists", [True, False], ids=["existing-counter", "first-use"])
def test_two_clerks_allocating_at_once_get_consecutive_distinct_numbers(counter_exists):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer, so only PostgreSQL can show the row lock at work")
    if counter_exists:
        Counter.objects.create(key="race", value=41)
    numbers = _allocate_in_threads("race")
    first = 42 if counter_exists else 1
    assert sorted(numbers) == [first, first + 1]
    assert Counter.objects.get(key="race").value == first + 1


@pytest.mark.django_db(transaction=True)
def test_a_number_is_only_handed_out_inside_the_transaction_that_uses_it():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_in_sequence("outside")
