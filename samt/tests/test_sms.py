"""SMS go out after commit through the configured backend; the outbox backend keeps them for the dev page."""

from __future__ import annotations

import pytest
from django.db import transaction

from samt.models import SmsMessage
from samt.sms import send_sms

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_is_stored_after_commit_with_a_normalised_number():
    with transaction.atomic():
        send_sms("+98 912 345 6789", "برگ شما آماده است")
        assert not SmsMessage.objects.exists()
    message = SmsMessage.objects.get()
    assert (message.to, message.text) == ("09123456789", "برگ شما آماده است")


def test_a_rolled_back_change_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms("09123456789", "نباید برسد")
        raise RuntimeError
    assert not SmsMessage.objects.exists()


def test_the_outbox_page_shows_messages_for_a_number(client):
    send_sms("09120000001", "پیام اول")
    send_sms("09120000002", "پیام دوم")
    body = client.get("/dev/sms/", {"to": "09120000001"}).content.decode()
    assert "پیام اول" in body
    assert "پیام دوم" not in body


def test_the_outbox_page_does_not_exist_when_switched_off(client, settings):
    settings.SAMT_SMS_OUTBOX_PAGE = False
    assert client.get("/dev/sms/").status_code == 404
