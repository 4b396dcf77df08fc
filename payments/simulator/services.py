"""What the simulated PSP does: issue tokens, run the card page, verify, reverse, expire and auto-reverse.

Windows follow each terminal's PSP: SEP (payments.md §2) token 20 min by default, receipt 1 h after the token,
verify 30 min and reverse 50 min after the payment; Mellat (§3) session 15 min, verify 20 min, reversal 3 h
after verify and never once settled. An OK payment not verified in time is reversed by the PSP itself. Every
state change is a conditional update from the expected state, so two racing requests cannot both apply it.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import jdatetime
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from payments.simulator import fixtures
from payments.simulator.models import DynamicPassword, Event, Scenario, Terminal, TestCard, Transaction
from samt.formatting import rials
from samt.identifiers import card_issuer
from samt.jalali import TEHRAN
from samt.persian import to_persian_digits

Status = Transaction.Status

TOKEN_MINUTES_DEFAULT, TOKEN_MINUTES_MAX = 20, 3600
RECEIPT_WINDOW = timedelta(hours=1)
VERIFY_WINDOW = timedelta(minutes=30)
REVERSE_WINDOW = timedelta(minutes=50)
MELLAT_SESSION = timedelta(minutes=15)
MELLAT_VERIFY_WINDOW = timedelta(minutes=20)
MELLAT_REVERSAL_WINDOW = timedelta(hours=3)
PIN2_TRIES = 3

# SEP status numbers (v3.3 p.13) and verify/reverse result codes (§2.5).
SEP_CANCELED, SEP_OK, SEP_FAILED, SEP_SESSION_IS_NULL = 1, 2, 3, 4
VERIFY_OK, VERIFY_DUPLICATE, VERIFY_REVERSED, VERIFY_NOT_FOUND, VERIFY_TOO_LATE = 0, 2, 5, -2, -6

RES_NUM_REUSED = "این شماره سفارش (ResNum) پیش‌تر با مبلغ دیگری ثبت شده است."
ORDER_ID_REUSED = "شماره درخواست تکراری است."
UNKNOWN_CARD = "این شماره کارت در شبیه‌ساز تعریف نشده است؛ یکی از کارت‌های آزمایشی را به کار ببرید."
CARD_DETAILS_WRONG = "CVV2 یا تاریخ انقضای کارت نادرست است."
PIN2_WRONG = "رمز دوم نادرست است. {left} بار دیگر می‌توانید امتحان کنید."
PIN2_EXPIRED = "رمز پویا منقضی شده است؛ رمز تازه بخواهید."
CARD_LOCKED_NOW = "رمز دوم سه بار نادرست وارد شد و کارت مسدود شد."
CARD_LOCKED = "این کارت مسدود است."
CARD_EXPIRED = "تاریخ اعتبار کارت گذشته است."
INSUFFICIENT_FUNDS = "موجودی حساب کافی نیست."
DAILY_LIMIT = "مبلغ از سقف خرید روزانه این کارت بیشتر است."
ISSUER_UNAVAILABLE = "بانک صادرکننده کارت پاسخ نداد."
SESSION_EXPIRED = "مهلت پرداخت تمام شد."
CANCELED_BY_USER = "پرداخت‌کننده از پرداخت انصراف داد."

_REF_NUM_ALPHABET = string.ascii_letters + string.digits + "+/"


class CardError(Exception):
    """A mistake on the card page that leaves the payment open: the page shows `message` and asks again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TokenRefused(Exception):
    """The token call is refused with SEP error code `code`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Clock and log -----------------------------------------------------------------------------------------------


def scenario_of(terminal: Terminal) -> Scenario:
    """The terminal's switches, read once per terminal object: each request loads its terminal afresh (with its
    scenario, see `terminal_with_scenario`), so a request sees the switches as they stand when it arrives."""
    try:
        return terminal.scenario
    except Scenario.DoesNotExist:
        terminal.scenario = Scenario.objects.get_or_create(terminal=terminal)[0]
        return terminal.scenario


def terminal_with_scenario() -> QuerySet[Terminal]:
    return Terminal.objects.select_related("scenario")


def terminal_now(terminal: Terminal) -> datetime:
    """The terminal's virtual clock: real time plus the scenario's offset."""
    return timezone.now() + timedelta(seconds=scenario_of(terminal).clock_offset_seconds)


def clock_advance(terminal: Terminal, *, minutes: float) -> None:
    scenario = scenario_of(terminal)
    Scenario.objects.filter(pk=scenario.pk).update(clock_offset_seconds=F("clock_offset_seconds") + round(minutes * 60))
    scenario.refresh_from_db(fields=["clock_offset_seconds"])


def clock_reset(terminal: Terminal) -> None:
    scenario = scenario_of(terminal)
    Scenario.objects.filter(pk=scenario.pk).update(clock_offset_seconds=0)
    scenario.refresh_from_db(fields=["clock_offset_seconds"])


def log_event(kind: str, *, terminal: Terminal | None, txn: Transaction | None = None, **fields: object) -> Event:
    at = terminal_now(terminal) if terminal is not None else timezone.now()
    return Event.objects.create(kind=kind, terminal=terminal, transaction=txn, at=at, **fields)


# Token ------------------------------------------------------------------------------------------------------


def verify_window(terminal: Terminal) -> timedelta:
    """How long after the payment the PSP waits for verify before it gives the money back."""
    return MELLAT_VERIFY_WINDOW if terminal.psp == Terminal.Psp.MELLAT else VERIFY_WINDOW


def token_issue(
    terminal: Terminal, *, amount: int, res_num: str, redirect_url: str, cell_number: str, expiry_minutes: int | None
) -> Transaction:
    """A new token, or the same one again for a repeated ResNum with the same amount (SEP's de-duplication)."""
    minutes = min(max(expiry_minutes or TOKEN_MINUTES_DEFAULT, TOKEN_MINUTES_DEFAULT), TOKEN_MINUTES_MAX)
    try:
        return _new_transaction(terminal, secrets.token_hex(16), res_num=res_num, amount=amount,
                                redirect_url=redirect_url, cell_number=cell_number, lifetime=timedelta(minutes=minutes))
    except IntegrityError:  # the ResNum is taken: a repeat, or a concurrent request with it that won the race
        existing = Transaction.objects.get(terminal=terminal, res_num=res_num)
    if existing.amount != amount:
        raise TokenRefused(5, RES_NUM_REUSED)
    return existing


def _new_transaction(terminal: Terminal, token: str, *, lifetime: timedelta, **fields: object) -> Transaction:
    now = terminal_now(terminal)
    with transaction.atomic():
        return Transaction.objects.create(terminal=terminal, token=token, created_at=now, expires_at=now + lifetime,
                                          **fields)


def ref_id_issue(terminal: Terminal, *, amount: int, order_id: str, callback_url: str) -> Transaction:
    """Mellat's bpPayRequest: a new RefId for a new orderId; a repeated orderId is refused (code 41)."""
    try:
        return _new_transaction(terminal, secrets.token_hex(10).upper(), res_num=order_id, amount=amount,
                                redirect_url=callback_url, lifetime=MELLAT_SESSION)
    except IntegrityError:
        raise TokenRefused(41, ORDER_ID_REUSED) from None


# Card page --------------------------------------------------------------------------------------------------


def card_find(pan: str) -> TestCard:
    card = TestCard.objects.filter(pan=pan).first()
    if card is None:
        raise CardError(UNKNOWN_CARD)
    return card


def session_expire_if_due(txn: Transaction) -> Transaction:
    """An open payment whose token has expired ends as SessionIsNull, as SEP ends an idle payer's session."""
    if txn.status == Status.IN_PROGRESS and terminal_now(txn.terminal) > txn.expires_at:
        return _finish(txn, Status.FAILED, SEP_SESSION_IS_NULL, SESSION_EXPIRED)
    return txn


def card_page_opened(txn: Transaction) -> None:
    if txn.opened_at is None:
        Transaction.objects.filter(pk=txn.pk, opened_at=None).update(opened_at=terminal_now(txn.terminal))


def dynamic_password_issue(txn: Transaction, pan: str) -> DynamicPassword:
    card = card_find(pan)
    if card.locked:
        raise CardError(CARD_LOCKED)
    now = terminal_now(txn.terminal)
    expires_at = now + timedelta(seconds=scenario_of(txn.terminal).dynamic_password_seconds)
    code = f"{secrets.randbelow(900_000) + 100_000}"
    return DynamicPassword.objects.create(
        card=card, transaction=txn, code=code, issued_at=now, expires_at=expires_at,
        text=_dynamic_password_text(txn, card, code, expires_at),
    )


def _dynamic_password_text(txn: Transaction, card: TestCard, code: str, expires_at: datetime) -> str:
    until = to_persian_digits(f"{expires_at.astimezone(TEHRAN):%H:%M:%S}")
    return "\n".join([
        card_issuer(card.pan) or "بانک",
        f"رمز پویای خرید از «{txn.terminal.merchant_name}»",
        f"مبلغ: {rials(txn.amount)} ریال",
        f"رمز: {to_persian_digits(code)}",
        f"اعتبار تا ساعت {until}",
        "این رمز را به هیچ‌کس نگویید.",
    ])


def card_pay(txn: Transaction, *, pan: str, cvv2: str, expiry_year: int, expiry_month: int, pin2: str) -> Transaction:
    """Check what the payer typed, then let the issuer decide. CardError keeps the page open for another try."""
    card = card_find(pan)
    if card.locked:
        return _finish(txn, Status.FAILED, SEP_FAILED, CARD_LOCKED, card=card)
    # A wrong CVV2 or expiry is only shown, never counted: SEP v3.3 note 5 locks cards for PIN2 alone.
    if card.cvv2 != cvv2 or (card.expiry_year % 100, card.expiry_month) != (expiry_year % 100, expiry_month):
        raise CardError(CARD_DETAILS_WRONG)
    _check_pin2(txn, card, pin2)
    return charge(txn, card)


def _check_pin2(txn: Transaction, card: TestCard, pin2: str) -> None:
    latest = card.dynamic_passwords.filter(transaction=txn).first()
    if latest is not None and latest.code == pin2 and latest.used_at is None:
        if terminal_now(txn.terminal) > latest.expires_at:
            raise CardError(PIN2_EXPIRED)
        # Single use: only the request that marks it used may pay with it.
        if DynamicPassword.objects.filter(pk=latest.pk, used_at=None).update(used_at=terminal_now(txn.terminal)):
            TestCard.objects.filter(pk=card.pk).update(failed_pin_attempts=0)
            return
    elif pin2 == card.pin2:
        if card.failed_pin_attempts:
            TestCard.objects.filter(pk=card.pk).update(failed_pin_attempts=0)
        return
    TestCard.objects.filter(pk=card.pk).update(failed_pin_attempts=F("failed_pin_attempts") + 1)
    card.refresh_from_db()
    if card.failed_pin_attempts >= PIN2_TRIES:
        TestCard.objects.filter(pk=card.pk).update(locked=True)
        _finish(txn, Status.FAILED, SEP_FAILED, CARD_LOCKED_NOW, card=card)
        raise CardError(CARD_LOCKED_NOW)
    raise CardError(PIN2_WRONG.format(left=to_persian_digits(PIN2_TRIES - card.failed_pin_attempts)))


def card_cancel(txn: Transaction) -> Transaction:
    return _finish(txn, Status.CANCELLED, SEP_CANCELED, CANCELED_BY_USER)


def charge(txn: Transaction, card: TestCard) -> Transaction:
    """The issuer's answer for this card and amount. A slow issuer is waited for outside any lock."""
    if card.issuer_delay_seconds:
        time.sleep(card.issuer_delay_seconds)
    refusal = _issuer_refusal(txn, card)
    if refusal:
        return _finish(txn, Status.FAILED, SEP_FAILED, refusal, card=card)
    return _debit(txn, card)


def _issuer_refusal(txn: Transaction, card: TestCard) -> str | None:
    now = terminal_now(txn.terminal)
    today = jdatetime.datetime.fromgregorian(datetime=now.astimezone(TEHRAN))
    if not card.issuer_available:
        return ISSUER_UNAVAILABLE
    if (card.expiry_year, card.expiry_month) < (today.year, today.month):
        return CARD_EXPIRED
    held = _held_amount(txn)
    if card.balance_rial < held:
        return INSUFFICIENT_FUNDS
    if _spent_today(card, now) + held > card.daily_limit_rial:
        return DAILY_LIMIT
    return None


def _held_amount(txn: Transaction) -> int:
    discount = scenario_of(txn.terminal).affective_discount_rial
    return max(txn.amount - discount, 1)


def _spent_today(card: TestCard, now: datetime) -> int:
    midnight = now.astimezone(TEHRAN).replace(hour=0, minute=0, second=0, microsecond=0)
    spent = card.transactions.filter(status__in=[Status.OK, Status.VERIFIED], paid_at__gte=midnight)
    return spent.aggregate(total=Sum("affective_amount"))["total"] or 0


def _debit(txn: Transaction, card: TestCard) -> Transaction:
    now, held = terminal_now(txn.terminal), _held_amount(txn)
    changes = {
        "status": Status.OK, "sep_status": SEP_OK, "paid_at": now, "card": card, "affective_amount": held,
        "masked_pan": card.masked_pan, "hashed_pan": hashlib.sha256(card.pan.encode()).hexdigest().upper(),
        "ref_num": _digits(12) if txn.terminal.psp == Terminal.Psp.MELLAT else _new_ref_num(), "rrn": _digits(12),
        "trace_no": _digits(6),
    }
    with transaction.atomic():
        paid = Transaction.objects.filter(pk=txn.pk, status=Status.IN_PROGRESS).update(**changes)
        if paid:  # a double-clicked "pay" finds the payment already done and charges nothing
            TestCard.objects.filter(pk=card.pk).update(balance_rial=F("balance_rial") - held)
            log_event("paid", terminal=txn.terminal, txn=txn, balance_change_rial=-held)
    if not paid:
        return _reloaded(txn)
    for name, value in changes.items():
        setattr(txn, name, value)
    return txn


def _finish(
    txn: Transaction, status: str, sep_status: int, reason: str, *, card: TestCard | None = None
) -> Transaction:
    changes = {"status": status, "sep_status": sep_status, "failure_reason": reason}
    if card is not None:
        changes.update(card=card, masked_pan=card.masked_pan)
    if Transaction.objects.filter(pk=txn.pk, status=Status.IN_PROGRESS).update(**changes):
        log_event(status, terminal=txn.terminal, txn=txn, answer={"reason": reason})
    return _reloaded(txn)


def _new_ref_num() -> str:
    return "".join(secrets.choice(_REF_NUM_ALPHABET) for _ in range(30))


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _reloaded(txn: Transaction) -> Transaction:
    """The transaction as stored now, with the terminal object (and the scenario it read) it came with."""
    fresh = Transaction.objects.get(pk=txn.pk)
    fresh.terminal = txn.terminal
    return fresh


# Merchant services: receipt, verify, reverse ------------------------------------------------------------------


def receipt_lookup(terminal: Terminal, *, token: str | None, ref_num: str | None) -> Transaction | None:
    """The transaction the receipt service may show, or None for SEP's 404 (unknown, too late, already done)."""
    found = Transaction.objects.filter(terminal=terminal)
    txn = found.filter(token=token).first() if token else found.filter(ref_num=ref_num).first() if ref_num else None
    if txn is None:
        return None
    txn.terminal = terminal
    txn = session_expire_if_due(txn)
    too_late = terminal_now(terminal) > txn.created_at + RECEIPT_WINDOW
    if too_late or txn.status in (Status.VERIFIED, Status.REVERSED, Status.AUTO_REVERSED):
        return None
    return txn


def verify(terminal: Terminal, ref_num: str) -> tuple[int, Transaction | None]:
    """SEP VerifyTransaction. No consumption tracking: the same RefNum verifies again with code 2."""
    with transaction.atomic():
        txn = Transaction.objects.select_for_update().filter(terminal=terminal, ref_num=ref_num).first()
        if txn is None:
            return VERIFY_NOT_FOUND, None
        txn.terminal = terminal
        now = terminal_now(terminal)
        if txn.status == Status.OK and txn.paid_at is not None and now > txn.paid_at + verify_window(terminal):
            auto_reverse(txn, now)
        elif txn.status == Status.OK:
            Transaction.objects.filter(pk=txn.pk).update(status=Status.VERIFIED, verified_at=now)
            log_event("verified", terminal=terminal, txn=txn)
            txn.status, txn.verified_at = Status.VERIFIED, now  # the row is locked: this is what it holds now
            return VERIFY_OK, txn
        txn = _reloaded(txn)
    codes: dict[str, int] = {Status.VERIFIED: VERIFY_DUPLICATE, Status.REVERSED: VERIFY_REVERSED,
                             Status.AUTO_REVERSED: VERIFY_TOO_LATE}
    return codes.get(txn.status, VERIFY_NOT_FOUND), txn


def reverse(terminal: Terminal, ref_num: str) -> tuple[int, Transaction | None]:
    """SEP ReverseTransaction: only for a verified payment, within 50 minutes of paying."""
    with transaction.atomic():
        txn = Transaction.objects.select_for_update().filter(terminal=terminal, ref_num=ref_num).first()
        if txn is not None:
            txn.terminal = terminal
        if txn is None or txn.status not in (Status.VERIFIED, Status.REVERSED):
            return VERIFY_NOT_FOUND, txn
        if txn.status == Status.REVERSED:
            return VERIFY_DUPLICATE, txn
        now = terminal_now(terminal)
        if txn.paid_at is None or now > txn.paid_at + REVERSE_WINDOW:
            return VERIFY_TOO_LATE, txn
        Transaction.objects.filter(pk=txn.pk).update(status=Status.REVERSED, reversed_at=now)
        refund(txn, "reversed")
    return VERIFY_OK, _reloaded(txn)


def auto_reverse(txn: Transaction, now: datetime) -> bool:
    """The PSP gives back an OK payment nobody verified. True if this call did it."""
    if Transaction.objects.filter(pk=txn.pk, status=Status.OK).update(status=Status.AUTO_REVERSED, reversed_at=now):
        refund(txn, "auto_reversed")
        return True
    return False


def refund(txn: Transaction, kind: str) -> None:
    held = txn.held_rial
    TestCard.objects.filter(pk=txn.card_id or 0).update(balance_rial=F("balance_rial") + held)
    log_event(kind, terminal=txn.terminal, txn=txn, balance_change_rial=held)


def verify_fault_take(scenario: Scenario) -> str:
    """The verify fault for this call, counting it down; the fault switches itself off after its last call."""
    if scenario.verify_fault == Scenario.VerifyFault.NONE:
        return Scenario.VerifyFault.NONE
    live = Scenario.objects.filter(pk=scenario.pk, verify_fault=scenario.verify_fault, verify_fault_remaining__gt=0)
    if not live.update(verify_fault_remaining=F("verify_fault_remaining") - 1):
        return Scenario.VerifyFault.NONE
    Scenario.objects.filter(pk=scenario.pk, verify_fault_remaining=0).update(
        verify_fault=Scenario.VerifyFault.NONE, verify_fault_remaining=1
    )
    return scenario.verify_fault


# Sweeps and reset ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    expired: int
    auto_reversed: int


def sweep(terminal: Terminal) -> SweepResult:
    """End idle sessions and auto-reverse unverified payments whose windows have closed on this terminal."""
    now = terminal_now(terminal)
    # One read finds both kinds (a partial index holds only the open and the unverified transactions).
    due = Transaction.objects.filter(Q(status=Status.IN_PROGRESS, expires_at__lt=now)
                                     | Q(status=Status.OK, paid_at__lt=now - verify_window(terminal)),
                                     terminal=terminal)
    expired = reversed_count = 0
    for txn in due:
        txn.terminal = terminal
        if txn.status == Status.IN_PROGRESS:
            expired += session_expire_if_due(txn).status == Status.FAILED
        else:
            reversed_count += auto_reverse(txn, now)
    return SweepResult(expired=expired, auto_reversed=reversed_count)


def sweep_all() -> SweepResult:
    results = [sweep(terminal) for terminal in Terminal.objects.all()]
    return SweepResult(sum(r.expired for r in results), sum(r.auto_reversed for r in results))


@transaction.atomic
def reset() -> None:
    """Forget every transaction and event, restore cards and scenarios, and stop the clocks jumping."""
    Event.objects.all().delete()
    Transaction.objects.all().delete()
    Scenario.objects.all().delete()
    fixtures.install(apps)
    for terminal in Terminal.objects.all():
        scenario_of(terminal)
