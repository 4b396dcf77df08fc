"""The public premium calculator in a real browser: reached from the header, filled in as a person would
(Persian digits, selects), on a desktop and on a 360px phone, loading nothing from elsewhere."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from samt.tests.browser_support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 1403, rate 02, ratio 1.35, treatment for three: Shahrivar 18,840,557 + Mehr 18,389,088 (see test_calculator).
TOTAL = "۳۷٬۲۲۹٬۶۴۵"


@pytest.fixture(autouse=True)
def rate_tables(transactional_db) -> None:
    """The published figures, loaded again by the migration's own (idempotent) loader: a transactional test that
    ran earlier flushed every table, and serialized rollback does not always restore them for a browser test."""
    import_module("insured.migrations.0002_rate_tables").load(apps, None)


def fill_in(page) -> None:
    page.get_by_label("مشاغل آزاد — نرخ ۱۴٪ (بازنشستگی و فوت)").check()
    page.fill("#id_ratio", "۱٫۳۵")
    page.get_by_label("با پوشش درمان", exact=False).check()
    page.fill("#id_dependants", "۲")
    page.select_option("select[name=start_month]", "6")
    page.select_option("select[name=start_year]", "1403")
    page.select_option("select[name=end_month]", "7")
    page.select_option("select[name=end_year]", "1403")
    with page.expect_navigation():
        page.get_by_role("button", name="محاسبه", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")


def test_a_visitor_finds_the_calculator_in_the_header_and_sees_each_month_explained(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="ناوبری اصلی").get_by_role("link", name="محاسبه حق بیمه").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().strip() == "محاسبه حق بیمه"

    fill_in(page)

    assert page.get_by_test_id("total").inner_text() == TOTAL
    assert page.get_by_test_id("line").count() == 2
    assert "سرانه ۱٬۶۱۵٬۰۰۰ × ۳ نفر = ۴٬۸۴۵٬۰۰۰ ریال" in page.get_by_test_id("why").first.inner_text()
    assert page.locator("#id_ratio").input_value() == "۱٫۳۵"  # what was typed stays as typed
    foreign = [url for url in requested if not url.startswith(live_server.url)]
    assert foreign == [], f"the calculator fetched from other hosts: {foreign}"
    screenshot(page, "calculator_desktop")


def test_on_a_360px_phone_the_lines_stack_and_nothing_scrolls_sideways(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/calculator/")
    fill_in(page)

    assert page.get_by_test_id("total").is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"the page is {scroll_width}px wide on a 360px screen"
    # Stacked: each value sits under the one before it, labelled from data-label, not in a wide row.
    premium, amount = page.get_by_test_id("line").first.locator("td[data-label='حق بیمه'], td[data-label='مبلغ']").all()
    assert premium.bounding_box()["y"] < amount.bounding_box()["y"]
    screenshot(page, "calculator_360px")


def test_a_bad_ratio_is_marked_on_the_field_in_persian(page, live_server):
    page.goto(f"{live_server.url}/calculator/")
    page.fill("#id_ratio", "۹")
    with page.expect_navigation():
        page.get_by_role("button", name="محاسبه", exact=True).click()
    assert page.locator("#id_ratio").get_attribute("aria-invalid") == "true"
    assert "نسبت دستمزد باید از ۱" in page.locator("#id_ratio").locator("xpath=..").inner_text()
    screenshot(page, "calculator_bad_ratio_desktop")
