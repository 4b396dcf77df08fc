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
# The lines of one chunk as computed, before they are compared with the stored ones: a temporary table of this
# connection (no WAL on PostgreSQL), made by create_scratch().
SCRATCH = "compute_statements_chunk"
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


def values_table(name: str, columns: str, rows: list[tuple[Any, ...]]) -> tuple[str, list[Any]]:
    """`name(columns) AS (VALUES ...)` for a WITH clause; numbers are cast to BIGINT so PostgreSQL never
    multiplies them as 32-bit integers."""
    row_sql = "(" + ", ".join("%s" if isinstance(v, str) else "CAST(%s AS BIGINT)" for v in rows[0]) + ")"
    return f"{name}({columns}) AS (VALUES {', '.join([row_sql] * len(rows))})", [v for row in rows for v in row]


class StatementBatch:
    """The SQL of one run: which contracts are in scope, and the five statements that compute a chunk."""

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

    def next_chunk(self, after: int, size: int) -> tuple[int, int]:
        """(last contract id, number of contracts) of the next chunk after id `after`; (after, 0) at the end."""
        scope, params = self._in_scope()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MAX(id), COUNT(*) FROM (SELECT c.id AS id FROM {CONTRACT} c WHERE c.id > %s AND {scope} "
                "ORDER BY c.id LIMIT %s) chunk",
                [after, *params, size],
            )
            last_id, count = cursor.fetchone()
        return (last_id or after), count

    def _statements(self, low: int, high: int) -> tuple[str, list[Any]]:
        """The statements of the year for contracts in (low, high], in the branch when one is given."""
        sql = f"{STATEMENT}.year = %s AND {STATEMENT}.contract_id > %s AND {STATEMENT}.contract_id <= %s"
        if self.branch_sql:
            sql += (f" AND {STATEMENT}.contract_id IN (SELECT c.id FROM {CONTRACT} c WHERE c.id > %s AND c.id <= %s"
                    f"{self.branch_sql})")
            return sql, [self.year, low, high, low, high, *self.branch_params]
        return sql, [self.year, low, high]

    def run_chunk(self, low: int, high: int, now: Any) -> Counter[str]:
        """Compute contracts (low, high] in the caller's transaction."""
        scope, scope_params = self._in_scope()
        statements, statement_params = self._statements(low, high)
        counts: Counter[str] = Counter()
        computed = f"{statements} AND {STATEMENT}.status = %s"
        computed_params = [*statement_params, COMPUTED]
        with connection.cursor() as cursor:
            # 1. A statement for every contract in scope that has none (a clerk's concurrent one wins).
            cursor.execute(
                f"INSERT INTO {STATEMENT} (contract_id, year, status, due_total, paid_total, balance, computed_at) "
                f"SELECT c.id, %s, %s, 0, 0, 0, %s FROM {CONTRACT} c WHERE c.id > %s AND c.id <= %s AND {scope} "
                "ON CONFLICT (contract_id, year) DO NOTHING",
                [self.year, COMPUTED, now, low, high, *scope_params],
            )
            counts["statements_created"] = cursor.rowcount
            # 2. Lock the statements still computed before touching their lines: a clerk issuing one of them
            #    now waits for this chunk, and then issues the new figures. A row lock writes no new row version
            #    (SQLite has one writer at a time: the chunk's first write above already holds it).
            lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
            cursor.execute(
                f"SELECT COUNT(*), MIN(id), MAX(id) FROM (SELECT id FROM {STATEMENT} WHERE {computed}{lock}) s",
                computed_params,
            )
            counts["statements_computed"], low_id, high_id = cursor.fetchone()
            # The chunk's lines lie in this range of the (statement, month) index: each step below reads that
            # range, not the whole table of lines.
            in_range = f"{LINE}.statement_id BETWEEN {int(low_id or 0)} AND {int(high_id or 0)}"
            # 3. Every paid month of the year at the year's rates, into the chunk's scratch table ...
            cursor.execute(f"DELETE FROM {SCRATCH}")
            sql, params = self._compute_lines(computed)
            cursor.execute(sql, [*params, *computed_params])
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {SCRATCH}")
            # 4. ... then a line whose figures changed is updated, a new one inserted, one whose month is no longer
            #    paid deleted; an unchanged line is not written at all (a recomputation rewrites only what changed).
            # Statements made by this chunk have no lines yet: nothing to compare or delete.
            recomputing = counts["statements_created"] < counts["statements_computed"]
            differs = " OR ".join(f"{LINE}.{column} <> n.{column}" for column in LINE_FIGURES)
            counts["lines_written"] = counts["lines_deleted"] = 0
            if recomputing:
                cursor.execute(
                    f"UPDATE {LINE} SET {', '.join(f'{column} = n.{column}' for column in LINE_FIGURES)} "
                    f"FROM {SCRATCH} n WHERE {in_range} AND {LINE}.statement_id = n.statement_id "
                    f"AND {LINE}.month = n.month AND ({differs})"
                )
                counts["lines_written"] += cursor.rowcount
            columns = f"statement_id, month, {', '.join(LINE_FIGURES)}"
            # (The unique index finds the lines that exist; a NOT EXISTS over the lines would read, in a year's first
            # chunk, every line this same statement inserts, while the statistics still call the table empty.)
            cursor.execute(
                f"INSERT INTO {LINE} ({columns}) SELECT {columns} FROM {SCRATCH} WHERE true "
                "ON CONFLICT (statement_id, month) DO NOTHING"
            )
            counts["lines_written"] += cursor.rowcount
            if recomputing:
                cursor.execute(
                    f"DELETE FROM {LINE} WHERE {in_range} "
                    f"AND statement_id IN (SELECT id FROM {STATEMENT} WHERE {computed}) "
                    f"AND NOT EXISTS (SELECT 1 FROM {SCRATCH} n WHERE n.statement_id = {LINE}.statement_id "
                    f"AND n.month = {LINE}.month)",
                    computed_params,
                )
                counts["lines_deleted"] += cursor.rowcount
            # 5. Totals and balance from the chunk's lines, written only where they changed (and computed_at then).
            cursor.execute(
                f"UPDATE {STATEMENT} SET due_total = t.due, paid_total = t.paid, balance = t.balance, "
                f"computed_at = %s FROM ("
                f"SELECT {STATEMENT}.id AS id, COALESCE(SUM(n.premium_due + n.per_capita_due), 0) AS due, "
                "COALESCE(SUM(n.amount_paid), 0) AS paid, COALESCE(SUM(n.difference), 0) AS balance "
                f"FROM {STATEMENT} LEFT JOIN {SCRATCH} n ON n.statement_id = {STATEMENT}.id WHERE {computed} "
                f"GROUP BY {STATEMENT}.id) t WHERE {STATEMENT}.id = t.id AND ("
                f"{STATEMENT}.due_total <> t.due OR {STATEMENT}.paid_total <> t.paid "
                f"OR {STATEMENT}.balance <> t.balance)",
                [now, *computed_params],
            )
            cursor.execute(f"SELECT COUNT(*) FROM {STATEMENT} WHERE {statements} AND status <> %s",
                           [*statement_params, COMPUTED])
            counts["statements_left_issued_or_settled"] = cursor.fetchone()[0]
        return counts

    def _compute_lines(self, computed: str) -> tuple[str, list[Any]]:
        # One VALUES row per (rate code, month) with every figure of that month, joined by a hash join to the
        # chunk's paid months, which are gathered first (MATERIALIZED): otherwise the planner may pair each contract
        # with every month of the table and probe the paid months once per pair.
        by_month = {row[0]: row for row in self.rates.months}
        figures = [(code, month, *by_month[month][1:], rate_bp) for code, month, rate_bp in self.rates.rates]
        rates_sql, rates_params = values_table(
            "rates", "rate_code, month, days, min_daily, ceiling_daily, per_capita, rate_bp", figures)
        base = "CAST(p.ratio AS BIGINT) * r.min_daily"
        # WITH comes after INSERT: Python's sqlite3 reports no row count for a statement that starts with WITH.
        sql = f"""
            INSERT INTO {SCRATCH} (statement_id, month, days, daily_wage_base, rate_bp, premium_due, per_capita_due,
                                   amount_paid, slip_number, difference)
            WITH {rates_sql},
            paid AS MATERIALIZED (
                SELECT {STATEMENT}.id AS statement_id, c.rate_code AS rate_code, c.wage_ratio_hundredths AS ratio,
                       c.treatment AS treatment, cm.month AS month, cm.persons AS persons,
                       cm.amount_paid AS amount_paid, cm.slip_number AS slip_number
                FROM {STATEMENT}
                JOIN {CONTRACT} c ON c.id = {STATEMENT}.contract_id
                JOIN {COVERED} cm ON cm.contract_id = c.id AND cm.month BETWEEN %s AND %s
                WHERE {computed}
            )
            SELECT statement_id, month, days, (2 * base + {rules.RATIO_BASIS}) / {2 * rules.RATIO_BASIS}, rate_bp,
                   premium, per_capita_due, amount_paid, slip_number, premium + per_capita_due - amount_paid
            FROM (
                SELECT statement_id, month, days, base, rate_bp, per_capita_due, amount_paid, slip_number,
                       (2 * base * days * rate_bp + {PREMIUM_DIVISOR}) / {2 * PREMIUM_DIVISOR} AS premium
                FROM (
                    SELECT p.statement_id AS statement_id, p.month AS month, r.days AS days, r.rate_bp AS rate_bp,
                           CASE WHEN {base} < r.ceiling_daily * {rules.RATIO_BASIS} THEN {base}
                                ELSE r.ceiling_daily * {rules.RATIO_BASIS} END AS base,
                           CASE WHEN p.treatment THEN r.per_capita * p.persons ELSE 0 END AS per_capita_due,
                           p.amount_paid AS amount_paid, p.slip_number AS slip_number
                    FROM paid p
                    JOIN rates r ON r.rate_code = p.rate_code AND r.month = p.month
                ) AS joined
            ) AS priced
        """
        return sql, [*rates_params, self.first, self.last]

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
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {SCRATCH} (statement_id bigint NOT NULL, month integer NOT NULL, "
            "days integer NOT NULL, daily_wage_base bigint NOT NULL, rate_bp integer NOT NULL, "
            "premium_due bigint NOT NULL, per_capita_due bigint NOT NULL, amount_paid bigint NOT NULL, "
            "slip_number varchar(16) NOT NULL, difference bigint NOT NULL, PRIMARY KEY (statement_id, month))"
        )


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


class Command(BaseCommand):
    help = "Computes every contract's account statement of a Jalali YEAR in set-based SQL (idempotent, resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="Jalali year, e.g. 1404")
        parser.add_argument("--branch", metavar="CODE", help="only the insured of this branch (4-digit code)")
        parser.add_argument("--chunk", type=int, default=5000, metavar="N",
                            help="contracts per transaction (default 5,000)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument("--issue", action="store_true",
                            help="then issue them: settle zero and credit balances, issue a debt slip for each debt")

    def handle(self, *args: Any, **options: Any) -> None:
        year, chunk = options["year"], options["chunk"]
        if chunk < 1:
            raise CommandError("--chunk must be at least 1")
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
            self._run(batch, chunk, bar, counts)
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

    def _run(self, batch: StatementBatch, chunk: int, bar: ProgressBar, counts: Counter[str]) -> None:
        after = 0
        bar.show(0)
        fresh_statistics(TABLES)
        create_scratch()
        while True:
            last_id, size = batch.next_chunk(after, chunk)
            if not size:
                return
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with transaction.atomic():
                done = batch.run_chunk(after, last_id, now)
            counts.update(done)
            if done["statements_created"] > chunk // 2 and counts["statements_created"] == done["statements_created"]:
                # The first chunk of a year's new statements: tell the planner the table is no longer empty.
                fresh_statistics([STATEMENT, LINE])
            counts["contracts"] += size
            after = last_id
            bar.show(counts["contracts"])

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
