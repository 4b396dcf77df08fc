"""Routing and failover (issue 17, item 3): ordered gateways with weights; a token request that fails retryably
or times out is tried once more at the next gateway as a new attempt with a new order number; a gateway that
failed repeatedly cools off (state in the database); every attempt records its PSP; a slip is credited once
across PSPs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from insured.models import SlipStatus
from insured.slips import slip_mark_paid
from payments import messages as text
from payments import services
from payments.gateways import http
from payments.gateways.base import RetryableGatewayError
from payments.gateways.registry import route
from payments.models import GatewayHealth, PaymentAttempt, PaymentEvent, State
from payments.routing import payment_route
from payments.services import payment_reconcile
from payments.simulator import fixtures
from payments.simulator.models import Transaction
from payments.tests.scenario_support import (
    audit_actions,
    balance,
    come_back,
    covered,
    hook_after,
    psp_verifications,
    reload,
    result_text,
    start,
)
from payments.tests.simulator_client import (
    APPROVE,
    APPROVE_2,
    change_settings,
    gateways_setting,
    pay,
    pay_at_bank,
)
from samt.actors import Actor
from samt.errors import DomainError

SEP, MELLAT = ("sep", fixtures.TERMINAL_ID), ("mellat", fixtures.MELLAT_TERMINAL_ID)
NOW = {"older_than": timedelta(0)}


# The route, as a pure function ---------------------------------------------------------------------------------


def test_the_first_gateway_is_drawn_by_weight_and_the_rest_follow_in_order():
    weights = [(SEP, 3), (MELLAT, 1)]
    assert route(weights, set(), 0.0) == [SEP, MELLAT]
    assert route(weights, set(), 0.74) == [SEP, MELLAT]
    assert route(weights, set(), 0.75) == [MELLAT, SEP]
    assert route([(SEP, 1), (MELLAT, 0)], set(), 0.99) == [SEP, MELLAT]  # weight 0: standby only


def test_a_gateway_cooling_off_is_left_out_unless_all_are():
    assert route([(SEP, 1), (MELLAT, 0)], {SEP}, 0.5) == [MELLAT]
    assert route([(SEP, 1), (MELLAT, 1)], {SEP, MELLAT}, 0.1) == [SEP, MELLAT]


@given(weights=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=4).filter(any),
       pick=st.floats(min_value=0, max_value=1, exclude_max=True))
def test_the_route_names_every_usable_gateway_once_and_starts_at_a_weighted_one(weights, pick):
    keys = [(f"psp{i}", str(i)) for i in range(len(weights))]
    order = route(list(zip(keys, weights, strict=True)), set(), pick)
    assert sorted(order) == sorted(keys)
    assert dict(zip(keys, weights, strict=True))[order[0]] > 0


# Failover at token time ----------------------------------------------------------------------------------------


@pytest.fixture
def two_gateways(settings, transport):
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("sep", "mellat")
    settings.SAMT_PAYMENT_FAILOVER = {"FAILURES_BEFORE_COOL_OFF": 3, "COOL_OFF_SECONDS": 300}
    return transport


def press_pay(client_for, user, slip):
    return client_for(user).post(reverse("payments:pay_slip", args=[slip.number]))


@pytest.mark.django_db
def test_a_token_service_that_is_down_sends_the_payer_to_the_next_gateway(slip, insured_user, client_for,
                                                                          two_gateways):
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=True)
    response = press_pay(client_for, insured_user, slip)

    # The payer is handed to the second PSP's page: no error message, nothing to do again.
    page = response.content.decode()
    assert response.status_code == 200 and "/psp/pgwchannel/startpay.mellat" in page and 'name="RefId"' in page
    first, second = PaymentAttempt.objects.order_by("id")
    assert (first.psp, first.state, first.failure_reason) == ("sep", State.FAILED, text.BANK_UNAVAILABLE)
    assert (second.psp, second.terminal_id, second.state) == ("mellat", fixtures.MELLAT_TERMINAL_ID,
                                                              State.REDIRECTED)
    assert first.order_id != second.order_id  # never the same order number at two PSPs
    assert not Transaction.objects.filter(res_num=first.order_id).exists()
    assert Transaction.objects.get(res_num=second.order_id).terminal.terminal_id == fixtures.MELLAT_TERMINAL_ID
    failover = PaymentEvent.objects.get(attempt=second, name="failover")
    assert failover.data == {"from_order": first.order_id, "from_psp": "sep", "to_psp": "mellat"}
    assert two_gateways.paths()[:2] == ["onlinepg", "pgw"]
    # At most one unresolved attempt per slip, at every moment.
    assert PaymentAttempt.objects.filter(slip=slip).exclude(state__in=[State.FAILED]).count() == 1
    health = GatewayHealth.objects.get(psp="sep")
    assert (health.consecutive_failures, health.cooling_until) == (1, None)


@pytest.mark.django_db
def test_the_payer_then_pays_at_the_second_psp_and_the_slip_is_paid_once(slip, insured_user, two_gateways,
                                                                        payer):
    change_settings(payer, fixtures.TERMINAL_ID, token_unavailable=True)
    before = balance(APPROVE)
    attempt = services.payment_start(
        actor=Actor.for_user(insured_user), payable=slip,
        callback_url=lambda order_id: "http://testserver" + reverse("payments:callback", args=[order_id]),
    ).attempt
    come_back(payer, attempt, pay(payer, attempt.token))

    attempt = reload(attempt)
    slip.refresh_from_db()
    assert (attempt.psp, attempt.state) == ("mellat", State.SUCCEEDED)
    assert attempt.settled_at is not None  # Mellat deposits only after bpSettleRequest
    assert Transaction.objects.get(token=attempt.token).settled_at is not None
    assert slip.status == SlipStatus.PAID
    assert slip.payment_reference == f"mellat:{fixtures.MELLAT_TERMINAL_ID}:{attempt.bank_ref}"
    assert covered(slip) == 3 and balance(APPROVE) == before - slip.total
    assert "پرداخت با موفقیت انجام شد" in result_text(payer, attempt)


@pytest.mark.django_db
def test_a_token_request_that_times_out_fails_over_too(slip, insured_user, two_gateways, monkeypatch):
    real = http.post_json

    def silent(url, payload, **kwargs):
        raise RetryableGatewayError(http.NO_ANSWER, raw="timed out")

    monkeypatch.setattr(http, "post_json", silent)
    attempt = start(slip, insured_user)
    assert (attempt.psp, attempt.state) == ("mellat", State.REDIRECTED)
    assert real is not silent


@pytest.mark.django_db
def test_it_is_tried_once_only_and_then_the_payer_is_told(slip, insured_user, client_for, two_gateways):
    for terminal in (fixtures.TERMINAL_ID, fixtures.MELLAT_TERMINAL_ID):
        change_settings(Client(), terminal, token_unavailable=True)
    browser = client_for(insured_user)
    response = browser.post(reverse("payments:pay_slip", args=[slip.number]))
    assert response.status_code == 302
    assert [(a.psp, a.state) for a in PaymentAttempt.objects.order_by("id")] == [("sep", State.FAILED),
                                                                               ("mellat", State.FAILED)]
    assert two_gateways.paths() == ["onlinepg", "pgw"]
    followed = browser.get(response["Location"]).content.decode()
    assert text.BANK_UNAVAILABLE in followed


@pytest.mark.django_db
def test_a_refusal_is_not_failed_over(slip, insured_user, two_gateways):
    """The issue's rule: only a retryable failure or a timeout moves the payment to the next gateway; a refusal
    is a configuration error someone must fix, and it is on the audit trail."""
    change_settings(Client(), fixtures.TERMINAL_ID, allowed_ips="10.9.9.9")
    attempt = start(slip, insured_user)
    assert (attempt.psp, attempt.state, attempt.failure_reason) == ("sep", State.FAILED, text.GATEWAY_REFUSED)
    assert PaymentAttempt.objects.count() == 1
    assert "payment.gateway_refused" in audit_actions(attempt)


@pytest.mark.django_db
def test_a_gateway_that_failed_repeatedly_cools_off_and_comes_back(slip, insured_user, two_gateways,
                                                                   staff_a, branch_a, outsider):
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=True)
    for _ in range(3):
        start(slip, insured_user)
        PaymentAttempt.objects.filter(state=State.REDIRECTED).update(state=State.EXPIRED)
    cooling = GatewayHealth.objects.get(psp="sep")
    assert cooling.cooling_until is not None and cooling.last_failure
    calls = len(two_gateways.calls)

    attempt = start(slip, insured_user)  # straight to Mellat: no call to the cooling gateway at all
    assert attempt.psp == "mellat"
    assert [path.rsplit("/", 1)[-1] for path, _ in two_gateways.calls[calls:]] == ["pgw"]
    assert [gateway.name for gateway in payment_route(pick=0.0)] == ["mellat"]

    PaymentAttempt.objects.filter(state=State.REDIRECTED).update(state=State.EXPIRED)
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=False)
    with time_machine.travel(timezone.now() + timedelta(seconds=301), tick=True):
        assert [gateway.name for gateway in payment_route(pick=0.0)] == ["sep", "mellat"]
        assert start(slip, insured_user).psp == "sep"
    recovered = GatewayHealth.objects.get(psp="sep")
    assert (recovered.consecutive_failures, recovered.cooling_until) == (0, None)
    assert recovered.last_success_at is not None


@pytest.mark.django_db
def test_weights_share_first_attempts(settings, slip, insured_user, transport, monkeypatch):
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("sep", "mellat", weights=(1, 3))
    monkeypatch.setattr("payments.routing._pick.random", lambda: 0.5)
    assert start(slip, insured_user).psp == "mellat"


# Exactly once across PSPs --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_slip_paid_meanwhile_makes_a_late_verify_at_the_other_psp_reverse(slip, insured_user, two_gateways,
                                                                          payer, monkeypatch, staff_a):
    """The payer was sent to Mellat; while they paid there the slip was paid another way (here: a payment
    credited by the counter). Mellat's verify succeeds, the credit is refused, and the money is reversed."""
    change_settings(payer, fixtures.TERMINAL_ID, token_unavailable=True)
    before = balance(APPROVE_2)
    attempt = start(slip, insured_user)
    assert attempt.psp == "mellat"
    fields = pay(payer, attempt.token, APPROVE_2)

    def paid_meanwhile() -> None:
        slip_mark_paid(actor=Actor.for_user(staff_a), slip=slip, reference="sep:10012345:OTHER",
                       amount=slip.total, paid_at=timezone.now())

    hook_after(monkeypatch, verify=paid_meanwhile)
    come_back(payer, attempt, fields)
    attempt = reload(attempt)
    assert attempt.state == State.REVERSED
    assert psp_verifications(attempt) == 1
    assert Transaction.objects.get(token=attempt.token).status == Transaction.Status.REVERSED
    assert balance(APPROVE_2) == before  # the card has its money back
    assert attempt.settled_at is None  # never settled: nothing deposited for a reversed sale
    assert audit_actions().count("slip.paid") == 1
    assert "payment.not_creditable" in audit_actions(attempt) and "payment.reversed" in audit_actions(attempt)


@pytest.mark.django_db
def test_a_second_tab_is_refused_even_where_it_would_go_to_the_other_psp(slip, insured_user, two_gateways):
    """One tab at SEP; SEP's token service goes down; a second tab would fail over to Mellat, but the slip has an
    unresolved payment at SEP, so it is refused before any PSP is asked. The first is credited once."""
    first = start(slip, insured_user)
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=True)
    with pytest.raises(DomainError) as refused:
        start(slip, insured_user)
    assert refused.value.message == text.PAY_AGAIN_REFUSED
    assert list(PaymentAttempt.objects.filter(slip=slip)) == [first]
    assert "bpPayRequest" not in two_gateways.soap_operations()
    come_back(Client(), first, pay(Client(), first.token, APPROVE))
    assert reload(first).state == State.SUCCEEDED
    assert psp_verifications(first) == 1 and audit_actions().count("slip.paid") == 1


@pytest.mark.django_db
def test_an_unanswered_settle_is_asked_again_by_the_reconciler(slip, insured_user, settings, transport, payer,
                                                              monkeypatch):
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("mellat")
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    real = transport.post_xml

    def settle_unanswered(url, body, **kwargs):
        if b"bpSettleRequest" in body:
            raise RetryableGatewayError(http.NO_ANSWER)
        return real(url, body, **kwargs)

    monkeypatch.setattr(http, "post_xml", settle_unanswered)
    come_back(payer, attempt, fields)
    attempt = reload(attempt)
    assert (attempt.state, attempt.settled_at) == (State.SUCCEEDED, None)
    monkeypatch.setattr(http, "post_xml", real)
    assert payment_reconcile(**NOW) == {State.SUCCEEDED: 1}
    assert reload(attempt).settled_at is not None
    assert payment_reconcile(**NOW) == {}


@pytest.mark.django_db
def test_the_reconciler_reports_per_psp(slip, other_slip, insured_user, outsider, two_gateways, capsys):
    change_settings(Client(), fixtures.TERMINAL_ID, callback_mode="drop")
    change_settings(Client(), fixtures.MELLAT_TERMINAL_ID, callback_mode="drop")
    at_sep = start(slip, insured_user)
    pay_at_bank(Client(), at_sep.token)
    change_settings(Client(), fixtures.TERMINAL_ID, token_unavailable=True)
    at_mellat = start(other_slip, outsider)
    assert at_mellat.psp == "mellat"
    call_command("reconcile_payments", "--quiet-for", "0")
    out = capsys.readouterr().out
    assert out == "reconciled: mellat/20012345 — redirected: 1; sep/10012345 — succeeded: 1\n"


@pytest.mark.django_db
def test_a_refused_settle_is_told_to_a_person_once_and_asked_again_for_a_day(slip, insured_user, settings, transport,
                                                                          payer, monkeypatch):
    settings.SAMT_PAYMENT_GATEWAYS = gateways_setting("mellat")
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    real = transport.post_xml

    def settle_refused(url, body, **kwargs):
        if b"bpSettleRequest" in body:
            return real(url, body.replace(attempt.order_id.encode(), b"1"), **kwargs)  # "sale not found" (42)
        return real(url, body, **kwargs)

    monkeypatch.setattr(http, "post_xml", settle_refused)
    come_back(payer, attempt, fields)
    assert payment_reconcile(**NOW) == {State.SUCCEEDED: 1}
    assert reload(attempt).settled_at is None
    assert audit_actions(attempt).count("payment.settle_failed") == 1
    assert payment_reconcile(**NOW, now=timezone.now() + timedelta(days=2)) == {}
