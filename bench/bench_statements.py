"""Benchmark: compute_statements YEAR for N generated contracts (default 100,000) in a fresh database.

    .venv/bin/python bench/bench_statements.py [--contracts N] [--year 1404] [--chunk 20000] [--workers 2]
    # or: make bench-statements [BENCH_ROWS=N]

The contracts and their paid months (not timed): on PostgreSQL written by a few INSERT … SELECT over
generate_series, with the same shape as the legacy file bench_import.py writes (a million contracts load in a few
minutes, where import_insured would take most of an hour on a shared machine); on SQLite through import_insured
from a generated CSV file. Prints the seconds of a first run (every statement new) and of a second run (every
statement recomputed, none changed), each beside the single-statement limit measured around it on the same data
(one INSERT … SELECT … GROUP BY writing a row per contract), then checks a sample against statement_compute.
"""

from __future__ import annotations

import argparse
import random
import time
from io import StringIO
from typing import Any

from batch_support import ROOT, fresh_database, load_note, timed, write_csv, year_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=1404)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="compute_statements --workers (PostgreSQL)")
    options = parser.parse_args()
    url = fresh_database("bench_statements")

    from django.core.management import call_command
    from django.db import connection

    from insured.models import CoveredMonth, StatementLine

    loading = time.perf_counter()
    if connection.vendor == "postgresql":
        generate(options.contracts, options.year)
    else:
        path = ROOT / "var" / "bench" / f"statements_{options.contracts}.csv"
        write_csv(path, options.contracts, year_rows(options.contracts, options.year))
        call_command("import_insured", str(path), stdout=StringIO())
    loaded = time.perf_counter() - loading
    paid = CoveredMonth.objects.count()

    results: dict[str, tuple[float, float]] = {}
    args = [str(options.year), "--quiet", "--chunk", str(options.chunk), "--workers", str(options.workers)]
    limits = [single_statement_limit(options.year)]
    with timed("first", results):
        call_command("compute_statements", *args, stdout=StringIO())
    limits.append(single_statement_limit(options.year))
    lines = StatementLine.objects.count()
    with timed("again", results):
        call_command("compute_statements", *args, stdout=StringIO())
    limits.append(single_statement_limit(options.year))
    sample = check_sample(options.year)

    print(f"database: {url.split('://')[0]} ({url.rsplit('/', 1)[-1]}); {load_note()}")
    print(f"data: {options.contracts:,} contracts, {paid:,} paid months, loaded in {loaded:.0f} s (not timed)")
    print(f"single-statement limit (INSERT … SELECT … GROUP BY, a row per contract), before, between and after the "
          f"runs: {', '.join(f'{limit:.1f} s' for limit in limits)}")
    for index, (label, title) in enumerate((("first", "first run (all new)"),
                                            ("again", "second run (all recomputed, none changed)"))):
        wall, _ = results[label]
        limit = (limits[index] + limits[index + 1]) / 2
        print(f"compute_statements {options.year} --chunk {options.chunk} --workers {options.workers}, {title}: "
              f"{options.contracts:,} contracts, {lines:,} lines in {wall:.1f} s = "
              f"{options.contracts / wall:,.0f} contracts/s = {wall / limit:.1f}× the single-statement limit")
    print(f"{sample} sampled statements are identical to statement_compute's")


def generate(count: int, year: int) -> None:
    """`count` persons with a contract each, begun up to two years before `year` (from Farvardin two years back to
    Shahrivar of `year`), paid from their first month to a month of `year` (Shahrivar to Esfand, three years at
    most), every rate code, ratios 1.00–7.00, a quarter of the self-employed who began in 1403 or later with
    treatment for 1–4 persons; each month paid at the rates in force then. Seeded, so every run has the same data."""
    from django.db import connection, transaction

    from insured.models import Contract, CoveredMonth, InsuredPerson
    from samt.models import Branch
    from samt.persian import search_key

    first, last = (year - 2) * 12, year * 12 + 11  # month indexes: year × 12 + month − 1
    branches = list(Branch.objects.order_by("code").values_list("pk", flat=True))
    rates_sql, rates_params = month_rates(first, last)
    person, contract, covered = (model._meta.db_table for model in (InsuredPerson, Contract, CoveredMonth))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SELECT setseed(0.1404)")
        cursor.execute(
            "CREATE TEMPORARY TABLE generated ON COMMIT DROP AS "
            "SELECT n, code, CASE WHEN r_ratio < 6.0 / 7 THEN (ARRAY[100, 100, 100, 120, 150, 200])"
            "[1 + floor(r_ratio * 7)::int] ELSE 100 + floor(r_any * 601)::int END AS ratio, first_i, "
            f"LEAST(first_i + 35, {year * 12 + 5} + floor(r_last * 7)::int) AS last_i, "
            f"(code <> 'VOL' AND first_i >= {1403 * 12} AND {year} <= 1404 AND r_treatment < 0.25) AS treatment, "
            "1 + floor(r_persons * 4)::int AS persons, (%s::bigint[])[1 + floor(r_branch * %s)::int] AS branch_id "
            "FROM (SELECT n, (ARRAY['01', '02', '03', 'VOL'])[1 + floor(random() * 4)::int] AS code, "
            f"random() AS r_ratio, random() AS r_any, {first} + floor(random() * 30)::int AS first_i, "
            "random() AS r_last, random() AS r_treatment, random() AS r_persons, random() AS r_branch "
            "FROM generate_series(0, %s - 1) n) drawn",
            [branches, len(branches), count],
        )
        cursor.execute(
            f"INSERT INTO {person} (national_code, insurance_number, first_name, last_name, search_key, father_name, "
            "birth_date, gender, mobile, address, branch_id, created_at) "
            f"SELECT {national_code_sql('n * 10 + 1')}, (1000000000 + n)::text, 'مریم', 'رضایی', %s, 'علی', "
            "DATE '1980-03-21' + mod(n, 7300)::int, CASE WHEN mod(n, 2) = 0 THEN 'F' ELSE 'M' END, "
            "'0912' || lpad(mod(n, 10000000)::text, 7, '0'), 'تهران', branch_id, now() FROM generated",
            [search_key("مریم رضایی")],
        )
        cursor.execute(
            f"INSERT INTO {contract} (number, insured_id, scheme, rate_code, wage_ratio_hundredths, first_month, "
            "treatment, status, lapse_extension_used, created_at) "
            "SELECT '9' || lpad(g.n::text, 10, '0'), p.id, "
            "CASE WHEN g.code = 'VOL' THEN 'voluntary' ELSE 'self_employed' END, g.code, g.ratio, "
            "(g.first_i / 12) * 100 + mod(g.first_i, 12) + 1, g.treatment, 'active', false, now() "
            f"FROM generated g JOIN {person} p ON p.insurance_number = (1000000000 + g.n)::text"
        )
        base = "LEAST(CAST(g.ratio AS bigint) * r.min_daily, r.ceiling_daily * 100)"
        premium = f"(2 * {base} * r.days * r.rate_bp + 1000000) / 2000000"
        per_capita = "CASE WHEN g.treatment THEN r.per_capita ELSE 0 END"
        persons = "CASE WHEN g.treatment THEN g.persons ELSE 0 END"
        cursor.execute(
            f"INSERT INTO {covered} (contract_id, month, premium, per_capita, persons, amount_paid, slip_number, "
            "paid_on) "
            f"WITH {rates_sql} "
            f"SELECT c.id, (m.i / 12) * 100 + mod(m.i, 12) + 1, {premium}, {per_capita}, {persons}, "
            f"{premium} + {per_capita} * {persons}, 'legacy', DATE '2025-09-11' "
            f"FROM generated g JOIN {contract} c ON c.number = '9' || lpad(g.n::text, 10, '0') "
            "CROSS JOIN LATERAL generate_series(g.first_i, g.last_i) m(i) "
            "JOIN rates r ON r.rate_code = g.code AND r.i = m.i",
            rates_params,
        )
    with connection.cursor() as cursor:
        for table in (person, contract, covered):
            cursor.execute(f"VACUUM ANALYZE {table}")


def national_code_sql(body: str) -> str:
    """SQL for the valid national code whose first nine digits are `body` (domain.md §5's check digit)."""
    weighted = " + ".join(f"mod(({body}) / {10 ** (8 - i)}, 10) * {10 - i}" for i in range(9))
    remainder = f"mod({weighted}, 11)"
    return (f"lpad(({body})::text, 9, '0') || "
            f"(CASE WHEN {remainder} < 2 THEN {remainder} ELSE 11 - {remainder} END)::text")


def month_rates(first: int, last: int) -> tuple[str, list[Any]]:
    """`rates(rate_code, i, days, min_daily, ceiling_daily, per_capita, rate_bp)`: what was in force in each month
    index from `first` to `last`, read through the ledger."""
    from insured import ledger
    from insured.models import RateCode
    from samt.jalali import JalaliMonth

    fees = {year: row.per_capita_monthly for year in range(first // 12, last // 12 + 1)
            if (row := ledger.per_capita_row(year)) is not None}
    rows = []
    for i in range(first, last + 1):
        month = JalaliMonth(i // 12, i % 12 + 1)
        wage = ledger.wage_in_force(month)
        rows += [(code, i, month.days, wage.min_daily, wage.ceiling_daily, fees.get(month.year, 0),
                  ledger.rate_in_force(code, month)) for code in RateCode.values]
    one = "(%s, " + ", ".join(["CAST(%s AS bigint)"] * 6) + ")"
    return (f"rates(rate_code, i, days, min_daily, ceiling_daily, per_capita, rate_bp) AS "
            f"(VALUES {', '.join([one] * len(rows))})", [value for row in rows for value in row])


def single_statement_limit(year: int) -> float:
    """Seconds of one INSERT … SELECT … GROUP BY writing a row per contract from the year's paid months: what one
    statement of the database does with the same rows, measured on the machine as it is now."""
    from django.db import connection, transaction

    from insured.models import CoveredMonth

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS limit_rows (contract_id bigint, year integer, "
                       "due bigint, paid bigint)")
        cursor.execute(
            f"INSERT INTO limit_rows SELECT contract_id, %s, SUM(premium + per_capita * persons), SUM(amount_paid) "
            f"FROM {CoveredMonth._meta.db_table} WHERE month BETWEEN %s AND %s GROUP BY contract_id",
            [year, year * 100 + 1, year * 100 + 12],
        )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE limit_rows")
    return seconds


def check_sample(year: int, size: int = 50) -> int:
    """statement_compute on a random sample, in a transaction that is rolled back, must agree to the rial."""
    from django.db import transaction

    from insured.models import AccountStatement
    from insured.services import statement_compute
    from samt.actors import Actor

    def picture(statement: AccountStatement) -> tuple:
        lines = statement.lines.order_by("month").values_list("month", "premium_due", "per_capita_due",
                                                              "amount_paid", "difference")
        return statement.due_total, statement.paid_total, statement.balance, list(lines)

    ids = list(AccountStatement.objects.filter(year=year).values_list("pk", flat=True))
    chosen = AccountStatement.objects.filter(pk__in=random.Random(year).sample(ids, min(size, len(ids))))
    for statement in chosen.select_related("contract"):
        batch = picture(statement)
        with transaction.atomic():
            service = picture(statement_compute(actor=Actor.system("bench"), contract=statement.contract,
                                                year=year))
            transaction.set_rollback(True)
        assert batch == service, (statement.contract_id, batch, service)
    return chosen.count()


if __name__ == "__main__":
    main()
