"""Issue 11's journeys the morning after the year-end batch, in Chromium against the live server with the PSP
simulator: (a) a paid-up person issues online without a visit; (b) a person with a debt reads the statement
lines, pays the debt slip online by card and then issues."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from conftest import PASSWORD
from insured import services
from insured.models import Channel, DebtSlipStatus, Slip, StatementStatus
from insured.tests.conftest import code_of, pay, register
from insured.tests.factories import per_capita_entered
from payments.tests.simulator_client import gateways_setting
from payments.tests.test_payment_browser import pay_with_a_dynamic_password
from samt.actors import Actor
from samt.jalali import JalaliMonth as M
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# 2 Farvardin 1405, mid-morning: the year-end run went through the night of Nowruz.
MORNING_AFTER = M(1405, 1).starts_at + timedelta(days=1, hours=10)


@pytest.fixture(autouse=True)
def morning_after():
    with time_machine.travel(MORNING_AFTER, tick=True):
        yield


@pytest.fixture
def bank(live_server, settings, psp):
    settings.SAMT_PAYMENT_GATEWAYS = [{**entry, "BASE_URL": f"{live_server.url}/psp"}
                                      for entry in gateways_setting("sep", "mellat")]
    return live_server


def person_of_1404(staff_a, branch_a, insured_user, *, debt: bool):
    actor = Actor.for_user(staff_a)
    contract = register(actor, branch_a, first_month=M(1404, 1), treatment=debt)
    if debt:
        services.dependant_add(actor=actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                               national_code=code_of(101), relation="spouse")
        pay(contract, M(1404, 1), M(1404, 1), per_capita=1_900_000)  # before HQ raised the year's per-capita
        pay(contract, M(1404, 2), M(1404, 12))
    else:
        pay(contract, M(1404, 1), M(1404, 12))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    per_capita_entered(1405, 3_100_000)  # as HQ enters it
    call_command("compute_statements", "1404", "--issue", "--quiet")
    return contract


def log_in_as(page, live_server, user) -> None:
    log_in(page, live_server.url, user.username, PASSWORD)


def issue_first_month(page, live_server) -> Slip:
    page.goto(f"{live_server.url}/me/quote/")
    with page.expect_navigation():
        page.get_by_role("button", name="صدور برگ پرداخت به مبلغ").click()
    return Slip.objects.get()


def test_a_the_morning_after_a_paid_up_person_issues_online_without_a_visit(page, bank, staff_a, branch_a,
                                                                           insured_user):
    contract = person_of_1404(staff_a, branch_a, insured_user, debt=False)
    assert contract.statements.get().status == StatementStatus.SETTLED
    log_in_as(page, bank, insured_user)
    status = page.get_by_test_id("status").inner_text()
    assert status == "فعال"
    assert "مراجعه" not in page.inner_text("main")
    screenshot(page, "yearend_home_paid_up")
    slip = issue_first_month(page, bank)
    assert (slip.channel, slip.first_month) == (Channel.ONLINE, M(1405, 1))
    page.goto(f"{bank.url}/me/statements/{contract.number}/1404/")
    assert "بی‌حساب" in page.get_by_test_id("balance").inner_text()


def test_b_a_debtor_reads_the_lines_pays_the_debt_slip_online_and_issues(page, bank, staff_a, branch_a,
                                                                        insured_user):
    contract = person_of_1404(staff_a, branch_a, insured_user, debt=True)
    log_in_as(page, bank, insured_user)
    gate = page.get_by_test_id("gate").inner_text()
    assert "همین‌جا با کارت بپردازید" in gate and "مراجعه کنید" not in gate
    screenshot(page, "yearend_home_debt")
    with page.expect_navigation():
        page.get_by_role("link", name="ریز گردش حساب").click()
    lines = page.get_by_test_id("lines").inner_text()
    assert "فروردین ۱۴۰۴" in lines and "۹۱۶٬۰۰۰ بدهی" in lines and "اسفند ۱۴۰۴" in lines
    assert "بدهی ۹۱۶٬۰۰۰ ریال" in page.get_by_test_id("balance").inner_text()
    screenshot(page, "yearend_statement_debt")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "yearend_statement_debt_360")
    page.set_viewport_size({"width": 1280, "height": 800})

    with page.expect_navigation(url=f"{bank.url}/psp/pay/**"):
        page.get_by_role("button", name="پرداخت برگ بدهی با کارت").click()
    pay_with_a_dynamic_password(page)
    with page.expect_navigation(url=f"{bank.url}/pay/result/**"):
        page.get_by_test_id("callback").click()
    assert "تسویه شد" in page.inner_text("main")
    debt = contract.statements.get().debt_slips.get()
    assert debt.status == DebtSlipStatus.PAID and contract.statements.get().status == StatementStatus.SETTLED

    page.goto(f"{bank.url}/me/")
    assert page.get_by_test_id("status").inner_text() == "فعال"
    slip = issue_first_month(page, bank)
    assert (slip.channel, slip.first_month) == (Channel.ONLINE, M(1405, 1))
