"""payments.md §11, scenarios 3 and 4: the same payment driven more than once, and a verify whose answer is lost.

3. Duplicate callbacks, one after the other and all at once, with the reconciler racing them: exactly one
   verify side effect at the PSP, one credit; SEP's code 2 on a second verify counts as success.
4. The PSP verifies, then the connection drops: VERIFY_UNKNOWN, then the retry gets code 2: SUCCEEDED, never
   FAILED.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from insured.models import SlipStatus
from payments import services
from payments.models import PaymentAttempt, PaymentEvent, State
from payments.services import payment_drive, payment_reconcile
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    come_back,
    covered,
    covered_in_contract,
    events,
    hook_after,
    psp_verifications,
    reload,
    result_text,
    start,
    transitions,
)
from payments.tests.simulator_client import APPROVE, change_settings, pay
from samt.tests.concurrency import at_once

NOW = {"older_than": timedelta(0)}


def verify_codes(attempt: PaymentAttempt) -> list[int]:
    return [event.data.get("ResultCode") for event in events(attempt, PaymentEvent.Kind.PSP_ANSWER, "verify")]


# Scenario 3, sequential ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_3_a_callback_delivered_twice_verifies_once_and_credits_once(slip, insured_user, payer, portal_gateway):
    before = balance(APPROVE)
    change_settings(payer, callback_mode="twice")
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    come_back(payer, attempt, fields)
    come_back(payer, attempt, fields)  # the second finds it final and only shows it
    assert reload(attempt).state == State.SUCCEEDED
    assert portal_gateway.paths() == ["onlinepg", "receipt", "VerifyTransaction"]
    assert psp_verifications(attempt) == 1
    assert covered(slip) == covered_in_contract(slip) == 3
    assert balance(APPROVE) == before - slip.total
    assert audit_actions().count("slip.paid") == 1
    assert len(events(attempt, PaymentEvent.Kind.CALLBACK, "GET")) == 2  # both arrivals are on record
    assert "پرداخت با موفقیت انجام شد" in result_text(payer, attempt)


@pytest.mark.django_db
@pytest.mark.parametrize("without_detail", [False, True], ids=["code-2-with-detail", "code-2-without-detail"])
def test_3_the_reconciler_arriving_mid_verify_gets_code_2_and_it_counts_as_success(
        slip, insured_user, payer, portal_gateway, monkeypatch, without_detail):
    change_settings(payer, duplicate_without_detail=without_detail)
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    # The callback has verified at the PSP and not yet written it down when the reconciler drives the same attempt.
    hook_after(monkeypatch, verify=lambda: payment_drive(PaymentAttempt.objects.get(pk=attempt.pk)))
    come_back(payer, attempt, fields)

    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    assert sorted(verify_codes(attempt)) == [0, 2]
    assert psp_verifications(attempt) == 1
    assert covered(slip) == 3
    assert transitions(attempt).count("verifying->succeeded") == 1
    assert audit_actions().count("slip.paid") == 1


@pytest.mark.django_db
def test_3_a_slow_reconciler_whose_receipt_says_not_found_does_not_fail_a_verified_payment(
        slip, insured_user, payer, portal_gateway, monkeypatch):
    """Regression: the reconciler read the attempt as CHECKING; by the time its receipt call answered, the
    callback had verified (SEP then answers 404). It used to move VERIFYING -> FAILED: money taken, slip unpaid."""
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    checking = services._move(reload(attempt), State.CHECKING)  # both drivers have seen CHECKING
    stale = reload(checking)
    refused: list[Exception] = []

    def slow_reconciler() -> None:
        try:
            services._check(stale, services.gateway_for(stale), services.timezone.now())
        except services.StaleMove as error:  # what payment_drive would swallow
            refused.append(error)

    hook_after(monkeypatch, verify=slow_reconciler)
    come_back(payer, attempt, fields)

    attempt = reload(attempt)
    assert len(refused) == 1 and "saw checking, is verifying" in str(refused[0])
    assert attempt.state == State.SUCCEEDED
    assert "failed" not in " ".join(transitions(attempt))
    assert covered(slip) == 3


# Scenario 3, concurrent (PostgreSQL) -----------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("stagger", "verify_delay"), [(0, 0), (0.3, 1)], ids=["all-at-once", "staggered-slow-verify"])
def test_3_concurrent_duplicate_callbacks_and_the_reconciler_credit_once(
        slip, insured_user, portal_gateway, stagger, verify_delay):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent drivers need row locks; SQLite serialises every writer (run with DATABASE_URL)")
    before = balance(APPROVE)
    change_settings(Client(), verify_delay_seconds=verify_delay)
    attempt = start(slip, insured_user)
    fields = pay(Client(), attempt.token)
    url = reverse("payments:callback", args=[attempt.order_id])

    def callback(after: float):
        def run() -> int:
            time.sleep(after)  # staggered, later drivers find the attempt CHECKING or VERIFYING
            return Client().get(url, fields).status_code
        return run

    def reconciler() -> dict[str, int]:
        time.sleep(stagger / 2)
        return payment_reconcile(**NOW)

    results = at_once(callback(0), callback(stagger), callback(2 * stagger), reconciler)
    assert results[:3] == [302, 302, 302], results
    assert isinstance(results[3], dict), results[3]

    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    assert psp_verifications(attempt) == 1
    assert set(verify_codes(attempt)) <= {0, 2} and verify_codes(attempt).count(0) == 1
    assert covered(slip) == covered_in_contract(slip) == 3
    assert balance(APPROVE) == before - slip.total
    assert audit_actions().count("slip.paid") == 1
    assert audit_actions(attempt).count("payment.succeeded") == 1


# Scenario 4 -------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["commit_then_close", "commit_then_502", "malformed_json"])
@pytest.mark.parametrize("without_detail", [False, True], ids=["code-2-with-detail", "code-2-without-detail"])
def test_4_a_verify_done_then_cut_off_is_retried_and_succeeds(slip, insured_user, payer, portal_gateway, fault,
                                                              without_detail):
    before = balance(APPROVE)
    change_settings(payer, verify_fault=fault, verify_fault_remaining=1, duplicate_without_detail=without_detail)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))

    attempt = reload(attempt)
    assert attempt.state == State.VERIFY_UNKNOWN
    assert psp_verifications(attempt) == 1  # the PSP did it; we just did not hear
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0
    page = result_text(payer, attempt)
    assert "در حال تأیید پرداخت" in page and "لطفاً دوباره پرداخت نکنید" in page

    assert payment_reconcile(**NOW) == {State.SUCCEEDED: 1}
    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    assert verify_codes(attempt) == [2]  # the lost answer has no event; the retry's is a duplicate
    assert events(attempt, PaymentEvent.Kind.PSP_ERROR, "verify")
    assert transitions(attempt)[-2:] == ["verifying->verify_unknown", "verify_unknown->succeeded"]
    assert psp_verifications(attempt) == 1
    assert covered(slip) == 3
    assert balance(APPROVE) == before - slip.total
    # A code 2 without detail leaves what the receipt said; SEP's receipt names no masked card.
    assert (attempt.rrn, attempt.trace_no) != ("", "")
    assert attempt.masked_pan == ("" if without_detail else "603799******2232")


@pytest.mark.django_db
def test_4_the_payer_refreshing_the_pending_page_gets_the_outcome_once_the_reconciler_has_it(
        slip, insured_user, payer, portal_gateway):
    change_settings(payer, verify_fault="commit_then_close", verify_fault_remaining=1)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))
    assert "در حال تأیید پرداخت" in result_text(payer, attempt)
    payment_reconcile(**NOW)
    assert "پرداخت با موفقیت انجام شد" in result_text(payer, attempt)
