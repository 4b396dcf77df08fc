"""payments.md §11, scenario 11 (F13): the way back from SEP in each form it takes — v4.1's GET with Token and
RefNum, v3.3's POST with the full field set — and with the field names in either case. Each goes through our
real callback view with a CSRF-enforcing client, and each pays the slip once."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from insured.models import SlipStatus
from payments.models import PaymentEvent, State
from payments.tests.scenario_support import come_back, covered, events, reload, result_text, start
from payments.tests.simulator_client import change_settings, pay_at_bank, state_of

pytestmark = pytest.mark.django_db


def psp_callback(token: str) -> dict:
    """The return the PSP's receipt page sends the browser on, as the simulator renders it."""
    return state_of(Client(), token)["callback"]


def paid_once(slip, attempt) -> None:
    attempt = reload(attempt)
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    assert covered(slip) == 3


def rename(fields: dict[str, str], renames: dict[str, str]) -> dict[str, str]:
    return {renames.get(name, name): value for name, value in fields.items()}


@pytest.mark.parametrize("names", [{}, {"Token": "token", "RefNum": "refnum"}, {"Token": "TOKEN", "RefNum": "refNum"}],
                         ids=["Token-RefNum", "token-refnum", "TOKEN-refNum"])
def test_11_v41_get_callbacks_in_any_case(slip, insured_user, portal_gateway, names):
    attempt = start(slip, insured_user)
    pay_at_bank(Client(), attempt.token)
    browser = Client(enforce_csrf_checks=True)  # back at our site: no CSRF token comes with the PSP's redirect
    callback = psp_callback(attempt.token)
    assert callback["method"] == "GET" and callback["fields"] == {}
    query = dict(parse_qsl(urlsplit(callback["url"]).query))
    assert set(query) == {"Token", "RefNum"}
    come_back(browser, attempt, rename(query, names))
    paid_once(slip, attempt)
    assert "پرداخت با موفقیت انجام شد" in result_text(browser, attempt)


@pytest.mark.parametrize("names", [{}, {"Token": "token"}], ids=["Token", "token"])
def test_11_v33_post_callbacks_with_every_field(slip, insured_user, portal_gateway, names):
    change_settings(Client(), callback_style="v3.3")
    attempt = start(slip, insured_user)
    pay_at_bank(Client(), attempt.token)
    browser = Client(enforce_csrf_checks=True)  # the PSP's form carries no CSRF token of ours
    callback = psp_callback(attempt.token)
    assert callback["method"] == "POST"
    assert {"State", "Status", "RefNum", "ResNum", "Amount", "SecurePan", "Token"} <= set(callback["fields"])
    come_back(browser, attempt, rename(callback["fields"], names), method="post")
    paid_once(slip, attempt)
    stored = events(attempt, PaymentEvent.Kind.CALLBACK, "POST")[0].data["fields"]
    assert stored["State"] == "OK" and stored["SecurePan"] == "603799******2232"


def test_11_a_refnum_whose_plus_arrived_as_a_space_still_matches(slip, insured_user, portal_gateway):
    attempt = start(slip, insured_user)
    browser = Client()
    pay_at_bank(browser, attempt.token)
    query = dict(parse_qsl(urlsplit(psp_callback(attempt.token)["url"]).query))
    come_back(browser, attempt, {"Token": query["Token"], "RefNum": query["RefNum"].replace("+", " ")})
    paid_once(slip, attempt)


def test_11_a_callback_with_only_the_token_is_enough(slip, insured_user, portal_gateway):
    attempt = start(slip, insured_user)
    browser = Client()
    pay_at_bank(browser, attempt.token)
    come_back(browser, attempt, {"token": attempt.token})
    paid_once(slip, attempt)
