"""payments.md §11's twelve scenarios, each run against both adapters (SEP and Mellat) through the simulator's
terminal of that PSP, the portal's real callback view and the reconciler. The per-scenario modules beside this
one go deeper into SEP's own variants; here the same expectations hold for every PSP, except where a PSP's
protocol makes a different outcome the right one (Mellat cannot be asked about a payment whose callback never
came: its money goes back by itself, and the attempt expires instead of succeeding).

Run on SQLite and on PostgreSQL (DATABASE_URL); the concurrent test needs PostgreSQL.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from insured.models import SlipStatus
from payments import messages as text
from payments.models import PaymentAttempt, PaymentEvent, State
from payments.reconciliation import Finding, report_build
from payments.services import gateway_for, payment_drive, payment_reconcile
from payments.simulator import fixtures
from payments.simulator.models import Transaction
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    come_back,
    covered,
    covered_in_contract,
    events,
    hook_after,
    later,
    pass_minutes,
    psp_txn,
    psp_verifications,
    reload,
    result_text,
    start,
)
from payments.tests.simulator_client import (
    APPROVE,
    APPROVE_2,
    INSUFFICIENT,
    MERCHANT_PAGE,
    advance_clock,
    callback_fields,
    change_settings,
    gateways_setting,
    open_card_page,
    pay,
    pay_at_bank,
    post,
    submit_card,
)
from samt.errors import DomainError
from samt.jalali import TEHRAN
from samt.tests.concurrency import at_once

NOW = {"older_than": timedelta(0)}
TERMINALS = {"sep": fixtures.TERMINAL_ID, "mellat": fixtures.MELLAT_TERMINAL_ID}
VERIFY_MINUTES = {"sep": 30, "mellat": 20}
# Past every window of either PSP: the payer's time, the verify window and our clock grace.
ALL_WINDOWS_PASSED = 40


@pytest.fixture(params=["sep", "mellat"])
def psp(request, settings, transport) -> str:
    """The portal configured with this one PSP, its adapter talking to the simulator's terminal of that PSP."""
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting(request.param)
    return request.param


def knobs(psp: str, **changes) -> None:
    change_settings(Client(), TERMINALS[psp], **changes)


def bank_minutes(psp: str, minutes: float) -> None:
    """The PSP's clock jumps and its timers run (auto-reversal of unverified payments, ended sessions)."""
    advance_clock(Client(), minutes, TERMINALS[psp])
    pass_minutes(Client(), 0)


def paid(slip, attempt) -> None:
    slip.refresh_from_db()
    assert reload(attempt).state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    assert covered(slip) == covered_in_contract(slip) == 3
    assert psp_verifications(attempt) == 1
    assert audit_actions().count("slip.paid") == 1
    assert slip.payment_reference == f"{attempt.psp}:{attempt.terminal_id}:{reload(attempt).bank_ref}"


def unpaid(slip, attempt) -> None:
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0
    assert "payment.succeeded" not in audit_actions(attempt)


def test_every_attempt_records_its_psp(slip, insured_user, psp):
    attempt = start(slip, insured_user)
    assert (attempt.psp, attempt.terminal_id) == (psp, TERMINALS[psp])
    assert Transaction.objects.get(token=attempt.token).terminal.psp == psp


# 1 and 2: the payer never comes back -------------------------------------------------------------------------


@pytest.mark.django_db
def test_1_a_lost_callback(slip, insured_user, payer, psp):
    knobs(psp, callback_mode="drop")
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    outcome = payment_reconcile(**NOW)
    if psp == "sep":  # asked by token inside the window: verified and credited once
        assert outcome == {State.SUCCEEDED: 1}
        paid(slip, attempt)
        assert balance(APPROVE) == before - slip.total
        return
    # Mellat has nothing to ask without the callback's reference: the attempt waits, the bank gives the money
    # back after its 20 minutes, and then the attempt expires.
    assert outcome == {State.REDIRECTED: 1}
    bank_minutes(psp, 21)
    assert psp_txn(attempt).status == Transaction.Status.AUTO_REVERSED and balance(APPROVE) == before
    assert payment_reconcile(**NOW, now=later(ALL_WINDOWS_PASSED)) == {State.EXPIRED: 1}
    assert reload(attempt).failure_reason == text.EXPIRED_UNCONFIRMED
    unpaid(slip, attempt)


@pytest.mark.django_db
def test_2_past_the_verify_window_the_psp_reverses_and_the_attempt_expires(slip, insured_user, payer, psp):
    knobs(psp, callback_mode="drop")
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    pay_at_bank(payer, attempt.token)
    assert balance(APPROVE) == before - slip.total
    bank_minutes(psp, VERIFY_MINUTES[psp] + 1)
    assert psp_txn(attempt).status == Transaction.Status.AUTO_REVERSED and balance(APPROVE) == before
    assert payment_reconcile(**NOW, now=later(ALL_WINDOWS_PASSED)) == {State.EXPIRED: 1}
    unpaid(slip, attempt)
    assert psp_verifications(attempt) == 0
    assert "برگ هنوز پرداخت‌نشده است" in result_text(payer, attempt)


@pytest.mark.django_db
def test_2_a_payer_who_comes_back_after_the_window_finds_the_slip_unpaid(slip, insured_user, payer, psp):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    bank_minutes(psp, VERIFY_MINUTES[psp] + 1)
    come_back(payer, attempt, fields)
    assert reload(attempt).state == State.EXPIRED
    unpaid(slip, attempt)
    assert balance(APPROVE) == before


# 3 and 4: the same payment driven twice, a verify answer lost --------------------------------------------------


@pytest.mark.django_db
def test_3_duplicate_callbacks_and_the_reconciler_mid_verify_credit_once(slip, insured_user, payer, psp,
                                                                        monkeypatch):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    hook_after(monkeypatch, verify=lambda: payment_drive(PaymentAttempt.objects.get(pk=attempt.pk)))
    come_back(payer, attempt, fields)
    come_back(payer, attempt, fields)
    payment_reconcile(**NOW)
    paid(slip, attempt)
    assert balance(APPROVE) == before - slip.total
    codes = [event.data for event in events(attempt, PaymentEvent.Kind.PSP_ANSWER, "verify")]
    assert len(codes) == 2  # ours and the racing driver's, which the PSP answered "already verified"
    assert len(events(attempt, PaymentEvent.Kind.CALLBACK, "hint")) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_3_concurrent_callbacks_and_the_reconciler_credit_once(slip, insured_user, psp):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent drivers need row locks; SQLite serialises every writer (run with DATABASE_URL)")
    knobs(psp, verify_delay_seconds=1)
    attempt = start(slip, insured_user)
    fields = pay(Client(), attempt.token)
    url = reverse("payments:callback", args=[attempt.order_id])
    send = Client().post if psp == "mellat" else Client().get

    def callback(after: float):
        def run() -> int:
            time.sleep(after)
            return send(url, fields).status_code
        return run

    def reconciler() -> dict[str, int]:
        time.sleep(0.2)
        return payment_reconcile(**NOW)

    results = at_once(callback(0), callback(0.3), reconciler)
    assert results[:2] == [302, 302], results
    payment_reconcile(**NOW)  # whatever a racing driver left for the next round
    paid(slip, attempt)


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["commit_then_close", "commit_then_502", "malformed_json"])
def test_4_a_verify_done_then_cut_off_is_retried_and_succeeds(slip, insured_user, payer, psp, fault, transport):
    before = balance(APPROVE)
    knobs(psp, verify_fault=fault, verify_fault_remaining=1)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))
    assert reload(attempt).state == State.VERIFY_UNKNOWN
    assert psp_verifications(attempt) == 1
    assert "لطفاً دوباره پرداخت نکنید" in result_text(payer, attempt)
    assert payment_reconcile(**NOW) == {State.SUCCEEDED: 1}
    paid(slip, attempt)
    assert balance(APPROVE) == before - slip.total
    assert "failed" not in " ".join(e.name for e in events(attempt, PaymentEvent.Kind.TRANSITION))
    if psp == "mellat":  # the lost answer is learnt with bpInquiryRequest, as Mellat's guide says
        assert "bpInquiryRequest" in transport.soap_operations()


# 5, 6, 7: callbacks and answers that do not fit --------------------------------------------------------------


def forged(psp: str, attempt: PaymentAttempt, reference: str) -> dict[str, str]:
    if psp == "sep":
        return {"Token": attempt.token, "RefNum": reference, "State": "OK", "Status": "2",
                "ResNum": attempt.order_id, "Amount": str(attempt.amount_rial)}
    return {"RefId": attempt.token, "ResCode": "0", "SaleOrderId": attempt.order_id,
            "SaleReferenceId": reference, "FinalAmount": str(attempt.amount_rial)}


@pytest.mark.django_db
def test_5_a_forged_success_callback_marks_nothing_paid(slip, insured_user, payer, psp):
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    reference = "".join(secrets.choice("0123456789") for _ in range(12))
    come_back(Client(), attempt, forged(psp, attempt, reference), method="post")
    unpaid(slip, attempt)
    assert psp_verifications(attempt) == 0
    assert reload(attempt).state in (State.REDIRECTED, State.FAILED)
    assert not PaymentAttempt.objects.filter(bank_ref=reference, state=State.SUCCEEDED).exists()


@pytest.mark.django_db
def test_6_another_payments_reference_replayed_on_this_slip_credits_nothing(slip, other_slip, insured_user,
                                                                           outsider, payer, psp):
    expensive, cheap = start(slip, insured_user), start(other_slip, outsider)
    cheap_fields = pay(Client(), cheap.token, APPROVE_2)
    open_card_page(payer, expensive.token)
    replay = post(Client(), "/psp/control/api/replay/", {"to_token": expensive.token, "from_token": cheap.token})
    fields = dict(replay.json()["fields"]) or dict(
        item.split("=", 1) for item in replay.json()["url"].split("?", 1)[1].split("&"))
    # A replay naming the cheap payment's token drives nothing here (the unknown-order page); one that names ours
    # is driven and refused by the checks below.
    replayed = Client().post(reverse("payments:callback", args=[expensive.order_id]), fields)
    assert replayed.status_code in (302, 404)
    unpaid(slip, expensive)
    assert psp_verifications(expensive) == 0

    come_back(Client(), cheap, cheap_fields)  # the cheap payment's own callback still credits it
    other_slip.refresh_from_db()
    assert reload(cheap).state == State.SUCCEEDED and other_slip.status == SlipStatus.PAID

    # The database holds even with the code's check bypassed: one bank reference, one attempt per PSP terminal.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentAttempt.objects.filter(pk=expensive.pk).update(bank_ref=reload(cheap).bank_ref)


@pytest.mark.django_db
def test_7_an_amount_that_differs_from_the_frozen_one_is_not_credited(slip, insured_user, payer, psp):
    before = balance(APPROVE)
    knobs(psp, affective_discount_rial=10_000)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))
    attempt = reload(attempt)
    assert (attempt.state, attempt.failure_reason) == (State.REJECTED, text.MISMATCH)
    unpaid(slip, attempt)
    assert psp_verifications(attempt) == 0 and "payment.rejected" in audit_actions(attempt)
    bank_minutes(psp, VERIFY_MINUTES[psp] + 1)  # never verified, so the PSP gives it back
    assert balance(APPROVE) == before


# 8: two tabs -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_8_a_second_tab_is_refused_while_the_first_is_at_the_bank_and_the_first_is_credited(slip, insured_user,
                                                                                            psp, transport):
    first = start(slip, insured_user)
    with pytest.raises(DomainError) as refused:
        start(slip, insured_user)
    assert refused.value.message == text.PAY_AGAIN_REFUSED
    assert transport.paths().count("onlinepg") + transport.soap_operations().count("bpPayRequest") == 1
    come_back(Client(), first, pay(Client(), first.token, APPROVE))
    paid(slip, first)
    assert list(PaymentAttempt.objects.filter(slip=slip)) == [reload(first)]


# 9: the payer does not pay ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("how", "state", "reason"), [
    ("cancel", State.FAILED, text.CANCELED), ("insufficient", State.FAILED, text.BANK_DECLINED),
    ("three_wrong_pins", State.FAILED, text.BANK_DECLINED), ("idle", State.EXPIRED, text.TOKEN_EXPIRED)])
def test_9_a_payer_who_does_not_pay_ends_cleanly(slip, insured_user, payer, psp, how, state, reason, transport):
    card = INSUFFICIENT if how == "insufficient" else APPROVE
    before = balance(card)
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    if how == "cancel":
        payer.post(f"/psp/pay/{attempt.token}/", {"action": "cancel"})
    elif how == "insufficient":
        submit_card(payer, attempt.token, card)
    elif how == "three_wrong_pins":
        for _ in range(3):
            submit_card(payer, attempt.token, card, pin2="00000")
    else:
        bank_minutes(psp, VERIFY_MINUTES[psp])  # past the payer's time on the bank's page
        payer.get(f"/psp/pay/{attempt.token}/")
    come_back(payer, attempt, callback_fields(payer, attempt.token))
    attempt = reload(attempt)
    assert (attempt.state, attempt.failure_reason) == (state, reason)
    unpaid(slip, attempt)
    assert balance(card) == before
    assert not [path for path, _ in transport.calls if "Verify" in path] and "bpVerifyRequest" not in \
        transport.soap_operations()
    assert reason in result_text(payer, attempt)


# 10: configuration errors fail at token time -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["address", "terminal"])
def test_10_a_configuration_error_fails_at_token_time_for_an_administrator(slip, insured_user, psp, settings,
                                                                         problem):
    if problem == "address":
        knobs(psp, allowed_ips="10.9.9.9")
    else:
        settings.SAMT_PAYMENT_GATEWAYS = [{**settings.SAMT_PAYMENT_GATEWAYS[0], "TERMINAL_ID": "99999999"}]
    attempt = start(slip, insured_user)
    assert (attempt.state, attempt.failure_reason) == (State.FAILED, text.GATEWAY_REFUSED)
    assert "payment.gateway_refused" in audit_actions(attempt)


@pytest.mark.django_db
def test_10_the_psp_page_refuses_a_payer_without_a_referer(slip, insured_user, psp):
    attempt = start(slip, insured_user)
    page = {"sep": ("/psp/OnlinePG/OnlinePG", "Token"), "mellat": ("/psp/pgwchannel/startpay.mellat", "RefId")}
    path, field = page[psp]
    assert Client().post(path, {field: attempt.token}).status_code == 400
    assert Client().post(path, {field: attempt.token}, HTTP_REFERER=MERCHANT_PAGE).status_code == 302


# 11: callback variants ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "case"), [("get", str.lower), ("post", str.upper), ("post", str)])
def test_11_the_callback_is_read_by_get_or_post_in_any_case(slip, insured_user, payer, psp, method, case):
    attempt = start(slip, insured_user)
    fields = {case(name): value for name, value in pay(payer, attempt.token).items()}
    come_back(payer, attempt, fields, method=method)
    paid(slip, attempt)


# 12: the daily report, per PSP --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_12_the_daily_report_runs_per_psp_and_flags_both_directions(slip, other_slip, insured_user, outsider,
                                                                     payer, psp):
    credited = start(slip, insured_user)
    come_back(payer, credited, pay(payer, credited.token))
    lost = start(other_slip, outsider)
    pay(Client(), lost.token, APPROVE_2)
    # Verified at the bank behind our back (a verify whose answer we gave up on): money taken, slip not credited.
    gateway_for(lost).verify(psp_txn(lost).ref_num, order_id=lost.order_id)

    today = timezone.now().astimezone(TEHRAN).date()
    report = report_build(today, gateway=gateway_for(credited))
    assert (report.psp, report.terminal_id) == (psp, TERMINALS[psp])
    assert report.matched == 1
    (finding,) = report.findings
    assert (finding.kind, finding.order_id) == (Finding.NOT_CREDITED_HERE, lost.order_id)

    # Credited here, reversed at the bank: the other direction.
    Transaction.objects.filter(token=credited.token).update(status=Transaction.Status.REVERSED)
    kinds = {row.order_id: row.kind for row in report_build(today, gateway=gateway_for(credited)).findings}
    assert kinds == {lost.order_id: Finding.NOT_CREDITED_HERE, credited.order_id: Finding.NOT_VERIFIED_THERE}
