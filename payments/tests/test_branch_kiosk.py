"""The branch counter's kiosk: staff start the same card payment for a slip or debt slip of their branch, the
person types the card at the PSP, the result leads back to the branch's slip page, and the branch's slip list
shows paid and unpaid."""

from __future__ import annotations

import pytest
from django.test import Client

from insured.models import DebtSlipStatus, SlipStatus
from payments.models import PaymentAttempt, State
from payments.tests.simulator_client import pay

pytestmark = pytest.mark.django_db


def kiosk_url(slip) -> str:
    return f"/pay/branch/2104/slip/{slip.number}/"


def test_staff_take_a_card_payment_and_come_back_to_the_branchs_slip(slip, staff_a, client_for, portal_gateway):
    kiosk = client_for(staff_a)
    assert 'data-testid="kiosk-pay"' in kiosk.get(f"/branch/2104/slips/{slip.number}/").content.decode()
    hand_off = kiosk.post(kiosk_url(slip))
    assert "psp-hand-off" in hand_off.content.decode()
    attempt = PaymentAttempt.objects.get()
    assert (attempt.started_by, attempt.branch.code, attempt.office) == (staff_a, "2104", None)
    fields = pay(Client(), attempt.token)
    body = kiosk.get(f"/pay/callback/{attempt.order_id}/", fields, follow=True).content.decode()
    assert "پرداخت با موفقیت انجام شد" in body
    assert f'href="/branch/2104/slips/{slip.number}/"' in body
    slip.refresh_from_db()
    assert slip.status == SlipStatus.PAID
    listing = kiosk.get("/branch/2104/slips/").content.decode()
    assert "✓ پرداخت‌شده" in listing
    assert "پرداخت‌نشده</span>" not in listing
    unpaid = kiosk.get("/branch/2104/slips/?state=unpaid").content.decode()
    assert "برگی نیست" in unpaid


def test_the_slip_list_shows_an_unpaid_slip_as_unpaid(slip, staff_a, client_for):
    listing = client_for(staff_a).get("/branch/2104/slips/").content.decode()
    assert "پرداخت‌نشده</span>" in listing and "۵۹٬۸۵۱٬۹۸۰" in listing
    assert "برگی نیست" in client_for(staff_a).get("/branch/2104/slips/?state=paid").content.decode()


def test_another_branchs_staff_and_the_insured_cannot_use_the_kiosk(slip, staff_b, insured_user, client_for):
    assert client_for(staff_b).post(kiosk_url(slip)).status_code == 404
    assert client_for(staff_b).post(f"/pay/branch/2107/slip/{slip.number}/").status_code == 404
    assert client_for(staff_b).get("/branch/2104/slips/").status_code == 404
    assert client_for(insured_user).post(kiosk_url(slip)).status_code == 403
    assert not PaymentAttempt.objects.exists()


def test_a_debt_slip_is_paid_at_the_kiosk(staff_a, client_for, portal_gateway, debt_slip):
    kiosk = client_for(staff_a)
    assert 'data-testid="kiosk-pay"' in kiosk.get(f"/branch/2104/debt-slips/{debt_slip.number}/").content.decode()
    kiosk.post(f"/pay/branch/2104/debt/{debt_slip.number}/")
    attempt = PaymentAttempt.objects.get()
    fields = pay(Client(), attempt.token)
    body = kiosk.get(f"/pay/callback/{attempt.order_id}/", fields, follow=True).content.decode()
    assert f'href="/branch/2104/debt-slips/{debt_slip.number}/"' in body
    debt_slip.refresh_from_db()
    attempt.refresh_from_db()
    assert (attempt.state, debt_slip.status) == (State.SUCCEEDED, DebtSlipStatus.PAID)

