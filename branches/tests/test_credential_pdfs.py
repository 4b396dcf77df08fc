"""The two PDFs people hold: the two-copy request form and the credential letter. Each is rendered through
its view, its text extracted with pdftotext and checked for the Persian fields."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from branches.tests.credential_support import (
    ATTORNEY_CODE,
    approved,
    attorney,
    attorney_identity,
    issued,
    prepared,
    registered,
)
from samt.persian import ZWNJ, normalize
from samt.tests.browser_support import ARTIFACTS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"),
]


def pdf_raw_text(pdf: bytes, name: str) -> str:
    """The PDF's text as pdftotext reads it (logical order, wrapped in bidi marks); the PDF is kept in
    test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def plain(text: str) -> str:
    """Text reduced to what survives extraction: pdftotext drops ZWNJ and moves a space or a colon across
    the bidi boundary it sits on, so compare without any of them (digits become ASCII, bidi marks go)."""
    return "".join(normalize(text).replace(ZWNJ, "").replace(":", "").split())


def pdf_text(pdf: bytes, name: str) -> str:
    return plain(pdf_raw_text(pdf, name))


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])


def test_the_request_form_is_one_a4_page_with_both_copies_and_every_field(client_for, staff_a, insured_person):
    request = registered(staff_a, insured_person)
    response = client_for(staff_a).get(f"/branch/2104/credentials/{request.number}/form.pdf")
    assert response["Content-Type"] == "application/pdf"

    raw = pdf_raw_text(response.content, "credential_request_form")
    text = plain(raw)
    assert page_count(ARTIFACTS / "credential_request_form.pdf") == 1
    assert plain("نسخه اول: پرونده فنی") in text
    assert plain("نسخه دوم: بیمه‌شده") in text
    for value in ("درخواست نام کاربری و گذرواژه سامانه برگ پرداخت حق بیمه", request.secretariat_number,
                  request.number, insured_person.national_code, insured_person.insurance_number, "مریم احمدی",
                  "نام پدر علی", "تاریخ تولد ۱۳۶۴/۰۳/۱۱", "۰۹۱۲۱۲۳۴۵۶۷", "شعبه الف", "کد شعبه ۲۱۰۴", "کارت ملی",
                  "امضای درخواست‌دهنده", "کارشناس امور فنی بیمه‌شدگان", "رئیس شعبه"):
        assert text.count(plain(value)) >= 2, f"{value} is not on both copies"
    # Numbers are printed in Persian digits, the secretariat number as year/branch/sequence.
    assert raw.count(request.secretariat_number_fa) == 2
    assert request.secretariat_number not in raw
    # Every glyph from Vazirmatn: the cut line's scissors are drawn, not a ✂ that only a fallback font (DejaVu) has.
    fonts = subprocess.run(["pdffonts", str(ARTIFACTS / "credential_request_form.pdf")], capture_output=True,
                           check=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[0].split("+")[-1].startswith("Vazirmatn") for line in fonts), fonts


def test_an_attorneys_form_carries_the_power_of_attorney(client_for, staff_a, insured_person):
    request = registered(staff_a, insured_person, identity=attorney_identity(), attorney=attorney())
    text = pdf_text(client_for(staff_a).get(f"/branch/2104/credentials/{request.number}/form.pdf").content,
                    "credential_request_form_attorney")
    for value in ("رضا محمدی", ATTORNEY_CODE, "وکیل و وکالتنامه", "1405-8821", "شماره ۱۱۸ تهران",
                  "به وکالت از مریم احمدی", "وکیل بیمه‌شده"):
        assert text.count(plain(value)) >= 2, value


def test_a_draft_has_no_form_to_print_yet(client_for, staff_a, insured_person):
    draft = prepared(staff_a, insured_person)
    response = client_for(staff_a).get(f"/branch/2104/credentials/{draft.number}/form.pdf")
    assert response.status_code == 302


def test_the_letter_shows_the_password_once_and_the_copy_never(client_for, staff_a, head_a, insured_person):
    request = approved(staff_a, head_a, insured_person)
    client = client_for(staff_a)
    response = client.post(f"/branch/2104/credentials/{request.number}/allocate/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]

    text = pdf_text(response.content, "credential_letter")
    assert page_count(ARTIFACTS / "credential_letter.pdf") == 1
    password = re.search(r"گذرواژهنخستینورود([a-z0-9]{12})", text)
    assert password, text
    insured_person.refresh_from_db()
    assert insured_person.user.check_password(password[1])
    request.refresh_from_db()
    for value in ("محرمانه", "گیرنده مریم احمدی", insured_person.national_code, "شعبه الف",
                  "نام کاربری و گذرواژه سامانه برگ پرداخت حق بیمه", "نام کاربری (کد ملی شما)",
                  request.secretariat_number, "در نخستین ورود باید گذرواژه تازه‌ای بگذارید"):
        assert plain(value) in text, value

    copy = pdf_text(client.get(f"/branch/2104/credentials/{request.number}/letter.pdf").content,
                    "credential_letter_copy")
    assert password[1] not in copy
    assert plain("رونوشت — بدون گذرواژه") in copy
    assert plain("گذرواژه فقط یک بار، در نامه اصلی، چاپ شد") in copy
    assert insured_person.national_code in copy


def test_the_password_never_reaches_the_database_in_plain_text(staff_a, head_a, insured_person):
    allocation = issued(staff_a, head_a, insured_person)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert allocation.password not in repr(row), f"the password is stored in {table}"
