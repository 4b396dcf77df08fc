"""SEP (Saman Electronic Payment) OnlinePG, v4.1 with the receipt service; reads v3.3 callbacks too.

Wire format per payments.md §2: JSON over POST; field names are case-sensitive on the way out, and read
case-insensitively on the way in because SEP's answers have not always matched its own documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured

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
from payments.gateways.fields import as_int as _as_int
from payments.gateways.fields import as_str as _as_str
from payments.gateways.fields import lowered as _lowered
from payments.gateways.simulator_report import default_url, read_report
from samt.persian import normalize, to_persian_digits

TOKEN_PATH = "/onlinepg/onlinepg"
PAYMENT_PAGE_PATH = "/OnlinePG/OnlinePG"
RECEIPT_PATH = "/verifyTxnRandomSessionkey/api/v2/ipg/payment/receipt"
VERIFY_PATH = "/verifyTxnRandomSessionkey/ipg/VerifyTransaction"
REVERSE_PATH = "/verifyTxnRandomSessionkey/ipg/ReverseTransaction"

TOKEN_REFUSED = "بانک توکن پرداخت صادر نکرد (کد {code}): {reason}"
RECEIPT_REFUSED = "بانک وضعیت پرداخت را اعلام نکرد (کد {code}): {reason}"
VERIFY_REFUSED = "بانک درخواست تأیید یا برگشت را نپذیرفت (کد {code}): {reason}"
UNKNOWN_REASON = "علت را بانک اعلام نکرد"
UNREADABLE_ANSWER = "پاسخ بانک ساختار مورد انتظار را نداشت."
CALLBACK_WITHOUT_KEYS = "بازگشت از بانک شناسه پرداخت (Token یا RefNum) نداشت."
CALLBACK_INVALID = "شناسه پرداخت در بازگشت از بانک نامعتبر است."

# Token errors reuse SEP's transaction-status table (v3.3 p.13); 20 comes from the receipt service.
TOKEN_ERRORS = {
    5: "پارامترهای درخواست نامعتبر است",
    8: "نشانی IP سرور ما برای این پایانه نزد بانک ثبت نشده است",
    10: "توکن یافت نشد",
    11: "این پایانه فقط پرداخت توکنی می‌پذیرد",
    12: "شماره پایانه نزد بانک یافت نشد",
    20: "پایانه نزد بانک غیرفعال است",
    21: "تنظیمات تسهیم مبلغ پایانه نادرست است",
}
RECEIPT_ERRORS = {
    8: TOKEN_ERRORS[8],
    12: TOKEN_ERRORS[12],
    20: TOKEN_ERRORS[20],
}
RECEIPT_NOT_FOUND = 404
# Configuration errors: the same call will be refused again until someone fixes the terminal or the IP list.
VERIFY_CONFIG_ERRORS = {
    -104: "پایانه پذیرنده نزد بانک غیرفعال است",
    -105: "پایانه پذیرنده نزد بانک تعریف نشده است",
    -106: "نشانی IP سرور ما برای این پایانه مجاز نیست",
}
VERIFY_OUTCOMES = {
    0: VerifyOutcome.VERIFIED,
    2: VerifyOutcome.ALREADY_VERIFIED,  # SEP tracks no consumption: a repeat is a success, not a failure
    5: VerifyOutcome.REVERSED,
    -2: VerifyOutcome.NOT_FOUND,
    -6: VerifyOutcome.WINDOW_PASSED,
}
REVERSE_OUTCOMES = {
    0: ReverseOutcome.REVERSED,
    2: ReverseOutcome.ALREADY_REVERSED,
    -2: ReverseOutcome.NOT_FOUND,
    -6: ReverseOutcome.WINDOW_PASSED,
}
RECEIPT_STATES = {
    0: ReceiptState.IN_PROGRESS,
    1: ReceiptState.CANCELED,
    2: ReceiptState.OK,
    3: ReceiptState.FAILED,
    "inprogress": ReceiptState.IN_PROGRESS,
    "canceledbyuser": ReceiptState.CANCELED,
    "ok": ReceiptState.OK,
    "failed": ReceiptState.FAILED,
}

# Tokens are 32 hex digits; RefNums are up to 50 characters of base64.
_CALLBACK_KEY = re.compile(r"[A-Za-z0-9+/=_-]{1,64}")


class SepGateway:
    name = "sep"
    label = "پرداخت الکترونیک سامان (سپ)"
    token_lifetime = timedelta(minutes=20)
    receipt_window = timedelta(hours=1)
    verify_window = timedelta(minutes=30)
    reverse_window = timedelta(minutes=50)
    # SEP deposits a verified payment by itself (v3.3 §2 step 5): nothing to ask after verify.
    deposits_by_itself = True
    receipt_needs_hint = False  # the receipt service looks a payment up by its token

    def __init__(self, *, base_url: str, terminal_id: str, timeout_seconds: float = 10.0,
                 report_url: str = "") -> None:
        if not base_url or not str(terminal_id).isdigit():
            raise ImproperlyConfigured("SEP needs PSP_BASE_URL and a numeric PSP_TERMINAL_ID.")
        self.base_url = base_url.rstrip("/")
        self.terminal_id = str(terminal_id)
        self.timeout_seconds = float(timeout_seconds)
        self.report_url = report_url or default_url(self.base_url, self.terminal_id)

    # Token and redirect (§2.1, §2.2) ---------------------------------------------------------------------

    def request_token(self, request: TokenRequest) -> TokenResult:
        answer = self._post(TOKEN_PATH, {
            "action": "token",
            "TerminalId": self.terminal_id,
            "Amount": request.amount_rial,
            "ResNum": request.order_id,
            "RedirectUrl": request.redirect_url,
            "CellNumber": request.cell_number or "",
        })
        fields = _lowered(answer)
        token = fields.get("token")
        if _as_int(fields.get("status")) == 1 and isinstance(token, str) and token:
            return TokenResult(token=token, redirect=self._redirect_to_card_page(token), raw=answer)
        code = _as_int(fields.get("errorcode"))
        if code is None:
            raise RetryableGatewayError(UNREADABLE_ANSWER, raw=answer)
        reason = TOKEN_ERRORS.get(code) or fields.get("errordesc") or UNKNOWN_REASON
        raise PermanentGatewayError(TOKEN_REFUSED.format(code=to_persian_digits(code), reason=reason), raw=answer)

    def _redirect_to_card_page(self, token: str) -> BrowserRedirect:
        # POST, not SendToken's GET: the token stays out of proxy and browser-history logs.
        return BrowserRedirect(url=self.base_url + PAYMENT_PAGE_PATH, method="POST", fields=(("Token", token),))

    # Callback (§2.3) -------------------------------------------------------------------------------------

    def parse_callback(self, data: Mapping[str, Any]) -> CallbackHint:
        """Token and RefNum from a v4.1 GET or a v3.3 POST, whatever the case of the field names (F13).

        Everything else a v3.3 callback carries (State, Amount, ResNum) can be forged and is ignored.
        """
        fields = _lowered(data)
        token = _callback_key(fields.get("token"), data)
        ref_num = _callback_key(fields.get("refnum"), data)
        if token is None and ref_num is None:
            raise PermanentGatewayError(CALLBACK_WITHOUT_KEYS, raw=dict(data))
        return CallbackHint(token=token, ref_num=ref_num)

    # Receipt service (§2.4) ------------------------------------------------------------------------------

    def receipt(self, *, token: str | None = None, ref_num: str | None = None,
                hint: CallbackHint | None = None) -> ReceiptResult:
        """By token or RefNum alone: SEP's own answer is the record, so the callback's hint is not needed."""
        if (token is None) == (ref_num is None):
            raise ValueError("give exactly one of token and ref_num")
        key = {"Token": token} if token is not None else {"RefNum": str(ref_num)}
        answer = self._post(RECEIPT_PATH, {"TerminalNumber": int(self.terminal_id), **key})
        fields = _lowered(answer)
        code = _as_int(fields.get("errorcode"))
        if fields.get("haserror") is False and isinstance(fields.get("data"), Mapping):
            return _receipt_from(fields["data"], answer)
        if code == RECEIPT_NOT_FOUND:
            return ReceiptResult(state=ReceiptState.NOT_FOUND, raw=answer)
        if code is None:
            raise RetryableGatewayError(UNREADABLE_ANSWER, raw=answer)
        reason = RECEIPT_ERRORS.get(code) or fields.get("errormessage") or UNKNOWN_REASON
        raise PermanentGatewayError(RECEIPT_REFUSED.format(code=to_persian_digits(code), reason=reason), raw=answer)

    # Verify and reverse (§2.5, §2.6) ---------------------------------------------------------------------

    def verify(self, ref_num: str, *, order_id: str = "") -> VerifyResult:
        answer = self._post(VERIFY_PATH, self._by_ref_num(ref_num))
        code, description = self._result_code(answer)
        detail = _lowered(_lowered(answer).get("transactiondetail") or {})
        return VerifyResult(
            outcome=VERIFY_OUTCOMES.get(code, VerifyOutcome.FAILED),
            code=code,
            description=description,
            ref_num=_as_str(detail.get("refnum")),
            rrn=_as_str(detail.get("rrn")),
            trace_no=_as_str(detail.get("straceno")),
            trace_date=_as_str(detail.get("stracedate")),
            masked_pan=_as_str(detail.get("maskedpan")),
            hashed_pan=_as_str(detail.get("hashedpan")),
            terminal_id=_as_str(detail.get("terminalnumber")),
            original_amount=_as_int(detail.get("orginalamount")),
            affective_amount=_as_int(detail.get("affectiveamount")),
            raw=answer,
        )

    def inquire(self, ref_num: str, *, order_id: str = "") -> VerifyResult:
        """SEP has no separate inquiry: a repeated verify is safe and answers 2 if the first one was done."""
        return self.verify(ref_num, order_id=order_id)

    def settle(self, ref_num: str, *, order_id: str = "") -> SettleResult:
        """SEP deposits a verified payment by itself (v3.3 §2 step 5): there is no settle call to make."""
        return SettleResult(outcome=SettleOutcome.SETTLED, code=0)

    def reverse(self, ref_num: str, *, order_id: str = "") -> ReverseResult:
        answer = self._post(REVERSE_PATH, self._by_ref_num(ref_num))
        code, description = self._result_code(answer)
        outcome = REVERSE_OUTCOMES.get(code, ReverseOutcome.FAILED)
        return ReverseResult(outcome=outcome, code=code, description=description, raw=answer)

    # Transaction report (§8, settlement reconciliation) ----------------------------------------------------------

    def transactions(self, day: date) -> list[ReportLine]:
        return read_report(self.report_url, day.isoformat(), timeout=self.timeout_seconds)

    def _by_ref_num(self, ref_num: str) -> dict[str, Any]:
        return {"RefNum": ref_num, "TerminalNumber": int(self.terminal_id)}

    @staticmethod
    def _result_code(answer: Mapping[str, Any]) -> tuple[int, str]:
        fields = _lowered(answer)
        code = _as_int(fields.get("resultcode"))
        if code is None:
            raise RetryableGatewayError(UNREADABLE_ANSWER, raw=answer)
        description = _as_str(fields.get("resultdescription")) or ""
        if code in VERIFY_CONFIG_ERRORS:
            reason = VERIFY_CONFIG_ERRORS[code]
            raise PermanentGatewayError(VERIFY_REFUSED.format(code=to_persian_digits(code), reason=reason), raw=answer)
        return code, description

    def _post(self, path: str, payload: dict[str, Any]) -> dict:
        return http.post_json(self.base_url + path, payload, timeout=self.timeout_seconds)


# SEP's status number for "the payer's session ended before they paid" (SessionIsNull, v3.3 p.13).
SESSION_IS_NULL = 4


def _receipt_from(data: Mapping[str, Any], answer: Mapping[str, Any]) -> ReceiptResult:
    fields = _lowered(data)
    state = fields.get("state")
    state_key = state.lower() if isinstance(state, str) and not state.isdigit() else _as_int(state)
    if state_key not in RECEIPT_STATES:
        raise RetryableGatewayError(UNREADABLE_ANSWER, raw=answer)
    status = _as_int(fields.get("status"))
    receipt_state = RECEIPT_STATES[state_key]
    if receipt_state == ReceiptState.FAILED and status == SESSION_IS_NULL:
        receipt_state = ReceiptState.SESSION_ENDED
    return ReceiptResult(
        state=receipt_state,
        status=status,
        token=_as_str(fields.get("token")),
        ref_num=_as_str(fields.get("refnum")),
        order_id=_as_str(fields.get("resnum")),
        terminal_id=_as_str(fields.get("terminalid")),
        amount=_as_int(fields.get("amount")),
        affective_amount=_as_int(fields.get("affectiveamount")),
        rrn=_as_str(fields.get("rrn")),
        trace_no=_as_str(fields.get("traceno")),
        masked_pan=_as_str(fields.get("maskedpan") or fields.get("securepan")),
        hashed_pan=_as_str(fields.get("hashedcardnumber")),
        raw=answer,
    )


def _callback_key(value: Any, data: Mapping[str, Any]) -> str | None:
    if value is None:
        return None
    # A '+' that the PSP left unencoded in a query string arrives as a space; RefNums never contain spaces.
    text = normalize(str(value).replace(" ", "+"))
    if not text:
        return None  # v3.3 sends an empty RefNum when the payer did not pay
    if not _CALLBACK_KEY.fullmatch(text):
        raise PermanentGatewayError(CALLBACK_INVALID, raw=dict(data))
    return text
