"""Shared fixtures for the browser tests: Debian's Chromium driven by Playwright's sync API.

The root conftest registers this module as a plugin, so any test can ask for `page` (and `browser`);
use pytest-django's `live_server` for the address to open.

No browser is ever downloaded: Playwright launches /usr/bin/chromium. Where it is missing the browser
tests skip with a reason, unless SAMT_REQUIRE_BROWSER=1 (as CI sets), in which case they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("SAMT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SAMT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    # Playwright's sync API runs an asyncio event loop in the test's own thread, so every ORM call a test
    # makes (creating personas, reading a TOTP device) would raise SynchronousOnlyOperation. The loop only
    # drives the browser; the test's database work really is synchronous, so Django's guard is switched off
    # for the browser session only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    saved = {conn.alias: getattr(conn, "_test_serialized_contents", None) for conn in connections.all()}
    with sync_playwright() as p:
        # Starting Playwright switches the test onto a greenlet with a context of its own, where Django hands
        # out fresh connection wrappers that lack the serialized reference data transactional tests restore.
        for alias, contents in saved.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh context (cookies, storage) for every test, so no session leaks from one journey to the next."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fa-IR")
    page = context.new_page()
    refused = watch_the_policy(page)
    yield page
    context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


def watch_the_policy(page) -> list[str]:
    """What the page's Content-Security-Policy refused (an inline script or style, a resource from elsewhere), as
    Chromium reports it on the console; a journey that meets one fails."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    return refused


def screenshot(page, name: str) -> Path:
    """Save the whole page under test-artifacts/ (gitignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, username: str, password: str, *, code: Callable[[], str] | None = None) -> None:
    """Sign in through the login page, and through the second-factor page when `code` gives the TOTP code
    (staff: create their device before calling, so the login sends them to verify rather than enrol)."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="ورود", exact=True).click()
    if code is not None:
        page.fill("#id_token", code())
        with page.expect_navigation():
            page.get_by_role("button", name="تأیید").click()
