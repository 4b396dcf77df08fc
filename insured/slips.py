"""Premium slips: the one issuing service every channel calls, and the one way a slip becomes paid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from insured import ledger, rules, yearend
from insured.models import (
    Channel,
    Contract,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    Slip,
    SlipLine,
    SlipStatus,
)
from insured.slip_documents import pay_link
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.jalali import TEHRAN, JalaliMonth
from samt.numbering import sequence_document_number
from samt.sms import sms_queue

SLIP_NOT_PAYABLE: dict[str, str] = {
    SlipStatus.VOIDED: "این برگ با صدور برگ تازه‌تری باطل شده است؛ برگ تازه را بپردازید.",
    SlipStatus.EXPIRED: "مهلت پرداخت این برگ گذشته است؛ برگ تازه‌ای صادر کنید.",
    SlipStatus.PAID: "این برگ پیش‌تر پرداخت شده است.",
}
SLIP_PAST_DEADLINE = "مهلت پرداخت این برگ گذشته است؛ برگ تازه‌ای صادر کنید."
WRONG_AMOUNT = "مبلغ پرداخت‌شده با مبلغ برگ برابر نیست؛ برگ پرداخت‌شده ثبت نشد."
REFERENCE_USED = "این شناسه پرداخت بانک پیش‌تر برای برگ دیگری به کار رفته است."


@dataclass(frozen=True)
class Quote:
    """What a slip from the first unpaid month to `end` would be, committing nothing."""

    standing: ledger.Standing
    months: list[JalaliMonth]
    lines: list[rules.MonthLine]

    @property
    def total(self) -> int:
        return rules.lines_total(self.lines)


def payable_until(issued_at: datetime) -> date:
    """A slip can be paid until the last day of the Jalali month in which it was issued (Tehran time)."""
    return JalaliMonth.of_date(timezone.localtime(issued_at, TEHRAN).date()).last_day


def _check_gates(contract: Contract, standing: ledger.Standing, channel: str) -> None:
    if channel == Channel.BRANCH:
        # The branch itself settles last year's statement, so at its counter only lapse and status bind
        # (design rule 3 names the online and broker channels for the statement gate).
        ledger.check_active_and_not_lapsed(contract, standing.first_unpaid, standing.current)
    elif standing.blocked_by:
        raise DomainError(standing.blocked_by)


def slip_quote(contract: Contract, end: JalaliMonth, *, channel: str, now: datetime | None = None) -> Quote:
    current = JalaliMonth.current(now)
    standing = ledger.standing(contract, current)
    _check_gates(contract, standing, channel)
    months = rules.check_period(standing.first_unpaid, end, current)
    return Quote(standing=standing, months=months, lines=ledger.contract_lines(contract, months, _day(now)))


def _day(now: datetime | None) -> date | None:
    """The Tehran day of `now`, the day whose per-capita figure prices the lines (None: today)."""
    return timezone.localtime(now, TEHRAN).date() if now else None


# The shortcuts a quote page offers beside "to the last possible month".
SHORTCUTS = ((1, "یک ماه"), (3, "سه ماه"), (6, "شش ماه"))


@dataclass(frozen=True)
class Choice:
    """One ready-made end month and what a slip to it costs."""

    label: str
    end: JalaliMonth
    total: int


@dataclass(frozen=True)
class SlipOffer:
    """Everything a quote page shows, on every channel: where the person stands, the months a slip may end at,
    the lines and total of a slip to the chosen end, the shortcuts with their totals, or what blocks issuing and
    the way out of it (a visit to the branch, or an open debt slip to pay online)."""

    standing: ledger.Standing
    channel: str
    ends: list[JalaliMonth]
    end: JalaliMonth
    priced: list[rules.MonthLine]  # every month up to the last possible end, priced once
    blocked_by: str | None
    sends_to_branch: bool = False
    debt_slips: list[DebtSlip] = field(default_factory=list)

    @property
    def can_issue(self) -> bool:
        return self.blocked_by is None

    @property
    def lines(self) -> list[rules.MonthLine]:
        return self.lines_to(self.end)

    @property
    def months(self) -> list[JalaliMonth]:
        return [line.month for line in self.lines]

    @property
    def total(self) -> int:
        return rules.lines_total(self.lines)

    def lines_to(self, end: JalaliMonth) -> list[rules.MonthLine]:
        return [line for line in self.priced if line.month <= end]

    @property
    def choices(self) -> list[Choice]:
        """One, three and six months and the rest of the year, as far as each is possible."""
        if not self.can_issue:
            return []
        first, latest = self.standing.first_unpaid, self.standing.latest_end
        ends: dict[JalaliMonth, str] = {}
        for count, label in SHORTCUTS:
            if first + (count - 1) <= latest:
                ends.setdefault(first + (count - 1), label)
        ends.setdefault(latest, "تا آخرین ماه ممکن")
        return [Choice(label=label, end=end, total=rules.lines_total(self.lines_to(end)))
                for end, label in sorted(ends.items())]

    def ending(self, end: JalaliMonth) -> SlipOffer:
        """The same offer for a slip ending at `end` (one of `ends`), without reading anything again."""
        return replace(self, end=end) if end in self.ends else self


def slip_offer(contract: Contract, *, channel: str, now: datetime | None = None) -> SlipOffer:
    """What `contract`'s person can issue on `channel` now, computed once: one standing, one read of each rate
    table whatever the number of months, every total taken from the same lines. The offer ends at the last
    possible month; `SlipOffer.ending` moves it to the month a person picks."""
    current = JalaliMonth.current(now)
    standing = ledger.standing(contract, current)
    blocked_by, visit = _gate(contract, standing, channel)
    priced: list[rules.MonthLine] = []
    if blocked_by is None:
        try:
            months = rules.check_period(standing.first_unpaid, standing.latest_end, current)
            priced = ledger.contract_lines(contract, months, _day(now))
        except DomainError as refusal:
            blocked_by = refusal.message
    return SlipOffer(standing=standing, channel=channel, ends=standing.ends, end=standing.latest_end,
                     priced=priced, blocked_by=blocked_by, sends_to_branch=visit if blocked_by else False,
                     debt_slips=_open_debt_slips(contract) if blocked_by else [])


def _gate(contract: Contract, standing: ledger.Standing, channel: str) -> tuple[str | None, bool]:
    """What blocks issuing on `channel`, and whether only a visit to the branch resolves it (see _check_gates)."""
    try:
        _check_gates(contract, standing, channel)
    except DomainError as refusal:
        visit = isinstance(refusal, rules.SeeTheBranch) or standing.sends_to_branch
        return refusal.message, visit
    return None, False


def _open_debt_slips(contract: Contract) -> list[DebtSlip]:
    return list(DebtSlip.objects.filter(statement__contract__insured_id=contract.insured_id,
                                        status=DebtSlipStatus.ISSUED)
                .select_related("statement").order_by("statement__year"))


# Whether one of these unpaid slips or debt slips has a card payment the bank has not settled yet. A newer slip
# must not retire such a slip: the payment, made in time, would be reversed as voided or expired, and the same
# months paid a second time on the new slip. insured/ may not know payments/, which registers how to ask at
# start-up (PaymentsConfig.ready).
UnsettledPaymentCheck = Callable[..., bool]
_unsettled_payment_checks: list[UnsettledPaymentCheck] = []
PAYMENT_UNSETTLED = (
    "برای برگ پرداخت‌نشده این قرارداد، پرداختی هنوز نزد بانک روشن نشده است. برگ تازه پس از روشن شدن نتیجه آن "
    "(معمولاً چند دقیقه) صادر می‌شود؛ تا آن زمان دوباره پرداخت نکنید."
)


def unsettled_payment_check_register(check: UnsettledPaymentCheck) -> None:
    """payments/ tells insured/ how to ask `check(slips=[ids], debt_slips=[ids])` whether a payment of one of them
    is unresolved at its PSP."""
    if check not in _unsettled_payment_checks:
        _unsettled_payment_checks.append(check)


def payment_unsettled(*, slips: list[int] | None = None, debt_slips: list[int] | None = None) -> bool:
    return any(check(slips=slips or [], debt_slips=debt_slips or []) for check in _unsettled_payment_checks)


@transaction.atomic
def slip_issue(
    *,
    actor: Actor,
    contract: Contract | Subquery,
    end_month: JalaliMonth,
    channel: str,
    request_key: str = "",
    now: datetime | None = None,
) -> Slip:
    """Issue a slip from the first unpaid month to `end_month`. Every channel calls this, so no channel can
    treat a person differently (clause 5). An unpaid slip it overlaps is voided: one live slip at a time.

    `contract` may be a subquery naming the contract's id (the insured's own issue page passes their active
    contract so): it is then found by the locking statement itself, and Contract.DoesNotExist is raised when it
    names none."""
    now = now or timezone.now()
    # Locking the contract serialises issuing and paying for one person; two tabs cannot both issue. It is read
    # again under the lock (with the person and branch, in the same statement): its status may have changed.
    contract = contract_lock(contract.pk if isinstance(contract, Contract) else contract, with_person=True)
    # One read for both: the slip a repeated form already made, and the unpaid slips the new one will retire.
    live = Q(status=SlipStatus.ISSUED) | Q(request_key=request_key) if request_key else Q(status=SlipStatus.ISSUED)
    earlier = list(Slip.objects.filter(live, contract=contract).values_list("pk", "request_key", "status",
                                                                          "payable_until"))
    repeat = next((pk for pk, key, _, _ in earlier if request_key and key == request_key), None)
    if repeat is not None:
        return Slip.objects.get(pk=repeat)
    unpaid = [pk for pk, _, status, _ in earlier if status == SlipStatus.ISSUED]
    if unpaid and payment_unsettled(slips=unpaid):
        raise DomainError(PAYMENT_UNSETTLED)
    quote = slip_quote(contract, end_month, channel=channel, now=now)
    slip = Slip.objects.create(
        number=sequence_document_number("7", sequence="insured_slip_number_seq", key="slip", width=8),
        contract=contract,
        channel=channel,
        issued_by=actor.person,
        branch_id=actor.branch_id,
        office_id=actor.office_id,
        first_month=quote.months[0],
        last_month=quote.months[-1],
        total=quote.total,
        issued_at=now,
        payable_until=payable_until(now),
        request_key=request_key,
    )
    _retire_unpaid_slips([(pk, until) for pk, _, status, until in earlier if status == SlipStatus.ISSUED],
                         superseded_by=slip, now=now)
    SlipLine.objects.bulk_create([_line(slip, line) for line in quote.lines])
    audit_record(actor=actor, action="slip.issued", subject=slip,
                 after={"number": slip.number, "channel": channel, "first_month": str(slip.first_month),
                        "last_month": str(slip.last_month), "total": slip.total})
    # Whoever issued it (the person, the branch, a broker), the person hears of it with a link anyone can pay by.
    sms_queue(to=contract.insured.mobile, event=f"slip.issued:{slip.pk}", text=sms_texts.slip_issued(
        first=slip.first_month, last=slip.last_month, amount=slip.total, until=slip.payable_until,
        link=pay_link(slip)))
    return slip


def _line(slip: Slip, line: rules.MonthLine) -> SlipLine:
    return SlipLine(
        slip=slip, contract_id=slip.contract_id, month=line.month, days=line.days, min_daily=line.min_daily,
        daily_wage_base=line.daily_wage_base, capped=line.capped, rate_bp=line.rate_bp, premium=line.premium,
        per_capita=line.per_capita, persons=line.persons, amount=line.amount,
    )


def _retire_unpaid_slips(unpaid: list[tuple[int, date]], *, superseded_by: Slip, now: datetime) -> None:
    """By their ids: the contract's unpaid slips (id, payable until), read under the contract's lock before the new
    one was made; only those rows and their lines are written (most issues retire nothing, and write nothing)."""
    today = timezone.localtime(now, TEHRAN).date()
    if not unpaid:
        return
    expired = [pk for pk, until in unpaid if until < today]
    voided = [pk for pk, until in unpaid if until >= today]
    if expired:
        Slip.objects.filter(pk__in=expired).update(status=SlipStatus.EXPIRED)
    if voided:
        Slip.objects.filter(pk__in=voided).update(status=SlipStatus.VOIDED, superseded_by=superseded_by)
    SlipLine.objects.filter(slip_id__in=[pk for pk, _ in unpaid], live=True).update(live=False)


def contract_lock(contract_id: int | Subquery, *, with_person: bool = False) -> Contract:
    """Lock one person's contract row: the first lock of every path that touches their slips, debt slips and
    covered months (design rule 9). Issuing locks it and then voids old slips; paying inserts covered months, which
    takes a key lock on this row: a payment that locked the slip first would wait for the contract while the issue
    waits for the slip — a deadlock PostgreSQL breaks by failing one of them (a 500 to the payer, then a reversal
    of good money). One order, contract first, turns that into a short wait. `contract_id` may be a subquery (the
    contract of a slip, found by the locking statement itself); `with_person` reads the person and their branch in
    the same statement (only the contract row is locked)."""
    rows = Contract.objects.select_for_update(of=("self",))
    return (rows.select_related("insured__branch") if with_person else rows).get(Q(pk=contract_id))


@transaction.atomic
def slip_mark_paid(*, actor: Actor, slip: Slip, reference: str, amount: int, paid_at: datetime) -> Slip:
    """Credit a slip's months exactly once. The payment flow calls this after a verified payment.

    A repeat with the same bank reference returns the paid slip unchanged; anything else that does not fit
    (voided, expired, wrong amount, a reference already used) is refused and credits nothing.
    """
    contract_lock(slip.contract_id)
    # With the person (their mobile, their branch for the audit trail): the contract is locked already, only the slip.
    locked = Slip.objects.select_for_update(of=("self",)).select_related("contract__insured__branch").get(pk=slip.pk)
    if locked.status == SlipStatus.PAID and locked.payment_reference == reference:
        return locked
    if locked.status != SlipStatus.ISSUED:
        raise DomainError(SLIP_NOT_PAYABLE[locked.status])
    if not locked.is_payable(paid_at):
        raise DomainError(SLIP_PAST_DEADLINE)
    if amount != locked.total:
        raise DomainError(WRONG_AMOUNT)
    if Slip.objects.filter(payment_reference=reference).exists():
        raise DomainError(REFERENCE_USED)
    locked.status = SlipStatus.PAID
    locked.paid_at = paid_at
    locked.payment_reference = reference
    locked.save(update_fields=["status", "paid_at", "payment_reference"])
    try:
        with transaction.atomic():
            covered = CoveredMonth.objects.bulk_create([_covered(locked, line, paid_at) for line in locked.lines.all()])
    except IntegrityError:
        # The unique (contract, month) backs the rule even if a path forgot the lock.
        raise DomainError("برخی از ماه‌های این برگ پیش‌تر پرداخت شده‌اند؛ برگ پرداخت‌شده ثبت نشد.") from None
    # Months of a year already closed (Esfand paid in Farvardin) go on that year's statement now.
    yearend.statement_join_late_months(actor=actor, contract=locked.contract, covered=covered, now=timezone.now())
    audit_record(actor=actor, action="slip.paid", subject=locked,
                 after={"reference": reference, "amount": amount, "first_month": str(locked.first_month),
                        "last_month": str(locked.last_month)})
    return locked


def _covered(slip: Slip, line: SlipLine, paid_at: datetime) -> CoveredMonth:
    return CoveredMonth(
        contract_id=slip.contract_id, month=line.month, premium=line.premium, per_capita=line.per_capita,
        persons=line.persons, amount_paid=line.amount, slip_number=slip.number, slip=slip,
        paid_on=timezone.localtime(paid_at, TEHRAN).date(),
    )
