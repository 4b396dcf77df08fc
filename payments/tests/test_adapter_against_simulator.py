"""The SEP adapter talking to the PSP simulator over its real wire format (post_json routed to a test client),
with the payer's browser steps done as a person would: card page, dynamic password from the inbox, receipt page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from payments.gateways.base import (
    PermanentGatewayError,
    ReceiptState,
    RetryableGatewayError,
    ReverseOutcome,
    TokenRequest,
    VerifyOutcome,
)
from payments.simulator.models import TestCard
from payments.tests.simulator_client import (
    APPROVE,
    INSUFFICIENT,
    RETURN_URL,
    advance_clock,
    callback_fields,
    change_settings,
    open_card_page,
    pay,
    post,
    submit_card,
)

pytestmark = pytest.mark.django_db
AMOUNT = 1_250_000


@pytest.fixture
def browser() -> Client:
    """The payer's browser: a separate client from the one the adapter's requests go through."""
    return Client()


def order(sep, order_id: str = "SAMT-1405-1", amount: int = AMOUNT) -> str:
    return sep.request_token(TokenRequest(order_id, amount, RETURN_URL, "09121234567")).token


def balance(card: dict = APPROVE) -> int:
    return TestCard.objects.get(pan=card["pan"]).balance_rial


def test_a_payment_from_token_to_reverse(sep, browser, transport):
    before = balance()
    token = order(sep)
    hint = sep.parse_callback(pay(browser, token))
    assert hint.token == token and hint.ref_num

    receipt = sep.receipt(token=hint.token)
    assert receipt.state == ReceiptState.OK
    assert (receipt.order_id, receipt.amount, receipt.ref_num, receipt.terminal_id) == (
        "SAMT-1405-1", AMOUNT, hint.ref_num, "10012345")
    assert balance() == before - AMOUNT

    first = sep.verify(receipt.ref_num)
    assert first.outcome == VerifyOutcome.VERIFIED
    assert (first.original_amount, first.affective_amount, first.terminal_id) == (AMOUNT, AMOUNT, "10012345")
    second = sep.verify(receipt.ref_num)
    assert second.outcome == VerifyOutcome.ALREADY_VERIFIED and second.succeeded
    assert sep.receipt(token=token).state == ReceiptState.NOT_FOUND  # the receipt service ends at verify

    assert sep.reverse(receipt.ref_num).outcome == ReverseOutcome.REVERSED
    assert sep.reverse(receipt.ref_num).outcome == ReverseOutcome.ALREADY_REVERSED
    assert sep.verify(receipt.ref_num).outcome == VerifyOutcome.REVERSED
    assert balance() == before
    assert [path.rsplit("/", 1)[1] for path, _ in transport.calls] == [
        "onlinepg", "receipt", "VerifyTransaction", "VerifyTransaction", "receipt", "ReverseTransaction",
        "ReverseTransaction", "VerifyTransaction"]


def test_the_same_order_asks_again_and_gets_the_same_token(sep):
    assert order(sep) == order(sep)
    with pytest.raises(PermanentGatewayError):
        order(sep, amount=AMOUNT + 1)


def test_a_verify_after_31_virtual_minutes_is_too_late_and_the_money_is_back(sep, browser):
    before = balance()
    hint = sep.parse_callback(pay(browser, order(sep)))
    advance_clock(browser, 31)
    assert sep.verify(hint.ref_num).outcome == VerifyOutcome.WINDOW_PASSED
    assert balance() == before


def test_an_abandoned_payment_is_auto_reversed_and_the_card_balance_restored(sep, browser):
    before = balance()
    token = order(sep)
    pay(browser, token)  # ...and the payer closes the browser: no callback reaches us
    assert sep.receipt(token=token).state == ReceiptState.OK  # what a reconciler would see within the window
    advance_clock(browser, 31)
    assert post(browser, "/psp/control/api/auto-reverse/", {}).json()["auto_reversed"] == 1
    assert balance() == before
    assert sep.receipt(token=token).state == ReceiptState.NOT_FOUND


def test_insufficient_funds_is_a_failed_receipt_and_nothing_held(sep, browser):
    before = balance(INSUFFICIENT)
    token = order(sep)
    open_card_page(browser, token)
    submit_card(browser, token, INSUFFICIENT)
    hint = sep.parse_callback(callback_fields(browser, token))
    assert hint.ref_num is None
    assert sep.receipt(token=hint.token).state == ReceiptState.FAILED
    assert balance(INSUFFICIENT) == before


def test_cancel_is_a_canceled_receipt(sep, browser):
    token = order(sep)
    open_card_page(browser, token)
    browser.post(f"/psp/pay/{token}/", {"action": "cancel"})
    receipt = sep.receipt(token=sep.parse_callback(callback_fields(browser, token)).token)
    assert (receipt.state, receipt.ref_num, receipt.amount) == (ReceiptState.CANCELED, None, 0)


def test_three_wrong_pin2s_lock_the_card_and_fail_the_payment(sep, browser):
    token = order(sep)
    open_card_page(browser, token)
    for _ in range(3):
        submit_card(browser, token, pin2="00000")
    assert sep.receipt(token=token).state == ReceiptState.FAILED
    assert TestCard.objects.get(pan=APPROVE["pan"]).locked


def test_a_forged_callback_with_a_random_ref_num_is_not_found(sep):
    token = order(sep)
    hint = sep.parse_callback({"Token": token, "RefNum": "Zm9yZ2VkLXJlZi1udW0tMTIzNDU2Nzg5", "State": "OK"})
    assert sep.receipt(ref_num=hint.ref_num).state == ReceiptState.NOT_FOUND
    assert sep.receipt(token=hint.token).state == ReceiptState.IN_PROGRESS
    assert sep.verify(hint.ref_num).outcome == VerifyOutcome.NOT_FOUND


def test_a_receipt_replayed_on_another_order_shows_the_other_orders_res_num(sep, browser):
    cheap_ref = sep.parse_callback(pay(browser, order(sep, "CHEAP", 10_000))).ref_num
    dear = order(sep, "DEAR", 90_000_000)
    replay = post(browser, "/psp/control/api/replay/", {"to_token": dear, "ref_num": cheap_ref}).json()
    assert cheap_ref.replace("+", "%2B").replace("/", "%2F") in replay["url"]
    receipt = sep.receipt(ref_num=cheap_ref)
    # What stops receipt substitution (payments.md §6): the PSP binds this RefNum to CHEAP, not DEAR.
    assert (receipt.order_id, receipt.amount) == ("CHEAP", 10_000)
    assert sep.receipt(token=dear).state == ReceiptState.IN_PROGRESS


def test_a_v33_callback_posts_the_full_set_and_the_adapter_takes_only_the_keys(sep, browser):
    change_settings(browser, callback_style="v3.3", callback_tamper="amount")
    token = order(sep)
    open_card_page(browser, token)
    page = submit_card(browser, token).content.decode()
    assert 'name="Amount" value="125000"' in page
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    hint = sep.parse_callback(fields)
    assert sep.receipt(token=hint.token).amount == AMOUNT


# Faults on the wire -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["commit_then_close", "commit_then_502", "malformed_json"])
def test_a_verify_done_but_unanswered_is_retryable_and_the_retry_confirms_it(sep, browser, fault):
    change_settings(browser, verify_fault=fault)
    hint = sep.parse_callback(pay(browser, order(sep)))
    with pytest.raises(RetryableGatewayError):
        sep.verify(hint.ref_num)
    retried = sep.verify(hint.ref_num)
    assert retried.outcome == VerifyOutcome.ALREADY_VERIFIED
    assert retried.original_amount == AMOUNT


def test_a_500_leaves_the_payment_unverified_and_the_retry_verifies(sep, browser):
    change_settings(browser, verify_fault="http_500")
    hint = sep.parse_callback(pay(browser, order(sep)))
    with pytest.raises(RetryableGatewayError):
        sep.verify(hint.ref_num)
    assert sep.verify(hint.ref_num).outcome == VerifyOutcome.VERIFIED


def test_a_repeat_without_detail_is_a_success_without_amounts(sep, browser):
    change_settings(browser, duplicate_without_detail=True)
    hint = sep.parse_callback(pay(browser, order(sep)))
    sep.verify(hint.ref_num)
    repeat = sep.verify(hint.ref_num)
    assert repeat.succeeded and not repeat.has_detail


def test_a_discount_shows_as_affective_amount_below_the_original(sep, browser):
    change_settings(browser, affective_discount_rial=50_000)
    verified = sep.verify(sep.parse_callback(pay(browser, order(sep))).ref_num)
    assert (verified.original_amount, verified.affective_amount) == (AMOUNT, AMOUNT - 50_000)


def test_an_unavailable_receipt_service_is_retryable(sep, browser):
    change_settings(browser, receipt_unavailable=True)
    with pytest.raises(RetryableGatewayError):
        sep.receipt(token=order(sep))


def test_a_server_outside_the_allow_list_is_refused_permanently(sep, transport):
    transport.remote_addr = "203.0.113.7"
    with pytest.raises(PermanentGatewayError) as refused:
        order(sep)
    assert "نشانی IP" in refused.value.message
    with pytest.raises(PermanentGatewayError):
        sep.verify("any")
    with pytest.raises(PermanentGatewayError):
        sep.receipt(token="a" * 32)
