"""The demand signal: every online or broker refusal by a gate is recorded (person, gate, channel, when), so a
branch sees who will come to its counter and why, and HQ which branches will be busy."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from insured import ledger, rules
from insured.models import Channel, Contract, ContractStatus, Gate, GateRefusal
from samt.errors import DomainError
from samt.jalali import TEHRAN, JalaliMonth
from samt.models import BrokerOffice


def gate_of(contract: Contract, current: JalaliMonth) -> str:
    """Which gate refuses the contract now: the same checks issuance makes, in the same order."""
    first_unpaid = rules.first_unpaid_month(contract.first_month, ledger.last_paid_month(contract))
    if contract.status != ContractStatus.ACTIVE:
        return Gate.INACTIVE
    try:
        ledger.check_active_and_not_lapsed(contract, first_unpaid, current)
    except DomainError:
        return Gate.LAPSED
    try:
        ledger.check_can_issue(contract, first_unpaid, current)
    except DomainError:
        return Gate.STATEMENT
    return Gate.RATES


def gate_refusal_record(*, contract: Contract, channel: str, office: BrokerOffice | None = None,
                        now: datetime | None = None) -> None:
    """Written when a quote page turns someone away. A page view writes here, deliberately: the row is a log
    of what a person was told, not a change to anything they own, and it is idempotent per person, gate,
    channel and day (a reload or a second look adds nothing)."""
    if channel not in (Channel.ONLINE, Channel.BROKER):
        return
    now = now or timezone.now()
    gate = gate_of(contract, JalaliMonth.current(now))
    with transaction.atomic():
        GateRefusal.objects.bulk_create([GateRefusal(
            contract=contract, branch_id=contract.insured.branch_id, gate=gate, channel=channel, office=office,
            day=timezone.localtime(now, TEHRAN).date(), at=now,
        )], ignore_conflicts=True)
