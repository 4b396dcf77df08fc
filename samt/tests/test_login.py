"""Login, the role routing after it, the second factor for staff, and the lockout."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, add_totp, current_code
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "ورود با این نام کاربری از این نشانی موقتاً بسته شد"


def login(client: Client, username: str, password: str = PASSWORD, address: str = "10.1.1.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_login_page_is_persian(client):
    body = client.get("/login/").content.decode()
    assert "ورود به سامانه" in body
    assert 'dir="rtl"' in body


def test_a_wrong_password_gets_a_persian_message(client, staff_a):
    response = login(client, "staff_a", "nope")
    assert response.status_code == 200
    assert "نام کاربری یا گذرواژه درست نیست" in response.content.decode()


def test_an_insured_person_lands_on_their_home_without_a_second_factor(client, insured_user):
    response = login(client, insured_user.username)
    assert response.headers["Location"] == "/home/"
    response = client.get("/home/")
    assert response.headers["Location"] == "/me/"
    assert "خوش آمدید" in client.get("/me/").content.decode()


def test_an_insured_username_typed_in_persian_digits_logs_in(client, insured_user):
    response = login(client, "۰۴۹۹۳۷۰۸۹۹")
    assert response.status_code == 302


def test_staff_must_pass_the_second_factor_before_any_page(client, staff_a):
    device = add_totp(staff_a)
    login(client, "staff_a")
    response = client.get("/branch/2104/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/otp/verify/")
    response = client.post("/otp/verify/?next=/branch/2104/", {"token": current_code(device)})
    assert response.headers["Location"] == "/branch/2104/"
    assert client.get("/branch/2104/").status_code == 200


def test_a_wrong_code_is_refused_in_persian(client, staff_a):
    add_totp(staff_a)
    login(client, "staff_a")
    response = client.post("/otp/verify/", {"token": "000000"})
    assert "کد شش‌رقمی درست نیست" in response.content.decode()
    assert client.get("/branch/2104/").status_code == 302


@pytest.mark.parametrize(
    ("fixture", "home"),
    [("staff_a", "/branch/"), ("head_a", "/branch/"), ("clerk_a", "/branch/"), ("broker_operator", "/broker/"),
     ("hq_user", "/hq/")],
)
def test_each_role_is_sent_to_its_home(request, client_for, fixture, home):
    user = request.getfixturevalue(fixture)
    assert client_for(user).get("/home/").headers["Location"] == home


def test_first_login_of_staff_enrols_a_totp_device(client, staff_a):
    login(client, "staff_a")
    response = client.get("/branch/2104/")
    assert response.headers["Location"].startswith("/otp/enrol/")
    page = client.get(response.headers["Location"])
    body = page.content.decode()
    assert "<svg" in body
    secret = page.context["secret"]
    key = base64.b32decode(secret)
    response = client.post("/otp/enrol/?next=/branch/2104/", {"token": f"{TOTP(key).token():06d}"})
    assert response.headers["Location"] == "/branch/2104/"
    assert TOTPDevice.objects.get(user=staff_a).confirmed
    assert AuditEvent.objects.filter(action="auth.otp_enrolled", actor=staff_a).exists()


def test_the_enrol_page_does_not_redirect_outside_the_site(client, staff_a):
    device = add_totp(staff_a)
    login(client, "staff_a")
    response = client.post("/otp/verify/?next=https://evil.example/", {"token": current_code(device)})
    assert response.headers["Location"] == "/home/"


def test_logout_is_post_only(client_for, staff_a):
    client = client_for(staff_a)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/branch/2104/").status_code == 302


def test_login_writes_an_audit_event_with_the_address(client, staff_a):
    login(client, "staff_a", address="10.9.8.7")
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == staff_a
    assert event.client_ip == "10.9.8.7"
    assert event.branch.code == "2104"


class TestLockout:
    def fail(self, client: Client, username: str, address: str, times: int = 5) -> None:
        for _ in range(times):
            login(client, username, "wrong-password", address)

    def test_five_failures_lock_that_username_from_that_address(self, client, staff_a):
        self.fail(client, "staff_a", "10.0.0.1")
        response = login(client, "staff_a", PASSWORD, "10.0.0.1")
        assert response.status_code == 429
        assert LOCKED_TEXT in response.content.decode()
        assert "پس از ۱۵ دقیقه دوباره امتحان کنید" in response.content.decode()

    def test_the_same_username_still_logs_in_from_another_address(self, client, staff_a):
        self.fail(client, "staff_a", "10.0.0.1")
        assert login(Client(), "staff_a", PASSWORD, "10.0.0.2").status_code == 302

    def test_another_username_still_logs_in_from_the_same_address(self, client, staff_a, staff_b):
        self.fail(client, "staff_a", "10.0.0.1")
        assert login(Client(), "staff_b", PASSWORD, "10.0.0.1").status_code == 302

    def test_switching_digit_scripts_buys_no_extra_attempts(self, client, insured_user):
        for spelling in ["0499370899", "۰۴۹۹۳۷۰۸۹۹", "٠٤٩٩٣٧٠٨٩٩", "04993708۹۹", "۰۴99370899"]:
            login(client, spelling, "wrong-password", "10.0.0.3")
        assert login(client, "0499370899", PASSWORD, "10.0.0.3").status_code == 429

    def test_four_failures_do_not_lock(self, client, staff_a):
        self.fail(client, "staff_a", "10.0.0.1", times=4)
        assert login(client, "staff_a", PASSWORD, "10.0.0.1").status_code == 302


def test_a_password_change_is_audited_and_keeps_the_session(client_for, insured_user):
    client = client_for(insured_user)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "a-much-better-pass-99",
                                          "new_password2": "a-much-better-pass-99"})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.password_changed", subject_id=str(insured_user.pk)).exists()
    insured_user.refresh_from_db()
    assert insured_user.check_password("a-much-better-pass-99")


def test_a_weak_new_password_is_refused_in_persian(client_for, insured_user):
    response = client_for(insured_user).post(
        "/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    assert "گذرواژه" in response.content.decode()
    assert response.context["form"].errors["new_password2"]


@pytest.mark.parametrize("persona", ["insured_user", "staff_a", "hq_user"])
def test_nobody_may_change_a_password_to_the_same_one(request, client_for, persona):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(
        "/password/", {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == ["گذرواژه تازه باید با گذرواژه کنونی فرق داشته باشد."]
    assert not AuditEvent.objects.filter(action="auth.password_changed").exists()


def test_unconfirmed_devices_do_not_count(client, staff_a):
    TOTPDevice.objects.create(user=staff_a, name="half", confirmed=False)
    login(client, "staff_a")
    assert client.get("/branch/2104/").headers["Location"].startswith("/otp/enrol/")


def test_the_enrol_page_writes_no_device_until_a_code_is_typed(client, staff_a):
    login(client, "staff_a")
    first = client.get("/otp/enrol/").context["secret"]
    assert client.get("/otp/enrol/").context["secret"] == first  # the same QR code on every visit
    assert not TOTPDevice.objects.filter(user=staff_a).exists()
    client.post("/otp/enrol/", {"token": "000000"})
    [device] = TOTPDevice.objects.filter(user=staff_a)
    assert not device.confirmed
    assert base64.b32encode(device.bin_key).decode() == first
