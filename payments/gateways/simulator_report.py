"""The daily transaction list as the PSP simulator exports it (payments.md §10, "list transactions for terminal
T on day D"). Neither SEP's nor Mellat's IPG documents publish a report web service (SEP offers one on request,
v3.3 §6), so until a PSP gives us its address both adapters read this export; PSP_REPORT_URL points elsewhere."""

from __future__ import annotations

from typing import Any

from payments.gateways import http
from payments.gateways.base import ReportLine, ReportState, RetryableGatewayError
from payments.gateways.fields import as_int, as_str, lowered

REPORT_PATH = "/control/api/terminals/{terminal_id}/transactions/"
UNREADABLE_REPORT = "گزارش تراکنش‌های بانک ساختار مورد انتظار را نداشت."

REPORT_STATES = {
    "verified": ReportState.VERIFIED,
    "settled": ReportState.VERIFIED,
    "ok": ReportState.PAID_UNVERIFIED,
    "reversed": ReportState.REVERSED,
    "auto_reversed": ReportState.REVERSED,
    "cancelled": ReportState.FAILED,
    "failed": ReportState.FAILED,
    "in_progress": ReportState.IN_PROGRESS,
}
# What of a line is worth keeping beside the parsed fields (not the simulator's card balance).
KEPT = {"terminal_id", "status", "res_num", "ref_num", "amount", "affective_amount", "paid_at", "verified_at",
        "settled_at", "reversed_at"}


def default_url(base_url: str, terminal_id: str) -> str:
    return base_url + REPORT_PATH.format(terminal_id=terminal_id)


def read_report(url: str, day_iso: str, *, timeout: float) -> list[ReportLine]:
    answer = http.get_json(url, params={"day": day_iso}, timeout=timeout)
    if not isinstance(answer, list):
        raise RetryableGatewayError(UNREADABLE_REPORT, raw=answer)
    return [report_line(item) for item in answer]


def report_line(item: Any) -> ReportLine:
    fields = lowered(item)
    state = REPORT_STATES.get(str(fields.get("status", "")).lower())
    amount = as_int(fields.get("amount"))
    if state is None or amount is None or not fields.get("res_num"):
        raise RetryableGatewayError(UNREADABLE_REPORT, raw=item)
    return ReportLine(
        state=state,
        order_id=str(fields["res_num"]),
        amount=amount,
        token=as_str(fields.get("token")),
        ref_num=as_str(fields.get("ref_num")),
        affective_amount=as_int(fields.get("affective_amount")),
        rrn=as_str(fields.get("rrn")),
        trace_no=as_str(fields.get("trace_no")),
        masked_pan=as_str(fields.get("masked_pan")),
        paid_at=as_str(fields.get("paid_at")),
        verified_at=as_str(fields.get("verified_at")),
        raw={key: value for key, value in fields.items() if key in KEPT},
    )
