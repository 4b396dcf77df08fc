"""Issue 6's journeys in Chromium, the portal and the simulated bank both served by the live server, the adapter
calling the bank over real HTTP:

(a) an insured issues a slip, pays it with the approve card and a dynamic password read from the simulated
    phone in a second tab, comes back, sees the bank's references and the months covered, and opens the receipt;
(b) one who closes the tab on the bank's receipt page, whose payment the reconciler completes;
(c) one whose verify answer is lost: every page says the payment is being confirmed and not to pay again, with no pay
    button, until the reconciler settles it (issue 10);
(d) one whose payment the bank never settles: the result page says it is recorded for an expert, not to pay again,
    and the number to quote (issue 10).
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from insured.models import Slip, SlipStatus
from insured.tests.factories import AZAR_1405
from payments import messages as text
from payments.messages import payer_notice
from payments.models import PaymentAttempt, State
from payments.services import payment_reconcile
from payments.tests.simulator_client import APPROVE, change_settings, gateways_setting
from samt.formatting import jdatetime_text
from samt.tests.browser_support import ARTIFACTS, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=True):
        yield


@pytest.fixture
def bank(live_server, settings, psp):
    """The portal's adapter pointed at the simulator on the live server, as `make run` points it."""
    settings.SAMT_PAYMENT_GATEWAYS = [{**entry, "BASE_URL": f"{live_server.url}/psp"}
                                      for entry in gateways_setting("sep", "mellat")]
    return live_server


def issue(page, live_server) -> Slip:
    page.goto(f"{live_server.url}/me/quote/")
    with page.expect_navigation():
        page.get_by_role("link", name="سه ماه").click()
    with page.expect_navigation():
        page.get_by_role("button", name="صدور برگ پرداخت").click()
    return Slip.objects.get()


def press_pay(page, live_server) -> None:
    # Our page hands the token to the bank by itself (auto-submitting form); the bank's card page opens.
    with page.expect_navigation(url=f"{live_server.url}/psp/pay/**"):
        page.get_by_role("button", name="پرداخت با کارت بانکی").click()


def issue_and_press_pay(page, live_server) -> Slip:
    slip = issue(page, live_server)
    press_pay(page, live_server)
    return slip


def pay_with_a_dynamic_password(page) -> None:
    page.fill("#id_pan", APPROVE["pan"])
    page.fill("#id_cvv2", APPROVE["cvv2"])
    page.fill("#id_expiry_month", str(APPROVE["expiry_month"]))
    page.fill("#id_expiry_year", str(APPROVE["expiry_year"])[-2:])
    with page.expect_navigation():
        page.get_by_role("button", name="درخواست رمز پویا").click()
    phone = page.context.new_page()  # the payer looks at their phone: the simulated SMS inbox, in a second tab
    phone.goto(page.url.split("/psp/")[0] + f"/psp/inbox/?to={APPROVE['mobile']}")
    code = phone.get_by_test_id("sms").first.get_attribute("data-code")
    phone.close()
    page.fill("#id_cvv2", APPROVE["cvv2"])  # a card page clears the CVV2 after each submit
    page.fill("#id_pin2", code)
    with page.expect_navigation():
        page.get_by_role("button", name="پرداخت", exact=True).click()
    assert page.get_by_test_id("receipt-title").inner_text().strip() == "پرداخت با موفقیت انجام شد"


def pdf_to_png(pdf: bytes, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(source), str(ARTIFACTS / name)], check=True)
    return ARTIFACTS / f"{name}.png"


def test_a_an_insured_pays_a_slip_by_card_and_gets_the_receipt(page, bank, insured_contract, insured_user):
    live_server = bank
    before = PaymentAttempt.objects.count()
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue_and_press_pay(page, live_server)
    assert "۵۹٬۸۵۱٬۹۸۰ ریال" in page.get_by_test_id("amount").inner_text()
    pay_with_a_dynamic_password(page)
    screenshot(page, "payment_bank_receipt")

    with page.expect_navigation(url=f"{live_server.url}/pay/result/**"):
        page.get_by_test_id("callback").click()
    attempt = PaymentAttempt.objects.get()
    assert PaymentAttempt.objects.count() == before + 1 and attempt.state == State.SUCCEEDED
    outcome = page.get_by_test_id("payment-outcome").inner_text()
    assert "پرداخت با موفقیت انجام شد" in outcome and "۵۹٬۸۵۱٬۹۸۰ ریال" in outcome
    main = page.inner_text("main")
    assert attempt.bank_ref == page.get_by_test_id("ref-num").inner_text().strip()
    for label in ("شماره مرجع شبکه (RRN)", "شماره پیگیری", "کارت"):
        assert label in main
    assert "۶۰۳۷۹۹******۲۲۳۲" in main
    assert page.get_by_test_id("months-covered").inner_text() == "مهر ۱۴۰۵، آبان ۱۴۰۵، آذر ۱۴۰۵"
    screenshot(page, "payment_result_paid")

    href = page.get_by_role("link", name="رسید پرداخت (PDF)").get_attribute("href")
    receipt = page.request.get(f"{live_server.url}{href}")
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")
    pdf_to_png(receipt.body(), "payment_receipt_pdf")

    page.goto(f"{live_server.url}/me/slips/{slip.number}/")
    assert page.inner_text("[data-testid=slip-status]") == "پرداخت‌شده"


def test_b_a_payer_who_closes_the_tab_is_paid_by_the_reconciler(page, bank, insured_contract, insured_user):
    live_server = bank
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue_and_press_pay(page, live_server)
    pay_with_a_dynamic_password(page)
    context = page.context
    page.close()  # on the bank's receipt page, before it sends the browser back

    attempt = PaymentAttempt.objects.get()
    assert attempt.state == State.REDIRECTED  # we never heard of the payment
    call_command("reconcile_payments", "--quiet-for", "0")
    attempt.refresh_from_db()
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID

    later = context.new_page()  # the insured comes back to the portal another time
    later.goto(f"{live_server.url}/me/slips/{slip.number}/")
    assert later.inner_text("[data-testid=slip-status]") == "پرداخت‌شده"
    assert "پرداخت با کارت بانکی" not in later.inner_text("main")
    screenshot(later, "payment_slip_paid_by_reconciler")


def test_c_a_payment_whose_verify_answer_was_lost_is_not_paid_twice(page, bank, insured_contract, insured_user):
    """Issue 10, item 2: SEP verifies but its answer never reaches us. The result page, the slip page and the home
    say a payment is being confirmed with the bank and not to pay again, with no pay button; pressing pay anyway
    (an old tab) is refused; the reconciler settles it, and the slip reads paid."""
    live_server = bank
    change_settings(Client(), verify_fault="commit_then_502", verify_fault_remaining=1)
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue(page, live_server)
    slip_url = f"{live_server.url}/me/slips/{slip.number}/"
    old_tab = page.context.new_page()  # the slip page, open in another tab before paying, with its pay button
    old_tab.goto(slip_url)
    press_pay(page, live_server)
    pay_with_a_dynamic_password(page)
    with page.expect_navigation(url=f"{live_server.url}/pay/result/**"):
        page.get_by_test_id("callback").click()
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == State.VERIFY_UNKNOWN
    confirming = payer_notice(State.VERIFY_UNKNOWN)
    outcome = page.get_by_test_id("payment-outcome").inner_text()
    assert confirming.title in outcome and "دوباره پرداخت نکنید" in outcome
    screenshot(page, "payment_result_confirming")

    page.goto(slip_url)
    holding = page.get_by_test_id("payment-holding").inner_text()
    assert confirming.text in holding and jdatetime_text(attempt.created_at) in holding
    assert page.inner_text("[data-testid=slip-status]") == confirming.title
    assert page.get_by_role("button", name="پرداخت با کارت بانکی").count() == 0
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "slip_payment_confirming_360")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "slip_payment_confirming")
    page.goto(f"{live_server.url}/me/")
    assert confirming.text in page.get_by_test_id("payment-holding").inner_text()
    assert page.get_by_role("link", name="دیدن و پرداخت").count() == 0

    with old_tab.expect_navigation():
        old_tab.get_by_role("button", name="پرداخت با کارت بانکی").click()
    assert old_tab.url == slip_url and text.PAY_AGAIN_REFUSED in old_tab.inner_text("main")
    assert PaymentAttempt.objects.count() == 1

    call_command("reconcile_payments", "--quiet-for", "0")
    attempt.refresh_from_db()
    assert attempt.state == State.SUCCEEDED
    page.goto(slip_url)
    assert page.inner_text("[data-testid=slip-status]") == "پرداخت‌شده"
    assert page.get_by_test_id("payment-holding").count() == 0
    assert page.get_by_role("link", name="رسید پرداخت").count() == 1
    page.goto(f"{live_server.url}/pay/result/{attempt.public_key}/")
    assert "پرداخت با موفقیت انجام شد" in page.get_by_test_id("payment-outcome").inner_text()


def test_d_a_payment_the_bank_never_settled_is_recorded_for_an_expert(page, bank, insured_contract, insured_user):
    """Issue 10, item 5: SEP never answers the verify within its windows: the payment goes to an expert. The result
    page says so, says not to pay again and gives the number to quote; the slip page holds the pay button back."""
    live_server = bank
    change_settings(Client(), verify_fault="http_500", verify_fault_remaining=50)
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue_and_press_pay(page, live_server)
    pay_with_a_dynamic_password(page)
    with page.expect_navigation(url=f"{live_server.url}/pay/result/**"):
        page.get_by_test_id("callback").click()
    attempt = PaymentAttempt.objects.get()
    assert attempt.state == State.VERIFY_UNKNOWN
    payment_reconcile(older_than=timedelta(0), now=timezone.now() + timedelta(minutes=73))
    attempt.refresh_from_db()
    assert attempt.state == State.MANUAL_REVIEW

    page.reload()
    review = payer_notice(State.MANUAL_REVIEW)
    outcome = page.get_by_test_id("payment-outcome").inner_text()
    assert review.title in outcome and review.text in outcome and "دوباره پرداخت نکنید" in outcome
    assert page.get_by_test_id("quote-reference").inner_text().strip() == attempt.order_id
    assert "برگردانده می‌شود" not in outcome
    screenshot(page, "payment_result_manual_review")
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "payment_result_manual_review_360")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server.url}/me/slips/{slip.number}/")
    assert review.title in page.get_by_test_id("payment-holding").inner_text()
    assert page.get_by_role("button", name="پرداخت با کارت بانکی").count() == 0
