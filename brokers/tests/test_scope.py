"""Office scope: an office reaches only the slips it issued, the fees it recorded and the walk-ins its own
operator started; everything else is a 404 that says nothing about whether it exists."""

from __future__ import annotations

import pytest

from brokers import services
from brokers.tests.conftest import present_walk_in
from insured.models import Channel
from insured.slips import slip_issue
from insured.tests.factories import make_contract, pay_months
from samt.actors import Actor
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued_by_b(tariff, operator_b, person):
    """A slip, its fee and its walk-in, all at the other office (1002)."""
    walk_in = present_walk_in(operator_b, person)
    fee = services.walk_in_slip_issue(actor=Actor.for_user(operator_b), walk_in=walk_in, end_month=M(1405, 9))
    return fee


def urls_of(fee) -> list[str]:
    return [f"/broker/slips/{fee.slip.number}/", f"/broker/slips/{fee.slip.number}/pdf/",
            f"/broker/fees/{fee.receipt_number}/pdf/", f"/broker/walk-in/{fee.walk_in.key}/",
            f"/broker/walk-in/{fee.walk_in.key}/quote/"]


def test_another_offices_slip_fee_and_walk_in_are_404(client_for, broker_operator, issued_by_b):
    client = client_for(broker_operator)
    for url in urls_of(issued_by_b):
        assert client.get(url).status_code == 404, url
    base = f"/broker/walk-in/{issued_by_b.walk_in.key}/"
    for action in ("send-code/", "verify-code/", "card-check/", "issue/"):
        assert client.post(base + action, {"code": "123456", "end": 140509}).status_code == 404, action


def test_the_issuing_office_reaches_them(client_for, operator_b, issued_by_b):
    client = client_for(operator_b)
    for url in urls_of(issued_by_b)[:3]:
        assert client.get(url).status_code == 200, url


def test_a_colleague_in_the_same_office_sees_the_slip_but_not_the_walk_in(client_for, tariff, broker_operator,
                                                                          second_operator, person):
    walk_in = present_walk_in(broker_operator, person)
    fee = services.walk_in_slip_issue(actor=Actor.for_user(broker_operator), walk_in=walk_in, end_month=M(1405, 9))
    client = client_for(second_operator)
    assert client.get(f"/broker/slips/{fee.slip.number}/").status_code == 200
    assert client.get(f"/broker/walk-in/{walk_in.key}/quote/").status_code == 404


def test_slips_issued_online_or_at_a_branch_are_not_an_offices(client_for, broker_operator, staff_a, contract,
                                                              insured_user):
    online = slip_issue(actor=Actor.for_user(insured_user), contract=contract, end_month=M(1405, 7),
                        channel=Channel.ONLINE)
    counter = slip_issue(actor=Actor.for_user(staff_a), contract=contract, end_month=M(1405, 8),
                         channel=Channel.BRANCH)
    client = client_for(broker_operator)
    for slip in (online, counter):
        assert client.get(f"/broker/slips/{slip.number}/").status_code == 404
        assert client.get(f"/broker/slips/{slip.number}/pdf/").status_code == 404
    assert client.get("/broker/slips/").context["page"].paginator.count == 0


def test_the_slip_list_shows_only_the_offices_own(client_for, tariff, broker_operator, issued_by_b, staff_a,
                                                  branch_a):
    mine = make_contract(staff_a, branch_a, serial=4440001)
    pay_months(mine, M(1405, 1), M(1405, 6))
    own = services.walk_in_slip_issue(actor=Actor.for_user(broker_operator),
                                     walk_in=present_walk_in(broker_operator, mine.insured), end_month=M(1405, 7))
    page = client_for(broker_operator).get("/broker/slips/").context["page"]
    assert [slip.number for slip in page] == [own.slip.number]


def test_hq_sees_its_provinces_offices_but_another_province_does_not(client_for, hq_user, other_hq, issued_by_b):
    for url in urls_of(issued_by_b)[:3]:
        assert client_for(hq_user).get(url).status_code == 200, url
        assert client_for(other_hq).get(url).status_code == 404, url


def test_hq_cannot_carry_on_an_operators_walk_in(client_for, hq_user, issued_by_b):
    assert client_for(hq_user).get(f"/broker/walk-in/{issued_by_b.walk_in.key}/quote/").status_code == 403


def test_nobody_else_reaches_broker_pages(client, client_for, staff_a, insured_user, issued_by_b):
    for user in (staff_a, insured_user):
        for url in urls_of(issued_by_b)[:3]:
            assert client_for(user).get(url).status_code == 403
    assert client.get(urls_of(issued_by_b)[0]).status_code == 302  # visitors: to the login page


def test_a_walk_in_url_never_names_the_person(issued_by_b):
    for url in urls_of(issued_by_b):
        assert str(issued_by_b.slip.contract.insured_id) not in url.split("/")
        assert issued_by_b.slip.contract.insured.national_code not in url
