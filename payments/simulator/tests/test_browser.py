"""The simulated bank in Chromium: the card page, the inbox read like a phone, the receipt page and the way
back, on a desktop and on a 360-pixel phone; the adapter talks to the live server over real HTTP."""

from __future__ import annotations

import re

import pytest

from payments.gateways.base import ReceiptState, TokenRequest, VerifyOutcome
from payments.gateways.sep import SepGateway
from payments.simulator.fixtures import TERMINAL_ID
from payments.tests.simulator_client import APPROVE
from samt.tests.browser_support import screenshot

# The `browser` and `page` fixtures (Debian's Chromium, DJANGO_ALLOW_ASYNC_UNSAFE for the browser session) come
# from samt.tests.browser_support, which the root conftest loads as a plugin.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="fa-IR")
    yield context.new_page()
    context.close()


def gateway(live_server) -> SepGateway:
    return SepGateway(base_url=f"{live_server.url}/psp", terminal_id=TERMINAL_ID, timeout_seconds=10)


def start_payment(tab, live_server, order_id: str) -> str:
    """What the portal's auto-submitting form does: POST the token from a page of ours, so a Referer goes too."""
    token = gateway(live_server).request_token(
        TokenRequest(order_id, 1_250_000, f"{live_server.url}/payments/return/")).token
    tab.goto(f"{live_server.url}/psp/")
    with tab.expect_navigation():
        tab.evaluate("""([url, token]) => {
            const form = Object.assign(document.createElement("form"), {method: "post", action: url});
            form.append(Object.assign(document.createElement("input"), {type: "hidden", name: "Token", value: token}));
            document.body.append(form); form.submit();
        }""", [f"{live_server.url}/psp/OnlinePG/OnlinePG", token])
    return token


def fill_card(tab, card: dict) -> None:
    tab.fill("#id_pan", card["pan"])
    tab.fill("#id_cvv2", card["cvv2"])
    tab.fill("#id_expiry_month", str(card["expiry_month"]))
    tab.fill("#id_expiry_year", str(card["expiry_year"])[-2:])


def test_a_payer_pays_with_a_dynamic_password_and_comes_back(page, phone, live_server, psp):
    token = start_payment(page, live_server, "SAMT-BROWSER-1")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "۱٬۲۵۰٬۰۰۰ ریال" in page.get_by_test_id("amount").inner_text()
    screenshot(page, "psp_card_page_desktop")

    fill_card(page, APPROVE)
    page.get_by_role("button", name="درخواست رمز پویا").click()
    page.wait_for_load_state()
    assert "پیامک شد" in page.get_by_role("status").inner_text()
    assert page.input_value("#id_pan") == APPROVE["pan"]
    screenshot(page, "psp_card_page_dynamic_password_sent")

    phone.goto(f"{live_server.url}/psp/inbox/?to={APPROVE['mobile']}")
    sms = phone.get_by_test_id("sms").first
    assert "رمز پویای خرید از «سازمان تأمین اجتماعی»" in sms.inner_text()
    screenshot(phone, "psp_inbox_360")
    code = sms.get_attribute("data-code")

    page.fill("#id_cvv2", APPROVE["cvv2"])
    page.fill("#id_pin2", code)
    with page.expect_navigation():
        page.get_by_role("button", name="پرداخت", exact=True).click()
    assert page.get_by_test_id("receipt-title").inner_text().strip() == "پرداخت با موفقیت انجام شد"
    ref_num = page.get_by_test_id("ref-num").inner_text().strip()
    screenshot(page, "psp_receipt_desktop")

    with page.expect_navigation():
        page.get_by_test_id("callback").click()
    assert page.url.startswith(f"{live_server.url}/payments/return/?Token={token}&RefNum=")

    sep = gateway(live_server)
    assert sep.receipt(token=token).state == ReceiptState.OK
    assert sep.verify(ref_num).outcome == VerifyOutcome.VERIFIED


def test_the_card_page_fits_a_phone_and_shows_mistakes_in_persian(phone, live_server, psp):
    start_payment(phone, live_server, "SAMT-BROWSER-2")
    fill_card(phone, APPROVE)
    phone.fill("#id_pin2", "00000")
    with phone.expect_navigation():
        phone.get_by_role("button", name="پرداخت", exact=True).click()
    assert "رمز دوم نادرست است" in phone.get_by_test_id("card-error").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "psp_card_page_360")

    with phone.expect_navigation():
        phone.get_by_role("button", name="انصراف").click()
    assert phone.get_by_test_id("receipt-title").inner_text().strip() == "پرداخت لغو شد"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "psp_receipt_cancelled_360")


def test_a_callback_delivered_twice_reaches_the_merchant_twice(page, live_server, psp, client):
    client.post(f"/psp/control/api/terminals/{TERMINAL_ID}/settings/", {"callback_mode": "twice"},
                content_type="application/json")
    returns: list[str] = []
    page.on("request", lambda request: returns.append(request.url) if "/payments/return/" in request.url else None)
    token = start_payment(page, live_server, "SAMT-BROWSER-3")
    fill_card(page, APPROVE)
    page.fill("#id_pin2", APPROVE["pin2"])
    with page.expect_navigation():
        page.get_by_role("button", name="پرداخت", exact=True).click()
    with page.expect_navigation(url=re.compile(r".*/payments/return/.*"), timeout=15_000):
        pass  # the receipt page returns by itself after its countdown
    assert len(returns) == 2 and all(f"Token={token}" in url for url in returns)


def test_the_help_and_control_pages(page, live_server, psp):
    page.goto(f"{live_server.url}/psp/")
    assert page.get_by_test_id("cards").locator("tbody tr").count() == 7
    screenshot(page, "psp_help_desktop")
    page.goto(f"{live_server.url}/psp/control/")
    # One panel per terminal (one per PSP): advance the first terminal's clock.
    page.locator("section.psp-card").first.get_by_role("button", name="+۳۱ دقیقه (مهلت تأیید)").click()
    page.wait_for_load_state()
    assert "۳۱ دقیقه جلو رفت" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_role("button", name="+۲۱ دقیقه (مهلت تأیید)").count() == 1  # Mellat's window: 20 min
    screenshot(page, "psp_control_desktop")
