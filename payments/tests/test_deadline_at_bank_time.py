"""Issue 10, item 3: a slip's payable-until deadline is judged at the moment the bank took the money.

A slip is payable to the end of its last day in Tehran. Paid at the bank at 23:59:59 that day and verified by us at
00:00:10 the next (the payer came back late, or the reconciler finished it), it is credited, with the bank's time;
paid at the bank at 00:00:01 it is not, and the money goes back. A bank time is believed within payments.services
CLOCK_GRACE of the attempt's life; where the bank gives none (Mellat's verify carries no time), or one that cannot
be this payment's, our clock decides.

Two edges where a day's difference costs the person most: the last day of a 29-day Esfand (1404 is not a leap year,
so 1404/12/29 is the year's last day and 1405 begins the next morning), and the last day of the last month in which
a contract may still be paid before it lapses (domain.md §3: more than three months unpaid voids it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

import jdatetime
import pytest
import time_machine
from django.test import Client

from insured import ledger, rules
from insured.models import CoveredMonth, Slip, SlipStatus
from insured.slips import slip_issue
from insured.tests.factories import make_contract, pay_months
from payments.gateways.sep import SepGateway
from payments.models import PaymentAttempt, State
from payments.services import payment_reconcile
from payments.tests.scenario_support import balance, come_back, reload, start
from payments.tests.simulator_client import APPROVE, gateways_setting, pay_at_bank
from payments.tests.simulator_client import callback_fields as fields_of
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import TEHRAN
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Edge:
    name: str
    first_month: M  # the contract's first month; paid from it through `paid_through`
    paid_through: M
    issued_on: jdatetime.date  # the slip is issued that day (payable to the end of its month) up to `end_month`
    end_month: M

    @property
    def last_day(self) -> date:
        return self.issued_on.replace(day=M(self.issued_on.year, self.issued_on.month).days).togregorian()


ESFAND_1404 = Edge("esfand_1404", first_month=M(1404, 10), paid_through=M(1404, 11),
                   issued_on=jdatetime.date(1404, 12, 10), end_month=M(1404, 12))
# Paid through Khordad 1405: Tir is the first unpaid month, Mehr the last in which the contract may still be paid
# (Mehr - Tir = 3); from Aban on, unpaid, it has lapsed.
LAPSE_WINDOW = Edge("last_month_before_lapse", first_month=M(1405, 1), paid_through=M(1405, 3),
                    issued_on=jdatetime.date(1405, 7, 20), end_month=M(1405, 7))


def at(day: date, clock: str) -> datetime:
    """`clock` ("23:59:59") on `day`, in Tehran."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TEHRAN)


@pytest.fixture(params=[ESFAND_1404, LAPSE_WINDOW], ids=lambda edge: edge.name)
def edge(request) -> Edge:
    return request.param


@pytest.fixture
def clock(edge):
    with time_machine.travel(datetime.combine(edge.issued_on.togregorian(), time(10), tzinfo=TEHRAN),
                             tick=False) as traveller:
        yield traveller


@pytest.fixture
def edge_slip(edge, clock, staff_a, branch_a, insured_user) -> Slip:
    contract = make_contract(staff_a, branch_a, first_month=edge.first_month)
    pay_months(contract, edge.first_month, edge.paid_through)
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    slip = slip_issue(actor=Actor.for_user(insured_user), contract=contract, end_month=edge.end_month,
                      channel="online")
    assert slip.payable_until == edge.last_day
    return slip


def paid_at_the_bank_and_verified(slip: Slip, user, clock, *, bank: str, verified: str, started: str = "23:55:00"
                                  ) -> PaymentAttempt:
    """The pay button at `started` on the slip's last day; the card is charged at the bank at `bank` (that day, or
    "+1 00:00:01" the next); the payer's browser brings the callback, and we verify, at `verified`."""
    last_day = slip.payable_until
    clock.move_to(at(last_day, started))
    attempt = start(slip, user)
    payer = Client()
    clock.move_to(_when(last_day, bank))
    pay_at_bank(payer, attempt.token, APPROVE)
    fields = fields_of(payer, attempt.token)
    clock.move_to(_when(last_day, verified))
    come_back(payer, attempt, fields)
    return reload(attempt)


def _when(last_day: date, moment: str) -> datetime:
    if moment.startswith("+1 "):
        return at(date.fromordinal(last_day.toordinal() + 1), moment[3:])
    return at(last_day, moment)


def lapsed_next_month(slip: Slip, edge: Edge) -> bool:
    standing = ledger.standing(slip.contract, edge.end_month.next())
    return rules.is_lapsed(standing.first_unpaid, standing.current, extended=False)


def credited(slip: Slip, attempt: PaymentAttempt, bank_moment: datetime) -> None:
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED
    assert slip.status == SlipStatus.PAID and slip.paid_at == bank_moment
    assert set(CoveredMonth.objects.filter(slip=slip).values_list("paid_on", flat=True)) == {slip.payable_until}


def not_credited(slip: Slip, attempt: PaymentAttempt, card_before: int) -> None:
    slip.refresh_from_db()
    assert attempt.state == State.REVERSED
    assert slip.status == SlipStatus.ISSUED and slip.effective_status == SlipStatus.EXPIRED
    assert not CoveredMonth.objects.filter(slip=slip).exists()
    assert balance(APPROVE) == card_before  # verified, then given back at once


def test_paid_at_the_bank_at_23_59_59_and_verified_at_00_00_10_is_credited(edge, edge_slip, insured_user, clock,
                                                                           portal_gateway):
    attempt = paid_at_the_bank_and_verified(edge_slip, insured_user, clock, bank="23:59:59", verified="+1 00:00:10")
    credited(edge_slip, attempt, at(edge.last_day, "23:59:59"))
    if edge is LAPSE_WINDOW:
        assert not lapsed_next_month(edge_slip, edge)  # the contract lives on into Aban


def test_paid_at_the_bank_at_00_00_01_is_not_credited_and_the_money_goes_back(edge, edge_slip, insured_user, clock,
                                                                              portal_gateway):
    card_before = balance(APPROVE)
    attempt = paid_at_the_bank_and_verified(edge_slip, insured_user, clock, bank="+1 00:00:01",
                                            verified="+1 00:00:10")
    not_credited(edge_slip, attempt, card_before)
    if edge is LAPSE_WINDOW:
        assert lapsed_next_month(edge_slip, edge)


def test_the_reconciler_verifying_after_midnight_judges_by_the_banks_time_too(edge, edge_slip, insured_user, clock,
                                                                             portal_gateway):
    """The payer closed the tab on the bank's receipt page: nobody came back; the reconciler verifies at 00:01."""
    clock.move_to(at(edge.last_day, "23:55:00"))
    attempt = start(edge_slip, insured_user)
    clock.move_to(at(edge.last_day, "23:59:59"))
    pay_at_bank(Client(), attempt.token, APPROVE)
    clock.move_to(_when(edge.last_day, "+1 00:01:00"))
    assert payment_reconcile(older_than=timedelta(seconds=30)) == {State.SUCCEEDED: 1}
    credited(edge_slip, reload(attempt), at(edge.last_day, "23:59:59"))


@pytest.mark.parametrize(("bank", "verified", "kept"), [("23:59:50", "23:59:58", True),
                                                        ("23:59:59", "+1 00:00:10", False)])
def test_without_the_banks_time_our_clock_decides(edge, edge_slip, insured_user, clock, settings, transport,
                                                  bank, verified, kept):
    """Mellat's verify answer carries no time of payment: the moment we verify is the one judged."""
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("mellat")
    card_before = balance(APPROVE)
    attempt = paid_at_the_bank_and_verified(edge_slip, insured_user, clock, bank=bank, verified=verified)
    assert attempt.psp == "mellat"
    if kept:
        credited(edge_slip, attempt, _when(edge.last_day, verified))
    else:
        not_credited(edge_slip, attempt, card_before)


def test_a_bank_time_that_cannot_be_this_payments_is_not_believed(edge, edge_slip, insured_user, clock,
                                                                  portal_gateway, monkeypatch):
    """The PSP's clock is an hour behind: it says 23:00:05 of the last day, before the pay button was even pressed,
    so that is not this payment's moment; our clock (00:00:10, past the deadline) decides."""
    real_verify = SepGateway.verify

    def verify_an_hour_behind(self, *args, **kwargs):
        answer = real_verify(self, *args, **kwargs)
        return replace(answer, trace_date=f"{edge.last_day.isoformat()} 23:00:05")

    monkeypatch.setattr(SepGateway, "verify", verify_an_hour_behind)
    card_before = balance(APPROVE)
    attempt = paid_at_the_bank_and_verified(edge_slip, insured_user, clock, bank="+1 00:00:05",
                                            verified="+1 00:00:10")
    not_credited(edge_slip, attempt, card_before)


def test_a_new_slip_asked_for_between_the_bank_and_our_verify_waits_and_the_payment_counts(
        staff_a, branch_a, insured_user, portal_gateway):
    """At an ordinary month's end: the bank took the money at 23:59:59 on Azar's last day; at 00:00:05 the person
    (or a broker, or the branch) asks for a new slip. Retiring the old one (now past its deadline) would have the
    payment, made in time, reversed at 00:00:10 and the months asked for again: the new slip waits for the verify."""
    with time_machine.travel(datetime(2026, 12, 10, 10, tzinfo=TEHRAN), tick=False) as clock:
        contract = make_contract(staff_a, branch_a, first_month=M(1405, 1))
        pay_months(contract, M(1405, 1), M(1405, 8))
        contract.insured.user = insured_user
        contract.insured.save(update_fields=["user"])
        slip = slip_issue(actor=Actor.for_user(insured_user), contract=contract, end_month=M(1405, 9),
                          channel="online")
        last_day = slip.payable_until
        clock.move_to(at(last_day, "23:55:00"))
        attempt = start(slip, insured_user)
        payer = Client()
        clock.move_to(at(last_day, "23:59:59"))
        pay_at_bank(payer, attempt.token, APPROVE)
        fields = fields_of(payer, attempt.token)
        clock.move_to(_when(last_day, "+1 00:00:05"))
        with pytest.raises(DomainError, match="دوباره پرداخت نکنید"):
            slip_issue(actor=Actor.for_user(insured_user), contract=contract, end_month=M(1405, 10), channel="online")
        clock.move_to(_when(last_day, "+1 00:00:10"))
        come_back(payer, attempt, fields)
        credited(slip, reload(attempt), at(last_day, "23:59:59"))
        newer = slip_issue(actor=Actor.for_user(insured_user), contract=contract, end_month=M(1405, 10),
                           channel="online")
        assert (newer.first_month, newer.last_month) == (M(1405, 10), M(1405, 10))
