"""Issue 10 item 8 (d): a payment's result page and receipt, which a payer may open without a login, tell every
cache not to keep them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from payments.tests.scenario_support import start, started_in

pytestmark = pytest.mark.django_db


def test_the_result_and_the_receipt_are_not_kept_by_any_cache(slip, insured_user, portal_gateway):
    attempt = start(slip, insured_user)
    payer = Client()
    started_in(payer, attempt)
    for url in (reverse("payments:result", args=[attempt.public_key]),
                reverse("payments:receipt_pdf", args=[attempt.public_key])):
        response = payer.get(url)
        assert "no-store" in response["Cache-Control"], (url, response.status_code)
