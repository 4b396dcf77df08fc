"""The SEP adapter against canned answers: the requests it sends and how it reads every documented code."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import QueryDict

from payments.gateways import http
from payments.gateways.base import (
    CallbackHint,
    PermanentGatewayError,
    ReceiptState,
    RetryableGatewayError,
    ReverseOutcome,
    TokenRequest,
    VerifyOutcome,
)
from payments.gateways.registry import configured_gateways, get_gateway
from payments.gateways.sep import CALLBACK_INVALID, CALLBACK_WITHOUT_KEYS, SepGateway

BASE = "https://sep.example/psp"
TOKEN = "2c3c1fefac5a48geb9f9be7e445dd9b2"
REF_NUM = "jJnBmy/IojtTemplUH5ke9ULCGtDtb"
DETAIL = {"RRN": "14226761817", "RefNum": REF_NUM, "MaskedPan": "621986****8080", "HashedPan": "AB12",
          "TerminalNumber": 10012345, "OrginalAmount": 1_250_000, "AffectiveAmount": 1_250_000,
          "StraceDate": "2025-01-12 10:11:12", "StraceNo": "100428"}


class CannedPsp:
    """Records each call and answers with the next canned body (or raises it, if it is an exception)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any], float]] = []

    def __call__(self, url: str, payload: dict[str, Any], *, timeout: float, headers: dict | None = None) -> dict:
        self.calls.append((url, payload, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def gateway() -> SepGateway:
    return SepGateway(base_url=BASE + "/", terminal_id="10012345", timeout_seconds=7)


def answering(monkeypatch: pytest.MonkeyPatch, *answers: Any) -> CannedPsp:
    psp = CannedPsp(*answers)
    monkeypatch.setattr(http, "post_json", psp)
    return psp


# Token --------------------------------------------------------------------------------------------------------


def test_it_asks_for_a_token_with_seps_field_names_and_redirects_by_post(gateway, monkeypatch):
    psp = answering(monkeypatch, {"status": 1, "token": TOKEN})
    result = gateway.request_token(TokenRequest("SAMT-1-1", 1_250_000, "https://samt.example/pay/back/", "09121234567"))
    assert psp.calls == [(f"{BASE}/onlinepg/onlinepg", {
        "action": "token", "TerminalId": "10012345", "Amount": 1_250_000, "ResNum": "SAMT-1-1",
        "RedirectUrl": "https://samt.example/pay/back/", "CellNumber": "09121234567"}, 7.0)]
    assert result.token == TOKEN
    assert (result.redirect.url, result.redirect.method) == (f"{BASE}/OnlinePG/OnlinePG", "POST")
    assert result.redirect.fields == (("Token", TOKEN),)


def test_a_refused_token_is_permanent_with_a_persian_reason(gateway, monkeypatch):
    answering(monkeypatch, {"status": -1, "errorCode": "8", "errorDesc": "Merchant IP is invalid"})
    with pytest.raises(PermanentGatewayError) as error:
        gateway.request_token(TokenRequest("SAMT-1-1", 1_000, "https://samt.example/back/"))
    assert "نشانی IP سرور ما" in error.value.message
    assert "۸" in error.value.message
    assert error.value.raw["errorCode"] == "8"


def test_an_unknown_token_error_shows_the_banks_own_words(gateway, monkeypatch):
    answering(monkeypatch, {"status": -1, "errorCode": "77", "errorDesc": "something new"})
    with pytest.raises(PermanentGatewayError, match="something new"):
        gateway.request_token(TokenRequest("SAMT-1-1", 1_000, "https://samt.example/back/"))


def test_a_token_answer_without_status_or_code_is_retryable(gateway, monkeypatch):
    answering(monkeypatch, {"unexpected": True})
    with pytest.raises(RetryableGatewayError):
        gateway.request_token(TokenRequest("SAMT-1-1", 1_000, "https://samt.example/back/"))


@pytest.mark.parametrize("amount", [0, -5, 10.5, True])
def test_a_token_request_needs_a_positive_whole_number_of_rials(amount):
    with pytest.raises(ValueError):
        TokenRequest("SAMT-1-1", amount, "https://samt.example/back/")


# Receipt ------------------------------------------------------------------------------------------------------


def receipt_answer(**data: Any) -> dict[str, Any]:
    base = {"State": 2, "Status": 2, "TerminalId": 10012345, "Token": TOKEN, "RefNum": REF_NUM, "ResNum": "SAMT-1-1",
            "TraceNo": "100428", "Amount": 1_250_000, "AffectiveAmount": 1_250_000, "Rrn": "14226761817",
            "HashedCardNumber": "AB12"}
    return {"HasError": False, "ErrorCode": None, "ErrorMessage": None, "ValidationErrors": [],
            "Data": {**base, **data}}


def test_the_receipt_is_asked_by_token_and_binds_ref_num_to_our_order(gateway, monkeypatch):
    psp = answering(monkeypatch, receipt_answer())
    receipt = gateway.receipt(token=TOKEN)
    assert psp.calls[0][:2] == (f"{BASE}/verifyTxnRandomSessionkey/api/v2/ipg/payment/receipt",
                                {"TerminalNumber": 10012345, "Token": TOKEN})
    assert receipt.state == ReceiptState.OK
    assert (receipt.token, receipt.ref_num, receipt.order_id) == (TOKEN, REF_NUM, "SAMT-1-1")
    assert (receipt.amount, receipt.affective_amount, receipt.terminal_id) == (1_250_000, 1_250_000, "10012345")
    assert (receipt.rrn, receipt.trace_no, receipt.hashed_pan) == ("14226761817", "100428", "AB12")


def test_the_receipt_can_be_asked_by_ref_num(gateway, monkeypatch):
    psp = answering(monkeypatch, receipt_answer())
    gateway.receipt(ref_num=REF_NUM)
    assert psp.calls[0][1] == {"TerminalNumber": 10012345, "RefNum": REF_NUM}


def test_the_receipt_needs_exactly_one_key(gateway):
    with pytest.raises(ValueError):
        gateway.receipt()
    with pytest.raises(ValueError):
        gateway.receipt(token=TOKEN, ref_num=REF_NUM)


@pytest.mark.parametrize(("state", "expected"), [
    (0, ReceiptState.IN_PROGRESS), (1, ReceiptState.CANCELED), (2, ReceiptState.OK), (3, ReceiptState.FAILED),
    ("OK", ReceiptState.OK), ("CanceledByUser", ReceiptState.CANCELED), ("Failed", ReceiptState.FAILED),
    ("2", ReceiptState.OK),
])
def test_receipt_states_are_read_as_numbers_or_names(gateway, monkeypatch, state, expected):
    answering(monkeypatch, receipt_answer(State=state))
    assert gateway.receipt(token=TOKEN).state == expected


def test_a_receipt_404_means_not_found_not_an_error(gateway, monkeypatch):
    answering(monkeypatch, {"HasError": True, "ErrorCode": 404, "ErrorMessage": "ResourceNotFound", "Data": None})
    assert gateway.receipt(token=TOKEN).state == ReceiptState.NOT_FOUND


@pytest.mark.parametrize("code", [8, 12, 20, 5])
def test_a_receipt_refusal_is_permanent(gateway, monkeypatch, code):
    answering(monkeypatch, {"HasError": True, "ErrorCode": code, "ErrorMessage": "x", "Data": None})
    with pytest.raises(PermanentGatewayError):
        gateway.receipt(token=TOKEN)


@pytest.mark.parametrize("answer", [{"HasError": False, "Data": {"State": 9}}, {"Data": None}, {}])
def test_an_unreadable_receipt_is_retryable(gateway, monkeypatch, answer):
    answering(monkeypatch, answer)
    with pytest.raises(RetryableGatewayError):
        gateway.receipt(token=TOKEN)


# Verify and reverse -------------------------------------------------------------------------------------------


def result(code: int, detail: dict[str, Any] | None = DETAIL) -> dict[str, Any]:
    return {"TransactionDetail": detail, "ResultCode": code, "ResultDescription": "…", "Success": code == 0}


def test_verify_sends_ref_num_and_terminal_number_and_reads_the_detail(gateway, monkeypatch):
    psp = answering(monkeypatch, result(0))
    verified = gateway.verify(REF_NUM)
    assert psp.calls[0][:2] == (f"{BASE}/verifyTxnRandomSessionkey/ipg/VerifyTransaction",
                                {"RefNum": REF_NUM, "TerminalNumber": 10012345})
    assert verified.outcome == VerifyOutcome.VERIFIED and verified.succeeded
    assert (verified.original_amount, verified.affective_amount) == (1_250_000, 1_250_000)
    assert (verified.ref_num, verified.rrn, verified.trace_no) == (REF_NUM, "14226761817", "100428")
    assert (verified.masked_pan, verified.terminal_id, verified.trace_date) == (
        "621986****8080", "10012345", "2025-01-12 10:11:12")


@pytest.mark.parametrize(("code", "outcome"), [
    (0, VerifyOutcome.VERIFIED),
    (2, VerifyOutcome.ALREADY_VERIFIED),  # never "failed": that strands a paid slip (payments.md §2.5)
    (5, VerifyOutcome.REVERSED),
    (-2, VerifyOutcome.NOT_FOUND),
    (-6, VerifyOutcome.WINDOW_PASSED),
    (-1, VerifyOutcome.FAILED),
    (1, VerifyOutcome.FAILED),
])
def test_verify_codes_are_pinned(gateway, monkeypatch, code, outcome):
    answering(monkeypatch, result(code))
    assert gateway.verify(REF_NUM).outcome == outcome


def test_a_repeat_without_detail_is_still_a_success_but_carries_no_amount(gateway, monkeypatch):
    answering(monkeypatch, result(2, detail=None))
    verified = gateway.verify(REF_NUM)
    assert verified.succeeded
    assert not verified.has_detail


@pytest.mark.parametrize("code", [-104, -105, -106])
def test_terminal_and_address_refusals_are_permanent(gateway, monkeypatch, code):
    answering(monkeypatch, result(code, detail=None))
    with pytest.raises(PermanentGatewayError):
        gateway.verify(REF_NUM)


def test_a_verify_answer_without_a_result_code_is_retryable(gateway, monkeypatch):
    answering(monkeypatch, {"Success": True})
    with pytest.raises(RetryableGatewayError):
        gateway.verify(REF_NUM)


def test_a_lost_verify_answer_stays_retryable(gateway, monkeypatch):
    answering(monkeypatch, RetryableGatewayError("timeout"))
    with pytest.raises(RetryableGatewayError):
        gateway.verify(REF_NUM)


@pytest.mark.parametrize(("code", "outcome"), [
    (0, ReverseOutcome.REVERSED), (2, ReverseOutcome.ALREADY_REVERSED), (-2, ReverseOutcome.NOT_FOUND),
    (-6, ReverseOutcome.WINDOW_PASSED), (-1, ReverseOutcome.FAILED),
])
def test_reverse_codes_are_pinned(gateway, monkeypatch, code, outcome):
    psp = answering(monkeypatch, result(code))
    reversed_ = gateway.reverse(REF_NUM)
    assert psp.calls[0][0] == f"{BASE}/verifyTxnRandomSessionkey/ipg/ReverseTransaction"
    assert reversed_.outcome == outcome
    assert reversed_.succeeded == (code in (0, 2))


# Callback -----------------------------------------------------------------------------------------------------


def test_a_v41_callback_gives_token_and_ref_num(gateway):
    assert gateway.parse_callback(QueryDict(f"Token={TOKEN}&RefNum={REF_NUM}")) == CallbackHint(TOKEN, REF_NUM)


def test_a_v33_post_is_read_for_its_keys_only(gateway):
    forged = {"MID": "10012345", "State": "OK", "Status": "2", "RefNum": REF_NUM, "ResNum": "OTHER", "Amount": "1",
              "Token": TOKEN, "SecurePan": "621986****8080"}
    assert gateway.parse_callback(forged) == CallbackHint(TOKEN, REF_NUM)


def test_lower_case_names_are_accepted(gateway):
    assert gateway.parse_callback({"token": TOKEN, "refnum": REF_NUM}) == CallbackHint(TOKEN, REF_NUM)


def test_a_failed_payments_empty_ref_num_is_none(gateway):
    cancelled = {"Token": TOKEN, "RefNum": "", "State": "CanceledByUser"}
    assert gateway.parse_callback(cancelled) == CallbackHint(TOKEN, None)


def test_a_plus_left_unencoded_in_the_query_string_is_restored(gateway):
    assert gateway.parse_callback(QueryDict(f"Token={TOKEN}&RefNum=ab+cd")).ref_num == "ab+cd"


def test_a_callback_without_keys_is_refused(gateway):
    with pytest.raises(PermanentGatewayError) as error:
        gateway.parse_callback({"State": "OK"})
    assert error.value.message == CALLBACK_WITHOUT_KEYS


@pytest.mark.parametrize("value", ["<script>", "x" * 65, "a;b"])
def test_a_callback_key_of_the_wrong_shape_is_refused(gateway, value):
    with pytest.raises(PermanentGatewayError) as error:
        gateway.parse_callback({"Token": value})
    assert error.value.message == CALLBACK_INVALID


# Registry -----------------------------------------------------------------------------------------------------


def test_the_registry_builds_the_adapter_named_in_settings(settings):
    settings.SAMT_PAYMENT_GATEWAYS = [{"ADAPTER": "payments.gateways.sep.SepGateway",
                                       "BASE_URL": "https://sep.shaparak.ir", "TERMINAL_ID": "20012345",
                                       "TIMEOUT_SECONDS": 4}]
    gateway = get_gateway()
    assert isinstance(gateway, SepGateway)
    assert (gateway.base_url, gateway.terminal_id) == ("https://sep.shaparak.ir", "20012345")
    assert gateway.timeout_seconds == 4
    assert (gateway.name, gateway.verify_window.total_seconds()) == ("sep", 30 * 60)


def test_development_points_the_adapter_at_the_simulator(settings):
    assert [entry["BASE_URL"] for entry in settings.SAMT_PAYMENT_GATEWAYS] == ["http://127.0.0.1:8000/psp"] * 2
    assert [(entry.gateway.name, entry.gateway.terminal_id, entry.weight) for entry in configured_gateways()] == [
        ("sep", "10012345", 1), ("mellat", "20012345", 0)]


@pytest.mark.parametrize(("base_url", "terminal_id"), [("", "10012345"), ("https://sep.shaparak.ir", ""),
                                                        ("https://sep.shaparak.ir", "abc")])
def test_an_unconfigured_adapter_refuses_to_start(settings, base_url, terminal_id):
    settings.SAMT_PAYMENT_GATEWAYS = [{"ADAPTER": "payments.gateways.sep.SepGateway", "BASE_URL": base_url,
                                       "TERMINAL_ID": terminal_id, "TIMEOUT_SECONDS": 4}]
    with pytest.raises(ImproperlyConfigured):
        get_gateway()
