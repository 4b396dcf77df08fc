"""Staff see their own branch or office; anything else is a 404 (or 403 for the wrong role)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from conftest import make_branch, make_user
from samt.access import scoped, visible_branches, visible_offices
from samt.models import Branch, BrokerOffice, Membership, Role

pytestmark = pytest.mark.django_db


def test_branch_staff_see_only_their_own_branch(staff_a, branch_a, branch_b):
    assert list(visible_branches(staff_a)) == [branch_a]


def test_hq_of_a_province_sees_its_branches_but_not_another_provinces(hq_user, branch_a, branch_b, other_province):
    far_branch = make_branch(other_province, "3101", "شعبه اصفهان")
    assert set(visible_branches(hq_user)) == {branch_a, branch_b}
    assert far_branch not in visible_branches(hq_user)


def test_national_hq_sees_every_branch(branch_a, other_province):
    far_branch = make_branch(other_province, "3101", "شعبه اصفهان")
    national = make_user("national", role=Role.HQ)
    assert set(visible_branches(national)) == {branch_a, far_branch}


def test_an_operator_sees_only_their_office_and_no_branch(broker_operator, office, branch_a):
    assert list(visible_offices(broker_operator)) == [office]
    assert not visible_branches(broker_operator).exists()


def test_hq_sees_the_offices_of_its_province_and_staff_see_none(hq_user, staff_a, office, other_province):
    far_office = BrokerOffice.objects.create(code="9002", name="کارگزاری اصفهان", province=other_province)
    national = make_user("national", role=Role.HQ)
    assert list(visible_offices(hq_user)) == [office]
    assert set(visible_offices(national)) == {office, far_office}
    assert not visible_offices(staff_a).exists()


def test_insured_and_outsiders_see_nothing(insured_user, branch_a, office):
    assert not visible_branches(insured_user).exists()
    assert not visible_offices(insured_user).exists()


def test_scoped_filters_rows_by_a_branch_path(staff_a, staff_b, branch_a):
    rows = scoped(Membership.objects.all(), staff_a, branch_path="branch")
    assert {m.user.username for m in rows} == {"staff_a"}


def test_staff_open_their_branch_page(client_for, staff_a):
    response = client_for(staff_a).get("/branch/2104/")
    assert response.status_code == 200
    assert "شعبه الف" in response.content.decode()


def test_staff_get_a_persian_404_for_another_branch(client_for, staff_a, branch_b):
    response = client_for(staff_a).get("/branch/2107/")
    assert response.status_code == 404
    assert "صفحه‌ای که خواستید پیدا نشد" in response.content.decode()


def test_branch_home_sends_staff_to_their_own_branch(client_for, clerk_a):
    response = client_for(clerk_a).get("/branch/")
    assert response.headers["Location"] == "/branch/2104/"


def test_an_operator_cannot_open_branch_pages(client_for, broker_operator, branch_a):
    response = client_for(broker_operator).get("/branch/2104/")
    assert response.status_code == 403
    assert "اجازه دیدن این صفحه را ندارید" in response.content.decode()


def test_an_operator_sees_their_office_but_not_another(client_for, broker_operator, office, province):
    BrokerOffice.objects.create(code="1002", name="کارگزاری دیگر", legal_entity_id="10102233458",
                                licence_number="L-1002", responsible_person="x", province=province)
    client = client_for(broker_operator)
    assert "کارگزاری امید" in client.get("/broker/1001/").content.decode()
    assert client.get("/broker/1002/").status_code == 404


def test_hq_opens_any_branch_of_the_province(client_for, hq_user, branch_a, branch_b):
    client = client_for(hq_user)
    assert client.get("/branch/2104/").status_code == 200
    assert client.get("/branch/2107/").status_code == 200


def test_visitors_are_sent_to_login(client, branch_a):
    response = client.get("/branch/2104/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")


def test_insured_cannot_open_staff_pages(client_for, insured_user, branch_a):
    assert client_for(insured_user).get("/branch/2104/").status_code == 403
    assert client_for(insured_user).get("/hq/").status_code == 403


def test_branch_model_refuses_a_code_that_is_not_four_digits(province):
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.create(code="21A4", name="x", province=province, city="x", address="x", opening_hours="x",
                              phone="x")


def test_a_membership_must_match_its_role(branch_a, office):
    user = make_user("mixed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.BROKER_OPERATOR, branch=branch_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.TECHNICAL_STAFF, branch=branch_a, office=office)
