"""payments.md §11, scenario 10 (F12): the terminal is misconfigured — our server's IP is not registered, the
terminal number is unknown or disabled, or our pages would reach the PSP without a Referer.

Each fails at token time, before the payer sees a card page: the payer gets a Persian message saying nothing
was taken, and an administrator finds the reason in the audit trail (and the error log).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import checks
from django.test import Client
from django.urls import reverse

from payments import messages as text
from payments.checks import referrer_policy_problem
from payments.models import PaymentAttempt, PaymentEvent, State
from payments.services import payment_reconcile
from payments.tests.scenario_support import come_back, events, reload, start
from payments.tests.simulator_client import MERCHANT_PAGE, change_settings, pay
from samt.models import AuditEvent

pytestmark = pytest.mark.django_db


def press_pay(client_for, user, slip):
    browser = client_for(user)
    response = browser.post(reverse("payments:pay_slip", args=[slip.number]))
    return browser, response


def refused_at_token_time(response, slip, caplog) -> tuple[PaymentAttempt, AuditEvent]:
    # The payer: back on their slip page with a Persian message, no card page.
    assert response.status_code == 302 and response["Location"] == reverse("insured:slip", args=[slip.number])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [text.GATEWAY_REFUSED]
    attempt = PaymentAttempt.objects.get(slip=slip)
    assert (attempt.state, attempt.failure_reason, attempt.token) == (State.FAILED, text.GATEWAY_REFUSED, "")
    # The administrator: an audit event and an error in the log, both naming the reason.
    alert = AuditEvent.objects.get(action="payment.gateway_refused", subject_id=str(attempt.pk))
    logged = [r for r in caplog.records if r.name == "samt.payments" and r.levelno == logging.ERROR]
    assert len(logged) == 1 and alert.after["reason"] in logged[0].getMessage()
    return attempt, alert


def test_10_our_server_ip_not_registered_at_the_psp(slip, insured_user, client_for, portal_gateway, caplog):
    change_settings(Client(), allowed_ips="192.0.2.10")
    _, response = press_pay(client_for, insured_user, slip)
    attempt, alert = refused_at_token_time(response, slip, caplog)
    assert "نشانی IP سرور ما برای این پایانه نزد بانک ثبت نشده است" in alert.after["reason"]
    assert "(کد ۸)" in alert.after["reason"]
    assert events(attempt, PaymentEvent.Kind.PSP_ERROR, "token")[0].data["raw"]["errorCode"] == "8"


def test_10_an_unknown_terminal_number(slip, insured_user, client_for, portal_gateway, settings, caplog):
    settings.SAMT_PAYMENT_GATEWAYS = [{**settings.SAMT_PAYMENT_GATEWAYS[0], "TERMINAL_ID": "99999999"}]
    _, response = press_pay(client_for, insured_user, slip)
    _, alert = refused_at_token_time(response, slip, caplog)
    assert "شماره پایانه نزد بانک یافت نشد" in alert.after["reason"] and "(کد ۱۲)" in alert.after["reason"]


def test_10_a_disabled_terminal(slip, insured_user, client_for, portal_gateway, caplog):
    change_settings(Client(), enabled=False)
    _, response = press_pay(client_for, insured_user, slip)
    _, alert = refused_at_token_time(response, slip, caplog)
    assert "پایانه نزد بانک غیرفعال است" in alert.after["reason"]


@pytest.mark.parametrize("policy", ["no-referrer", "same-origin", "strict-origin, same-origin"])
def test_10_a_referrer_policy_that_would_drop_the_referer(slip, insured_user, client_for, portal_gateway, settings,
                                                          caplog, policy):
    settings.SECURE_REFERRER_POLICY = policy
    _, response = press_pay(client_for, insured_user, slip)
    _, alert = refused_at_token_time(response, slip, caplog)
    assert "SECURE_REFERRER_POLICY" in alert.after["reason"]
    assert portal_gateway.calls == []  # refused before asking the PSP for a token
    assert [error.id for error in checks.run_checks(tags=[checks.Tags.security])
            if error.id.startswith("payments.")] == ["payments.E001"]


def test_the_hand_off_page_sends_the_referer_the_psp_needs(slip, insured_user, client_for, portal_gateway):
    _, response = press_pay(client_for, insured_user, slip)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert referrer_policy_problem(response["Referrer-Policy"]) == ""
    assert not [error for error in checks.run_checks(tags=[checks.Tags.security]) if error.id.startswith("payments.")]


def test_without_a_referer_the_psp_itself_refuses_the_card_page(slip, insured_user, payer, portal_gateway):
    """What the token-time check spares the payer: SEP's own error page on the first real payment."""
    attempt = start(slip, insured_user)
    refused = payer.post("/psp/OnlinePG/OnlinePG", {"Token": attempt.token})
    assert refused.status_code == 400 and "خطای آدرس ارجاع دهنده دریافت نشد" in refused.content.decode()
    welcomed = payer.post("/psp/OnlinePG/OnlinePG", {"Token": attempt.token}, HTTP_REFERER=MERCHANT_PAGE)
    assert welcomed.status_code == 302


def test_an_ip_dropped_from_the_list_mid_payment_loses_nothing_once_it_is_fixed(slip, insured_user, payer,
                                                                                portal_gateway, caplog):
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    change_settings(payer, allowed_ips="192.0.2.10")
    come_back(payer, attempt, fields)
    assert reload(attempt).state == State.CHECKING  # refused (code 8), not failed: asked again later
    assert any(r.levelno == logging.ERROR and "refused receipt" in r.getMessage() for r in caplog.records)
    change_settings(payer, allowed_ips="127.0.0.1")
    assert payment_reconcile(older_than=timedelta(0)) == {State.SUCCEEDED: 1}
