"""The insured's statement pages: each month's line, the debt slip to pay here, "this is not right" to the branch,
and one coherent status on the home page."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from insured import services
from insured.models import StatementObjection
from insured.tests.conftest import code_of, pay, register
from samt.jalali import JalaliMonth as M

pytestmark = pytest.mark.django_db
FARVARDIN_1405 = M(1405, 1).starts_at.replace(hour=10)


@pytest.fixture
def debtor(staff_actor, branch_a, insured_user):
    """Paid 1404 at a per-capita 458,000 lower than the final one for two persons: a 1404 debt of 916,000."""
    contract = register(staff_actor, branch_a, first_month=M(1404, 1), treatment=True)
    services.dependant_add(actor=staff_actor, insured=contract.insured, first_name="رضا", last_name="کاظمی",
                           national_code=code_of(101), relation="spouse")
    pay(contract, M(1404, 1), M(1404, 1), per_capita=1_900_000)
    pay(contract, M(1404, 2), M(1404, 12))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    with time_machine.travel(FARVARDIN_1405):
        call_command("compute_statements", "1404", "--issue", "--quiet")
    return contract


def url(contract, tail: str = "") -> str:
    return f"/me/statements/{contract.number}/1404/{tail}"


def test_the_home_page_says_pay_it_here_and_links_the_statement(client_for, insured_user, debtor):
    with time_machine.travel(FARVARDIN_1405):
        html = client_for(insured_user).get("/me/").content.decode()
    assert "همین‌جا با کارت بپردازید" in html
    assert "مراجعه کنید" not in html
    assert "فعال، در انتظار تسویه گردش حساب سال گذشته" in html
    assert url(debtor) in html
    assert "۹۱۶٬۰۰۰" in html


def test_the_statement_shows_each_month_line_by_line(client_for, insured_user, debtor):
    html = client_for(insured_user).get(url(debtor)).content.decode()
    assert "گردش حساب سال ۱۴۰۴" in html
    assert html.count("<tr>") == 1 + 12  # header and twelve months
    assert "فروردین ۱۴۰۴" in html and "اسفند ۱۴۰۴" in html
    assert "۹۱۶٬۰۰۰ بدهی" in html  # Farvardin's difference
    assert "بدهی ۹۱۶٬۰۰۰ ریال" in html
    assert "پرداخت برگ بدهی با کارت" in html
    assert f'action="/pay/debt/{debtor.statements.get().debt_slips.get().number}/"' in html


def test_another_person_gets_404(client_for, outsider, debtor):
    assert client_for(outsider).get(url(debtor)).status_code == 404
    assert client_for(outsider).post(url(debtor, "object/"), {"text": "x"}).status_code == 404


def test_this_is_not_right_records_an_objection_for_the_branch(client_for, insured_user, debtor, staff_a):
    page = client_for(insured_user).post(url(debtor, "object/"), {"text": "فروردين را كامل پرداخته‌ام"},
                                         follow=True).content.decode()
    objection = StatementObjection.objects.get()
    assert objection.text == "فروردین را کامل پرداخته‌ام"  # Arabic ي/ك normalised
    assert objection.branch == debtor.insured.branch
    assert "در فهرست کارهای شعبه الف قرار گرفت" in page
    work_list = client_for(staff_a).get("/branch/2104/").content.decode()
    assert "اعتراض به گردش حساب (۱)" in work_list and "فروردین را کامل پرداخته‌ام" in work_list
    again = client_for(insured_user).post(url(debtor, "object/"), {"text": "دوباره"}).content.decode()
    assert services.OBJECTION_OPEN in again


def test_the_branch_answers_and_the_insured_reads_it(client_for, insured_user, debtor, staff_a):
    client_for(insured_user).post(url(debtor, "object/"), {"text": "فروردین را کامل پرداخته‌ام"})
    objection = StatementObjection.objects.get()
    client_for(staff_a).post(f"/branch/2104/objections/{objection.pk}/answer/",
                             {"reason": "سرانه فروردین با نرخ قطعی سال حساب شده است."})
    html = client_for(insured_user).get(url(debtor)).content.decode()
    assert "پاسخ شعبه" in html and "سرانه فروردین با نرخ قطعی سال حساب شده است." in html
    assert "اعتراض به گردش حساب (۰)" in client_for(staff_a).get("/branch/2104/").content.decode()


def test_another_branch_cannot_answer(client_for, insured_user, debtor, staff_b):
    client_for(insured_user).post(url(debtor, "object/"), {"text": "نادرست"})
    objection = StatementObjection.objects.get()
    assert client_for(staff_b).post(f"/branch/2104/objections/{objection.pk}/answer/",
                                    {"reason": "x"}).status_code == 404


def test_a_lapsed_person_sees_one_status_and_the_way_back(client_for, staff_actor, branch_a, insured_user):
    contract = register(staff_actor, branch_a, first_month=M(1405, 1))
    pay(contract, M(1405, 1), M(1405, 4))
    contract.insured.user = insured_user
    contract.insured.save(update_fields=["user"])
    with time_machine.travel(M(1405, 9).starts_at.replace(hour=10)):
        html = client_for(insured_user).get("/me/").content.decode()
    assert "باطل‌شده به دلیل عدم پرداخت" in html
    assert ">فعال<" not in html and "فعال،" not in html
    assert "مهلت چهارماهه" in html and "شعبه الف" in html
    assert "قرارداد تازه" not in html  # the way back while four months have not passed is the extension
    with time_machine.travel(M(1405, 11).starts_at.replace(hour=10)):
        html = client_for(insured_user).get("/me/").content.decode()
    assert "راه بازگشت: قرارداد تازه" in html and "همین نام کاربری" in html
