"""A slip paid by card through the SEP adapter and the simulator: the state machine end to end."""

from __future__ import annotations

import pytest
from django.test import Client

from insured.models import CoveredMonth, SlipStatus
from insured.slips import slip_issue
from insured.tests.factories import make_contract, pay_months
from payments.models import PaymentAttempt, State
from payments.services import payment_drive, payment_reconcile, payment_start
from payments.tests.simulator_client import INSUFFICIENT, gateways_setting, open_card_page, pay, submit_card
from samt.actors import Actor
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db


@pytest.fixture
def slip(staff_a, branch_a, insured_user, settings, transport):
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("sep", "mellat")
    current = M.current()
    contract = make_contract(staff_a, branch_a, first_month=M(current.year, 1))
    if current.month > 1:
        pay_months(contract, M(current.year, 1), current.previous())
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    return slip_issue(actor=Actor.for_user(insured_user), contract=contract, end_month=current, channel="online")


def start(slip, user):
    return payment_start(actor=Actor.for_user(user), payable=slip,
                         callback_url=lambda order_id: f"http://testserver/pay/callback/{order_id}/")


def test_a_paid_slip_is_credited_once(slip, insured_user):
    started = start(slip, insured_user)
    assert started.attempt.state == State.REDIRECTED
    payer = Client()
    pay(payer, started.attempt.token)
    attempt = payment_drive(started.attempt)
    assert attempt.state == State.SUCCEEDED
    slip.refresh_from_db()
    assert slip.status == SlipStatus.PAID
    assert CoveredMonth.objects.filter(slip=slip).count() == 1
    again = payment_drive(attempt)
    assert again.state == State.SUCCEEDED
    assert CoveredMonth.objects.filter(slip=slip).count() == 1


def test_insufficient_funds_fails_with_a_persian_reason(slip, insured_user):
    started = start(slip, insured_user)
    payer = Client()
    open_card_page(payer, started.attempt.token)
    submit_card(payer, started.attempt.token, INSUFFICIENT)
    attempt = payment_drive(started.attempt)
    assert attempt.state == State.FAILED
    assert "بانک پرداخت را انجام نداد" in attempt.failure_reason
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED


def test_the_reconciler_completes_a_payment_whose_callback_never_came(slip, insured_user):
    started = start(slip, insured_user)
    pay(Client(), started.attempt.token)
    from datetime import timedelta
    outcome = payment_reconcile(older_than=timedelta(0))
    assert outcome == {State.SUCCEEDED: 1}
    assert PaymentAttempt.objects.get().state == State.SUCCEEDED
