"""The audit trail: one event per state change, written in the same transaction as the change (the worker links
it into the hash chain afterwards: samt.audit_chain)."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from django.db import models, transaction

from samt.actors import Actor
from samt.models import AuditEvent


class AuditOutsideTransaction(RuntimeError):
    pass


@runtime_checkable
class PersonsRecord(Protocol):
    """A row that belongs to one insured person (their slip, debt slip, payment, statement …)."""

    def audit_place(self) -> tuple[int, int]:
        """The ids of the person's branch and of its province."""
        ...


def audit_record(
    *,
    actor: Actor,
    action: str,
    subject: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    # An event written outside the change's transaction could survive a rolled-back change (or be lost
    # while the change survives); refusing here keeps the trail and the data in step.
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction("audit_record must run inside the transaction of the change it records")
    branch_id, province_id = actor.branch_id, actor.province_id
    if isinstance(subject, PersonsRecord):
        # An event about a person's record is filed under the person's branch and province whoever acts: the
        # payment driver and the reconciler (the system), a payer without a login, the insured themselves and a
        # broker have no branch of their own, and the province's HQ must still see what happened to its people.
        branch_id, province_id = subject.audit_place()
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        role=actor.role,
        branch_id=branch_id,
        office_id=actor.office_id,
        province_id=province_id,
        client_ip=actor.client_ip,
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=str(subject)[:255] if subject is not None else "",
        before=before,
        after=after,
    )


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe picture of a row's concrete fields, for the before/after of an event."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _json_safe(getattr(instance, name)) for name in names}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
