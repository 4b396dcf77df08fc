"""Issue 11's lapse journey in Chromium: staff prepare the one-time extension for a lapsed person, the branch
head (another person) approves it, and the person issues their slip online again. Screenshots of the new branch
pages at 360 px and desktop."""

from __future__ import annotations

import pytest
import time_machine

from branches.tests.registry_builders import register_person
from branches.tests.test_registry_browser import DESKTOP, PHONE, sign_in_staff
from conftest import PASSWORD
from insured.models import Channel, Slip
from insured.tests.factories import pay_months
from samt.jalali import JalaliMonth as M
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AZAR = M(1405, 9).starts_at.replace(hour=10)


@pytest.fixture(autouse=True)
def azar():
    with time_machine.travel(AZAR, tick=True):
        yield


def both(page, name: str) -> None:
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}_360")
    page.set_viewport_size(DESKTOP)


def test_a_lapsed_persons_extension_with_the_heads_approval_then_issuing(browser, live_server, branch_a, staff_a,
                                                                        head_a, insured_user):
    contract = register_person(branch_a, staff_a, seed=5, first_month=M(1405, 1))
    pay_months(contract, M(1405, 1), M(1405, 4))  # Mordad to Azar unpaid: lapsed, still inside four months
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    person_url = f"{live_server.url}/branch/2104/insured/{contract.insured_id}/"

    insured = browser.new_context(viewport=DESKTOP, locale="fa-IR").new_page()
    log_in(insured, live_server.url, insured_user.username, PASSWORD)
    assert insured.get_by_test_id("status").inner_text() == "باطل‌شده به دلیل عدم پرداخت"
    assert "مهلت چهارماهه" in insured.get_by_test_id("gate").inner_text()
    both(insured, "lapse_home_lapsed")

    staff = browser.new_context(viewport=DESKTOP, locale="fa-IR").new_page()
    sign_in_staff(staff, live_server, staff_a)
    staff.goto(person_url)
    staff.fill("#extension-reason", "بستری در بیمارستان؛ گواهی دیده شد")
    with staff.expect_navigation():
        staff.get_by_role("button", name="تهیه مهلت چهارماهه برای تأیید رئیس شعبه").click()
    assert "منتظر تأیید رئیس شعبه" in staff.inner_text("main")

    head = browser.new_context(viewport=DESKTOP, locale="fa-IR").new_page()
    sign_in_staff(head, live_server, head_a)
    head.goto(f"{live_server.url}/branch/2104/")
    assert "مهلت چهارماهه در انتظار تأیید رئیس شعبه (۱)" in head.get_by_test_id("work-list").inner_text()
    both(head, "lapse_branch_work_list")
    with head.expect_navigation():
        head.get_by_test_id("work-list").get_by_role("link").first.click()
    both(head, "lapse_person_decision")
    head.get_by_label("تأیید").check()
    head.fill("#decision-note", "مدارک دیده شد")
    with head.expect_navigation():
        head.get_by_role("button", name="ثبت تصمیم").click()
    assert "مهلت چهارماهه قرارداد" in head.inner_text("main") and "تأیید شد" in head.inner_text("main")

    insured.goto(f"{live_server.url}/me/")
    assert insured.get_by_test_id("status").inner_text() == "فعال"
    insured.goto(f"{live_server.url}/me/quote/")
    with insured.expect_navigation():
        insured.get_by_role("button", name="صدور برگ پرداخت به مبلغ").click()
    slip = Slip.objects.get()
    assert (slip.channel, slip.first_month) == (Channel.ONLINE, M(1405, 5))
    for page in (insured, staff, head):
        page.context.close()
