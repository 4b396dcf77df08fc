"""Clause 1's outreach in a browser: a phone scans a branch's poster and lands on the public page, which names the
branch and counts the scan; a person finds their branch on a phone; the branch's staff download their kit."""

from __future__ import annotations

import pytest

from conftest import PASSWORD, add_totp, current_code
from samt.models import OutreachScan
from samt.tests.browser_support import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_scanned_poster_lands_on_the_public_page_and_counts(page, live_server, branch_a):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/q/b2104/")
    assert page.url == f"{live_server.url}/?src=b2104"
    card = page.get_by_test_id("from-poster")
    assert "شعبه الف" in card.inner_text() and "نشانی آزمایشی" in card.inner_text()
    assert fits_the_width(page)
    screenshot(page, "outreach_scan_landing_360")
    page.goto(f"{live_server.url}/q/b2104/")
    assert list(OutreachScan.objects.values_list("branch__code", "scans")) == [("2104", 2)]
    # From there to the list of branches.
    page.get_by_test_id("find-branch").click()
    assert page.url == f"{live_server.url}/find-branch/"
    assert page.get_by_role("heading", name="شعبه الف").is_visible()


def test_a_person_finds_their_branch_on_a_phone(page, live_server, branch_a, branch_b):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/find-branch/")
    assert page.get_by_role("heading", name="استان تهران").is_visible()
    assert page.get_by_role("heading", name="شعبه ب").is_visible()
    page.get_by_label("نام شهر، شعبه یا خیابان").fill("شعبه الف")
    with page.expect_navigation():
        page.get_by_role("button", name="جست‌وجو").click()
    assert page.get_by_role("heading", name="شعبه الف").is_visible()
    assert page.get_by_role("heading", name="شعبه ب").count() == 0
    assert page.get_by_role("link", name="۰۲۱-۰۰۰۰۰۰۰۰").get_attribute("href") == "tel:021-00000000"
    assert fits_the_width(page)
    screenshot(page, "find_branch_360")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/find-branch/")
    screenshot(page, "find_branch_desktop")


def test_the_branch_staff_download_their_kit(page, live_server, staff_a, branch_b):
    device = add_totp(staff_a)
    log_in(page, live_server.url, staff_a.username, PASSWORD, code=lambda: current_code(device))
    page.get_by_role("link", name="اطلاع‌رسانی").click()
    rows = page.get_by_test_id("kits").locator("tbody tr")
    assert rows.count() == 1 and "شعبه الف" in rows.inner_text()
    screenshot(page, "outreach_kits_desktop")
    poster = page.request.get(live_server.url + rows.get_by_role("link", name="پوستر A3").get_attribute("href"))
    assert poster.status == 200 and poster.headers["content-type"] == "application/pdf"
    assert page.request.get(f"{live_server.url}/outreach/b2107/poster.pdf").status == 404


def test_hqs_menu_stays_on_one_line_with_the_kit_link(page, live_server, hq_user):
    device = add_totp(hq_user)
    log_in(page, live_server.url, hq_user.username, PASSWORD, code=lambda: current_code(device))
    links = page.locator("#main-nav .nav-link")
    heights = {round(box["height"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
    assert len(heights) == 1, heights  # no label broken over two lines
    assert page.get_by_role("link", name="اطلاع‌رسانی").is_visible()
    screenshot(page, "outreach_hq_nav_desktop")
