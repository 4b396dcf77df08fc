"""Registering an insured person and their contract in one form: what staff type (Persian digits, Arabic
letters, ۱٫۳۵) is stored in one spelling, and every mistake is named in Persian next to its field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from branches.forms import registry as f
from branches.tests.registry_builders import register_person, valid_national_code
from insured import ledger, services
from insured.models import Contract, InsuredPerson
from samt.actors import Actor
from samt.errors import DomainError
from samt.formatting import rials
from samt.identifiers import INSURANCE_NUMBER_INVALID, MOBILE_INVALID, NATIONAL_CODE_INVALID
from samt.jalali import DATE_TEXT_INVALID, JalaliMonth
from samt.models import AuditEvent
from samt.persian import to_persian_digits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ordibehesht_1404():
    """Registering in Ordibehesht 1404, so a contract from Farvardin 1404 is not lapsed on its first day."""
    with time_machine.travel(JalaliMonth(1404, 2).starts_at + timedelta(days=9, hours=10), tick=True):
        yield

URL = "/branch/2104/insured/new/"
REQUIRED = "این خانه را پر کنید."


def typed(**changes: str) -> dict[str, str]:
    """The form as a staff member fills it in, with Persian digits and an Arabic-keyboard ي in a name."""
    return {
        "national_code": "۰۰۱۱۷۳۵۱۹۸", "insurance_number": "۱۲۳۴۵۶۷۸", "first_name": "علي", "last_name": "رضایی",
        "father_name": "محمد", "birth_date": "۱۳۶۵/۰۵/۱۲", "gender": "M", "mobile": "+98 912 345 6789",
        "address": "تهران، خیابان انقلاب", "rate_code": "02", "wage_ratio": "۱٫۳۵", "monthly_wage": "",
        "first_month": "۱۴۰۴/۰۱", **changes,
    }


def errors_of(response) -> str:
    assert response.status_code == 200, "the form should come back with its errors"
    return response.content.decode()


def test_a_person_and_contract_typed_in_persian_are_stored_in_one_spelling(client_for, staff_a, branch_a):
    response = client_for(staff_a).post(URL, typed())
    person = InsuredPerson.objects.get()
    assert response.headers["Location"] == f"/branch/2104/insured/{person.pk}/"
    assert (person.national_code, person.insurance_number, person.mobile) == ("0011735198", "12345678", "09123456789")
    assert (person.first_name, person.branch) == ("علی", branch_a)
    assert person.birth_date == date(1986, 8, 3)  # 1365/05/12
    contract = Contract.objects.get()
    assert (contract.scheme, contract.rate_code, contract.wage_ratio_hundredths) == ("self_employed", "02", 135)
    assert (contract.first_month, contract.treatment) == (JalaliMonth(1404, 1), False)
    assert AuditEvent.objects.filter(action="insured.registered", actor=staff_a).exists()
    assert AuditEvent.objects.filter(action="contract.created", actor=staff_a).exists()


def test_after_registering_the_person_page_names_the_contract(client_for, staff_a, branch_a):
    html = client_for(staff_a).post(URL, typed(), follow=True).content.decode()
    contract = Contract.objects.get()
    assert f"علی رضایی ثبت شد؛ شماره قرارداد {to_persian_digits(contract.number)}." in html
    assert "۱٫۳۵ برابر حداقل دستمزد" in html


@pytest.mark.parametrize(("ratio", "stored"), [("1.5", 150), ("۲", 200), ("1/35", 135), ("٣٫٠٥", 305), ("7", 700)])
def test_the_wage_ratio_is_read_however_the_decimal_point_is_typed(client_for, staff_a, branch_a, ratio, stored):
    client_for(staff_a).post(URL, typed(wage_ratio=ratio))
    assert Contract.objects.get().wage_ratio_hundredths == stored


def test_a_monthly_wage_is_converted_to_the_ratio_against_this_years_minimum(client_for, staff_a, branch_a):
    current = JalaliMonth.current()
    try:
        monthly_minimum = ledger.wage_in_force(current).min_daily * 30
    except DomainError:
        pytest.skip("this year's minimum wage is not in the rate table yet")
    wage = monthly_minimum * 135 // 100
    client_for(staff_a).post(URL, typed(wage_ratio="", monthly_wage=rials(wage)))
    assert Contract.objects.get().wage_ratio_hundredths == 135


def test_a_voluntary_contract_takes_the_voluntary_scheme(client_for, staff_a, branch_a):
    client_for(staff_a).post(URL, typed(rate_code="VOL", birth_date="۱۳۴۰/۰۱/۰۱"))
    contract = Contract.objects.get()
    assert (contract.scheme, contract.rate_code) == ("voluntary", "VOL")  # and no age limit applies


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"national_code": "۰۰۱۱۷۳۵۱۹۹"}, NATIONAL_CODE_INVALID),
        ({"national_code": ""}, REQUIRED),
        ({"insurance_number": "۱۲۳۴"}, INSURANCE_NUMBER_INVALID),
        ({"first_name": "Ali"}, f.NAME_LETTERS_ONLY),
        ({"father_name": ""}, REQUIRED),
        ({"mobile": "۰۲۱۸۸۸۸۷۷۷۷"}, MOBILE_INVALID),
        ({"birth_date": "۱۳۶۵/۱۳/۰۱"}, DATE_TEXT_INVALID),
        ({"birth_date": "12/05/1365"}, DATE_TEXT_INVALID),
        ({"birth_date": "۱۴۷۰/۰۱/۰۱"}, f.BIRTH_DATE_FUTURE),
        ({"gender": ""}, REQUIRED),
        ({"address": ""}, REQUIRED),
        ({"wage_ratio": "۷٫۵"}, f.RATIO_OUT_OF_RANGE),
        ({"wage_ratio": "0.9"}, f.RATIO_OUT_OF_RANGE),
        ({"wage_ratio": "1.355"}, f.RATIO_INVALID),
        ({"wage_ratio": "یک"}, f.RATIO_INVALID),
        ({"wage_ratio": ""}, f.WAGE_OR_RATIO_MISSING),
        ({"monthly_wage": "200000000"}, f.WAGE_AND_RATIO_BOTH),
        ({"wage_ratio": "", "monthly_wage": "بیست میلیون"}, f.WAGE_INVALID),
        ({"first_month": "۱۴۰۴"}, "ماه را به شکل سال/ماه وارد کنید"),
        ({"rate_code": "VOL", "treatment": "on"}, f.TREATMENT_VOLUNTARY),
    ],
)
def test_each_mistake_is_named_in_persian_and_nothing_is_saved(client_for, staff_a, branch_a, changes, message):
    html = errors_of(client_for(staff_a).post(URL, typed(**changes)))
    assert message in html
    assert "invalid-feedback" in html
    assert "فرم کامل نیست؛ خطاها کنار هر خانه نوشته شده است." in html
    assert not InsuredPerson.objects.exists()


def test_a_monthly_wage_below_the_minimum_names_the_minimum(client_for, staff_a, branch_a):
    html = errors_of(client_for(staff_a).post(URL, typed(wage_ratio="", monthly_wage="۱۰۰٬۰۰۰")))
    assert "دستمزد ماهانه از حداقل دستمزد سال" in html


def test_a_first_month_after_this_month_is_refused(client_for, staff_a, branch_a):
    later = JalaliMonth.current() + 1
    html = errors_of(client_for(staff_a).post(URL, typed(first_month=str(later))))
    assert f.FIRST_MONTH_FUTURE.format(current=JalaliMonth.current().label) in html


def test_a_first_month_with_no_wage_figures_is_refused_with_the_ledgers_reason(client_for, staff_a, branch_a):
    html = errors_of(client_for(staff_a).post(URL, typed(first_month="1390/01")))
    assert "حداقل دستمزد سال ۱۳۹۰ هنوز در سامانه ثبت نشده است" in html


def test_a_self_employed_applicant_older_than_fifty_at_the_first_month_is_refused(client_for, staff_a, branch_a):
    html = errors_of(client_for(staff_a).post(URL, typed(birth_date="۱۳۵۳/۰۱/۰۱", first_month="۱۴۰۴/۰۱")))
    assert "متقاضی در آغاز قرارداد (فروردین ۱۴۰۴) ۵۱ سال دارد" in html
    assert "برای سن ۱۸ تا ۵۰ سال بسته می‌شود" in html
    assert "سابقه پرداخت پیشین" in html


def test_fifty_at_the_first_month_is_still_accepted(client_for, staff_a, branch_a):
    client_for(staff_a).post(URL, typed(birth_date="۱۳۵۴/۰۱/۰۱", first_month="۱۴۰۴/۰۱"))
    assert InsuredPerson.objects.exists()


def test_a_self_employed_applicant_younger_than_eighteen_is_refused(client_for, staff_a, branch_a):
    html = errors_of(client_for(staff_a).post(URL, typed(birth_date="۱۳۸۶/۰۲/۰۱", first_month="۱۴۰۴/۰۱")))
    assert "۱۷ سال دارد" in html
    assert "سابقه پرداخت پیشین" not in html


def test_a_national_code_already_registered_is_refused_with_the_services_message(client_for, staff_a, branch_a):
    register_person(branch_a, staff_a, seed=31)
    response = client_for(staff_a).post(URL, typed(national_code=valid_national_code(31)))
    html = errors_of(response)
    assert "بیمه‌شده‌ای با این کد ملی پیش‌تر ثبت شده است؛ او را جست‌وجو کنید." in html
    assert InsuredPerson.objects.count() == 1


def test_the_form_explains_the_monthly_wage_conversion(client_for, staff_a, branch_a):
    html = client_for(staff_a).get(URL).content.decode()
    assert "ثبت بیمه‌شده و قرارداد" in html
    assert "از ۱ تا ۷، با حداکثر دو رقم اعشار؛ مانند ۱٫۳۵" in html


def test_age_is_counted_in_whole_jalali_years():
    born = date(1975, 3, 20)  # 1353/12/29
    assert f.age_on(born, date(2025, 3, 18)) == 49  # 1403/12/28
    assert f.age_on(born, date(2025, 3, 19)) == 50  # 1403/12/29, the Jalali birthday, a day before the Gregorian


@pytest.mark.parametrize("first_month", ["۱۴۰۳/۰۹", "1398/01"])
def test_a_first_month_that_would_be_lapsed_on_the_day_of_registration_is_refused(client_for, staff_a, branch_a,
                                                                                 first_month):
    html = errors_of(client_for(staff_a).post(URL, typed(first_month=first_month)))
    assert "قراردادی با این ماه همان روز باطل می‌شود. نخستین ماه را بهمن ۱۴۰۳ یا پس از آن انتخاب کنید." in html
    assert not InsuredPerson.objects.exists()


def test_the_service_refuses_it_too(staff_a, branch_a):
    person = services.PersonData(
        national_code=valid_national_code(40), insurance_number="40404040", first_name="مریم", last_name="احمدی",
        father_name="حسین", birth_date=date(1988, 3, 5), gender="F", mobile="", address="")
    with pytest.raises(DomainError, match="همان روز باطل می‌شود"):
        services.insured_register(actor=Actor.for_user(staff_a), person=person, branch_id=branch_a.pk,
                                  contract=services.ContractData("01", 100, JalaliMonth(1403, 9), False))
    assert not InsuredPerson.objects.exists()
