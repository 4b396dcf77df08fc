"""Maker/checker for reference data: an expert prepares, the HQ manager (another person) approves or rejects.

Approval hands the values to the owning app's writer (insured.rates, brokers.oversight), which holds the table's
rules; a refusal there leaves the change waiting, with the reason shown to the manager.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from brokers import oversight
from hq.models import ChangeKind, ChangeStatus, ReferenceChange
from insured import rates
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import BrokerOffice, Role

# Who prepares which table: the technical expert the premium figures, broker affairs the offices' matters.
PREPARERS: dict[str, frozenset[str]] = {
    ChangeKind.WAGE: frozenset({Role.HQ_TECHNICAL}),
    ChangeKind.PER_CAPITA: frozenset({Role.HQ_TECHNICAL}),
    ChangeKind.SCHEME_RATE: frozenset({Role.HQ_TECHNICAL}),
    ChangeKind.FEE_TARIFF: frozenset({Role.BROKER_AFFAIRS}),
    ChangeKind.OFFICE_STATUS: frozenset({Role.BROKER_AFFAIRS}),
}

NOT_A_PREPARER = "تهیه این نوع داده پایه با نقش شما نیست."
ONLY_THE_MANAGER = "تأیید یا رد داده پایه تنها با مدیر کل است."
SAME_PERSON = "تهیه‌کننده یک رقم نمی‌تواند خودش آن را تأیید کند؛ تأیید با مدیر کل دیگری است."
ALREADY_DECIDED = "درباره این پیشنهاد پیش‌تر تصمیم گرفته شده است."
NOTE_REQUIRED = "علت رد را بنویسید تا تهیه‌کننده بداند چه را اصلاح کند."
OTHER_PROVINCE = "این پیشنهاد از استان دیگری است."


def _check_scope(actor: Actor, change: ReferenceChange) -> None:
    if actor.province_id is not None and change.province_id != actor.province_id:
        raise DomainError(OTHER_PROVINCE)


@transaction.atomic
def reference_change_propose(*, actor: Actor, kind: str, values: dict[str, Any], reason: str,
                             office: BrokerOffice | None = None) -> ReferenceChange:
    if actor.role not in PREPARERS.get(kind, frozenset()):
        raise DomainError(NOT_A_PREPARER)
    if not reason.strip():
        raise DomainError(rates.REASON_REQUIRED)
    change = ReferenceChange.objects.create(kind=kind, values=values, reason=reason.strip(), office=office,
                                            province_id=actor.province_id, prepared_by=actor.person)
    audit_record(actor=actor, action="reference.proposed", subject=change,
                 after={"kind": kind, **values, "reason": change.reason})
    return change


def _locked_proposal(actor: Actor, change: ReferenceChange) -> ReferenceChange:
    if actor.role != Role.HQ:
        raise DomainError(ONLY_THE_MANAGER)
    locked = ReferenceChange.objects.select_for_update(of=("self",)).select_related("office").get(pk=change.pk)
    _check_scope(actor, locked)
    if locked.status != ChangeStatus.PROPOSED:
        raise DomainError(ALREADY_DECIDED)
    if actor.user is not None and locked.prepared_by_id == actor.user.pk:
        raise DomainError(SAME_PERSON)
    return locked


@transaction.atomic
def reference_change_approve(*, actor: Actor, change: ReferenceChange) -> ReferenceChange:
    locked = _locked_proposal(actor, change)
    _apply(actor, locked)
    locked.status, locked.decided_by, locked.decided_at = ChangeStatus.APPROVED, actor.user, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, action="reference.approved", subject=locked,
                 before={"status": ChangeStatus.PROPOSED}, after={"status": ChangeStatus.APPROVED})
    return locked


@transaction.atomic
def reference_change_reject(*, actor: Actor, change: ReferenceChange, note: str) -> ReferenceChange:
    if not note.strip():
        raise DomainError(NOTE_REQUIRED)
    locked = _locked_proposal(actor, change)
    locked.status, locked.decided_by, locked.decided_at = ChangeStatus.REJECTED, actor.user, timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, action="reference.rejected", subject=locked,
                 before={"status": ChangeStatus.PROPOSED}, after={"status": ChangeStatus.REJECTED, "note": note})
    return locked


def _apply(actor: Actor, change: ReferenceChange) -> None:
    """The approved values reach their table through the table's own writer, with the preparer's reason."""
    v, reason = change.values, change.reason
    if change.kind == ChangeKind.WAGE:
        rates.wage_row_record(actor=actor, effective_from=JalaliMonth.from_int(v["effective_from"]),
                              min_daily=v["min_daily"], ceiling_daily=v["ceiling_daily"], source=v["source"],
                              reason=reason)
    elif change.kind == ChangeKind.PER_CAPITA:
        rates.per_capita_record(actor=actor, year=v["year"], effective_from=date.fromisoformat(v["effective_from"]),
                                per_capita_monthly=v["per_capita_monthly"], source=v["source"], reason=reason)
    elif change.kind == ChangeKind.SCHEME_RATE:
        rates.scheme_rate_record(actor=actor, rate_code=v["rate_code"],
                                 effective_from=JalaliMonth.from_int(v["effective_from"]), rate_bp=v["rate_bp"],
                                 reason=reason)
    elif change.kind == ChangeKind.FEE_TARIFF:
        oversight.tariff_record(actor=actor, year=v["year"], amount=v["amount"],
                                approval_reference=v["approval_reference"],
                                effective_from=date.fromisoformat(v["effective_from"]),
                                effective_to=date.fromisoformat(v["effective_to"]), reason=reason)
    elif change.kind == ChangeKind.OFFICE_STATUS and change.office is not None:
        oversight.office_status_set(actor=actor, office=change.office, status=v["status"], reason=reason)
