"""An administrator reads an attempt and its event log in the admin, and cannot change either."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_user
from payments.gateways.registry import get_gateway
from payments.routing import gateway_record_failure
from payments.tests.scenario_support import start
from payments.tests.simulator_client import gateways_setting

pytestmark = pytest.mark.django_db


def test_an_administrator_reads_attempts_and_their_events(slip, insured_user, client_for, portal_gateway):
    attempt = start(slip, insured_user)
    admin_user = make_user("admin")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    browser = client_for(admin_user)
    listing = browser.get(reverse("admin:payments_paymentattempt_changelist"))
    assert listing.status_code == 200 and attempt.order_id in listing.content.decode()
    detail = browser.get(reverse("admin:payments_paymentattempt_change", args=[attempt.pk]))
    assert detail.status_code == 200 and "created-&gt;redirected" in detail.content.decode()
    assert browser.get(reverse("admin:payments_paymentattempt_add")).status_code == 403


def test_an_administrator_sees_which_gateway_is_cooling_off(client_for, settings, transport):
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("sep", "mellat")
    settings.SAMT_PAYMENT_FAILOVER = {"FAILURES_BEFORE_COOL_OFF": 1, "COOL_OFF_SECONDS": 300}
    gateway_record_failure(get_gateway(), "بدون پاسخ")
    admin_user = make_user("admin")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    browser = client_for(admin_user)
    page = browser.get(reverse("admin:payments_gatewayhealth_changelist")).content.decode()
    assert "10012345" in page and "بدون پاسخ" in page
    assert browser.get(reverse("admin:payments_gatewayhealth_add")).status_code == 403
