"""Issue 5's counter journey in a real browser: staff issue a slip for a walk-in and print it."""

from __future__ import annotations

import pytest
import time_machine

from conftest import PASSWORD, add_totp, current_code
from insured.models import Slip
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.jalali import JalaliMonth as M
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=True):
        yield


def test_staff_issue_a_slip_at_the_counter(page, live_server, staff_a, branch_a):
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
    assert "برگ پرداخت در باجه صادر شد" in page.inner_text("main")
    assert "۱۹٬۹۵۰٬۶۶۰ ریال" in page.inner_text("main")
    screenshot(page, "counter_slip")
    assert Slip.objects.get().channel == "branch"
