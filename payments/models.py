"""Card payments of slips and debt slips: one PaymentAttempt per trip to the PSP, and its event log."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from insured.models import DebtSlip, Slip, persons_place
from samt.models import Branch, BrokerOffice, User


class State(models.TextChoices):
    CREATED = "created", "ایجاد شده"
    REDIRECTED = "redirected", "در صفحه پرداخت بانک"
    CHECKING = "checking", "در حال استعلام از بانک"
    VERIFYING = "verifying", "در حال تأیید نزد بانک"
    VERIFY_UNKNOWN = "verify_unknown", "در انتظار پاسخ تأیید بانک"
    SUCCEEDED = "succeeded", "پرداخت‌شده"
    FAILED = "failed", "ناموفق"
    EXPIRED = "expired", "منقضی"
    REJECTED = "rejected", "رد شده (ناهمخوانی با بانک)"
    REVERSE_PENDING = "reverse_pending", "در انتظار برگشت وجه"
    REVERSED = "reversed", "وجه برگشت داده شد"
    MANUAL_REVIEW = "manual_review", "نیازمند بررسی کارشناس"
    # Closed by an expert after a manual review: the amount was returned to the payer's card by hand (the bank's
    # refund reference is in the transition event and the audit trail). The slip was not paid by it.
    REFUNDED = "refunded", "مبلغ به کارت برگشت داده شد"


class ReviewFinding(models.TextChoices):
    """What an HQ expert found when closing a manual review (payments.services.payment_review_close)."""

    NO_MONEY_TAKEN = "no_money_taken", "بانک تأیید کرد که مبلغی از کارت پرداخت‌کننده برداشته نشده است"
    REFUNDED = "refunded", "مبلغ به کارت پرداخت‌کننده برگشت داده شد (با شماره مرجع برگشت بانک)"


# Nothing moves an attempt out of these. A manual review is not one of them: no driver moves it, but an HQ expert
# closes it (payments.services.payment_review_close).
FINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.EXPIRED, State.REJECTED, State.REVERSED,
                          State.REFUNDED})
# An attempt in one of these may already hold the payer's money at the PSP: only one per slip at a time.
CLAIMING_STATES = [State.VERIFYING, State.VERIFY_UNKNOWN, State.SUCCEEDED]
# Not finished: the payer is at the PSP's card page, or the PSP may hold their money and we do not know yet what
# becomes of it. One per slip or debt slip at a time (a constraint), so a card is never debited a second time for
# a slip while the first debit is unresolved.
UNRESOLVED_STATES = [State.CREATED, State.REDIRECTED, State.CHECKING, State.VERIFYING, State.VERIFY_UNKNOWN,
                     State.REVERSE_PENDING]
# While an attempt is in one of these, its slip is not offered for payment again: the unresolved ones, and a manual
# review (the PSP may have kept the money; an expert settles it, and the payer is told not to pay again).
HOLDING_STATES = [*UNRESOLVED_STATES, State.MANUAL_REVIEW]
# What the reconciler drives: the unresolved attempts, and succeeded ones whose deposit is still to be asked for.
FOR_THE_RECONCILER = Q(state__in=UNRESOLVED_STATES) | Q(state=State.SUCCEEDED, settled_at__isnull=True)


class PaymentAttempt(models.Model):
    order_id = models.CharField("شماره سفارش", max_length=20, unique=True)
    # Keys the result page and the receipt; who may open them is decided by payments.selectors (the browser
    # that started it, the owner, staff in scope), never by knowing this key or the order number.
    public_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    psp = models.CharField("درگاه", max_length=16)
    terminal_id = models.CharField("پایانه", max_length=32)
    slip = models.ForeignKey(Slip, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    debt_slip = models.ForeignKey(DebtSlip, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    amount_rial = models.PositiveBigIntegerField("مبلغ (ریال)")
    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.CREATED)
    failure_reason = models.CharField("علت", max_length=255, blank=True)
    token = models.CharField(max_length=64, blank=True)
    bank_ref = models.CharField("شماره مرجع بانک", max_length=64, blank=True)
    rrn = models.CharField("شماره مرجع شبکه (RRN)", max_length=32, blank=True)
    trace_no = models.CharField("شماره پیگیری", max_length=32, blank=True)
    masked_pan = models.CharField("کارت", max_length=32, blank=True)
    # Empty when anyone holding the printed slip or its SMS link paid it without a login (the pay-a-slip page).
    started_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(BrokerOffice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Started by branch staff on the counter's kiosk: the result leads back to this branch's slip page.
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    # When the PSP was asked to deposit the verified money (some PSPs deposit nothing until asked); empty on a
    # succeeded attempt means the reconciler still has to ask.
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "تلاش پرداخت"
        verbose_name_plural = "تلاش‌های پرداخت"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_rial__gt=0), name="attempt_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=State.values), name="attempt_state_known"),
            models.CheckConstraint(
                condition=Q(slip__isnull=False, debt_slip__isnull=True) | Q(slip__isnull=True, debt_slip__isnull=False),
                name="attempt_pays_one_thing",
            ),
            models.UniqueConstraint(fields=["psp", "terminal_id", "bank_ref"], condition=~Q(bank_ref=""),
                                    name="bank_ref_used_once"),
            models.UniqueConstraint(fields=["slip"], condition=Q(state__in=CLAIMING_STATES),
                                    name="one_claiming_attempt_per_slip"),
            models.UniqueConstraint(fields=["debt_slip"], condition=Q(state__in=CLAIMING_STATES),
                                    name="one_claiming_attempt_per_debt_slip"),
            models.UniqueConstraint(fields=["slip"], condition=Q(state__in=UNRESOLVED_STATES),
                                    name="one_unresolved_attempt_per_slip"),
            models.UniqueConstraint(fields=["debt_slip"], condition=Q(state__in=UNRESOLVED_STATES),
                                    name="one_unresolved_attempt_per_debt_slip"),
        ]
        # The reconciler's round reads only these, however many finished attempts the years have left.
        indexes = [models.Index(fields=["updated_at"], condition=FOR_THE_RECONCILER, name="attempt_reconciler_idx")]

    def __str__(self) -> str:
        return f"پرداخت {self.order_id}"

    @property
    def payable(self) -> Slip | DebtSlip:
        payable = self.slip or self.debt_slip
        if payable is None:
            raise ValueError("an attempt pays a slip or a debt slip (a check constraint)")
        return payable

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def audit_place(self) -> tuple[int, int]:
        if self.slip_id is not None:
            if PaymentAttempt.slip.is_cached(self) and self.slip is not None:
                return self.slip.audit_place()
            return persons_place(contracts__slips=self.slip_id)
        return persons_place(contracts__statements__debt_slips=self.debt_slip_id)


class PaymentEvent(models.Model):
    """Append-only: every callback and every PSP answer is written here before anything acts on it."""

    class Kind(models.TextChoices):
        CALLBACK = "callback", "بازگشت مرورگر"
        PSP_CALL = "psp_call", "درخواست به بانک"
        PSP_ANSWER = "psp_answer", "پاسخ بانک"
        PSP_ERROR = "psp_error", "خطای ارتباط با بانک"
        TRANSITION = "transition", "تغییر وضعیت"

    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=64)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.name}"


class GatewayHealth(models.Model):
    """How a gateway's token service has been doing, shared by every app server: a gateway whose token requests
    failed several times in a row is skipped until `cooling_until`, so payers go straight to the next one."""

    psp = models.CharField("درگاه", max_length=16)
    terminal_id = models.CharField("پایانه", max_length=32)
    consecutive_failures = models.PositiveIntegerField(default=0)
    cooling_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=255, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "وضعیت درگاه"
        verbose_name_plural = "وضعیت درگاه‌ها"
        constraints = [models.UniqueConstraint(fields=["psp", "terminal_id"], name="one_health_row_per_gateway")]

    def __str__(self) -> str:
        return f"{self.psp}/{self.terminal_id}"
