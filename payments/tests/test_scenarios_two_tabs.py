"""payments.md §11, scenario 8 (F7): the same slip paid in two tabs, with two cards.

A slip has at most one unresolved payment (issue 10, item 2): the second tab is refused before it reaches a PSP,
with a Persian message telling its payer not to pay again, so no card is debited twice. The first tab's payment
is credited once, whether it comes back through its own callback or the reconciler finishes it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from insured.models import SlipStatus
from payments import messages as text
from payments.models import PaymentAttempt, State
from payments.services import payment_reconcile
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    come_back,
    covered,
    covered_in_contract,
    reload,
    result_text,
    start,
)
from payments.tests.simulator_client import APPROVE, APPROVE_2, pay
from samt.errors import DomainError
from samt.tests.concurrency import at_once


def second_tab_refused(slip, user) -> str:
    """The second tab presses the pay button: refused by payment_start, nothing reaches a PSP."""
    with pytest.raises(DomainError) as refused:
        start(slip, user)
    return refused.value.message


def assert_one_credit(slip, winner: PaymentAttempt) -> None:
    slip.refresh_from_db()
    assert reload(winner).state == State.SUCCEEDED
    assert list(PaymentAttempt.objects.filter(slip=slip)) == [reload(winner)]
    assert slip.status == SlipStatus.PAID and slip.payment_reference.endswith(reload(winner).bank_ref)
    assert covered(slip) == covered_in_contract(slip) == 3
    assert audit_actions().count("slip.paid") == 1


@pytest.mark.django_db
def test_8_the_second_tab_is_refused_and_its_payer_told_not_to_pay_again(slip, insured_user, client_for,
                                                                        portal_gateway):
    card_1, card_2 = balance(APPROVE), balance(APPROVE_2)
    first = start(slip, insured_user)
    tab_2 = client_for(insured_user)
    response = tab_2.post(reverse("payments:pay_slip", args=[slip.number]))
    assert response.status_code == 302 and response["Location"] == reverse("insured:slip", args=[slip.number])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [text.PAY_AGAIN_REFUSED]
    assert "دوباره پرداخت نکنید" in text.PAY_AGAIN_REFUSED

    tab_1 = Client()
    come_back(tab_1, first, pay(Client(), first.token, APPROVE))
    assert_one_credit(slip, first)
    assert "پرداخت با موفقیت انجام شد" in result_text(tab_1, first)
    assert balance(APPROVE) == card_1 - slip.total
    assert balance(APPROVE_2) == card_2  # never asked for


@pytest.mark.django_db
def test_8_the_reconciler_finishing_the_first_tab_credits_the_slip_once(slip, insured_user, portal_gateway):
    first = start(slip, insured_user)
    pay(Client(), first.token, APPROVE)
    assert second_tab_refused(slip, insured_user) == text.PAY_AGAIN_REFUSED
    assert payment_reconcile(older_than=timedelta(0)) == {State.SUCCEEDED: 1}
    assert_one_credit(slip, first)


@pytest.mark.django_db
def test_8_a_second_tab_cannot_even_start_once_the_slip_is_paid(slip, insured_user, client_for, portal_gateway):
    first = start(slip, insured_user)
    come_back(Client(), first, pay(Client(), first.token, APPROVE))
    browser = client_for(insured_user)
    response = browser.post(reverse("payments:pay_slip", args=[slip.number]))
    assert response.status_code == 302 and response["Location"] == reverse("insured:slip", args=[slip.number])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [text.SLIP_NOT_PAYABLE]
    assert PaymentAttempt.objects.filter(slip=slip).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_8_two_tabs_pressing_pay_at_the_same_instant_start_one_payment(slip, insured_user, portal_gateway):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent starters need row locks; SQLite serialises every writer (run with DATABASE_URL)")
    card_1, card_2 = balance(APPROVE), balance(APPROVE_2)
    results = at_once(lambda: start(slip, insured_user), lambda: start(slip, insured_user))
    started = [result for result in results if isinstance(result, PaymentAttempt)]
    refused = [result for result in results if isinstance(result, DomainError)]
    assert len(started) == 1 and len(refused) == 1, results
    assert refused[0].message == text.PAY_AGAIN_REFUSED

    first = started[0]
    come_back(Client(), first, pay(Client(), first.token, APPROVE))
    assert_one_credit(slip, first)
    assert balance(APPROVE) == card_1 - slip.total and balance(APPROVE_2) == card_2
