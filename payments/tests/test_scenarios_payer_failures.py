"""payments.md §11, scenario 9: the payer does not pay — cancels, is refused by the issuer, types a wrong PIN2
three times, waits past the dynamic password or the token, or sits idle until SEP ends the session.

Each ends cleanly FAILED or EXPIRED, with a Persian reason on the result page, no verify, and nothing held
on the card.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from insured.models import SlipStatus
from payments import messages as text
from payments.models import PaymentEvent, State
from payments.services import payment_reconcile
from payments.simulator.models import TestCard
from payments.tests.scenario_support import (
    balance,
    come_back,
    covered,
    events,
    later,
    reload,
    result_text,
    start,
)
from payments.tests.simulator_client import (
    APPROVE,
    EXPIRED,
    INSUFFICIENT,
    OVER_LIMIT,
    UNAVAILABLE,
    advance_clock,
    callback_fields,
    open_card_page,
    pay,
    request_dynamic_password,
    submit_card,
)

pytestmark = pytest.mark.django_db


def ends_cleanly(slip, attempt, payer, portal_gateway, card, before: int, *, state: str, reason: str) -> None:
    attempt = reload(attempt)
    assert (attempt.state, attempt.failure_reason) == (state, reason)
    assert "VerifyTransaction" not in portal_gateway.paths()
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0
    assert balance(card) == before
    page = result_text(payer, attempt)
    assert "پرداخت انجام نشد" in page and reason in page


def cancel_at_the_bank(payer, attempt) -> None:
    """The payer opens the card page, presses cancel, and follows the bank's way back to us."""
    open_card_page(payer, attempt.token)
    payer.post(f"/psp/pay/{attempt.token}/", {"action": "cancel"})
    come_back(payer, attempt, callback_fields(payer, attempt.token))


def test_9_the_payer_cancels_at_the_bank(slip, insured_user, payer, portal_gateway):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    cancel_at_the_bank(payer, attempt)
    assert events(attempt, PaymentEvent.Kind.CALLBACK, "GET")[0].data["fields"]["RefNum"] == ""  # nothing to verify
    ends_cleanly(slip, attempt, payer, portal_gateway, APPROVE, before, state=State.FAILED, reason=text.CANCELED)


@pytest.mark.parametrize("card", [INSUFFICIENT, EXPIRED, OVER_LIMIT, UNAVAILABLE],
                         ids=["insufficient-funds", "expired-card", "over-daily-limit", "issuer-unavailable"])
def test_9_the_issuer_refuses(slip, insured_user, payer, portal_gateway, card):
    before = balance(card)
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    submit_card(payer, attempt.token, card)
    come_back(payer, attempt, callback_fields(payer, attempt.token))
    ends_cleanly(slip, attempt, payer, portal_gateway, card, before, state=State.FAILED, reason=text.BANK_DECLINED)


def test_9_three_wrong_second_passwords_lock_the_card_and_fail_the_payment(slip, insured_user, payer,
                                                                           portal_gateway):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    for typed in ("11111", "22222"):
        page = submit_card(payer, attempt.token, APPROVE, pin2=typed).content.decode()
        assert "رمز دوم نادرست است" in page
    page = submit_card(payer, attempt.token, APPROVE, pin2="33333").content.decode()
    assert "کارت مسدود شد" in page
    assert TestCard.objects.get(pan=APPROVE["pan"]).locked
    come_back(payer, attempt, callback_fields(payer, attempt.token))
    ends_cleanly(slip, attempt, payer, portal_gateway, APPROVE, before, state=State.FAILED,
                 reason=text.BANK_DECLINED)


def test_9_an_expired_dynamic_password_is_refused_and_nothing_is_taken(slip, insured_user, payer, portal_gateway):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    code = request_dynamic_password(payer, attempt.token)
    advance_clock(payer, 3)  # the code lived 120 seconds
    page = submit_card(payer, attempt.token, APPROVE, pin2=code).content.decode()
    assert "رمز پویا منقضی شده است" in page
    assert balance(APPROVE) == before
    # The payer gives up and closes the tab; the reconciler finds the token expired.
    advance_clock(payer, 20)
    assert payment_reconcile(older_than=timedelta(0), now=later(23)) == {State.EXPIRED: 1}
    ends_cleanly(slip, attempt, payer, portal_gateway, APPROVE, before, state=State.EXPIRED,
                 reason=text.TOKEN_EXPIRED)


def test_9_a_payer_arriving_after_the_token_expired_is_sent_back_expired(slip, insured_user, payer, portal_gateway):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    advance_clock(payer, 21)  # the hand-off page sat open for 21 minutes
    open_card_page(payer, attempt.token)
    come_back(payer, attempt, callback_fields(payer, attempt.token))
    ends_cleanly(slip, attempt, payer, portal_gateway, APPROVE, before, state=State.EXPIRED,
                 reason=text.TOKEN_EXPIRED)


def test_9_an_idle_payer_gets_session_is_null_and_an_expired_attempt(slip, insured_user, payer, portal_gateway):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    advance_clock(payer, 21)
    submit_card(payer, attempt.token, APPROVE)  # too late: SEP has ended the session (SessionIsNull, 4)
    fields = callback_fields(payer, attempt.token)
    assert fields["RefNum"] == ""
    come_back(payer, attempt, fields)
    ends_cleanly(slip, attempt, payer, portal_gateway, APPROVE, before, state=State.EXPIRED,
                 reason=text.TOKEN_EXPIRED)


def test_9_a_failed_attempt_leaves_the_slip_payable_with_a_new_order_number(slip, insured_user, payer,
                                                                           portal_gateway):
    first = start(slip, insured_user)
    cancel_at_the_bank(payer, first)
    second = start(slip, insured_user)
    assert second.state == State.REDIRECTED
    assert second.order_id != first.order_id and second.token != first.token


def test_9_the_result_page_offers_to_pay_again_only_while_the_slip_can_be_paid(slip, insured_user, client_for,
                                                                               portal_gateway):
    browser = client_for(insured_user)
    first = start(slip, insured_user)
    cancel_at_the_bank(browser, first)
    assert 'data-testid="pay-again"' in result_text(browser, first)

    second = start(slip, insured_user)
    come_back(browser, second, pay(browser, second.token))
    assert reload(second).state == State.SUCCEEDED
    page = result_text(browser, first)
    assert 'data-testid="pay-again"' not in page and 'data-testid="back-to-slip"' in page
