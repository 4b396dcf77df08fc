"""The texts of a whole cycle — issue, pay, credited — each sent exactly once, through a provider failure that the
worker retries, and however many times the callback and the reconciler drive the payment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from payments.models import PaymentAttempt, State
from payments.services import payment_drive, payment_reconcile, payment_start
from payments.tests.simulator_client import change_settings, pay
from samt.actors import Actor
from samt.models import SmsMessage, SmsStatus
from samt.sms import OutgoingSms, SmsAccepted, SmsError, sms_send_due

pytestmark = pytest.mark.django_db


class Phone:
    """A provider that loses the first message handed to it, then delivers; it remembers what reached the phone."""

    name = "phone"

    def __init__(self) -> None:
        self.failures, self.received = 1, []

    def send(self, sms: OutgoingSms) -> SmsAccepted:
        if self.failures:
            self.failures -= 1
            raise SmsError("HTTP 502", retryable=True, code="502")
        self.received.append(sms.text)
        return SmsAccepted(message_id=f"m{sms.local_id}", status="delivered", final=True)

    def delivery(self, message_ids: list[str]) -> dict[str, SmsAccepted]:
        return {}


def test_issue_pay_credited_each_text_once(slip, insured_user, portal_gateway, monkeypatch):
    phone = Phone()
    monkeypatch.setattr("samt.sms.get_backend", lambda: phone)
    mobile = slip.contract.insured.mobile
    started = payment_start(actor=Actor.for_user(insured_user), payable=slip,
                            callback_url=lambda order_id: f"http://testserver/pay/callback/{order_id}/")
    pay(Client(), started.attempt.token)
    attempt = payment_drive(started.attempt)
    assert attempt.state == State.SUCCEEDED
    payment_drive(attempt)  # the callback again (a reload) ...
    payment_reconcile(older_than=timedelta(0))  # ... and the reconciler: nothing new to say

    now = timezone.now()
    assert sms_send_due(now=now) == {"retry": 1, "sent": 1}
    assert sms_send_due(now=now + timedelta(seconds=30)) == {"sent": 1}
    assert sms_send_due(now=now + timedelta(hours=2)) == {}

    events = sorted(SmsMessage.objects.filter(to=mobile).values_list("event_key", flat=True))
    assert events == [f"payment.credited:{attempt.pk}", f"slip.issued:{slip.pk}"]
    assert SmsMessage.objects.filter(status=SmsStatus.SENT).count() == 2
    issued, credited = (SmsMessage.objects.get(event_key=key).text for key in
                        (f"slip.issued:{slip.pk}", f"payment.credited:{attempt.pk}"))
    assert "مهر تا آذر ۱۴۰۵" in issued and "۵۹٬۸۵۱٬۹۸۰ ریال" in issued and f"/p/{slip.public_code}/" in issued
    assert "مهر تا آذر ۱۴۰۵ پرداخت و ثبت شد" in credited and attempt.bank_ref in credited
    assert sorted(phone.received) == sorted([issued, credited]), "each text reached the phone once"


def test_a_payment_not_accepted_is_told_once(slip, insured_user, portal_gateway):
    """The PSP took less than the slip's amount (a discount at its end): not verified, so the PSP returns the
    money; however many times the reconciler comes by, its text goes once."""
    change_settings(Client(), affective_discount_rial=1_000)
    started = payment_start(actor=Actor.for_user(insured_user), payable=slip,
                            callback_url=lambda order_id: f"http://testserver/pay/callback/{order_id}/")
    pay(Client(), started.attempt.token)
    payment_reconcile(older_than=timedelta(0))
    payment_reconcile(older_than=timedelta(0))
    rejected = PaymentAttempt.objects.get(state=State.REJECTED)
    told = SmsMessage.objects.filter(event_key=f"payment.rejected:{rejected.pk}")
    assert told.count() == 1
    assert "پذیرفته نشد" in told.get().text and "۷۲ ساعت" in told.get().text
    assert not SmsMessage.objects.filter(event_key__startswith="payment.credited").exists()
