"""SMS leave through the outbox: a row written in the event's transaction, sent only by the worker's job."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from samt.models import SmsMessage, SmsStatus
from samt.sms import MAX_ATTEMPTS, OutgoingSms, SmsAccepted, SmsError, backoff, sms_queue, sms_send_due

pytestmark = pytest.mark.django_db


class FlakyBackend:
    """Fails the first `failures` sends with the given error, then accepts."""

    name = "flaky"

    def __init__(self, failures: int, error: SmsError) -> None:
        self.failures, self.error, self.sent = failures, error, []

    def send(self, sms: OutgoingSms) -> SmsAccepted:
        if self.failures:
            self.failures -= 1
            raise self.error
        self.sent.append(sms)
        return SmsAccepted(message_id=f"p-{sms.local_id}", status="در صف ارسال")

    def delivery(self, message_ids: list[str]) -> dict[str, SmsAccepted]:
        return {}


@pytest.fixture
def backend(monkeypatch):
    def install(failures: int = 0, retryable: bool = True) -> FlakyBackend:
        flaky = FlakyBackend(failures, SmsError("provider down", retryable=retryable, code="500"))
        monkeypatch.setattr("samt.sms.get_backend", lambda: flaky)
        return flaky
    return install


def test_a_message_is_queued_in_the_callers_transaction_with_a_normalised_number():
    with transaction.atomic():
        sms_queue(to="+98 912 345 6789", text="برگ شما آماده است")
        message = SmsMessage.objects.get()
    assert (message.to, message.text, message.status) == ("09123456789", "برگ شما آماده است", SmsStatus.QUEUED)


def test_a_rolled_back_change_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_queue(to="09123456789", text="نباید برسد")
        raise RuntimeError
    assert not SmsMessage.objects.exists()


def test_one_event_gets_one_text_per_number():
    assert sms_queue(to="09123456789", text="یک", event="slip.issued:1") is not None
    assert sms_queue(to="09123456789", text="دو", event="slip.issued:1") is None
    assert sms_queue(to="09351112233", text="سه", event="slip.issued:1") is not None
    assert SmsMessage.objects.filter(to="09123456789").count() == 1


def test_no_usable_mobile_queues_nothing():
    assert sms_queue(to="", text="x") is None
    assert not SmsMessage.objects.exists()


def test_over_the_daily_cap_a_message_is_kept_but_never_sent(settings, backend):
    settings.SAMT_SMS_DAILY_CAP = 3
    sent = backend()
    for n in range(5):
        sms_queue(to="09123456789", text=f"پیام {n}")
    sms_queue(to="09351112233", text="دیگری")
    assert SmsMessage.objects.filter(status=SmsStatus.CAPPED).count() == 2
    assert sms_send_due() == {"sent": 4}
    assert sorted(s.text for s in sent.sent) == ["دیگری", "پیام 0", "پیام 1", "پیام 2"]


def test_the_cap_counts_a_tehran_day(settings):
    settings.SAMT_SMS_DAILY_CAP = 1
    with time_machine.travel("2026-11-25 20:00 +00:00"):  # 23:30 in Tehran
        sms_queue(to="09123456789", text="دیروز")
    with time_machine.travel("2026-11-25 20:31 +00:00"):  # 00:01 the next Tehran day
        assert sms_queue(to="09123456789", text="امروز").status == SmsStatus.QUEUED


def test_the_sender_records_the_providers_id_and_status(backend):
    backend()
    message = sms_queue(to="09123456789", text="سلام")
    assert sms_send_due() == {"sent": 1}
    message.refresh_from_db()
    assert (message.status, message.provider, message.provider_message_id) == (SmsStatus.SENT, "flaky",
                                                                               f"p-{message.pk}")
    assert message.delivery_status == "در صف ارسال"
    assert message.attempts == 1
    assert sms_send_due() == {}, "a sent message is not sent again"


def test_a_retryable_failure_is_tried_again_after_a_growing_pause(backend):
    flaky = backend(failures=2)
    message = sms_queue(to="09123456789", text="سلام")
    now = timezone.now()
    assert sms_send_due(now=now) == {"retry": 1}
    assert sms_send_due(now=now + timedelta(seconds=29)) == {}, "not before its backoff"
    assert sms_send_due(now=now + timedelta(seconds=30)) == {"retry": 1}
    message.refresh_from_db()
    assert message.next_attempt_at == now + timedelta(seconds=30) + timedelta(minutes=1)
    assert sms_send_due(now=now + timedelta(minutes=2)) == {"sent": 1}
    assert len(flaky.sent) == 1


def test_a_permanent_failure_ends_the_message(backend):
    backend(failures=1, retryable=False)
    message = sms_queue(to="09123456789", text="سلام")
    assert sms_send_due() == {"failed": 1}
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED and "provider down" in message.last_error


def test_retries_stop_after_the_last_attempt(backend):
    backend(failures=100)
    message = sms_queue(to="09123456789", text="سلام")
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        sms_send_due(now=now)
        now += timedelta(hours=2)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.FAILED, MAX_ATTEMPTS)


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [30, 60, 120, 3600, 3600]


def test_the_outbox_page_shows_messages_for_a_number(client):
    sms_queue(to="09120000001", text="پیام اول")
    sms_queue(to="09120000002", text="پیام دوم")
    body = client.get("/dev/sms/", {"to": "09120000001"}).content.decode()
    assert "پیام اول" in body and "در صف ارسال" in body
    assert "پیام دوم" not in body


def test_the_outbox_page_does_not_exist_when_switched_off(client, settings):
    settings.SAMT_SMS_OUTBOX_PAGE = False
    assert client.get("/dev/sms/").status_code == 404
