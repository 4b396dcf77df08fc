"""Proof of presence: a one-time code by SMS (hashed, five minutes, three tries, single use), or a recorded
national-card check when no mobile is on file; then thirty minutes in which the operator may serve the person."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from brokers import services
from brokers.models import PresenceMethod, WalkInSession
from brokers.tests.conftest import code_sent_to
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import AuditEvent, SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(broker_operator) -> Actor:
    return Actor.for_user(broker_operator)


@pytest.fixture
def walk_in(actor, person) -> WalkInSession:
    return services.walk_in_start(actor=actor, national_code=person.national_code,
                                  insurance_number=person.insurance_number)


@pytest.fixture
def sent(actor, walk_in, django_capture_on_commit_callbacks) -> str:
    """The code, as the insured reads it from their phone."""
    with django_capture_on_commit_callbacks(execute=True):
        services.presence_code_send(actor=actor, walk_in=walk_in)
    return code_sent_to(walk_in.person.mobile)


def verify(actor, walk_in, code):
    return services.presence_code_verify(actor=actor, walk_in=walk_in, code=code)


def test_the_code_goes_to_the_registered_mobile_and_names_the_office(sent, walk_in):
    sms = SmsMessage.objects.get()
    assert sms.to == "09121234567"
    assert "کارگزاری امید" in sms.text
    assert "۵ دقیقه" in sms.text
    assert len(sent) == 6


def test_only_a_keyed_hash_of_the_code_is_stored(sent, walk_in):
    walk_in.refresh_from_db()
    assert sent not in walk_in.code_hash
    assert len(walk_in.code_hash) == 64
    assert AuditEvent.objects.filter(action="broker.presence_code_sent").get().after["mobile"] == "0912***4567"


def test_the_code_is_queued_for_the_worker_not_sent_from_the_request(actor, walk_in):
    services.presence_code_send(actor=actor, walk_in=walk_in)
    assert SmsMessage.objects.get().status == SmsStatus.QUEUED


def test_the_right_code_proves_presence_for_thirty_minutes(actor, walk_in, sent):
    proven = verify(actor, walk_in, sent)
    assert proven.presence_method == PresenceMethod.SMS_CODE
    assert proven.presence_until - proven.present_at == timedelta(minutes=30)
    assert proven.is_present()
    event = AuditEvent.objects.get(action="broker.presence_proven")
    assert (event.after["office"], event.after["operator"], event.after["method"]) == ("1001", "operator", "sms_code")


def test_the_code_is_single_use(actor, walk_in, sent):
    verify(actor, walk_in, sent)
    walk_in.refresh_from_db()
    assert walk_in.code_hash == ""


def test_three_wrong_tries_end_the_code_even_before_the_right_one(actor, walk_in, sent):
    wrong = f"{(int(sent) + 1) % 1_000_000:06d}"
    with pytest.raises(DomainError, match="۲ بار دیگر"):
        verify(actor, walk_in, wrong)
    with pytest.raises(DomainError, match="۱ بار دیگر"):
        verify(actor, walk_in, wrong)
    with pytest.raises(DomainError, match=services.CODE_TRIES_USED):
        verify(actor, walk_in, wrong)
    with pytest.raises(DomainError, match=services.CODE_TRIES_USED):
        verify(actor, walk_in, sent)
    walk_in.refresh_from_db()
    assert walk_in.present_at is None
    assert walk_in.code_attempts == 3


def test_the_code_expires_after_five_minutes(actor, walk_in, sent):
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1), tick=False), \
            pytest.raises(DomainError, match="پنج‌دقیقه‌ای"):
        verify(actor, walk_in, sent)


def test_a_new_code_replaces_the_old_one(actor, walk_in, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(services.secrets, "randbelow", lambda _: next(codes))
    services.presence_code_send(actor=actor, walk_in=walk_in)
    services.presence_code_send(actor=actor, walk_in=walk_in)
    with pytest.raises(DomainError, match="کد درست نیست"):
        verify(actor, walk_in, "111111")
    assert verify(actor, walk_in, "222222").is_present()


def test_at_most_three_codes_per_walk_in(actor, walk_in):
    for _ in range(services.CODES_PER_WALK_IN):
        services.presence_code_send(actor=actor, walk_in=walk_in)
    with pytest.raises(DomainError, match="بیش از این کد فرستاده نمی‌شود"):
        services.presence_code_send(actor=actor, walk_in=walk_in)


def test_a_person_gets_at_most_five_codes_an_hour_however_many_lookups(actor, person):
    for codes in (3, 2):
        walk_in = services.walk_in_start(actor=actor, national_code=person.national_code,
                                         insurance_number=person.insurance_number)
        for _ in range(codes):
            services.presence_code_send(actor=actor, walk_in=walk_in)
    walk_in = services.walk_in_start(actor=actor, national_code=person.national_code,
                                     insurance_number=person.insurance_number)
    with pytest.raises(DomainError, match="بیش از این کد"):
        services.presence_code_send(actor=actor, walk_in=walk_in)


def test_a_colleague_cannot_use_someone_elses_walk_in(walk_in, sent, second_operator):
    with pytest.raises(DomainError, match="کاربر دیگری"):
        verify(Actor.for_user(second_operator), walk_in, sent)


def test_the_card_check_is_refused_when_a_mobile_is_on_file(actor, walk_in):
    with pytest.raises(DomainError, match="شماره همراه ثبت شده است"):
        services.presence_card_check(actor=actor, walk_in=walk_in, card_serial="0A1234567")


def test_without_a_mobile_the_card_check_is_recorded_and_flagged(actor, walk_in):
    walk_in.person.mobile = ""
    walk_in.person.save(update_fields=["mobile"])
    with pytest.raises(DomainError, match="همراهی ثبت نشده"):
        services.presence_code_send(actor=actor, walk_in=walk_in)
    proven = services.presence_card_check(actor=actor, walk_in=walk_in, card_serial="0A1234567")
    assert (proven.presence_method, proven.card_serial) == (PresenceMethod.NATIONAL_CARD, "0A1234567")
    event = AuditEvent.objects.get(action="broker.presence_proven")
    assert event.after["method"] == "national_card"
    assert event.after["card_serial"] == "0A1234567"


class TestThePages:
    @pytest.fixture
    def operator_client(self, client_for, broker_operator):
        return client_for(broker_operator)

    def test_send_then_verify_leads_to_the_quote(self, operator_client, walk_in, django_capture_on_commit_callbacks):
        base = f"/broker/walk-in/{walk_in.key}/"
        with django_capture_on_commit_callbacks(execute=True):
            response = operator_client.post(base + "send-code/", follow=True)
        assert "پیامک شد" in response.content.decode()
        code = code_sent_to("09121234567")
        persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        response = operator_client.post(base + "verify-code/", {"code": persian})
        assert response["Location"] == base + "quote/"

    def test_a_wrong_code_is_told_and_counted(self, operator_client, walk_in, monkeypatch):
        monkeypatch.setattr(services.secrets, "randbelow", lambda _: 123456)
        base = f"/broker/walk-in/{walk_in.key}/"
        operator_client.post(base + "send-code/")
        response = operator_client.post(base + "verify-code/", {"code": "000000"}, follow=True)
        assert "کد درست نیست؛ ۲ بار دیگر" in response.content.decode()
        walk_in.refresh_from_db()
        assert (walk_in.code_attempts, walk_in.present_at) == (1, None)

    def test_a_code_of_the_wrong_shape_is_a_form_error(self, operator_client, walk_in):
        body = operator_client.post(f"/broker/walk-in/{walk_in.key}/verify-code/", {"code": "12"}).content.decode()
        assert "کد شش‌رقمی" in body

    def test_the_card_page_shows_the_name_to_compare_with_the_card(self, operator_client, walk_in):
        walk_in.person.mobile = ""
        walk_in.person.save(update_fields=["mobile"])
        body = operator_client.get(f"/broker/walk-in/{walk_in.key}/").content.decode()
        assert walk_in.person.full_name in body
        response = operator_client.post(f"/broker/walk-in/{walk_in.key}/card-check/",
                                        {"card_serial": "0a 123 4567", "confirmed": "on"})
        assert response["Location"].endswith("/quote/")
        walk_in.refresh_from_db()
        assert walk_in.card_serial == "0A1234567"

    def test_the_card_check_needs_the_operators_confirmation(self, operator_client, walk_in):
        walk_in.person.mobile = ""
        walk_in.person.save(update_fields=["mobile"])
        operator_client.post(f"/broker/walk-in/{walk_in.key}/card-check/", {"card_serial": "0A1234567"})
        walk_in.refresh_from_db()
        assert walk_in.present_at is None


def test_walk_ins_left_open_send_no_more_codes_to_one_phone_than_the_hourly_cap(actor, person):
    """32 tries at once from walk-ins started over an hour before and left open: five texts, the rest refused."""
    started = timezone.now()
    walk_ins = [services.walk_in_start(actor=actor, national_code=person.national_code,
                                       insurance_number=person.insurance_number) for _ in range(11)]
    sent, refused = 0, 0
    with time_machine.travel(started + timedelta(minutes=61), tick=False):
        for attempt in range(32):
            try:
                services.presence_code_send(actor=actor, walk_in=walk_ins[attempt % len(walk_ins)])
                sent += 1
            except DomainError:
                refused += 1
    assert (sent, refused) == (services.CODES_PER_PHONE_PER_HOUR, 27)
    assert SmsMessage.objects.filter(to=person.mobile).count() == 5
    with time_machine.travel(started + timedelta(minutes=122), tick=False):
        services.presence_code_send(actor=actor, walk_in=walk_ins[-1])  # an hour after those five: one more
    assert SmsMessage.objects.filter(to=person.mobile).count() == 6
