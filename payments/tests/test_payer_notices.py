"""Issue 10, item 5: what the payer is told matches what happened.

One table (`payments.messages.PAYER_NOTICES`) says what every state of an attempt means for its payer; the result
page, the slip pages, the pay-without-login page and a refused receipt all read it. A manual review (the PSP kept
the money, or never said) says what the README promises: recorded for an expert, do not pay again, and the number to
quote; never that the money is on its way back by itself.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from payments import messages as text
from payments.messages import PAYER_NOTICES, payer_notice
from payments.models import HOLDING_STATES, PaymentAttempt, PaymentEvent, State
from payments.tests.scenario_support import come_back, hook_after, reload, result_text, start, started_in
from payments.tests.simulator_client import advance_clock, pay
from payments.tests.test_scenarios_forgery import change_amount_at_the_psp
from samt.models import SmsMessage

pytestmark = pytest.mark.django_db
EVERY_CASE = [(state, kept) for state in State.values for kept in (False, True)]
# What the page said after a failed reverse, before issue 10: a promise nobody would keep by themselves.
OLD_PROMISE = "مبلغ آن به کارت شما برگردانده می‌شود"


def test_the_table_has_an_entry_for_every_state_of_the_state_machine():
    assert {state for state, _ in PAYER_NOTICES} == set(State.values)


@pytest.mark.parametrize(("state", "kept"), EVERY_CASE)
def test_every_state_has_a_title_a_text_and_a_next_step(state, kept):
    notice = payer_notice(state, money_kept=kept)
    assert notice.title and notice.text and notice.next_step
    assert notice.tone in {"alert-success", "alert-warning", "alert-danger"}
    if state in HOLDING_STATES:
        assert "دوباره پرداخت نکنید" in notice.text + notice.next_step
    if state == State.MANUAL_REVIEW:
        assert "کارشناس" in notice.title and notice.quotes_reference
        assert "شماره پیگیری" in notice.next_step and OLD_PROMISE not in notice.text


def test_only_a_manual_review_reads_differently_when_the_psp_kept_the_money():
    differ = {state for state in State.values if payer_notice(state, money_kept=True) != payer_notice(state)}
    assert differ == {State.MANUAL_REVIEW}
    assert "نگه داشته" in payer_notice(State.MANUAL_REVIEW, money_kept=True).text
    assert "ممکن است" in payer_notice(State.MANUAL_REVIEW, money_kept=False).text


def in_state(attempt: PaymentAttempt, state: str, *, kept: bool) -> PaymentAttempt:
    """The attempt as the state machine would have left it: a kept manual review went through reverse_pending."""
    if kept:
        PaymentEvent.objects.create(attempt=attempt, kind=PaymentEvent.Kind.TRANSITION,
                                    name=f"{State.VERIFYING}->{State.REVERSE_PENDING}")
    PaymentAttempt.objects.filter(pk=attempt.pk).update(state=state, failure_reason=text.MISMATCH)
    return reload(attempt)


@pytest.mark.parametrize(("state", "kept"), [(state, state == State.MANUAL_REVIEW) for state in State.values]
                         + [(State.MANUAL_REVIEW, False)])
def test_the_result_page_says_what_the_table_says_for_every_state(slip, insured_user, portal_gateway, state, kept):
    attempt = in_state(start(slip, insured_user), state, kept=kept)
    notice = payer_notice(state, money_kept=kept)
    page = result_text(Client(), attempt)
    assert notice.title in page and notice.text in page and notice.next_step in page
    assert (text.MISMATCH in page) == notice.shows_reason
    if state == State.MANUAL_REVIEW:
        assert 'data-testid="quote-reference"' in page and attempt.order_id in page
        assert OLD_PROMISE not in page and "دوباره پرداخت نکنید" in page


@pytest.mark.parametrize("state", HOLDING_STATES)
def test_the_slip_page_says_the_same_as_the_result_page(slip, insured_user, client_for, portal_gateway, state):
    attempt = in_state(start(slip, insured_user), state, kept=False)
    notice = payer_notice(state)
    slip_page = client_for(insured_user).get(reverse("insured:slip", args=[slip.number])).content.decode()
    public_page = Client().get(reverse("pay_public:slip", args=[slip.public_code])).content.decode()
    for page in (slip_page, public_page, result_text(Client(), attempt)):
        assert notice.title in page and notice.text in page and notice.next_step in page


def test_a_failed_reverse_is_told_as_the_readme_promises_on_every_page_and_by_sms(slip, insured_user, client_for,
                                                                                  payer, portal_gateway,
                                                                                  monkeypatch):
    """The amount the PSP verified differs; the reverse comes after the PSP's reverse window: the PSP keeps the
    money, and a person must return it."""
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    advance_clock(payer, 29)
    hook_after(monkeypatch, receipt=change_amount_at_the_psp(attempt, slip.total + 1),
               verify=lambda: advance_clock(payer, 22))
    come_back(payer, attempt, fields)
    attempt = reload(attempt)
    assert attempt.state == State.MANUAL_REVIEW and attempt.failure_reason == text.REVERSE_FAILED
    told = payer_notice(State.MANUAL_REVIEW, money_kept=True)

    result = result_text(payer, attempt)
    assert told.title in result and told.text in result and told.next_step in result
    assert "برای بررسی کارشناس ثبت شد" in result and "دوباره پرداخت نکنید" in result
    assert attempt.order_id in result and attempt.bank_ref in result
    assert OLD_PROMISE not in result and "پرداخت با کارت بانکی" not in result

    slip_page = client_for(insured_user).get(reverse("insured:slip", args=[slip.number])).content.decode()
    assert told.title in slip_page and told.text in slip_page and attempt.order_id in slip_page
    assert f'action="{reverse("payments:pay_slip", args=[slip.number])}"' not in slip_page

    sms = SmsMessage.objects.get(event_key=f"payment.manual_review:{attempt.pk}").text
    assert "بررسی کارشناس" in sms and "دوباره نپردازید" in sms and attempt.order_id in sms


def test_a_receipt_that_cannot_be_given_says_why_to_its_payer_and_nothing_to_anyone_else(slip, insured_user,
                                                                                         portal_gateway):
    attempt = in_state(start(slip, insured_user), State.MANUAL_REVIEW, kept=True)
    url = reverse("payments:receipt_pdf", args=[attempt.public_key])
    payer = Client()
    started_in(payer, attempt)
    refused = payer.get(url)
    page = refused.content.decode()
    assert refused.status_code == 404 and refused["Content-Type"].startswith("text/html")
    told = payer_notice(State.MANUAL_REVIEW, money_kept=True)
    assert "این پرداخت رسید ندارد" in page and told.text in page and attempt.order_id in page
    stranger = Client().get(url)
    assert stranger.status_code == 404 and told.text not in stranger.content.decode()
    assert attempt.order_id not in stranger.content.decode()
