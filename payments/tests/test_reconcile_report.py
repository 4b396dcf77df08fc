"""payments.md §11, scenario 12: the daily reconciliation report. A payment the PSP verified that we did not
credit is flagged, and so is one we credited that the PSP does not count as verified."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from payments.conftest import one_month_slip
from payments.gateways import http
from payments.gateways.base import ReportState
from payments.gateways.registry import get_gateway
from payments.models import State
from payments.reconciliation import Finding, parse_day, report_build
from payments.services import payment_reconcile
from payments.simulator.models import Transaction
from payments.tests.scenario_support import come_back, later, reload, start
from payments.tests.simulator_client import APPROVE_2, change_settings, pay
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db
AZAR_4 = date(2026, 11, 25)


@pytest.fixture
def more_slips(slip, staff_a, branch_a, outsider):
    """Two more people's one-month slips, issued the same day."""
    return [one_month_slip(staff_a, branch_a, outsider, serial=serial, attach=False) for serial in (7654321, 7654322)]


def paid_and_credited(slip, user, payer, card=APPROVE_2):
    attempt = start(slip, user)
    come_back(payer, attempt, pay(payer, attempt.token, card))
    assert reload(attempt).state == State.SUCCEEDED
    return reload(attempt)


@pytest.fixture
def a_bad_day(slip, more_slips, insured_user, outsider, payer, portal_gateway, sep):
    """One clean payment, one the PSP verified while we never heard (given up, to a person), and one we
    credited that was then reversed at the PSP behind our back."""
    clean = paid_and_credited(slip, insured_user, payer)
    change_settings(payer, verify_fault="commit_then_close", verify_fault_remaining=2)
    lost = start(more_slips[0], outsider)
    come_back(payer, lost, pay(payer, lost.token))
    assert reload(lost).state == State.VERIFY_UNKNOWN
    payment_reconcile(older_than=timedelta(0), now=later(80))  # still no answer, past every window
    assert reload(lost).state == State.MANUAL_REVIEW
    reversed_there = paid_and_credited(more_slips[1], outsider, payer)
    sep.reverse(reversed_there.bank_ref)
    return clean, reload(lost), reversed_there


def test_12_the_report_flags_both_directions(a_bad_day):
    _, lost, reversed_there = a_bad_day
    report = report_build(AZAR_4, gateway=get_gateway())
    assert report.matched == 1
    found = {row.order_id: row for row in report.findings}
    assert set(found) == {lost.order_id, reversed_there.order_id}
    assert found[lost.order_id].kind == Finding.NOT_CREDITED_HERE
    assert (found[lost.order_id].state_bank, found[lost.order_id].state_here) == ("verified", "manual_review")
    assert found[reversed_there.order_id].kind == Finding.NOT_VERIFIED_THERE
    assert found[reversed_there.order_id].state_bank == "reversed"


def test_12_the_command_prints_the_table_exits_non_zero_and_records_one_audit_event(a_bad_day, capsys):
    _, lost, reversed_there = a_bad_day
    with pytest.raises(CommandError) as failed:
        call_command("reconcile_report", "1405/09/04")
    assert failed.value.returncode == 1
    out = capsys.readouterr().out
    assert "1405/09/04 (2026-11-25)" in out and "PSP / درگاه sep, terminal / پایانه 10012345" in out
    assert out.splitlines()[1].startswith("Bank ref / مرجع بانک ") and "| Order / سفارش" in out.splitlines()[1]
    lost_line = next(line for line in out.splitlines() if lost.order_id in line)
    assert "verified at the bank, not credited here — در بانک تأییدشده، در سامانه پرداخت‌نشده" in lost_line
    reversed_line = next(line for line in out.splitlines() if reversed_there.order_id in line)
    assert reversed_there.bank_ref in reversed_line and "credited here, not verified at the bank" in reversed_line
    assert "matched / تطبیق‌یافته: 1; mismatches / ناهمخوانی: 2" in out
    assert "PSP / درگاه mellat, terminal / پایانه 20012345" in out  # one report per PSP terminal
    (event,) = AuditEvent.objects.filter(action="payment.reconcile_report", after__psp="sep")
    assert event.actor_label == "system:reconcile_report"
    assert (event.after["matched"], event.after["mismatches"]) == (1, 2)
    assert {f["kind"] for f in event.after["findings"]} == {Finding.NOT_CREDITED_HERE, Finding.NOT_VERIFIED_THERE}


def test_12_a_clean_day_exits_zero(slip, insured_user, payer, portal_gateway, capsys):
    paid_and_credited(slip, insured_user, payer)
    call_command("reconcile_report", "2026-11-25")
    assert "matched / تطبیق‌یافته: 1; mismatches / ناهمخوانی: 0" in capsys.readouterr().out
    assert [event.after["mismatches"] for event in AuditEvent.objects.filter(action="payment.reconcile_report")
            .order_by("id")] == [0, 0]


def test_12_a_verified_amount_that_differs_is_flagged(slip, insured_user, payer, portal_gateway):
    attempt = paid_and_credited(slip, insured_user, payer)
    Transaction.objects.filter(token=attempt.token).update(amount=attempt.amount_rial + 10)
    (row,) = report_build(AZAR_4, gateway=get_gateway()).findings
    assert (row.kind, row.amount_here) == (Finding.AMOUNT_DIFFERS, attempt.amount_rial)


def test_12_a_payment_still_waiting_for_verify_is_counted_but_not_a_mismatch(slip, insured_user, payer,
                                                                             portal_gateway):
    attempt = start(slip, insured_user)
    pay(payer, attempt.token)
    report = report_build(AZAR_4, gateway=get_gateway())
    assert (report.findings, report.unverified_at_bank) == ([], 1)


@pytest.mark.parametrize("text", ["1405/09/04", "۱۴۰۵/۰۹/۰۴", "1405-9-4", "2026-11-25"])
def test_the_day_is_given_in_jalali_or_iso(text):
    assert parse_day(text) == AZAR_4


@pytest.mark.parametrize("text", ["yesterday", "1405/13/01", "2026-02-30", "25/11/2026"])
def test_a_day_that_is_not_a_date_is_refused(text, portal_gateway):
    with pytest.raises(ValueError):
        parse_day(text)
    with pytest.raises(CommandError) as failed:
        call_command("reconcile_report", text)
    assert failed.value.returncode == 2


def test_the_adapter_reads_the_psp_report_for_our_terminal(slip, insured_user, payer, portal_gateway, sep):
    paid = paid_and_credited(slip, insured_user, payer)
    lines = sep.transactions(AZAR_4)
    assert [(line.state, line.order_id, line.ref_num, line.amount) for line in lines] == [
        (ReportState.VERIFIED, paid.order_id, paid.bank_ref, paid.amount_rial)]
    assert portal_gateway.calls[-1] == ("/psp/control/api/terminals/10012345/transactions/", {"day": "2026-11-25"})
    assert sep.transactions(AZAR_4 + timedelta(days=1)) == []


def test_a_psp_report_that_cannot_be_read_exits_2(portal_gateway, monkeypatch, capsys):
    monkeypatch.setattr(http, "get_json", lambda *args, **kwargs: {"HasError": True})
    with pytest.raises(CommandError) as failed:
        call_command("reconcile_report", "1405/09/04")
    assert failed.value.returncode == 2 and "گزارش بانک خوانده نشد" in str(failed.value)
    assert not AuditEvent.objects.filter(action="payment.reconcile_report").exists()
