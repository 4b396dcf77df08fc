"""Lapse and return (domain.md §3): the one-time four-month extension, and a new contract for a lapsed person.

The extension is prepared by the branch's technical staff and approved by the branch head, who must be another
person (as with credentials, clause 3); a contract gets it once. A person whose contract has lapsed gets a new
contract at their branch: the same person row (their login and history), the old contract kept as lapsed with
its paid months, the new one naming the one it replaces.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from insured import ledger, rules, yearend
from insured.models import (
    SCHEME_OF_RATE,
    Contract,
    ContractStatus,
    ExtensionStatus,
    LapseExtension,
)
from insured.services import CONTRACT_FIELDS, ContractData
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record, snapshot
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import Role
from samt.numbering import document_number
from samt.sms import sms_queue

NOT_YOUR_BRANCH = "پرونده این بیمه‌شده در شعبه دیگری است."
ONLY_STAFF_PREPARE = "مهلت چهارماهه را کارشناس امور فنی شعبه تهیه می‌کند."
ONLY_HEAD_DECIDES = "تأیید یا رد مهلت چهارماهه با رئیس شعبه است."
PREPARER_CANNOT_DECIDE = ("شما این مهلت را تهیه کرده‌اید و نمی‌توانید آن را تأیید یا رد کنید؛ تصمیم با رئیس "
                          "شعبه‌ای است که در تهیه آن نقشی نداشته است.")
REASON_REQUIRED = "دلیل را بنویسید؛ در پرونده می‌ماند."
EXTENSION_USED = ("مهلت چهارماهه یک بار برای هر قرارداد داده می‌شود و این قرارداد پیش‌تر آن را گرفته است؛ "
                  "راه بازگشت، قرارداد تازه است.")
EXTENSION_PENDING = "برای این قرارداد مهلت چهارماهه‌ای در انتظار تأیید رئیس شعبه هست."
EXTENSION_TOO_LATE = ("حق بیمه از {first} پرداخت نشده و بیش از ۴ ماه گذشته است؛ مهلت چهارماهه دیگر قرارداد را "
                      "نگه نمی‌دارد. برای بیمه‌شده قرارداد تازه ببندید.")
EXTENSION_NOT_NEEDED = ("قرارداد هنوز در مهلت سه‌ماهه است (نخستین ماه پرداخت‌نشده: {first})؛ مهلت چهارماهه "
                        "وقتی داده می‌شود که سه ماه گذشته باشد.")
EXTENSION_NOT_OPEN = "این درخواست مهلت دیگر در انتظار تصمیم نیست."
CONTRACT_NOT_ACTIVE = "این قرارداد فعال نیست."
NOT_LAPSED = ("قرارداد فعلی باطل نشده است (نخستین ماه پرداخت‌نشده: {first})؛ قرارداد تازه فقط برای کسی بسته "
              "می‌شود که قراردادش باطل شده است.")
NEW_FIRST_MONTH_COVERED = "نخستین ماه قرارداد تازه باید پس از آخرین ماه پرداخت‌شده ({last}) باشد."


def _check_branch(actor: Actor, contract: Contract) -> None:
    if actor.branch_id != contract.insured.branch_id:
        raise DomainError(NOT_YOUR_BRANCH)


def _locked_by_staff(actor: Actor, contract: Contract) -> Contract:
    """The contract, locked, for the technical staff or the head of its own branch, who prepare lapse and return."""
    if actor.role not in (Role.TECHNICAL_STAFF, Role.BRANCH_HEAD):
        raise DomainError(ONLY_STAFF_PREPARE)
    locked = Contract.objects.select_for_update().select_related("insured").get(pk=contract.pk)
    _check_branch(actor, locked)
    return locked


@transaction.atomic
def extension_request(*, actor: Actor, contract: Contract, reason: str, now: datetime | None = None) -> LapseExtension:
    """Staff prepare the one-time extension for a contract lapsed under three months and not under four."""
    locked = _locked_by_staff(actor, contract)
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    if locked.status != ContractStatus.ACTIVE:
        raise DomainError(CONTRACT_NOT_ACTIVE)
    if locked.lapse_extension_used:
        raise DomainError(EXTENSION_USED)
    if locked.extensions.filter(status=ExtensionStatus.REQUESTED).exists():
        raise DomainError(EXTENSION_PENDING)
    current = JalaliMonth.current(now)
    first = rules.first_unpaid_month(locked.first_month, ledger.last_paid_month(locked))
    if rules.is_lapsed(first, current, extended=True):
        raise DomainError(EXTENSION_TOO_LATE.format(first=first.label))
    if not rules.is_lapsed(first, current, extended=False):
        raise DomainError(EXTENSION_NOT_NEEDED.format(first=first.label))
    extension = LapseExtension.objects.create(contract=locked, reason=reason.strip(), requested_by=actor.person,
                                              requested_at=now or timezone.now())
    audit_record(actor=actor, action="contract.extension_requested", subject=locked,
                 after={"reason": extension.reason, "first_unpaid": str(first)})
    return extension


def _decide(actor: Actor, extension: LapseExtension) -> tuple[LapseExtension, Contract]:
    if actor.role != Role.BRANCH_HEAD:
        raise DomainError(ONLY_HEAD_DECIDES)
    # Contract first, as every path touching one person's ledger locks it (design rule 9).
    contract = Contract.objects.select_for_update().select_related("insured").get(pk=extension.contract_id)
    locked = LapseExtension.objects.select_for_update().get(pk=extension.pk)
    _check_branch(actor, contract)
    if locked.status != ExtensionStatus.REQUESTED:
        raise DomainError(EXTENSION_NOT_OPEN)
    if actor.user is not None and actor.user.pk == locked.requested_by_id:
        raise DomainError(PREPARER_CANNOT_DECIDE)
    return locked, contract


def _record_decision(actor: Actor, locked: LapseExtension, status: ExtensionStatus, note: str,
                     now: datetime | None) -> None:
    locked.status, locked.decided_by, locked.decided_at = status, actor.user, now or timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def extension_approve(*, actor: Actor, extension: LapseExtension, note: str = "",
                      now: datetime | None = None) -> LapseExtension:
    """The head's approval: the contract's window is four months from now on, once for its life."""
    locked, contract = _decide(actor, extension)
    if contract.lapse_extension_used:
        raise DomainError(EXTENSION_USED)
    _record_decision(actor, locked, ExtensionStatus.APPROVED, note, now)
    contract.lapse_extension_used = True
    contract.save(update_fields=["lapse_extension_used"])
    audit_record(actor=actor, action="contract.extension_approved", subject=contract,
                 before={"lapse_extension_used": False},
                 after={"lapse_extension_used": True, "reason": locked.reason, "requested_by": locked.requested_by_id,
                        "note": locked.decision_note})
    # The person learns how long the extension holds: the last month in which paying still saves the contract.
    first = rules.first_unpaid_month(contract.first_month, ledger.last_paid_month(contract))
    sms_queue(to=contract.insured.mobile, event=f"extension.granted:{locked.pk}",
              text=sms_texts.extension_granted(until=first + rules.LAPSE_MONTHS_EXTENDED))
    return locked


@transaction.atomic
def extension_reject(*, actor: Actor, extension: LapseExtension, reason: str,
                     now: datetime | None = None) -> LapseExtension:
    locked, contract = _decide(actor, extension)
    if not reason.strip():
        raise DomainError(REASON_REQUIRED)
    _record_decision(actor, locked, ExtensionStatus.REJECTED, reason, now)
    audit_record(actor=actor, action="contract.extension_rejected", subject=contract,
                 after={"reason": locked.decision_note})
    return locked


@transaction.atomic
def contract_renew(*, actor: Actor, contract: Contract, data: ContractData, now: datetime | None = None) -> Contract:
    """A new contract for a person whose contract has lapsed, at their branch; the old one is kept as lapsed."""
    old = _locked_by_staff(actor, contract)
    current = JalaliMonth.current(now)
    last = ledger.last_paid_month(old)
    if old.status == ContractStatus.ACTIVE:
        first = rules.first_unpaid_month(old.first_month, last)
        if not rules.is_lapsed(first, current, extended=old.lapse_extension_used):
            raise DomainError(NOT_LAPSED.format(first=first.label))
    elif old.status != ContractStatus.LAPSED or hasattr(old, "replaced_by"):
        raise DomainError(CONTRACT_NOT_ACTIVE)
    rules.check_first_month_not_lapsed(data.first_month, current)
    if last is not None and data.first_month <= last:
        raise DomainError(NEW_FIRST_MONTH_COVERED.format(last=last.label))
    before = old.status
    old.status = ContractStatus.LAPSED
    old.save(update_fields=["status"])
    try:
        with transaction.atomic():
            new = Contract.objects.create(
                number=document_number("3", "contract"), insured=old.insured, scheme=SCHEME_OF_RATE[data.rate_code],
                rate_code=data.rate_code, wage_ratio_hundredths=data.wage_ratio_hundredths,
                first_month=data.first_month, treatment=data.treatment, replaces=old,
            )
    except IntegrityError:
        # Two counters renewing at once: the contract lock makes the second wait and then find it replaced.
        raise DomainError(CONTRACT_NOT_ACTIVE) from None
    audit_record(actor=actor, action="contract.lapsed", subject=old, before={"status": before},
                 after={"status": ContractStatus.LAPSED, "last_paid": str(last) if last else None})
    audit_record(actor=actor, action="contract.created", subject=new,
                 after={**snapshot(new, CONTRACT_FIELDS), "replaces": old.number})
    yearend.statement_for_late_start(actor=actor, contract=new, now=now)
    return new

