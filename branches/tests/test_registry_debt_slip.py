"""Debt slips: issued from an issued statement, printed as an A4 PDF in Persian, recorded paid at the counter
with a receipt number, which settles the statement."""

from __future__ import annotations

import re
import subprocess

import pytest

from branches.tests.registry_builders import PER_CAPITA_1403, pay_months, register_person
from insured import services
from insured.models import AccountStatement, DebtSlip, DebtSlipStatus, StatementStatus
from samt.actors import Actor
from samt.jalali import JalaliMonth
from samt.models import AuditEvent
from samt.persian import to_persian_digits
from samt.tests.browser_support import ARTIFACTS

pytestmark = pytest.mark.django_db

DEBT = 8_916_000
DEBT_IN_WORDS = "هشت میلیون و نهصد و شانزده هزار ریال"


@pytest.fixture
def issued_statement(branch_a, staff_a):
    contract = register_person(branch_a, staff_a, treatment=True)
    pay_months(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 12), per_capita=PER_CAPITA_1403)
    actor = Actor.for_user(staff_a)
    statement = services.statement_compute(actor=actor, contract=contract, year=1404)
    return services.statement_issue(actor=actor, statement=statement)


def issue_url(statement) -> str:
    return f"/branch/2104/contracts/{statement.contract.number}/statements/1404/debt-slip/"


def slip_url(slip, action: str = "") -> str:
    return f"/branch/2104/debt-slips/{slip.number}/{action}"


def test_issuing_a_debt_slip_opens_its_page_with_the_amount_in_figures_and_words(client_for, staff_a,
                                                                                  issued_statement):
    response = client_for(staff_a).post(issue_url(issued_statement))
    slip = DebtSlip.objects.get()
    assert response.headers["Location"] == slip_url(slip)
    html = client_for(staff_a).get(slip_url(slip)).content.decode()
    assert slip.amount == DEBT
    assert "۸٬۹۱۶٬۰۰۰" in html
    assert DEBT_IN_WORDS in html
    assert "صادرشده، در انتظار پرداخت" in html
    assert "ثبت پرداخت در باجه شعبه" in html


def test_a_debt_slip_needs_an_issued_statement(client_for, staff_a, branch_a):
    contract = register_person(branch_a, staff_a, seed=5, treatment=True)
    pay_months(contract, JalaliMonth(1404, 1), JalaliMonth(1404, 2), per_capita=PER_CAPITA_1403)
    client = client_for(staff_a)
    url = f"/branch/2104/contracts/{contract.number}/statements/1404/debt-slip/"
    assert services.STATEMENT_NOT_ISSUED in client.post(url, follow=True).content.decode()
    client.post(url.replace("debt-slip/", "compute/"))
    assert services.STATEMENT_NOT_ISSUED in client.post(url, follow=True).content.decode()
    assert not DebtSlip.objects.exists()


def test_issuing_again_voids_the_first_slip_which_then_says_so(client_for, staff_a, issued_statement):
    client = client_for(staff_a)
    client.post(issue_url(issued_statement))
    first = DebtSlip.objects.get()
    assert "صدور دوباره برگ بدهی (برگ قبلی باطل می‌شود)" in client.get(
        issue_url(issued_statement).replace("debt-slip/", "")).content.decode()
    client.post(issue_url(issued_statement))
    first.refresh_from_db()
    assert first.status == DebtSlipStatus.VOIDED
    html = client.get(slip_url(first)).content.decode()
    assert "این برگ با صدور برگ بدهی تازه باطل شده است" in html
    assert "ثبت پرداخت در باجه شعبه" not in html
    refused = client.post(slip_url(first, "paid/"), {"reference": "55667788"}, follow=True).content.decode()
    assert services.DEBT_SLIP_NOT_OPEN in refused


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    # pdftotext marks right-to-left runs with bidi controls and drops ZWNJ; neither matters for reading.
    return re.sub("[\u202a-\u202e\u200c]", "", text.decode())


def test_the_pdf_is_an_a4_persian_document_with_number_amount_in_words_and_qr(client_for, staff_a, issued_statement):
    slip = services.debt_slip_issue(actor=Actor.for_user(staff_a), statement=issued_statement)
    response = client_for(staff_a).get(slip_url(slip, "pdf/"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="debt-slip-{slip.number}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "registry_debt_slip_view.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Pages:           1" in info
    assert "595.276 x 841.89 pts (A4)" in info
    text = pdf_text(pdf)
    for expected in ("برگ بدهی ایام گذشته", "سازمان تأمین اجتماعی", to_persian_digits(slip.number),
                     DEBT_IN_WORDS.replace("\u200c", ""), "۸٬۹۱۶٬۰۰۰", "کارشناس امور فنی بیمهشدگان", "رئیس شعبه",
                     issued_statement.contract.insured.full_name, "کد شعبه ۲۱۰۴"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=False).stdout.decode()
    assert "Vazirmatn" in fonts or fonts == ""
    # The branch's phone in the order it is dialled, not "۰۰۰۰۰۰۰۰-۰۲۱" (WeasyPrint ignores unicode-bidi).
    assert "۰۲۱-۰۰۰۰۰۰۰۰" in text and "۰۰۰۰۰۰۰۰-۰۲۱" not in text


def test_recording_it_paid_settles_the_statement_and_says_so(client_for, staff_a, issued_statement):
    slip = services.debt_slip_issue(actor=Actor.for_user(staff_a), statement=issued_statement)
    client = client_for(staff_a)
    response = client.post(slip_url(slip, "paid/"), {"reference": "۹۸۷۶۵۴۳۲۱"})
    assert response.headers["Location"] == f"/branch/2104/contracts/{issued_statement.contract.number}/statements/1404/"
    html = client.get(response.headers["Location"]).content.decode()
    assert f"پرداخت برگ بدهی {to_persian_digits(slip.number)} ثبت شد و گردش حساب سال ۱۴۰۴ تسویه‌شده است." in html
    assert "✓ تسویه‌شده" in html
    assert "✓ پرداخت‌شده با برگ بدهی" in html
    slip.refresh_from_db()
    assert (slip.status, slip.payment_reference) == (DebtSlipStatus.PAID, "987654321")
    assert AccountStatement.objects.get().status == StatementStatus.SETTLED
    assert AuditEvent.objects.filter(action="debt_slip.paid", actor=staff_a).exists()
    assert "ثبت پرداخت در باجه شعبه" not in client.get(slip_url(slip)).content.decode()
    pdf = client.get(slip_url(slip, "pdf/")).content
    (ARTIFACTS / "registry_debt_slip_paid.pdf").write_bytes(pdf)
    assert "با رسید 987654321" in pdf_text(pdf)


@pytest.mark.parametrize("reference", ["", "12", "۱۲ ۳۴ ۵۶", "رسید۱۲۳۴"])
def test_a_bad_receipt_number_is_refused_next_to_the_field(client_for, staff_a, issued_statement, reference):
    slip = services.debt_slip_issue(actor=Actor.for_user(staff_a), statement=issued_statement)
    response = client_for(staff_a).post(slip_url(slip, "paid/"), {"reference": reference})
    assert response.status_code == 200
    html = response.content.decode()
    assert "invalid-feedback" in html
    assert "این خانه را پر کنید" in html or "شماره رسید را بدون فاصله" in html
    slip.refresh_from_db()
    assert slip.status == DebtSlipStatus.ISSUED


def test_a_receipt_number_used_for_another_slip_is_refused(client_for, staff_a, branch_a, issued_statement):
    first = services.debt_slip_issue(actor=Actor.for_user(staff_a), statement=issued_statement)
    client = client_for(staff_a)
    client.post(slip_url(first, "paid/"), {"reference": "11223344"})
    other = register_person(branch_a, staff_a, seed=9, treatment=True)
    pay_months(other, JalaliMonth(1404, 1), JalaliMonth(1404, 1), per_capita=PER_CAPITA_1403)
    actor = Actor.for_user(staff_a)
    statement = services.statement_issue(actor=actor, statement=services.statement_compute(
        actor=actor, contract=other, year=1404))
    second = services.debt_slip_issue(actor=actor, statement=statement)
    html = client.post(slip_url(second, "paid/"), {"reference": "11223344"}, follow=True).content.decode()
    assert services.RECEIPT_USED in html
    second.refresh_from_db()
    assert second.status == DebtSlipStatus.ISSUED
