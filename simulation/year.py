"""Fourteen months lived day by day on a virtual clock: people pay when their profile says, through the real
services (online, at the branch counter, at a broker office) and the real payment flow against the PSP
simulator; the province runs the reconciler every night and the year-end batch on the first night of Nowruz.
Whatever harms someone who did nothing wrong is counted."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Max
from django.test import override_settings

from brokers import services as broker
from insured import lapse, ledger, rules
from insured.models import (
    AccountStatement,
    Channel,
    Contract,
    ContractStatus,
    CoveredMonth,
    DebtSlip,
    DebtSlipStatus,
    Slip,
    StatementLine,
)
from insured.slips import slip_issue
from payments.models import PaymentAttempt, State
from payments.services import payment_drive, payment_reconcile, payment_start
from payments.simulator.models import Transaction
from samt.actors import Actor
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from simulation import province, psp
from simulation.profiles import BRANCH_OPENS, LAST_MINUTE, MONTHS, NOWRUZ, PAYS_IN_TIME, Person, Profile, at, people

HARMS = {
    "sent_to_branch_without_cause": "people sent to the branch without a debt or a missing statement",
    "voided_although_paid_in_time": "contracts voided although the person paid in time",
    "payments_refused_in_time": "payments reversed or refused although made in time",
    "money_taken_not_credited": "money taken and not credited",
    "months_credited_twice": "months credited twice",
    "statements_disagreeing": "statements whose balance disagrees with their lines",
    "paid_months_off_statements": "paid months of a closed year that no statement reflects",
}
CALLBACK_URL = "http://portal.simulation/payments/callback/{}/"
RECONCILER_AT = timedelta(minutes=10)  # every night at 00:10, and a few minutes after a lost callback
YEAR_END_AT = timedelta(minutes=30)  # the first night of Nowruz, 00:30
REVISION_DAY = (JalaliMonth(1404, 10), 15)


@dataclass
class Outcome:
    harms: Counter[str] = field(default_factory=Counter)
    harmed: dict[str, set[int]] = field(default_factory=dict)
    facts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def harm(self, kind: str, who: int) -> None:
        if who not in self.harmed.setdefault(kind, set()):
            self.harmed[kind].add(who)
            self.harms[kind] += 1

    @property
    def harmful(self) -> bool:
        return any(self.harms.values())


def _events(everyone: list[Person]) -> Iterator[tuple[datetime, int, str, int]]:
    """(when, order, what, person) for the whole fourteen months, province jobs first on their night."""
    for month in MONTHS:
        for day in range(1, month.days + 1):
            midnight = at(month, day, LAST_MINUTE).replace(hour=0, minute=0, second=0)
            yield midnight + RECONCILER_AT, 0, "reconcile", -1
            if (month, day) == (NOWRUZ, 1):
                yield midnight + YEAR_END_AT, 1, "year_end", -1
            if (month, day) == REVISION_DAY:
                yield midnight + timedelta(hours=9), 1, "revise_per_capita", -1
    for person in everyone:
        if person.first_month != MONTHS[0]:
            yield at(person.first_month, 1, BRANCH_OPENS), 2, "register", person.index
        for moment in person.payments:
            yield moment, 3, "pay", person.index


class Year:
    def __init__(self, count: int, seed: int, progress: Callable[[int, int], None] | None = None) -> None:
        self.people = people(count, seed)
        self.progress = progress
        self.outcome = Outcome()

    def run(self) -> Outcome:
        started = time.monotonic()
        _commit_without_waiting_for_the_disk()
        events = sorted(_events(self.people))
        # DEBUG would keep the text of every query the year makes (millions) for a debug page nobody opens.
        with time_machine.travel(MONTHS[0].starts_at, tick=False) as clock, psp.in_process(), \
                override_settings(DEBUG=False):
            self.clock = clock
            self.world = province.build(self.people)
            for done, (moment, _, what, who) in enumerate(events, 1):
                clock.move_to(moment)
                self._do(what, who)
                if self.progress and (done % 500 == 0 or done == len(events)):
                    self.progress(done, len(events))
            self._last_night()
        self._count_after()
        self.outcome.seconds = time.monotonic() - started
        return self.outcome

    def _do(self, what: str, who: int) -> None:
        if what == "reconcile":
            payment_reconcile()
        elif what == "year_end":
            call_command("compute_statements", "1404", "--issue", "--quiet", stdout=_Null())
            self.outcome.facts["year_end_runs"] += 1
        elif what == "revise_per_capita":
            province.revise_per_capita()
        elif what == "register":
            province.register(self.world, self.people[who])
        else:
            self._pay_up(self.people[who])

    # One person's turn ----------------------------------------------------------------------------------------

    def _pay_up(self, person: Person) -> None:
        contract = self.world.contracts[person.index]
        current = JalaliMonth.current()
        slip = self._issue(person, contract, current)
        if slip is None:
            return
        if person.profile == Profile.BROKER:
            self._pay(person, slip, actor=self.world.operator)
        else:
            self._pay(person, slip, actor=self.world.users[person.index])

    def _issue(self, person: Person, contract: Contract, current: JalaliMonth) -> Slip | None:
        for _ in range(3):  # a debt slip or an extension may stand in the way; each is dealt with once
            try:
                return self._issue_through_channel(person, contract, current)
            except DomainError:
                if not self._clear_the_way(person, contract, current):
                    return None
        return None

    def _issue_through_channel(self, person: Person, contract: Contract, current: JalaliMonth) -> Slip:
        if person.profile == Profile.BROKER:
            operator = self.world.operator
            walk_in = broker.walk_in_start(actor=operator, national_code=contract.insured.national_code,
                                           insurance_number=contract.insured.insurance_number)
            broker.presence_card_check(actor=operator, walk_in=walk_in, card_serial=f"SIM{person.index}")
            return broker.walk_in_slip_issue(actor=operator, walk_in=walk_in, end_month=current).slip
        if person.profile == Profile.COUNTER:
            staff = self.world.staff[contract.insured.branch_id]
            return slip_issue(actor=staff, contract=contract, end_month=current, channel=Channel.BRANCH)
        return slip_issue(actor=self.world.users[person.index], contract=contract, end_month=current,
                          channel=Channel.ONLINE)

    def _clear_the_way(self, person: Person, contract: Contract, current: JalaliMonth) -> bool:
        """What the person does about a refusal: pay a debt slip online, or go to the branch when told to."""
        standing = ledger.standing(contract, current)
        if standing.can_issue:
            return True
        debt = DebtSlip.objects.filter(statement__contract__insured_id=contract.insured_id,
                                       status=DebtSlipStatus.ISSUED).first()
        if debt is not None:
            self._pay(person, debt, actor=self.world.users[person.index])
            return True
        lapsed = rules.is_lapsed(standing.first_unpaid, current, extended=contract.lapse_extension_used)
        if lapsed and person.profile in PAYS_IN_TIME:
            self.outcome.harm("voided_although_paid_in_time", person.index)
            return False
        if not standing.sends_to_branch:
            self.outcome.facts["turned_away_to_come_back_later"] += 1
            return False
        if not lapsed:
            self.outcome.harm("sent_to_branch_without_cause", person.index)
            return False
        return self._extension_at_the_branch(person, contract)

    def _extension_at_the_branch(self, person: Person, contract: Contract) -> bool:
        """A person who forgot four months: staff prepare the one-time extension, the head approves it."""
        branch = contract.insured.branch_id
        try:
            extension = lapse.extension_request(actor=self.world.staff[branch], contract=contract,
                                                reason="شبیه‌سازی: چهار ماه فراموش کرد")
            lapse.extension_approve(actor=self.world.heads[branch], extension=extension)
        except DomainError:
            self.outcome.facts["lapsed_for_good"] += 1
            return False
        contract.refresh_from_db()
        self.outcome.facts["extensions_approved"] += 1
        return True

    def _pay(self, person: Person, payable: Slip | DebtSlip, *, actor: Actor) -> None:
        try:
            started = payment_start(actor=actor, payable=payable, callback_url=CALLBACK_URL.format)
        except DomainError:
            self.outcome.harm("payments_refused_in_time", person.index)
            return
        attempt = started.attempt
        if started.redirect is None:
            self.outcome.harm("payments_refused_in_time", person.index)
            return
        psp.pay_on_card_page(attempt.token, self.world.cards[person.index])
        kind = "debt_slips_paid" if isinstance(payable, DebtSlip) else "slips_paid"
        if person.profile == Profile.LAST_MINUTE and isinstance(payable, Slip):
            # The payer's browser never comes back; the bank took the money at 23:59:30, our verify happens
            # after midnight, past the slip's deadline, through the reconciler.
            self.clock.move_to(datetime.now().astimezone() + timedelta(minutes=3))
            payment_reconcile()
            self.outcome.facts["paid_at_23_59_verified_after_midnight"] += 1
            attempt.refresh_from_db()
        else:
            attempt = payment_drive(attempt)
        if attempt.state != State.SUCCEEDED:
            self.outcome.harm("payments_refused_in_time", person.index)
        else:
            self.outcome.facts[kind] += 1

    def _lapsed_at_the_end(self) -> None:
        """Whoever paid in time still holds a live contract on the last day, whether or not they were refused."""
        last_paid = dict(CoveredMonth.objects.values_list("contract_id").annotate(last=Max("month")))
        live = {pk: (status, extended) for pk, status, extended in Contract.objects.values_list(
            "pk", "status", "lapse_extension_used")}
        for person in self.people:
            if person.profile not in PAYS_IN_TIME:
                continue
            contract = self.world.contracts[person.index]
            status, extended = live[contract.pk]
            first = rules.first_unpaid_month(contract.first_month, last_paid.get(contract.pk))
            if status != ContractStatus.ACTIVE or rules.is_lapsed(first, MONTHS[-1], extended=extended):
                self.outcome.harm("voided_although_paid_in_time", person.index)

    def _last_night(self) -> None:
        self.clock.move_to(MONTHS[-1].last_day.isoformat() + "T23:59:59+03:30")
        self.clock.shift(timedelta(hours=1))
        payment_reconcile()

    # What the year left behind --------------------------------------------------------------------------------

    def _count_after(self) -> None:
        self._lapsed_at_the_end()
        counts = self.outcome.harms
        counts["money_taken_not_credited"] = _one(MONEY_NOT_CREDITED)
        counts["months_credited_twice"] = _one(MONTHS_TWICE)
        counts["statements_disagreeing"] = _one(STATEMENTS_DISAGREEING)
        counts["paid_months_off_statements"] = _one(PAID_MONTHS_OFF_STATEMENTS)
        for kind in HARMS:
            counts.setdefault(kind, 0)
        self.outcome.facts["people"] = len(self.people)
        self.outcome.facts["payments_attempted"] = PaymentAttempt.objects.count()


T = {"closed_before": MONTHS[-1].year * 100 + 1,
     "txn": Transaction._meta.db_table, "attempt": PaymentAttempt._meta.db_table, "slip": Slip._meta.db_table,
     "debt": DebtSlip._meta.db_table, "covered": CoveredMonth._meta.db_table, "contract": Contract._meta.db_table,
     "statement": AccountStatement._meta.db_table, "line": StatementLine._meta.db_table}


def _commit_without_waiting_for_the_disk() -> None:
    """A simulated year commits hundreds of thousands of short transactions; what it tests is the portal's logic,
    not the disk, so this connection does not wait for each commit to be flushed (nothing else is affected)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")
        elif connection.vendor == "sqlite" and not connection.in_atomic_block:
            cursor.execute("PRAGMA synchronous = OFF")


def _one(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**T))
        return int(cursor.fetchone()[0])


# A bank transaction still holding money (paid or verified, never reversed) whose order did not credit, with this
# very payment's reference, a slip or debt slip of the same amount. (A NOT EXISTS, not a NOT over outer joins: a
# comparison with the missing side of a join is unknown, and NOT unknown would hide the row.)
MONEY_NOT_CREDITED = """
    SELECT COUNT(*) FROM {txn} t
    WHERE t.status IN ('ok', 'verified') AND NOT EXISTS (
        SELECT 1 FROM {attempt} a
        LEFT JOIN {slip} s ON s.id = a.slip_id
        LEFT JOIN {debt} d ON d.id = a.debt_slip_id
        WHERE a.order_id = t.res_num AND a.state = 'succeeded'
          AND ((s.status = 'paid' AND s.total = t.amount
                AND s.payment_reference = a.psp || ':' || a.terminal_id || ':' || a.bank_ref)
               OR (d.status = 'paid' AND d.amount = t.amount
                   AND d.payment_reference = a.psp || ':' || a.terminal_id || ':' || a.bank_ref)))
"""
# The same person covered twice for one month, across all their contracts (a lapsed one and its new one too).
MONTHS_TWICE = """
    SELECT COUNT(*) FROM (
        SELECT c.insured_id, cm.month FROM {covered} cm JOIN {contract} c ON c.id = cm.contract_id
        GROUP BY c.insured_id, cm.month HAVING COUNT(*) > 1) twice
"""
STATEMENTS_DISAGREEING = """
    SELECT COUNT(*) FROM {statement} s
    LEFT JOIN (SELECT statement_id, SUM(premium_due + per_capita_due) AS due, SUM(amount_paid) AS paid,
                      SUM(difference) AS difference,
                      SUM(CASE WHEN difference <> premium_due + per_capita_due - amount_paid THEN 1 ELSE 0 END) AS bad
               FROM {line} GROUP BY statement_id) l ON l.statement_id = s.id
    WHERE s.due_total <> COALESCE(l.due, 0) OR s.paid_total <> COALESCE(l.paid, 0)
       OR s.balance <> COALESCE(l.difference, 0) OR COALESCE(l.bad, 0) > 0
       OR (s.balance > 0 AND s.status = 'issued' AND NOT EXISTS (
               SELECT 1 FROM {debt} d WHERE d.statement_id = s.id AND d.status = 'issued'))
"""

# Every paid month of a year closed by the end of the run is a line of that year's statement of its contract, with
# what was paid for it.
PAID_MONTHS_OFF_STATEMENTS = """
    SELECT COUNT(*) FROM {covered} cm
    LEFT JOIN {statement} s ON s.contract_id = cm.contract_id AND s.year = cm.month / 100
    LEFT JOIN {line} l ON l.statement_id = s.id AND l.month = cm.month
    WHERE cm.month < {closed_before} AND (l.statement_id IS NULL OR l.amount_paid <> cm.amount_paid)
"""


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
