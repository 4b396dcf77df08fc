"""Text messages. Services call send_sms; the backend named in settings delivers after commit."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from samt.identifiers import mobile_normalize
from samt.models import SmsMessage


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> None: ...


class OutboxBackend:
    """Stores messages instead of sending them; the development outbox page shows them like a phone."""

    def send(self, to: str, text: str) -> None:
        SmsMessage.objects.create(to=to, text=text)


def get_backend() -> SmsBackend:
    return import_string(settings.SAMT_SMS_BACKEND)()


def send_sms(to: str, text: str) -> None:
    # After commit: a message must never announce a change that was rolled back.
    number = mobile_normalize(to)
    transaction.on_commit(lambda: get_backend().send(number, text))
