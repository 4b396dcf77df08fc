"""The year-end run's second phase: issue every computed statement of a closed year (clause 6, design rule 7).

It runs after `compute_statements` has written the figures, and touches only statements still `computed`:
- a balance of zero or in the person's favour is settled at once (a credit stays on the statement as a negative
  balance, recorded for the branch to refund, domain.md §3);
- a debt is issued together with its debt slip, issued by the system on behalf of the person's branch, so the
  person pays it online instead of visiting the branch.

Set-based: per chunk of statements, one locking SELECT, two UPDATEs and one INSERT of debt slips whose numbers
come from one reservation of the sequence. Idempotent and resumable like the compute phase.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from insured import rules
from insured.models import AccountStatement, DebtSlip, StatementStatus
from insured.slip_documents import pay_link
from samt import sms_texts
from samt.actors import Actor
from samt.audit import audit_record
from samt.identifiers import with_check_digit
from samt.jalali import JalaliMonth
from samt.numbering import reserve_in_sequence
from samt.sms import Text, sms_queue_many

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
