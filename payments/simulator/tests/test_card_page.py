"""The payer at the simulated bank: entering from the merchant, the card form, the dynamic password in the
inbox, the issuer's answers, the receipt page and the way back."""

from __future__ import annotations

import time

import pytest

from payments.simulator import services
from payments.simulator.models import Event, TestCard, Transaction
from payments.simulator.views import card
from payments.tests.simulator_client import (
    APPROVE,
    APPROVE_2,
    EXPIRED,
    INSUFFICIENT,
    OVER_LIMIT,
    RETURN_URL,
    SLOW,
    UNAVAILABLE,
    advance_clock,
    callback_fields,
    change_settings,
    issue_token,
    open_card_page,
    request_dynamic_password,
    submit_card,
)

pytestmark = pytest.mark.django_db


def txn_of(token: str) -> Transaction:
    return Transaction.objects.get(token=token)


def balance(card: dict) -> int:
    return TestCard.objects.get(pan=card["pan"]).balance_rial


@pytest.fixture
def token(client, psp) -> str:
    token = issue_token(client)
    open_card_page(client, token)
    return token


# Entering the payment page ------------------------------------------------------------------------------------


def test_the_payment_page_shows_merchant_amount_and_countdown(client, psp):
    page = open_card_page(client, issue_token(client)).content.decode()
    assert "سازمان تأمین اجتماعی" in page
    assert "۱٬۲۵۰٬۰۰۰ ریال" in page
    assert 'data-countdown="1199"' in page or 'data-countdown="1200"' in page
    assert "درخواست رمز پویا" in page and "انصراف" in page


def test_without_a_referer_sep_refuses_the_payer(client, psp):
    response = client.post("/psp/OnlinePG/OnlinePG", {"Token": issue_token(client)})
    assert response.status_code == 400
    assert card.REFERER_MISSING in response.content.decode()


def test_send_token_by_get_works_too(client, psp):
    token = issue_token(client)
    response = client.get("/psp/OnlinePG/SendToken", {"token": token}, HTTP_REFERER="http://testserver/x/")
    assert response.status_code == 302 and response["Location"] == f"/psp/pay/{token}/"


def test_an_unknown_token_is_refused(client, psp):
    response = client.post("/psp/OnlinePG/OnlinePG", {"Token": "0" * 32}, HTTP_REFERER="http://testserver/x/")
    assert response.status_code == 404
    assert card.TOKEN_NOT_FOUND in response.content.decode()


def test_the_card_page_cannot_be_opened_around_the_merchant(client, psp):
    assert client.get(f"/psp/pay/{issue_token(client)}/").status_code == 403


# Paying -------------------------------------------------------------------------------------------------------


def test_paying_with_a_dynamic_password_from_the_inbox_holds_the_money(client, token):
    before = balance(APPROVE)
    code = request_dynamic_password(client, token)
    page = submit_card(client, token, pin2=code).content.decode()
    txn = txn_of(token)
    assert txn.status == Transaction.Status.OK and txn.sep_status == services.SEP_OK
    assert "پرداخت با موفقیت انجام شد" in page and txn.ref_num in page
    assert balance(APPROVE) == before - 1_250_000
    assert txn.masked_pan == "603799******2232" and len(txn.rrn) == 12 and len(txn.trace_no) == 6


def test_the_receipt_page_sends_the_browser_back_with_token_and_ref_num(client, token):
    submit_card(client, token)
    assert callback_fields(client, token) == {"Token": token, "RefNum": txn_of(token).ref_num}


def test_the_return_keeps_the_merchants_own_query_string(client, psp):
    token = issue_token(client, RedirectUrl=RETURN_URL + "?attempt=7")
    open_card_page(client, token)
    submit_card(client, token)
    assert callback_fields(client, token)["attempt"] == "7"


def test_a_v33_terminal_posts_the_full_field_set(client, token):
    change_settings(client, callback_style="v3.3")
    page = submit_card(client, token).content.decode()
    assert f'action="{RETURN_URL}"' in page and 'method="post"' in page
    txn = txn_of(token)
    for name, value in [("State", "OK"), ("Status", "2"), ("RefNum", txn.ref_num), ("ResNum", "SAMT-1-1"),
                        ("Amount", "1250000"), ("Token", token), ("SecurePan", "603799******2232")]:
        assert f'name="{name}" value="{value}"' in page, name


def test_persian_digits_and_spaces_are_accepted_in_the_card_number(client, token):
    spaced = "۶۰۳۷ ۹۹۱۱ ۱۱۲۲ ۲۲۳۲"
    submit_card(client, token, pan=spaced, cvv2="۴۸۲۱", expiry_month="۱۲", expiry_year="۱۰")
    assert txn_of(token).status == Transaction.Status.OK


def test_a_double_clicked_pay_charges_once(client, token):
    before = balance(APPROVE)
    submit_card(client, token)
    submit_card(client, token)
    assert balance(APPROVE) == before - 1_250_000


# Mistakes that keep the page open -----------------------------------------------------------------------------


def test_a_card_number_failing_luhn_is_shown_as_an_error(client, token):
    page = submit_card(client, token, pan="6037991111222233").content.decode()
    assert "شماره کارت باید ۱۶ رقم و معتبر باشد" in page
    assert txn_of(token).status == Transaction.Status.IN_PROGRESS


def test_an_unknown_card_is_shown_as_an_error(client, token):
    page = submit_card(client, token, pan="6037990000000006").content.decode()
    assert services.UNKNOWN_CARD in page


def test_a_wrong_cvv2_does_not_count_towards_the_lock(client, token):
    for _ in range(4):
        page = submit_card(client, token, cvv2="111").content.decode()
        assert services.CARD_DETAILS_WRONG in page
    card = TestCard.objects.get(pan=APPROVE["pan"])
    assert (card.failed_pin_attempts, card.locked) == (0, False)
    submit_card(client, token)
    assert txn_of(token).status == Transaction.Status.OK


def test_two_wrong_pins_then_the_right_one_pays_and_clears_the_count(client, token):
    assert "۲ بار دیگر" in submit_card(client, token, pin2="00000").content.decode()
    assert "۱ بار دیگر" in submit_card(client, token, pin2="00000").content.decode()
    submit_card(client, token)
    assert txn_of(token).status == Transaction.Status.OK
    assert TestCard.objects.get(pan=APPROVE["pan"]).failed_pin_attempts == 0


def test_three_wrong_pins_lock_the_card_and_fail_the_payment(client, token):
    before = balance(APPROVE)
    for _ in range(3):
        page = submit_card(client, token, pin2="00000").content.decode()
    assert services.CARD_LOCKED_NOW in page
    assert txn_of(token).status == Transaction.Status.FAILED
    assert TestCard.objects.get(pan=APPROVE["pan"]).locked
    assert balance(APPROVE) == before
    other = issue_token(client, ResNum="SAMT-1-2")
    open_card_page(client, other)
    submit_card(client, other)
    assert txn_of(other).failure_reason == services.CARD_LOCKED


def test_a_dynamic_password_expires(client, token):
    code = request_dynamic_password(client, token)
    advance_clock(client, 2.5)
    assert services.PIN2_EXPIRED in submit_card(client, token, pin2=code).content.decode()
    assert TestCard.objects.get(pan=APPROVE["pan"]).failed_pin_attempts == 0


def test_a_dynamic_passwords_lifetime_is_configurable(client, token):
    change_settings(client, dynamic_password_seconds=600)
    code = request_dynamic_password(client, token)
    advance_clock(client, 5)
    submit_card(client, token, pin2=code)
    assert txn_of(token).status == Transaction.Status.OK


def test_only_the_latest_dynamic_password_works_and_only_once(client, token):
    first = request_dynamic_password(client, token)
    second = request_dynamic_password(client, token)
    if first != second:
        assert "رمز دوم نادرست است" in submit_card(client, token, pin2=first).content.decode()
    submit_card(client, token, pin2=second)
    assert txn_of(token).status == Transaction.Status.OK
    other = issue_token(client, ResNum="SAMT-1-2")
    open_card_page(client, other)
    assert "رمز دوم نادرست است" in submit_card(client, other, pin2=second).content.decode()


def test_every_submission_is_logged_without_the_cards_secrets(client, token):
    submit_card(client, token, pin2="00000")
    event = Event.objects.get(kind="card_page")
    assert event.payload == {"action": "pay", "pan": "603799******2232"}
    assert event.source_ip == "127.0.0.1"
    assert "00000" not in str(event.payload) and APPROVE["cvv2"] not in str(event.payload)


def test_the_inbox_shows_the_sms_like_a_phone(client, token):
    request_dynamic_password(client, token)
    page = client.get("/psp/inbox/").content.decode()
    assert "بانک ملی ایران" in page and "رمز پویای خرید از «سازمان تأمین اجتماعی»" in page
    assert "۱٬۲۵۰٬۰۰۰ ریال" in page


def test_asking_a_dynamic_password_keeps_what_was_typed(client, token):
    fields = {"action": "otp", "pan": APPROVE["pan"], "cvv2": APPROVE["cvv2"], "expiry_month": "12"}
    page = client.post(f"/psp/pay/{token}/", fields).content.decode()
    assert "به شماره همراه \u2066۰۹۱۲***۰۰۰۱\u2069 پیامک شد" in page
    assert f'value="{APPROVE["pan"]}"' in page and 'value="12"' in page
    assert "invalid-feedback" not in page


# The issuer's answers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("card", "reason"), [
    (INSUFFICIENT, services.INSUFFICIENT_FUNDS),
    (EXPIRED, services.CARD_EXPIRED),
    (OVER_LIMIT, services.DAILY_LIMIT),
    (UNAVAILABLE, services.ISSUER_UNAVAILABLE),
])
def test_refusing_cards_fail_the_payment_without_holding_money(client, token, card, reason):
    before = balance(card)
    page = submit_card(client, token, card).content.decode()
    txn = txn_of(token)
    assert (txn.status, txn.sep_status, txn.failure_reason) == (Transaction.Status.FAILED, services.SEP_FAILED, reason)
    assert reason in page and "پرداخت انجام نشد" in page
    assert balance(card) == before
    assert callback_fields(client, token) == {"Token": token, "RefNum": ""}


def test_a_slow_issuer_answers_after_its_delay(client, token):
    TestCard.objects.filter(pan=SLOW["pan"]).update(issuer_delay_seconds=1)
    started = time.monotonic()
    submit_card(client, token, SLOW)
    assert time.monotonic() - started >= 1
    assert txn_of(token).status == Transaction.Status.OK


def test_the_daily_limit_counts_earlier_payments_of_the_day(client, psp):
    TestCard.objects.filter(pan=APPROVE_2["pan"]).update(daily_limit_rial=2_000_000)
    first = issue_token(client)
    open_card_page(client, first)
    submit_card(client, first, APPROVE_2)
    second = issue_token(client, ResNum="SAMT-1-2")
    open_card_page(client, second)
    submit_card(client, second, APPROVE_2)
    assert txn_of(second).failure_reason == services.DAILY_LIMIT


# Leaving without paying ---------------------------------------------------------------------------------------


def test_cancel_ends_the_payment_as_canceled_by_user(client, token):
    page = client.post(f"/psp/pay/{token}/", {"action": "cancel"}, follow=True).content.decode()
    txn = txn_of(token)
    assert (txn.status, txn.sep_status) == (Transaction.Status.CANCELLED, services.SEP_CANCELED)
    assert "پرداخت لغو شد" in page
    assert callback_fields(client, token)["RefNum"] == ""


def test_an_idle_payer_gets_session_is_null_after_the_token_expires(client, token):
    advance_clock(client, 21)
    page = submit_card(client, token).content.decode()
    txn = txn_of(token)
    assert (txn.status, txn.sep_status) == (Transaction.Status.FAILED, services.SEP_SESSION_IS_NULL)
    assert services.SESSION_EXPIRED in page


def test_a_finished_payment_shows_its_receipt_again(client, token):
    submit_card(client, token)
    response = client.get(f"/psp/pay/{token}/")
    assert response.status_code == 302 and response["Location"].endswith("/receipt/")


def test_the_receipt_page_is_not_shown_while_paying(client, token):
    assert client.get(f"/psp/pay/{token}/receipt/")["Location"] == f"/psp/pay/{token}/"


def test_a_dropped_callback_shows_no_way_back(client, token):
    change_settings(client, callback_mode="drop")
    page = submit_card(client, token).content.decode()
    assert 'data-testid="callback-dropped"' in page and "data-callback" not in page
