"""compute_statements YEAR: every contract's yearly account statement (گردش حساب), in set-based SQL.

The month arithmetic is `rules.month_premium`, written once more in SQL so that a million contracts take a
few statements per chunk instead of a Python loop over contracts and months:

    base    = MIN(ratio_hundredths × min_daily, ceiling_daily × 100)          (hundredths of a rial)
    premium = (2 × base × days × rate_bp + D) DIV (2 × D),  D = 100 × 10,000  (one half-up rounding)

The rates in force come from the ledger (`insured.ledger`) and reach the SQL as two tiny VALUES tables:
the twelve months of the year and each rate code's rate per month. The SQL only joins and does integer
arithmetic, which SQLite and PostgreSQL do alike. A test holds the result equal to `statement_compute`.

Contracts go in id-ordered chunks, one transaction each. Only statements still `computed` are (re)written;
issued and settled ones are never touched, so a re-run is idempotent and a run that stopped half-way resumes.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import connection, transaction
from django.utils import timezone

from insured import ledger, rules, yearend
from insured.models import (
    AccountStatement,
    Contract,
    CoveredMonth,
    InsuredPerson,
    RateCode,
    StatementLine,
)
from samt.actors import Actor
from samt.audit import audit_record
from samt.errors import DomainError
from samt.jalali import JalaliMonth
from samt.models import Branch
from samt.persian import normalize_digits

CONTRACT = Contract._meta.db_table
PERSON = InsuredPerson._meta.db_table
COVERED = CoveredMonth._meta.db_table
STATEMENT = AccountStatement._meta.db_table
LINE = StatementLine._meta.db_table
COMPUTED = rules.STATEMENT_COMPUTED
# The lines of one chunk as computed, by contract, before they are compared with the stored ones or written, and the
# chunk's statements whose stored lines or totals differ from them: temporary tables of this connection (no WAL on
# PostgreSQL), made by create_scratch().
SCRATCH = "compute_statements_chunk"
CHANGED = "compute_statements_changed"
# What a recomputation may change on a line; a line where none of them differs is left unwritten.
LINE_FIGURES = ("days", "daily_wage_base", "rate_bp", "premium_due", "per_capita_due", "amount_paid", "slip_number",
                "difference")
PREMIUM_DIVISOR = rules.RATIO_BASIS * rules.RATE_BASIS


@dataclass(frozen=True)
class YearRates:
    """The figures in force for each month of a year, as rows for the SQL's VALUES tables."""

    months: list[tuple[int, int, int, int, int]]  # (YYYYMM, days, min_daily, ceiling_daily, per_capita or 0)
    rates: list[tuple[str, int, int]]  # (rate code, YYYYMM, rate_bp)
    per_capita_entered: bool


def year_rates(year: int) -> YearRates:
    """Read once through the ledger, so a missing wage row is refused with the ledger's own message. The per-capita
    fee is the year's newest in force today: the statement settles what earlier slips paid at an older figure."""
    fee = ledger.per_capita_row(year)
    months, rates = [], []
    for month in JalaliMonth(year, 1).through(JalaliMonth.esfand(year)):
        wage = ledger.wage_in_force(month)
        per_capita = fee.per_capita_monthly if fee else 0
        months.append((month.as_int(), month.days, wage.min_daily, wage.ceiling_daily, per_capita))
        rates += [(code, month.as_int(), ledger.rate_in_force(code, month)) for code in RateCode.values]
    return YearRates(months=months, rates=rates, per_capita_entered=fee is not None)


def _differs(stored: str, computed: str) -> str:
    """SQL true where a stored line's figures differ from the computed one's."""
    return " OR ".join(f"{stored}.{column} <> {computed}.{column}" for column in LINE_FIGURES)


def values_table(name: str, columns: str, rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """`name(columns) AS (VALUES ...)` for a WITH clause; numbers are cast to BIGINT so PostgreSQL never
    multiplies them as 32-bit integers."""
    row_sql = "(" + ", ".join("%s" if isinstance(v, str) else "CAST(%s AS BIGINT)" for v in rows[0]) + ")"
    return f"{name}({columns}) AS (VALUES {', '.join([row_sql] * len(rows))})", [v for row in rows for v in row]


class StatementBatch:
    """The SQL of one run: which contracts are in scope, and the statements that compute a chunk."""

    def __init__(self, year: int, rates: YearRates, branch_id: int | None) -> None:
        self.year = year
        self.rates = rates
        self.first, self.last = year * 100 + 1, year * 100 + 12
        self.branch_sql = f" AND c.insured_id IN (SELECT p.id FROM {PERSON} p WHERE p.branch_id = %s)"
        self.branch_params: list[Any] = [branch_id] if branch_id else []
        if not branch_id:
            self.branch_sql = ""

    # Which contracts: active ones that had begun by Esfand, any that paid months of the year, and any that
    # already have a statement of the year (a clerk may have computed one by hand).
    def _in_scope(self) -> tuple[str, list[Any]]:
        sql = (
            f"((c.first_month <= %s AND (c.status = 'active' OR EXISTS (SELECT 1 FROM {COVERED} cm "
            "WHERE cm.contract_id = c.id AND cm.month BETWEEN %s AND %s))) "
            f"OR EXISTS (SELECT 1 FROM {STATEMENT} s WHERE s.contract_id = c.id AND s.year = %s))"
            + self.branch_sql
        )
        return sql, [self.last, self.first, self.last, self.year, *self.branch_params]

    def count(self) -> int:
        scope, params = self._in_scope()
        return _one(f"SELECT COUNT(*) FROM {CONTRACT} c WHERE {scope}", params)

    def next_chunk(self, after: int, size: int, until: int | None = None) -> tuple[int, int]:
        """(last contract id, number of contracts) of the next chunk after id `after` (up to id `until`);
        (after, 0) at the end."""
        scope, params = self._in_scope()
        bound, bound_params = (" AND c.id <= %s", [until]) if until is not None else ("", [])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MAX(id), COUNT(*) FROM (SELECT c.id AS id FROM {CONTRACT} c WHERE c.id > %s{bound} "
                f"AND {scope} ORDER BY c.id LIMIT %s) chunk",
                [after, *bound_params, *params, size],
            )
            last_id, count = cursor.fetchone()
        return (last_id or after), count

    def split(self, parts: int) -> list[tuple[int, int]]:
        """The contracts in scope as `parts` id ranges (low, high] of about as many contracts each."""
        scope, params = self._in_scope()
        total = self.count()
        bounds = [0]
        for part in range(1, parts):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT c.id FROM {CONTRACT} c WHERE {scope} ORDER BY c.id LIMIT 1 OFFSET %s",
                               [*params, total * part // parts - 1])
                row = cursor.fetchone()
            if row is not None and row[0] > bounds[-1]:
                bounds.append(row[0])
        bounds.append(_one(f"SELECT COALESCE(MAX(c.id), 0) FROM {CONTRACT} c WHERE {scope}", params))
        return [(low, high) for low, high in itertools.pairwise(bounds) if high > low]

    def _statements(self, low: int, high: int, alias: str = STATEMENT) -> tuple[str, list[Any]]:
        """The statements of the year for contracts in (low, high], in the branch when one is given."""
        sql = f"{alias}.year = %s AND {alias}.contract_id > %s AND {alias}.contract_id <= %s"
        if self.branch_sql:
            sql += (f" AND {alias}.contract_id IN (SELECT c.id FROM {CONTRACT} c WHERE c.id > %s AND c.id <= %s"
                    f"{self.branch_sql})")
            return sql, [self.year, low, high, low, high, *self.branch_params]
        return sql, [self.year, low, high]

    def run_chunk(self, low: int, high: int, now: Any) -> Counter[str]:
        """Compute contracts (low, high] in the caller's transaction."""
        counts: Counter[str] = Counter({"statements_created": 0, "statements_computed": 0, "lines_written": 0,
                                        "lines_deleted": 0})
        with connection.cursor() as cursor:
            # 1. Every paid month of the year, at the year's rates, of the chunk's contracts whose statement is
            #    missing or still computed, into the scratch table (this connection's own; no WAL on PostgreSQL).
            cursor.execute(f"{'TRUNCATE' if connection.vendor == 'postgresql' else 'DELETE FROM'} {SCRATCH}")
            sql, params = self._compute_lines(low, high)
            cursor.execute(sql, params)
            # 2. The statements computed before: only those whose stored lines or totals differ are written.
            self._recompute(cursor, low, high, now, counts)
            # 3. A statement, with its totals, for every contract in scope that has none, and its lines.
            self._create(cursor, low, high, now, counts)
            statements, statement_params = self._statements(low, high)
            cursor.execute(f"SELECT COUNT(*) FROM {STATEMENT} WHERE {statements} AND status <> %s",
                           [*statement_params, COMPUTED])
            counts["statements_left_issued_or_settled"] = cursor.fetchone()[0]
        return counts

    def _recompute(self, cursor: Any, low: int, high: int, now: Any, counts: Counter[str]) -> None:
        computed, computed_params = self._statements(low, high, "s")
        computed, computed_params = f"{computed} AND s.status = %s", [*computed_params, COMPUTED]
        cursor.execute(f"SELECT COUNT(*), MIN(s.id), MAX(s.id) FROM {STATEMENT} s WHERE {computed}", computed_params)
        existing, low_id, high_id = cursor.fetchone()
        counts["statements_computed"] += existing
        if not existing:
            return
        # Which of them differ from what the chunk computed: a line missing, extra or different (one full join of
        # the computed lines with the stored ones, read in the chunk's range of the line index), or a total.
        # Reading is all a recomputation of unchanged statements costs: nothing is locked or written for them.
        cursor.execute(f"DELETE FROM {CHANGED}")
        cursor.execute(
            f"INSERT INTO {CHANGED} (statement_id) "
            f"SELECT s.id FROM {STATEMENT} s LEFT JOIN (SELECT contract_id, SUM(premium_due + per_capita_due) AS due, "
            f"SUM(amount_paid) AS paid FROM {SCRATCH} GROUP BY contract_id) t ON t.contract_id = s.contract_id "
            f"WHERE {computed} AND (s.due_total <> COALESCE(t.due, 0) OR s.paid_total <> COALESCE(t.paid, 0)) "
            "UNION "
            "SELECT COALESCE(n.statement_id, o.statement_id) FROM "
            f"(SELECT s.id AS statement_id, x.* FROM {SCRATCH} x JOIN {STATEMENT} s ON s.contract_id = x.contract_id "
            f"WHERE {computed}) n FULL JOIN "
            f"(SELECT l.* FROM {LINE} l WHERE l.statement_id BETWEEN %s AND %s AND l.statement_id IN "
            f"(SELECT s.id FROM {STATEMENT} s WHERE {computed})) o "
            "ON o.statement_id = n.statement_id AND o.month = n.month "
            f"WHERE n.statement_id IS NULL OR o.statement_id IS NULL OR {_differs('o', 'n')}",
            [*computed_params, *computed_params, low_id, high_id, *computed_params],
        )
        if not cursor.rowcount:
            return
        # Lock the changed statements before touching their lines: a clerk issuing one of them now waits for this
        # chunk, and then issues the new figures. One issued meanwhile is left as it was issued.
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT id FROM {STATEMENT} WHERE id IN "
                       f"(SELECT statement_id FROM {CHANGED}){lock}) locked")
        cursor.execute(f"DELETE FROM {CHANGED} WHERE NOT EXISTS (SELECT 1 FROM {STATEMENT} s "
                       f"WHERE s.id = {CHANGED}.statement_id AND s.status = %s)", [COMPUTED])
        mine = f"IN (SELECT statement_id FROM {CHANGED})"
        computed_lines = (f"(SELECT s.id AS statement_id, x.* FROM {SCRATCH} x JOIN {STATEMENT} s "
                          f"ON s.contract_id = x.contract_id AND s.year = %s WHERE s.id {mine})")
        # A line whose figures changed is updated in place, a new one inserted, one whose month is no longer paid
        # deleted.
        cursor.execute(
            f"UPDATE {LINE} SET {', '.join(f'{column} = n.{column}' for column in LINE_FIGURES)} "
            f"FROM {computed_lines} n WHERE {LINE}.statement_id = n.statement_id AND {LINE}.month = n.month "
            f"AND ({_differs(LINE, 'n')})",
            [self.year],
        )
        counts["lines_written"] += cursor.rowcount
        columns = ", ".join(LINE_FIGURES)
        cursor.execute(
            f"INSERT INTO {LINE} (statement_id, month, {columns}) SELECT n.statement_id, n.month, "
            f"{', '.join(f'n.{column}' for column in LINE_FIGURES)} FROM {computed_lines} n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {LINE} l WHERE l.statement_id = n.statement_id AND l.month = n.month)",
            [self.year],
        )
        counts["lines_written"] += cursor.rowcount
        cursor.execute(
            f"DELETE FROM {LINE} WHERE statement_id {mine} AND NOT EXISTS (SELECT 1 FROM {computed_lines} n "
            f"WHERE n.statement_id = {LINE}.statement_id AND n.month = {LINE}.month)",
            [self.year],
        )
        counts["lines_deleted"] += cursor.rowcount
        cursor.execute(
            f"UPDATE {STATEMENT} SET due_total = t.due, paid_total = t.paid, balance = t.due - t.paid, "
            f"computed_at = %s FROM (SELECT c.statement_id AS id, "
            "COALESCE(SUM(n.premium_due + n.per_capita_due), 0) AS due, COALESCE(SUM(n.amount_paid), 0) AS paid "
            f"FROM {CHANGED} c LEFT JOIN {computed_lines} n ON n.statement_id = c.statement_id "
            f"GROUP BY c.statement_id) t WHERE {STATEMENT}.id = t.id",
            [now, self.year],
        )

    def _create(self, cursor: Any, low: int, high: int, now: Any, counts: Counter[str]) -> None:
        """New statements are written once, with their totals, and their lines with a plain insert: nobody else
        sees them before the chunk commits, so there is nothing to lock, compare or update afterwards. (A clerk's
        statement made meanwhile for one of the contracts wins; the chunk leaves it alone.)"""
        scope, scope_params = self._in_scope()
        columns = ", ".join(LINE_FIGURES)
        select = (
            f"SELECT c.id, %s, %s, COALESCE(t.due, 0), COALESCE(t.paid, 0), COALESCE(t.due, 0) - COALESCE(t.paid, 0), "
            f"%s FROM {CONTRACT} c LEFT JOIN (SELECT contract_id, SUM(premium_due + per_capita_due) AS due, "
            f"SUM(amount_paid) AS paid FROM {SCRATCH} GROUP BY contract_id) t ON t.contract_id = c.id "
            f"WHERE c.id > %s AND c.id <= %s AND NOT EXISTS (SELECT 1 FROM {STATEMENT} s "
            f"WHERE s.contract_id = c.id AND s.year = %s) AND {scope} "
        )
        params = [self.year, COMPUTED, now, low, high, self.year, *scope_params]
        insert = (f"INSERT INTO {STATEMENT} (contract_id, year, status, due_total, paid_total, balance, computed_at) "
                  f"{select} ON CONFLICT (contract_id, year) DO NOTHING")
        if connection.vendor == "postgresql":
            # The statements the insert made, and only those, get their lines: in the same statement.
            cursor.execute(
                f"WITH made AS ({insert} RETURNING id, contract_id), "
                f"written AS (INSERT INTO {LINE} (statement_id, month, {columns}) "
                f"SELECT made.id, x.month, {', '.join(f'x.{column}' for column in LINE_FIGURES)} "
                f"FROM made JOIN {SCRATCH} x ON x.contract_id = made.contract_id) "
                # (Counted from the statements made, not returned by the insert: a million rows kept only to count.)
                f"SELECT COUNT(DISTINCT made.id), COUNT(x.contract_id) FROM made "
                f"LEFT JOIN {SCRATCH} x ON x.contract_id = made.contract_id",
                params,
            )
            created, written = cursor.fetchone()
        else:
            # SQLite has one writer at a time, and this chunk is it: the statements above the largest id before
            # the insert are the ones it made.
            before = _one(f"SELECT COALESCE(MAX(id), 0) FROM {STATEMENT}", [])
            cursor.execute(insert, params)
            created = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {LINE} (statement_id, month, {columns}) "
                f"SELECT s.id, x.month, {', '.join(f'x.{column}' for column in LINE_FIGURES)} FROM {SCRATCH} x "
                f"JOIN {STATEMENT} s ON s.contract_id = x.contract_id AND s.year = %s WHERE s.id > %s",
                [self.year, before],
            )
            written = cursor.rowcount
        counts["statements_created"] += created
        counts["statements_computed"] += created
        counts["lines_written"] += written

    def _compute_lines(self, low: int, high: int) -> tuple[str, list[Any]]:
        # One VALUES row per (rate code, month) with every figure of that month, joined by a hash join to the
        # chunk's paid months, which are gathered first (MATERIALIZED): otherwise the planner may pair each contract
        # with every month of the table and probe the paid months once per pair. The chunk's contracts (those whose
        # statement is missing or still computed) and its paid months (one range of their (contract, month) index)
        # are each gathered on their own, then joined: with the range said of the contracts alone the planner read
        # the whole table of paid months once per chunk, and with the two joined inside one step it probed the
        # index once per contract.
        by_month = {row[0]: row for row in self.rates.months}
        figures = [(code, month, *by_month[month][1:], rate_bp) for code, month, rate_bp in self.rates.rates]
        rates_sql, rates_params = values_table(
            "rates", "rate_code, month, days, min_daily, ceiling_daily, per_capita, rate_bp", figures)
        base = "CAST(p.ratio AS BIGINT) * r.min_daily"
        # WITH comes after INSERT: Python's sqlite3 reports no row count for a statement that starts with WITH.
        sql = f"""
            INSERT INTO {SCRATCH} (contract_id, month, days, daily_wage_base, rate_bp, premium_due, per_capita_due,
                                   amount_paid, slip_number, difference)
            WITH {rates_sql},
            chunk AS MATERIALIZED (
                SELECT c.id AS id, c.rate_code AS rate_code, c.wage_ratio_hundredths AS ratio,
                       c.treatment AS treatment
                FROM {CONTRACT} c
                WHERE c.id > %s AND c.id <= %s{self.branch_sql} AND NOT EXISTS (SELECT 1 FROM {STATEMENT} s
                      WHERE s.contract_id = c.id AND s.year = %s AND s.status <> %s
                      AND s.contract_id > %s AND s.contract_id <= %s)
            ),
            paid AS MATERIALIZED (
                SELECT cm.contract_id AS contract_id, cm.month AS month, cm.persons AS persons,
                       cm.amount_paid AS amount_paid, cm.slip_number AS slip_number
                FROM {COVERED} cm
                WHERE cm.contract_id > %s AND cm.contract_id <= %s AND cm.month BETWEEN %s AND %s
            ),
            owned AS MATERIALIZED (
                SELECT p.contract_id AS contract_id, p.month AS month, p.persons AS persons,
                       p.amount_paid AS amount_paid, p.slip_number AS slip_number, k.rate_code AS rate_code,
                       k.ratio AS ratio, k.treatment AS treatment
                FROM paid p JOIN chunk k ON k.id = p.contract_id
            )
            SELECT contract_id, month, days, (2 * base + {rules.RATIO_BASIS}) / {2 * rules.RATIO_BASIS}, rate_bp,
                   premium, per_capita_due, amount_paid, slip_number, premium + per_capita_due - amount_paid
            FROM (
                SELECT contract_id, month, days, base, rate_bp, per_capita_due, amount_paid, slip_number,
                       (2 * base * days * rate_bp + {PREMIUM_DIVISOR}) / {2 * PREMIUM_DIVISOR} AS premium
                FROM (
                    SELECT p.contract_id AS contract_id, p.month AS month, r.days AS days, r.rate_bp AS rate_bp,
                           CASE WHEN {base} < r.ceiling_daily * {rules.RATIO_BASIS} THEN {base}
                                ELSE r.ceiling_daily * {rules.RATIO_BASIS} END AS base,
                           CASE WHEN p.treatment THEN r.per_capita * p.persons ELSE 0 END AS per_capita_due,
                           p.amount_paid AS amount_paid, p.slip_number AS slip_number
                    FROM owned p
                    JOIN rates r ON r.rate_code = p.rate_code AND r.month = p.month
                ) AS joined
            ) AS priced
        """
        return sql, [*rates_params, low, high, *self.branch_params, self.year, COMPUTED, low, high, low, high,
                     self.first, self.last]

    def check_per_capita(self) -> None:
        """A year whose per-capita fee is not entered cannot price treatment months: refuse, as the ledger does,
        rather than write statements that show everyone a credit."""
        if self.rates.per_capita_entered:
            return
        needed = _one(
            f"SELECT COUNT(*) FROM {COVERED} cm JOIN {CONTRACT} c ON c.id = cm.contract_id "
            f"WHERE c.treatment AND cm.persons > 0 AND cm.month BETWEEN %s AND %s{self.branch_sql}",
            [self.first, self.last, *self.branch_params],
        )
        if needed:
            ledger.per_capita_for(self.year)  # raises the ledger's Persian message


TABLES = [CONTRACT, COVERED, STATEMENT, LINE]


def create_scratch() -> None:
    """This connection's two temporary tables (no WAL on PostgreSQL). The chunk's lines need no index on PostgreSQL
    (every join with them is a hash join); SQLite joins with nested loops, so it gets one."""
    key = ", PRIMARY KEY (contract_id, month)" if connection.vendor == "sqlite" else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Before the first temporary table of the session: room for a chunk's lines in memory. JIT compiling
            # costs more than it saves on these one-second statements.
            cursor.execute("SET temp_buffers = '64MB'")
            cursor.execute("SET work_mem = '64MB'")  # a chunk's hash joins in memory
            cursor.execute("SET jit = off")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {SCRATCH} (contract_id bigint NOT NULL, month integer NOT NULL, "
            "days integer NOT NULL, daily_wage_base bigint NOT NULL, rate_bp integer NOT NULL, "
            "premium_due bigint NOT NULL, per_capita_due bigint NOT NULL, amount_paid bigint NOT NULL, "
            f"slip_number varchar(16) NOT NULL, difference bigint NOT NULL{key})"
        )
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {CHANGED} (statement_id bigint PRIMARY KEY)")


def fresh_statistics(tables: list[str]) -> None:
    """PostgreSQL plans each chunk from its table statistics; after an import or a year's first chunk they say the
    tables are (nearly) empty, and the plan that suits an empty table takes seconds a chunk. ANALYZE reads a
    sample of each table (a fraction of a second, even at a million rows)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _one(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class ProgressBar:
    """`[#####-----] 12,000/100,000 contracts` on one line of stderr, redrawn in place."""

    def __init__(self, total: int, out: OutputWrapper | None, width: int = 30, noun: str = "contracts") -> None:
        self.total, self.out, self.width, self.noun = total, out, width, noun

    def show(self, done: int) -> None:
        filled = self.width * done // self.total if self.total else self.width
        self._write(f"\r[{'#' * filled}{'-' * (self.width - filled)}] {done:,}/{self.total:,} {self.noun}")

    def close(self) -> None:
        self._write("\n")

    def _write(self, text: str) -> None:
        if self.out is not None:
            # Plain text even on a terminal (stderr is styled as an error by default), and no line ending.
            self.out.write(text, style_func=str, ending="")
            self.out.flush()


class Worker:
    """Computes the chunks of one id range, one transaction each, adding to the run's counts as it goes."""

    def __init__(self, batch: StatementBatch, chunk: int, bar: ProgressBar, counts: Counter[str],
                 team: tuple[threading.Lock, threading.Event] | None = None) -> None:
        self.batch, self.chunk, self.bar, self.counts = batch, chunk, bar, counts
        # Shared by the workers of one run: the lock around the counts, and the signal to stop after a failure.
        self.lock, self.stop = team or (threading.Lock(), threading.Event())
        self.failure: BaseException | None = None

    def run(self, low: int, high: int | None) -> None:
        create_scratch()
        after, first = low, True
        while not self.stop.is_set():
            last_id, size = self.batch.next_chunk(after, self.chunk, high)
            if not size:
                return
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with transaction.atomic():
                done = self.batch.run_chunk(after, last_id, now)
            with self.lock:
                self.counts.update(done)
                self.counts["contracts"] += size
                self.bar.show(self.counts["contracts"])
            if first and done["statements_created"] > self.chunk // 2:
                # The first chunk of a year's new statements: tell the planner the tables are no longer empty.
                fresh_statistics([STATEMENT, LINE])
            after, first = last_id, False

    def run_in_thread(self, low: int, high: int | None) -> None:
        try:
            self.run(low, high)
        except BaseException as failure:  # raised again by the command's thread, after the other workers stop
            self.failure = failure
            self.stop.set()
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Computes every contract's account statement of a Jalali YEAR in set-based SQL (idempotent, resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="Jalali year, e.g. 1404")
        parser.add_argument("--branch", metavar="CODE", help="only the insured of this branch (4-digit code)")
        parser.add_argument("--chunk", type=int, default=5000, metavar="N",
                            help="contracts per transaction (default 5,000)")
        parser.add_argument("--workers", type=int, default=1, metavar="N",
                            help="database connections computing disjoint ranges of contracts at once (PostgreSQL; "
                                 "default 1, 2 on a two-core database server)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument("--issue", action="store_true",
                            help="then issue them: settle zero and credit balances, issue a debt slip for each debt")

    def handle(self, *args: Any, **options: Any) -> None:
        year, chunk, workers = options["year"], options["chunk"], options["workers"]
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if connection.vendor != "postgresql":
            workers = 1  # SQLite has one writer at a time
        branch = self._branch(options["branch"])
        try:
            JalaliMonth(year, 1)
            rules.check_year_closed(year, JalaliMonth.current())
            batch = StatementBatch(year, year_rates(year), branch.pk if branch else None)
            batch.check_per_capita()
        except (DomainError, ValueError) as refusal:
            raise CommandError(getattr(refusal, "message", str(refusal))) from None
        counts: Counter[str] = Counter()
        started = time.monotonic()
        total = batch.count()
        bar = ProgressBar(total, None if options["quiet"] else self.stderr)
        try:
            self._run(batch, chunk, workers, bar, counts)
        except BaseException as failure:
            self._audit(year, branch, chunk, counts, started, error=repr(failure))
            raise
        finally:
            bar.close()
        self._audit(year, branch, chunk, counts, started)
        self.stdout.write(
            f"{year}: {counts['contracts']:,} contracts, {counts['statements_computed']:,} statements computed "
            f"({counts['statements_created']:,} new), {counts['lines_written']:,} lines written, "
            f"{counts['statements_left_issued_or_settled']:,} issued or settled left as they were, "
            f"{time.monotonic() - started:.1f} s"
        )
        if options["issue"]:
            self._issue(year, branch, chunk, options["quiet"])

    def _issue(self, year: int, branch: Branch | None, chunk: int, quiet: bool) -> None:
        """The second phase, on its own: the compute phase above stays the batch's fast SQL."""
        started = time.monotonic()
        bar = ProgressBar(yearend.statements_waiting(year=year, branch_id=branch.pk if branch else None),
                          None if quiet else self.stderr, noun="statements")
        bar.show(0)
        try:
            counts = yearend.statements_issue_year(year=year, branch_id=branch.pk if branch else None, chunk=chunk,
                                                   progress=bar.show)
        except DomainError as refusal:
            raise CommandError(refusal.message) from None
        finally:
            bar.close()
        self.stdout.write(
            f"{year} issued: {counts['settled']:,} settled ({counts['credits']:,} with a credit), "
            f"{counts['debt_slips']:,} debt slips, {time.monotonic() - started:.1f} s"
        )

    def _run(self, batch: StatementBatch, chunk: int, workers: int, bar: ProgressBar,
             counts: Counter[str]) -> None:
        bar.show(0)
        fresh_statistics(TABLES)
        ranges: list[tuple[int, int | None]] = [*batch.split(workers)] if workers > 1 else [(0, None)]
        if len(ranges) == 1:
            Worker(batch, chunk, bar, counts).run(*ranges[0])
            return
        # Each worker has its own thread, so its own database connection, and its own id range: the chunks of two
        # workers never share a contract, a statement or a line.
        shared = (threading.Lock(), threading.Event())
        team = [Worker(batch, chunk, bar, counts, shared) for _ in ranges]
        threads = [threading.Thread(target=worker.run_in_thread, args=bounds)
                   for worker, bounds in zip(team, ranges, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for worker in team:
            if worker.failure is not None:
                raise worker.failure

    def _branch(self, code: str | None) -> Branch | None:
        if code is None:
            return None
        branch = Branch.objects.filter(code=normalize_digits(code).strip()).first()
        if branch is None:
            raise CommandError(f"no branch with code {code}")
        return branch

    def _audit(self, year: int, branch: Branch | None, chunk: int, counts: Counter[str], started: float,
               error: str | None = None) -> None:
        after = {"year": year, "branch": branch.code if branch else None, "chunk": chunk, **counts,
                 "seconds": round(time.monotonic() - started, 1), "completed": error is None}
        if error:
            after["error"] = error
        with transaction.atomic():
            audit_record(actor=Actor.system("compute_statements"), action="statements.batch_computed", after=after)
