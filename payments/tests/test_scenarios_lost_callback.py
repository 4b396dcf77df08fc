"""payments.md §11, scenarios 1 and 2: the payer pays and never comes back.

1. The reconciler asks the PSP by token inside the window, verifies, and the slip is paid once.
2. Nobody asks in time: the PSP gives the money back by itself; the attempt ends EXPIRED and the slip unpaid.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from insured.models import SlipStatus
from payments import messages as text
from payments.models import PaymentEvent, State
from payments.services import payment_reconcile
from payments.simulator.models import Transaction
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    covered,
    covered_in_contract,
    events,
    later,
    pass_minutes,
    psp_txn,
    psp_verifications,
    reload,
    result_text,
    start,
    transitions,
)
from payments.tests.simulator_client import APPROVE, change_settings, open_card_page, pay_at_bank, submit_card

pytestmark = pytest.mark.django_db
NOW = timedelta(0)


@pytest.fixture(autouse=True)
def callbacks_dropped(portal_gateway, payer):
    """The payer closes the tab on the bank's receipt page: the PSP's redirect back to us never happens."""
    change_settings(payer, callback_mode="drop")


def test_the_receipt_page_offers_no_way_back_when_the_callback_is_dropped(slip, insured_user, payer):
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    page = submit_card(payer, attempt.token, APPROVE).content.decode()
    assert "data-callback" not in page


def test_1_the_reconciler_verifies_a_payment_whose_callback_never_came(slip, insured_user, payer):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    submit_card(payer, attempt.token, APPROVE)
    assert reload(attempt).state == State.REDIRECTED  # nothing came back to us

    assert payment_reconcile(older_than=NOW) == {State.SUCCEEDED: 1}

    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED
    assert (attempt.bank_ref, attempt.rrn, attempt.trace_no) == (psp_txn(attempt).ref_num, psp_txn(attempt).rrn,
                                                                 psp_txn(attempt).trace_no)
    assert attempt.masked_pan == "603799******2232"
    assert slip.status == SlipStatus.PAID
    assert slip.payment_reference == f"sep:10012345:{attempt.bank_ref}"
    assert covered(slip) == covered_in_contract(slip) == 3
    assert balance(APPROVE) == before - slip.total
    assert psp_txn(attempt).status == Transaction.Status.VERIFIED
    assert transitions(attempt) == ["created->redirected", "redirected->checking", "checking->verifying",
                                    "verifying->succeeded"]
    # SEP deposits by itself: no settle is asked, and the attempt is settled as it succeeds.
    assert [e.name for e in events(attempt, PaymentEvent.Kind.PSP_ANSWER)] == ["token", "receipt", "verify"]
    assert attempt.settled_at is not None
    assert audit_actions(attempt) == ["payment.started", "payment.succeeded"]
    assert "پرداخت با موفقیت انجام شد" in result_text(payer, attempt)


def test_1_a_second_round_of_the_reconciler_credits_nothing_again(slip, insured_user, payer):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    payment_reconcile(older_than=NOW)
    assert payment_reconcile(older_than=NOW) == {}
    call_command("reconcile_payments", "--quiet-for", "0")
    assert covered(slip) == 3
    assert psp_verifications(attempt) == 1
    assert balance(APPROVE) == before - slip.total
    assert audit_actions().count("slip.paid") == 1


def test_1_the_command_reports_what_it_finished(slip, insured_user, payer, capsys):
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    call_command("reconcile_payments", "--quiet-for", "0")
    assert "succeeded: 1" in capsys.readouterr().out
    assert reload(attempt).state == State.SUCCEEDED


def test_1_the_reconciler_leaves_a_fresh_attempt_to_its_own_callback(slip, insured_user, payer):
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    assert payment_reconcile() == {}  # moved less than 30 seconds ago
    assert reload(attempt).state == State.REDIRECTED


def test_1_a_payer_still_on_the_card_page_is_left_alone(slip, insured_user, payer):
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    assert payment_reconcile(older_than=NOW) == {State.REDIRECTED: 1}
    assert reload(attempt).state == State.REDIRECTED


def test_2_past_the_verify_window_the_psp_reverses_and_the_attempt_expires(slip, insured_user, payer):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    assert balance(APPROVE) == before - slip.total  # held at the bank

    pass_minutes(payer, 31)  # the reconciler was stopped; SEP's 30 minutes run out
    assert psp_txn(attempt).status == Transaction.Status.AUTO_REVERSED
    assert balance(APPROVE) == before  # the card has its money back

    assert payment_reconcile(older_than=NOW, now=later(31)) == {State.EXPIRED: 1}
    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.EXPIRED
    assert attempt.failure_reason == text.EXPIRED_UNCONFIRMED
    assert slip.status == SlipStatus.ISSUED
    assert covered(slip) == 0
    assert psp_verifications(attempt) == 0
    page = result_text(payer, attempt)
    assert "پرداخت انجام نشد" in page and "برگ هنوز پرداخت‌نشده است" in page
    assert payment_reconcile(older_than=NOW, now=later(32)) == {}  # final: never asked again


def test_2_an_attempt_that_was_claimed_but_not_verified_in_time_expires_too(slip, insured_user, payer):
    """The callback came, but verify got no answer (HTTP 500, nothing done) and we were down for 31 minutes."""
    before = balance(APPROVE)
    change_settings(payer, verify_fault="http_500", verify_fault_remaining=1)
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    assert payment_reconcile(older_than=NOW) == {State.VERIFY_UNKNOWN: 1}

    pass_minutes(payer, 31)
    assert payment_reconcile(older_than=NOW, now=later(31)) == {State.EXPIRED: 1}
    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.failure_reason == text.VERIFY_TOO_LATE
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0
    assert balance(APPROVE) == before
    assert State.FAILED not in {name.split("->")[1] for name in transitions(attempt)}


def test_2_a_payer_who_never_paid_expires_when_the_token_does(slip, insured_user, payer):
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    pass_minutes(payer, 21)  # SEP ends the idle session: SessionIsNull
    assert payment_reconcile(older_than=NOW, now=later(21)) == {State.EXPIRED: 1}
    assert reload(attempt).failure_reason == text.TOKEN_EXPIRED
