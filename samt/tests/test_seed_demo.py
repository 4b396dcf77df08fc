"""The demo data: one account per role, printed with its password, and safe to load twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from samt.models import Branch, BrokerOffice, Membership, Role, User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_creates_every_role_and_prints_the_accounts(settings):
    settings.DEBUG = True
    printed = seed()
    assert Branch.objects.count() == 2
    assert BrokerOffice.objects.count() == 1
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values) - {Role.INSURED}
    for username in ["head_2104", "staff_2107", "clerk_2104", "broker_1001", "hq_tehran", "tech_tehran",
                     "brokers_tehran", "dp_tehran"]:
        assert username in printed
    assert "samt-demo-1405" in printed
    assert User.objects.get(username="staff_2104").check_password("samt-demo-1405")


def test_running_it_twice_changes_nothing(settings):
    settings.DEBUG = True
    first = seed()
    counts = (User.objects.count(), Membership.objects.count(), TOTPDevice.objects.count())
    second = seed()
    assert (User.objects.count(), Membership.objects.count(), TOTPDevice.objects.count()) == counts
    assert first == second


def test_the_printed_totp_code_is_the_one_the_login_accepts(settings, client):
    settings.DEBUG = True
    seed()
    out = StringIO()
    call_command("totp_code", "staff_2104", stdout=out)
    client.post("/login/", {"username": "staff_2104", "password": "samt-demo-1405"})
    response = client.post("/otp/verify/", {"token": out.getvalue().strip()})
    assert response.headers["Location"] == "/home/"


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        seed()
    assert not User.objects.exists()
