"""Staff issue the same slip at the counter for a walk-in, scoped to their own branch."""

from __future__ import annotations

import pytest
import time_machine

from insured.models import Channel, Slip
from insured.tests.factories import AZAR_1405, make_contract, pay_months
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def azar_1405():
    with time_machine.travel(AZAR_1405, tick=False):
        yield


@pytest.fixture
def person(staff_a, branch_a):
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    return contract.insured


def test_staff_quote_and_issue_a_counter_slip(client_for, staff_a, person, qr_drawn):
    client = client_for(staff_a)
    quote = client.get(f"/branch/2104/insured/{person.pk}/slip/", {"end": 140508})
    assert quote.context["quote"].total == 2 * 19_950_660
    response = client.post(f"/branch/2104/insured/{person.pk}/slip/issue/",
                           {"end": 140508, "request_key": "counter-1"}, follow=True)
    slip = Slip.objects.get()
    assert (slip.channel, slip.branch.code, slip.issued_by) == (Channel.BRANCH, "2104", staff_a)
    body = response.content.decode()
    assert "برگ پرداخت در باجه صادر شد" in body
    assert "۳۹٬۹۰۱٬۳۲۰ ریال" in body
    assert qr_drawn == []  # the counter's slip page shows no QR code, so it draws none
    pdf = client.get(f"/branch/2104/slips/{slip.number}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"


def test_staff_of_another_branch_cannot_reach_the_person_or_the_slip(client_for, staff_a, staff_b, person):
    client_for(staff_a).post(f"/branch/2104/insured/{person.pk}/slip/issue/", {"end": 140508, "request_key": "k"})
    slip = Slip.objects.get()
    other = client_for(staff_b)
    assert other.get(f"/branch/2107/insured/{person.pk}/slip/").status_code == 404
    assert other.get(f"/branch/2104/insured/{person.pk}/slip/").status_code == 404
    assert other.get(f"/branch/2107/slips/{slip.number}/").status_code == 404


def test_a_broker_operator_cannot_use_the_counter(client_for, broker_operator, person):
    assert client_for(broker_operator).get(f"/branch/2104/insured/{person.pk}/slip/").status_code == 403
