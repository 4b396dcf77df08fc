"""Receipt, VerifyTransaction and ReverseTransaction as SEP answers them, with the time windows, the PSP's own
auto-reversal and the scenario's faults."""

from __future__ import annotations

import pytest

from payments.simulator.models import Event, Scenario, TestCard, Transaction
from payments.tests.simulator_client import (
    APPROVE,
    RECEIPT_PATH,
    REVERSE_PATH,
    VERIFY_PATH,
    advance_clock,
    by_ref_num,
    change_settings,
    issue_token,
    open_card_page,
    post,
    submit_card,
)

pytestmark = pytest.mark.django_db


def paid_token(client, res_num: str = "SAMT-1-1") -> tuple[str, str]:
    token = issue_token(client, ResNum=res_num)
    open_card_page(client, token)
    submit_card(client, token)
    return token, Transaction.objects.get(token=token).ref_num


def receipt(client, **key):
    return post(client, RECEIPT_PATH, {"TerminalNumber": 10012345, **key})


def verify(client, ref_num: str) -> dict:
    return post(client, VERIFY_PATH, by_ref_num(ref_num)).json()


def reverse(client, ref_num: str) -> dict:
    return post(client, REVERSE_PATH, by_ref_num(ref_num)).json()


def balance() -> int:
    return TestCard.objects.get(pan=APPROVE["pan"]).balance_rial


# Receipt ------------------------------------------------------------------------------------------------------


def test_the_receipt_of_a_paid_token_binds_ref_num_res_num_and_amount(client, psp):
    token, ref_num = paid_token(client)
    data = receipt(client, Token=token).json()
    assert (data["HasError"], data["ErrorCode"]) == (False, None)
    assert data["Data"] | {"Rrn": "", "TraceNo": "", "HashedCardNumber": ""} == {
        "State": 2, "Status": 2, "TerminalId": 10012345, "Token": token, "RefNum": ref_num, "ResNum": "SAMT-1-1",
        "Amount": 1_250_000, "AffectiveAmount": 1_250_000, "Rrn": "", "TraceNo": "", "HashedCardNumber": ""}
    assert receipt(client, RefNum=ref_num).json()["Data"]["Token"] == token


def test_the_receipt_of_an_open_token_is_in_progress(client, psp):
    assert receipt(client, Token=issue_token(client)).json()["Data"]["State"] == 0


def test_the_receipt_of_a_cancelled_payment_has_no_references_and_zero_amounts(client, psp):
    token = issue_token(client)
    open_card_page(client, token)
    client.post(f"/psp/pay/{token}/", {"action": "cancel"})
    data = receipt(client, Token=token).json()["Data"]
    assert (data["State"], data["Status"], data["RefNum"], data["ResNum"], data["Amount"]) == (1, 1, None, None, 0)


def test_an_expired_token_reads_as_failed_session_is_null(client, psp):
    token = issue_token(client)
    advance_clock(client, 21)
    data = receipt(client, Token=token).json()["Data"]
    assert (data["State"], data["Status"]) == (3, 4)


@pytest.mark.parametrize("key", [{"Token": "f" * 32}, {"RefNum": "forged"}])
def test_an_unknown_token_or_ref_num_is_404(client, psp, key):
    response = receipt(client, **key)
    assert response.status_code == 404
    assert (response.json()["HasError"], response.json()["ErrorCode"]) == (True, 404)


def test_the_receipt_is_gone_after_verify(client, psp):
    token, ref_num = paid_token(client)
    verify(client, ref_num)
    assert receipt(client, Token=token).status_code == 404


def test_the_receipt_is_gone_an_hour_after_the_token(client, psp):
    token = issue_token(client)
    advance_clock(client, 61)
    assert receipt(client, Token=token).status_code == 404


def test_the_receipt_needs_a_token_or_ref_num(client, psp):
    response = receipt(client)
    assert response.status_code == 400
    assert response.json()["ValidationErrors"][0]["FieldName"] == "Token"


@pytest.mark.parametrize(("change", "code"), [({"TerminalNumber": 1}, 12), ({"REMOTE_ADDR": "203.0.113.7"}, 8)])
def test_receipt_access_errors(client, psp, change, code):
    address = change.pop("REMOTE_ADDR", "127.0.0.1")
    response = post(client, RECEIPT_PATH, {"TerminalNumber": 10012345, "Token": "x", **change}, REMOTE_ADDR=address)
    assert response.json()["ErrorCode"] == code


def test_the_receipt_service_can_be_made_unavailable(client, psp):
    change_settings(client, receipt_unavailable=True)
    assert receipt(client, Token=issue_token(client)).status_code == 503


# Verify -------------------------------------------------------------------------------------------------------


def test_verify_commits_and_returns_the_transaction_detail(client, psp):
    _, ref_num = paid_token(client)
    answer = verify(client, ref_num)
    assert (answer["ResultCode"], answer["Success"]) == (0, True)
    detail = answer["TransactionDetail"]
    assert (detail["RefNum"], detail["OrginalAmount"], detail["AffectiveAmount"]) == (ref_num, 1_250_000, 1_250_000)
    assert (detail["TerminalNumber"], detail["MaskedPan"]) == (10012345, "603799******2232")
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.VERIFIED


def test_the_same_ref_num_verifies_again_with_code_2_and_its_detail(client, psp):
    _, ref_num = paid_token(client)
    verify(client, ref_num)
    again = verify(client, ref_num)
    assert (again["ResultCode"], again["Success"]) == (2, False)
    assert again["TransactionDetail"]["OrginalAmount"] == 1_250_000


def test_a_code_2_body_can_come_without_detail(client, psp):
    change_settings(client, duplicate_without_detail=True)
    _, ref_num = paid_token(client)
    verify(client, ref_num)
    assert verify(client, ref_num)["TransactionDetail"] is None


def test_an_unknown_ref_num_is_minus_2(client, psp):
    assert verify(client, "forged-ref-num")["ResultCode"] == -2


def test_a_ref_num_of_another_terminal_is_not_found(client, psp):
    other = type(psp).objects.create(terminal_id="10099999", merchant_name="دیگری")
    _, ref_num = paid_token(client)
    answer = post(client, VERIFY_PATH, {"RefNum": ref_num, "TerminalNumber": int(other.terminal_id)}).json()
    assert answer["ResultCode"] == -2


def test_verify_after_half_an_hour_is_minus_6_and_the_money_goes_back(client, psp):
    before = balance()
    _, ref_num = paid_token(client)
    assert balance() == before - 1_250_000
    advance_clock(client, 31)
    assert verify(client, ref_num)["ResultCode"] == -6
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.AUTO_REVERSED
    assert balance() == before


def test_auto_reversal_runs_on_the_trigger_without_any_merchant_call(client, psp):
    before = balance()
    paid_token(client)
    advance_clock(client, 31)
    assert post(client, "/psp/control/api/auto-reverse/", {}).json() == {"expired": 0, "auto_reversed": 1}
    assert balance() == before
    assert Event.objects.get(kind="auto_reversed").balance_change_rial == 1_250_000


@pytest.mark.parametrize(("change", "code"), [
    ({"TerminalNumber": 99}, -105), ({"disabled": True}, -104), ({"REMOTE_ADDR": "203.0.113.7"}, -106),
])
def test_verify_access_errors(client, psp, change, code):
    _, ref_num = paid_token(client)
    if change.pop("disabled", False):
        psp.enabled = False
        psp.save()
    address = change.pop("REMOTE_ADDR", "127.0.0.1")
    answer = post(client, VERIFY_PATH, {**by_ref_num(ref_num), **change}, REMOTE_ADDR=address).json()
    assert (answer["ResultCode"], answer["TransactionDetail"]) == (code, None)


def test_a_discount_makes_affective_amount_differ_from_the_original(client, psp):
    change_settings(client, affective_discount_rial=250_000)
    before = balance()
    _, ref_num = paid_token(client)
    detail = verify(client, ref_num)["TransactionDetail"]
    assert (detail["OrginalAmount"], detail["AffectiveAmount"]) == (1_250_000, 1_000_000)
    assert balance() == before - 1_000_000


# Reverse ------------------------------------------------------------------------------------------------------


def test_reverse_gives_the_money_back_once(client, psp):
    before = balance()
    _, ref_num = paid_token(client)
    verify(client, ref_num)
    assert reverse(client, ref_num)["ResultCode"] == 0
    assert balance() == before
    assert reverse(client, ref_num)["ResultCode"] == 2
    assert balance() == before
    assert verify(client, ref_num)["ResultCode"] == 5


def test_reverse_needs_a_verified_payment(client, psp):
    _, ref_num = paid_token(client)
    assert reverse(client, ref_num)["ResultCode"] == -2
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.OK


def test_reverse_is_refused_after_50_minutes(client, psp):
    _, ref_num = paid_token(client)
    verify(client, ref_num)
    advance_clock(client, 51)
    assert reverse(client, ref_num)["ResultCode"] == -6
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.VERIFIED


# Faults -------------------------------------------------------------------------------------------------------


def test_commit_then_502_verifies_but_answers_bad_gateway_once(client, psp):
    change_settings(client, verify_fault="commit_then_502", verify_fault_remaining=1)
    _, ref_num = paid_token(client)
    response = post(client, VERIFY_PATH, by_ref_num(ref_num))
    assert response.status_code == 502
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.VERIFIED
    assert verify(client, ref_num)["ResultCode"] == 2  # the fault switched itself off
    assert Scenario.objects.get(pk=psp.pk).verify_fault == Scenario.VerifyFault.NONE


def test_commit_then_close_sends_half_a_promised_body(client, psp):
    change_settings(client, verify_fault="commit_then_close")
    _, ref_num = paid_token(client)
    response = post(client, VERIFY_PATH, by_ref_num(ref_num))
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) > len(body)
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.VERIFIED


def test_http_500_does_not_verify(client, psp):
    change_settings(client, verify_fault="http_500")
    _, ref_num = paid_token(client)
    assert post(client, VERIFY_PATH, by_ref_num(ref_num)).status_code == 500
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.OK


def test_malformed_json_verifies_and_answers_garbage(client, psp):
    change_settings(client, verify_fault="malformed_json")
    _, ref_num = paid_token(client)
    response = post(client, VERIFY_PATH, by_ref_num(ref_num))
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert Transaction.objects.get(ref_num=ref_num).status == Transaction.Status.VERIFIED


def test_a_fault_can_last_several_calls(client, psp):
    change_settings(client, verify_fault="http_500", verify_fault_remaining=2)
    _, ref_num = paid_token(client)
    statuses = [post(client, VERIFY_PATH, by_ref_num(ref_num)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_every_verify_is_logged_with_what_was_really_answered(client, psp):
    change_settings(client, verify_fault="commit_then_502")
    _, ref_num = paid_token(client)
    post(client, VERIFY_PATH, by_ref_num(ref_num))
    event = Event.objects.filter(kind="verify_request").get()
    assert event.answer["fault"] == "commit_then_502"
    assert event.answer["processed"]["ResultCode"] == 0
