"""Issue 5's journeys in a real browser: an insured issues a three-month slip; one with an unpaid 1404
statement and one whose contract lapsed are told why and where to go; staff issue a slip at the counter."""

from __future__ import annotations

import pytest
import time_machine

from conftest import PASSWORD
from insured.models import Slip
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.jalali import JalaliMonth as M
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def azar_1405():
    # tick=True: the browser and the live server need a moving clock (timeouts, TOTP windows).
    with time_machine.travel(AZAR_1405, tick=True):
        yield


def attach(contract, user) -> None:
    contract.insured.user = user
    contract.insured.save(update_fields=["user"])


def test_an_insured_issues_a_three_month_slip_and_sees_it(page, live_server, staff_a, branch_a, insured_user):
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    attach(contract, insured_user)
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/quote/")
    with page.expect_navigation():
        page.get_by_role("link", name="سه ماه").click()
    assert "۵۹٬۸۵۱٬۹۸۰ ریال" in page.inner_text("main")
    screenshot(page, "slip_quote")
    with page.expect_navigation():
        page.get_by_role("button", name="صدور برگ پرداخت").click()
    main = page.inner_text("main")
    assert "برگ پرداخت صادر شد" in main
    assert "مهر ۱۴۰۵ تا آذر ۱۴۰۵" in main
    assert page.inner_text("[data-testid=slip-status]") == "صادرشده، در انتظار پرداخت"
    screenshot(page, "slip_detail")
    slip = Slip.objects.get()
    assert (slip.first_month, slip.last_month, slip.total) == (M(1405, 7), M(1405, 9), 59_851_980)


def test_an_insured_with_an_unissued_1404_statement_is_told_where_to_go(page, live_server, staff_a, branch_a,
                                                                        insured_user):
    contract = make_contract(staff_a, branch_a, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    attach(contract, insured_user)
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/quote/")
    blocked = page.inner_text("[data-testid=blocked]")
    assert "گردش حساب سال ۱۴۰۴" in blocked
    assert branch_a.name in blocked
    assert branch_a.opening_hours in blocked
    assert "کارت ملی" in blocked
    screenshot(page, "slip_gate_closed")


def test_a_lapsed_insured_is_told_why(page, live_server, staff_a, branch_a, insured_user):
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 3))
    attach(contract, insured_user)
    log_in(page, live_server.url, insured_user.username, PASSWORD)
    page.goto(f"{live_server.url}/me/quote/")
    blocked = page.inner_text("[data-testid=blocked]")
    assert "حق بیمه از تیر ۱۴۰۵ پرداخت نشده" in blocked
    assert "باطل شده" in blocked
    screenshot(page, "slip_lapsed")
