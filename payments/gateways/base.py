"""What every PSP adapter takes and returns: frozen values in, frozen values out, two kinds of error.

The payment state machine (payments.md §9) talks only to these types. An adapter never decides whether a slip
is paid: it reports what the PSP said, and the caller compares amounts, terminal and order with its own frozen
copy before believing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol


class GatewayError(Exception):
    """The PSP could not be used. `message` is Persian, for staff and the admin; `raw` is what came back."""

    retryable = False

    def __init__(self, message: str, *, raw: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.raw = raw


class PermanentGatewayError(GatewayError):
    """The PSP answered and refused (bad configuration, bad request): asking again gives the same answer."""


class RetryableGatewayError(GatewayError):
    """No usable answer (timeout, 5xx, dropped connection, malformed body): the outcome is unknown.

    After a verify this means "may have been verified": repeat the same call inside the window, never give up
    and call it failed (payments.md F8).
    """

    retryable = True


@dataclass(frozen=True)
class TokenRequest:
    order_id: str  # our unique order number (SEP ResNum); never reused, even after a failure
    amount_rial: int
    redirect_url: str  # absolute URL the PSP sends the browser back to
    cell_number: str | None = None  # lets the PSP offer the payer's saved cards

    def __post_init__(self) -> None:
        if isinstance(self.amount_rial, bool) or not isinstance(self.amount_rial, int) or self.amount_rial <= 0:
            raise ValueError(f"amount_rial must be a positive int, got {self.amount_rial!r}")
        if not self.order_id:
            raise ValueError("order_id is required")


@dataclass(frozen=True)
class BrowserRedirect:
    """The browser step to the PSP's card page: a template renders it as an auto-submitting form."""

    url: str
    method: str  # "POST" or "GET"
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TokenResult:
    token: str
    redirect: BrowserRedirect
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackHint:
    """What the browser brought back. Only a hint: "go and ask the PSP about this token" (payments.md §6).

    A PSP that offers no lookup by token (one that needs the bank reference the callback carries) reads the
    rest from here; whatever it reads, the caller still compares order, token and amount with its own copy.
    """

    token: str | None
    ref_num: str | None
    order_id: str | None = None
    result_code: str | None = None  # the PSP's own code for what the payer did on its page
    masked_pan: str | None = None
    amount: int | None = None  # informational: taken from the browser, never trusted alone

    def as_dict(self) -> dict[str, Any]:
        return {"token": self.token, "ref_num": self.ref_num, "order_id": self.order_id,
                "result_code": self.result_code, "masked_pan": self.masked_pan, "amount": self.amount}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CallbackHint:
        amount = data.get("amount")
        return cls(token=data.get("token"), ref_num=data.get("ref_num"), order_id=data.get("order_id"),
                   result_code=data.get("result_code"), masked_pan=data.get("masked_pan"),
                   amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else None)


class ReceiptState(StrEnum):
    IN_PROGRESS = "in_progress"  # the payer is still on the card page
    OK = "ok"  # paid at the PSP; still needs verify, or the money goes back
    CANCELED = "canceled"
    FAILED = "failed"
    SESSION_ENDED = "session_ended"  # the payer's time on the card page ran out before they paid
    NOT_FOUND = "not_found"  # unknown, already verified/reversed, or the lookup window has passed
    # The PSP offers no lookup without the keys only its callback carries, and no callback has come: wait,
    # and once the verify window has passed the PSP has given any money back by itself.
    UNKNOWABLE = "unknowable"


@dataclass(frozen=True)
class ReceiptResult:
    state: ReceiptState
    status: int | None = None  # the PSP's own status number, for the events log
    token: str | None = None
    ref_num: str | None = None
    order_id: str | None = None
    terminal_id: str | None = None
    amount: int | None = None
    affective_amount: int | None = None
    rrn: str | None = None
    trace_no: str | None = None
    masked_pan: str | None = None
    hashed_pan: str | None = None
    # The PSP fixed the amount when it issued the token and checks it itself; a missing amount in this
    # answer is then no mismatch (one that is present must still equal ours).
    amount_bound_to_token: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)


class VerifyOutcome(StrEnum):
    VERIFIED = "verified"
    ALREADY_VERIFIED = "already_verified"  # a repeat: success, confirm the amount from the first answer
    REVERSED = "reversed"
    NOT_FOUND = "not_found"
    WINDOW_PASSED = "window_passed"  # the PSP has given or will give the money back
    FAILED = "failed"


@dataclass(frozen=True)
class VerifyResult:
    outcome: VerifyOutcome
    code: int
    description: str = ""
    ref_num: str | None = None
    rrn: str | None = None
    trace_no: str | None = None
    trace_date: str | None = None
    masked_pan: str | None = None
    hashed_pan: str | None = None
    terminal_id: str | None = None
    original_amount: int | None = None
    affective_amount: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.outcome in (VerifyOutcome.VERIFIED, VerifyOutcome.ALREADY_VERIFIED)

    @property
    def has_detail(self) -> bool:
        """Whether the answer carried amounts; a repeat may not, and then the first answer is the record."""
        return self.original_amount is not None


class ReverseOutcome(StrEnum):
    REVERSED = "reversed"
    ALREADY_REVERSED = "already_reversed"
    NOT_FOUND = "not_found"
    WINDOW_PASSED = "window_passed"
    FAILED = "failed"


@dataclass(frozen=True)
class ReverseResult:
    outcome: ReverseOutcome
    code: int
    description: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.outcome in (ReverseOutcome.REVERSED, ReverseOutcome.ALREADY_REVERSED)


class SettleOutcome(StrEnum):
    SETTLED = "settled"  # deposit requested (or the PSP deposits verified payments by itself)
    ALREADY_SETTLED = "already_settled"
    FAILED = "failed"


@dataclass(frozen=True)
class SettleResult:
    outcome: SettleOutcome
    code: int
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.outcome in (SettleOutcome.SETTLED, SettleOutcome.ALREADY_SETTLED)


class ReportState(StrEnum):
    """A transaction's standing in the PSP's own report (payments.md §8, settlement reconciliation)."""

    VERIFIED = "verified"  # the merchant's money
    PAID_UNVERIFIED = "paid_unverified"  # held; goes back unless verified in time
    REVERSED = "reversed"  # by the merchant, or by the PSP because nobody verified it
    FAILED = "failed"  # cancelled, refused, or the session ended; nothing taken
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class ReportLine:
    """One transaction of a day as the PSP lists it for our terminal."""

    state: ReportState
    order_id: str
    amount: int
    token: str | None = None
    ref_num: str | None = None
    affective_amount: int | None = None
    rrn: str | None = None
    trace_no: str | None = None
    masked_pan: str | None = None
    paid_at: str | None = None
    verified_at: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


class PaymentGateway(Protocol):
    """One PSP terminal. The windows let the caller set its deadlines from the PSP's own rules.

    `order_id` rides along on every follow-up call because some PSPs key a payment by our order and their
    reference together; a PSP that needs only its reference ignores it.
    """

    name: str  # stored with each attempt as its PSP
    label: str  # the PSP as staff know it, in Persian, for reports
    terminal_id: str
    token_lifetime: timedelta
    receipt_window: timedelta  # after the token
    verify_window: timedelta  # after the payment; then the PSP reverses by itself
    reverse_window: timedelta  # after the payment
    deposits_by_itself: bool  # verified money is deposited without a settle call (then `settle` is never called)
    # The receipt is read from the callback the attempt received (no lookup at the PSP): a driver without the
    # callback in hand (the reconciler) reads the latest one from the attempt's log for it.
    receipt_needs_hint: bool

    def request_token(self, request: TokenRequest) -> TokenResult: ...

    def parse_callback(self, data: Mapping[str, Any]) -> CallbackHint: ...

    def receipt(self, *, token: str | None = None, ref_num: str | None = None,
                hint: CallbackHint | None = None) -> ReceiptResult: ...

    def verify(self, ref_num: str, *, order_id: str) -> VerifyResult: ...

    def inquire(self, ref_num: str, *, order_id: str) -> VerifyResult:
        """What became of a verify whose answer was lost; verifies if it never happened."""
        ...

    def settle(self, ref_num: str, *, order_id: str) -> SettleResult:
        """Ask for the verified money to be deposited; a PSP that deposits by itself answers at once."""
        ...

    def reverse(self, ref_num: str, *, order_id: str) -> ReverseResult: ...

    def transactions(self, day: date) -> list[ReportLine]:
        """The PSP's list of our terminal's transactions created on `day` (Tehran), for the daily report."""
        ...
