"""SEP's server-to-server endpoints: token, receipt, VerifyTransaction, ReverseTransaction (payments.md §2).

Each answer has SEP's JSON shape and codes; each request is logged with the caller's address and headers.
The scenario's verify faults are applied here, because they are about what goes over the wire.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.simulator import services
from payments.simulator.inbound import json_body, request_facts, source_ip
from payments.simulator.models import Scenario, Terminal, Transaction
from payments.simulator.services import TokenRefused, log_event
from samt.jalali import TEHRAN

MAX_REDIRECT_URL = 2083
MAX_RES_NUM = 50
RECEIPT_STATES: dict[str, int] = {
    Transaction.Status.IN_PROGRESS: 0,
    Transaction.Status.CANCELLED: 1,
    Transaction.Status.OK: 2,
    Transaction.Status.FAILED: 3,
}
# Who may call: (not found, disabled, address not allowed) in each API's own codes.
TOKEN_ACCESS_CODES = {"missing": 12, "disabled": 20, "address": 8}
VERIFY_ACCESS_CODES = {"missing": -105, "disabled": -104, "address": -106}
ACCESS_MESSAGES = {
    "missing": "ترمینال ارسالی در سیستم موجود نیست.",
    "disabled": "ترمینال ارسالی غیرفعال است.",
    "address": "آدرس آی‌پی درخواست‌کننده مجاز نیست.",
}
VERIFY_DESCRIPTIONS = {
    0: "عملیات با موفقیت انجام شد.",
    2: "درخواست تکراری است.",
    5: "تراکنش برگشت خورده است.",
    -2: "تراکنش یافت نشد.",
    -6: "بیش از نیم ساعت از زمان اجرای تراکنش گذشته است.",
}
REVERSE_DESCRIPTIONS = {**VERIFY_DESCRIPTIONS, -2: "تراکنش تأییدشده‌ای با این رسید یافت نشد.",
                        -6: "زمان مجاز برگشت تراکنش گذشته است."}
BAD_JSON = "بدنه درخواست JSON معتبر نیست."
BAD_ACTION = "مقدار action باید token باشد."
BAD_AMOUNT = "مبلغ (Amount) باید عدد صحیح مثبت به ریال باشد."
BAD_RES_NUM = "پارامترهای ارسالی نامعتبر است؛ شماره خرید پذیرنده (ResNum) الزامی است."
BAD_REDIRECT = "نشانی بازگشت (RedirectUrl) باید نشانی کامل http یا https و حداکثر ۲۰۸۳ نویسه باشد."
BAD_KEY = "یکی از Token یا RefNum الزامی است."
RECEIPT_NOT_FOUND = "ResourceNotFound"


class AccessRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def merchant_terminal(number: Any, request: HttpRequest) -> Terminal:
    """The calling merchant's terminal, checked as SEP checks it: exists, enabled, called from a listed IP."""
    terminal = services.terminal_with_scenario().filter(terminal_id=str(number or ""), psp=Terminal.Psp.SEP).first()
    if terminal is None:
        raise AccessRefused("missing")
    if not terminal.enabled:
        raise AccessRefused("disabled")
    if not terminal.allows(source_ip(request)):
        raise AccessRefused("address")
    services.sweep(terminal)  # the PSP's own timers, run lazily before anything looks at the ledger
    return terminal


def answer(request: HttpRequest, kind: str, body: Mapping[str, Any], *, payload: Any, status: int = 200,
           terminal: Terminal | None = None, txn: Transaction | None = None) -> JsonResponse:
    log_event(kind, terminal=terminal, txn=txn, payload=payload if isinstance(payload, dict) else {},
              answer=dict(body), http_status=status, **request_facts(request))
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# Token ------------------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    payload = json_body(request)
    terminal = None
    try:
        if payload is None:
            raise TokenRefused(5, BAD_JSON)
        try:
            terminal = merchant_terminal(payload.get("TerminalId"), request)
        except AccessRefused as refused:
            raise TokenRefused(TOKEN_ACCESS_CODES[refused.reason], ACCESS_MESSAGES[refused.reason]) from refused
        if services.scenario_of(terminal).token_unavailable:
            log_event("token_request", terminal=terminal, payload=payload, http_status=503, **request_facts(request))
            return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
        txn = services.token_issue(terminal, **_token_fields(payload))
    except TokenRefused as refused:
        body = {"status": -1, "errorCode": str(refused.code), "errorDesc": refused.message}
        return answer(request, "token_request", body, payload=payload, terminal=terminal)
    return answer(request, "token_request", {"status": 1, "token": txn.token}, payload=payload, terminal=terminal,
                  txn=txn)


def _token_fields(payload: dict[str, Any]) -> dict[str, Any]:
    # Field names are matched exactly, as SEP does: a misspelt name is a missing one.
    if str(payload.get("action", "")).lower() != "token":
        raise TokenRefused(5, BAD_ACTION)
    amount = _positive_int(payload.get("Amount"))
    if amount is None:
        raise TokenRefused(5, BAD_AMOUNT)
    res_num = payload.get("ResNum")
    if not isinstance(res_num, str) or not res_num.strip() or len(res_num) > MAX_RES_NUM:
        raise TokenRefused(5, BAD_RES_NUM)
    redirect_url = payload.get("RedirectUrl")
    if not _is_absolute_url(redirect_url):
        raise TokenRefused(5, BAD_REDIRECT)
    return {
        "amount": amount,
        "res_num": res_num.strip(),
        "redirect_url": redirect_url,
        "cell_number": str(payload.get("CellNumber") or "")[:20],
        "expiry_minutes": _positive_int(payload.get("TokenExpiryInMin")),
    }


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def _is_absolute_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_REDIRECT_URL:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# Receipt service (v4.1) ---------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def receipt(request: HttpRequest) -> HttpResponse:
    payload = json_body(request) or {}
    try:
        terminal = merchant_terminal(payload.get("TerminalNumber"), request)
    except AccessRefused as refused:
        code = TOKEN_ACCESS_CODES[refused.reason]
        return answer(request, "receipt_request", _receipt_error(code, ACCESS_MESSAGES[refused.reason]),
                      payload=payload, status=403)
    if services.scenario_of(terminal).receipt_unavailable:
        log_event("receipt_request", terminal=terminal, payload=payload, http_status=503, **request_facts(request))
        return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
    token_value, ref_num = payload.get("Token"), payload.get("RefNum")
    if not token_value and not ref_num:
        body = _receipt_error(5, BAD_KEY, fields=("Token", "RefNum"))
        return answer(request, "receipt_request", body, payload=payload, status=400, terminal=terminal)
    txn = services.receipt_lookup(terminal, token=str(token_value or ""), ref_num=str(ref_num or ""))
    if txn is None:
        body = _receipt_error(404, RECEIPT_NOT_FOUND)
        return answer(request, "receipt_request", body, payload=payload, status=404, terminal=terminal)
    body = {"HasError": False, "ErrorCode": None, "ErrorMessage": None, "ValidationErrors": [],
            "Data": _receipt_data(txn)}
    return answer(request, "receipt_request", body, payload=payload, terminal=terminal, txn=txn)


def _receipt_error(code: int, message: str, *, fields: tuple[str, ...] = ()) -> dict[str, Any]:
    errors = [{"FieldName": name, "ErrorMessages": [message]} for name in fields]
    return {"HasError": True, "ErrorCode": code, "ErrorMessage": message, "ValidationErrors": errors, "Data": None}


def _receipt_data(txn: Transaction) -> dict[str, Any]:
    paid = txn.status == Transaction.Status.OK
    # Cancelled and failed payments come back with no references and zero amounts (SEP v4.1 §2 step 7).
    return {
        "State": RECEIPT_STATES[txn.status],
        "Status": txn.sep_status or 0,
        "TerminalId": int(txn.terminal.terminal_id),
        "Token": txn.token,
        "RefNum": txn.ref_num if paid else None,
        "ResNum": txn.res_num if paid else None,
        "TraceNo": txn.trace_no if paid else None,
        "Amount": txn.amount if paid else 0,
        "AffectiveAmount": txn.held_rial if paid else 0,
        "Rrn": txn.rrn if paid else None,
        "HashedCardNumber": txn.hashed_pan if paid else None,
    }


# Verify and reverse -------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def verify_transaction(request: HttpRequest) -> HttpResponseBase:
    return _verify_or_reverse(request, "verify_request", services.verify, VERIFY_DESCRIPTIONS)


@csrf_exempt
@require_POST
def reverse_transaction(request: HttpRequest) -> HttpResponseBase:
    return _verify_or_reverse(request, "reverse_request", services.reverse, REVERSE_DESCRIPTIONS)


Operation = Callable[[Terminal, str], tuple[int, Transaction | None]]


def _verify_or_reverse(
    request: HttpRequest, kind: str, operation: Operation, descriptions: dict[int, str]
) -> HttpResponseBase:
    payload = json_body(request) or {}
    try:
        terminal = merchant_terminal(payload.get("TerminalNumber"), request)
    except AccessRefused as refused:
        code = VERIFY_ACCESS_CODES[refused.reason]
        return answer(request, kind, _result(code, ACCESS_MESSAGES[refused.reason]), payload=payload)
    scenario = services.scenario_of(terminal)
    fault = services.verify_fault_take(scenario) if kind == "verify_request" else Scenario.VerifyFault.NONE
    if kind == "verify_request" and scenario.verify_delay_seconds:
        time.sleep(scenario.verify_delay_seconds)
    if fault == Scenario.VerifyFault.HTTP_500:
        log_event(kind, terminal=terminal, payload=payload, http_status=500, answer={"fault": fault},
                  **request_facts(request))
        return HttpResponse("Internal Server Error", status=500, content_type="text/plain")
    code, txn = operation(terminal, str(payload.get("RefNum") or ""))
    detail = _detail(txn) if txn is not None and _shows_detail(code, scenario) else None
    body = _result(code, descriptions.get(code, ""), detail)
    if fault == Scenario.VerifyFault.NONE:
        return answer(request, kind, body, payload=payload, terminal=terminal, txn=txn)
    log_event(kind, terminal=terminal, txn=txn, payload=payload, answer={"fault": fault, "processed": body},
              **request_facts(request))
    return _faulty_answer(fault, body)


def _shows_detail(code: int, scenario: Scenario) -> bool:
    # SEP's documents do not say whether a code-2 answer carries TransactionDetail; the tester chooses.
    return code == services.VERIFY_OK or (code == services.VERIFY_DUPLICATE and not scenario.duplicate_without_detail)


def _result(code: int, description: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"TransactionDetail": detail, "ResultCode": code, "ResultDescription": description, "Success": code == 0}


def _detail(txn: Transaction) -> dict[str, Any]:
    return {
        "RRN": txn.rrn,
        "RefNum": txn.ref_num,
        "MaskedPan": txn.masked_pan,
        "HashedPan": txn.hashed_pan,
        "TerminalNumber": int(txn.terminal.terminal_id),
        "OrginalAmount": txn.amount,  # sic: SEP's spelling
        "AffectiveAmount": txn.held_rial,
        "StraceDate": f"{txn.paid_at.astimezone(TEHRAN):%Y-%m-%d %H:%M:%S}" if txn.paid_at else "",
        "StraceNo": txn.trace_no,
    }


def _faulty_answer(fault: str, body: dict[str, Any]) -> HttpResponseBase:
    """The verify was done; the merchant does not get to know it."""
    text = json.dumps(body, ensure_ascii=False).encode()
    if fault == Scenario.VerifyFault.COMMIT_THEN_502:
        return HttpResponse(b"<html><body><h1>502 Bad Gateway</h1></body></html>", status=502)
    if fault == Scenario.VerifyFault.MALFORMED_JSON:
        return HttpResponse(text[: len(text) // 2], content_type="application/json")
    # Dropped connection: promise the whole body, send half; the client sees a short read or a timeout.
    response = StreamingHttpResponse(iter([text[: len(text) // 2]]), content_type="application/json")
    response["Content-Length"] = str(len(text))
    return response
