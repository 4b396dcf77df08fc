"""Text messages through an outbox.

A service that announces an event calls `sms_queue` inside its own transaction: the message row commits or rolls
back with the event, so a text never announces a change that did not happen, and an event that happened is never
left without its text. Only the worker (`manage.py worker`, job "sms.send") hands queued rows to the provider named
by SAMT_SMS_BACKEND, retrying with backoff; nothing is sent from inside a web request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from samt.identifiers import InvalidIdentifier, mobile_normalize
from samt.jalali import TEHRAN
from samt.models import SmsMessage, SmsStatus

logger = logging.getLogger("samt.sms")

# A claimed message is not offered again for this long: a worker that died between the provider's answer and our
# write gets its message retried after the lease, not at once (the provider's localid guards the repeat).
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
# While the provider refuses our account (a wrong key, no credit) the queue is tried again this often.
ACCOUNT_PAUSE = timedelta(minutes=5)
DELIVERY_CHECK_EVERY = timedelta(minutes=5)
DELIVERY_FOLLOW_UP = timedelta(days=2)


@dataclass(frozen=True)
class OutgoingSms:
    local_id: int
    to: str
    text: str


@dataclass(frozen=True)
class SmsAccepted:
    message_id: str
    status: str  # the provider's delivery status in words, as it gave it
    final: bool = False  # the status will not change (delivered, or undeliverable)


class SmsError(Exception):
    """A provider refused or could not be reached. Retryable errors are tried again later (network, the
    provider's own outage, an account out of credit or a wrong key that someone will fix); permanent ones (an
    invalid number) end the message."""

    def __init__(self, message: str, *, retryable: bool, code: str = "", account: bool = False) -> None:
        super().__init__(message)
        self.message, self.retryable, self.code = message, retryable, code
        # The provider refuses our account (key, credit, sender line): every message would fail alike, so the
        # round stops instead of spending every queued message's attempts.
        self.account = account


class SmsBackend(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> SmsAccepted: ...

    def delivery(self, message_ids: list[str]) -> dict[str, SmsAccepted]: ...


class OutboxBackend:
    """Development: nothing leaves the machine; the outbox page shows the table like a phone would."""

    name = "outbox"

    def send(self, sms: OutgoingSms) -> SmsAccepted:
        return SmsAccepted(message_id=f"outbox-{sms.local_id}", status="تحویل شد (صندوق آزمایشی)", final=True)

    def delivery(self, message_ids: list[str]) -> dict[str, SmsAccepted]:
        return {}


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SAMT_SMS_BACKEND)()
    return backend


def _day_start(now: datetime) -> datetime:
    return datetime.combine(timezone.localtime(now, TEHRAN).date(), time.min, tzinfo=TEHRAN)


def sms_queue(*, to: str, text: str, event: str = "", reminder: bool = False,
              now: datetime | None = None) -> SmsMessage | None:
    """Queue a text in the caller's transaction. `event` names what it announces: a second text for the same event
    and number is not queued. Over the per-phone daily cap the row is kept, marked capped, and never sent."""
    try:
        number = mobile_normalize(to)
    except InvalidIdentifier:
        return None  # no usable mobile on record: the person hears at the counter instead
    now = now or timezone.now()
    # One read of this number's messages answers both: was this event told already, and how many count today.
    seen = SmsMessage.objects.filter(to=number).aggregate(
        told=Count("pk", filter=Q(event_key=event) & ~Q(event_key="")),
        today=Count("pk", filter=Q(created_at__gte=_day_start(now)) & ~Q(status=SmsStatus.CAPPED)),
    )
    if seen["told"]:
        return None
    status = SmsStatus.CAPPED if seen["today"] >= settings.SAMT_SMS_DAILY_CAP else SmsStatus.QUEUED
    if status == SmsStatus.CAPPED:
        logger.warning("sms to %s not queued: the daily cap of %s is reached", number, settings.SAMT_SMS_DAILY_CAP)
    return SmsMessage.objects.create(to=number, text=text, event_key=event, reminder=reminder, status=status,
                                     created_at=now, next_attempt_at=now)


@dataclass(frozen=True)
class Text:
    to: str
    text: str
    event: str
    reminder: bool = False


def sms_queue_many(texts: list[Text], *, now: datetime | None = None) -> int:
    """`sms_queue` for a batch (the year-end run): one count of today's texts per number and one INSERT, with
    the same once-per-event rule (the database's) and the same daily cap. Returns how many were queued."""
    now = now or timezone.now()
    rows: list[SmsMessage] = []
    for item in texts:
        try:
            rows.append(SmsMessage(to=mobile_normalize(item.to), text=item.text, event_key=item.event,
                                   reminder=item.reminder, created_at=now, next_attempt_at=now))
        except InvalidIdentifier:
            continue
    told = set(SmsMessage.objects.filter(event_key__in={row.event_key for row in rows})
               .values_list("event_key", "to"))
    rows = [row for row in rows if (row.event_key, row.to) not in told]
    sent_today = dict(SmsMessage.objects.filter(to__in={row.to for row in rows}, created_at__gte=_day_start(now))
                      .exclude(status=SmsStatus.CAPPED).values("to").annotate(n=Count("id")).values_list("to", "n"))
    for row in rows:
        sent_today[row.to] = sent_today.get(row.to, 0) + 1
        if sent_today[row.to] > settings.SAMT_SMS_DAILY_CAP:
            row.status = SmsStatus.CAPPED
    # The database's once-per-event rule still decides if a concurrent run queued the same event meanwhile.
    SmsMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return sum(1 for row in rows if row.status == SmsStatus.QUEUED)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... at most an hour between tries."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=1))


def sms_send_due(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """The worker's job: hand every due queued message to the provider, one at a time."""
    now = now or timezone.now()
    backend = get_backend()
    due = SmsMessage.objects.filter(status=SmsStatus.QUEUED, next_attempt_at__lte=now)
    outcome: dict[str, int] = {}
    for pk in list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]):
        claimed = _claim(pk, now)
        if claimed is None:
            continue
        result = _send_one(backend, claimed, now)
        outcome[result] = outcome.get(result, 0) + 1
        if result == "account":
            break
    return outcome


def _claim(pk: int, now: datetime) -> SmsMessage | None:
    """Count the attempt and push the message out of reach for the lease, in a short transaction of its own:
    no row lock is held while the provider answers."""
    with transaction.atomic():
        message = (SmsMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, status=SmsStatus.QUEUED, next_attempt_at__lte=now).first())
        if message is None:
            return None
        message.attempts += 1
        message.next_attempt_at = now + CLAIM_LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def _send_one(backend: SmsBackend, message: SmsMessage, now: datetime) -> str:
    try:
        accepted = backend.send(OutgoingSms(local_id=message.pk, to=message.to, text=message.text))
    except SmsError as error:
        message.last_error = f"{error.code} {error.message}".strip()[:255]
        message.provider = backend.name
        if error.account:
            # Not this message's fault: its attempt is given back, and the queue waits for the account.
            message.attempts -= 1
            message.next_attempt_at = now + ACCOUNT_PAUSE
            result = "account"
        elif error.retryable and message.attempts < MAX_ATTEMPTS:
            message.next_attempt_at = now + backoff(message.attempts)
            logger.warning("sms %s: try %s failed (%s); again at %s", message.pk, message.attempts,
                           message.last_error, message.next_attempt_at)
            result = "retry"
        else:
            message.status = SmsStatus.FAILED
            logger.error("sms %s to %s given up: %s", message.pk, message.to, message.last_error)
            result = "failed"
        message.save(update_fields=["last_error", "provider", "next_attempt_at", "status", "attempts"])
        return result
    message.status, message.sent_at, message.provider = SmsStatus.SENT, now, backend.name
    message.provider_message_id, message.delivery_status = accepted.message_id, accepted.status[:64]
    message.delivery_final, message.delivery_checked_at, message.last_error = accepted.final, now, ""
    message.save(update_fields=["status", "sent_at", "provider", "provider_message_id", "delivery_status",
                                "delivery_final", "delivery_checked_at", "last_error"])
    return "sent"


def sms_delivery_check(*, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """The worker's job: ask the provider what became of sent messages whose fate is still open (queued at the
    operator, handed to the network). After DELIVERY_FOLLOW_UP nobody asks any more."""
    now = now or timezone.now()
    backend = get_backend()
    open_ = SmsMessage.objects.filter(
        status=SmsStatus.SENT, provider=backend.name, delivery_final=False, sent_at__gte=now - DELIVERY_FOLLOW_UP,
        delivery_checked_at__lte=now - DELIVERY_CHECK_EVERY,
    ).order_by("delivery_checked_at", "id")[:limit]
    by_id = {message.provider_message_id: message for message in open_}
    if not by_id:
        return {}
    try:
        answers = backend.delivery(list(by_id))
    except SmsError as error:
        logger.warning("sms delivery status not read: %s", error.message)
        return {"unread": len(by_id)}
    outcome: dict[str, int] = {}
    for provider_id, message in by_id.items():
        answer = answers.get(provider_id)
        fields: dict[str, object] = {"delivery_checked_at": now}
        if answer is not None:
            fields.update(delivery_status=answer.status[:64], delivery_final=answer.final)
        SmsMessage.objects.filter(pk=message.pk).update(**fields)
        key = "final" if answer is not None and answer.final else "open"
        outcome[key] = outcome.get(key, 0) + 1
    return outcome
