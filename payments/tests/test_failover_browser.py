"""Browser journey (issue 17): the first PSP's token service is switched off in the simulator; the insured
presses "pay" and lands on the second PSP's card page as if nothing happened, pays, and gets the receipt.
Then HQ reads the day's figures per PSP, at desktop and phone widths."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from conftest import PASSWORD, add_totp, current_code
from insured.models import SlipStatus
from insured.tests.factories import AZAR_1405
from payments.models import PaymentAttempt, State
from payments.simulator import fixtures
from payments.tests.simulator_client import change_settings, gateways_setting
from payments.tests.test_payment_browser import issue_and_press_pay, pay_with_a_dynamic_password
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=True):
        yield


@pytest.fixture
def bank(live_server, settings, psp):
    settings.SAMT_PAYMENT_GATEWAYS = [{**entry, "BASE_URL": f"{live_server.url}/psp"}
                                      for entry in gateways_setting("sep", "mellat")]
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=True)
    return live_server


def test_the_payer_pays_through_the_second_psp_without_noticing(page, bank, insured_contract, insured_user,
                                                               hq_user):
    live_server = bank
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue_and_press_pay(page, live_server)  # lands on a card page: no error page, no second click
    assert "۵۹٬۸۵۱٬۹۸۰ ریال" in page.get_by_test_id("amount").inner_text()
    assert "خطا" not in page.inner_text("body")
    assert "به‌پرداخت ملت" in page.inner_text("header")  # the second PSP's own page
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "failover_mellat_card_page_360")
    page.set_viewport_size({"width": 1280, "height": 800})
    pay_with_a_dynamic_password(page)
    with page.expect_navigation(url=f"{live_server.url}/pay/result/**"):
        page.get_by_test_id("callback").click()
    assert "پرداخت با موفقیت انجام شد" in page.get_by_test_id("payment-outcome").inner_text()
    main = page.inner_text("main")
    assert "شماره مرجع بانک" in main and "RRN" not in main  # Mellat gives its reference, no RRN: no empty row
    screenshot(page, "failover_result_paid")

    failed, paid = PaymentAttempt.objects.order_by("id")
    assert (failed.psp, failed.state) == ("sep", State.FAILED)
    assert (paid.psp, paid.state) == ("mellat", State.SUCCEEDED) and paid.settled_at is not None
    slip.refresh_from_db()
    assert slip.status == SlipStatus.PAID

    hq = page.context.browser.new_context(viewport={"width": 1366, "height": 900}, locale="fa-IR").new_page()
    device = add_totp(hq_user)
    log_in(hq, live_server.url, hq_user.username, PASSWORD, code=lambda: current_code(device))
    hq.goto(f"{live_server.url}/hq/")
    with hq.expect_navigation():
        hq.get_by_role("link", name="درگاه‌های پرداخت: آمار روزانه").click()
    table = hq.get_by_test_id("gateway-days").inner_text()
    assert "به‌پرداخت ملت" in table and "پرداخت الکترونیک سامان" in table and "۵۹٬۸۵۱٬۹۸۰" in table
    screenshot(hq, "gateway_report_desktop")
    hq.set_viewport_size({"width": 360, "height": 800})
    screenshot(hq, "gateway_report_360")
    hq.context.close()
