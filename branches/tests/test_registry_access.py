"""Who may open the registry pages: staff and head of the branch work, HQ looks, everyone else is kept out,
and another branch's person, contract or debt slip is a 404 that reveals nothing."""

from __future__ import annotations

import pytest

from branches.tests.registry_builders import pay_months, register_person
from insured import services
from insured.models import DebtSlip, InsuredPerson
from samt.actors import Actor
from samt.jalali import JalaliMonth

pytestmark = pytest.mark.django_db

NOT_FOUND = "صفحه‌ای که خواستید پیدا نشد"


@pytest.fixture
def contract_a(branch_a, staff_a):
    contract = register_person(branch_a, staff_a, treatment=True)
    pay_months(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 3), per_capita=1_615_000)
    return contract


@pytest.fixture
def debt_slip_a(contract_a, staff_a):
    actor = Actor.for_user(staff_a)
    statement = services.statement_compute(actor=actor, contract=contract_a, year=1404)
    statement = services.statement_issue(actor=actor, statement=statement)
    return services.debt_slip_issue(actor=actor, statement=statement)


def pages_of(contract, slip) -> list[str]:
    person = f"/branch/2104/insured/{contract.insured_id}/"
    statement = f"/branch/2104/contracts/{contract.number}/statements/1404/"
    return [
        "/branch/2104/insured/?q=احمدی", "/branch/2104/insured/new/", person, f"{person}edit/", statement,
        f"/branch/2104/debt-slips/{slip.number}/", f"/branch/2104/debt-slips/{slip.number}/pdf/",
    ]


def test_staff_and_head_of_the_branch_open_every_page(client_for, staff_a, head_a, contract_a, debt_slip_a):
    for user in (staff_a, head_a):
        client = client_for(user)
        for url in pages_of(contract_a, debt_slip_a):
            assert client.get(url).status_code == 200, (user.username, url)


def test_staff_of_another_branch_get_a_404_for_every_page_of_branch_a(client_for, staff_b, contract_a, debt_slip_a):
    client = client_for(staff_b)
    for url in pages_of(contract_a, debt_slip_a):
        response = client.get(url)
        assert response.status_code == 404, url
        assert NOT_FOUND in response.content.decode()
        assert "احمدی" not in response.content.decode()


def actions_of(contract, slip, code: str = "2104") -> list[tuple[str, dict[str, str]]]:
    """Every POST that changes something, with data that would be accepted from the right person."""
    person = f"/branch/{code}/insured/{contract.insured_id}/"
    statement = f"/branch/{code}/contracts/{contract.number}/statements/1404/"
    details = {"first_name": "سارا", "last_name": "احمدی", "father_name": "حسین", "birth_date": "۱۳۶۶/۱۲/۱۵",
               "gender": "F", "mobile": "09121234567", "address": "تهران"}
    dependant = {"first_name": "سینا", "last_name": "احمدی", "national_code": "0499370899", "relation": "child"}
    return [
        (f"{person}edit/", details), (f"{person}dependants/", dependant), (f"{statement}compute/", {}),
        (f"{statement}issue/", {}), (f"{statement}debt-slip/", {}),
        (f"/branch/{code}/debt-slips/{slip.number}/paid/", {"reference": "123456"}),
    ]


def assert_nothing_changed(contract, slip) -> None:
    slip.refresh_from_db()
    assert slip.status == "issued"
    assert DebtSlip.objects.count() == 1
    assert contract.insured.dependants.count() == 0
    assert InsuredPerson.objects.get(pk=contract.insured_id).first_name == "مریم"


@pytest.mark.parametrize("code", ["2104", "2107"])
def test_staff_of_another_branch_change_nothing_of_branch_a_whichever_branch_the_url_names(
    client_for, staff_b, contract_a, debt_slip_a, code
):
    client = client_for(staff_b)
    for url, data in actions_of(contract_a, debt_slip_a, code):
        assert client.post(url, data).status_code == 404, url
    assert_nothing_changed(contract_a, debt_slip_a)


def test_staff_of_another_branch_cannot_open_a_person_through_their_own_branch(client_for, staff_b, contract_a,
                                                                               debt_slip_a):
    client = client_for(staff_b)
    assert client.get(f"/branch/2107/insured/{contract_a.insured_id}/").status_code == 404
    assert client.get(f"/branch/2107/contracts/{contract_a.number}/statements/1404/").status_code == 404
    assert client.get(f"/branch/2107/debt-slips/{debt_slip_a.number}/").status_code == 404


def test_a_search_from_another_branch_finds_nobody_of_branch_a(client_for, staff_b, contract_a):
    response = client_for(staff_b).get("/branch/2107/insured/", {"q": contract_a.insured.national_code})
    assert response.status_code == 200
    assert "نتیجه‌ای پیدا نشد" in response.content.decode()


@pytest.mark.parametrize("persona", ["insured_user", "outsider", "broker_operator", "clerk_a"])
def test_people_who_are_not_technical_staff_head_or_hq_are_refused(request, client_for, persona, contract_a,
                                                                    debt_slip_a):
    client = client_for(request.getfixturevalue(persona))
    for url in pages_of(contract_a, debt_slip_a):
        assert client.get(url).status_code == 403, (persona, url)


def test_a_visitor_is_sent_to_the_login_page(client, contract_a, debt_slip_a):
    for url in pages_of(contract_a, debt_slip_a):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login/")


def test_hq_reads_the_pages_without_action_buttons_and_cannot_change_anything(client_for, hq_user, contract_a,
                                                                             debt_slip_a):
    client = client_for(hq_user)
    statement = client.get(f"/branch/2104/contracts/{contract_a.number}/statements/1404/").content.decode()
    assert "گردش حساب سال ۱۴۰۴" in statement
    assert "صدور دوباره برگ بدهی" not in statement
    person = client.get(f"/branch/2104/insured/{contract_a.insured_id}/").content.decode()
    assert "افزودن فرد تحت تکفل" not in person and "اصلاح مشخصات" not in person
    slip = client.get(f"/branch/2104/debt-slips/{debt_slip_a.number}/").content.decode()
    assert "ثبت پرداخت در باجه شعبه" not in slip
    assert client.get("/branch/2104/insured/new/").status_code == 403
    for url, data in actions_of(contract_a, debt_slip_a):
        assert client.post(url, data).status_code == 403, url
    assert_nothing_changed(contract_a, debt_slip_a)


def test_actions_refuse_a_get(client_for, staff_a, contract_a):
    statement = f"/branch/2104/contracts/{contract_a.number}/statements/1404/"
    assert client_for(staff_a).get(f"{statement}compute/").status_code == 405


def test_a_statement_year_outside_the_contract_is_a_404(client_for, staff_a, contract_a):
    client = client_for(staff_a)
    assert client.get(f"/branch/2104/contracts/{contract_a.number}/statements/1403/").status_code == 404
    next_year = JalaliMonth.current().year + 1
    assert client.get(f"/branch/2104/contracts/{contract_a.number}/statements/{next_year}/").status_code == 404
