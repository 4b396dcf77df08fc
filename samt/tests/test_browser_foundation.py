"""The foundation's journeys in a real browser: the public home in Persian, staff login with the second
factor (verify and first-time enrolment), branch isolation, and the per-(username, address) lockout."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import TOTP

from conftest import PASSWORD, add_totp, current_code
from samt.tests.browser_support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_HEADING = "برگ پرداخت حق بیمه را بدون مراجعه به شعبه بگیرید و بپردازید"
TECHNICAL_STAFF_LABEL = "کارشناس امور فنی بیمه‌شدگان"
NOT_FOUND = "صفحه‌ای که خواستید پیدا نشد"
LOCKED_OUT = "ورود با این نام کاربری از این نشانی موقتاً بسته شد"
WRONG_PASSWORD = "نام کاربری یا گذرواژه درست نیست"


def path_of(page, live_server) -> str:
    return page.url.removeprefix(live_server.url)


def submit_login(page, live_server, username: str, password: str):
    """Fill the login form as a person would and return the server's answer to the POST."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_response(lambda r: r.request.method == "POST" and "/login/" in r.url) as answer:
        page.get_by_role("button", name="ورود", exact=True).click()
    page.wait_for_load_state()
    return answer.value


def enter_code(page, code: str, button: str) -> None:
    page.fill("#id_token", code)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_a_visitor_sees_the_public_home_in_persian_rtl_with_vazirmatn_and_nothing_from_elsewhere(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")

    html = page.locator("html")
    assert html.get_attribute("lang") == "fa"
    assert html.get_attribute("dir") == "rtl"
    assert page.get_by_role("heading", level=1).inner_text().strip() == HOME_HEADING

    assert page.evaluate("document.fonts.check('16px Vazirmatn')") is True
    # check() is also true when no face is named Vazirmatn at all, so make sure one really loaded.
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/[\"']/g, '') === 'Vazirmatn' && f.status === 'loaded')"
    )
    body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert body_font.replace('"', "").replace("'", "").startswith("Vazirmatn"), body_font

    assert requested, "the page made no requests at all?"
    foreign = [url for url in requested if not url.startswith(live_server.url)]
    assert foreign == [], f"the public home fetched from other hosts: {foreign}"
    screenshot(page, "public_home")


def test_a_visitor_on_a_360px_wide_phone_never_scrolls_sideways(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")

    assert page.get_by_role("heading", level=1).is_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"the page is {scroll_width}px wide on a 360px screen"
    screenshot(page, "public_home_360px")


def test_a_staff_member_logs_in_with_a_code_lands_on_their_branch_and_cannot_open_another(
    page, live_server, staff_a, branch_a, branch_b
):
    device = add_totp(staff_a)

    submit_login(page, live_server, "staff_a", PASSWORD)
    assert path_of(page, live_server).startswith("/otp/verify/")
    assert page.locator("#id_token").is_visible()

    enter_code(page, current_code(device), "تأیید")
    assert path_of(page, live_server) == "/branch/2104/"
    assert branch_a.name in page.get_by_role("heading", level=1).inner_text()
    who = page.get_by_test_id("who").inner_text()
    assert staff_a.display_name in who
    assert TECHNICAL_STAFF_LABEL in who

    response = page.goto(f"{live_server.url}/branch/{branch_b.code}/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text().strip() == NOT_FOUND
    assert branch_b.name not in page.content()
    screenshot(page, "staff_other_branch_404")


def test_a_staff_member_without_a_device_enrols_from_the_qr_page_and_lands_on_their_branch(
    page, live_server, staff_a, branch_a
):
    submit_login(page, live_server, "staff_a", PASSWORD)
    assert path_of(page, live_server).startswith("/otp/enrol/")
    assert page.locator(".qr-box svg").is_visible()

    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    assert secret, "no secret shown for people who cannot scan the QR code"
    code = f"{TOTP(base64.b32decode(secret)).token():06d}"
    screenshot(page, "staff_otp_enrol")

    enter_code(page, code, "تأیید و ادامه")
    assert path_of(page, live_server) == "/branch/2104/"
    assert branch_a.name in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("تأیید دومرحله‌ای فعال شد.").is_visible()
    screenshot(page, "staff_enrolled_branch_home")


def test_five_wrong_passwords_lock_that_username_from_this_address_but_not_another_username(
    page, live_server, staff_a, staff_b
):
    add_totp(staff_a)
    device_b = add_totp(staff_b)

    for attempt in range(1, 5):
        submit_login(page, live_server, "staff_a", f"wrong-password-{attempt}")
        assert page.get_by_text(WRONG_PASSWORD).is_visible(), f"attempt {attempt} was not simply refused"
    submit_login(page, live_server, "staff_a", "wrong-password-5")

    answer = submit_login(page, live_server, "staff_a", PASSWORD)
    assert answer.status == 429
    assert page.get_by_role("heading", level=1).inner_text().strip() == LOCKED_OUT
    assert not path_of(page, live_server).startswith("/otp/")
    screenshot(page, "lockout")

    submit_login(page, live_server, "staff_b", PASSWORD)
    assert path_of(page, live_server).startswith("/otp/verify/")
    enter_code(page, current_code(device_b), "تأیید")
    assert path_of(page, live_server) == "/branch/2107/"
    assert "شعبه ب" in page.get_by_role("heading", level=1).inner_text()
