"""Issue 10 item 1: a payment's result page and receipt belong to its payer.

Only the browser that started the payment, the insured who owns the slip and staff whose scope covers it read
them; everyone else gets the unknown-order page. Order numbers do not lead from one payment to another, and a
callback without the PSP's token for that order reveals nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from payments.models import PaymentAttempt, PaymentEvent, State
from payments.selectors import SESSION_KEY
from payments.services import payment_drive
from payments.tests.scenario_support import start, started_in
from payments.tests.simulator_client import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(slip, insured_user, portal_gateway) -> PaymentAttempt:
    attempt = start(slip, insured_user)
    pay(Client(), attempt.token)
    attempt = payment_drive(attempt)
    assert attempt.state == State.SUCCEEDED
    return attempt


def personal(body: str, attempt: PaymentAttempt) -> list[str]:
    """Whatever of the payer's own data appears in `body`."""
    person = attempt.slip.contract.insured
    found = [value for value in (person.first_name, person.last_name, person.national_code,
                                 attempt.slip.number, attempt.bank_ref) if value and value in body]
    return found + (["amount"] if "۵۹٬۸۵۱٬۹۸۰" in body else [])


def pages(attempt: PaymentAttempt) -> list[str]:
    return [reverse("payments:result", args=[attempt.public_key]),
            reverse("payments:receipt_pdf", args=[attempt.public_key])]


def test_the_browser_that_started_the_payment_reads_its_result_and_receipt(paid):
    browser = Client()
    started_in(browser, paid)
    result, receipt = (browser.get(url) for url in pages(paid))
    assert result.status_code == 200 and "پرداخت با موفقیت انجام شد" in result.content.decode()
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"


def test_the_result_page_draws_no_qr_code_it_does_not_show(paid, insured_user, client_for, qr_drawn):
    body = client_for(insured_user).get(pages(paid)[0]).content.decode()
    assert "پرداخت با موفقیت انجام شد" in body
    assert "مهر ۱۴۰۵، آبان ۱۴۰۵، آذر ۱۴۰۵" in body  # the months paid, from the slip's lines
    assert qr_drawn == []


def test_the_insured_who_owns_the_slip_reads_them_from_another_browser(paid, insured_user, client_for):
    owner = client_for(insured_user)
    assert [owner.get(url).status_code for url in pages(paid)] == [200, 200]


@pytest.mark.parametrize(("who", "expected"), [("staff_a", 200), ("hq_user", 200), ("staff_b", 404),
                                               ("broker_operator", 404), ("outsider", 404)])
def test_staff_read_them_only_within_their_scope(paid, client_for, request, who, expected):
    viewer = client_for(request.getfixturevalue(who))
    assert [viewer.get(url).status_code for url in pages(paid)] == [expected, expected]


def test_another_insured_person_gets_the_unknown_order_page(paid, client_for):
    stranger = client_for(make_user("another_insured"))
    for url in pages(paid):
        response = stranger.get(url)
        assert response.status_code == 404
        assert personal(response.content.decode(), paid) == []


def test_an_anonymous_walk_of_order_numbers_reads_nothing_personal(paid, settings):
    """The attack of the issue: walk order numbers through the callback to the result and the receipt (with the
    throttle lifted, so it is the binding, not the limit, that keeps the data)."""
    settings.SAMT_THROTTLES = {**settings.SAMT_THROTTLES, "payment_callback": (1000, 600)}
    anonymous = Client()
    events_before = PaymentEvent.objects.count()
    number = int(paid.order_id)
    readable = []
    for order_id in [paid.order_id, *(str(number + step) for step in range(-50, 50) if step)]:
        response = anonymous.get(reverse("payments:callback", args=[order_id]), follow=True)
        body = response.content.decode()
        if response.status_code != 404 or personal(body, paid):
            readable.append(order_id)
    for url in pages(paid):
        response = anonymous.get(url)
        assert response.status_code == 404 and personal(response.content.decode(), paid) == []
    assert readable == []
    assert PaymentEvent.objects.count() == events_before  # the GETs wrote nothing and drove nothing


def test_order_numbers_do_not_lead_from_one_payment_to_the_next(slip, other_slip, insured_user, outsider,
                                                                portal_gateway):
    first, second = start(slip, insured_user), start(other_slip, outsider)
    assert len(first.order_id) == len(second.order_id) == 18
    assert first.order_id.isdigit() and int(first.order_id) < 2**63
    assert abs(int(second.order_id) - int(first.order_id)) > 1000


def test_callbacks_are_throttled_per_address(slip, insured_user, portal_gateway, settings):
    settings.SAMT_THROTTLES = {**settings.SAMT_THROTTLES, "payment_callback": (3, 600)}
    attempt = start(slip, insured_user)
    anonymous = Client()
    url = reverse("payments:callback", args=[attempt.order_id])
    assert [anonymous.get(url).status_code for _ in range(4)] == [404, 404, 404, 429]
    assert anonymous.get(url, REMOTE_ADDR="10.9.8.7").status_code == 404


def test_result_pages_are_throttled_per_address(paid, settings):
    settings.SAMT_THROTTLES = {**settings.SAMT_THROTTLES, "payment_result": (2, 600)}
    browser = Client()
    started_in(browser, paid)
    url = pages(paid)[0]
    assert [browser.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_the_pay_button_binds_the_browser_to_its_payment(slip, insured_user, client_for, portal_gateway):
    payer = client_for(insured_user)
    payer.post(reverse("payments:pay_slip", args=[slip.number]))
    attempt = PaymentAttempt.objects.get()
    # Without an account (the public pay page) the session is what lets the payer read their outcome.
    assert str(attempt.public_key) in payer.session[SESSION_KEY]
