"""The state machine itself (payments.md §9): the table of moves, moves only from the state a driver saw, no
transaction open while the PSP is called, what happens when the PSP never answers, and debt slips."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from insured.models import DebtSlipStatus, StatementStatus
from insured.services import debt_slip_issue
from insured.tests.test_services import debt_statement
from payments import messages as text
from payments import services
from payments.gateways import http
from payments.models import FINAL_STATES, PaymentAttempt, State
from payments.services import ALLOWED_MOVES, StaleMove, payment_drive, payment_reconcile
from payments.simulator.models import Transaction
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    come_back,
    covered,
    hook_after,
    later,
    pass_minutes,
    reload,
    start,
    transitions,
)
from payments.tests.simulator_client import APPROVE, change_settings, pay
from samt.actors import Actor
from samt.models import AuditEvent

NOW = timedelta(0)


def test_the_moves_are_those_of_payments_md_section_9():
    assert {
        State.CREATED: {State.REDIRECTED, State.FAILED},
        State.REDIRECTED: {State.CHECKING, State.EXPIRED},
        State.CHECKING: {State.REDIRECTED, State.VERIFYING, State.FAILED, State.REJECTED, State.EXPIRED},
        State.VERIFYING: {State.SUCCEEDED, State.VERIFY_UNKNOWN, State.FAILED, State.EXPIRED, State.REVERSE_PENDING},
        State.VERIFY_UNKNOWN: {State.SUCCEEDED, State.FAILED, State.EXPIRED, State.REVERSE_PENDING,
                               State.MANUAL_REVIEW},
        State.REVERSE_PENDING: {State.REVERSED, State.MANUAL_REVIEW},
        # Only a person takes these: an HQ expert closing the review (payment_review_close).
        State.MANUAL_REVIEW: {State.FAILED, State.REFUNDED},
    } == ALLOWED_MOVES
    assert not FINAL_STATES & set(ALLOWED_MOVES)  # nothing leaves a final state
    assert set(ALLOWED_MOVES) | FINAL_STATES == set(State)


@pytest.mark.django_db
def test_a_move_from_a_state_the_driver_no_longer_sees_is_refused(slip, insured_user, portal_gateway):
    attempt = start(slip, insured_user)
    seen = reload(attempt)
    services._move(reload(attempt), State.CHECKING)
    with pytest.raises(StaleMove):
        services._move(seen, State.EXPIRED)  # allowed from REDIRECTED, but it is CHECKING now
    assert reload(attempt).state == State.CHECKING


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_psp_is_called(slip, insured_user, portal_gateway, monkeypatch):
    """No row lock can be held across a call to the bank if no transaction is open during it."""
    open_during: list[tuple[str, bool]] = []
    routed = http.post_json

    def watched(url, payload, **kwargs):
        open_during.append((url.rsplit("/", 1)[1], connection.in_atomic_block))
        return routed(url, payload, **kwargs)

    monkeypatch.setattr(http, "post_json", watched)
    attempt = start(slip, insured_user)
    payer = Client()
    fields = pay(payer, attempt.token)
    # The verify answer names another amount, so the reverse call is made too.
    hook_after(monkeypatch, receipt=lambda: _change_amount(attempt))
    come_back(payer, attempt, fields)
    assert reload(attempt).state == State.REVERSED
    assert [name for name, _ in open_during] == ["onlinepg", "receipt", "VerifyTransaction", "ReverseTransaction"]
    assert not any(opened for _, opened in open_during), open_during


def _change_amount(attempt) -> None:
    Transaction.objects.filter(token=attempt.token).update(amount=attempt.amount_rial + 1)


@pytest.mark.django_db
def test_a_verify_never_answered_goes_to_a_person_never_to_failed(slip, insured_user, payer, portal_gateway):
    change_settings(payer, verify_fault="http_500", verify_fault_remaining=50)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))
    assert reload(attempt).state == State.VERIFY_UNKNOWN
    assert payment_reconcile(older_than=NOW, now=later(20)) == {State.VERIFY_UNKNOWN: 1}  # still inside
    assert payment_reconcile(older_than=NOW, now=later(73)) == {State.MANUAL_REVIEW: 1}
    attempt = reload(attempt)
    assert attempt.failure_reason == text.REVIEW
    assert "payment.verify_unknown" in audit_actions(attempt)
    assert State.FAILED not in {move.split("->")[1] for move in transitions(attempt)}
    assert payment_reconcile(older_than=NOW, now=later(80)) == {}  # a person closes it now


@pytest.mark.django_db
def test_an_undocumented_verify_code_is_not_taken_for_a_no(slip, insured_user, payer, portal_gateway, monkeypatch):
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    real = services.gateway_for(attempt)

    class OddCode:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, ref_num, *, order_id):
            answer = real.verify(ref_num, order_id=order_id)
            return type(answer)(outcome=services.VerifyOutcome.FAILED, code=-99, raw=answer.raw)

    monkeypatch.setattr(services, "gateway_for", lambda attempt: OddCode())
    come_back(payer, attempt, fields)
    assert reload(attempt).state == State.VERIFY_UNKNOWN
    monkeypatch.undo()
    monkeypatch.setattr(http, "post_json", portal_gateway)
    assert payment_reconcile(older_than=NOW) == {State.SUCCEEDED: 1}
    assert covered(slip) == 3


@pytest.mark.django_db
def test_a_receipt_service_down_past_its_hour_expires_what_we_never_verified(slip, insured_user, payer,
                                                                              portal_gateway):
    before = balance(APPROVE)
    change_settings(payer, receipt_unavailable=True)
    attempt = start(slip, insured_user)
    come_back(payer, attempt, pay(payer, attempt.token))
    assert reload(attempt).state == State.CHECKING
    assert payment_reconcile(older_than=NOW, now=later(30)) == {State.CHECKING: 1}
    assert payment_reconcile(older_than=NOW, now=later(63)) == {State.EXPIRED: 1}
    assert reload(attempt).failure_reason == text.EXPIRED_UNCONFIRMED
    assert balance(APPROVE) == before - reload(attempt).amount_rial  # until the PSP's own timer …
    change_settings(payer, receipt_unavailable=False)
    pass_minutes(payer, 31)
    assert balance(APPROVE) == before  # … gives it back


@pytest.mark.django_db
def test_a_reverse_the_psp_keeps_failing_goes_to_a_person(slip, insured_user, payer, portal_gateway, monkeypatch):
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    hook_after(monkeypatch, receipt=lambda: _change_amount(attempt))
    real_post = http.post_json

    def reverse_down(url, payload, **kwargs):
        if url.endswith("ReverseTransaction"):
            raise services.RetryableGatewayError("down")
        return real_post(url, payload, **kwargs)

    monkeypatch.setattr(http, "post_json", reverse_down)
    come_back(payer, attempt, fields)
    assert reload(attempt).state == State.REVERSE_PENDING
    assert payment_drive(reload(attempt), now=later(40)).state == State.REVERSE_PENDING
    assert payment_drive(reload(attempt), now=later(75)).state == State.MANUAL_REVIEW
    assert "payment.reverse_failed" in audit_actions(attempt)


@pytest.mark.django_db
def test_the_reconciler_goes_on_past_an_attempt_that_breaks(slip, insured_user, payer, portal_gateway,
                                                           monkeypatch, caplog):
    broken = start(slip, insured_user)
    pay(payer, broken.token)
    other = PaymentAttempt.objects.get(pk=broken.pk)
    real_drive = services.payment_drive

    def drive(attempt, **kwargs):
        if attempt.pk == other.pk:
            raise RuntimeError("a bug")
        return real_drive(attempt, **kwargs)

    monkeypatch.setattr(services, "payment_drive", drive)
    assert payment_reconcile(older_than=NOW) == {"error": 1}
    assert any(r.levelno == logging.ERROR and "could not be driven" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_debt_slip_is_paid_by_card_and_settles_its_statement(azar_1405, staff_a, branch_a, payer,
                                                                 portal_gateway):
    statement = debt_statement(Actor.for_user(staff_a), branch_a)
    debt = debt_slip_issue(actor=Actor.for_user(staff_a), statement=statement)
    user = statement.contract.insured.user or staff_a
    attempt = start(debt, user)
    come_back(payer, attempt, pay(payer, attempt.token))
    attempt = reload(attempt)
    debt.refresh_from_db()
    statement.refresh_from_db()
    assert attempt.state == State.SUCCEEDED and attempt.amount_rial == 916_000
    assert debt.status == DebtSlipStatus.PAID and statement.status == StatementStatus.SETTLED
    assert AuditEvent.objects.filter(action="debt_slip.paid").count() == 1
