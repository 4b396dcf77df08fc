"""The done-when journey of issue 14: the technical expert enters the 1405 per-capita figure on the page, the HQ
manager approves it, and the demo person with treatment dependants (0029614589) can then issue his slip."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import current_code
from hq import processing
from insured.models import Slip
from insured.tests.factories import AZAR_1405
from samt.management.commands.seed_demo import DEMO_PASSWORD
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TREATMENT_PERSON = "0029614589"
SAMPLE = Path(__file__).resolve().parents[2] / "insured" / "tests" / "fixtures" / "import_sample.csv"


@pytest.fixture(autouse=True)
def demo(settings):
    with time_machine.travel(AZAR_1405, tick=True):
        settings.DEBUG = True
        call_command("seed_demo", stdout=StringIO())
        settings.DEBUG = False
        yield


def staff_page(browser, base_url: str, username: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fa-IR")
    page = context.new_page()
    device = TOTPDevice.objects.get(user__username=username)
    log_in(page, base_url, username, DEMO_PASSWORD, code=lambda: current_code(device))
    return page


def test_hq_enters_the_per_capita_figure_with_approval_and_the_treatment_person_issues(browser, page, live_server):
    log_in(page, live_server.url, TREATMENT_PERSON, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/me/quote/")
    assert "سرانه درمان سال ۱۴۰۵ هنوز ثبت نشده" in page.inner_text("main")

    expert = staff_page(browser, live_server.url, "tech_tehran")
    assert expert.url.endswith("/hq/technical/")
    with expert.expect_navigation():
        expert.get_by_role("link", name="داده‌های پایه: تهیه ردیف تازه").click()
    with expert.expect_navigation():
        expert.get_by_role("link", name="تهیه: سرانه درمان").click()
    expert.fill("#id_year", "۱۴۰۵")
    expert.fill("#id_per_capita_monthly", "۳٬۱۰۰٬۰۰۰")
    expert.fill("#id_source", "بخشنامه سرانه درمان ۱۴۰۵")
    expert.fill("#id_reason", "سرانه سال جاری هنوز ثبت نشده بود")
    screenshot(expert, "hq_reference_new")
    with expert.expect_navigation():
        expert.get_by_role("button", name="ثبت و فرستادن برای تأیید").click()
    assert expert.inner_text("[data-testid=change-status]") == "در انتظار تأیید مدیر کل"
    assert expert.get_by_role("button", name="تأیید و اجرا").count() == 0

    manager = staff_page(browser, live_server.url, "hq_tehran")
    manager.goto(f"{live_server.url}/hq/reference/")
    screenshot(manager, "hq_reference_home")
    with manager.expect_navigation():
        manager.get_by_role("link", name="سرانه درمان").first.click()
    assert "۳٬۱۰۰٬۰۰۰" in manager.inner_text("main")
    screenshot(manager, "hq_reference_change")
    with manager.expect_navigation():
        manager.get_by_role("button", name="تأیید و اجرا").click()
    assert manager.inner_text("[data-testid=change-status]") == "تأییدشده و در اجرا"

    page.goto(f"{live_server.url}/me/quote/")
    with page.expect_navigation():
        page.get_by_role("button", name="صدور برگ پرداخت").click()
    assert "برگ پرداخت صادر شد" in page.inner_text("main")
    slip = Slip.objects.get(contract__insured__national_code=TREATMENT_PERSON, status="issued")
    assert {line.per_capita for line in slip.lines.all()} == {3_100_000}
    assert {line.persons for line in slip.lines.all()} == {3}


@pytest.mark.parametrize("width", [360, 1366])
def test_the_new_province_pages_at_phone_and_desktop_width(browser, live_server, width):
    for username, paths in {
        "tech_tehran": ["/hq/technical/", "/hq/reference/", "/hq/reference/new/wage/"],
        "brokers_tehran": ["/hq/broker-affairs/", "/hq/reference/new/office_status/"],
        "dp_tehran": ["/hq/data-processing/", "/hq/processing/"],
        "hq_tehran": ["/hq/", "/hq/reports/slips/", "/hq/reports/gate/", "/hq/reports/fees/"],
        "head_2104": ["/hq/reports/demand/", "/hq/reports/credentials/"],
    }.items():
        page = staff_page(browser, live_server.url, username, width)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, path
            screenshot(page, f"hq_{username}_{path.strip('/').replace('/', '_')}_{width}")
        page.context.close()


def test_data_processing_uploads_a_legacy_file_and_reads_the_worker_result(browser, live_server):
    page = staff_page(browser, live_server.url, "dp_tehran")
    assert page.url.endswith("/hq/data-processing/")
    with page.expect_navigation():
        page.get_by_role("link", name="کارهای فرابری").click()
    page.set_input_files("#id_file", str(SAMPLE))
    with page.expect_navigation():
        page.get_by_role("button", name="بارگذاری و آغاز ورود").click()
    assert page.inner_text("[data-testid=run-status]") == "در نوبت"
    # What `manage.py worker` does on its next tick.
    assert processing.processing_run_next().endswith("(import) done")
    page.reload()
    assert page.inner_text("[data-testid=run-status]") == "پایان‌یافته"
    assert "imported" in page.inner_text("[data-testid=run-result]")
    screenshot(page, "hq_processing_run")
    page.context.close()


def test_broker_affairs_suspends_an_office_with_approval_and_its_operator_is_stopped(browser, live_server):
    """The broker-affairs expert's main task: a suspension is prepared with its reason, decided by the HQ manager,
    and from that moment the office's operator reads why they cannot serve anyone; lifting it works the same way."""
    operator = staff_page(browser, live_server.url, "broker_1001")
    assert "خدمت‌رسانی متوقف است" not in operator.inner_text("main")

    # Each signs in once: a second sign-in within the same 30 seconds would reuse a spent one-time code.
    expert = staff_page(browser, live_server.url, "brokers_tehran")
    assert expert.url.endswith("/hq/broker-affairs/")
    manager = staff_page(browser, live_server.url, "hq_tehran")

    def decide(status: str, reason: str) -> None:
        expert.goto(f"{live_server.url}/hq/broker-affairs/")
        with expert.expect_navigation():
            expert.get_by_role("link", name="تعرفه تازه، تعلیق یا رفع تعلیق").click()
        with expert.expect_navigation():
            expert.get_by_role("link", name="تهیه: تعلیق یا رفع تعلیق کارگزاری").click()
        expert.select_option("#id_office", label="کارگزاری رسمی امید (1001)")
        expert.select_option("#id_status", status)
        expert.fill("#id_reason", reason)
        with expert.expect_navigation():
            expert.get_by_role("button", name="ثبت و فرستادن برای تأیید").click()
        assert expert.inner_text("[data-testid=change-status]") == "در انتظار تأیید مدیر کل"
        assert expert.get_by_role("button", name="تأیید و اجرا").count() == 0  # never its own preparer's

        manager.goto(f"{live_server.url}/hq/reference/")
        with manager.expect_navigation():
            manager.get_by_role("link", name="تعلیق یا رفع تعلیق کارگزاری").first.click()
        assert reason in manager.inner_text("main")
        with manager.expect_navigation():
            manager.get_by_role("button", name="تأیید و اجرا").click()
        assert manager.inner_text("[data-testid=change-status]") == "تأییدشده و در اجرا"
        screenshot(manager, f"hq_office_status_{status}")

    decide("suspended", "صدور برگ بدون حضور بیمه‌شده در بازرسی آذر")
    operator.goto(f"{live_server.url}/broker/")
    refused = operator.inner_text("[data-testid=office-refused]")
    assert "کارگزاری رسمی امید: خدمت‌رسانی متوقف است" in refused and "«تعلیق» شده است" in refused
    screenshot(operator, "broker_office_suspended")

    decide("active", "رفع نقص پس از بازدید دوم")
    operator.goto(f"{live_server.url}/broker/")
    assert operator.locator("[data-testid=office-refused]").count() == 0
    for each in (operator, expert, manager):
        each.context.close()
