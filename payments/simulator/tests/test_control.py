"""The tester's controls: ledger queries and the settlement CSV, settings, the virtual clock, paying without the
card page, replaying a receipt on another order, reset, and the help and control pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from payments.simulator import services
from payments.simulator.fixtures import CARDS
from payments.simulator.models import Event, Scenario, TestCard, Transaction
from payments.tests.simulator_client import (
    APPROVE,
    INSUFFICIENT,
    RETURN_URL,
    advance_clock,
    change_settings,
    issue_token,
    open_card_page,
    post,
    request_dynamic_password,
    state_of,
)

pytestmark = pytest.mark.django_db
API = "/psp/control/api"


def pay_by_api(client, token: str, card: dict = APPROVE):
    return post(client, f"{API}/pay/", {"token": token, "pan": card["pan"]})


# Ledger -------------------------------------------------------------------------------------------------------


def test_the_state_of_a_token_tells_status_balance_callback_and_history(client, psp):
    token = issue_token(client)
    pay_by_api(client, token)
    state = state_of(client, token)
    assert (state["status"], state["amount"], state["sep_status"]) == ("ok", 1_250_000, 2)
    assert state["card_balance"] == APPROVE["balance_rial"] - 1_250_000
    assert state["callback"] == {"method": "GET", "url": f"{RETURN_URL}?Token={token}&RefNum="
                                 + state["callback"]["url"].split("RefNum=")[1], "fields": {}}
    assert [event["kind"] for event in state["events"]] == ["token_request", "paid"]
    assert state["events"][1]["balance_change_rial"] == -1_250_000


def test_an_unknown_token_is_404(client, psp):
    assert client.get(f"{API}/tokens/nope/").status_code == 404


def test_transactions_of_a_day_and_the_settlement_csv(client, psp):
    paid = issue_token(client)
    pay_by_api(client, paid)
    issue_token(client, ResNum="SAMT-1-2")
    today = timezone.localdate()
    listed = client.get(f"{API}/terminals/10012345/transactions/", {"day": today.isoformat()}).json()
    assert [(row["res_num"], row["status"]) for row in listed] == [("SAMT-1-1", "ok"), ("SAMT-1-2", "in_progress")]
    assert "events" not in listed[0]
    yesterday = (today - timedelta(days=1)).isoformat()
    assert client.get(f"{API}/terminals/10012345/transactions/", {"day": yesterday}).json() == []

    response = client.get(f"{API}/terminals/10012345/settlement.csv", {"day": today.isoformat()})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["ResNum"], row["Status"], row["Amount"]) for row in rows] == [
        ("SAMT-1-1", "ok", "1250000"), ("SAMT-1-2", "in_progress", "1250000")]
    assert rows[0]["RefNum"] == Transaction.objects.get(token=paid).ref_num


def test_a_bad_day_is_404(client, psp):
    assert client.get(f"{API}/terminals/10012345/transactions/", {"day": "1405-01-01x"}).status_code == 404


# Settings and clock -------------------------------------------------------------------------------------------


def test_settings_change_only_what_is_sent(client, psp):
    answer = change_settings(client, callback_mode="twice", allowed_ips="10.0.0.1")
    assert (answer["callback_mode"], answer["allowed_ips"], answer["callback_style"]) == ("twice", "10.0.0.1", "v4.1")
    assert Scenario.objects.get(pk=psp.pk).dynamic_password_seconds == 120


def test_invalid_settings_are_refused_with_the_reason(client, psp):
    response = post(client, f"{API}/terminals/10012345/settings/", {"verify_fault": "explode"})
    assert response.status_code == 400
    assert "verify_fault" in response.json()["errors"]


def test_the_clock_jumps_forward_and_back(client, psp):
    advance_clock(client, 31)
    assert Scenario.objects.get(pk=psp.pk).clock_offset_seconds == 31 * 60
    assert services.terminal_now(psp) - timezone.now() > timedelta(minutes=30)
    post(client, f"{API}/terminals/10012345/clock/", {"reset": True})
    assert Scenario.objects.get(pk=psp.pk).clock_offset_seconds == 0


# Paying without the page, replaying, reset --------------------------------------------------------------------


def test_paying_by_api_applies_the_issuers_rules(client, psp):
    token = issue_token(client)
    assert pay_by_api(client, token, INSUFFICIENT).json()["failure_reason"] == services.INSUFFICIENT_FUNDS
    assert pay_by_api(client, token).status_code == 409


def test_a_valid_ref_num_minted_on_one_order_is_replayed_on_another(client, psp):
    cheap = issue_token(client, ResNum="CHEAP", Amount=10_000)
    pay_by_api(client, cheap)
    dear = issue_token(client, ResNum="DEAR", Amount=90_000_000)
    callback = post(client, f"{API}/replay/", {"to_token": dear, "from_token": cheap}).json()
    assert callback["method"] == "GET"
    assert f"Token={dear}" in callback["url"]
    assert Transaction.objects.get(token=cheap).ref_num.replace("+", "%2B").replace("/", "%2F") in callback["url"]


def test_replaying_from_an_unpaid_order_is_refused(client, psp):
    unpaid = issue_token(client, ResNum="A")
    target = issue_token(client, ResNum="B")
    assert post(client, f"{API}/replay/", {"to_token": target, "from_token": unpaid}).status_code == 409


def test_a_forged_v33_callback_carries_any_ref_num(client, psp):
    change_settings(client, callback_style="v3.3", callback_tamper="state")
    target = issue_token(client)
    callback = post(client, f"{API}/replay/", {"to_token": target, "ref_num": "made-up"}).json()
    assert callback["method"] == "POST" and callback["url"] == RETURN_URL
    assert (callback["fields"]["RefNum"], callback["fields"]["Token"]) == ("made-up", target)


@pytest.mark.parametrize(("tamper", "field", "value"), [("amount", "Amount", "125000"), ("state", "State", "OK")])
def test_v33_fields_can_be_tampered(client, psp, tamper, field, value):
    change_settings(client, callback_style="v3.3", callback_tamper=tamper)
    token = issue_token(client)
    open_card_page(client, token)
    page = client.post(f"/psp/pay/{token}/", {"action": "cancel"}, follow=True).content.decode()
    assert f'name="{field}" value="{value}"' in page


def test_res_num_tampering_names_another_order(client, psp):
    change_settings(client, callback_style="v3.3", callback_tamper="res_num")
    issue_token(client, ResNum="OTHER-ORDER")
    token = issue_token(client)
    pay_by_api(client, token)
    page = client.get(f"/psp/pay/{token}/receipt/").content.decode()
    assert 'name="ResNum" value="OTHER-ORDER"' in page


def test_reset_forgets_everything_and_restores_cards_and_scenarios(client, psp):
    token = issue_token(client)
    open_card_page(client, token)
    request_dynamic_password(client, token)
    pay_by_api(client, token)
    TestCard.objects.filter(pan=APPROVE["pan"]).update(locked=True, failed_pin_attempts=3)
    change_settings(client, callback_mode="drop")
    advance_clock(client, 90)
    assert post(client, f"{API}/reset/", {}).json() == {"reset": True}
    assert not Transaction.objects.exists() and not Event.objects.exists()
    card = TestCard.objects.get(pan=APPROVE["pan"])
    assert (card.balance_rial, card.locked, card.failed_pin_attempts) == (APPROVE["balance_rial"], False, 0)
    scenario = Scenario.objects.get(pk=psp.pk)
    assert (scenario.callback_mode, scenario.clock_offset_seconds) == ("normal", 0)


def test_the_inbox_api_lists_dynamic_passwords(client, psp):
    token = issue_token(client)
    open_card_page(client, token)
    code = request_dynamic_password(client, token)
    listed = client.get(f"{API}/inbox/", {"pan": APPROVE["pan"]}).json()
    assert listed[0] | {"expires_at": ""} == {"pan": APPROVE["pan"], "mobile": APPROVE["mobile"], "code": code,
                                              "token": token, "expires_at": "", "used": False}


# Pages --------------------------------------------------------------------------------------------------------


def test_the_help_page_documents_every_test_card(client, psp):
    page = client.get("/psp/").content.decode()
    for card in CARDS:
        assert card["pan"][:4] in page and card["label"] in page and card["pin2"] in page and card["cvv2"] in page
    assert "۱۰۰۱۲۳۴۵" in page


def test_the_control_page_changes_settings_moves_the_clock_and_resets(client, psp):
    token = issue_token(client)
    page = client.get("/psp/control/").content.decode()
    assert "کنترل سناریو" in page and token[:9] in page
    form = {"terminal-merchant_name": "سازمان تأمین اجتماعی", "terminal-enabled": "on",
            "terminal-callback_style": "v3.3", "terminal-allowed_ips": "127.0.0.1",
            "scenario-dynamic_password_seconds": "60",
            "scenario-callback_delay_seconds": "3", "scenario-callback_mode": "twice",
            "scenario-callback_tamper": "none", "scenario-verify_delay_seconds": "0",
            "scenario-verify_fault": "none", "scenario-verify_fault_remaining": "1",
            "scenario-affective_discount_rial": "0"}
    page = client.post("/psp/control/terminals/10012345/", form, follow=True).content.decode()
    assert "تنظیمات پایانه ۱۰۰۱۲۳۴۵ ذخیره شد" in page
    psp.refresh_from_db()
    assert psp.callback_style == "v3.3" and Scenario.objects.get(pk=psp.pk).callback_mode == "twice"
    page = client.post("/psp/control/terminals/10012345/clock/", {"minutes": "31"}, follow=True).content.decode()
    assert "۳۱ دقیقه جلو رفت" in page
    page = client.post("/psp/control/auto-reverse/", follow=True).content.decode()
    assert "نشست منقضی بسته شد" in page
    assert Transaction.objects.get(token=token).sep_status == services.SEP_SESSION_IS_NULL
    client.post("/psp/control/reset/")
    assert not Transaction.objects.exists()


def test_looking_at_the_control_page_reverses_nothing_its_button_does(client, psp):
    token = issue_token(client)
    pay_by_api(client, token)
    advance_clock(client, 31)  # past the window in which the merchant had to verify
    card = TestCard.objects.get(pan=APPROVE["pan"])
    events = Event.objects.count()
    assert client.get("/psp/control/").status_code == 200
    assert Transaction.objects.get(token=token).status == Transaction.Status.OK
    assert TestCard.objects.get(pk=card.pk).balance_rial == card.balance_rial
    assert Event.objects.count() == events

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/psp/control/auto-reverse/").status_code == 403  # no CSRF token: refused
    assert Transaction.objects.get(token=token).status == Transaction.Status.OK
    page = client.post("/psp/control/auto-reverse/", follow=True).content.decode()
    assert "۱ پرداخت تأییدنشده برگشت خورد" in page
    assert Transaction.objects.get(token=token).status == Transaction.Status.AUTO_REVERSED
    assert TestCard.objects.get(pk=card.pk).balance_rial == card.balance_rial + 1_250_000


def test_the_control_page_replays_a_receipt_through_this_browser(client, psp):
    cheap, dear = issue_token(client, ResNum="CHEAP"), issue_token(client, ResNum="DEAR")
    pay_by_api(client, cheap)
    page = client.post("/psp/control/replay/", {"to_token": dear, "from_token": cheap}).content.decode()
    assert f"Token={dear}" in page and "data-callback" in page
    page = client.post("/psp/control/replay/", {"to_token": "nope"}, follow=True).content.decode()
    assert "توکن پیدا نشد" in page
