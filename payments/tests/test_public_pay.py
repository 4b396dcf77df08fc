"""Pay a slip without a login: by the printed QR's code or by number and national code; what a stranger sees;
one message for every miss; the database throttles per address and per slip; the same state machine pays it."""

from __future__ import annotations

import pytest
from django.test import Client

from insured.models import SlipStatus
from insured.tests.factories import national_code
from payments.models import PaymentAttempt, State
from payments.public_views import NOT_FOUND
from payments.tests.simulator_client import pay
from samt.models import AuditEvent
from samt.throttle import TOO_MANY

pytestmark = pytest.mark.django_db


def page_of(slip) -> str:
    return f"/p/{slip.public_code}/"


def test_the_code_opens_the_slip_with_only_what_a_payer_needs(slip):
    body = Client().get(page_of(slip)).content.decode()
    person = slip.contract.insured
    assert "م*** ر***" in body
    assert person.last_name not in body and person.national_code not in body
    assert person.insurance_number not in body and slip.contract.number not in body
    assert "مهر ۱۴۰۵ تا آذر ۱۴۰۵" in body
    assert "۵۹٬۸۵۱٬۹۸۰ ریال" in body
    assert "۱۴۰۵/۰۹/۳۰" in body
    assert 'data-testid="pay-public"' in body


def test_a_typed_number_needs_the_national_code(slip):
    response = Client().post("/p/", {"number": slip.number, "national_code": slip.contract.insured.national_code})
    assert response.status_code == 302 and response["Location"] == page_of(slip)


def test_a_mismatched_pair_and_an_unknown_number_get_one_message(slip, other_slip):
    stranger = Client()
    mismatched = stranger.post("/p/", {"number": slip.number,
                                       "national_code": other_slip.contract.insured.national_code})
    unknown = stranger.post("/p/", {"number": _another_valid_number(slip.number),
                                    "national_code": slip.contract.insured.national_code})
    unknown_code = stranger.get("/p/not-a-real-code-at-all/")
    for response in (mismatched, unknown, unknown_code):
        assert NOT_FOUND in response.content.decode()
    assert unknown_code.status_code == 404


def _another_valid_number(number: str) -> str:
    """A well-formed document number (its check digit right) that no slip carries."""
    from samt.identifiers import mod11_check_digit

    body = f"{int(number[:-1]) + 1:0{len(number) - 1}d}"
    return f"{body}{mod11_check_digit(body)}"


def test_look_ups_are_throttled_per_address(slip, settings):
    settings.SAMT_THROTTLES = {**settings.SAMT_THROTTLES, "pay_public": (3, 600)}
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    assert [visitor.get(page_of(slip)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert TOO_MANY in visitor.get(page_of(slip)).content.decode()
    assert Client(REMOTE_ADDR="203.0.113.8").get(page_of(slip)).status_code == 200


def test_one_slip_number_is_throttled_across_addresses(slip, settings):
    settings.SAMT_THROTTLES = {**settings.SAMT_THROTTLES, "pay_public_slip": (3, 600)}
    codes = [national_code(4000 + n) for n in range(4)]  # well-formed guesses, each from its own address
    statuses = [Client(REMOTE_ADDR=f"198.51.100.{n}").post("/p/", {"number": slip.number, "national_code": code})
                .status_code for n, code in enumerate(codes)]
    assert statuses == [200, 200, 200, 429]


def test_anyone_holding_the_slip_pays_it_through_the_same_state_machine(slip, portal_gateway):
    daughter = Client()
    hand_off = daughter.post(f"{page_of(slip)}pay/")
    assert hand_off.status_code == 200 and "psp-hand-off" in hand_off.content.decode()
    attempt = PaymentAttempt.objects.get()
    assert (attempt.slip, attempt.started_by, attempt.amount_rial) == (slip, None, slip.total)
    started = AuditEvent.objects.get(action="payment.started")
    assert (started.actor_label, started.role) == ("public", "public")
    fields = pay(Client(), attempt.token)
    result = daughter.get(f"/pay/callback/{attempt.order_id}/", fields, follow=True)
    body = result.content.decode()
    assert "پرداخت با موفقیت انجام شد" in body
    assert f'href="{page_of(slip)}"' in body, "back to the pay-a-slip page, not to a login page"
    attempt.refresh_from_db()
    slip.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and slip.status == SlipStatus.PAID
    again = daughter.get(page_of(slip)).content.decode()
    assert "این برگ پرداخت شده است" in again and 'data-testid="pay-public"' not in again


def test_the_pay_button_is_a_post(slip):
    assert Client().get(f"{page_of(slip)}pay/").status_code == 405


def test_the_home_page_links_to_pay_a_slip(client):
    assert 'href="/p/"' in client.get("/").content.decode()


def test_the_printed_slip_carries_the_pay_link(slip, insured_user):
    from django.test import RequestFactory

    from insured.slip_documents import pay_link, slip_context

    context = slip_context(RequestFactory().get("/"), slip)
    assert context["public_pay_url"] == f"http://testserver{page_of(slip)}"
    assert "<svg" in context["public_pay_qr"]
    assert pay_link(slip).endswith(page_of(slip))
