"""The simulated year, small: every behaviour profile lives through fourteen months and Nowruz, and nobody is
harmed. The command exits non-zero when somebody is."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from insured.models import AccountStatement, DebtSlip, DebtSlipStatus, LapseExtension, StatementStatus
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


def test_every_profile_is_dealt_from_nine_people_up():
    assert {p.profile for p in profiles.people(9, seed=1)} == set(Profile)
    last_minute = next(p for p in profiles.people(9, seed=1) if p.profile == Profile.LAST_MINUTE)
    assert all((t.hour, t.minute) == (23, 59) for t in last_minute.payments)
    assert len(profiles.MONTHS) == 14 and profiles.NOWRUZ in profiles.MONTHS


def test_it_refuses_a_database_that_already_has_people(staff_a, branch_a):
    from insured.tests.factories import make_contract

    make_contract(staff_a, branch_a)
    with pytest.raises(CommandError, match="empty database"):
        call_command("simulate_year", "--people", "1", "--quiet", stdout=StringIO())
