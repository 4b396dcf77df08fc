"""Reads that need authorisation: every object a broker page names by URL is found through samt.access, so
another office's slip, fee, walk-in or case is a 404 that says nothing about whether it exists."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from brokers.models import FaultCase, FeeRecord, WalkInSession
from insured.models import Channel, Slip
from samt.access import get_scoped_or_404, scoped
from samt.models import User


def broker_slips(user: User) -> QuerySet[Slip]:
    """Slips issued at an office the user may see: an operator's own office, HQ's province."""
    slips = Slip.objects.filter(channel=Channel.BROKER).select_related("contract__insured", "office", "broker_fee")
    return scoped(slips, user, office_path="office")


def slip_for_user_or_404(user: User, number: str) -> Slip:
    slips = Slip.objects.filter(channel=Channel.BROKER).select_related("contract__insured__branch", "office",
                                                                       "issued_by")
    return get_scoped_or_404(slips, user, office_path="office", number=number)


def fee_for_user_or_404(user: User, receipt_number: str) -> FeeRecord:
    fees = FeeRecord.objects.select_related("office", "operator", "tariff", "slip__contract__insured")
    return get_scoped_or_404(fees, user, office_path="office", receipt_number=receipt_number)


def walk_in_for_operator_or_404(user: User, key: UUID) -> WalkInSession:
    """Only the operator who found the person may carry the walk-in on: the proof was made at their counter."""
    walk_ins = WalkInSession.objects.select_related("office", "person")
    return get_scoped_or_404(walk_ins, user, office_path="office", key=key, operator=user)


def cases_for(user: User) -> QuerySet[FaultCase]:
    return scoped(FaultCase.objects.select_related("office", "operator"), user, office_path="office")


def case_for_user_or_404(user: User, number: str) -> FaultCase:
    return get_scoped_or_404(FaultCase.objects.select_related("office", "operator", "recorded_by", "decided_by"),
                             user, office_path="office", number=number)
