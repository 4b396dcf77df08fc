"""The lookup: both identifiers, validated and matched exactly; a miss says nothing about which one was wrong."""

from __future__ import annotations

import pytest

from brokers.models import WalkInSession
from brokers.services import NOT_FOUND
from insured.tests.factories import make_contract, national_code, pay_months
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, SmsMessage
from samt.persian import to_persian_digits

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client_for, broker_operator):
    return client_for(broker_operator)


def look_up(client, code: str, number: str):
    return client.post("/broker/walk-in/", {"national_code": code, "insurance_number": number})


def test_the_page_asks_for_both_numbers_and_nothing_else(operator_client):
    body = operator_client.get("/broker/walk-in/").content.decode()
    assert 'name="national_code"' in body
    assert 'name="insurance_number"' in body
    assert "جست‌وجو با نام ممکن نیست" in body


def test_both_numbers_find_the_person_and_open_a_walk_in(operator_client, person, broker_operator):
    response = look_up(operator_client, person.national_code, person.insurance_number)
    walk_in = WalkInSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/broker/walk-in/{walk_in.key}/"
    assert (walk_in.person, walk_in.operator, walk_in.office.code) == (person, broker_operator, "1001")
    assert walk_in.present_at is None
    event = AuditEvent.objects.get(action="broker.lookup")
    assert event.office.code == "1001"
    assert event.after["operator"] == "operator"


def test_persian_digits_and_spaces_are_accepted(operator_client, person):
    code = to_persian_digits(person.national_code)
    response = look_up(operator_client, f"{code[:3]}-{code[3:9]}-{code[9]}", to_persian_digits(person.insurance_number))
    assert response.status_code == 302


@pytest.mark.parametrize("which", ["national_code", "insurance_number", "both"])
def test_a_miss_gives_one_message_whichever_number_was_wrong(operator_client, person, which):
    code = national_code(7654321) if which in ("national_code", "both") else person.national_code
    number = "99999999" if which in ("insurance_number", "both") else person.insurance_number
    response = look_up(operator_client, code, number)
    assert response.status_code == 200
    body = response.content.decode()
    assert NOT_FOUND in body
    assert person.full_name not in body
    assert not WalkInSession.objects.exists()
    assert AuditEvent.objects.filter(action="broker.lookup_missed").count() == 1


def test_a_partial_insurance_number_finds_nobody(operator_client, person):
    look_up(operator_client, person.national_code, person.insurance_number[:-1])
    look_up(operator_client, person.national_code, person.insurance_number + "0")
    assert not WalkInSession.objects.exists()


def test_a_national_code_with_a_wrong_check_digit_is_refused_before_any_search(operator_client, person):
    wrong = person.national_code[:-1] + str((int(person.national_code[-1]) + 1) % 10)
    body = look_up(operator_client, wrong, person.insurance_number).content.decode()
    assert "کد ملی معتبر نیست" in body
    assert not AuditEvent.objects.filter(action__startswith="broker.lookup").exists()


@pytest.mark.parametrize("number", ["1234567", "12345678901", "12ab5678"])
def test_an_insurance_number_of_the_wrong_shape_is_refused(operator_client, person, number):
    body = look_up(operator_client, person.national_code, number).content.decode()
    assert "شماره بیمه باید ۸ تا ۱۰ رقم باشد" in body


def test_one_number_alone_is_not_enough(operator_client, person):
    body = operator_client.post("/broker/walk-in/", {"national_code": person.national_code}).content.decode()
    assert "این خانه را پر کنید" in body
    assert not WalkInSession.objects.exists()


def test_the_query_string_searches_nothing(operator_client, person):
    response = operator_client.get("/broker/walk-in/", {"national_code": person.national_code,
                                                        "insurance_number": person.insurance_number})
    assert person.full_name not in response.content.decode()
    assert not WalkInSession.objects.exists()


def test_before_presence_only_a_masked_mobile_is_shown(operator_client, person):
    response = look_up(operator_client, person.national_code, person.insurance_number)
    body = operator_client.get(response["Location"]).content.decode()
    assert "۰۹۱۲***۴۵۶۷" in body
    assert person.full_name not in body
    assert person.last_name not in body


def test_branch_staff_and_insured_cannot_use_the_lookup(client_for, staff_a, insured_user, hq_user):
    for user in (staff_a, insured_user, hq_user):
        assert client_for(user).get("/broker/walk-in/").status_code == 403


def test_a_lapsed_person_is_refused_at_the_lookup_before_any_code_is_sent(operator_client, staff_a, branch_a):
    """The operator learns the gate at once, not after the insured has read out an SMS code (issue 15)."""
    contract = make_contract(staff_a, branch_a, serial=5550004)
    pay_months(contract, M(1405, 1), M(1405, 4))
    response = look_up(operator_client, contract.insured.national_code, contract.insured.insurance_number)
    body = response.content.decode()
    assert response.status_code == 200 and "باطل شده" in body
    assert not WalkInSession.objects.exists() and not SmsMessage.objects.exists()
    assert AuditEvent.objects.filter(action="broker.lookup_refused").count() == 1


def test_the_statement_gate_is_said_at_the_lookup(operator_client, staff_a, branch_a):
    contract = make_contract(staff_a, branch_a, serial=5550003, first_month=M(1404, 1))
    pay_months(contract, M(1404, 1), M(1405, 7))
    body = look_up(operator_client, contract.insured.national_code, contract.insured.insurance_number).content.decode()
    assert "گردش حساب سال ۱۴۰۴" in body
    assert not WalkInSession.objects.exists()
