"""Item 6 of issue 10: events about a person's payment carry the person's branch and province whoever wrote them
(the payment driver, a payer without a login), so the HQ of that province sees every payment alert on its audit
page and its "needs a person" list, and the HQ of another province sees none of them."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from conftest import make_user
from payments import services
from payments.gateways import http
from payments.models import PaymentAttempt, State
from payments.simulator.models import Transaction
from payments.tests.scenario_support import come_back, hook_after, later, reload, start
from payments.tests.simulator_client import pay
from samt.models import AuditEvent, Role
from samt.tests.audit_support import guard_lifted

pytestmark = pytest.mark.django_db

REVERSE_FAILED = "برگشت وجه ناموفق ماند"


def reverse_fails(slip, insured_user, payer, monkeypatch) -> PaymentAttempt:
    """The bank took a wrong amount and then refused, again and again, to give it back: money to return by hand."""
    attempt = start(slip, insured_user)
    fields = pay(payer, attempt.token)
    hook_after(monkeypatch, receipt=lambda: Transaction.objects.filter(token=attempt.token).update(
        amount=attempt.amount_rial + 1))
    real_post = http.post_json

    def reverse_down(url, payload, **kwargs):
        if url.endswith("ReverseTransaction"):
            raise services.RetryableGatewayError("down")
        return real_post(url, payload, **kwargs)

    monkeypatch.setattr(http, "post_json", reverse_down)
    come_back(payer, attempt, fields)
    assert services.payment_drive(reload(attempt), now=later(75)).state == State.MANUAL_REVIEW
    return reload(attempt)


def payment_events(attempt: PaymentAttempt):
    return AuditEvent.objects.filter(subject_type="payments.paymentattempt", subject_id=str(attempt.pk))


def test_every_event_of_a_payment_carries_the_persons_branch_and_province(slip, insured_user, payer, portal_gateway,
                                                                          monkeypatch, branch_a):
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    events = payment_events(attempt)
    assert set(events.values_list("action", "actor_label")) == {
        ("payment.started", insured_user.username), ("payment.amount_mismatch", "system:payments"),
        ("payment.reverse_failed", "system:payments")}
    assert set(events.values_list("branch_id", "province_id")) == {(branch_a.pk, branch_a.province_id)}
    slip_events = AuditEvent.objects.filter(subject_type="insured.slip", subject_id=str(slip.pk))
    assert set(slip_events.values_list("branch_id", "province_id")) == {(branch_a.pk, branch_a.province_id)}


def test_hq_of_the_persons_province_sees_the_alerts_and_hq_of_another_province_does_not(
        slip, insured_user, payer, portal_gateway, monkeypatch, client_for, hq_user, other_province):
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    far_hq = make_user("hq_far", role=Role.HQ, province=other_province)
    here, far = client_for(hq_user), client_for(far_hq)

    seen = here.get("/hq/audit/", {"subject": attempt.order_id}).context["page"]
    assert {event.action for event in seen} == {"payment.started", "payment.amount_mismatch",
                                                "payment.reverse_failed"}
    assert len(far.get("/hq/audit/", {"subject": attempt.order_id}).context["page"]) == 0
    assert not {event.action for event in far.get("/hq/audit/").context["page"]} & {"payment.reverse_failed"}

    home = here.get("/hq/").content.decode()
    person = slip.contract.insured
    assert REVERSE_FAILED in home
    assert attempt.order_id in home
    assert person.full_name in home
    assert "۵۹٬۸۵۱٬۹۸۰" in home  # the amount taken, in rials
    assert "شعبه الف" in home
    assert f'href="/pay/result/{attempt.public_key}/"' in home
    far_home = far.get("/hq/").content.decode()
    assert attempt.order_id not in far_home
    assert person.full_name not in far_home


def test_the_national_hq_sees_every_province(slip, insured_user, payer, portal_gateway, monkeypatch, client_for):
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    national = make_user("hq_country", role=Role.HQ)
    assert attempt.order_id in client_for(national).get("/hq/").content.decode()


def test_a_rejected_payment_is_listed_for_a_month_then_left_to_the_audit_trail(slip, insured_user, portal_gateway,
                                                                             client_for, hq_user):
    attempt = start(slip, insured_user)
    services._move(attempt, State.CHECKING)
    services._reject(reload(attempt), "ناهمخوانی", {"why": "test"})
    client = client_for(hq_user)
    body = client.get("/hq/").content.decode()
    assert attempt.order_id in body
    assert "رد شد (ناهمخوانی با بانک)" in body
    PaymentAttempt.objects.filter(pk=attempt.pk).update(updated_at=timezone.now() - timedelta(days=31))
    assert attempt.order_id not in client.get("/hq/").content.decode()


def test_the_migration_files_old_payment_events_under_the_persons_place(slip, insured_user, portal_gateway, branch_a):
    attempt = start(slip, insured_user)
    old = AuditEvent.objects.create(actor_label="system:payments", action="payment.reverse_failed",
                                    subject_type="payments.paymentattempt", subject_id=str(attempt.pk),
                                    subject_label=str(attempt))
    old_slip_event = AuditEvent.objects.create(actor_label="system:payments", action="slip.paid",
                                               subject_type="insured.slip", subject_id=str(slip.pk))
    unrelated = AuditEvent.objects.create(actor_label="system:year_end", action="statements.batch_issued")
    editor = connection.schema_editor()  # not entered: SQLite's refuses inside the test's transaction
    with guard_lifted():  # the migrations ran before the trigger of SQLite existed, and as the owner on PostgreSQL
        import_module("insured.migrations.0011_audit_events_carry_the_persons_place").file_under_the_persons_place(
            apps, editor)
        import_module("payments.migrations.0005_audit_events_carry_the_persons_place").file_under_the_persons_place(
            apps, editor)
    for event in (old, old_slip_event):
        event.refresh_from_db()
        assert (event.branch_id, event.province_id) == (branch_a.pk, branch_a.province_id)
    unrelated.refresh_from_db()
    assert (unrelated.branch_id, unrelated.province_id) == (None, None)
