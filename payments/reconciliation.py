"""The daily report reconciliation (payments.md §8, "Settlement reconciliation"): the PSP's list of our
terminal's transactions on a day, matched by bank reference with our SUCCEEDED attempts of that day,
in both directions, once for each configured PSP terminal.

- verified at the bank, not credited here: money taken from a payer for a slip we did not credit (a verify
  whose answer never reached us and was given up, a bug, a payment a person must refund or credit);
- credited here, not verified at the bank: a slip marked paid for money we do not have;
- both, but for different amounts.

The PSP lists transactions by the day their token was issued (Tehran), so ours are taken by the day the
attempt was created, the same moment on our side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet

from payments.gateways.base import PaymentGateway, ReportLine, ReportState
from payments.gateways.registry import configured_gateways
from payments.models import PaymentAttempt, State
from samt.actors import Actor
from samt.audit import audit_record
from samt.jalali import TEHRAN, parse_jalali_date
from samt.persian import normalize

DAY_INVALID = "تاریخ را به شکل ۱۴۰۵/۰۹/۰۴ (هجری شمسی) یا 2026-11-25 (میلادی) بدهید."


class Finding:
    NOT_CREDITED_HERE = "not_credited_here"
    NOT_VERIFIED_THERE = "not_verified_there"
    AMOUNT_DIFFERS = "amount_differs"

    LABELS = {
        NOT_CREDITED_HERE: "verified at the bank, not credited here — در بانک تأییدشده، در سامانه پرداخت‌نشده",
        NOT_VERIFIED_THERE: "credited here, not verified at the bank — در سامانه پرداخت‌شده، در بانک تأییدنشده",
        AMOUNT_DIFFERS: "amounts differ — مبلغ بانک و سامانه یکی نیست",
    }


@dataclass(frozen=True)
class Row:
    kind: str  # a Finding constant, or "" for a match
    ref_num: str
    order_id: str
    amount_bank: int | None
    amount_here: int | None
    state_bank: str
    state_here: str

    @property
    def label(self) -> str:
        return Finding.LABELS.get(self.kind, "matched — تطبیق دارد")

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "ref_num": self.ref_num, "order_id": self.order_id,
                "amount_bank": self.amount_bank, "amount_here": self.amount_here, "state_bank": self.state_bank,
                "state_here": self.state_here}


@dataclass(frozen=True)
class Report:
    day: date
    psp: str
    terminal_id: str
    rows: list[Row] = field(default_factory=list)
    unverified_at_bank: int = 0  # paid, not verified yet: the reconciler's business, or the PSP gives it back

    @property
    def findings(self) -> list[Row]:
        return [row for row in self.rows if row.kind]

    @property
    def matched(self) -> int:
        return sum(1 for row in self.rows if not row.kind)


def parse_day(text: str) -> date:
    """A Jalali date (1405/09/04, any digit script) or an ISO Gregorian one (2026-11-25)."""
    cleaned = normalize(text).strip()
    found = re.fullmatch(r"([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})", cleaned)
    if not found:
        raise ValueError(DAY_INVALID)
    year, month, day = (int(part) for part in found.groups())
    try:
        return parse_jalali_date(cleaned) if year < 1700 else date(year, month, day)
    except ValueError:
        raise ValueError(DAY_INVALID) from None


def report_gateways() -> list[PaymentGateway]:
    """Every configured gateway: the daily report runs once per PSP terminal."""
    return [entry.gateway for entry in configured_gateways()]


def report_build(day: date, *, gateway: PaymentGateway) -> Report:
    """Compare one PSP's list for `day` with our ledger. Raises GatewayError when the PSP cannot be read."""
    lines = gateway.transactions(day)
    start = datetime.combine(day, time.min, tzinfo=TEHRAN)
    ours = PaymentAttempt.objects.filter(psp=gateway.name, terminal_id=gateway.terminal_id)
    succeeded = {attempt.bank_ref: attempt for attempt in ours.filter(
        state=State.SUCCEEDED, created_at__gte=start, created_at__lt=start + timedelta(days=1))}
    verified = {line.ref_num: line for line in lines if line.state == ReportState.VERIFIED and line.ref_num}
    rows = [_bank_side(line, succeeded.get(ref_num) or _ours_for(ours, line)) for ref_num, line in verified.items()]
    by_ref = {line.ref_num: line for line in lines if line.ref_num}
    rows += [_ours_side(attempt, by_ref.get(ref_num)) for ref_num, attempt in succeeded.items()
             if ref_num not in verified]
    unverified = sum(1 for line in lines if line.state == ReportState.PAID_UNVERIFIED)
    return Report(day=day, psp=gateway.name, terminal_id=gateway.terminal_id, rows=rows,
                  unverified_at_bank=unverified)


def _ours_for(ours: QuerySet[PaymentAttempt], line: ReportLine) -> PaymentAttempt | None:
    """Our attempt for a bank line: by its reference, else by our order number (an attempt that never got as
    far as storing the reference)."""
    return ours.filter(bank_ref=line.ref_num).first() or ours.filter(order_id=line.order_id).first()


def _bank_side(line: ReportLine, attempt: PaymentAttempt | None) -> Row:
    taken = line.affective_amount if line.affective_amount is not None else line.amount
    if attempt is None or attempt.state != State.SUCCEEDED:
        kind = Finding.NOT_CREDITED_HERE
    elif attempt.amount_rial != taken or attempt.amount_rial != line.amount:
        kind = Finding.AMOUNT_DIFFERS
    else:
        kind = ""
    return Row(kind=kind, ref_num=line.ref_num or "", order_id=line.order_id, amount_bank=taken,
               amount_here=attempt.amount_rial if attempt else None, state_bank=str(line.state),
               state_here=attempt.state if attempt else "absent")


def _ours_side(attempt: PaymentAttempt, line: ReportLine | None) -> Row:
    return Row(kind=Finding.NOT_VERIFIED_THERE, ref_num=attempt.bank_ref, order_id=attempt.order_id,
               amount_bank=line.amount if line else None, amount_here=attempt.amount_rial,
               state_bank=str(line.state) if line else "absent", state_here=attempt.state)


def report_record(report: Report) -> None:
    """One audit event per run: what was compared and what did not match."""
    with transaction.atomic():
        audit_record(actor=Actor.system("reconcile_report"), action="payment.reconcile_report",
                     after={"day": report.day.isoformat(), "psp": report.psp, "terminal_id": report.terminal_id,
                            "matched": report.matched, "mismatches": len(report.findings),
                            "unverified_at_bank": report.unverified_at_bank,
                            "findings": [row.as_dict() for row in report.findings[:100]]})
