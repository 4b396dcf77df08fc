"""Reads about card payments: who may open one payment's outcome, what HQ reads per PSP and day (attempts,
successes, failures by reason, and amounts), and the payments that need a person."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast, TruncDate
from django.http import Http404, HttpRequest
from django.utils import timezone

from insured.models import DebtSlip, DebtSlipStatus, InsuredPerson, Slip, SlipStatus
from payments.gateways.registry import psp_labels
from payments.messages import PayerNotice, payer_notice
from payments.models import HOLDING_STATES, UNRESOLVED_STATES, PaymentAttempt, PaymentEvent, ReviewFinding, State
from samt.access import visible_branches, visible_offices
from samt.jalali import TEHRAN
from samt.models import HQ_ROLES, AuditEvent, Role, User

# Ended without the money being ours; the reason is what the payer was told (or the state, if nothing was).
FAILED_STATES = [State.FAILED, State.EXPIRED, State.REJECTED, State.REVERSED, State.MANUAL_REVIEW, State.REFUNDED]
# Who reads a manual review's file and closes it with what the bank said (payments.services.payment_review_close):
# the province's manager and its senior technical expert, each over the insured of their province (or the country).
REVIEW_ROLES = frozenset({Role.HQ, Role.HQ_TECHNICAL})


@dataclass
class GatewayDay:
    day: date
    psp: str
    psp_label: str
    terminal_id: str
    attempts: int = 0
    succeeded: int = 0
    amount_succeeded: int = 0
    amount_attempted: int = 0
    failed: int = 0
    unfinished: int = 0
    failovers: int = 0  # attempts this gateway took over after another gateway's token service failed
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def success_percent(self) -> int:
        return round(100 * self.succeeded / self.attempts) if self.attempts else 0


def attempts_visible_to(user: User) -> QuerySet[PaymentAttempt]:
    """National HQ staff see every attempt; a province's staff the attempts for their province's insured."""
    membership = user.membership_or_none
    attempts = PaymentAttempt.objects.all()
    if membership is None or membership.role not in HQ_ROLES:
        return attempts.none()
    if membership.province_id is None:
        return attempts
    branches = visible_branches(user)
    return attempts.filter(Q(slip__contract__insured__branch__in=branches)
                           | Q(debt_slip__statement__contract__insured__branch__in=branches))


def gateway_days(attempts: QuerySet[PaymentAttempt], first: date, last: date) -> list[GatewayDay]:
    """One row per PSP terminal and Tehran day from `first` to `last`, newest day first."""
    start = datetime.combine(first, time.min, tzinfo=TEHRAN)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=TEHRAN)
    in_range = attempts.filter(created_at__gte=start, created_at__lt=end).annotate(
        day=TruncDate("created_at", tzinfo=TEHRAN))
    labels = psp_labels()
    rows: dict[tuple[date, str, str], GatewayDay] = {}

    def row(day: date, psp: str, terminal_id: str) -> GatewayDay:
        key = (day, psp, terminal_id)
        if key not in rows:
            rows[key] = GatewayDay(day=day, psp=psp, psp_label=labels.get(psp, psp), terminal_id=terminal_id)
        return rows[key]

    groups = in_range.values("day", "psp", "terminal_id", "state", "failure_reason").annotate(
        n=Count("id"), amount=Sum("amount_rial"))
    for group in groups:
        line = row(group["day"], group["psp"], group["terminal_id"])
        line.attempts += group["n"]
        line.amount_attempted += group["amount"] or 0
        if group["state"] == State.SUCCEEDED:
            line.succeeded += group["n"]
            line.amount_succeeded += group["amount"] or 0
        elif group["state"] in FAILED_STATES:
            line.failed += group["n"]
            reason = group["failure_reason"] or str(State(group["state"]).label)
            line.failures[reason] = line.failures.get(reason, 0) + group["n"]
        else:
            line.unfinished += group["n"]
    took_over: dict[tuple[date, str, str], int] = defaultdict(int)
    for found in (PaymentEvent.objects.filter(name="failover", attempt__in=in_range)
                  .values("attempt__psp", "attempt__terminal_id", "attempt__created_at")):
        day = found["attempt__created_at"].astimezone(TEHRAN).date()
        took_over[(day, found["attempt__psp"], found["attempt__terminal_id"])] += 1
    for key, count in took_over.items():
        row(*key).failovers = count
    return sorted(rows.values(), key=lambda line: (-line.day.toordinal(), line.psp, line.terminal_id))


# Who may read one payment's outcome: the browser that started it, the insured who owns what it paid, and staff
# whose scope covers it. Everyone else gets the page an unknown order gets, so a leaked or guessed address reveals
# nobody's name, national code, amount or months.

# The session remembers the attempts its browser started, so a payer without an account (or whose login ended
# while at the bank) still sees their own outcome. Bounded: a session is not a log.
SESSION_KEY = "samt_payments_started"
SESSION_KEPT = 20


def payment_session_bind(request: HttpRequest, attempt: PaymentAttempt) -> None:
    started = [key for key in request.session.get(SESSION_KEY, []) if key != str(attempt.public_key)]
    request.session[SESSION_KEY] = [*started, str(attempt.public_key)][-SESSION_KEPT:]


def payment_get_for_viewer(request: HttpRequest, public_key: UUID | str) -> PaymentAttempt:
    """The attempt behind `public_key` if this request may read it, else Http404."""
    attempt = (PaymentAttempt.objects
               .select_related("slip__contract__insured", "slip__office",
                               "debt_slip__statement__contract__insured").filter(public_key=public_key).first())
    if attempt is None or not payment_viewable(request, attempt):
        raise Http404
    return attempt


def payment_viewable(request: HttpRequest, attempt: PaymentAttempt) -> bool:
    if str(attempt.public_key) in request.session.get(SESSION_KEY, []):
        return True
    user = request.user
    if not user.is_authenticated:
        return False
    payable = attempt.payable
    insured = payable.contract.insured if isinstance(payable, Slip) else payable.statement.contract.insured
    if insured.user_id == user.pk:
        return True
    if visible_branches(user).filter(pk=insured.branch_id).exists():
        return True
    offices = {attempt.office_id, payable.office_id if isinstance(payable, Slip) else None} - {None}
    return bool(offices) and visible_offices(user).filter(pk__in=offices).exists()


# HQ's "needs a person" list: payments whose money a person must return by hand or look into. A manual review
# stays on it (the PSP may hold the payer's money); a rejected or not creditable payment, whose money the PSP or
# the reverse gives back by itself, for this long after it ended.
NEEDS_A_PERSON_FOR = timedelta(days=30)
NEEDS_A_PERSON_SHOWN = 50


@dataclass(frozen=True)
class PaymentNeedingAPerson:
    attempt: PaymentAttempt
    person: InsuredPerson
    why: str
    since: datetime


def payments_needing_a_person(user: User) -> list[PaymentNeedingAPerson]:
    """In the reader's scope, newest first: every manual review, and the rejected and not creditable payments of
    the last NEEDS_A_PERSON_FOR."""
    alerts = AuditEvent.objects.filter(subject_type=PaymentAttempt._meta.label_lower,
                                       subject_id=Cast(OuterRef("pk"), CharField()))
    recent = timezone.now() - NEEDS_A_PERSON_FOR
    attempts = (attempts_visible_to(user)
                .annotate(reverse_failed=Exists(alerts.filter(action="payment.reverse_failed")),
                          not_creditable=Exists(alerts.filter(action="payment.not_creditable")))
                .filter(Q(state=State.MANUAL_REVIEW)
                        | Q(updated_at__gte=recent) & (Q(state=State.REJECTED) | Q(not_creditable=True)))
                .select_related("slip__contract__insured__branch",
                                "debt_slip__statement__contract__insured__branch")
                .order_by("-updated_at", "-pk"))[:NEEDS_A_PERSON_SHOWN]
    return [PaymentNeedingAPerson(attempt=attempt, person=_payer_on_record(attempt), why=_why(attempt),
                                  since=attempt.updated_at) for attempt in attempts]


def _payer_on_record(attempt: PaymentAttempt) -> InsuredPerson:
    payable = attempt.payable
    return payable.contract.insured if isinstance(payable, Slip) else payable.statement.contract.insured


def _why(attempt: PaymentAttempt) -> str:
    if attempt.state == State.MANUAL_REVIEW:
        if getattr(attempt, "reverse_failed", False):
            return "برگشت وجه ناموفق ماند: وجه نزد بانک است و باید به کارت پرداخت‌کننده بازگردانده شود"
        return "پاسخ قطعی بانک نرسید: باید از بانک پرسید که وجه گرفته شده است یا نه"
    if attempt.state == State.REJECTED:
        return "رد شد (ناهمخوانی با بانک): بانک وجه را خودش برمی‌گرداند؛ علت را بررسی کنید"
    return "قابل ثبت نبود (برگ دیگر پرداختنی نبود): وجه به کارت برگشت داده می‌شود"


# An expert's file on one payment: the attempt in their scope, and its event log as a person reads it ----------


def payment_for_review_or_404(user: User, order_id: str) -> PaymentAttempt:
    """The attempt with this order number if `user` may review it (REVIEW_ROLES, in their scope), else Http404:
    another province's payment, or a role that does not review payments, learns nothing, not even that it exists."""
    membership = user.membership_or_none
    if membership is None or membership.role not in REVIEW_ROLES:
        raise Http404
    attempt = (attempts_visible_to(user)
               .select_related("slip__contract__insured__branch", "debt_slip__statement__contract__insured__branch")
               .filter(order_id=order_id[:20]).first())
    if attempt is None:
        raise Http404
    return attempt


def payment_payer(attempt: PaymentAttempt) -> InsuredPerson:
    """The insured person whose slip or debt slip the attempt pays."""
    return _payer_on_record(attempt)


# What an event of the log is called, for people (the log keeps the code).
EVENT_NAMES: dict[str, str] = {
    "token": "درخواست توکن پرداخت", "receipt": "استعلام رسید", "verify": "تأیید پرداخت", "reverse": "برگشت وجه",
    "settle": "درخواست واریز", "hint": "اطلاعات بازگشت مرورگر", "get": "بازگشت مرورگر", "post": "بازگشت مرورگر",
    "failover": "واگذاری به درگاه دیگر", "foreign": "بازگشت بی‌اعتبار (توکن دیگر)",
    "referrer_policy": "تنظیم نادرست سرآیند Referer",
}
# Our own keys in the log's data; a PSP's answer keeps its own field names.
DETAIL_NAMES: dict[str, str] = {
    "reason": "علت", "finding": "نتیجه بررسی", "note": "شرح کارشناس", "by": "کارشناس",
    "money_kept": "وجه تأییدشده نزد بانک ماند", "refund_reference": "مرجع برگشت وجه", "message": "پیام",
    "raw": "پاسخ خام", "fields": "فیلدها", "amount": "مبلغ", "from_order": "از سفارش", "from_psp": "از درگاه",
    "to_psp": "به درگاه",
}
# What the bank's answers carry, shown as they came: the log keeps the PSP's own words, and the expert quotes them.
EVENT_FIELDS_SHOWN = 12


FINDINGS = dict(ReviewFinding.choices)


@dataclass(frozen=True)
class EventLine:
    at: datetime
    kind: str
    what: str
    details: list[tuple[str, str]]
    from_bank: bool  # the PSP's answer, or its error: what the bank said


def payment_event_lines(attempt: PaymentAttempt) -> list[EventLine]:
    """The attempt's event log, oldest first, each event named in Persian with its data as label/value pairs."""
    labels = dict(State.choices)
    lines: list[EventLine] = []
    for event in attempt.events.order_by("at", "id"):
        if event.kind == PaymentEvent.Kind.TRANSITION and "->" in event.name:
            before, after = event.name.split("->", 1)
            what = f"از «{labels.get(before, before)}» به «{labels.get(after, after)}»"
        else:
            what = EVENT_NAMES.get(event.name.lower(), event.name)
        data = event.data if isinstance(event.data, dict) else {"": event.data}
        details = [(DETAIL_NAMES.get(str(key), str(key)),
                    _shown(FINDINGS.get(value, value) if key == "finding" else value))
                   for key, value in data.items() if value not in ("", None, {}, [])]
        lines.append(EventLine(at=event.at, kind=event.get_kind_display(), what=what,
                               details=details[:EVENT_FIELDS_SHOWN],
                               from_bank=event.kind in (PaymentEvent.Kind.PSP_ANSWER, PaymentEvent.Kind.PSP_ERROR)))
    return lines


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "، ".join(f"{key}: {_shown(inner)}" for key, inner in value.items() if inner not in ("", None))
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    return str(value)[:300]


# What a payer is told about an attempt, and the attempt that keeps a slip from being paid again -------------


def payment_holding(payable: Slip | DebtSlip) -> PaymentAttempt | None:
    """The attempt that keeps this slip or debt slip from being paid again, if any: one the PSP has not finished,
    or one whose money an expert must settle (payments.models.HOLDING_STATES). None once it is paid: then the
    pages say so, and the payment's own result page tells its payer about their money."""
    if payable.status in (SlipStatus.PAID, DebtSlipStatus.PAID):
        return None
    paying = Q(slip=payable) if isinstance(payable, Slip) else Q(debt_slip=payable)
    return PaymentAttempt.objects.filter(paying, state__in=HOLDING_STATES).order_by("-created_at", "-id").first()


def payment_money_kept(attempt: PaymentAttempt) -> bool:
    """Whether the PSP is known to hold money of this attempt that we did not credit: an attempt reaches
    REVERSE_PENDING only after the PSP verified its money, so a manual review after that is a reverse that failed
    (one straight from an unanswered verify may or may not hold money)."""
    return attempt.state == State.MANUAL_REVIEW and PaymentEvent.objects.filter(
        attempt=attempt, kind=PaymentEvent.Kind.TRANSITION, name__endswith=f"->{State.REVERSE_PENDING}").exists()


def payment_notice(attempt: PaymentAttempt) -> PayerNotice:
    """What the payer is told about this attempt (payments.messages.PAYER_NOTICES)."""
    return payer_notice(attempt.state, money_kept=payment_money_kept(attempt))


def payments_unsettled(*, slips: list[int], debt_slips: list[int]) -> bool:
    """Whether a payment of one of these slips or debt slips is unresolved at its PSP: insured/ asks before a newer
    slip retires them (registered in PaymentsConfig.ready)."""
    return PaymentAttempt.objects.filter(Q(slip_id__in=slips) | Q(debt_slip_id__in=debt_slips),
                                         state__in=UNRESOLVED_STATES).exists()
