"""The person page: details and their correction (audited), dependants, the contract, and the ledger as a
Jalali timeline that reads without colour."""

from __future__ import annotations

import re

import pytest

from branches.forms.registry import DEPENDANT_IS_INSURED, NAME_LETTERS_ONLY
from branches.tests.registry_builders import pay_months, register_person, valid_national_code
from branches.views.registry import ledger_timeline
from insured import ledger, services
from insured.models import ContractStatus, Dependant
from insured.timeline import NOT_DUE, OUTSIDE, PAID, UNPAID
from samt.actors import Actor
from samt.identifiers import NATIONAL_CODE_INVALID
from samt.jalali import JalaliMonth
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db

TIR_1404 = JalaliMonth(1404, 4)


@pytest.fixture
def contract(branch_a, staff_a):
    """First month Tir 1404, paid Tir to Esfand 1404."""
    contract = register_person(branch_a, staff_a, first_month=TIR_1404)
    pay_months(contract, TIR_1404, JalaliMonth(1404, 12), slip_number="400001237")
    return contract


def person_url(contract, action: str = "") -> str:
    return f"/branch/2104/insured/{contract.insured_id}/{action}"


def states(timeline, year: int) -> list[str]:
    return [cell.state for cell in next(row for row in timeline if row.year == year).cells]


def test_the_timeline_runs_from_the_contracts_first_year_to_this_year(contract):
    current = JalaliMonth(1405, 9)
    timeline = ledger_timeline(contract, current)
    assert [row.year for row in timeline] == [1404, 1405]
    assert states(timeline, 1404) == [OUTSIDE] * 3 + [PAID] * 9
    assert states(timeline, 1405) == [UNPAID] * 9 + [NOT_DUE] * 3
    assert (timeline[0].paid, timeline[1].unpaid) == (9, 9)


def test_months_paid_ahead_of_this_month_show_as_paid(contract):
    timeline = ledger_timeline(contract, JalaliMonth(1404, 6))
    assert states(timeline, 1404) == [OUTSIDE] * 3 + [PAID] * 9


def test_the_page_shows_details_contract_and_a_timeline_with_text_for_each_cell(client_for, staff_a, contract):
    html = client_for(staff_a).get(person_url(contract)).content.decode()
    insured = contract.insured
    assert insured.full_name in html and "حسین" in html and "۱۳۶۶/۱۲/۱۵" in html
    assert "۱٫۳۵ برابر حداقل دستمزد" in html
    assert "مشاغل آزاد — نرخ ۱۲٪" in html
    assert "آخرین ماه پرداخت‌شده" in html and "اسفند ۱۴۰۴" in html
    # Each state has a symbol and words, not only a colour; the legend says what they mean.
    assert "پرداخت‌شده</li>" in html and "پرداخت‌نشده</li>" in html and "هنوز سررسید نشده</li>" in html
    assert html.count('class="lg-cell lg-paid" title=') == 9
    paid_title = re.search(r'title="تیر ۱۴۰۴: پرداخت‌شده، ([۰-۹٬]+) ریال، برگ ۴۰۰۰۰۱۲۳۷"', html)
    assert paid_title, "a paid month tells its amount and slip number on hover"
    assert "<span class=\"visually-hidden\">تیر ۱۴۰۴: پرداخت‌شده" in html
    assert "خرداد ۱۴۰۴: پیش از قرارداد" in html
    assert f'href="/branch/2104/contracts/{contract.number}/statements/1404/"' in html


def test_the_page_says_when_online_issuance_is_closed_and_why(client_for, staff_a, contract):
    html = client_for(staff_a).get(person_url(contract)).content.decode()
    reason = ledger.standing(contract, JalaliMonth.current()).blocked_by
    assert reason  # lapsed, or the 1404 statement not issued: either way the branch must act
    assert "صدور برگ پرداخت بسته است." in html
    assert reason in html


def test_a_person_with_a_lapsed_and_a_new_contract_shows_the_active_one_and_links_the_other(
    client_for, staff_a, contract, branch_a
):
    contract.status = ContractStatus.LAPSED
    contract.save(update_fields=["status"])
    newer = services.contract_create(actor=Actor.for_user(staff_a), insured=contract.insured,
                                     data=services.ContractData(rate_code="03", wage_ratio_hundredths=200,
                                                                first_month=JalaliMonth(1405, 1), treatment=False),
                                     now=JalaliMonth(1405, 1).starts_at)
    client = client_for(staff_a)
    html = client.get(person_url(contract)).content.decode()
    assert "۲٫۰۰ برابر حداقل دستمزد" in html
    assert f'href="?contract={contract.number}"' in html
    older = client.get(person_url(contract), {"contract": contract.number}).content.decode()
    assert "۱٫۳۵ برابر حداقل دستمزد" in older and "باطل به دلیل عدم پرداخت" in older
    assert newer.number != contract.number


def test_correcting_details_goes_through_the_service_and_is_audited(client_for, staff_a, contract):
    client = client_for(staff_a)
    form = client.get(person_url(contract, "edit/")).content.decode()
    assert 'value="۱۳۶۶/۱۲/۱۵"' in form
    data = {"first_name": "مريم", "last_name": "احمدی", "father_name": "حسین", "birth_date": "1366/12/15",
            "gender": "F", "mobile": "۰۹۳۵۱۱۱۲۲۳۳", "address": "شیراز، خیابان زند"}
    response = client.post(person_url(contract, "edit/"), data, follow=True)
    assert "مشخصات بیمه‌شده به‌روز شد." in response.content.decode()
    insured = contract.insured
    insured.refresh_from_db()
    assert (insured.mobile, insured.address, insured.first_name) == ("09351112233", "شیراز، خیابان زند", "مریم")
    event = AuditEvent.objects.get(action="insured.updated")
    assert event.actor == staff_a
    assert (event.before["mobile"], event.after["mobile"]) == ("09121234567", "09351112233")


def test_saving_without_changes_says_nothing_changed_and_writes_no_event(client_for, staff_a, contract):
    data = {"first_name": "مریم", "last_name": "احمدی", "father_name": "حسین", "birth_date": "۱۳۶۶/۱۲/۱۵",
            "gender": "F", "mobile": "09121234567", "address": "تهران، خیابان آزادی"}
    html = client_for(staff_a).post(person_url(contract, "edit/"), data, follow=True).content.decode()
    assert "چیزی تغییر نکرد." in html
    assert not AuditEvent.objects.filter(action="insured.updated").exists()


def test_a_bad_correction_is_named_next_to_the_field(client_for, staff_a, contract):
    data = {"first_name": "Maryam", "last_name": "احمدی", "father_name": "حسین", "birth_date": "۱۳۶۶/۱۲/۱۵",
            "gender": "F", "mobile": "09121234567", "address": "تهران"}
    response = client_for(staff_a).post(person_url(contract, "edit/"), data)
    assert response.status_code == 200
    assert NAME_LETTERS_ONLY in response.content.decode()


def test_a_dependant_is_added_and_listed(client_for, staff_a, contract):
    data = {"first_name": "سینا", "last_name": "احمدی", "national_code": valid_national_code(41), "relation": "child"}
    html = client_for(staff_a).post(person_url(contract, "dependants/"), data, follow=True).content.decode()
    assert "سینا احمدی به افراد تحت تکفل افزوده شد." in html
    assert "سینا احمدی — فرزند" in html
    assert AuditEvent.objects.filter(action="insured.dependant_added").exists()


def test_the_same_dependant_twice_is_refused_with_the_services_message(client_for, staff_a, contract):
    data = {"first_name": "سینا", "last_name": "احمدی", "national_code": valid_national_code(41), "relation": "child"}
    client = client_for(staff_a)
    client.post(person_url(contract, "dependants/"), data)
    html = client.post(person_url(contract, "dependants/"), data, follow=True).content.decode()
    assert "این فرد پیش‌تر به‌عنوان فرد تحت تکفل ثبت شده است." in html
    assert Dependant.objects.count() == 1


@pytest.mark.parametrize(("code", "message"), [("۰۰۱۱۷۳۵۱۹۹", NATIONAL_CODE_INVALID), ("own", DEPENDANT_IS_INSURED)])
def test_a_bad_dependant_is_refused_on_the_person_page(client_for, staff_a, contract, code, message):
    code = contract.insured.national_code if code == "own" else code
    data = {"first_name": "سینا", "last_name": "احمدی", "national_code": code, "relation": "child"}
    response = client_for(staff_a).post(person_url(contract, "dependants/"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "<details class=\"card\" open>" in html
    assert not Dependant.objects.exists()
