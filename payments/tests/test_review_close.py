"""Closing a manual review (payments.services.payment_review_close): an HQ expert in the payer's province records
what the bank said, and the slip is offered for payment again. Before this nothing could end a manual review: the
slip stayed held and its pay button never came back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from insured.models import SlipStatus
from payments import messages as text
from payments.messages import payer_notice
from payments.models import PaymentAttempt, PaymentEvent, ReviewFinding, State
from payments.services import payment_review_close
from payments.tests.scenario_support import covered, reload, result_text, start
from payments.tests.test_hq_sees_payment_alerts import reverse_fails
from payments.tests.test_payer_notices import in_state
from samt.actors import Actor
from samt.errors import DomainError
from samt.models import AuditEvent, Role, SmsMessage

pytestmark = pytest.mark.django_db

NOTE = "با کارشناس پشتیبانی بانک تماس گرفتم؛ تراکنش در سامانه بانک ناموفق ثبت شده است."
REFUND = "RF-14050904-0001"


@pytest.fixture
def technical_expert(province):
    return make_user("tech", role=Role.HQ_TECHNICAL, province=province)


@pytest.fixture
def in_review(slip, insured_user, portal_gateway) -> PaymentAttempt:
    """A payment whose verify the bank never answered within its windows: the money may or may not be taken."""
    return in_state(start(slip, insured_user), State.MANUAL_REVIEW, kept=False)


def close(user, attempt, finding=ReviewFinding.NO_MONEY_TAKEN, note=NOTE, refund_reference=""):
    return payment_review_close(actor=Actor.for_user(user), attempt=attempt, finding=finding, note=note,
                                refund_reference=refund_reference)


def pay_button(slip) -> str:
    return f'action="{reverse("payments:pay_slip", args=[slip.number])}"'


def slip_page(client_for, insured_user, slip) -> str:
    return client_for(insured_user).get(reverse("insured:slip", args=[slip.number])).content.decode()


def test_no_money_taken_ends_the_attempt_and_the_payer_sees_the_pay_button_again(in_review, slip, insured_user,
                                                                                 client_for, technical_expert):
    held = slip_page(client_for, insured_user, slip)
    assert pay_button(slip) not in held and payer_notice(State.MANUAL_REVIEW).title in held

    closed = close(technical_expert, in_review)

    assert (closed.state, closed.failure_reason) == (State.FAILED, text.REVIEW_NO_MONEY_TAKEN)
    page = slip_page(client_for, insured_user, slip)
    assert pay_button(slip) in page
    assert payer_notice(State.MANUAL_REVIEW).title not in page and "دوباره پرداخت نکنید" not in page
    result = result_text(Client(), closed)
    assert payer_notice(State.FAILED).title in result and text.REVIEW_NO_MONEY_TAKEN in result
    assert 'data-testid="pay-again"' in result_text(client_for(insured_user), closed)
    assert NOTE not in result  # the expert's note is for staff
    sms = SmsMessage.objects.get(event_key=f"payment.failed:{closed.pk}").text
    assert "برداشته نشده" in sms and "دوباره بپردازید" in sms


def test_the_close_is_a_transition_in_the_log_and_one_audit_event_by_the_expert(in_review, technical_expert,
                                                                                  branch_a):
    closed = close(technical_expert, in_review)
    event = PaymentEvent.objects.filter(attempt=closed, kind=PaymentEvent.Kind.TRANSITION).last()
    assert event.name == "manual_review->failed"
    assert event.data["note"] == NOTE and event.data["finding"] == ReviewFinding.NO_MONEY_TAKEN
    audit = AuditEvent.objects.get(action="payment.review_closed", subject_id=str(closed.pk))
    assert (audit.actor, audit.role) == (technical_expert, Role.HQ_TECHNICAL)
    assert (audit.branch_id, audit.province_id) == (branch_a.pk, branch_a.province_id)
    assert audit.before == {"status": "manual_review"}
    assert audit.after["status"] == "failed" and audit.after["note"] == NOTE


def test_money_returned_by_hand_is_refunded_with_the_banks_reference_and_the_slip_stays_unpaid(
        slip, insured_user, payer, portal_gateway, monkeypatch, client_for, hq_user):
    """The reverse failed: the bank kept verified money. HQ has it returned and records the bank's reference."""
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    closed = close(hq_user, attempt, ReviewFinding.REFUNDED, refund_reference=f"  {REFUND} ")

    assert (closed.state, closed.failure_reason) == (State.REFUNDED, text.REVIEW_REFUNDED)
    slip.refresh_from_db()
    assert slip.status == SlipStatus.ISSUED and covered(slip) == 0  # never credited from a review
    event = PaymentEvent.objects.get(attempt=closed, name="manual_review->refunded")
    assert event.data["refund_reference"] == REFUND and event.data["money_kept"] is True
    audit = AuditEvent.objects.get(action="payment.review_closed", subject_id=str(closed.pk))
    assert audit.after["reference"] == REFUND
    sms = SmsMessage.objects.get(event_key=f"payment.refunded:{closed.pk}").text
    assert "برگشت داده شد" in sms and REFUND in sms
    told = payer_notice(State.REFUNDED)
    result = result_text(payer, closed)
    assert told.title in result and told.text in result and text.REVIEW_REFUNDED in result
    assert pay_button(slip) in slip_page(client_for, insured_user, slip)


def test_a_failed_reverse_cannot_be_closed_as_no_money_taken(slip, insured_user, payer, portal_gateway, monkeypatch,
                                                             hq_user):
    attempt = reverse_fails(slip, insured_user, payer, monkeypatch)
    with pytest.raises(DomainError) as refused:
        close(hq_user, attempt)
    assert refused.value.message == text.REVIEW_MONEY_WAS_KEPT
    assert reload(attempt).state == State.MANUAL_REVIEW


@pytest.mark.parametrize("state", [State.FAILED, State.SUCCEEDED, State.VERIFY_UNKNOWN, State.REFUNDED])
def test_only_a_manual_review_can_be_closed(slip, insured_user, portal_gateway, hq_user, state):
    attempt = in_state(start(slip, insured_user), state, kept=False)
    with pytest.raises(DomainError) as refused:
        close(hq_user, attempt)
    assert refused.value.message == text.REVIEW_NOT_OPEN
    assert reload(attempt).state == state
    assert not AuditEvent.objects.filter(action="payment.review_closed").exists()


def test_a_second_expert_finds_it_already_closed(in_review, hq_user, technical_expert):
    close(technical_expert, in_review)
    with pytest.raises(DomainError) as refused:
        close(hq_user, in_review, ReviewFinding.REFUNDED, refund_reference=REFUND)
    assert refused.value.message == text.REVIEW_NOT_OPEN
    assert reload(in_review).state == State.FAILED


@pytest.mark.parametrize("who", ["other_province_hq", "broker_affairs", "branch_head", "insured"])
def test_nobody_outside_the_provinces_hq_manager_and_technical_expert_can_close_it(
        in_review, who, other_province, province, head_a, insured_user):
    user = {
        "other_province_hq": lambda: make_user("hq_far", role=Role.HQ, province=other_province),
        "broker_affairs": lambda: make_user("brokers", role=Role.BROKER_AFFAIRS, province=province),
        "branch_head": lambda: head_a,
        "insured": lambda: insured_user,
    }[who]()
    with pytest.raises(DomainError) as refused:
        close(user, in_review)
    assert refused.value.message == text.REVIEW_NOT_ALLOWED
    assert reload(in_review).state == State.MANUAL_REVIEW
    assert not AuditEvent.objects.filter(action="payment.review_closed").exists()


def test_a_national_hq_manager_closes_any_provinces_review(in_review):
    national = make_user("hq_country", role=Role.HQ)
    assert close(national, in_review).state == State.FAILED


@pytest.mark.parametrize(("finding", "note", "reference", "message"), [
    (ReviewFinding.NO_MONEY_TAKEN, "  ", "", text.REVIEW_NOTE_REQUIRED),
    (ReviewFinding.REFUNDED, NOTE, " ", text.REVIEW_REFERENCE_REQUIRED),
    ("paid", NOTE, "", text.REVIEW_FINDING_UNKNOWN),
])
def test_a_finding_needs_its_note_and_a_refund_its_reference(in_review, hq_user, finding, note, reference, message):
    with pytest.raises(DomainError) as refused:
        close(hq_user, in_review, finding, note=note, refund_reference=reference)
    assert refused.value.message == message
    assert reload(in_review).state == State.MANUAL_REVIEW


def test_a_closed_review_leaves_hqs_needs_a_person_list(in_review, client_for, hq_user):
    client = client_for(hq_user)
    assert in_review.order_id in client.get("/hq/").content.decode()
    close(hq_user, in_review)
    assert in_review.order_id not in client.get("/hq/").content.decode()
