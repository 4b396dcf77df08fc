"""The Kavenegar adapter against a local server speaking Kavenegar's wire format, driven by the worker's jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samt.models import SmsMessage, SmsStatus
from samt.sms import sms_delivery_check, sms_queue, sms_send_due
from samt.tests.fake_kavenegar import GOOD_KEY, fake_kavenegar

pytestmark = pytest.mark.django_db


@pytest.fixture
def kavenegar(settings):
    with fake_kavenegar() as fake:
        settings.SAMT_SMS_BACKEND = "samt.sms_kavenegar.KavenegarBackend"
        settings.SAMT_KAVENEGAR = {"API_KEY": GOOD_KEY, "SENDER": "10004346", "BASE_URL": fake.base_url,
                                   "TIMEOUT_SECONDS": 5}
        yield fake


def test_a_message_goes_out_with_our_id_and_comes_back_with_the_providers(kavenegar):
    message = sms_queue(to="09123456789", text="برگ پرداخت شما صادر شد")
    assert sms_send_due() == {"sent": 1}
    assert kavenegar.sent == [{"receptor": "09123456789", "message": "برگ پرداخت شما صادر شد",
                               "localid": str(message.pk), "sender": "10004346"}]
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert (message.provider, message.provider_message_id) == ("kavenegar", "81000001")
    assert message.delivery_status == "1 در صف ارسال" and not message.delivery_final


def test_delivery_status_is_read_back_until_it_is_final(kavenegar):
    delivered = sms_queue(to="09123456789", text="یک")
    blocked = sms_queue(to="09351112233", text="دو")
    kavenegar.blocked_numbers.add("09351112233")
    now = timezone.now()
    sms_send_due(now=now)
    assert sms_delivery_check(now=now + timedelta(minutes=1)) == {}, "not asked again within five minutes"
    assert sms_delivery_check(now=now + timedelta(minutes=5)) == {"open": 2}
    kavenegar.network_settles()
    assert sms_delivery_check(now=now + timedelta(minutes=10)) == {"final": 2}
    delivered.refresh_from_db()
    blocked.refresh_from_db()
    assert (delivered.delivery_status, delivered.delivery_final) == ("10 رسیده به گیرنده", True)
    assert blocked.delivery_status == "11 نرسیده به گیرنده"
    assert sms_delivery_check(now=now + timedelta(minutes=20)) == {}, "a final status is not asked about again"


def test_a_bad_key_stops_the_round_and_costs_no_attempt(kavenegar, settings, caplog):
    settings.SAMT_KAVENEGAR = {**settings.SAMT_KAVENEGAR, "API_KEY": "wrong-key"}
    first = sms_queue(to="09123456789", text="یک")
    sms_queue(to="09123456780", text="دو")
    now = timezone.now()
    assert sms_send_due(now=now) == {"account": 1}
    first.refresh_from_db()
    assert first.status == SmsStatus.QUEUED and first.attempts == 0
    assert first.last_error.startswith("403 کلید API کاوه‌نگار نامعتبر است")
    assert "kavenegar refuses the account: 403" in caplog.text
    settings.SAMT_KAVENEGAR = {**settings.SAMT_KAVENEGAR, "API_KEY": GOOD_KEY}
    assert sms_send_due(now=now + timedelta(minutes=4)) == {"sent": 1}, "the other one was never tried"
    assert sms_send_due(now=now + timedelta(minutes=5)) == {"sent": 1}
    assert len(kavenegar.sent) == 2


def test_no_credit_keeps_messages_waiting_until_the_account_is_topped_up(kavenegar):
    kavenegar.credit = 0
    message = sms_queue(to="09123456789", text="یک")
    now = timezone.now()
    assert sms_send_due(now=now) == {"account": 1}
    message.refresh_from_db()
    assert message.last_error.startswith("418 اعتبار حساب کاوه‌نگار کافی نیست")
    kavenegar.credit = 10_000
    assert sms_send_due(now=now + timedelta(minutes=5)) == {"sent": 1}


def test_an_invalid_number_ends_the_message_without_retries(kavenegar):
    kavenegar.unknown_numbers.add("09990000000")
    message = sms_queue(to="09990000000", text="یک")
    assert sms_send_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.last_error.startswith("411 شماره گیرنده نامعتبر است")
    assert kavenegar.sent == []


def test_an_outage_is_retried_with_backoff_and_the_text_goes_once(kavenegar):
    kavenegar.outages = 2
    message = sms_queue(to="09123456789", text="یک")
    now = timezone.now()
    assert sms_send_due(now=now) == {"retry": 1}
    assert sms_send_due(now=now + timedelta(seconds=30)) == {"retry": 1}
    assert sms_send_due(now=now + timedelta(seconds=60)) == {}, "the second pause is a minute"
    assert sms_send_due(now=now + timedelta(seconds=90)) == {"sent": 1}
    message.refresh_from_db()
    assert (message.attempts, message.status, len(kavenegar.sent)) == (3, SmsStatus.SENT, 1)


def test_an_unreachable_provider_is_retried(settings):
    settings.SAMT_SMS_BACKEND = "samt.sms_kavenegar.KavenegarBackend"
    settings.SAMT_KAVENEGAR = {"API_KEY": GOOD_KEY, "SENDER": "", "BASE_URL": "http://127.0.0.1:9/v1",
                               "TIMEOUT_SECONDS": 2}
    message = sms_queue(to="09123456789", text="یک")
    assert sms_send_due() == {"retry": 1}
    message.refresh_from_db()
    assert message.last_error.startswith("network")
    assert SmsMessage.objects.get().status == SmsStatus.QUEUED


def test_the_system_check_wants_a_key_when_kavenegar_is_chosen(settings):
    from samt.sms_kavenegar import kavenegar_configured

    settings.SAMT_SMS_BACKEND = "samt.sms_kavenegar.KavenegarBackend"
    settings.SAMT_KAVENEGAR = {"API_KEY": "", "SENDER": "", "BASE_URL": "x", "TIMEOUT_SECONDS": 1}
    assert [error.id for error in kavenegar_configured()] == ["samt.E101"]
    settings.SAMT_KAVENEGAR = {**settings.SAMT_KAVENEGAR, "API_KEY": GOOD_KEY}
    assert kavenegar_configured() == []
