"""Issue 13's journeys in Chromium, the portal and the simulated bank both served by the live server:

(a) staff issue a slip at the branch counter and the person pays it on the counter's kiosk; the branch's slip page
    and slip list then say it is paid;
(b) the same kind of counter slip, printed, is paid from another browser (a daughter's phone, no login) through the
    pay link printed under its QR;
(c) the texts of a whole issue -> pay -> credited cycle, sent by the worker and read on the dev outbox page.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import time_machine
from django.core.management import call_command

from conftest import PASSWORD, add_totp, current_code
from insured.models import Slip, SlipStatus
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from payments.models import PaymentAttempt, State
from payments.tests.simulator_client import gateways_setting
from payments.tests.test_payment_browser import issue_and_press_pay, pay_with_a_dynamic_password
from samt.jalali import JalaliMonth as M
from samt.tests.browser_support import ARTIFACTS, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=True):
        yield


@pytest.fixture
def bank(live_server, settings, psp):
    settings.SAMT_PAYMENT_GATEWAYS = [{**entry, "BASE_URL": f"{live_server.url}/psp"}
                                      for entry in gateways_setting("sep", "mellat")]
    settings.SAMT_SMS_OUTBOX_PAGE = True
    return live_server


def issue_at_the_counter(page, live_server, staff_a, branch_a) -> Slip:
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    device = add_totp(staff_a)
    log_in(page, live_server.url, staff_a.username, PASSWORD, code=lambda: current_code(device))
    page.goto(f"{live_server.url}/branch/2104/insured/{contract.insured.pk}/slip/")
    page.select_option("#id_end_pick", "140507")
    with page.expect_navigation():
        page.get_by_role("button", name="محاسبه").click()
    with page.expect_navigation():
        page.get_by_role("button", name="صدور برگ").click()
    return Slip.objects.get()


def come_back_from_the_bank(page, live_server) -> None:
    with page.expect_navigation(url=f"{live_server.url}/pay/result/**"):
        page.get_by_test_id("callback").click()


def test_a_a_counter_slip_is_paid_on_the_branch_kiosk(page, bank, staff_a, branch_a):
    live_server = bank
    slip = issue_at_the_counter(page, live_server, staff_a, branch_a)
    with page.expect_navigation(url=f"{live_server.url}/psp/pay/**"):
        page.get_by_test_id("kiosk-pay").click()
    pay_with_a_dynamic_password(page)  # the person types their own card at the PSP's page on the kiosk
    come_back_from_the_bank(page, live_server)
    assert "پرداخت با موفقیت انجام شد" in page.get_by_test_id("payment-outcome").inner_text()
    screenshot(page, "kiosk_result")
    with page.expect_navigation(url=f"{live_server.url}/branch/2104/slips/{slip.number}/"):
        page.get_by_test_id("back-to-branch").click()
    assert page.inner_text("[data-testid=slip-status]") == "پرداخت‌شده"
    page.goto(f"{live_server.url}/branch/2104/slips/")
    assert page.get_by_test_id("branch-slip-status").first.inner_text().strip() == "✓ پرداخت‌شده"
    screenshot(page, "branch_slip_list")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "branch_slip_list_360")
    slip.refresh_from_db()
    assert slip.status == SlipStatus.PAID and PaymentAttempt.objects.get().branch.code == "2104"


def test_b_the_printed_counter_slip_is_paid_from_another_browser(page, browser, bank, staff_a, branch_a):
    live_server = bank
    slip = issue_at_the_counter(page, live_server, staff_a, branch_a)
    pdf = page.request.get(f"{live_server.url}/branch/2104/slips/{slip.number}/pdf/").body()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "counter_slip_with_pay_qr.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(ARTIFACTS / "counter_slip_with_pay_qr.pdf"),
                    str(ARTIFACTS / "counter_slip_with_pay_qr")], check=True)
    printed = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    link = re.search(r"http://[^\s]+/p/[A-Za-z0-9_-]+/", printed).group(0)
    assert link == f"{live_server.url}/p/{slip.public_code}/"

    daughter = browser.new_context(viewport={"width": 360, "height": 740}, locale="fa-IR")  # no login, her phone
    phone = daughter.new_page()
    phone.goto(link)
    assert phone.get_by_test_id("holder").inner_text() == "م*** ر***"
    assert phone.get_by_test_id("months").inner_text() == "مهر ۱۴۰۵"
    screenshot(phone, "public_pay_page_360")
    with phone.expect_navigation(url=f"{live_server.url}/psp/pay/**"):
        phone.get_by_test_id("pay-public").click()
    pay_with_a_dynamic_password(phone)
    come_back_from_the_bank(phone, live_server)
    assert "پرداخت با موفقیت انجام شد" in phone.get_by_test_id("payment-outcome").inner_text()
    with phone.expect_navigation():
        phone.get_by_test_id("back-to-slip").click()
    assert "این برگ پرداخت شده است" in phone.inner_text("main")
    screenshot(phone, "public_pay_paid_360")
    daughter.close()
    attempt = PaymentAttempt.objects.get()
    assert (attempt.state, attempt.started_by) == (State.SUCCEEDED, None)
    page.reload()
    assert page.inner_text("[data-testid=slip-status]") == "پرداخت‌شده"


def test_c_the_texts_of_a_full_cycle_are_read_on_the_dev_outbox(page, bank, insured_contract, insured_user):
    live_server = bank
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    slip = issue_and_press_pay(page, live_server)
    pay_with_a_dynamic_password(page)
    come_back_from_the_bank(page, live_server)
    call_command("worker", "--once", "--job", "sms.send")
    page.goto(f"{live_server.url}/dev/sms/?to=09121234567")
    texts = [item.inner_text() for item in page.get_by_test_id("sms").all()]
    assert len(texts) == 2
    credited, issued = texts  # newest first
    assert "برگ حق بیمه مهر تا آذر ۱۴۰۵: ۵۹٬۸۵۱٬۹۸۰ ریال" in issued and f"/p/{slip.public_code}/" in issued
    assert "مهر تا آذر ۱۴۰۵ پرداخت و ثبت شد" in credited
    assert PaymentAttempt.objects.get().bank_ref in credited
    assert all("تحویل سامانه پیامک شد" in text for text in texts)
    screenshot(page, "sms_outbox_full_cycle")
