"""An administrator reads an attempt and its event log in the admin, and cannot change either."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_user
from payments.tests.scenario_support import start

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
