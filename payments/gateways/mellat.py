"""Behpardakht Mellat IPG (bpm.shaparak.ir): bpPayRequest, startpay page, POST callback, bpVerifyRequest,
bpSettleRequest, and bpInquiryRequest / bpReversalRequest for recovery. Facts and sources: docs/psp-mellat.md.

A hand-written SOAP 1.1 envelope, not zeep: the service is five operations with flat, string-typed parameters
and one string answer, and zeep would fetch the WSDL over the network at start-up and open its own sockets,
bypassing `payments.gateways.http`, the one choke point that tests and the simulator route and that turns
every failure into a Retryable/Permanent error.

Mellat's shape differs from SEP's in three ways the state machine meets only through the interface:
- there is no lookup by token: the bank reference (SaleReferenceId) arrives only in the browser's callback, so
  `receipt` reads the callback's hint, and without one the outcome is unknowable until the verify window has
  passed (the bank then gives any money back by itself);
- every follow-up call names our order together with the bank reference, and the bank checks they belong
  together, so a reference replayed on another order is refused by the bank itself;
- a verified sale is deposited only after bpSettleRequest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeXml
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from payments.gateways import http
from payments.gateways.base import (
    BrowserRedirect,
    CallbackHint,
    PermanentGatewayError,
    ReceiptResult,
    ReceiptState,
    ReportLine,
    RetryableGatewayError,
    ReverseOutcome,
    ReverseResult,
    SettleOutcome,
    SettleResult,
    TokenRequest,
    TokenResult,
    VerifyOutcome,
    VerifyResult,
)
from payments.gateways.fields import as_int, lowered
from payments.gateways.simulator_report import default_url, read_report
from samt.jalali import TEHRAN
from samt.persian import normalize, to_persian_digits

SERVICE_PATH = "/pgwchannel/services/pgw"
PAYMENT_PAGE_PATH = "/pgwchannel/startpay.mellat"
NAMESPACE = "http://interfaces.core.sw.bps.com/"
SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/"

TOKEN_REFUSED = "بانک شناسه پرداخت صادر نکرد (کد {code}): {reason}"
CALL_REFUSED = "بانک درخواست را نپذیرفت (کد {code}): {reason}"
UNKNOWN_REASON = "علت را بانک اعلام نکرد"
UNREADABLE_ANSWER = "پاسخ بانک ساختار مورد انتظار را نداشت."
CALLBACK_WITHOUT_KEYS = "بازگشت از بانک شناسه پرداخت (RefId) نداشت."
CALLBACK_INVALID = "شناسه‌های بازگشت از بانک نامعتبر است."
ORDER_NOT_NUMERIC = "شماره سفارش برای این درگاه باید عددی و حداکثر ۱۸ رقم باشد."

SUCCESS = 0
# Table 11 of the v1.29 document (selected): codes that mean our configuration or credentials are wrong; the
# same call is refused again until someone fixes them.
CONFIG_ERRORS = {
    21: "پذیرنده نامعتبر است",
    23: "خطای امنیتی رخ داده است",
    24: "اطلاعات کاربری پذیرنده نامعتبر است",
    25: "مبلغ نامعتبر است",
    41: "شماره درخواست تکراری است",
    62: "نشانی بازگشت خارج از دامنه ثبت‌شده پذیرنده است",
    421: "نشانی IP سرور ما برای این پایانه مجاز نیست",
}
# 34 "system error" and 61 "deposit error" are the bank's own trouble: asking again later may work.
RETRYABLE_CODES = {34: "خطای سیستمی بانک", 61: "خطا در واریز"}
USER_CANCELED = 17
SESSION_TIMED_OUT = 415
VERIFY_OUTCOMES = {
    0: VerifyOutcome.VERIFIED,
    43: VerifyOutcome.ALREADY_VERIFIED,  # "verify already requested": the document allows it as success
    48: VerifyOutcome.REVERSED,  # by us, or automatically when the verify window ran out
    42: VerifyOutcome.NOT_FOUND,  # no such sale (for this order)
    54: VerifyOutcome.NOT_FOUND,  # reference transaction missing
    55: VerifyOutcome.NOT_FOUND,  # invalid transaction
}
# bpInquiryRequest on a sale: 0 = verified; 44 = "verify request not found" (never verified, so verify now).
INQUIRY_NOT_VERIFIED = {44, 46}
SETTLE_OUTCOMES = {0: SettleOutcome.SETTLED, 45: SettleOutcome.ALREADY_SETTLED}
REVERSE_OUTCOMES = {
    0: ReverseOutcome.REVERSED,
    48: ReverseOutcome.ALREADY_REVERSED,
    42: ReverseOutcome.NOT_FOUND,
    54: ReverseOutcome.NOT_FOUND,
}

_REF_ID = re.compile(r"[A-Za-z0-9]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,19}")


class MellatGateway:
    name = "mellat"
    # An unsettled sale is never deposited (bpSettleRequest, payments.md §2.3): settle is asked after verify.
    deposits_by_itself = False
    receipt_needs_hint = True  # no lookup by RefId: the callback is the receipt
    label = "به‌پرداخت ملت"
    # The bank's payment session; a payer idle longer gets ResCode 415 (session timed out).
    token_lifetime = timedelta(minutes=15)
    # No receipt service: what the callback brought is all there is to read, for as long as verify is possible.
    receipt_window = timedelta(minutes=20)
    verify_window = timedelta(minutes=20)
    # Reversal is allowed up to three hours after verify (and not once the sale is settled).
    reverse_window = timedelta(hours=3)

    def __init__(self, *, base_url: str, terminal_id: str, username: str, password: str,
                 timeout_seconds: float = 10.0, report_url: str = "") -> None:
        if not base_url or not str(terminal_id).isdigit() or not username or not password:
            raise ImproperlyConfigured("Mellat needs BASE_URL, a numeric TERMINAL_ID, USERNAME and PASSWORD.")
        self.base_url = base_url.rstrip("/")
        self.terminal_id = str(terminal_id)
        self.username = username
        self.password = password
        self.timeout_seconds = float(timeout_seconds)
        self.report_url = report_url or default_url(self.base_url, self.terminal_id)

    # bpPayRequest and the redirect (§2.1–2.3.1) ------------------------------------------------------------

    def request_token(self, request: TokenRequest) -> TokenResult:
        if not _DIGITS.fullmatch(request.order_id) or len(request.order_id) > 18:
            raise PermanentGatewayError(ORDER_NOT_NUMERIC, raw={"orderId": request.order_id})
        local_date, local_time = local_moment(timezone.now())
        answer = self._call("bpPayRequest", {
            "orderId": request.order_id,
            "amount": str(request.amount_rial),
            "localDate": local_date,
            "localTime": local_time,
            "additionalData": "",
            "callBackUrl": request.redirect_url,
            "payerId": "0",
        })
        code, _, ref_id = answer.partition(",")
        number = as_int(code)
        if number == SUCCESS and _REF_ID.fullmatch(ref_id.strip()):
            return TokenResult(token=ref_id.strip(), redirect=self._redirect(ref_id.strip(), request.cell_number),
                               raw={"return": answer})
        raise self._refusal(number, answer, TOKEN_REFUSED)

    def _redirect(self, ref_id: str, cell_number: str | None) -> BrowserRedirect:
        fields: tuple[tuple[str, str], ...] = (("RefId", ref_id),)
        if cell_number and cell_number.isdigit():
            # A 12-digit profile number lets the bank offer the payer's saved cards (98 + mobile without 0).
            fields += (("MobileNo", "98" + cell_number.lstrip("0")),)
        return BrowserRedirect(url=self.base_url + PAYMENT_PAGE_PATH, method="POST", fields=fields)

    # Callback (table 10) -----------------------------------------------------------------------------------

    def parse_callback(self, data: Mapping[str, Any]) -> CallbackHint:
        fields = {key: normalize(str(value)).strip() for key, value in lowered(data).items()}
        ref_id = fields.get("refid") or None
        if ref_id is None:
            raise PermanentGatewayError(CALLBACK_WITHOUT_KEYS, raw=dict(data))
        order_id = fields.get("saleorderid") or None
        reference = fields.get("salereferenceid") or None
        result_code = fields.get("rescode") or None
        if (not _REF_ID.fullmatch(ref_id) or (order_id and not _DIGITS.fullmatch(order_id))
                or (reference and not _DIGITS.fullmatch(reference))
                or (result_code and as_int(result_code) is None)):
            raise PermanentGatewayError(CALLBACK_INVALID, raw=dict(data))
        return CallbackHint(token=ref_id, ref_num=reference, order_id=order_id, result_code=result_code,
                            masked_pan=fields.get("cardholderpan") or None, amount=as_int(fields.get("finalamount")))

    # What the callback says, checked against nothing yet (the caller compares it with its own copy) -------

    def receipt(self, *, token: str | None = None, ref_num: str | None = None,
                hint: CallbackHint | None = None) -> ReceiptResult:
        """Mellat has no lookup by RefId: the outcome is what the callback for *this* RefId says, and the
        verify that follows is where the bank confirms it (it refuses a reference of another order)."""
        if hint is None or hint.token != token or hint.result_code is None:
            return ReceiptResult(state=ReceiptState.UNKNOWABLE)
        code = as_int(hint.result_code)
        raw = hint.as_dict()
        if code == USER_CANCELED:
            return ReceiptResult(state=ReceiptState.CANCELED, status=code, token=hint.token, raw=raw)
        if code == SESSION_TIMED_OUT:
            return ReceiptResult(state=ReceiptState.SESSION_ENDED, status=code, token=hint.token, raw=raw)
        if code != SUCCESS:
            return ReceiptResult(state=ReceiptState.FAILED, status=code, token=hint.token, raw=raw)
        return ReceiptResult(
            state=ReceiptState.OK, status=code, token=hint.token, ref_num=hint.ref_num, order_id=hint.order_id,
            terminal_id=self.terminal_id, amount=hint.amount, affective_amount=hint.amount,
            masked_pan=hint.masked_pan, amount_bound_to_token=True, raw=raw,
        )

    # Verify, inquiry, settle, reversal (§2.3.2–2.3.5) ------------------------------------------------------

    def verify(self, ref_num: str, *, order_id: str) -> VerifyResult:
        code, answer = self._follow_up("bpVerifyRequest", ref_num, order_id)
        return VerifyResult(outcome=VERIFY_OUTCOMES.get(code, VerifyOutcome.FAILED), code=code, ref_num=ref_num,
                            terminal_id=self.terminal_id, raw={"return": answer})

    def inquire(self, ref_num: str, *, order_id: str) -> VerifyResult:
        """bpInquiryRequest: the document's way to learn what became of a verify whose answer was lost."""
        code, answer = self._follow_up("bpInquiryRequest", ref_num, order_id)
        if code in INQUIRY_NOT_VERIFIED:
            return self.verify(ref_num, order_id=order_id)
        outcome = {SUCCESS: VerifyOutcome.ALREADY_VERIFIED}.get(code) or VERIFY_OUTCOMES.get(code,
                                                                                            VerifyOutcome.FAILED)
        return VerifyResult(outcome=outcome, code=code, ref_num=ref_num, terminal_id=self.terminal_id,
                            raw={"return": answer, "operation": "bpInquiryRequest"})

    def settle(self, ref_num: str, *, order_id: str) -> SettleResult:
        code, answer = self._follow_up("bpSettleRequest", ref_num, order_id)
        return SettleResult(outcome=SETTLE_OUTCOMES.get(code, SettleOutcome.FAILED), code=code,
                            raw={"return": answer})

    def reverse(self, ref_num: str, *, order_id: str) -> ReverseResult:
        code, answer = self._follow_up("bpReversalRequest", ref_num, order_id)
        return ReverseResult(outcome=REVERSE_OUTCOMES.get(code, ReverseOutcome.FAILED), code=code,
                             raw={"return": answer})

    def transactions(self, day: date) -> list[ReportLine]:
        return read_report(self.report_url, day.isoformat(), timeout=self.timeout_seconds)

    def _follow_up(self, operation: str, ref_num: str, order_id: str) -> tuple[int, str]:
        # The follow-up calls' own orderId need not be unique; the sale's orderId is reused (§2.3.2).
        answer = self._call(operation, {"orderId": order_id, "saleOrderId": order_id, "saleReferenceId": ref_num})
        code = as_int(answer)
        if code is None or code in CONFIG_ERRORS or code in RETRYABLE_CODES:
            raise self._refusal(code, answer, CALL_REFUSED)
        return code, answer

    def _refusal(self, code: int | None, answer: str, template: str) -> Exception:
        if code is None:
            return RetryableGatewayError(UNREADABLE_ANSWER, raw={"return": answer})
        if code in RETRYABLE_CODES:
            return RetryableGatewayError(template.format(code=to_persian_digits(code), reason=RETRYABLE_CODES[code]),
                                         raw={"return": answer})
        reason = CONFIG_ERRORS.get(code) or UNKNOWN_REASON
        return PermanentGatewayError(template.format(code=to_persian_digits(code), reason=reason),
                                     raw={"return": answer})

    # SOAP ---------------------------------------------------------------------------------------------------

    def _call(self, operation: str, parameters: dict[str, str]) -> str:
        """One SOAP operation; its `return` element's text (Mellat answers every call with one string)."""
        body = envelope(operation, {"terminalId": self.terminal_id, "userName": self.username,
                                    "userPassword": self.password, **parameters})
        answer = http.post_xml(self.base_url + SERVICE_PATH, body, timeout=self.timeout_seconds,
                               headers={"SOAPAction": '""'})
        return read_return(answer, operation)


def envelope(operation: str, parameters: Mapping[str, str]) -> bytes:
    """A SOAP 1.1 request: the operation in Mellat's namespace, its parameters as unqualified children."""
    children = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in parameters.items())
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENVELOPE}" xmlns:ns1="{NAMESPACE}">'
        f"<soapenv:Body><ns1:{operation}>{children}</ns1:{operation}></soapenv:Body></soapenv:Envelope>"
    ).encode()


def read_return(body: bytes, operation: str) -> str:
    """The text of `<return>` inside `<{operation}Response>`; anything else leaves the outcome unknown."""
    try:
        root = SafeXml.fromstring(body)
    except Exception as error:  # defusedxml raises its own errors for entity tricks, ParseError for junk
        raise RetryableGatewayError(UNREADABLE_ANSWER, raw=body.decode("utf-8", errors="replace")) from error
    for element in root.iter():
        if _local(element.tag) == f"{operation}Response":
            for child in element:
                if _local(child.tag) == "return":
                    return (child.text or "").strip()
    raise RetryableGatewayError(UNREADABLE_ANSWER, raw=body.decode("utf-8", errors="replace"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def local_moment(moment: datetime) -> tuple[str, str]:
    """localDate and localTime as the bank wants them: Tehran time, "YYYYMMDD" and "HHMMSS"."""
    tehran = moment.astimezone(TEHRAN)
    return tehran.strftime("%Y%m%d"), tehran.strftime("%H%M%S")
