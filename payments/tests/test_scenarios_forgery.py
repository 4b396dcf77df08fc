"""payments.md §11, scenarios 5, 6 and 7: callbacks and answers that do not fit the payment.

5. A forged callback (State=OK, a made-up RefNum) marks nothing paid: the callback is only a hint.
6. Receipt substitution: another payment's RefNum replayed on this slip. Nothing is credited by it; a receipt
   naming a RefNum we already used is REJECTED; the database's unique constraint holds even with the code's
   check bypassed.
7. The verified amount differs from the frozen one: the payment is reversed (or goes to a person when the
   reverse window has passed); the slip is not paid. Also F14: the slip changed while the payer was at the bank.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from insured.models import SlipStatus
from insured.slips import PAYMENT_UNSETTLED, slip_issue
from payments import messages as text
from payments import services
from payments.models import PaymentAttempt, PaymentEvent, State
from payments.services import payment_reconcile
from payments.simulator.models import Transaction
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    come_back,
    covered,
    covered_in_contract,
    events,
    hook_after,
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
    advance_clock,
    change_settings,
    open_card_page,
    pay,
    post,
)
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db
NOW = timedelta(0)


def nothing_paid(slip, attempt) -> None:
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED
    assert covered(slip) == 0
    assert psp_verifications(attempt) == 0
    assert "payment.succeeded" not in audit_actions(attempt)


# Scenario 5 -------------------------------------------------------------------------------------------------------

def forged_v33(attempt, **overrides: str) -> dict[str, str]:
    fields = {"MID": "10012345", "TerminalId": "10012345", "State": "OK", "Status": "2", "Rrn": "123456789012",
              "RefNum": "ForgedRefNum0123456789abcdefghij", "ResNum": attempt.order_id, "TraceNo": "123456",
              "Amount": str(attempt.amount_rial), "AffectiveAmount": str(attempt.amount_rial), "Wage": "0",
              "SecurePan": "603799******2232", "Token": attempt.token}
    return {**fields, **overrides}


def test_5_a_forged_ok_callback_marks_nothing_paid(slip, insured_user, payer, portal_gateway):
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)  # the real payer is still typing their card
    forger = Client(enforce_csrf_checks=True)
    come_back(forger, attempt, forged_v33(attempt), method="post")

    attempt = reload(attempt)
    assert attempt.state == State.REDIRECTED and attempt.bank_ref == ""
    nothing_paid(slip, attempt)
    assert "VerifyTransaction" not in portal_gateway.paths()  # only the receipt service was asked
    stored = events(attempt, PaymentEvent.Kind.CALLBACK, "POST")[0].data["fields"]
    assert stored["State"] == "OK" and stored["RefNum"] == "ForgedRefNum0123456789abcdefghij"  # kept as evidence
    page = result_text(forger, attempt)  # the PSP says the payer is still on its card page, and so does ours
    assert text.payer_notice(State.REDIRECTED).title in page and "دوباره پرداخت نکنید" in page


def test_5_a_callback_naming_another_token_drives_nothing_and_reveals_nothing(slip, insured_user, payer,
                                                                              portal_gateway):
    attempt = start(slip, insured_user)
    url = reverse("payments:callback", args=[attempt.order_id])
    response = payer.get(url, {"Token": "f" * 32, "RefNum": "ForgedRefNum"})
    assert response.status_code == 404
    assert not portal_gateway.calls[1:]  # only the token request of start(): the PSP was not asked again
    assert not events(attempt, PaymentEvent.Kind.CALLBACK)  # a stranger's GET writes nothing
    nothing_paid(slip, reload(attempt))


@pytest.mark.parametrize("fields", [{}, {"RefNum": "<script>alert(1)</script>"}, {"token": "../../etc"}],
                         ids=["no-fields", "script", "path"])
def test_5_a_junk_callback_posted_leaves_one_bounded_event_and_the_unknown_order_page(
        slip, insured_user, payer, portal_gateway, fields):
    attempt = start(slip, insured_user)
    url = reverse("payments:callback", args=[attempt.order_id])
    response = payer.post(url, {**fields, "padding": "x" * 5000})
    assert response.status_code == 404
    [event] = events(attempt, PaymentEvent.Kind.CALLBACK)
    assert event.name == "foreign" and len(event.data["fields"]["padding"]) == 200
    assert reload(attempt).state == State.REDIRECTED
    nothing_paid(slip, attempt)


def test_5_a_callback_for_an_order_that_is_not_ours_is_not_found(slip, payer, portal_gateway):
    response = payer.get(reverse("payments:callback", args=["900000999"]), {"Token": "a" * 32, "RefNum": "x"})
    assert response.status_code == 404


def test_5_a_forged_ok_after_the_payer_cancelled_leaves_it_failed(slip, insured_user, payer, portal_gateway):
    attempt = start(slip, insured_user)
    open_card_page(payer, attempt.token)
    payer.post(f"/psp/pay/{attempt.token}/", {"action": "cancel"})
    come_back(payer, attempt, forged_v33(attempt), method="post")
    attempt = reload(attempt)
    assert attempt.state == State.FAILED and attempt.failure_reason == text.CANCELED
    nothing_paid(slip, attempt)


# Scenario 6 -------------------------------------------------------------------------------------------------------

def test_6_a_refnum_replayed_from_a_cheap_payment_credits_nothing(slip, other_slip, insured_user, outsider, payer,
                                                                   portal_gateway):
    victim = start(slip, insured_user)
    cheap = start(other_slip, outsider)
    open_card_page(payer, victim.token)
    attacker = Client()
    pay(attacker, cheap.token, APPROVE_2)  # genuine, and its own callback is kept back
    replayed = post(attacker, "/psp/control/api/replay/", {"to_token": victim.token, "from_token": cheap.token}).json()
    query = dict(parse_qsl(urlsplit(replayed["url"]).query))
    assert replayed["fields"] == {} and query == {"Token": victim.token, "RefNum": psp_txn(cheap).ref_num}

    attacker.get(replayed["url"].replace("http://testserver", ""))
    victim = reload(victim)
    assert victim.state == State.REDIRECTED and victim.bank_ref == ""
    nothing_paid(slip, victim)
    # The cheap payment itself is still credited to its own slip, once, by the reconciler.
    assert payment_reconcile(older_than=NOW)[State.SUCCEEDED] == 1
    other_slip.refresh_from_db()
    assert other_slip.status == SlipStatus.PAID and covered(other_slip) == 1
    assert reload(cheap).state == State.SUCCEEDED


def swap_reference(victim, used) -> str:
    """Make the PSP's receipt for `victim` name the RefNum `used` has already been credited with."""
    used_ref = reload(used).bank_ref
    Transaction.objects.filter(token=used.token).update(ref_num="RetiredAtThePsp")
    Transaction.objects.filter(token=victim.token).update(ref_num=used_ref)
    return used_ref


def test_6_a_receipt_naming_a_refnum_already_used_is_rejected(slip, other_slip, insured_user, outsider, payer,
                                                             portal_gateway):
    before = balance(APPROVE)
    cheap = start(other_slip, outsider)
    come_back(payer, cheap, pay(payer, cheap.token, APPROVE_2))
    assert reload(cheap).state == State.SUCCEEDED
    victim = start(slip, insured_user)
    fields = pay(payer, victim.token)
    used_ref = swap_reference(victim, cheap)

    come_back(payer, victim, {**fields, "RefNum": used_ref})
    victim = reload(victim)
    assert victim.state == State.REJECTED and victim.failure_reason == text.MISMATCH
    assert victim.bank_ref == ""
    nothing_paid(slip, victim)
    alert = AuditEvent.objects.get(action="payment.rejected", subject_id=str(victim.pk))
    assert alert.after["why"] == "reference reused" and alert.after["ref_num"] == used_ref
    assert "اطلاعاتی که بانک فرستاد با این برگ نمی‌خواند" in result_text(payer, victim)
    pass_minutes(payer, 31)  # never verified: the PSP gives the victim's card its money back
    assert balance(APPROVE) == before


def test_6_the_database_refuses_a_used_refnum_even_when_the_code_check_is_bypassed(
        slip, other_slip, insured_user, outsider, payer, portal_gateway, monkeypatch):
    cheap = start(other_slip, outsider)
    come_back(payer, cheap, pay(payer, cheap.token, APPROVE_2))
    victim = start(slip, insured_user)
    fields = pay(payer, victim.token)
    used_ref = swap_reference(victim, cheap)
    monkeypatch.setattr(services, "_receipt_mismatch", lambda *args: "")  # a path that forgot the check

    come_back(payer, victim, fields)
    victim = reload(victim)
    assert victim.state == State.REJECTED and victim.bank_ref == ""
    assert AuditEvent.objects.get(action="payment.rejected", subject_id=str(victim.pk)).after["why"] == \
        "reference reused"
    nothing_paid(slip, victim)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentAttempt.objects.filter(pk=victim.pk).update(bank_ref=used_ref)


# Scenario 7 -------------------------------------------------------------------------------------------------------

def test_7_a_receipt_whose_amount_differs_is_rejected_before_verify_and_the_money_returns(
        slip, insured_user, payer, portal_gateway):
    before = balance(APPROVE)
    change_settings(payer, affective_discount_rial=1_000)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))
    attempt = reload(attempt)
    assert attempt.state == State.REJECTED and attempt.failure_reason == text.MISMATCH
    assert "VerifyTransaction" not in portal_gateway.paths()
    assert AuditEvent.objects.get(action="payment.rejected", subject_id=str(attempt.pk)).after["why"] == "amount"
    nothing_paid(slip, attempt)
    assert balance(APPROVE) == before - slip.total + 1_000  # held at the bank …
    pass_minutes(payer, 31)
    assert balance(APPROVE) == before  # … until the PSP reverses what nobody verified


def change_amount_at_the_psp(attempt, amount: int):
    return lambda: Transaction.objects.filter(token=attempt.token).update(amount=amount)


def test_7_a_verify_naming_another_amount_is_reversed_and_the_slip_stays_unpaid(
        slip, insured_user, payer, portal_gateway, monkeypatch):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    # Between our receipt check and verify the PSP's record of the amount changes (tampering we cannot see).
    hook_after(monkeypatch, receipt=change_amount_at_the_psp(attempt, slip.total // 10))
    come_back(payer, attempt, fields)

    attempt = reload(attempt)
    assert attempt.state == State.REVERSED and attempt.failure_reason == text.MISMATCH
    assert portal_gateway.paths()[-2:] == ["VerifyTransaction", "ReverseTransaction"]
    assert psp_txn(attempt).status == Transaction.Status.REVERSED
    assert balance(APPROVE) == before  # given back at once
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0
    assert audit_actions(attempt) == ["payment.started", "payment.amount_mismatch", "payment.reversed"]
    assert "پرداخت انجام نشد" in result_text(payer, attempt)


def test_7_a_mismatch_found_after_the_reverse_window_goes_to_a_person(slip, insured_user, payer, portal_gateway,
                                                                     monkeypatch):
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    advance_clock(payer, 29)  # verified in the 29th minute, the mismatch seen; the reverse comes 22 minutes on
    hook_after(monkeypatch, receipt=change_amount_at_the_psp(attempt, slip.total + 1),
               verify=lambda: advance_clock(payer, 22))
    come_back(payer, attempt, fields)

    attempt = reload(attempt)
    assert attempt.state == State.MANUAL_REVIEW
    alert = AuditEvent.objects.get(action="payment.reverse_failed", subject_id=str(attempt.pk))
    assert alert.after["outcome"] == "window_passed"
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0
    assert balance(APPROVE) == before - slip.total  # verified money a person must refund (the report shows it)


def test_f14_a_new_slip_asked_for_while_the_payer_is_at_the_bank_waits_and_the_payment_counts(
        slip, insured_user, payer, portal_gateway):
    """A slip replaced while its payer was at the bank used to be voided, the payment reversed and the months asked
    for again (issue 10): now the new slip waits until the bank has settled the payment, which is credited."""
    before = balance(APPROVE)
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    with pytest.raises(DomainError) as refused:
        slip_issue(actor=Actor.for_user(insured_user), contract=slip.contract, end_month=M(1405, 8),
                   channel="online")
    assert refused.value.message == PAYMENT_UNSETTLED
    come_back(payer, attempt, fields)

    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    assert balance(APPROVE) == before - slip.total
    assert covered_in_contract(slip) == covered(slip) == 3
    assert audit_actions(attempt) == ["payment.started", "payment.succeeded"]
