"""Each province role lands on its own page, scoped to its province, behind the second factor."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from conftest import make_branch, make_user
from insured.services import objection_record
from insured.tests.test_services import debt_statement
from samt.actors import Actor
from samt.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("persona", "home"), [
    ("hq_user", "/hq/"),
    ("technical_expert", "/hq/technical/"),
    ("broker_affairs", "/hq/broker-affairs/"),
    ("data_processor", "/hq/data-processing/"),
])
def test_each_role_lands_on_its_own_home(request, client_for, persona, home):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/home/").headers["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.parametrize("persona", ["technical_expert", "broker_affairs", "data_processor"])
def test_a_province_role_needs_the_second_factor(request, persona):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/hq/technical/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/otp/")


def test_an_expert_may_not_use_another_experts_home(client_for, technical_expert, data_processor, broker_affairs):
    assert client_for(technical_expert).get("/hq/data-processing/").status_code == 403
    assert client_for(data_processor).get("/hq/technical/").status_code == 403
    assert client_for(broker_affairs).get("/hq/technical/").status_code == 403
    assert client_for(data_processor).get("/hq/").status_code == 403


def test_the_manager_reads_every_experts_home(client_for, hq_user):
    client = client_for(hq_user)
    for home in ["/hq/technical/", "/hq/broker-affairs/", "/hq/data-processing/"]:
        assert client.get(home).status_code == 200


def test_the_technical_home_says_what_is_missing(client_for, technical_expert):
    page = client_for(technical_expert).get("/hq/technical/").content.decode()
    assert "سرانه درمان ماهانه هر نفر" in page
    assert "ثبت نشده" in page


def test_data_processing_sees_the_branches_of_its_province_only(client_for, data_processor, branch_a, other_province):
    make_branch(other_province, "1101", "شعبه اصفهان")
    page = client_for(data_processor).get("/hq/data-processing/").content.decode()
    assert branch_a.name in page
    assert "شعبه اصفهان" not in page


def test_broker_affairs_sees_offices_and_the_broker_hq_pages(client_for, broker_affairs, office):
    client = client_for(broker_affairs)
    assert office.name in client.get("/hq/broker-affairs/").content.decode()
    assert client.get("/broker/hq/tariffs/").status_code == 200
    assert client.get("/broker/hq/cases/").status_code == 200
    assert client.get("/hq/audit/").status_code == 200


def test_a_national_role_has_no_province_and_sees_every_province(client_for, branch_a, other_province):
    make_branch(other_province, "1101", "شعبه اصفهان")
    national = make_user("national_dp", role=Role.DATA_PROCESSING)
    page = client_for(national).get("/hq/data-processing/").content.decode()
    assert branch_a.name in page and "شعبه اصفهان" in page
    assert "ستاد سازمان" in page


def test_a_province_role_cannot_be_tied_to_a_branch(province, branch_a):
    user = make_user("odd")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.HQ_TECHNICAL, branch=branch_a)


def test_the_managers_home_lists_open_objections_of_its_province_only(client_for, hq_user, staff_a, branch_a,
                                                                       insured_user, other_province):
    statement = debt_statement(Actor.for_user(staff_a), branch_a)
    person = statement.contract.insured
    person.user = insured_user
    person.save(update_fields=["user"])
    objection_record(actor=Actor.for_user(insured_user), statement=statement, text="ماه فروردین را پرداخته‌ام")
    far_hq = make_user("hq_far", role=Role.HQ, province=other_province)

    body = client_for(hq_user).get("/hq/").content.decode()
    assert person.full_name in body
    assert "۹۱۶٬۰۰۰" in body  # the balance objected to
    statement_url = f"/branch/{branch_a.code}/contracts/{statement.contract.number}/statements/{statement.year}/"
    assert f'href="{statement_url}"' in body
    assert client_for(hq_user).get(statement_url).status_code == 200
    assert person.full_name not in client_for(far_hq).get("/hq/").content.decode()
