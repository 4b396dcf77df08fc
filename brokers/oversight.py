"""HQ's writes about broker offices once a change is approved: fee tariffs, and imposing or lifting a suspension.

The only writers of FeeTariff and of an office's status outside a fault case's decision, so the rules (no
overlap, nothing a receipt showed is changed) and the audit event live in one place.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from brokers.models import FeeService, FeeTariff
from samt.actors import Actor
from samt.audit import audit_record, snapshot
from samt.errors import DomainError
from samt.models import BrokerOffice, OfficeStatus

OFFICE_CLOSED = "مجوز این کارگزاری لغو شده است و تعلیق یا رفع تعلیق آن معنا ندارد."
OFFICE_ALREADY = "وضعیت این کارگزاری همین حالا «{status}» است."
STATUS_NOT_ALLOWED = "از این صفحه تنها تعلیق یا رفع تعلیق ممکن است."


@transaction.atomic
def tariff_record(*, actor: Actor, year: int, amount: int, approval_reference: str, effective_from: date,
                  effective_to: date, reason: str, service: str = FeeService.SLIP_ISSUE) -> FeeTariff:
    """A new approved tariff. Tariffs are never edited here: a receipt may already show one."""
    # Serialises tariff writers so the overlap check below cannot pass twice for overlapping spans.
    list(FeeTariff.objects.select_for_update().filter(service=service))
    tariff = FeeTariff(year=year, service=service, amount=amount, approval_reference=approval_reference,
                       effective_from=effective_from, effective_to=effective_to)
    try:
        tariff.full_clean()
    except ValidationError as invalid:
        raise DomainError(" ".join(invalid.messages)) from None
    tariff.save()
    audit_record(actor=actor, action="broker_tariff.recorded", subject=tariff,
                 after={**snapshot(tariff), "reason": reason})
    return tariff


@transaction.atomic
def office_status_set(*, actor: Actor, office: BrokerOffice, status: str, reason: str) -> BrokerOffice:
    """Impose or lift a suspension (clause 4's note): the office's operators are turned away while it holds."""
    if status not in (OfficeStatus.ACTIVE, OfficeStatus.SUSPENDED):
        raise DomainError(STATUS_NOT_ALLOWED)
    locked = BrokerOffice.objects.select_for_update(no_key=True).get(pk=office.pk)
    if locked.status == OfficeStatus.CLOSED:
        raise DomainError(OFFICE_CLOSED)
    if locked.status == status:
        raise DomainError(OFFICE_ALREADY.format(status=OfficeStatus(status).label))
    before = {"status": locked.status}
    locked.status = status
    locked.save(update_fields=["status"])
    action = "broker_office.suspended" if status == OfficeStatus.SUSPENDED else "broker_office.reinstated"
    audit_record(actor=actor, action=action, subject=locked, before=before, after={"status": status, "reason": reason})
    return locked
