"""Lapse and return: the one-time extension with the head's approval, and a new contract for a lapsed person."""

from __future__ import annotations

import pytest
import time_machine

from insured import lapse, ledger, services
from insured.models import Contract, ContractStatus, CoveredMonth, ExtensionStatus
from insured.tests.conftest import pay, register
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth as M
from samt.models import AuditEvent, SmsMessage

# Paid through Tir 1405: Mordad is the first unpaid month. In Azar (C − F = 4) the contract has lapsed under
# the three-month rule and is still inside the four-month window.
AZAR = M(1405, 9).starts_at.replace(hour=10)


@pytest.fixture
def lapsing(staff_actor, branch_a) -> Contract:
    contract = register(staff_actor, branch_a, first_month=M(1405, 1))
    pay(contract, M(1405, 1), M(1405, 4))
    return contract


@pytest.fixture
def head(head_a) -> Actor:
    return Actor.for_user(head_a)


def test_a_contract_four_months_behind_has_lapsed_and_sends_the_person_to_the_branch(lapsing):
    standing = ledger.standing(lapsing, M(1405, 9))
    assert standing.sends_to_branch and "قرارداد شما باطل شده" in standing.blocked_by


def test_staff_prepare_and_the_head_approves_then_slips_open_again(lapsing, staff_actor, head):
    with time_machine.travel(AZAR):
        extension = lapse.extension_request(actor=staff_actor, contract=lapsing, reason="بستری در بیمارستان")
        assert not ledger.standing(lapsing, M(1405, 9)).can_issue  # not before the head approves
        approved = lapse.extension_approve(actor=head, extension=extension, note="مدارک دیده شد")
    lapsing.refresh_from_db()
    assert approved.status == ExtensionStatus.APPROVED and lapsing.lapse_extension_used
    assert ledger.standing(lapsing, M(1405, 9)).can_issue
    [event] = AuditEvent.objects.filter(action="contract.extension_approved")
    assert event.after["reason"] == "بستری در بیمارستان" and event.after["note"] == "مدارک دیده شد"
    assert AuditEvent.objects.filter(action="contract.extension_requested", actor=staff_actor.user).exists()


def test_the_person_is_told_by_sms_until_when_the_extension_holds_once(lapsing, staff_actor, head):
    with time_machine.travel(AZAR):
        extension = lapse.extension_request(actor=staff_actor, contract=lapsing, reason="بستری در بیمارستان")
        assert not SmsMessage.objects.exists()  # nothing is promised before the head decides
        lapse.extension_approve(actor=head, extension=extension)
    [text] = SmsMessage.objects.filter(event_key=f"extension.granted:{extension.pk}").values_list("text", flat=True)
    # First unpaid Mordad 1405: four months on, paying in Azar still keeps the contract; Dey would be too late.
    assert "آذر ۱۴۰۵" in text and "مهلت یک‌باره" in text


def test_the_preparer_cannot_approve_their_own_extension(lapsing, branch_a, head_a):
    head = Actor.for_user(head_a)
    with time_machine.travel(AZAR):
        extension = lapse.extension_request(actor=head, contract=lapsing, reason="سفر")
        with pytest.raises(DomainError, match=lapse.PREPARER_CANNOT_DECIDE):
            lapse.extension_approve(actor=head, extension=extension)


def test_staff_cannot_approve(lapsing, staff_actor):
    with time_machine.travel(AZAR):
        extension = lapse.extension_request(actor=staff_actor, contract=lapsing, reason="سفر")
        with pytest.raises(DomainError, match=lapse.ONLY_HEAD_DECIDES):
            lapse.extension_approve(actor=staff_actor, extension=extension)


def test_the_second_time_is_refused(lapsing, staff_actor, head):
    with time_machine.travel(AZAR):
        lapse.extension_approve(actor=head, extension=lapse.extension_request(
            actor=staff_actor, contract=lapsing, reason="بستری"))
    pay(lapsing, M(1405, 5), M(1405, 8))
    with time_machine.travel(M(1406, 1).starts_at), pytest.raises(DomainError, match=lapse.EXTENSION_USED):
        lapse.extension_request(actor=staff_actor, contract=lapsing, reason="دوباره")


def test_a_reason_is_required_and_a_rejection_records_its_reason(lapsing, staff_actor, head):
    with time_machine.travel(AZAR):
        with pytest.raises(DomainError, match=lapse.REASON_REQUIRED):
            lapse.extension_request(actor=staff_actor, contract=lapsing, reason="  ")
        extension = lapse.extension_request(actor=staff_actor, contract=lapsing, reason="سفر")
        rejected = lapse.extension_reject(actor=head, extension=extension, reason="مدرکی نیاورد")
    assert (rejected.status, rejected.decision_note) == (ExtensionStatus.REJECTED, "مدرکی نیاورد")
    assert not Contract.objects.get(pk=lapsing.pk).lapse_extension_used


def test_no_extension_while_still_in_the_window_or_once_past_four_months(lapsing, staff_actor):
    with time_machine.travel(M(1405, 8).starts_at), pytest.raises(DomainError, match="هنوز در مهلت سه‌ماهه"):
        lapse.extension_request(actor=staff_actor, contract=lapsing, reason="سفر")
    with time_machine.travel(M(1405, 10).starts_at), pytest.raises(DomainError, match="قرارداد تازه ببندید"):
        lapse.extension_request(actor=staff_actor, contract=lapsing, reason="سفر")


def test_another_branch_cannot_prepare_it(lapsing, staff_b):
    with time_machine.travel(AZAR), pytest.raises(DomainError, match=lapse.NOT_YOUR_BRANCH):
        lapse.extension_request(actor=Actor.for_user(staff_b), contract=lapsing, reason="سفر")


NEW_TERMS = services.ContractData(rate_code="03", wage_ratio_hundredths=200, first_month=M(1405, 10), treatment=False)


def test_a_lapsed_person_gets_a_new_contract_keeping_person_login_and_paid_months(lapsing, staff_actor, insured_user):
    lapsing.insured.user = insured_user
    lapsing.insured.save(update_fields=["user"])
    with time_machine.travel(M(1405, 10).starts_at):
        new = lapse.contract_renew(actor=staff_actor, contract=lapsing, data=NEW_TERMS)
    lapsing.refresh_from_db()
    assert lapsing.status == ContractStatus.LAPSED and new.replaces == lapsing
    assert new.insured == lapsing.insured and new.insured.user == insured_user
    assert CoveredMonth.objects.filter(contract=lapsing).count() == 4
    assert ledger.active_contract(lapsing.insured_id) == new
    assert ledger.standing(new, M(1405, 10)).can_issue
    assert AuditEvent.objects.filter(action="contract.lapsed", actor=staff_actor.user).exists()


def test_no_new_contract_while_the_old_one_is_alive(lapsing, staff_actor):
    with time_machine.travel(M(1405, 6).starts_at), pytest.raises(DomainError, match="باطل نشده است"):
        lapse.contract_renew(actor=staff_actor, contract=lapsing, data=NEW_TERMS)


def test_a_new_contracts_first_month_is_not_lapsed_on_its_first_day(lapsing, staff_actor):
    with time_machine.travel(M(1406, 2).starts_at), pytest.raises(DomainError, match="همان روز باطل می‌شود"):
        lapse.contract_renew(actor=staff_actor, contract=lapsing, data=NEW_TERMS)
