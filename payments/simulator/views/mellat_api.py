"""Behpardakht Mellat's SOAP web service (payments.md §3; docs/psp-mellat.md): bpPayRequest, bpVerifyRequest,
bpSettleRequest, bpInquiryRequest and bpReversalRequest at one endpoint, each answering one `return` string.

Every call carries terminalId, userName and userPassword; the follow-up calls name the sale by our orderId
(saleOrderId) and the bank's SaleReferenceId together, and a reference of another order is "sale not found".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeXml
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.simulator import services
from payments.simulator.inbound import request_facts, source_ip
from payments.simulator.models import Scenario, Terminal, Transaction
from payments.simulator.services import TokenRefused, log_event
from samt.jalali import TEHRAN

NAMESPACE = "http://interfaces.core.sw.bps.com/"
SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"
Status = Transaction.Status

OK = 0
INVALID_MERCHANT, BAD_CREDENTIALS, BAD_AMOUNT, BAD_FORMAT, BAD_IP, BAD_CALLBACK = 21, 24, 25, 32, 421, 62
SALE_NOT_FOUND, VERIFY_ALREADY, VERIFY_NOT_FOUND, SETTLED_ALREADY, REVERSED_ALREADY = 42, 43, 44, 45, 48
# The document gives no code for "reversal window passed"; the simulator answers "invalid transaction".
INVALID_TRANSACTION = 55
MAX_ORDER_DIGITS = 18

class Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(str(code))
        self.code = code


def _terminal(parameters: dict[str, str], request: HttpRequest) -> Terminal:
    terminal = (services.terminal_with_scenario()
                .filter(terminal_id=parameters.get("terminalId", ""), psp=Terminal.Psp.MELLAT).first())
    if terminal is None or not terminal.enabled:
        raise Refused(INVALID_MERCHANT)
    if (parameters.get("userName"), parameters.get("userPassword")) != (terminal.username, terminal.password):
        raise Refused(BAD_CREDENTIALS)
    if not terminal.allows(source_ip(request)):
        raise Refused(BAD_IP)
    services.sweep(terminal)  # the PSP's own timers, run lazily before anything looks at the ledger
    return terminal


# Operations ----------------------------------------------------------------------------------------------------


def pay_request(terminal: Terminal, parameters: dict[str, str]) -> tuple[str, Transaction | None]:
    order_id, amount = parameters.get("orderId", ""), parameters.get("amount", "")
    if not order_id.isdigit() or len(order_id) > MAX_ORDER_DIGITS:
        raise Refused(BAD_FORMAT)
    if not amount.isdigit() or int(amount) <= 0:
        raise Refused(BAD_AMOUNT)
    callback = urlsplit(parameters.get("callBackUrl", ""))
    if callback.scheme not in ("http", "https") or not callback.netloc:
        raise Refused(BAD_CALLBACK)
    for name, length in (("localDate", 8), ("localTime", 6)):
        if len(parameters.get(name, "")) != length or not parameters[name].isdigit():
            raise Refused(BAD_FORMAT)
    try:
        txn = services.ref_id_issue(terminal, amount=int(amount), order_id=order_id,
                                    callback_url=parameters["callBackUrl"])
    except TokenRefused as refused:
        raise Refused(refused.code) from None
    return f"{OK},{txn.token}", txn


def _sale(terminal: Terminal, parameters: dict[str, str]) -> Transaction:
    """The sale named by saleOrderId and saleReferenceId together, locked; a mismatched pair is not found."""
    txn = (Transaction.objects.select_for_update().select_related("terminal")
           .filter(terminal=terminal, res_num=parameters.get("saleOrderId", ""),
                   ref_num=parameters.get("saleReferenceId") or None).first())
    if txn is None:
        raise Refused(SALE_NOT_FOUND)
    return txn


def verify_request(terminal: Terminal, parameters: dict[str, str]) -> tuple[str, Transaction | None]:
    with transaction.atomic():
        txn = _sale(terminal, parameters)
        now = services.terminal_now(terminal)
        if txn.status == Status.OK and txn.paid_at is not None and now > txn.paid_at + services.MELLAT_VERIFY_WINDOW:
            services.auto_reverse(txn, now)
            return str(REVERSED_ALREADY), txn
        if txn.status == Status.OK:
            Transaction.objects.filter(pk=txn.pk).update(status=Status.VERIFIED, verified_at=now)
            log_event("verified", terminal=terminal, txn=txn)
            return str(OK), txn
    codes: dict[str, int] = {Status.VERIFIED: VERIFY_ALREADY, Status.REVERSED: REVERSED_ALREADY,
                             Status.AUTO_REVERSED: REVERSED_ALREADY}
    return str(codes.get(txn.status, SALE_NOT_FOUND)), txn


def settle_request(terminal: Terminal, parameters: dict[str, str]) -> tuple[str, Transaction | None]:
    with transaction.atomic():
        txn = _sale(terminal, parameters)
        if txn.status == Status.VERIFIED and txn.settled_at is None:
            Transaction.objects.filter(pk=txn.pk).update(settled_at=services.terminal_now(terminal))
            log_event("settled", terminal=terminal, txn=txn)
            return str(OK), txn
    if txn.settled_at is not None:
        return str(SETTLED_ALREADY), txn
    if txn.status in (Status.REVERSED, Status.AUTO_REVERSED):
        return str(REVERSED_ALREADY), txn
    return str(VERIFY_NOT_FOUND), txn


def inquiry_request(terminal: Terminal, parameters: dict[str, str]) -> tuple[str, Transaction | None]:
    with transaction.atomic():
        txn = _sale(terminal, parameters)
    codes: dict[str, int] = {Status.VERIFIED: OK, Status.OK: VERIFY_NOT_FOUND, Status.REVERSED: REVERSED_ALREADY,
             Status.AUTO_REVERSED: REVERSED_ALREADY}
    return str(codes.get(txn.status, SALE_NOT_FOUND)), txn


def reversal_request(terminal: Terminal, parameters: dict[str, str]) -> tuple[str, Transaction | None]:
    with transaction.atomic():
        txn = _sale(terminal, parameters)
        if txn.status in (Status.REVERSED, Status.AUTO_REVERSED):
            return str(REVERSED_ALREADY), txn
        if txn.status != Status.VERIFIED:
            return str(VERIFY_NOT_FOUND), txn
        if txn.settled_at is not None:
            return str(SETTLED_ALREADY), txn
        now = services.terminal_now(terminal)
        verified_at = txn.verified_at or now  # a VERIFIED sale has its time
        if now > verified_at + services.MELLAT_REVERSAL_WINDOW or _next_day(verified_at, now):
            return str(INVALID_TRANSACTION), txn
        Transaction.objects.filter(pk=txn.pk).update(status=Status.REVERSED, reversed_at=now)
        services.refund(txn, "reversed")
    return str(OK), txn


def _next_day(verified_at: datetime, now: datetime) -> bool:
    """Reversal of an unsettled sale is allowed only until the end of the day it was verified (Tehran)."""
    return now.astimezone(TEHRAN).date() != verified_at.astimezone(TEHRAN).date()


Operation = Callable[[Terminal, dict[str, str]], tuple[str, Transaction | None]]
OPERATIONS: dict[str, Operation] = {
    "bpPayRequest": pay_request,
    "bpVerifyRequest": verify_request,
    "bpSettleRequest": settle_request,
    "bpInquiryRequest": inquiry_request,
    "bpReversalRequest": reversal_request,
}


# The endpoint --------------------------------------------------------------------------------------------------


def _parse(body: bytes) -> tuple[str, dict[str, str]] | None:
    """The operation's local name and its parameters, or None for anything that is not such an envelope."""
    try:
        root = SafeXml.fromstring(body)
    except Exception:  # junk, or an entity trick defusedxml refuses
        return None
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in OPERATIONS:
            return name, {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
    return None


def _envelope(operation: str, value: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_ENVELOPE}"><soap:Body>'
        f'<ns2:{operation}Response xmlns:ns2="{NAMESPACE}"><return>{escape(value)}</return>'
        f"</ns2:{operation}Response></soap:Body></soap:Envelope>"
    ).encode()


def _fault(message: str) -> HttpResponse:
    body = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENVELOPE}"><soap:Body>'
            f"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>{escape(message)}</faultstring>"
            "</soap:Fault></soap:Body></soap:Envelope>")
    return HttpResponse(body.encode(), status=500, content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def service(request: HttpRequest) -> HttpResponseBase:
    parsed = _parse(request.body)
    if parsed is None:
        log_event("soap_request", terminal=None, payload={"body": request.body[:500].decode(errors="replace")},
                  http_status=500, **request_facts(request))
        return _fault("Unmarshalling Error: not a bp* request")
    operation, parameters = parsed
    logged = {name: value for name, value in parameters.items() if name != "userPassword"}
    try:
        terminal = _terminal(parameters, request)
    except Refused as refused:
        return _answer(request, operation, str(refused.code), logged, terminal=None, txn=None)
    scenario = services.scenario_of(terminal)
    if operation == "bpPayRequest" and scenario.token_unavailable:
        log_event(operation, terminal=terminal, payload=logged, http_status=503, **request_facts(request))
        return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
    fault = services.verify_fault_take(scenario) if operation == "bpVerifyRequest" else Scenario.VerifyFault.NONE
    if operation == "bpVerifyRequest" and scenario.verify_delay_seconds:
        time.sleep(scenario.verify_delay_seconds)
    if fault == Scenario.VerifyFault.HTTP_500:
        log_event(operation, terminal=terminal, payload=logged, http_status=500, answer={"fault": fault},
                  **request_facts(request))
        return _fault("Internal error")
    try:
        value, txn = OPERATIONS[operation](terminal, parameters)
    except Refused as refused:
        value, txn = str(refused.code), None
    if fault == Scenario.VerifyFault.NONE:
        return _answer(request, operation, value, logged, terminal=terminal, txn=txn)
    log_event(operation, terminal=terminal, txn=txn, payload=logged, answer={"fault": fault, "processed": value},
              **request_facts(request))
    return _faulty(fault, _envelope(operation, value))


def _answer(request: HttpRequest, operation: str, value: str, logged: dict[str, str], *, terminal: Terminal | None,
            txn: Transaction | None) -> HttpResponse:
    log_event(operation, terminal=terminal, txn=txn, payload=logged, answer={"return": value}, http_status=200,
              **request_facts(request))
    return HttpResponse(_envelope(operation, value), content_type="text/xml; charset=utf-8")


def _faulty(fault: str, body: bytes) -> HttpResponseBase:
    """The verify was done; the merchant does not get to know it."""
    if fault == Scenario.VerifyFault.COMMIT_THEN_502:
        return HttpResponse(b"<html><body><h1>502 Bad Gateway</h1></body></html>", status=502)
    if fault == Scenario.VerifyFault.MALFORMED_JSON:  # for a SOAP terminal: a cut-off envelope
        return HttpResponse(body[: len(body) // 2], content_type="text/xml; charset=utf-8")
    response = StreamingHttpResponse(iter([body[: len(body) // 2]]), content_type="text/xml; charset=utf-8")
    response["Content-Length"] = str(len(body))
    return response
