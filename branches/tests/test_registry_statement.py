"""The statement page: compute and recompute, the lines with their totals, issue, and the Persian outcome of
each action (debt, credit, nothing owed)."""

from __future__ import annotations

import pytest

from branches.tests.registry_builders import PER_CAPITA_1403, pay_months, register_person
from insured import services
from insured.models import AccountStatement, StatementStatus
from samt.jalali import JalaliMonth
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db

FARVARDIN, ESFAND = JalaliMonth(1404, 1), JalaliMonth(1404, 12)
PER_CAPITA_1404 = 2_358_000
DEBT = (PER_CAPITA_1404 - PER_CAPITA_1403) * 12  # treatment for one person charged at 1403's figure all year


@pytest.fixture
def owing(branch_a, staff_a):
    contract = register_person(branch_a, staff_a, treatment=True)
    pay_months(contract, FARVARDIN, ESFAND, per_capita=PER_CAPITA_1403)
    return contract


def url(contract, action: str = "") -> str:
    return f"/branch/2104/contracts/{contract.number}/statements/1404/{action}"


def page(client, contract) -> str:
    return client.get(url(contract)).content.decode()


def test_before_computing_the_page_says_so_and_offers_the_button(client_for, staff_a, owing):
    html = page(client_for(staff_a), owing)
    assert "محاسبه‌نشده" in html
    assert "محاسبه گردش حساب" in html


def test_computing_shows_the_debt_the_twelve_lines_and_their_totals(client_for, staff_a, owing):
    client = client_for(staff_a)
    response = client.post(url(owing, "compute/"), follow=True)
    html = response.content.decode()
    assert "گردش حساب سال ۱۴۰۴ محاسبه شد: بدهی ۸٬۹۱۶٬۰۰۰ ریال." in html
    assert DEBT == 8_916_000
    assert "محاسبه‌شده، هنوز صادر نشده" in html
    assert html.count("<th scope=\"row\" class=\"fw-normal\">") == 12
    assert "فروردین ۱۴۰۴" in html and "اسفند ۱۴۰۴" in html
    assert "۷۴۳٬۰۰۰" in html  # each month's difference: 2,358,000 − 1,615,000
    assert "۲۸٬۲۹۶٬۰۰۰" in html  # per-capita due over the year: 12 × 2,358,000
    statement = AccountStatement.objects.get(contract=owing, year=1404)
    assert statement.balance == DEBT
    assert AuditEvent.objects.filter(action="statement.computed", actor=staff_a).count() == 1


def test_it_can_be_recomputed_until_it_is_issued(client_for, staff_a, owing):
    client = client_for(staff_a)
    client.post(url(owing, "compute/"))
    html = client.post(url(owing, "compute/"), follow=True).content.decode()
    assert "محاسبه شد" in html
    assert AccountStatement.objects.filter(contract=owing, year=1404).count() == 1


def test_issuing_a_statement_with_a_debt_keeps_it_open_until_the_debt_slip_is_paid(client_for, staff_a, owing):
    client = client_for(staff_a)
    client.post(url(owing, "compute/"))
    html = client.post(url(owing, "issue/"), follow=True).content.decode()
    assert "گردش حساب سال ۱۴۰۴ صادر شد؛ بدهی ۸٬۹۱۶٬۰۰۰ ریال." in html
    assert "تا پرداخت برگ بدهی، صدور اینترنتی سال بعد بسته می‌ماند." in html
    assert "صادرشده — بدهی پرداخت‌نشده" in html
    assert "صدور برگ بدهی" in html
    assert AccountStatement.objects.get(contract=owing).status == StatementStatus.ISSUED


def test_an_issued_statement_is_not_recomputed(client_for, staff_a, owing):
    client = client_for(staff_a)
    client.post(url(owing, "compute/"))
    client.post(url(owing, "issue/"))
    html = client.post(url(owing, "compute/"), follow=True).content.decode()
    assert services.STATEMENT_ALREADY_ISSUED in html
    assert "alert-danger" in html


def test_issuing_before_computing_says_what_to_do_first(client_for, staff_a, owing):
    html = client_for(staff_a).post(url(owing, "issue/"), follow=True).content.decode()
    assert "گردش حساب سال ۱۴۰۴ هنوز محاسبه نشده است؛ نخست آن را محاسبه کنید." in html
    assert not AccountStatement.objects.exists()


def test_a_year_paid_at_the_final_rates_is_settled_as_soon_as_it_is_issued(client_for, staff_a, branch_a):
    contract = register_person(branch_a, staff_a, seed=2)
    pay_months(contract, FARVARDIN, ESFAND)
    client = client_for(staff_a)
    assert "بی‌حساب" in client.post(url(contract, "compute/"), follow=True).content.decode()
    html = client.post(url(contract, "issue/"), follow=True).content.decode()
    assert "گردش حساب تسویه‌شده است." in html
    assert "✓ تسویه‌شده" in html
    assert "صدور برگ بدهی" not in html
    refused = client.post(url(contract, "debt-slip/"), follow=True).content.decode()
    assert services.NO_DEBT in refused


def test_a_year_paid_above_the_final_rates_shows_a_credit_for_the_branch_to_refund(client_for, staff_a, branch_a):
    contract = register_person(branch_a, staff_a, seed=3, treatment=True)
    pay_months(contract, FARVARDIN, ESFAND, per_capita=PER_CAPITA_1404 + 1_000)
    html = client_for(staff_a).post(url(contract, "compute/"), follow=True).content.decode()
    assert "بستانکاری ۱۲٬۰۰۰ ریال (برای بازپرداخت به دست شعبه)" in html
    assert "بستانکار" in html and "−۱٬۰۰۰" in html


def test_the_current_year_is_not_computed_even_by_a_hand_made_post(client_for, staff_a, owing):
    url_1405 = f"/branch/2104/contracts/{owing.number}/statements/1405/compute/"
    html = client_for(staff_a).post(url_1405, follow=True).content.decode()
    assert "گردش حساب سال ۱۴۰۵ تا پایان آن سال محاسبه و صادر نمی‌شود" in html
    assert not AccountStatement.objects.filter(year=1405).exists()
