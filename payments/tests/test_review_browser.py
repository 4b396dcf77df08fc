"""The expert's journey in Chromium (issue 10, items 5 and 6): the bank never answers a payment's verify, so it goes
to manual review and its slip is held; the province's HQ manager signs in with the second factor, follows the
"needs a person" list to the payment's file, is told in Persian what the form misses, records that the bank
confirms no money was taken, and the payer's slip page offers the pay button again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, add_totp, current_code
from insured.tests.factories import AZAR_1405
from payments import forms
from payments.messages import payer_notice
from payments.models import PaymentAttempt, State
from payments.services import payment_reconcile
from payments.tests.simulator_client import change_settings, gateways_setting
from payments.tests.test_payment_browser import issue_and_press_pay, pay_with_a_dynamic_password
from payments.views import REVIEW_CLOSED
from samt.tests.browser_support import log_in, screenshot, watch_the_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTE = "با پشتیبانی بانک تماس گرفتم: تراکنش در بانک ناموفق ثبت شده و مبلغی برداشته نشده است."


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=True):
        yield


@pytest.fixture
def bank(live_server, settings, psp):
    settings.SAMT_PAYMENT_GATEWAYS = [{**entry, "BASE_URL": f"{live_server.url}/psp"}
                                      for entry in gateways_setting("sep", "mellat")]
    return live_server


def test_the_hq_manager_closes_a_manual_review_and_the_payer_may_pay_again(browser, page, bank, insured_contract,
                                                                           insured_user, hq_user):
    live_server = bank
    change_settings(Client(), verify_fault="http_500", verify_fault_remaining=50)
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue_and_press_pay(page, live_server)
    pay_with_a_dynamic_password(page)
    with page.expect_navigation(url=f"{live_server.url}/pay/result/**"):
        page.get_by_test_id("callback").click()
    payment_reconcile(older_than=timedelta(0), now=timezone.now() + timedelta(minutes=73))
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == State.MANUAL_REVIEW
    page.goto(f"{live_server.url}/me/slips/{slip.number}/")
    assert page.get_by_role("button", name="پرداخت با کارت بانکی").count() == 0

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fa-IR")
    expert = context.new_page()
    refused = watch_the_policy(expert)
    device = add_totp(hq_user)
    log_in(expert, live_server.url, hq_user.username, PASSWORD, code=lambda: current_code(device))
    expert.goto(f"{live_server.url}/hq/")
    assert expert.get_by_test_id("review-link").count() == 1
    # The payer quotes the number from their SMS, in Persian digits.
    expert.get_by_label("شماره سفارشی که بیمه‌شده یا شعبه اعلام می‌کند").fill(
        attempt.order_id.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    screenshot(expert, "payment_review_find")
    with expert.expect_navigation():
        expert.get_by_role("button", name="یافتن پرونده پرداخت").click()
    assert expert.inner_text("[data-testid=review-order]").strip() == attempt.order_id
    assert "نیازمند بررسی کارشناس" in expert.inner_text("[data-testid=review-state]")
    assert "از «در انتظار پاسخ تأیید بانک» به «نیازمند بررسی کارشناس»" in expert.inner_text(
        "[data-testid=review-events]")
    screenshot(expert, "payment_review_open")
    expert.set_viewport_size({"width": 360, "height": 800})
    assert expert.evaluate("document.documentElement.scrollWidth") <= 361
    screenshot(expert, "payment_review_open_360")
    expert.set_viewport_size({"width": 1280, "height": 800})

    with expert.expect_navigation():
        expert.get_by_role("button", name="ثبت نتیجه و بستن بررسی").click()
    errors = expert.inner_text("[data-testid=review-form]")
    assert forms.FINDING_REQUIRED in errors and forms.NOTE_REQUIRED in errors
    screenshot(expert, "payment_review_errors")

    expert.get_by_label("بانک تأیید کرد که مبلغی از کارت پرداخت‌کننده برداشته نشده است").check()
    expert.fill("#id_note", NOTE)
    with expert.expect_navigation():
        expert.get_by_role("button", name="ثبت نتیجه و بستن بررسی").click()
    assert REVIEW_CLOSED in expert.inner_text("main")
    assert expert.inner_text("[data-testid=review-state]").strip() == "ناموفق"
    assert expert.get_by_test_id("review-form").count() == 0
    screenshot(expert, "payment_review_closed")
    expert.goto(f"{live_server.url}/hq/")
    assert attempt.order_id not in expert.inner_text("main")
    context.close()
    assert not refused, refused

    page.goto(f"{live_server.url}/me/slips/{slip.number}/")
    assert page.get_by_test_id("payment-holding").count() == 0
    assert page.get_by_role("button", name="پرداخت با کارت بانکی").count() == 1
    page.goto(f"{live_server.url}/pay/result/{attempt.public_key}/")
    assert payer_notice(State.FAILED).title in page.get_by_test_id("payment-outcome").inner_text()
    screenshot(page, "payment_review_payer_after")
