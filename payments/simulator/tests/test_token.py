"""POST /psp/onlinepg/onlinepg: SEP's token call, its checks and its ResNum de-duplication."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payments.simulator.models import Event, Transaction
from payments.tests.simulator_client import TOKEN_PATH, post, token_payload

pytestmark = pytest.mark.django_db


def ask(client, **overrides):
    return post(client, TOKEN_PATH, token_payload(**overrides), HTTP_USER_AGENT="samt-test").json()


def test_a_token_is_32_hex_digits_and_lives_20_minutes(client, psp):
    answer = ask(client)
    assert answer["status"] == 1 and len(answer["token"]) == 32
    int(answer["token"], 16)
    txn = Transaction.objects.get(token=answer["token"])
    assert (txn.amount, txn.res_num, txn.status) == (1_250_000, "SAMT-1-1", Transaction.Status.IN_PROGRESS)
    assert txn.expires_at - txn.created_at == timedelta(minutes=20)


@pytest.mark.parametrize(("asked", "minutes"), [(5, 20), (45, 45), (9999, 3600), ("30", 30)])
def test_token_expiry_is_clamped_to_20_to_3600_minutes(client, psp, asked, minutes):
    txn = Transaction.objects.get(token=ask(client, TokenExpiryInMin=asked)["token"])
    assert txn.expires_at - txn.created_at == timedelta(minutes=minutes)


def test_a_repeated_res_num_with_the_same_amount_gets_the_same_token(client, psp):
    assert ask(client)["token"] == ask(client)["token"]
    assert Transaction.objects.count() == 1


def test_a_repeated_res_num_with_another_amount_is_refused(client, psp):
    ask(client)
    answer = ask(client, Amount=999_000)
    assert (answer["status"], answer["errorCode"]) == (-1, "5")
    assert "ResNum" in answer["errorDesc"]


@pytest.mark.parametrize(("field", "value"), [
    ("ResNum", ""), ("ResNum", None), ("ResNum", "x" * 51), ("Amount", 0), ("Amount", -10), ("Amount", 12.5),
    ("Amount", "۱۰۰۰"), ("RedirectUrl", "/relative/"), ("RedirectUrl", "ftp://x/"),
    ("RedirectUrl", "https://x.ir/" + "a" * 2100), ("action", "verify"),
])
def test_invalid_parameters_get_code_5(client, psp, field, value):
    answer = ask(client, **{field: value})
    assert (answer["status"], answer["errorCode"]) == (-1, "5")
    assert not Transaction.objects.exists()


def test_field_names_are_case_sensitive(client, psp):
    payload = token_payload()
    payload["resnum"] = payload.pop("ResNum")
    assert post(client, TOKEN_PATH, payload).json()["errorCode"] == "5"


def test_a_body_that_is_not_json_gets_code_5(client, psp):
    answer = client.post(TOKEN_PATH, data="TerminalId=10012345", content_type="application/x-www-form-urlencoded")
    assert answer.json()["errorCode"] == "5"


def test_an_unknown_terminal_gets_code_12(client, psp):
    assert ask(client, TerminalId="999")["errorCode"] == "12"


def test_a_disabled_terminal_gets_code_20(client, psp):
    psp.enabled = False
    psp.save()
    assert ask(client)["errorCode"] == "20"


def test_a_caller_outside_the_allow_list_gets_code_8(client, psp):
    answer = post(client, TOKEN_PATH, token_payload(), REMOTE_ADDR="203.0.113.7").json()
    assert answer["errorCode"] == "8"


def test_every_call_is_logged_with_address_and_headers(client, psp):
    token = ask(client)["token"]
    event = Event.objects.get(kind="token_request")
    assert event.transaction.token == token
    assert event.source_ip == "127.0.0.1"
    assert event.headers["User-Agent"] == "samt-test"
    assert event.payload["ResNum"] == "SAMT-1-1"
    assert event.answer == {"status": 1, "token": token}


def test_only_post_is_allowed(client, psp):
    assert client.get(TOKEN_PATH).status_code == 405
