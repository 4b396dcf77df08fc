"""Use cases that change the ledger. Each runs in one transaction, locks what it must and writes its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from insured import rules, yearend
from insured.models import (
    SCHEME_OF_RATE,
    AccountStatement,
    Contract,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    Dependant,
    InsuredPerson,
    ObjectionStatus,
    StatementLine,
    StatementObjection,
    StatementStatus,
)
from insured.slip_documents import pay_link
from insured.slips import PAYMENT_UNSETTLED, contract_lock, payment_unsettled
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record, snapshot
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.numbering import document_number
from samt.persian import search_key
from samt.sms import sms_queue

PERSON_FIELDS = ["national_code", "insurance_number", "first_name", "last_name", "father_name", "birth_date",
                 "gender", "mobile", "address", "branch_id"]
CONTRACT_FIELDS = ["number", "scheme", "rate_code", "wage_ratio_hundredths", "first_month", "treatment", "status",
                   "lapse_extension_used"]

DUPLICATE_NATIONAL_CODE = "بیمه‌شده‌ای با این کد ملی پیش‌تر ثبت شده است؛ او را جست‌وجو کنید."
DUPLICATE_INSURANCE_NUMBER = "این شماره بیمه به نام شخص دیگری ثبت شده است."
STATEMENT_ALREADY_ISSUED = "گردش حساب این سال پیش‌تر صادر شده و دیگر دوباره محاسبه نمی‌شود."
STATEMENT_NOT_ISSUED = "گردش حساب هنوز صادر نشده است؛ نخست آن را صادر کنید."
NO_DEBT = "این گردش حساب بدهی ندارد و برگ بدهی لازم نیست."
DEBT_SLIP_NOT_OPEN = "این برگ بدهی باز نیست و پرداخت آن ثبت نمی‌شود."
RECEIPT_USED = "این شماره رسید پیش‌تر برای پرداخت دیگری ثبت شده است."
OBJECTION_NOT_YOURS = "این گردش حساب از آنِ شما نیست."
OBJECTION_NOT_ISSUED = "گردش حساب هنوز صادر نشده است؛ پس از صدور می‌توانید به آن اعتراض کنید."
OBJECTION_EMPTY = "بنویسید کدام ردیف یا مبلغ درست نیست تا شعبه بتواند بررسی کند."
OBJECTION_OPEN = "اعتراض پیشین شما به این گردش حساب هنوز در دست بررسی شعبه است."
OBJECTION_ANSWERED = "به این اعتراض پیش‌تر پاسخ داده شده است."
OBJECTION_OTHER_BRANCH = "این اعتراض از شعبه دیگری است."


@dataclass(frozen=True)
class PersonData:
    national_code: str
    insurance_number: str
    first_name: str
    last_name: str
    father_name: str
    birth_date: date
    gender: str
    mobile: str
    address: str


@dataclass(frozen=True)
class ContractData:
    rate_code: str
    wage_ratio_hundredths: int
    first_month: JalaliMonth
    treatment: bool


def _person_key(first_name: str, last_name: str) -> str:
    return search_key(f"{first_name} {last_name}")


@transaction.atomic
def insured_register(*, actor: Actor, person: PersonData, contract: ContractData, branch_id: int,
                     now: datetime | None = None) -> Contract:
    """A new insured person and their first contract, registered at `branch_id`."""
    rules.check_first_month_not_lapsed(contract.first_month, JalaliMonth.current(now))
    if InsuredPerson.objects.filter(national_code=person.national_code).exists():
        raise DomainError(DUPLICATE_NATIONAL_CODE)
    if InsuredPerson.objects.filter(insurance_number=person.insurance_number).exists():
        raise DomainError(DUPLICATE_INSURANCE_NUMBER)
    try:
        # The checks above give the usual message; two clerks saving the same person at the same instant
        # pass them both, and the unique constraints decide.
        with transaction.atomic():
            insured = InsuredPerson.objects.create(
                **person.__dict__, branch_id=branch_id, search_key=_person_key(person.first_name, person.last_name)
            )
    except IntegrityError:
        raise DomainError(DUPLICATE_NATIONAL_CODE) from None
    audit_record(actor=actor, action="insured.registered", subject=insured, after=snapshot(insured, PERSON_FIELDS))
    return contract_create(actor=actor, insured=insured, data=contract, now=now)


@transaction.atomic
def contract_create(*, actor: Actor, insured: InsuredPerson, data: ContractData,
                    now: datetime | None = None) -> Contract:
    """A contract whose first month is not already lapsed on the day it is made (`now`, Tehran)."""
    rules.check_first_month_not_lapsed(data.first_month, JalaliMonth.current(now))
    contract = Contract.objects.create(
        number=document_number("3", "contract"),
        insured=insured,
        scheme=SCHEME_OF_RATE[data.rate_code],
        rate_code=data.rate_code,
        wage_ratio_hundredths=data.wage_ratio_hundredths,
        first_month=data.first_month,
        treatment=data.treatment,
    )
    audit_record(actor=actor, action="contract.created", subject=contract, after=snapshot(contract, CONTRACT_FIELDS))
    yearend.statement_for_late_start(actor=actor, contract=contract, now=now)
    return contract


@transaction.atomic
def insured_update(*, actor: Actor, insured: InsuredPerson, changes: dict[str, object]) -> InsuredPerson:
    locked = InsuredPerson.objects.select_for_update().get(pk=insured.pk)
    before = snapshot(locked, PERSON_FIELDS)
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.search_key = _person_key(locked.first_name, locked.last_name)
    locked.save()
    audit_record(actor=actor, action="insured.updated", subject=locked, before=before,
                 after=snapshot(locked, PERSON_FIELDS))
    return locked


@transaction.atomic
def dependant_add(*, actor: Actor, insured: InsuredPerson, first_name: str, last_name: str, national_code: str,
                  relation: str) -> Dependant:
    if insured.dependants.filter(national_code=national_code).exists():
        raise DomainError("این فرد پیش‌تر به‌عنوان فرد تحت تکفل ثبت شده است.")
    dependant = Dependant.objects.create(insured=insured, first_name=first_name, last_name=last_name,
                                         national_code=national_code, relation=relation)
    audit_record(actor=actor, action="insured.dependant_added", subject=insured,
                 after={"national_code": national_code, "relation": relation})
    return dependant


# The yearly account statement ----------------------------------------------------------------------------


@transaction.atomic
def statement_compute(*, actor: Actor, contract: Contract, year: int) -> AccountStatement:
    """Compute (or recompute, while not yet issued) one contract's statement of `year` at that year's final rates.
    Only a closed year: a statement of the current one would miss the months still to be paid."""
    rules.check_year_closed(year, JalaliMonth.current())
    statement, _ = AccountStatement.objects.select_for_update().get_or_create(contract=contract, year=year)
    if statement.status != StatementStatus.COMPUTED:
        raise DomainError(STATEMENT_ALREADY_ISSUED)
    paid = list(CoveredMonth.objects.filter(contract=contract, month__gte=JalaliMonth(year, 1),
                                            month__lte=JalaliMonth.esfand(year)).order_by("month"))
    statement.lines.all().delete()
    lines = [yearend.statement_line(statement, contract, covered) for covered in paid]
    StatementLine.objects.bulk_create(lines)
    statement.due_total = sum(line.premium_due + line.per_capita_due for line in lines)
    statement.paid_total = sum(line.amount_paid for line in lines)
    statement.balance = statement.due_total - statement.paid_total
    statement.computed_at = timezone.now()
    statement.save()
    audit_record(actor=actor, action="statement.computed", subject=statement,
                 after={"year": year, "due": statement.due_total, "paid": statement.paid_total,
                        "balance": statement.balance})
    return statement


@transaction.atomic
def insured_set_reminders(*, actor: Actor, insured: InsuredPerson, on: bool) -> InsuredPerson:
    """The person's own choice about reminder texts (transactional texts are not theirs to turn off)."""
    locked = InsuredPerson.objects.select_for_update().get(pk=insured.pk)
    if locked.sms_reminders != on:
        locked.sms_reminders = on
        locked.save(update_fields=["sms_reminders"])
        audit_record(actor=actor, action="insured.sms_reminders", subject=locked, after={"on": on})
    return locked


@transaction.atomic
def statement_issue(*, actor: Actor, statement: AccountStatement) -> AccountStatement:
    """Issue the statement to the insured. With nothing owed it is settled at once (a credit is left for the
    branch to refund); with a debt it waits for the debt slip to be paid."""
    locked = AccountStatement.objects.select_for_update().get(pk=statement.pk)
    rules.check_year_closed(locked.year, JalaliMonth.current())
    if locked.status != StatementStatus.COMPUTED:
        raise DomainError(STATEMENT_ALREADY_ISSUED)
    now = timezone.now()
    locked.issued_at = now
    locked.status = StatementStatus.ISSUED if locked.balance > 0 else StatementStatus.SETTLED
    locked.settled_at = None if locked.balance > 0 else now
    locked.save(update_fields=["status", "issued_at", "settled_at"])
    audit_record(actor=actor, action="statement.issued", subject=locked,
                 after={"status": locked.status, "balance": locked.balance})
    if locked.status == StatementStatus.SETTLED:
        # A debt is announced with its debt slip's pay link, when the debt slip is issued.
        sms_queue(to=locked.contract.insured.mobile, event=f"statement.issued:{locked.pk}",
                  text=sms_texts.statement_settled(year=locked.year, balance=locked.balance))
    return locked


@transaction.atomic
def debt_slip_issue(*, actor: Actor, statement: AccountStatement) -> DebtSlip:
    """The debt slip for past periods (clause 6). Issuing again voids the open one, so one number is live."""
    contract_lock(statement.contract_id)
    locked = AccountStatement.objects.select_for_update().get(pk=statement.pk)
    if locked.status != StatementStatus.ISSUED:
        raise DomainError(STATEMENT_NOT_ISSUED if locked.status == StatementStatus.COMPUTED else NO_DEBT)
    if locked.balance <= 0:
        raise DomainError(NO_DEBT)
    open_ids = list(locked.debt_slips.filter(status=DebtSlipStatus.ISSUED).values_list("pk", flat=True))
    if open_ids and payment_unsettled(debt_slips=open_ids):
        raise DomainError(PAYMENT_UNSETTLED)
    DebtSlip.objects.filter(pk__in=open_ids).update(status=DebtSlipStatus.VOIDED)
    slip = DebtSlip.objects.create(number=document_number("5", "debt_slip"), statement=locked,
                                   amount=locked.balance, issued_by=actor.user, branch_id=actor.branch_id)
    audit_record(actor=actor, action="debt_slip.issued", subject=slip,
                 after={"number": slip.number, "amount": slip.amount, "year": locked.year})
    sms_queue(to=locked.contract.insured.mobile, event=f"debt_slip.issued:{slip.pk}",
              text=sms_texts.statement_debt(year=locked.year, amount=slip.amount, link=pay_link(slip)))
    return slip


@transaction.atomic
def debt_slip_mark_paid(*, actor: Actor, debt_slip: DebtSlip, reference: str, paid_at: datetime) -> DebtSlip:
    """Record a debt slip paid (at the counter with a receipt number, or by card) and settle its statement.

    Idempotent for a repeat of the same reference; a reference already used elsewhere is refused.
    """
    contract_lock(DebtSlip.objects.values_list("statement__contract_id", flat=True).get(pk=debt_slip.pk))
    locked = DebtSlip.objects.select_for_update().select_related("statement").get(pk=debt_slip.pk)
    if locked.status == DebtSlipStatus.PAID and locked.payment_reference == reference:
        return locked
    if locked.status != DebtSlipStatus.ISSUED:
        raise DomainError(DEBT_SLIP_NOT_OPEN)
    if DebtSlip.objects.filter(payment_reference=reference).exclude(pk=locked.pk).exists():
        raise DomainError(RECEIPT_USED)
    locked.status = DebtSlipStatus.PAID
    locked.payment_reference = reference
    locked.paid_at = paid_at
    locked.save(update_fields=["status", "payment_reference", "paid_at"])
    statement = AccountStatement.objects.select_for_update().get(pk=locked.statement_id)
    statement.status = StatementStatus.SETTLED
    statement.settled_at = paid_at
    statement.save(update_fields=["status", "settled_at"])
    audit_record(actor=actor, action="debt_slip.paid", subject=locked,
                 after={"reference": reference, "amount": locked.amount, "statement_year": statement.year,
                        "statement_status": statement.status})
    # Paid online or recorded at the counter, the person hears once that the gate is open again (clause 6).
    sms_queue(to=statement.contract.insured.mobile, event=f"gate.open:{statement.pk}",
              text=sms_texts.gate_open(year=statement.year))
    return locked


# Objections: «این درست نیست» ---------------------------------------------------------------------------------


@transaction.atomic
def objection_record(*, actor: Actor, statement: AccountStatement, text: str) -> StatementObjection:
    """The insured disputes an issued statement; it lands on their branch's work list."""
    locked = AccountStatement.objects.select_for_update().select_related("contract__insured").get(pk=statement.pk)
    insured = locked.contract.insured
    if actor.user is None or insured.user_id != actor.user.pk:
        raise DomainError(OBJECTION_NOT_YOURS)
    if locked.status == StatementStatus.COMPUTED:
        raise DomainError(OBJECTION_NOT_ISSUED)
    if not text.strip():
        raise DomainError(OBJECTION_EMPTY)
    if locked.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise DomainError(OBJECTION_OPEN)
    objection = StatementObjection.objects.create(statement=locked, branch_id=insured.branch_id, text=text.strip(),
                                                  created_by=actor.user)
    audit_record(actor=actor, action="statement.objected", subject=locked,
                 after={"year": locked.year, "text": objection.text, "branch_id": insured.branch_id})
    return objection


@transaction.atomic
def objection_answer(*, actor: Actor, objection: StatementObjection, answer: str) -> StatementObjection:
    """The branch's answer, which the insured reads beside their statement."""
    locked = StatementObjection.objects.select_for_update().get(pk=objection.pk)
    if actor.branch_id != locked.branch_id:
        raise DomainError(OBJECTION_OTHER_BRANCH)
    if locked.status != ObjectionStatus.OPEN:
        raise DomainError(OBJECTION_ANSWERED)
    if not answer.strip():
        raise DomainError(OBJECTION_EMPTY)
    locked.status, locked.answer = ObjectionStatus.ANSWERED, answer.strip()
    locked.answered_by, locked.answered_at = actor.user, timezone.now()
    locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    audit_record(actor=actor, action="statement.objection_answered", subject=locked.statement,
                 after={"answer": locked.answer})
    return locked
