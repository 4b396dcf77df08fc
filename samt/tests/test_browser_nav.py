"""The menu button on a phone, with our few lines of JavaScript in place of Bootstrap's, and without any."""

from __future__ import annotations

import pytest

from samt.tests.browser_support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_on_a_phone_the_menu_button_opens_and_closes_the_menu(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    menu_link = page.locator("#main-nav").get_by_role("link", name="محاسبه حق بیمه")
    toggle = page.locator("[data-samt-toggle]")
    assert not menu_link.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"

    toggle.click()
    assert menu_link.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    screenshot(page, "nav_open_360")

    toggle.click()
    assert not menu_link.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"


def test_without_javascript_the_menu_is_open_and_the_button_hidden(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="fa-IR", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        menu_link = page.locator("#main-nav").get_by_role("link", name="محاسبه حق بیمه")
        assert menu_link.is_visible()
        assert not page.locator("[data-samt-toggle]").is_visible()
        menu_link.click()
        assert page.url.startswith(f"{live_server.url}/calculator/")
    finally:
        context.close()


def test_on_a_desktop_the_menu_shows_without_a_button(page, live_server):
    page.goto(f"{live_server.url}/")
    assert page.locator("#main-nav").get_by_role("link", name="محاسبه حق بیمه").is_visible()
    assert not page.locator("[data-samt-toggle]").is_visible()
