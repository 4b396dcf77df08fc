"""The simulated year, small: every behaviour profile lives through fourteen months and Nowruz, and nobody is
harmed. The command exits non-zero when somebody is."""

from __future__ import annotations

import re
from datetime import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from insured import ledger, rules, yearend
from insured.models import (
    AccountStatement,
    Contract,
    ContractStatus,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    LapseExtension,
    StatementStatus,
)
from payments.models import PaymentAttempt, State
from simulation import profiles, year
from simulation.profiles import Profile

pytestmark = pytest.mark.django_db


def test_a_small_province_lives_through_the_year_and_nobody_is_harmed():
    out = StringIO()
    call_command("simulate_year", "--people", "9", "--seed", "7", "--quiet", stdout=out)
    printed = out.getvalue()
    for label in year.HARMS.values():
        assert f"       0  {label}" in printed
    # Nowruz happened: every 1404 statement was issued or settled, the treatment person's debt was billed and
    # paid online, the person who forgot four months got the one-time extension with the head's approval.
    assert not AccountStatement.objects.filter(year=1404, status=StatementStatus.COMPUTED).exists()
    assert DebtSlip.objects.filter(status=DebtSlipStatus.PAID, issued_by=None).count() == 1
    assert LapseExtension.objects.filter(status="approved").count() == 1
    assert not PaymentAttempt.objects.exclude(state=State.SUCCEEDED).exists()
    assert "paid_at_23_59_verified_after_midnight 14" in printed


def test_a_harm_makes_the_command_fail(monkeypatch):
    """A payment verified after midnight judged at our clock instead of the bank's is the kind of harm it finds."""
    monkeypatch.setattr("payments.services.bank_time", lambda attempt, result, now: now)
    out = StringIO()
    with pytest.raises(CommandError, match="somebody was harmed"):
        call_command("simulate_year", "--people", "3", "--seed", "7", "--quiet", stdout=out)
    assert "       1  payments reversed or refused although made in time" in out.getvalue()


def _harmed(people: int, kind: str) -> int:
    """How many the run counted of `kind`; the command must have failed."""
    out = StringIO()
    with pytest.raises(CommandError, match="somebody was harmed"):
        call_command("simulate_year", "--people", str(people), "--seed", "7", "--quiet", stdout=out)
    counted = re.search(rf"^ *([\d,]+)  {re.escape(year.HARMS[kind])}$", out.getvalue(), re.MULTILINE)
    assert counted is not None
    return int(counted[1].replace(",", ""))


# Each count, made non-zero by a deliberately broken rule or service: a count that cannot fail counts nothing.
# People are dealt profiles in turn: 0 pays every month, 1 a quarter at once, 3 forgets two months (Bahman and
# Esfand 1404, paid in Farvardin 1405, after the year-end run).


def test_a_gate_that_sends_last_years_contracts_to_the_branch_is_counted(monkeypatch):
    check_can_issue = ledger.check_can_issue

    def gate(contract, first_unpaid, current):
        if contract.first_month.year < current.year:
            raise rules.SeeTheBranch("گردش حساب سال گذشته شما صادر نشده است؛ به شعبه مراجعه کنید.")
        check_can_issue(contract, first_unpaid, current)

    monkeypatch.setattr(ledger, "check_can_issue", gate)
    assert _harmed(1, "sent_to_branch_without_cause") == 1


def test_a_lapse_rule_stricter_than_the_domain_is_counted(monkeypatch):
    monkeypatch.setattr(rules, "LAPSE_MONTHS", 1)  # the quarterly payer is void after one month
    assert _harmed(2, "voided_although_paid_in_time") == 1


def test_money_verified_at_the_bank_but_not_credited_is_counted(monkeypatch):
    monkeypatch.setattr("payments.services._mark_payable_paid", lambda attempt, reference, paid_at: None)
    # The bank keeps each payment; the slips stay unpaid (until the unpaid months lapse the contract).
    assert _harmed(1, "money_taken_not_credited") >= 1


def test_a_month_credited_on_two_contracts_is_counted(monkeypatch):
    """What a renewal that gave a new contract a month the lapsed one had paid would leave behind."""
    last_night = year.Year._last_night

    def and_a_second_contract(self):
        last_night(self)
        paid = CoveredMonth.objects.select_related("contract").first()
        old = paid.contract
        second = Contract.objects.create(number="30000000", insured=old.insured, scheme=old.scheme,
                                         rate_code=old.rate_code, wage_ratio_hundredths=old.wage_ratio_hundredths,
                                         first_month=paid.month, status=ContractStatus.LAPSED)
        CoveredMonth.objects.create(contract=second, month=paid.month, premium=paid.premium, persons=0,
                                    amount_paid=paid.amount_paid, slip_number=paid.slip_number, paid_on=paid.paid_on)

    monkeypatch.setattr(year.Year, "_last_night", and_a_second_contract)
    assert _harmed(1, "months_credited_twice") == 1


def test_a_late_line_that_does_not_add_up_is_counted(monkeypatch):
    statement_line = yearend.statement_line

    def a_rial_off(statement, contract, covered):
        line = statement_line(statement, contract, covered)
        line.difference += 1
        return line

    monkeypatch.setattr(yearend, "statement_line", a_rial_off)
    assert _harmed(4, "statements_disagreeing") == 1


def test_months_of_a_closed_year_paid_after_its_run_left_off_the_statement_are_counted(monkeypatch):
    monkeypatch.setattr(yearend, "statement_join_late_months", lambda **kwargs: None)
    # Bahman and Esfand 1404 of the person who forgot two months.
    assert _harmed(4, "paid_months_off_statements") == 2


def test_every_profile_is_dealt_from_nine_people_up():
    assert {p.profile for p in profiles.people(9, seed=1)} == set(Profile)
    last_minute = next(p for p in profiles.people(9, seed=1) if p.profile == Profile.LAST_MINUTE)
    assert all((t.hour, t.minute) == (23, 59) for t in last_minute.payments)
    assert len(profiles.MONTHS) == 14 and profiles.NOWRUZ in profiles.MONTHS


def test_a_mid_year_starter_is_registered_before_their_first_payment_even_at_eight_on_the_first():
    # Seen on the 10,000-person run: person 6188 (starts mid-year, pays on the 1st at 08:xx) had a pay turn played
    # before the branch registered them at 09:00 that day, and the year stopped on a KeyError.
    starter = profiles.Person(index=0, profile=Profile.MID_YEAR, first_month=profiles.MONTHS[profiles.MID_YEAR_START],
                              dependants=0,
                              payments=(profiles.at(profiles.MONTHS[profiles.MID_YEAR_START], 1, time(8, 0, 0)),))
    everyone = [starter, *profiles.people(10_000, seed=1405)[1:]]
    registered: set[int] = set()
    for _, _, what, who in sorted(year._events(everyone)):
        if what == "register":
            registered.add(who)
        elif what == "pay" and everyone[who].first_month != profiles.FIRST_MONTH:
            assert who in registered, f"person {who} pays before being registered"
    assert 0 in registered


def test_it_refuses_a_database_that_already_has_people(staff_a, branch_a):
    from insured.tests.factories import make_contract

    make_contract(staff_a, branch_a)
    with pytest.raises(CommandError, match="empty database"):
        call_command("simulate_year", "--people", "1", "--quiet", stdout=StringIO())
