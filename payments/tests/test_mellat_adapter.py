"""The Mellat adapter: its SOAP envelope and answers on their own, then against the simulator's Mellat terminal
over the real wire format (post_xml routed to a test client), with the payer's steps done as a person would."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from payments.gateways import http
from payments.gateways.base import (
    CallbackHint,
    PermanentGatewayError,
    ReceiptState,
    RetryableGatewayError,
    ReverseOutcome,
    SettleOutcome,
    TokenRequest,
    VerifyOutcome,
)
from payments.gateways.mellat import MellatGateway, envelope, read_return
from payments.simulator import fixtures
from payments.simulator.models import Terminal, TestCard, Transaction
from payments.tests.simulator_client import (
    APPROVE,
    INSUFFICIENT,
    RETURN_URL,
    advance_clock,
    callback_fields,
    change_settings,
    open_card_page,
    pay,
    submit_card,
)

AMOUNT = 1_250_000
MELLAT = fixtures.MELLAT_TERMINAL_ID


def answer(operation: str, value: str) -> bytes:
    return (f'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
            f'<ns2:{operation}Response xmlns:ns2="http://interfaces.core.sw.bps.com/"><return>{value}</return>'
            f"</ns2:{operation}Response></S:Body></S:Envelope>").encode()


# The envelope and the answer, without a network ----------------------------------------------------------------


def test_the_envelope_puts_the_operation_in_mellats_namespace_and_escapes_values():
    body = envelope("bpPayRequest", {"terminalId": "20012345", "additionalData": "<a & b>"}).decode()
    assert 'xmlns:ns1="http://interfaces.core.sw.bps.com/"' in body
    assert "<ns1:bpPayRequest><terminalId>20012345</terminalId>" in body
    assert "<additionalData>&lt;a &amp; b&gt;</additionalData>" in body


def test_the_return_element_is_read_from_the_operations_response():
    assert read_return(answer("bpPayRequest", "0,AF82041a2Bf6989c7fF9"), "bpPayRequest") == "0,AF82041a2Bf6989c7fF9"


@pytest.mark.parametrize("body", [b"<html>502</html>", b"not xml", answer("bpVerifyRequest", "0"),
                                  b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'])
def test_anything_but_the_expected_answer_leaves_the_outcome_unknown(body):
    with pytest.raises(RetryableGatewayError):
        read_return(body, "bpSettleRequest")


def gateway_answering(monkeypatch, value: str, operation: str = "bpPayRequest") -> MellatGateway:
    monkeypatch.setattr(http, "post_xml", lambda url, body, **kwargs: answer(operation, value))
    return MellatGateway(base_url="https://bpm.shaparak.ir", terminal_id="20012345", username="u", password="p")


@pytest.mark.parametrize(("value", "error", "words"), [
    ("421", PermanentGatewayError, "(کد ۴۲۱)"), ("24", PermanentGatewayError, "اطلاعات کاربری"),
    ("34", RetryableGatewayError, "خطای سیستمی"), ("0,", PermanentGatewayError, "علت را بانک اعلام نکرد"),
    ("", RetryableGatewayError, "ساختار"),
])
def test_a_refused_pay_request_says_why(monkeypatch, value, error, words):
    gateway = gateway_answering(monkeypatch, value)
    with pytest.raises(error) as raised:
        gateway.request_token(TokenRequest("90000001", AMOUNT, RETURN_URL))
    assert words in raised.value.message


def test_an_order_number_mellat_cannot_carry_is_refused_before_any_call(monkeypatch):
    gateway = gateway_answering(monkeypatch, "0,X")
    with pytest.raises(PermanentGatewayError):
        gateway.request_token(TokenRequest("SAMT-1", AMOUNT, RETURN_URL))


@pytest.mark.parametrize(("base_url", "username"), [("", "u"), ("https://bpm.shaparak.ir", "")])
def test_an_unconfigured_adapter_refuses_to_start(base_url, username):
    with pytest.raises(ImproperlyConfigured):
        MellatGateway(base_url=base_url, terminal_id="20012345", username=username, password="p")


def test_the_callback_is_read_in_any_case_and_junk_is_refused():
    gateway = MellatGateway(base_url="https://x", terminal_id="1", username="u", password="p")
    hint = gateway.parse_callback({"refid": "AF82", "RESCODE": "0", "saleOrderId": "90000001",
                                   "SaleReferenceId": "123456789012", "FinalAmount": "1250000"})
    assert hint == CallbackHint(token="AF82", ref_num="123456789012", order_id="90000001", result_code="0",
                                amount=1_250_000)
    for junk in ({"ResCode": "0"}, {"RefId": "<script>"}, {"RefId": "AF82", "SaleReferenceId": "12a"}):
        with pytest.raises(PermanentGatewayError):
            gateway.parse_callback(junk)


def test_without_a_callback_the_outcome_is_unknowable():
    gateway = MellatGateway(base_url="https://x", terminal_id="1", username="u", password="p")
    assert gateway.receipt(token="AF82").state == ReceiptState.UNKNOWABLE
    other = CallbackHint(token="OTHER", ref_num="1", result_code="0")
    assert gateway.receipt(token="AF82", hint=other).state == ReceiptState.UNKNOWABLE


# Against the simulator's Mellat terminal -----------------------------------------------------------------------

@pytest.fixture
def browser() -> Client:
    return Client()


def order(mellat, order_id: str = "90000001", amount: int = AMOUNT) -> str:
    return mellat.request_token(TokenRequest(order_id, amount, RETURN_URL, "09121234567")).token


def balance(card: dict = APPROVE) -> int:
    return TestCard.objects.get(pan=card["pan"]).balance_rial


@pytest.mark.django_db
def test_a_payment_from_pay_request_to_settle(mellat, browser, transport):
    before = balance()
    started = mellat.request_token(TokenRequest("90000001", AMOUNT, RETURN_URL, "09121234567"))
    ref_id = started.token
    assert (started.redirect.url, started.redirect.method) == ("http://testserver/psp/pgwchannel/startpay.mellat",
                                                               "POST")
    assert started.redirect.fields == (("RefId", ref_id), ("MobileNo", "989121234567"))
    hint = mellat.parse_callback(pay(browser, ref_id))
    receipt = mellat.receipt(token=ref_id, hint=hint)
    assert receipt.state == ReceiptState.OK and receipt.amount_bound_to_token
    assert (receipt.order_id, receipt.amount, receipt.terminal_id) == ("90000001", AMOUNT, MELLAT)
    assert balance() == before - AMOUNT  # held at the bank

    assert mellat.verify(hint.ref_num, order_id="90000001").outcome == VerifyOutcome.VERIFIED
    assert mellat.verify(hint.ref_num, order_id="90000001").outcome == VerifyOutcome.ALREADY_VERIFIED  # 43
    assert mellat.inquire(hint.ref_num, order_id="90000001").outcome == VerifyOutcome.ALREADY_VERIFIED
    assert mellat.settle(hint.ref_num, order_id="90000001").outcome == SettleOutcome.SETTLED
    assert mellat.settle(hint.ref_num, order_id="90000001").outcome == SettleOutcome.ALREADY_SETTLED  # 45
    txn = Transaction.objects.get(token=ref_id)
    assert (txn.status, txn.settled_at is not None) == (Transaction.Status.VERIFIED, True)
    # Once settled, the money is the merchant's: no reversal any more.
    assert mellat.reverse(hint.ref_num, order_id="90000001").outcome == ReverseOutcome.FAILED
    assert transport.soap_operations() == ["bpPayRequest", "bpVerifyRequest", "bpVerifyRequest",
                                           "bpInquiryRequest", "bpSettleRequest", "bpSettleRequest",
                                           "bpReversalRequest"]


@pytest.mark.django_db
def test_a_reference_is_only_good_for_its_own_order(mellat, browser, transport):
    cheap = order(mellat, "90000002", 10_000)
    hint = mellat.parse_callback(pay(browser, cheap))
    order(mellat, "90000003")
    assert mellat.verify(hint.ref_num, order_id="90000003").outcome == VerifyOutcome.NOT_FOUND  # 42
    assert mellat.verify(hint.ref_num, order_id="90000002").outcome == VerifyOutcome.VERIFIED


@pytest.mark.django_db
def test_reversal_gives_the_money_back_before_settle(mellat, browser, transport):
    before = balance()
    ref_id = order(mellat)
    hint = mellat.parse_callback(pay(browser, ref_id))
    assert mellat.inquire(hint.ref_num, order_id="90000001").outcome == VerifyOutcome.VERIFIED  # 44, then verify
    assert mellat.reverse(hint.ref_num, order_id="90000001").outcome == ReverseOutcome.REVERSED
    assert mellat.reverse(hint.ref_num, order_id="90000001").outcome == ReverseOutcome.ALREADY_REVERSED  # 48
    assert mellat.verify(hint.ref_num, order_id="90000001").outcome == VerifyOutcome.REVERSED
    assert balance() == before


@pytest.mark.django_db
def test_an_unverified_sale_goes_back_after_twenty_minutes(mellat, browser, transport):
    before = balance()
    ref_id = order(mellat)
    hint = mellat.parse_callback(pay(browser, ref_id))
    advance_clock(browser, 21, MELLAT)
    assert mellat.verify(hint.ref_num, order_id="90000001").outcome == VerifyOutcome.REVERSED  # 48
    assert Transaction.objects.get(token=ref_id).status == Transaction.Status.AUTO_REVERSED
    assert balance() == before


@pytest.mark.django_db
def test_a_repeated_order_number_is_refused(mellat, transport):
    order(mellat)
    with pytest.raises(PermanentGatewayError) as raised:
        order(mellat)
    assert "(کد ۴۱)" in raised.value.message


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "code"), [({"allowed_ips": "10.0.0.1"}, "۴۲۱"), ({"enabled": False}, "۲۱")])
def test_access_rules_are_enforced(mellat, transport, change, code):
    change_settings(Client(), MELLAT, **change)
    with pytest.raises(PermanentGatewayError) as raised:
        order(mellat)
    assert f"(کد {code})" in raised.value.message


@pytest.mark.django_db
def test_wrong_credentials_are_refused(transport):
    wrong = MellatGateway(base_url="http://testserver/psp", terminal_id=MELLAT, username="samt", password="x")
    with pytest.raises(PermanentGatewayError) as raised:
        order(wrong)
    assert "(کد ۲۴)" in raised.value.message


@pytest.mark.django_db
def test_the_token_service_switched_off_is_a_retryable_failure(mellat, transport):
    change_settings(Client(), MELLAT, token_unavailable=True)
    with pytest.raises(RetryableGatewayError):
        order(mellat)


@pytest.mark.django_db
@pytest.mark.parametrize(("card", "action", "state", "code"), [
    (INSUFFICIENT, "pay", ReceiptState.FAILED, "12"), (APPROVE, "cancel", ReceiptState.CANCELED, "17")])
def test_the_payers_outcome_comes_back_as_mellats_result_code(mellat, browser, transport, card, action, state,
                                                             code):
    ref_id = order(mellat)
    open_card_page(browser, ref_id)
    if action == "cancel":
        browser.post(f"/psp/pay/{ref_id}/", {"action": "cancel"})
    else:
        submit_card(browser, ref_id, card)
    fields = callback_fields(browser, ref_id)
    assert (fields["ResCode"], fields["SaleReferenceId"], fields["RefId"]) == (code, "", ref_id)
    hint = mellat.parse_callback(fields)
    assert mellat.receipt(token=ref_id, hint=hint).state == state


@pytest.mark.django_db
def test_the_simulator_refuses_a_soap_call_for_a_sep_terminal(transport):
    posing = MellatGateway(base_url="http://testserver/psp", terminal_id=fixtures.TERMINAL_ID, username="samt",
                           password=fixtures.MELLAT_PASSWORD)
    with pytest.raises(PermanentGatewayError) as raised:
        order(posing)
    assert "(کد ۲۱)" in raised.value.message
    assert Terminal.objects.get(terminal_id=fixtures.TERMINAL_ID).psp == Terminal.Psp.SEP
