"""The month-end rush: issuing locks one contract row and waits on nobody else's transaction; the rate tables are
cached per process and a change made anywhere is seen at once."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from insured import ledger
from insured.models import Channel, Slip, WageTable
from insured.slips import slip_issue
from insured.tests.factories import AZAR_1405, TEHRAN, make_contract, pay_months
from samt.actors import Actor
from samt.identifiers import with_check_digit
from samt.jalali import JalaliMonth as M
from samt.models import Branch

# 5 Farvardin 1405, 10:00 in Tehran: every month of the year is still to pay.
FARVARDIN_5 = datetime(2026, 3, 25, 10, 0, tzinfo=TEHRAN)
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="row locks and sequences are PostgreSQL's; SQLite has one writer at a time")


def issue(user, contract) -> Slip:
    return slip_issue(actor=Actor.for_user(user), contract=contract, end_month=M(1405, 9), channel=Channel.ONLINE,
                      now=AZAR_1405)


class HeldOpen:
    """A transaction on another connection that runs `work` and then stays open until released."""

    def __init__(self, work) -> None:
        self.work, self.ready, self.release = work, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.work()
                self.ready.set()
                self.release.wait(30)
        except BaseException as error:
            self.error = error
            self.ready.set()
        finally:
            connection.close()

    def __enter__(self) -> HeldOpen:
        self.thread.start()
        assert self.ready.wait(30)
        assert self.error is None, self.error
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(30)


def quickly(call):
    """Run `call` in a transaction that gives up after two seconds of waiting for any lock."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        return call()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_issuing_does_not_wait_for_a_transaction_holding_the_branch_row(staff_a, branch_a, insured_user):
    contract = make_contract(staff_a, branch_a)
    pay_months(contract, M(1405, 1), M(1405, 6))
    with HeldOpen(lambda: Branch.objects.select_for_update().get(pk=branch_a.pk)):
        slip = quickly(lambda: issue(insured_user, contract))
    assert slip.total == 59_851_980


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_people_of_one_branch_issue_without_waiting_for_each_other(staff_a, branch_a, insured_user):
    first = make_contract(staff_a, branch_a, serial=1111111)
    second = make_contract(staff_a, branch_a, serial=2222222)
    for contract in (first, second):
        pay_months(contract, M(1405, 1), M(1405, 6))
    # The first person's slip is issued and its transaction not yet committed; the second does not wait for it
    # (a gap-free counter row, or the branch row, would make it).
    with HeldOpen(lambda: issue(insured_user, first)):
        other = quickly(lambda: issue(insured_user, second))
    numbers = sorted(Slip.objects.values_list("number", flat=True))
    assert len(numbers) == 2 and other.number in numbers
    assert all(number == with_check_digit(number[:-1]) and number.startswith("7") for number in numbers)


@pytest.mark.django_db
def test_the_rate_tables_are_cached_and_a_change_is_seen_at_once(staff_a, branch_a, django_assert_num_queries):
    ledger.rate_tables()
    with django_assert_num_queries(1):  # the version only: the rows are cached
        ledger.wage_in_force(M(1405, 7))
    row = WageTable.objects.get(effective_from=M(1405, 1))
    row.min_daily += 100
    row.save()  # as another server would: nothing tells this process but the version the trigger moved
    assert ledger.wage_in_force(M(1405, 7)).min_daily == row.min_daily


@pytest.mark.django_db
def test_the_quote_page_reads_the_rates_and_the_standing_once(client_for, insured_user, staff_a, branch_a):
    with time_machine.travel(AZAR_1405, tick=False):
        contract = make_contract(staff_a, branch_a)
        pay_months(contract, M(1405, 1), M(1405, 6))
        contract.insured.user = insured_user
        contract.insured.save(update_fields=["user"])
        client = client_for(insured_user)
        client.get("/me/quote/")  # this process's cache is warm, as on a server after its first request
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/me/quote/").content.decode()
    assert "۵۹٬۸۵۱٬۹۸۰ ریال" in body  # three months, as before the caching
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("insured_ratetablesversion" in q for q in sql) == 1
    assert not any("insured_wagetable" in q or "insured_schemerate" in q for q in sql)
    # The standing (the last paid month) once for the page, not once per option.
    assert sum('MAX("insured_coveredmonth"."month")' in q for q in sql) == 1


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL a request sent, without the savepoints of the test's own transaction."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.django_db
def test_issuing_a_twelve_month_slip_takes_fifteen_statements(client_for, insured_user, staff_a, branch_a):
    with time_machine.travel(FARVARDIN_5, tick=False):
        contract = make_contract(staff_a, branch_a)
        contract.insured.user = insured_user
        contract.insured.save(update_fields=["user"])
        client = client_for(insured_user)
        client.post("/me/slips/issue/", {"end": 140512, "request_key": "first"})  # voided by the next one
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/me/slips/issue/", {"end": 140512, "request_key": "second"})
    slip = Slip.objects.get(request_key="second")
    assert response["Location"] == f"/me/slips/{slip.number}/"
    assert (slip.first_month, slip.last_month) == (M(1405, 1), M(1405, 12))
    assert Slip.objects.get(request_key="first").status == "voided"
    sql = statements(queries)
    # Session, then the user with their membership (as every page); the person's active contract, found by the
    # statement that locks it (a subquery: one statement, not a read and then the lock); the earlier slips; whether a
    # payment of the one it retires is unsettled at the bank; the standing; the rates' version; the slip's number;
    # the slip; the voided slip and its lines; the lines; the audit event (the worker links it into the audit chain
    # later); the person's texts today and the text. SQLite numbers slips with a counter row (read and update) where
    # PostgreSQL has a sequence.
    assert len(sql) == (15 if connection.vendor == "postgresql" else 16), "\n".join(sql)
    assert sum(q.startswith('SELECT "insured_contract"') for q in sql) == 1
    locking = next(q for q in sql if q.startswith('SELECT "insured_contract"'))
    if connection.vendor == "postgresql":
        assert locking.endswith('FOR UPDATE OF "insured_contract"')
    assert sum('FROM "samt_membership"' in q or 'JOIN "samt_membership"' in q for q in sql) == 1
    assert sum('MAX("insured_coveredmonth"."month")' in q for q in sql) == 1
    assert sum('FROM "samt_smsmessage"' in q for q in sql) == 1


@pytest.mark.django_db
def test_an_insured_without_an_active_contract_is_told_so_when_issuing(client_for, insured_user, staff_a, branch_a):
    with time_machine.travel(FARVARDIN_5, tick=False):
        contract = make_contract(staff_a, branch_a)
        contract.insured.user = insured_user
        contract.insured.save(update_fields=["user"])
        contract.status = "cancelled"
        contract.save(update_fields=["status"])
        client = client_for(insured_user)
        response = client.post("/me/slips/issue/", {"end": 140512, "request_key": "first"}, follow=True)
    assert response.redirect_chain[0][0] == "/me/quote/"
    assert "قرارداد فعالی برای شما ثبت نشده است" in response.content.decode()
    assert not Slip.objects.exists()


@pytest.mark.django_db
def test_an_account_without_an_insured_person_cannot_issue(client_for, insured_user):
    response = client_for(insured_user).post("/me/slips/issue/", {"end": 140512, "request_key": "first"})
    assert response.status_code == 404
