"""Quote and issuance at the counter: only after presence; through slip_issue (channel broker, office and
operator recorded); the fee always the tariff in force, recorded with the slip in one transaction."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from brokers import services
from brokers.models import FeeRecord, FeeTariff
from brokers.tests.conftest import FEE_1405, present_walk_in
from insured.models import Channel, Slip
from insured.tests.factories import make_contract, pay_months
from samt.actors import Actor
from samt.errors import DomainError
from samt.identifiers import has_valid_check_digit
from samt.jalali import TEHRAN
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, SmsMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client_for, broker_operator):
    return client_for(broker_operator)


@pytest.fixture
def walk_in(broker_operator, person):
    return present_walk_in(broker_operator, person)


AZAR = M(1405, 9)


def issue(operator, walk_in, end=AZAR, key="", **kwargs) -> FeeRecord:
    return services.walk_in_slip_issue(actor=Actor.for_user(operator), walk_in=walk_in, end_month=end,
                                      request_key=key, **kwargs)


class TestTheService:
    def test_it_issues_through_slip_issue_and_records_the_tariffs_fee(self, tariff, walk_in, broker_operator):
        fee = issue(broker_operator, walk_in)
        slip = fee.slip
        assert (slip.channel, slip.office.code, slip.issued_by) == (Channel.BROKER, "1001", broker_operator)
        assert (slip.first_month, slip.last_month, slip.total) == (M(1405, 7), M(1405, 9), 59_851_980)
        assert (fee.amount, fee.tariff, fee.office.code, fee.operator) == (FEE_1405, tariff, "1001", broker_operator)
        assert has_valid_check_digit(fee.receipt_number)
        assert fee.receipt_number.startswith("8")

    def test_the_audit_event_names_office_operator_slip_and_fee(self, tariff, walk_in, broker_operator):
        fee = issue(broker_operator, walk_in)
        event = AuditEvent.objects.get(action="broker.slip_issued")
        assert event.office.code == "1001"
        assert event.actor == broker_operator
        assert event.subject_id == str(fee.slip.pk)
        assert event.after["office"] == "1001"
        assert event.after["operator"] == "operator"
        assert event.after["slip"] == fee.slip.number
        assert (event.after["fee"], event.after["fee_receipt"]) == (FEE_1405, fee.receipt_number)
        # slip_issue's own event carries the office too, through the Actor
        assert AuditEvent.objects.get(action="slip.issued").office.code == "1001"

    def test_the_insured_gets_an_sms_with_premium_fee_and_office(self, tariff, walk_in, broker_operator,
                                                                 django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            issue(broker_operator, walk_in)
        slip_text, fee_text = SmsMessage.objects.filter(to="09121234567").order_by("id").values_list("text", flat=True)
        assert "۵۹٬۸۵۱٬۹۸۰ ریال" in slip_text and "/p/" in slip_text
        assert "۴۵۰٬۰۰۰ ریال" in fee_text
        assert "کارگزاری امید" in fee_text
        assert "جدا از حق بیمه" in fee_text

    def test_without_a_tariff_in_force_nothing_is_issued(self, walk_in, broker_operator):
        with pytest.raises(DomainError, match=services.NO_TARIFF):
            issue(broker_operator, walk_in)
        assert not Slip.objects.exists()
        assert not FeeRecord.objects.exists()

    def test_the_fee_is_the_tariff_in_force_on_the_day(self, broker_operator, person):
        FeeTariff.objects.create(year=1405, amount=400_000, approval_reference="الف",
                                 effective_from=M(1405, 1).first_day, effective_to=date(2026, 11, 30))
        FeeTariff.objects.create(year=1405, amount=520_000, approval_reference="ب",
                                 effective_from=date(2026, 12, 1), effective_to=M(1405, 12).last_day)
        first = issue(broker_operator, present_walk_in(broker_operator, person), end=M(1405, 7))
        assert first.amount == 400_000
        with time_machine.travel(date(2026, 12, 1).isoformat() + "T09:00+03:30", tick=False):
            second = issue(broker_operator, present_walk_in(broker_operator, person), end=M(1405, 8))
        assert (second.amount, second.tariff.approval_reference) == (520_000, "ب")

    def test_two_tariffs_in_force_at_once_refuse_rather_than_choose(self, tariff, walk_in, broker_operator):
        FeeTariff.objects.create(year=1405, amount=1, approval_reference="دوم", effective_from=M(1405, 9).first_day,
                                 effective_to=M(1405, 9).last_day)
        with pytest.raises(DomainError, match="بیش از یک تعرفه"):
            issue(broker_operator, walk_in)

    def test_a_repeated_form_makes_one_slip_and_one_fee(self, tariff, walk_in, broker_operator,
                                                        django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = issue(broker_operator, walk_in, key="form-1")
            again = issue(broker_operator, walk_in, key="form-1")
        assert first == again
        assert (Slip.objects.count(), FeeRecord.objects.count(), SmsMessage.objects.count()) == (1, 1, 2)

    def test_presence_older_than_thirty_minutes_issues_nothing(self, tariff, broker_operator, person):
        stale = present_walk_in(broker_operator, person, minutes_ago=31)
        with pytest.raises(DomainError, match=services.NOT_PRESENT):
            issue(broker_operator, stale)

    def test_a_walk_in_never_proven_issues_nothing(self, tariff, broker_operator, person):
        walk_in = services.walk_in_start(actor=Actor.for_user(broker_operator), national_code=person.national_code,
                                         insurance_number=person.insurance_number)
        with pytest.raises(DomainError, match=services.NOT_PRESENT):
            issue(broker_operator, walk_in)

    def test_the_statement_gate_binds_at_a_broker(self, tariff, staff_a, branch_a, broker_operator):
        contract = make_contract(staff_a, branch_a, serial=5550003, first_month=M(1404, 1))
        pay_months(contract, M(1404, 1), M(1405, 7))
        walk_in = present_walk_in(broker_operator, contract.insured)
        with pytest.raises(DomainError, match="گردش حساب سال ۱۴۰۴"):
            issue(broker_operator, walk_in)
        assert not FeeRecord.objects.exists()

    def test_a_lapsed_contract_issues_nothing_at_a_broker(self, tariff, staff_a, branch_a, broker_operator):
        contract = make_contract(staff_a, branch_a, serial=5550004)
        pay_months(contract, M(1405, 1), M(1405, 4))
        with pytest.raises(DomainError, match="باطل شده"):
            issue(broker_operator, present_walk_in(broker_operator, contract.insured))


class TestThePages:
    def test_no_quote_without_presence(self, operator_client, tariff, broker_operator, person):
        walk_in = services.walk_in_start(actor=Actor.for_user(broker_operator), national_code=person.national_code,
                                         insurance_number=person.insurance_number)
        response = operator_client.get(f"/broker/walk-in/{walk_in.key}/quote/")
        assert response.status_code == 302
        assert response["Location"] == f"/broker/walk-in/{walk_in.key}/"
        followed = operator_client.get(response["Location"])
        assert "quote" not in followed.context
        assert "۱۹٬۹۵۰٬۶۶۰" not in followed.content.decode()

    def test_no_issue_without_presence(self, operator_client, tariff, broker_operator, person):
        walk_in = services.walk_in_start(actor=Actor.for_user(broker_operator), national_code=person.national_code,
                                         insurance_number=person.insurance_number)
        operator_client.post(f"/broker/walk-in/{walk_in.key}/issue/", {"end": 140509, "request_key": "k"})
        assert not Slip.objects.exists()

    def test_an_expired_presence_sends_the_operator_back_to_the_lookup(self, operator_client, tariff,
                                                                      broker_operator, person):
        stale = present_walk_in(broker_operator, person, minutes_ago=31)
        response = operator_client.get(f"/broker/walk-in/{stale.key}/quote/", follow=True)
        assert response.redirect_chain[-1][0] == "/broker/walk-in/"
        assert "سی‌دقیقه‌ای" in response.content.decode()

    def test_the_quote_shows_premium_and_fee_apart(self, operator_client, tariff, walk_in, person):
        response = operator_client.get(f"/broker/walk-in/{walk_in.key}/quote/", {"end": 140509})
        body = response.content.decode()
        assert response.context["quote"].total == 59_851_980
        assert person.full_name in body
        assert "۴۵۰٬۰۰۰ ریال" in body
        assert "۱۲۳/۴۵۶ مورخ ۱۴۰۴/۱۲/۲۰" in body
        assert "جدا از حق بیمه" in body

    def test_without_a_tariff_the_quote_says_so_and_offers_no_issue(self, operator_client, walk_in):
        response = operator_client.get(f"/broker/walk-in/{walk_in.key}/quote/")
        body = response.content.decode()
        assert services.NO_TARIFF in body
        assert "disabled" in body

    def test_issuing_leads_to_the_brokers_slip_page(self, operator_client, tariff, walk_in, qr_drawn):
        response = operator_client.post(f"/broker/walk-in/{walk_in.key}/issue/",
                                        {"end": 140509, "request_key": "k1"}, follow=True)
        slip = Slip.objects.get()
        assert response.redirect_chain[-1][0] == f"/broker/slips/{slip.number}/"
        body = response.content.decode()
        assert "برگ پرداخت صادر و کارمزد ثبت شد" in body
        assert "۵۹٬۸۵۱٬۹۸۰ ریال" in body
        assert "۴۵۰٬۰۰۰ ریال" in body
        # The pay-without-login code the page shows, and not the verify code it does not.
        assert qr_drawn == [f"http://testserver/p/{slip.public_code}/"]
        assert 'aria-label="کد QR برای پرداخت برگ بدون ورود"><svg' in body

    def test_a_fee_typed_into_the_form_is_ignored(self, operator_client, tariff, walk_in):
        operator_client.post(f"/broker/walk-in/{walk_in.key}/issue/",
                             {"end": 140509, "request_key": "k2", "amount": "9000000", "fee": "9000000"})
        assert FeeRecord.objects.get().amount == FEE_1405

    def test_a_refusal_is_shown_on_the_quote_page(self, operator_client, walk_in):
        response = operator_client.post(f"/broker/walk-in/{walk_in.key}/issue/",
                                        {"end": 140509, "request_key": "k3"}, follow=True)
        assert services.NO_TARIFF in response.content.decode()
        assert not Slip.objects.exists()

    def test_the_slip_pdf_is_the_insured_slip(self, operator_client, tariff, walk_in, broker_operator):
        fee = issue(broker_operator, walk_in)
        response = operator_client.get(f"/broker/slips/{fee.slip.number}/pdf/")
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert AuditEvent.objects.get(action="broker.slip_printed").after["slip"] == fee.slip.number


def test_fee_records_are_dated_in_tehran(tariff, walk_in, broker_operator):
    fee = issue(broker_operator, walk_in)
    assert fee.recorded_at.astimezone(TEHRAN).date() == date(2026, 11, 25)
