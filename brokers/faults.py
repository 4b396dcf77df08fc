"""Fault cases against a broker office (the note under clause 4): HQ records what happened and what it cost,
then decides; a suspension stops the office's operators from acting until HQ lifts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from brokers.models import FaultCase, Sanction
from insured.models import Slip
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.models import BrokerOffice, OfficeStatus, User
from samt.numbering import document_number

ALREADY_DECIDED = "برای این پرونده پیش‌تر تصمیم گرفته شده است و تصمیم دوباره ثبت نمی‌شود."


@dataclass(frozen=True)
class CaseData:
    occurred_on: date
    what_happened: str
    operator: User | None
    slips: list[Slip]
    loss_to_organisation: int
    loss_to_insured: int
    responsible_person: str


@transaction.atomic
def fault_case_record(*, actor: Actor, office: BrokerOffice, data: CaseData) -> FaultCase:
    case = FaultCase.objects.create(
        number=document_number("6", "broker_fault_case", width=6), office=office, operator=data.operator,
        occurred_on=data.occurred_on, what_happened=data.what_happened,
        loss_to_organisation=data.loss_to_organisation, loss_to_insured=data.loss_to_insured,
        responsible_person=data.responsible_person, recorded_by=actor.person,
    )
    case.slips.set(data.slips)
    audit_record(actor=actor, action="broker_fault_case.recorded", subject=case, after={
        "office": office.code, "operator": data.operator.username if data.operator else "",
        "slips": [slip.number for slip in data.slips], "loss_to_organisation": data.loss_to_organisation,
        "loss_to_insured": data.loss_to_insured, "responsible_person": data.responsible_person,
    })
    return case


@transaction.atomic
def fault_case_decide(*, actor: Actor, case: FaultCase, decision: str, sanction: str,
                      now: datetime | None = None) -> FaultCase:
    """Record HQ's decision once. A suspension moves an active office to suspended in the same transaction,
    so no operator of it can issue another slip once the decision is committed."""
    locked = FaultCase.objects.select_for_update().get(pk=case.pk)
    if locked.is_decided:
        raise DomainError(ALREADY_DECIDED)
    locked.decision = decision
    locked.sanction = sanction
    locked.decided_by = actor.user
    locked.decided_at = now or timezone.now()
    locked.save(update_fields=["decision", "sanction", "decided_by", "decided_at"])
    audit_record(actor=actor, action="broker_fault_case.decided", subject=locked,
                 after={"office": locked.office.code, "sanction": sanction, "decision": decision})
    if sanction == Sanction.SUSPENSION:
        _suspend(actor, locked)
    return locked


def _suspend(actor: Actor, case: FaultCase) -> None:
    office = BrokerOffice.objects.select_for_update(no_key=True).get(pk=case.office_id)
    if office.status != OfficeStatus.ACTIVE:
        return  # already suspended, or closed for good: a suspension would not make it stricter
    office.status = OfficeStatus.SUSPENDED
    office.save(update_fields=["status"])
    audit_record(actor=actor, action="broker_office.suspended", subject=office,
                 before={"status": OfficeStatus.ACTIVE}, after={"status": OfficeStatus.SUSPENDED, "case": case.number})
