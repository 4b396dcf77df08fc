"""The payment state machine of payments.md §9.

Every move goes through `_move`: one short transaction that locks the attempt, checks that it is still in
the state the caller saw (and that the move is in the table), and writes a transition event. No row lock is
ever held while we talk to the PSP: we commit, call, then lock again and move. The callback and the
reconciler both call `payment_drive`, so they share one code path; whichever comes second finds the attempt
already moved and stops (StaleMove).

Locks are always taken attempt first, then slip, so two drivers can never wait on each other in a circle.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from insured.models import DebtSlip, DebtSlipStatus, Slip, SlipStatus
from insured.services import debt_slip_mark_paid
from insured.slips import contract_lock, slip_mark_paid
from payments import messages as text
from payments.checks import referrer_policy_problem
from payments.gateways import registry
from payments.gateways.base import (
    CallbackHint,
    GatewayError,
    PaymentGateway,
    PermanentGatewayError,
    ReceiptResult,
    ReceiptState,
    RetryableGatewayError,
    TokenRequest,
    TokenResult,
    VerifyOutcome,
    VerifyResult,
)
from payments.models import HOLDING_STATES, UNRESOLVED_STATES, PaymentAttempt, PaymentEvent, ReviewFinding, State
from payments.routing import gateway_record_failure, gateway_record_success, payment_route
from payments.selectors import REVIEW_ROLES, attempts_visible_to, payment_money_kept
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.jalali import TEHRAN
from samt.models import AuditEvent, Role
from samt.sms import sms_queue

# payments.md §9, plus CHECKING -> REDIRECTED for "the payer is still on the card page, ask again later".
ALLOWED_MOVES: dict[str, set[str]] = {
    State.CREATED: {State.REDIRECTED, State.FAILED},
    State.REDIRECTED: {State.CHECKING, State.EXPIRED},
    State.CHECKING: {State.REDIRECTED, State.VERIFYING, State.FAILED, State.REJECTED, State.EXPIRED},
    State.VERIFYING: {State.SUCCEEDED, State.VERIFY_UNKNOWN, State.FAILED, State.EXPIRED, State.REVERSE_PENDING},
    State.VERIFY_UNKNOWN: {State.SUCCEEDED, State.FAILED, State.EXPIRED, State.REVERSE_PENDING, State.MANUAL_REVIEW},
    State.REVERSE_PENDING: {State.REVERSED, State.MANUAL_REVIEW},
    # No driver moves a manual review: an HQ expert closes it once the bank has answered (payment_review_close).
    State.MANUAL_REVIEW: {State.FAILED, State.REFUNDED},
}
SYSTEM = Actor.system("payments")
# Staff who take a card payment at the branch counter's kiosk (the insured types the card on the PSP's page).
BRANCH_COUNTER_ROLES = (Role.TECHNICAL_STAFF, Role.BRANCH_HEAD)
# Our clock and the PSP's may differ a little: give the payer's last second at the bank the benefit.
CLOCK_GRACE = timedelta(minutes=2)
# A token request is answered (or times out) within seconds; an attempt still CREATED this long after was left by
# a server that stopped mid-request. Its browser never got a token, so the reconciler fails it.
TOKEN_ABANDONED_AFTER = timedelta(minutes=2)
logger = logging.getLogger("samt.payments")


class StaleMove(Exception):
    """Someone else moved the attempt first (the callback and the reconciler raced); nothing to do."""


def record_event(attempt: PaymentAttempt, kind: str, name: str, data: dict[str, Any] | None = None) -> None:
    """Appended in its own transaction, before anything acts on what it records."""
    with transaction.atomic():
        PaymentEvent.objects.create(attempt=attempt, kind=kind, name=name, data=_json_safe(data or {}))


def _json_safe(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _json_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_json_safe(v) for v in data]
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    return str(data)


def _move(attempt: PaymentAttempt, to: str, *, then: Callable[[PaymentAttempt], None] | None = None,
          **fields: Any) -> PaymentAttempt:
    """Move `attempt` from the state the caller saw in it to `to`, or raise StaleMove.

    Checking the observed state, not only the table, is what makes a slow driver harmless: a reconciler whose
    receipt call came back "not found" because the callback has verified in the meantime must not turn a
    VERIFYING attempt into FAILED (the money would stay taken and the slip unpaid).
    """
    with transaction.atomic():
        return _apply(_lock_as_seen(attempt, to), to, then=then, **fields)


def _lock_as_seen(attempt: PaymentAttempt, to: str) -> PaymentAttempt:
    """The attempt locked, if it is still in the state the caller saw and may move to `to`; else StaleMove."""
    locked = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.state != attempt.state or to not in ALLOWED_MOVES.get(locked.state, set()):
        raise StaleMove(f"{locked.order_id}: saw {attempt.state}, is {locked.state}, asked for {to}")
    return locked


def _apply(locked: PaymentAttempt, to: str, *, then: Callable[[PaymentAttempt], None] | None = None,
           logged: dict[str, Any] | None = None, **fields: Any) -> PaymentAttempt:
    """The second half of _move, in its transaction: the locked attempt moved, saved and its transition logged
    (with `logged` beside the reason)."""
    before = locked.state
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.state = to
    locked.updated_at = timezone.now()
    locked.save()
    if then is not None:
        then(locked)
    PaymentEvent.objects.create(attempt=locked, kind=PaymentEvent.Kind.TRANSITION, name=f"{before}->{to}",
                                data=_json_safe({"reason": locked.failure_reason, **(logged or {})}))
    return locked


# Starting a payment ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    attempt: PaymentAttempt
    redirect: Any  # payments.gateways.base.BrowserRedirect, or None when no gateway gave a token


def gateway_for(attempt: PaymentAttempt) -> PaymentGateway:
    """The adapter of the PSP and terminal the attempt started at: it is always finished there."""
    return registry.gateway_for(attempt.psp, attempt.terminal_id)


def payment_start(*, actor: Actor, payable: Slip | DebtSlip, callback_url: Callable[[str], str],
                  cell_number: str | None = None) -> Started:
    """A token from the first gateway of the route; if it gives no answer (timeout, 5xx), one more try at the
    next gateway as a new attempt with a new order number, so no order number ever reaches two PSPs. The
    first attempt is failed before the second is created: a slip never has two unresolved attempts."""
    route = payment_route()
    attempt = _create_attempt(actor, payable, route[0])
    # A Referer the PSP will not get is a configuration error: fail here, at token time, not on the card page.
    problem = referrer_policy_problem(getattr(settings, "SECURE_REFERRER_POLICY", None))
    if problem:
        record_event(attempt, PaymentEvent.Kind.PSP_ERROR, "referrer_policy", {"message": problem})
        return Started(_refused(attempt, problem), None)
    started, retry_elsewhere = _token(attempt, route[0], callback_url, cell_number)
    if retry_elsewhere and len(route) > 1:
        following = _create_attempt(actor, payable, route[1])
        record_event(following, PaymentEvent.Kind.TRANSITION, "failover",
                     {"from_order": attempt.order_id, "from_psp": attempt.psp, "to_psp": following.psp})
        started, _ = _token(following, route[1], callback_url, cell_number)
    return started


def _token(attempt: PaymentAttempt, gateway: PaymentGateway, callback_url: Callable[[str], str],
           cell_number: str | None) -> tuple[Started, bool]:
    """The token request of one attempt; the flag says whether another gateway may be tried."""
    request = TokenRequest(order_id=attempt.order_id, amount_rial=attempt.amount_rial,
                           redirect_url=callback_url(attempt.order_id), cell_number=cell_number)
    record_event(attempt, PaymentEvent.Kind.PSP_CALL, "token", {"amount": request.amount_rial})
    try:
        result: TokenResult = gateway.request_token(request)
    except PermanentGatewayError as error:
        # IP not registered, terminal unknown or disabled, bad parameters: the same call fails until someone
        # fixes the configuration, so an administrator must hear of it (F12).
        record_event(attempt, PaymentEvent.Kind.PSP_ERROR, "token", {"message": error.message, "raw": error.raw})
        gateway_record_failure(gateway, error.message)
        return Started(_refused(attempt, error.message), None), False
    except GatewayError as error:
        record_event(attempt, PaymentEvent.Kind.PSP_ERROR, "token", {"message": error.message, "raw": error.raw})
        logger.warning("payment %s: no token from %s: %s", attempt.order_id, attempt.psp, error.message)
        gateway_record_failure(gateway, error.message)
        return Started(_move(attempt, State.FAILED, failure_reason=text.BANK_UNAVAILABLE), None), True
    gateway_record_success(gateway)
    record_event(attempt, PaymentEvent.Kind.PSP_ANSWER, "token", dict(result.raw))
    return Started(_move(attempt, State.REDIRECTED, token=result.token), result.redirect), False


def _refused(attempt: PaymentAttempt, reason: str) -> PaymentAttempt:
    """The payer hears it is not their fault; the administrator reads why in the audit trail and the log."""
    failed = _move(attempt, State.FAILED, failure_reason=text.GATEWAY_REFUSED)
    logger.error("payment %s refused at token time: %s", attempt.order_id, reason)
    _alert(failed, "payment.gateway_refused", {"reason": reason})
    return failed


def new_order_id() -> str:
    """Our order number, sent to the PSP with the token request: 18 random digits. The payer's browser and the PSP see
    it, so it must not lead from one payment to the next as a counter would; digits only and below 2^63 because
    some PSPs take it as a long. 60 random bits make a collision (refused by the unique index) vanishingly rare."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


@transaction.atomic
def _create_attempt(actor: Actor, payable: Slip | DebtSlip, gateway: PaymentGateway) -> PaymentAttempt:
    # One name per type: the row a Slip payment locks is not the row a DebtSlip payment locks.
    locked: Slip | DebtSlip
    target: dict[str, Slip | DebtSlip]
    contract_lock(_contract_id(payable))
    if isinstance(payable, Slip):
        slip = Slip.objects.select_for_update().get(pk=payable.pk)
        if not slip.is_payable():
            raise DomainError(text.SLIP_NOT_PAYABLE)
        locked, amount, target = slip, slip.total, {"slip": slip}
    else:
        debt_slip = DebtSlip.objects.select_for_update().get(pk=payable.pk)
        if debt_slip.status != DebtSlipStatus.ISSUED:
            raise DomainError(text.SLIP_NOT_PAYABLE)
        locked, amount, target = debt_slip, debt_slip.amount, {"debt_slip": debt_slip}
    # A second tab, a payer who came back while the bank still has the first debit, a broker and the insured at
    # once: no second debit while one is unresolved (or kept by the PSP for an expert). The contract's lock
    # serialises the starters; the one_unresolved_attempt constraints hold it even without the lock.
    holding = PaymentAttempt.objects.filter(state__in=HOLDING_STATES, **target)
    if holding.exists():
        raise DomainError(text.PAY_AGAIN_REFUSED)
    try:
        with transaction.atomic():
            attempt = PaymentAttempt.objects.create(
                order_id=new_order_id(), psp=gateway.name,
                terminal_id=gateway.terminal_id, amount_rial=amount, started_by=actor.user, office_id=actor.office_id,
                branch_id=actor.branch_id if actor.role in BRANCH_COUNTER_ROLES else None, **target,
            )
    except IntegrityError:
        if holding.exists():
            raise DomainError(text.PAY_AGAIN_REFUSED) from None
        raise
    audit_record(actor=actor, action="payment.started", subject=attempt,
                 after={"order_id": attempt.order_id, "amount": amount, "payable": str(locked)})
    return attempt


# Driving an attempt to its end: the callback and the reconciler both come here ------------------------------


def payment_drive(attempt: PaymentAttempt, *, hint: CallbackHint | None = None,
                  now: datetime | None = None) -> PaymentAttempt:
    """Take the attempt as far as the PSP's answers allow. `hint` is what the callback calling this has just
    recorded (payment_record_callback); without it, the latest hint in the attempt's log is used."""
    gateway = gateway_for(attempt)
    now = now or timezone.now()
    attempt.refresh_from_db()
    try:
        if attempt.state == State.CREATED and now > attempt.created_at + TOKEN_ABANDONED_AFTER:
            # Its server stopped between writing it and handing the browser a token: nobody can have paid it, and
            # it must not keep the slip from being paid.
            attempt = _move(attempt, State.FAILED, failure_reason=text.BANK_UNAVAILABLE)
        if attempt.state in (State.REDIRECTED, State.CHECKING):
            attempt = _check(attempt, gateway, now, hint)
        if attempt.state in (State.VERIFYING, State.VERIFY_UNKNOWN):
            attempt = _verify(attempt, gateway, now)
        if attempt.state == State.REVERSE_PENDING:
            attempt = _reverse(attempt, gateway, now)
        if attempt.state == State.SUCCEEDED and attempt.settled_at is None:
            attempt = _settle(attempt, gateway)
    except StaleMove:
        attempt.refresh_from_db()
    return attempt


def payment_record_callback(attempt: PaymentAttempt, method: str, fields: dict[str, str],
                            hint: CallbackHint) -> None:
    """A callback for this attempt's own token, stored in one write before anything acts on it (payments.md §8,
    "verify, store, acknowledge, then process"): the fields as they came, and the hint they carry, kept for every
    later driver (the reconciler included): for a PSP with no lookup by token, it is the only source of the bank's
    reference."""
    with transaction.atomic():
        PaymentEvent.objects.bulk_create([
            PaymentEvent(attempt=attempt, kind=PaymentEvent.Kind.CALLBACK, name=method,
                         data=_json_safe({"fields": fields})),
            PaymentEvent(attempt=attempt, kind=PaymentEvent.Kind.CALLBACK, name="hint",
                         data=_json_safe(hint.as_dict())),
        ])


def _latest_hint(attempt: PaymentAttempt) -> CallbackHint | None:
    event = (PaymentEvent.objects.filter(attempt=attempt, kind=PaymentEvent.Kind.CALLBACK, name="hint")
             .order_by("-at", "-id").first())
    return CallbackHint.from_dict(event.data) if event is not None else None


def _gives_up_at(attempt: PaymentAttempt, gateway: PaymentGateway) -> datetime:
    """After this no call to the PSP can change the money: the latest possible payment (the token's end) plus
    the reverse window. An attempt still unknown by then goes to a person."""
    return attempt.created_at + gateway.token_lifetime + gateway.reverse_window + CLOCK_GRACE


def _ask(attempt: PaymentAttempt, name: str, call: Callable[[], Any]) -> Any:
    """Call the PSP with the event log written on both sides; a GatewayError is logged and re-raised."""
    record_event(attempt, PaymentEvent.Kind.PSP_CALL, name)
    try:
        answer = call()
    except GatewayError as error:
        record_event(attempt, PaymentEvent.Kind.PSP_ERROR, name, {"message": error.message, "raw": error.raw})
        if not error.retryable:
            logger.error("payment %s: the PSP refused %s: %s", attempt.order_id, name, error.message)
        raise
    record_event(attempt, PaymentEvent.Kind.PSP_ANSWER, name, dict(answer.raw))
    return answer


def _check(attempt: PaymentAttempt, gateway: PaymentGateway, now: datetime,
           hint: CallbackHint | None = None) -> PaymentAttempt:
    if attempt.state == State.REDIRECTED:
        attempt = _move(attempt, State.CHECKING)
    try:
        if hint is None and gateway.receipt_needs_hint:
            hint = _latest_hint(attempt)
        receipt: ReceiptResult = _ask(attempt, "receipt", lambda: gateway.receipt(token=attempt.token, hint=hint))
    except GatewayError:
        if now > attempt.created_at + gateway.receipt_window + CLOCK_GRACE:
            # We never verified it, so by now the PSP has given any money back by itself (F9).
            return _move(attempt, State.EXPIRED, failure_reason=text.EXPIRED_UNCONFIRMED)
        return attempt  # unknown: stays CHECKING; the reconciler asks again
    if receipt.state == ReceiptState.IN_PROGRESS:
        if now > attempt.created_at + gateway.token_lifetime + CLOCK_GRACE:
            return _move(attempt, State.EXPIRED, failure_reason=text.TOKEN_EXPIRED)
        return _move(attempt, State.REDIRECTED)
    if receipt.state == ReceiptState.UNKNOWABLE:
        # No callback, and no way to ask: once the payer's time and the verify window have both passed, the
        # PSP has given back anything taken, and nothing can make this attempt succeed any more (F1).
        if now > attempt.created_at + gateway.token_lifetime + gateway.verify_window + CLOCK_GRACE:
            return _move(attempt, State.EXPIRED, failure_reason=text.EXPIRED_UNCONFIRMED)
        return _move(attempt, State.REDIRECTED)
    if receipt.state == ReceiptState.CANCELED:
        return _move(attempt, State.FAILED, failure_reason=text.CANCELED)
    if receipt.state == ReceiptState.SESSION_ENDED:
        return _move(attempt, State.EXPIRED, failure_reason=text.TOKEN_EXPIRED)
    if receipt.state == ReceiptState.FAILED:
        return _move(attempt, State.FAILED, failure_reason=text.BANK_DECLINED)
    if receipt.state == ReceiptState.NOT_FOUND:
        # Our own token, which the PSP issued, and which we never verified: the lookup window has passed or
        # the PSP has reversed an unverified payment. Either way nothing is held and the slip is unpaid.
        return _move(attempt, State.EXPIRED, failure_reason=text.EXPIRED_UNCONFIRMED)
    mismatch = _receipt_mismatch(attempt, receipt, gateway)
    if mismatch:
        return _reject(attempt, text.MISMATCH, {"why": mismatch, "ref_num": receipt.ref_num})
    return _claim(attempt, receipt)


def _receipt_mismatch(attempt: PaymentAttempt, receipt: ReceiptResult, gateway: PaymentGateway) -> str:
    """What in the PSP's own answer does not fit our frozen attempt (receipt substitution, tampering)."""
    if receipt.terminal_id != gateway.terminal_id:
        return "terminal"
    if receipt.order_id != attempt.order_id or receipt.token != attempt.token:
        return "order"
    amount_checked = receipt.amount is not None or not receipt.amount_bound_to_token
    if amount_checked and (receipt.amount != attempt.amount_rial or receipt.affective_amount != attempt.amount_rial):
        return "amount"
    if not receipt.ref_num:
        return "no reference"
    if _reference_used_elsewhere(attempt, receipt.ref_num):
        return "reference reused"
    return ""


def _reference_used_elsewhere(attempt: PaymentAttempt, ref_num: str) -> bool:
    return PaymentAttempt.objects.filter(psp=attempt.psp, terminal_id=attempt.terminal_id,
                                         bank_ref=ref_num).exclude(pk=attempt.pk).exists()


def _reject(attempt: PaymentAttempt, reason: str, details: dict[str, Any]) -> PaymentAttempt:
    """Not verified, so the PSP gives the money back by itself; recorded for a person to look at."""
    rejected = _move(attempt, State.REJECTED, failure_reason=reason, then=_tell(sms_texts.payment_not_accepted))
    _alert(rejected, "payment.rejected", details)
    return rejected


def _claim(attempt: PaymentAttempt, receipt: ReceiptResult) -> PaymentAttempt:
    """Only one attempt per slip may go on to verify; a second paid tab is left unverified so the PSP
    gives its money back (payments.md F7)."""
    fields: dict[str, Any] = {"bank_ref": receipt.ref_num, "rrn": receipt.rrn or "", "trace_no": receipt.trace_no or "",
              "masked_pan": receipt.masked_pan or ""}
    try:
        with transaction.atomic():
            # The attempt, then the contract, then the slip: the order _credit locks them in.
            locked = _lock_as_seen(attempt, State.VERIFYING)
            if not _payable_already_paid(attempt):
                return _apply(locked, State.VERIFYING, **fields)
    except IntegrityError:
        # The database's own guard: another attempt already claims this slip, or the reference is used.
        if receipt.ref_num and _reference_used_elsewhere(attempt, receipt.ref_num):
            return _reject(attempt, text.MISMATCH, {"why": "reference reused", "ref_num": receipt.ref_num})
    return _reject(attempt, text.PAID_ELSEWHERE, {"why": "paid elsewhere", "ref_num": receipt.ref_num})


def _contract_id(payable: Slip | DebtSlip) -> int | Subquery:
    """The contract a payable belongs to; of a debt slip, found by the locking statement itself."""
    if isinstance(payable, Slip):
        return payable.contract_id
    return Subquery(DebtSlip.objects.filter(pk=payable.pk).values("statement__contract_id"))


def _payable_already_paid(attempt: PaymentAttempt) -> bool:
    """Locks the contract (found by the locking statement itself), then the slip or debt slip."""
    if attempt.slip_id is not None:
        contract_lock(Subquery(Slip.objects.filter(pk=attempt.slip_id).values("contract_id")))
        return Slip.objects.select_for_update().get(pk=attempt.slip_id).status == SlipStatus.PAID
    contract_lock(Subquery(DebtSlip.objects.filter(pk=attempt.debt_slip_id or 0).values("statement__contract_id")))
    return DebtSlip.objects.select_for_update().get(pk=attempt.debt_slip_id or 0).status == DebtSlipStatus.PAID


def _verify(attempt: PaymentAttempt, gateway: PaymentGateway, now: datetime) -> PaymentAttempt:
    # After a lost answer, ask what became of it (a PSP with an inquiry call answers without a second verify).
    ask = gateway.inquire if attempt.state == State.VERIFY_UNKNOWN else gateway.verify
    try:
        result: VerifyResult = _ask(attempt, "verify", lambda: ask(attempt.bank_ref, order_id=attempt.order_id))
    except GatewayError as error:
        # No answer (it may have been verified) or a refusal someone must fix (terminal, IP): never call this
        # failed; ask the same question again inside the window (F8), and hand it to a person after it.
        return _verify_unknown(attempt, gateway, now, error.message)
    if result.outcome in (VerifyOutcome.REVERSED, VerifyOutcome.WINDOW_PASSED):
        return _move(attempt, State.EXPIRED, failure_reason=text.VERIFY_TOO_LATE)
    if result.outcome == VerifyOutcome.NOT_FOUND:
        # The PSP knows no such payment for this order: the reference the callback brought is not ours. It is
        # let go (it stays in the event log), so that a forger who claims another payment's reference first
        # cannot keep that payment's own attempt from being credited.
        return _move(attempt, State.FAILED, failure_reason=text.NOT_FOUND, bank_ref="")
    if not result.succeeded:
        # A code the PSP does not document as a refusal: not a "no", so not FAILED.
        return _verify_unknown(attempt, gateway, now, f"verify code {result.code}")
    mismatch = _verify_mismatch(attempt, result)
    if mismatch:
        moved = _move(attempt, State.REVERSE_PENDING, failure_reason=text.MISMATCH)
        _alert(moved, "payment.amount_mismatch", {"why": mismatch, "original": result.original_amount,
                                                   "affective": result.affective_amount, "ref_num": result.ref_num})
        return moved
    return _credit(attempt, result, gateway)


def _verify_unknown(attempt: PaymentAttempt, gateway: PaymentGateway, now: datetime, why: str) -> PaymentAttempt:
    if now > _gives_up_at(attempt, gateway):
        moved = _move(attempt, State.MANUAL_REVIEW, failure_reason=text.REVIEW,
                      then=_tell(partial(sms_texts.payment_in_review, reference=attempt.order_id)))
        _alert(moved, "payment.verify_unknown", {"why": why, "ref_num": attempt.bank_ref})
        return moved
    return _move(attempt, State.VERIFY_UNKNOWN) if attempt.state == State.VERIFYING else attempt


def _verify_mismatch(attempt: PaymentAttempt, result: VerifyResult) -> str:
    """A repeat (code 2) may carry no detail; then the receipt we checked before verifying is the record."""
    if not result.has_detail:
        return ""
    if result.original_amount != attempt.amount_rial or result.affective_amount != attempt.amount_rial:
        return "amount"
    if result.terminal_id and result.terminal_id != attempt.terminal_id:
        return "terminal"
    if result.ref_num and result.ref_num != attempt.bank_ref:
        return "reference"
    return ""


def bank_time(attempt: PaymentAttempt, result: VerifyResult, now: datetime) -> datetime:
    """When the bank took the money: its trace date (Tehran wall time) when it is a plausible moment of this
    attempt, else now. The slip's deadline is judged then (design rule 8): a payment made at 23:59 on the last
    payable day and verified after midnight by the reconciler was made in time."""
    try:
        taken = datetime.strptime(result.trace_date or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=TEHRAN)
    except ValueError:
        return now
    return taken if attempt.created_at - CLOCK_GRACE <= taken <= now + CLOCK_GRACE else now


def _credit(attempt: PaymentAttempt, result: VerifyResult, gateway: PaymentGateway) -> PaymentAttempt:
    """The slip becomes paid in the same transaction as the attempt succeeds, or neither happens. A PSP that
    deposits verified money by itself has nothing to be asked afterwards: the attempt is settled as it succeeds."""
    now = timezone.now()
    paid_at = bank_time(attempt, result, now)
    reference = f"{attempt.psp}:{attempt.terminal_id}:{attempt.bank_ref}"
    try:
        with transaction.atomic():
            return _move(attempt, State.SUCCEEDED, paid_at=paid_at, rrn=result.rrn or attempt.rrn,
                         trace_no=result.trace_no or attempt.trace_no,
                         masked_pan=result.masked_pan or attempt.masked_pan,
                         settled_at=now if gateway.deposits_by_itself else None,
                         then=lambda locked: _mark_payable_paid(locked, reference, paid_at))
    except (DomainError, IntegrityError) as refusal:
        # Verified money for something no longer payable (voided, expired, changed, its reference or months
        # taken by another payment): give it back (F14).
        reason = refusal.message if isinstance(refusal, DomainError) else text.PAID_ELSEWHERE
        moved = _move(attempt, State.REVERSE_PENDING, failure_reason=reason)
        _alert(moved, "payment.not_creditable", {"why": reason, "ref_num": attempt.bank_ref})
        return moved


def _tell(text_for: Callable[..., str]) -> Callable[[PaymentAttempt], None]:
    """The person whose slip it is hears how a payment ended when money may have left a card: queued in the move's
    own transaction, once per attempt and ending (a payer without a login may be anyone; the text goes to the
    insured on record)."""

    def tell(locked: PaymentAttempt) -> None:
        payable = locked.payable
        person = payable.contract.insured if isinstance(payable, Slip) else payable.statement.contract.insured
        sms_queue(to=person.mobile, event=f"payment.{locked.state}:{locked.pk}",
                  text=text_for(amount=locked.amount_rial, number=payable.number))

    return tell


def _mark_payable_paid(attempt: PaymentAttempt, reference: str, paid_at: datetime) -> None:
    payable = attempt.payable
    if isinstance(payable, Slip):
        slip = slip_mark_paid(actor=SYSTEM, slip=payable, reference=reference, amount=attempt.amount_rial,
                              paid_at=paid_at)
        attempt.slip = slip  # the same row, read under its lock with the person it is filed under
        sms_queue(to=slip.contract.insured.mobile, event=f"payment.credited:{attempt.pk}",
                  text=sms_texts.slip_credited(first=slip.first_month, last=slip.last_month,
                                               reference=attempt.bank_ref))
    else:
        debt = payable
        if debt.amount != attempt.amount_rial:
            raise DomainError(text.MISMATCH)
        debt_slip_mark_paid(actor=SYSTEM, debt_slip=debt, reference=reference, paid_at=paid_at)
    audit_record(actor=SYSTEM, action="payment.succeeded", subject=attempt,
                 after={"order_id": attempt.order_id, "bank_ref": attempt.bank_ref, "amount": attempt.amount_rial})


def _settle(attempt: PaymentAttempt, gateway: PaymentGateway) -> PaymentAttempt:
    """Ask for the credited money to be deposited. The slip is paid either way; an unanswered or refused
    settle is asked again by the reconciler (F10), and a refusal is on the audit trail for a person."""
    try:
        result = _ask(attempt, "settle", lambda: gateway.settle(attempt.bank_ref, order_id=attempt.order_id))
    except GatewayError:
        return attempt
    if not result.succeeded:
        # Asked again each round for a day (SETTLE_RETRIES_FOR); a person hears of it once.
        if not AuditEvent.objects.filter(subject_type=PaymentAttempt._meta.label_lower, subject_id=str(attempt.pk),
                                         action="payment.settle_failed").exists():
            _alert(attempt, "payment.settle_failed", {"code": result.code, "ref_num": attempt.bank_ref})
        return attempt
    with transaction.atomic():
        PaymentAttempt.objects.filter(pk=attempt.pk, settled_at=None).update(settled_at=timezone.now())
    attempt.refresh_from_db()
    return attempt


def _reverse(attempt: PaymentAttempt, gateway: PaymentGateway, now: datetime) -> PaymentAttempt:
    try:
        result = _ask(attempt, "reverse", lambda: gateway.reverse(attempt.bank_ref, order_id=attempt.order_id))
    except RetryableGatewayError as error:
        if now > _gives_up_at(attempt, gateway):
            return _to_review(attempt, {"why": error.message})
        return attempt  # ask again: a reverse whose answer was lost is repeated safely (code 2)
    except GatewayError as error:
        return _to_review(attempt, {"why": error.message})
    if not result.succeeded:
        return _to_review(attempt, {"why": f"reverse code {result.code}", "outcome": str(result.outcome)})
    reversed_ = _move(attempt, State.REVERSED, then=_tell(sms_texts.payment_reversed))
    with transaction.atomic():
        audit_record(actor=SYSTEM, action="payment.reversed", subject=reversed_,
                     after={"order_id": attempt.order_id, "bank_ref": attempt.bank_ref, "amount": attempt.amount_rial})
    return reversed_


def _to_review(attempt: PaymentAttempt, details: dict[str, Any]) -> PaymentAttempt:
    """Verified money we could not give back: a person must refund it (the daily report shows it too)."""
    moved = _move(attempt, State.MANUAL_REVIEW, failure_reason=text.REVERSE_FAILED,
                  then=_tell(partial(sms_texts.payment_in_review, reference=attempt.order_id)))
    _alert(moved, "payment.reverse_failed", {"ref_num": attempt.bank_ref, **details})
    return moved


def _alert(attempt: PaymentAttempt, action: str, details: dict[str, Any]) -> None:
    """Something a person must look at: written to the audit trail HQ reads."""
    with transaction.atomic():
        audit_record(actor=SYSTEM, action=action, subject=attempt,
                     after=_json_safe({"order_id": attempt.order_id, **details}))


# Closing a manual review: a person's answer to what no driver could settle ----------------------------------


def payment_review_close(*, actor: Actor, attempt: PaymentAttempt, finding: str, note: str,
                         refund_reference: str = "") -> PaymentAttempt:
    """An HQ expert in the payer's province (or a national one) closes a manual review with what the bank said:
    no money was taken (FAILED), or the amount was returned to the payer's card by hand, with the bank's refund
    reference (REFUNDED). Either way the slip was not paid by this attempt and is never credited from here: it is
    offered for payment again (if still payable), and the payer is told by SMS. The expert's note and the reference
    go into the transition event and the audit trail; the payer reads a fixed text."""
    note, refund_reference = note.strip(), refund_reference.strip()
    if actor.user is None or actor.role not in REVIEW_ROLES:
        raise DomainError(text.REVIEW_NOT_ALLOWED)
    if finding not in ReviewFinding.values:
        raise DomainError(text.REVIEW_FINDING_UNKNOWN)
    if not note:
        raise DomainError(text.REVIEW_NOTE_REQUIRED)
    if finding == ReviewFinding.REFUNDED and not refund_reference:
        raise DomainError(text.REVIEW_REFERENCE_REQUIRED)
    if not attempts_visible_to(actor.user).filter(pk=attempt.pk).exists():
        raise DomainError(text.REVIEW_NOT_ALLOWED)
    with transaction.atomic():
        # Two experts answering the same review at once: the second waits here, then finds it closed.
        locked = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state != State.MANUAL_REVIEW:
            raise DomainError(text.REVIEW_NOT_OPEN)
        kept = payment_money_kept(locked)
        if finding == ReviewFinding.NO_MONEY_TAKEN and kept:
            # The PSP verified this money and our reverse failed: it was taken, whatever else is said.
            raise DomainError(text.REVIEW_MONEY_WAS_KEPT)
        logged = {"finding": finding, "note": note, "by": actor.label, "money_kept": kept}
        if finding == ReviewFinding.NO_MONEY_TAKEN:
            closed = _apply(locked, State.FAILED, failure_reason=text.REVIEW_NO_MONEY_TAKEN, logged=logged,
                            then=_tell(sms_texts.payment_review_no_money))
        else:
            closed = _apply(locked, State.REFUNDED, failure_reason=text.REVIEW_REFUNDED,
                            logged={**logged, "refund_reference": refund_reference},
                            then=_tell(partial(sms_texts.payment_refunded, reference=refund_reference)))
        audit_record(actor=actor, action="payment.review_closed", subject=closed,
                     before={"status": State.MANUAL_REVIEW},
                     after={"status": closed.state, "order_id": closed.order_id,
                            "decision": str(ReviewFinding(finding).label), "note": note,
                            "reference": refund_reference, "amount": closed.amount_rial})
    return closed


# The reconciler ---------------------------------------------------------------------------------------------

# A PSP that deposits only on request is asked again for this long after the payment; after that the daily
# report (the money verified at the bank) and the audit trail leave it to a person.
SETTLE_RETRIES_FOR = timedelta(days=1)


def payment_reconcile_by_psp(*, older_than: timedelta = timedelta(seconds=30), now: datetime | None = None
                             ) -> dict[str, dict[str, int]]:
    """Drives every unfinished attempt that has been quiet for `older_than` through the callback's path, each at
    its own PSP; what became of them, by "psp/terminal"."""
    now = now or timezone.now()
    unsettled = Q(state=State.SUCCEEDED, settled_at=None, paid_at__gte=now - SETTLE_RETRIES_FOR)
    quiet = PaymentAttempt.objects.filter(Q(state__in=UNRESOLVED_STATES) | unsettled, updated_at__lte=now - older_than)
    outcome: dict[str, dict[str, int]] = {}
    for pk, psp, terminal_id in list(quiet.order_by("created_at", "id").values_list("pk", "psp", "terminal_id")):
        counts = outcome.setdefault(f"{psp}/{terminal_id}", {})
        try:
            final = payment_drive(PaymentAttempt.objects.get(pk=pk), now=now)
        except Exception:
            # One attempt that trips over a bug (or a PSP no longer configured) must not stop the others from
            # being finished inside their windows; it is logged and tried again next round.
            logger.exception("reconciler: attempt %s could not be driven", pk)
            counts["error"] = counts.get("error", 0) + 1
            continue
        counts[final.state] = counts.get(final.state, 0) + 1
    return outcome


def payment_reconcile(*, older_than: timedelta = timedelta(seconds=30), now: datetime | None = None
                      ) -> dict[str, int]:
    """payment_reconcile_by_psp, added up over the PSPs."""
    totals: dict[str, int] = {}
    for counts in payment_reconcile_by_psp(older_than=older_than, now=now).values():
        for state, count in counts.items():
            totals[state] = totals.get(state, 0) + count
    return totals
