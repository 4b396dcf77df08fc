"""payments.md §11, scenario 8 (F7): the same slip paid in two tabs, with two cards.

One attempt succeeds; the other is never verified, so the PSP gives its money back, and its payer is told the
slip was paid by the other payment. The slip is credited once, whichever order, or both at once.
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
    pass_minutes,
    psp_verifications,
    reload,
    result_text,
    start,
)
from payments.tests.simulator_client import APPROVE, APPROVE_2, pay
from samt.tests.concurrency import at_once


def two_paid_tabs(slip, user):
    first, second = start(slip, user), start(slip, user)
    return (first, pay(Client(), first.token, APPROVE)), (second, pay(Client(), second.token, APPROVE_2))


def assert_one_credit(slip, winner: PaymentAttempt, loser: PaymentAttempt) -> None:
    slip.refresh_from_db()
    assert (reload(winner).state, reload(loser).state) == (State.SUCCEEDED, State.REJECTED)
    assert reload(loser).failure_reason == text.PAID_ELSEWHERE
    assert slip.status == SlipStatus.PAID and slip.payment_reference.endswith(reload(winner).bank_ref)
    assert covered(slip) == covered_in_contract(slip) == 3
    assert psp_verifications(winner) == 1 and psp_verifications(loser) == 0
    assert audit_actions().count("slip.paid") == 1
    assert "payment.rejected" in audit_actions(loser)


@pytest.mark.django_db
def test_8_the_second_tab_to_return_is_not_verified_and_its_payer_is_told(slip, insured_user, portal_gateway):
    card_1, card_2 = balance(APPROVE), balance(APPROVE_2)
    (first, fields_1), (second, fields_2) = two_paid_tabs(slip, insured_user)
    tab_1, tab_2 = Client(), Client()
    come_back(tab_1, first, fields_1)
    come_back(tab_2, second, fields_2)

    assert_one_credit(slip, first, second)
    assert "پرداخت با موفقیت انجام شد" in result_text(tab_1, first)
    page = result_text(tab_2, second)
    assert "پرداخت انجام نشد" in page and "این برگ با پرداخت دیگری پرداخت شده است" in page

    assert balance(APPROVE_2) == card_2 - slip.total  # held until the PSP's window closes
    pass_minutes(tab_2, 31)
    assert balance(APPROVE_2) == card_2
    assert balance(APPROVE) == card_1 - slip.total


@pytest.mark.django_db
def test_8_the_reconciler_finishing_both_tabs_credits_the_slip_once(slip, insured_user, portal_gateway):
    (first, _), (second, _) = two_paid_tabs(slip, insured_user)
    assert payment_reconcile(older_than=timedelta(0)) == {State.SUCCEEDED: 1, State.REJECTED: 1}
    assert_one_credit(slip, first, second)


@pytest.mark.django_db
def test_8_a_third_tab_cannot_even_start_once_the_slip_is_paid(slip, insured_user, client_for, portal_gateway):
    (first, fields), _ = two_paid_tabs(slip, insured_user)
    come_back(Client(), first, fields)
    browser = client_for(insured_user)
    response = browser.post(reverse("payments:pay_slip", args=[slip.number]))
    assert response.status_code == 302 and response["Location"] == reverse("insured:slip", args=[slip.number])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [text.SLIP_NOT_PAYABLE]
    assert PaymentAttempt.objects.filter(slip=slip).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_8_two_tabs_returning_at_the_same_instant_credit_once(slip, insured_user, portal_gateway):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent drivers need row locks; SQLite serialises every writer (run with DATABASE_URL)")
    card_1, card_2 = balance(APPROVE), balance(APPROVE_2)
    (first, fields_1), (second, fields_2) = two_paid_tabs(slip, insured_user)

    def back(attempt, fields):
        return lambda: Client().get(reverse("payments:callback", args=[attempt.order_id]), fields).status_code

    results = at_once(back(first, fields_1), back(second, fields_2), back(first, fields_1),
                         lambda: payment_reconcile(older_than=timedelta(0)))
    assert results[:3] == [302, 302, 302], results
    assert isinstance(results[3], dict), results[3]

    winner, loser = (first, second) if reload(first).state == State.SUCCEEDED else (second, first)
    assert_one_credit(slip, winner, loser)
    pass_minutes(Client(), 31)
    paid_card, returned_card = (APPROVE, APPROVE_2) if winner == first else (APPROVE_2, APPROVE)
    assert balance(paid_card) == (card_1 if paid_card == APPROVE else card_2) - slip.total
    assert balance(returned_card) == (card_1 if returned_card == APPROVE else card_2)
