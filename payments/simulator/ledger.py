"""What the PSP thinks: one transaction's state and history, and a terminal's day as a settlement report."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any

from payments.simulator import services
from payments.simulator.callbacks import callback_for
from payments.simulator.models import Terminal, TestCard, Transaction
from samt.jalali import TEHRAN

SETTLEMENT_COLUMNS = [
    "CreatedAt", "TerminalId", "ResNum", "Token", "Status", "Amount", "AffectiveAmount", "RefNum", "Rrn",
    "TraceNo", "MaskedPan", "PaidAt", "VerifiedAt", "SettledAt", "ReversedAt",
]


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(TEHRAN).isoformat(timespec="seconds") if moment else None


def transaction_state(txn: Transaction, *, with_events: bool = True) -> dict[str, Any]:
    state = {
        "token": txn.token,
        "terminal_id": txn.terminal.terminal_id,
        "res_num": txn.res_num,
        "amount": txn.amount,
        "affective_amount": txn.affective_amount,
        "status": txn.status,
        "sep_status": txn.sep_status,
        "failure_reason": txn.failure_reason,
        "ref_num": txn.ref_num,
        "rrn": txn.rrn,
        "trace_no": txn.trace_no,
        "masked_pan": txn.masked_pan,
        "card_balance": _balance(txn.card_id),
        "created_at": _iso(txn.created_at),
        "expires_at": _iso(txn.expires_at),
        "paid_at": _iso(txn.paid_at),
        "verified_at": _iso(txn.verified_at),
        "settled_at": _iso(txn.settled_at),
        "reversed_at": _iso(txn.reversed_at),
        "callback": callback_for(txn).as_dict(),
    }
    if with_events:
        state["events"] = [
            {"at": _iso(event.at), "kind": event.kind, "source_ip": event.source_ip, "headers": event.headers,
             "payload": event.payload, "answer": event.answer, "http_status": event.http_status,
             "balance_change_rial": event.balance_change_rial}
            for event in txn.events.all()
        ]
    return state


def _balance(card_id: int | None) -> int | None:
    card = TestCard.objects.filter(pk=card_id).first() if card_id else None
    return card.balance_rial if card else None


def transactions_on(terminal: Terminal, day: date | None = None) -> list[Transaction]:
    """The terminal's transactions created on `day` (Tehran, virtual clock), today when not given."""
    day = day or services.terminal_now(terminal).astimezone(TEHRAN).date()
    start = datetime.combine(day, time.min, tzinfo=TEHRAN)
    found = terminal.transactions.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    return list(found.select_related("terminal").order_by("created_at", "id"))


def settlement_csv(transactions: list[Transaction]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SETTLEMENT_COLUMNS)
    for txn in transactions:
        writer.writerow([
            _iso(txn.created_at), txn.terminal.terminal_id, txn.res_num, txn.token, txn.status, txn.amount,
            txn.affective_amount or "", txn.ref_num or "", txn.rrn, txn.trace_no, txn.masked_pan,
            _iso(txn.paid_at) or "", _iso(txn.verified_at) or "", _iso(txn.settled_at) or "",
            _iso(txn.reversed_at) or "",
        ])
    return out.getvalue()
