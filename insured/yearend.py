"""The year-end run's second phase, and what keeps a closed year's statement whole after it.

Issuing (clause 6, design rule 7) runs after `compute_statements` has written the figures, and touches only
statements still `computed`:
- a balance of zero or in the person's favour is settled at once (a credit stays on the statement as a negative
  balance, recorded for the branch to refund, domain.md §3);
- a debt is issued together with its debt slip, issued by the system on behalf of the person's branch, so the
  person pays it online instead of visiting the branch.
Set-based: per chunk of statements, one locking SELECT, two UPDATEs and one INSERT of debt slips whose numbers
come from one reservation of the sequence. Idempotent and resumable like the compute phase.

A closed year's months can still be paid after its run: Esfand is payable through Khordad (domain.md §3), and a
contract made in Farvardin may begin in Dey. The rule, which keeps every paid month of a closed year on a
statement without making anyone wait for the run or visit the branch:
- a month of a closed year, when it is paid, joins that year's statement in the payment's own transaction: a
  line at the year's final rates, the totals and balance moved by it (`statement_join_late_months`). Priced from
  the same rates as the slip, its difference is zero, and a settled statement stays settled; should HQ have
  changed the year's rates in between, an issued statement's open debt slip is replaced by one for the new
  balance (or the statement settled when nothing is owed), while a settled one stays settled: the person paid
  what the slip asked, and a later correction of rates is collected the way domain.md §3 says, not by closing
  the gate again;
- a contract without a statement of that year yet gets one, computed, for the year-end run to complete and issue;
- a contract made once a year is closed, with its first month in that year, gets that year's statement with it,
  issued and settled with nothing on it (`statement_for_late_start`): the gate finds it, and its months join it
  as they are paid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from insured import ledger, rules
from insured.models import (
    AccountStatement,
    Contract,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    StatementLine,
    StatementStatus,
)
from insured.slip_documents import pay_link
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record
from samt.identifiers import with_check_digit
from samt.jalali import JalaliMonth
from samt.numbering import document_number, reserve_in_sequence
from samt.sms import Text, sms_queue, sms_queue_many

DEBT_SLIP_PREFIX, DEBT_SLIP_SEQUENCE, DEBT_SLIP_WIDTH = "5", "debt_slip", 7  # as services.debt_slip_issue numbers


def _waiting(year: int, branch_id: int | None) -> QuerySet[AccountStatement]:
    waiting = AccountStatement.objects.filter(year=year, status=StatementStatus.COMPUTED)
    return waiting.filter(contract__insured__branch_id=branch_id) if branch_id else waiting


def statements_waiting(*, year: int, branch_id: int | None = None) -> int:
    return _waiting(year, branch_id).count()


def statements_issue_year(
    *,
    year: int,
    branch_id: int | None = None,
    chunk: int = 5000,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Issue, settle or bill every computed statement of `year`. Refused for a year that is not closed."""
    now = now or timezone.now()
    rules.check_year_closed(year, JalaliMonth.current(now))
    counts: Counter[str] = Counter()
    after = 0
    while True:
        with transaction.atomic():
            done, after = _issue_chunk(year, branch_id, after, chunk, now, counts)
        if not done:
            break
        counts["statements"] += done
        if progress:
            progress(counts["statements"])
    with transaction.atomic():
        audit_record(actor=Actor.system("year_end"), action="statements.batch_issued",
                     after={"year": year, "branch_id": branch_id, **counts})
    return counts


def _issue_chunk(year: int, branch_id: int | None, after: int, size: int, now: datetime,
                 counts: Counter[str]) -> tuple[int, int]:
    # Locked so a clerk issuing one of these statements by hand at the same moment waits, then finds it issued.
    found = list(
        _waiting(year, branch_id).filter(pk__gt=after)
        .select_for_update(of=("self",)).order_by("pk")
        .values_list("pk", "balance", "contract__insured__branch_id", "contract__insured__mobile")[:size]
    )
    if not found:
        return 0, after
    rows = [(pk, balance, branch) for pk, balance, branch, _ in found]
    mobiles = {pk: mobile for pk, _, _, mobile in found}
    settled = [pk for pk, balance, _ in rows if balance <= 0]
    debts = [(pk, balance, branch) for pk, balance, branch in rows if balance > 0]
    AccountStatement.objects.filter(pk__in=settled).update(status=StatementStatus.SETTLED, issued_at=now,
                                                           settled_at=now)
    AccountStatement.objects.filter(pk__in=[pk for pk, _, _ in debts]).update(status=StatementStatus.ISSUED,
                                                                             issued_at=now)
    if debts:
        first = reserve_in_sequence(DEBT_SLIP_SEQUENCE, len(debts))
        slips = DebtSlip.objects.bulk_create(
            DebtSlip(number=with_check_digit(f"{DEBT_SLIP_PREFIX}{first + i:0{DEBT_SLIP_WIDTH}d}"), statement_id=pk,
                     amount=balance, issued_at=now, issued_by=None, branch_id=branch)
            for i, (pk, balance, branch) in enumerate(debts)
        )
    else:
        slips = []
    # Each person hears of their statement in the same transaction: settled ones that the gate is open, debtors
    # the amount and their debt slip's pay link (the public code is made in Python, so it is known here).
    sms_queue_many([Text(to=mobiles[pk], event=f"statement.issued:{pk}",
                         text=sms_texts.statement_settled(year=year, balance=balance))
                    for pk, balance, _ in rows if balance <= 0 and mobiles[pk]]
                   + [Text(to=mobiles[slip.statement_id], event=f"debt_slip.issued:{slip.pk}",
                           text=sms_texts.statement_debt(year=year, amount=slip.amount, link=pay_link(slip)))
                      for slip in slips if mobiles[slip.statement_id]], now=now)
    counts["settled"] += len(settled)
    counts["credits"] += sum(1 for _, balance, _ in rows if balance < 0)
    counts["debt_slips"] += len(debts)
    return len(rows), rows[-1][0]


# Months of a closed year paid after its run -------------------------------------------------------------------


def statement_line(statement: AccountStatement, contract: Contract, covered: CoveredMonth) -> StatementLine:
    """One paid month at its year's final rates, as `compute_statements` writes it in SQL (a test holds the two
    equal)."""
    # The persons charged at payment time stay the persons due: dependants added later do not reach back.
    persons = covered.persons if contract.treatment else 0
    line = ledger.lines_for(months=[covered.month], rate_code=contract.rate_code,
                            ratio_hundredths=contract.wage_ratio_hundredths, persons=persons)[0]
    return StatementLine(
        statement=statement, month=covered.month, days=line.days, daily_wage_base=line.daily_wage_base,
        rate_bp=line.rate_bp, premium_due=line.premium, per_capita_due=line.treatment,
        amount_paid=covered.amount_paid, slip_number=covered.slip_number,
        difference=line.amount - covered.amount_paid,
    )


def statement_join_late_months(*, actor: Actor, contract: Contract, covered: list[CoveredMonth],
                               now: datetime) -> None:
    """Put the paid months of closed years among `covered` on their years' statements. Runs in the payment's
    transaction, under its contract lock."""
    current_year = JalaliMonth.current(now).year
    by_year: dict[int, list[CoveredMonth]] = {}
    for month in covered:
        if month.month.year < current_year:
            by_year.setdefault(month.month.year, []).append(month)
    for year, months in sorted(by_year.items()):
        statement = _statement_of(contract, year, now)
        lines = StatementLine.objects.bulk_create([statement_line(statement, contract, month) for month in months])
        due = sum(line.premium_due + line.per_capita_due for line in lines)
        paid = sum(line.amount_paid for line in lines)
        before = {"status": statement.status, "balance": statement.balance}
        statement.due_total += due
        statement.paid_total += paid
        statement.balance += due - paid
        statement.save(update_fields=["due_total", "paid_total", "balance"])
        if statement.status == StatementStatus.ISSUED and due != paid:
            _bill_again(statement, now)
        audit_record(actor=actor, action="statement.late_months_joined", subject=statement, before=before,
                     after={"months": [str(line.month) for line in lines], "due": due, "paid": paid,
                            "status": statement.status, "balance": statement.balance})


def _statement_of(contract: Contract, year: int, now: datetime) -> AccountStatement:
    """The contract's statement of `year`, locked; a computed one for the year-end run when it has none yet."""
    statement = AccountStatement.objects.select_for_update().filter(contract=contract, year=year).first()
    if statement is not None:
        return statement
    try:
        with transaction.atomic():
            return AccountStatement.objects.create(contract=contract, year=year, computed_at=now)
    except IntegrityError:  # the year-end run made it a moment ago: wait for its chunk, then join it
        return AccountStatement.objects.select_for_update().get(contract=contract, year=year)


def _bill_again(statement: AccountStatement, now: datetime) -> None:
    """An issued statement's debt changed: its open debt slip is replaced by one for the new balance (issued, as
    at year end, by the system on behalf of the person's branch), or the statement is settled when nothing is
    owed any more."""
    statement.debt_slips.filter(status=DebtSlipStatus.ISSUED).update(status=DebtSlipStatus.VOIDED)
    if statement.balance <= 0:
        statement.status, statement.settled_at = StatementStatus.SETTLED, now
        statement.save(update_fields=["status", "settled_at"])
        return
    insured = statement.contract.insured
    slip = DebtSlip.objects.create(number=document_number(DEBT_SLIP_PREFIX, DEBT_SLIP_SEQUENCE, DEBT_SLIP_WIDTH),
                                   statement=statement, amount=statement.balance, issued_at=now, issued_by=None,
                                   branch_id=insured.branch_id)
    sms_queue(to=insured.mobile, event=f"debt_slip.issued:{slip.pk}",
              text=sms_texts.statement_debt(year=statement.year, amount=slip.amount, link=pay_link(slip)), now=now)


@transaction.atomic
def statement_for_late_start(*, actor: Actor, contract: Contract, now: datetime | None = None) -> None:
    """A contract made once its first month's year is closed: that year's statement, issued and settled with
    nothing on it, so the gate finds it; the months of that year join it as they are paid."""
    now = now or timezone.now()
    for year in range(contract.first_month.year, JalaliMonth.current(now).year):
        statement = AccountStatement.objects.create(contract=contract, year=year, status=StatementStatus.SETTLED,
                                                    computed_at=now, issued_at=now, settled_at=now)
        audit_record(actor=actor, action="statement.issued", subject=statement,
                     after={"status": statement.status, "balance": 0, "late_start": True})
