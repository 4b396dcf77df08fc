"""The ledger's texts: the year-end statement (settled, or a debt with its pay link), the gate open again, and the
lapse reminder that the person may turn off — each once."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from insured import services
from insured.models import AccountStatement
from insured.reminders import lapse_warnings_send
from insured.tests.conftest import pay, register
from insured.tests.test_yearend import province_of_1404, run, statement_of  # noqa: F401  (a fixture)
from samt.jalali import TEHRAN
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, SmsMessage

pytestmark = pytest.mark.django_db


def texts(prefix: str) -> list[str]:
    return list(SmsMessage.objects.filter(event_key__startswith=prefix).order_by("id").values_list("text", flat=True))


def test_the_year_end_run_tells_each_person_once(province_of_1404):  # noqa: F811
    run("1404", "--issue", "--quiet")
    settled = texts("statement.issued:")
    assert len(settled) == 2
    assert any("بستانکارید" in text for text in settled)
    assert all("صدور اینترنتی برگ" in text for text in settled)
    debts = texts("debt_slip.issued:")
    debt_slip = statement_of(province_of_1404["debt"]).debt_slips.get()
    link = f"http://127.0.0.1:8000/p/{debt_slip.public_code}/"
    assert f"گردش حساب سال ۱۴۰۴: بدهی ۹۱۶٬۰۰۰ ریال.\nپرداخت برگ بدهی: {link}" in debts
    run("1404", "--issue", "--quiet")
    assert SmsMessage.objects.count() == 4


def test_paying_the_debt_slip_says_the_gate_is_open_once(province_of_1404, staff_actor):  # noqa: F811
    pay(province_of_1404["debt"], M(1404, 2), M(1404, 12))
    run("1404", "--issue", "--quiet")
    slip = statement_of(province_of_1404["debt"]).debt_slips.get()
    for _ in range(2):
        services.debt_slip_mark_paid(actor=staff_actor, debt_slip=slip, reference="RCPT-1", paid_at=slip.issued_at)
    assert texts("gate.open:") == ["بدهی گردش حساب سال ۱۴۰۴ پرداخت و تسویه شد. صدور اینترنتی برگ حق بیمه برای شما "
                                   "دوباره باز است."]


def test_a_statement_issued_by_hand_with_nothing_owed_is_told(staff_actor, branch_a):
    contract = register(staff_actor, branch_a, seed=9, first_month=M(1404, 1))
    pay(contract, M(1404, 1), M(1404, 12))
    with time_machine.travel("2026-04-01T10:00+03:30"):
        statement = services.statement_compute(actor=staff_actor, contract=contract, year=1404)
        services.statement_issue(actor=staff_actor, statement=statement)
    assert texts("statement.issued:") == [
        "گردش حساب سال ۱۴۰۴ صادر و تسویه شد. صدور اینترنتی برگ حق بیمه برای شما باز است."]
    assert AccountStatement.objects.get().status == "settled"


AZAR_10_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=TEHRAN)  # 10 Azar 1405


@pytest.fixture
def near_lapse(staff_actor, branch_a):
    """Paid to Mordad 1405: in Azar, Shahrivar is three months back; unpaid through Azar, Dey voids it."""
    contract = register(staff_actor, branch_a, seed=11, first_month=M(1405, 1))
    pay(contract, M(1405, 1), M(1405, 5))
    return contract


def test_one_month_before_a_lapse_the_person_is_reminded_once(near_lapse):
    with time_machine.travel(AZAR_10_NOON):
        assert lapse_warnings_send() == 1
        assert lapse_warnings_send() == 0
    assert texts("lapse.warning:") == [
        "یادآوری: حق بیمه از شهریور ۱۴۰۵ پرداخت نشده. اگر تا پایان آذر ۱۴۰۵ نپردازید، قرارداد بیمه باطل می‌شود."]
    assert SmsMessage.objects.get().reminder


def test_no_reminder_a_month_earlier_or_at_night(near_lapse):
    with time_machine.travel(datetime(2026, 11, 1, 12, 0, tzinfo=TEHRAN)):  # 10 Aban: two months back
        assert lapse_warnings_send() == 0
    with time_machine.travel(datetime(2026, 12, 1, 23, 0, tzinfo=TEHRAN)):
        assert lapse_warnings_send() == 0


def test_an_extended_contract_is_reminded_a_month_later(near_lapse):
    near_lapse.lapse_extension_used = True
    near_lapse.save(update_fields=["lapse_extension_used"])
    with time_machine.travel(AZAR_10_NOON):
        assert lapse_warnings_send() == 0
    with time_machine.travel(datetime(2026, 12, 31, 12, 0, tzinfo=TEHRAN)):  # 10 Dey
        assert lapse_warnings_send() == 1


def test_a_person_who_turned_reminders_off_gets_none(near_lapse, insured_user, client):
    near_lapse.insured.user = insured_user
    near_lapse.insured.save(update_fields=["user"])
    client.force_login(insured_user)
    assert "خاموش کردن یادآوری‌ها" in client.get("/me/").content.decode()
    response = client.post("/me/reminders/", {"on": "0"}, follow=True)
    assert "پیامک‌های یادآوری خاموش شد" in response.content.decode()
    assert AuditEvent.objects.filter(action="insured.sms_reminders").get().after == {"on": False}
    with time_machine.travel(AZAR_10_NOON):
        assert lapse_warnings_send() == 0
    client.post("/me/reminders/", {"on": "1"})
    with time_machine.travel(AZAR_10_NOON):
        assert lapse_warnings_send() == 1
