"""The broker office's counter payment (issue 7): an operator starts the card payment of a slip their own
office issued; the insured types the card on the PSP's page; the result page leads back to the office."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from insured.slips import slip_issue
from insured.tests.factories import make_contract, pay_months
from payments import messages as text
from payments.models import PaymentAttempt, State
from payments.tests.scenario_support import come_back, reload, result_text
from payments.tests.simulator_client import pay
from payments.views import broker_slip_url
from samt.actors import Actor
from samt.jalali import JalaliMonth as M
from samt.models import BrokerOffice, OfficeStatus, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_slip(azar_1405, staff_a, branch_a, broker_operator):
    contract = make_contract(staff_a, branch_a, serial=5550001)
    pay_months(contract, M(1405, 1), M(1405, 6))
    return slip_issue(actor=Actor.for_user(broker_operator), contract=contract, end_month=M(1405, 9),
                      channel="broker")


@pytest.fixture
def other_office(province):
    return BrokerOffice.objects.create(code="1002", name="کارگزاری دیگر", legal_entity_id="10102233451",
                                       licence_number="L-1002", responsible_person="سارا نادری", province=province)


def pay_url(slip) -> str:
    return reverse("payments:pay_office_slip", args=[slip.number])


def test_an_operator_starts_the_card_payment_of_their_offices_slip(office_slip, broker_operator, office, client_for,
                                                                   portal_gateway):
    response = client_for(broker_operator).post(pay_url(office_slip))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'action="http://testserver/psp/OnlinePG/OnlinePG"' in page and 'name="Token"' in page
    attempt = PaymentAttempt.objects.get(slip=office_slip)
    assert (attempt.state, attempt.started_by, attempt.office) == (State.REDIRECTED, broker_operator, office)
    assert attempt.amount_rial == office_slip.total


def test_the_result_page_leads_the_operator_back_to_the_offices_slip(office_slip, broker_operator, client_for,
                                                                      portal_gateway):
    operator = client_for(broker_operator)
    operator.post(pay_url(office_slip))
    attempt = PaymentAttempt.objects.get(slip=office_slip)
    come_back(operator, attempt, pay(Client(), attempt.token))
    assert reload(attempt).state == State.SUCCEEDED
    page = result_text(operator, attempt)
    assert "پرداخت با موفقیت انجام شد" in page
    back = broker_slip_url(office_slip.number)
    assert back in {f"/broker/slips/{office_slip.number}/", "/broker/"}  # brokers:slip, or home until it exists
    assert f'href="{back}" data-testid="back-to-office"' in page


def test_an_insured_paying_online_is_not_sent_to_an_office(slip, insured_user, client_for, portal_gateway):
    browser = client_for(insured_user)
    browser.post(reverse("payments:pay_slip", args=[slip.number]))
    attempt = PaymentAttempt.objects.get(slip=slip)
    assert 'data-testid="back-to-office"' not in result_text(browser, attempt)


def test_another_offices_slip_is_not_found(office_slip, other_office, client_for, portal_gateway):
    stranger = make_user("operator_2", role=Role.BROKER_OPERATOR, office=other_office)
    assert client_for(stranger).post(pay_url(office_slip)).status_code == 404
    assert not PaymentAttempt.objects.exists()


def test_a_slip_the_insured_issued_online_is_not_found_at_the_office(slip, broker_operator, client_for,
                                                                    portal_gateway):
    assert client_for(broker_operator).post(pay_url(slip)).status_code == 404


@pytest.mark.parametrize("status", [OfficeStatus.SUSPENDED, OfficeStatus.CLOSED])
def test_an_office_that_is_not_active_takes_no_payment(office_slip, office, broker_operator, client_for,
                                                       portal_gateway, status):
    BrokerOffice.objects.filter(pk=office.pk).update(status=status)
    response = client_for(broker_operator).post(pay_url(office_slip))
    assert response.status_code == 403
    assert text.OFFICE_NOT_ACTIVE.format(status=OfficeStatus(status).label) in response.content.decode()
    assert not PaymentAttempt.objects.exists()


def test_only_a_broker_operator_may_use_it(office_slip, insured_user, staff_a, client_for, portal_gateway):
    assert client_for(insured_user).post(pay_url(office_slip)).status_code == 403
    assert client_for(staff_a).post(pay_url(office_slip)).status_code == 403
    visitor = Client().post(pay_url(office_slip))
    assert visitor.status_code == 302 and visitor["Location"].startswith(reverse("samt:login"))


def test_the_operator_must_have_passed_the_second_factor(office_slip, broker_operator, portal_gateway):
    half_logged_in = Client()
    half_logged_in.force_login(broker_operator)
    response = half_logged_in.post(pay_url(office_slip))
    assert response.status_code == 302 and "/otp/" in response["Location"]
    assert not PaymentAttempt.objects.exists()


def test_it_is_a_post_with_a_csrf_token(office_slip, broker_operator, client_for, portal_gateway):
    operator = client_for(broker_operator)
    assert operator.get(pay_url(office_slip)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = operator.cookies
    assert strict.post(pay_url(office_slip)).status_code == 403
    assert not PaymentAttempt.objects.exists()


def test_an_insured_finds_the_payment_of_their_paid_slip(slip, insured_user, outsider, client_for, portal_gateway):
    browser = client_for(insured_user)
    url = reverse("payments:slip_receipt", args=[slip.number])
    assert browser.get(url).status_code == 404  # not paid yet
    browser.post(reverse("payments:pay_slip", args=[slip.number]))
    attempt = PaymentAttempt.objects.get(slip=slip)
    come_back(browser, attempt, pay(Client(), attempt.token))
    assert browser.get(url)["Location"] == reverse("payments:result", args=[attempt.public_key])
    assert client_for(outsider).get(url).status_code == 404  # someone else's slip


def test_the_offices_slip_page_leads_to_the_receipt_once_paid(office_slip, broker_operator, other_office, client_for,
                                                              portal_gateway):
    """After a counter payment the office's slip page links to the bank's receipt (issue 15); another office
    finds nothing there."""
    operator = client_for(broker_operator)
    receipt = reverse("payments:office_slip_receipt", args=[office_slip.number])
    assert receipt not in operator.get(f"/broker/slips/{office_slip.number}/").content.decode()
    assert operator.get(receipt).status_code == 404  # not paid yet
    operator.post(pay_url(office_slip))
    attempt = PaymentAttempt.objects.get(slip=office_slip)
    come_back(operator, attempt, pay(Client(), attempt.token))
    assert f'href="{receipt}"' in operator.get(f"/broker/slips/{office_slip.number}/").content.decode()
    assert operator.get(receipt)["Location"] == reverse("payments:result", args=[attempt.public_key])
    stranger = make_user("operator_2", role=Role.BROKER_OPERATOR, office=other_office)
    assert client_for(stranger).get(receipt).status_code == 404
