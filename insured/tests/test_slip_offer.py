"""slip_offer: the one computation of what a person can issue, behind the online, counter and broker quotes."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from insured.models import Channel, Contract, ContractStatus, DebtSlip
from insured.slips import slip_offer, slip_quote
from insured.tests.conftest import pay
from insured.tests.factories import AZAR_1405, TEHRAN, make_contract, pay_months, per_capita_entered
from insured.tests.test_yearend import debt, run
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db

FARVARDIN_1405_DAY = datetime(2026, 3, 25, 10, 0, tzinfo=TEHRAN)
ESFAND_1405_DAY = datetime(2027, 2, 25, 10, 0, tzinfo=TEHRAN)


@pytest.fixture(autouse=True)
def per_capita_1405(db) -> None:
    per_capita_entered(1405, 1_000_000)


@pytest.fixture
def contract(staff_a, branch_a) -> Contract:
    contract = make_contract(staff_a, branch_a, treatment=True)
    pay_months(contract, M(1405, 1), M(1405, 6))
    return contract


@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.BRANCH, Channel.BROKER])
def test_each_choice_costs_what_a_quote_to_that_month_costs(contract, channel):
    offer = slip_offer(contract, channel=channel, now=AZAR_1405)
    assert offer.can_issue
    assert offer.ends == M(1405, 7).through(M(1405, 12))
    assert [(choice.label, choice.end) for choice in offer.choices] == [
        ("یک ماه", M(1405, 7)), ("سه ماه", M(1405, 9)), ("شش ماه", M(1405, 12))]
    for choice in offer.choices:
        assert choice.total == slip_quote(contract, choice.end, channel=channel, now=AZAR_1405).total


def test_the_offer_ends_at_the_last_month_until_a_person_picks_another(contract):
    offer = slip_offer(contract, channel=Channel.ONLINE, now=AZAR_1405)
    assert (offer.end, offer.months[0], offer.months[-1]) == (M(1405, 12), M(1405, 7), M(1405, 12))
    picked = offer.ending(M(1405, 8))
    assert picked.months == [M(1405, 7), M(1405, 8)]
    assert picked.total == slip_quote(contract, M(1405, 8), channel=Channel.ONLINE, now=AZAR_1405).total
    assert offer.ending(M(1406, 1)).end == M(1405, 12)  # not a possible end: the offer stays as it was


def test_a_lapsed_contract_is_blocked_with_the_way_out_a_visit(staff_a, branch_a):
    lapsed = make_contract(staff_a, branch_a)
    offer = slip_offer(lapsed, channel=Channel.ONLINE, now=AZAR_1405)
    assert not offer.can_issue
    assert "باطل شده" in offer.blocked_by
    assert offer.sends_to_branch
    assert (offer.lines, offer.choices, offer.total) == ([], [], 0)


def test_a_cancelled_contract_is_blocked_at_the_counter_too(contract):
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.CANCELLED)
    contract.refresh_from_db()
    offer = slip_offer(contract, channel=Channel.BRANCH, now=AZAR_1405)
    assert not offer.can_issue and offer.sends_to_branch


def test_when_esfand_is_paid_the_first_unpaid_month_stays_a_choice_and_the_refusal_says_why(contract):
    pay_months(contract, M(1405, 7), M(1405, 12))
    for channel in (Channel.ONLINE, Channel.BRANCH, Channel.BROKER):
        offer = slip_offer(contract, channel=channel, now=AZAR_1405)
        assert offer.ends == [M(1406, 1)]
        assert "حق بیمه همه ماه‌ها تا اسفند ۱۴۰۵ پرداخت شده است" in offer.blocked_by


def _quote_page_queries(contract: Contract, username: str, client_for, when: datetime) -> tuple[int, int, int]:
    with time_machine.travel(when, tick=False):
        contract.insured.user = make_user(username)
        contract.insured.save(update_fields=["user"])
        client = client_for(contract.insured.user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/me/quote/")
    assert response.status_code == 200
    # The page's own reads; the session and login plumbing around every page is not the quote's to pin.
    ledger_reads = [query["sql"] for query in queries.captured_queries if '"insured_' in query["sql"]]
    return len(ledger_reads), len(queries.captured_queries), len(response.context["quote"].months)


def test_the_online_quote_page_reads_the_database_a_fixed_number_of_times(staff_a, branch_a, client_for):
    twelve = make_contract(staff_a, branch_a, serial=1111111, treatment=True)
    two = make_contract(staff_a, branch_a, serial=2222222, treatment=True)
    pay_months(two, M(1405, 1), M(1405, 10))
    many, all_many, months_many = _quote_page_queries(twelve, "0499370899", client_for, FARVARDIN_1405_DAY)
    few, all_few, months_few = _quote_page_queries(two, "0012345679", client_for, ESFAND_1405_DAY)
    assert (months_many, months_few) == (12, 2)
    # The contract with its person (one read), the standing (the last paid month) and the dependants, whatever the
    # number of months; the per-capita, wage and rate tables come from this process's cache (ledger.rate_tables).
    assert many == few == 3
    # Nor does any other read (the session and login plumbing included) grow with the months.
    assert all_many == all_few


def test_a_debtor_is_shown_the_debt_slip_to_pay_here_as_the_way_out(staff_actor, branch_a, client_for, insured_user):
    debtor = debt(staff_actor, branch_a, 7)
    pay(debtor, M(1404, 2), M(1404, 12))
    run("1404", "--issue", "--quiet")
    slip = DebtSlip.objects.get(statement__contract=debtor)
    with time_machine.travel(datetime(2026, 4, 5, 10, 0, tzinfo=TEHRAN), tick=False):
        offer = slip_offer(debtor, channel=Channel.ONLINE)
        assert (offer.can_issue, offer.sends_to_branch, offer.debt_slips) == (False, False, [slip])
        debtor.insured.user = insured_user
        debtor.insured.save(update_fields=["user"])
        body = client_for(insured_user).get("/me/quote/").content.decode()
    assert "همین‌جا با کارت بپردازید" in body
    assert f'action="/pay/debt/{slip.number}/"' in body
