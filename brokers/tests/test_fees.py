"""Fee tariffs kept by HQ (audited, never overlapping, fixed once used) and the fee's own receipt, which shows
the tariff it comes from and nothing of the premium but the slip it was for."""

from __future__ import annotations

import subprocess
from io import StringIO

import pytest
from django.core.exceptions import ValidationError

from brokers import services
from brokers.demo import DEMO_APPROVAL, DEMO_FEE, seed_brokers_demo
from brokers.models import FeeTariff
from brokers.tests.conftest import present_walk_in
from conftest import make_user
from samt.actors import Actor
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, Role
from samt.persian import to_persian_digits

pytestmark = pytest.mark.django_db


@pytest.fixture
def fee(tariff, broker_operator, person):
    return services.walk_in_slip_issue(actor=Actor.for_user(broker_operator),
                                      walk_in=present_walk_in(broker_operator, person), end_month=M(1405, 9))


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


def test_the_receipt_shows_the_fee_and_the_tariff_it_comes_from(client_for, broker_operator, fee, tmp_path):
    response = client_for(broker_operator).get(f"/broker/fees/{fee.receipt_number}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "رسید کارمزد کارگزاری" in text
    assert to_persian_digits(fee.receipt_number) in text
    assert "۴۵۰٬۰۰۰" in text
    assert "چهارصد و پنجاه هزار ریال" in text
    assert "۱۲۳/۴۵۶" in text  # the approval reference
    assert "۱۴۰۵/۰۱/۰۱" in text
    assert to_persian_digits(fee.slip.number) in text
    assert "۵۹٬۸۵۱٬۹۸۰" not in text  # the premium is on the slip, not on the fee's receipt
    event = AuditEvent.objects.get(action="broker.fee_receipt_printed")
    assert (event.after["slip"], event.after["fee_receipt"]) == (fee.slip.number, fee.receipt_number)


def test_tariffs_of_one_service_may_not_overlap():
    FeeTariff.objects.create(year=1405, amount=1, approval_reference="الف", effective_from=M(1405, 1).first_day,
                             effective_to=M(1405, 6).last_day)
    clash = FeeTariff(year=1405, amount=2, approval_reference="ب", effective_from=M(1405, 6).first_day,
                      effective_to=M(1405, 12).last_day)
    with pytest.raises(ValidationError, match="تعرفه دیگری ثبت شده"):
        clash.full_clean()


def test_a_tariff_stays_inside_its_jalali_year():
    tariff = FeeTariff(year=1405, amount=1, approval_reference="الف", effective_from=M(1405, 1).first_day,
                       effective_to=M(1406, 1).last_day)
    with pytest.raises(ValidationError, match="هر دو در سال ۱۴۰۵"):
        tariff.full_clean()


@pytest.fixture
def admin_client(client_for, province):
    user = make_user("root", role=Role.HQ, province=province)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return client_for(user)


def test_the_admin_shows_tariffs_but_does_not_change_them(admin_client, fee, tariff):
    assert admin_client.get("/admin/brokers/feetariff/").status_code == 200
    assert admin_client.post(f"/admin/brokers/feetariff/{tariff.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post("/admin/brokers/feetariff/add/", {"year": 1405}).status_code == 403
    assert FeeTariff.objects.get().amount == tariff.amount


def test_a_used_tariff_cannot_end_before_its_last_fee(fee, tariff):
    tariff.effective_to = M(1405, 8).last_day
    with pytest.raises(ValidationError, match="پایان اجرا"):
        tariff.full_clean()


def test_the_hq_tariff_page_marks_the_one_in_force(client_for, hq_user, tariff):
    body = client_for(hq_user).get("/broker/hq/tariffs/").content.decode()
    assert "در حال اجرا" in body
    assert "۴۵۰٬۰۰۰" in body


def test_the_demo_tariff_is_a_marked_demo_figure_and_seeding_twice_changes_nothing(db):
    out = StringIO()
    seed_brokers_demo(out, current=M(1405, 9))
    seed_brokers_demo(out, current=M(1405, 9))
    tariff = FeeTariff.objects.get()
    assert (tariff.amount, tariff.approval_reference) == (DEMO_FEE, DEMO_APPROVAL)
    assert "نمونه آزمایشی" in tariff.approval_reference
    assert (tariff.effective_from, tariff.effective_to) == (M(1405, 1).first_day, M(1405, 12).last_day)
    assert "demo figure" in out.getvalue()


def test_the_demo_leaves_hqs_own_tariff_alone(tariff):
    out = StringIO()
    seed_brokers_demo(out, current=M(1405, 9))
    assert list(FeeTariff.objects.all()) == [tariff]
